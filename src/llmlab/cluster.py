"""Répartir un entraînement sur une grappe de GPU, compté sur le papier (sans torch).

Trois comptes qui précèdent toute exécution (celle-ci est dans `llmlab.parallel`) :

* **le mur de la mémoire** : octets par GPU pour entraîner N paramètres, selon le
  stade de ZeRO (`plot_memory_wall`, d'après `llmlab.costs.training_memory`) ;
* **la bulle du pipeline** : le modèle est coupé en ``p`` étages de couches
  consécutives, un par GPU, et le lot en ``m`` micro-lots qui se suivent comme sur
  une chaîne de montage. Au démarrage et à la vidange, des GPU attendent : la
  bulle, la fraction (p − 1) / (m + p − 1) de leur temps (`bubble_fraction`).
  `gpipe_schedule` simule l'ordonnancement GPipe, `schedule_bubble` y mesure le
  temps mort (les tests le comparent à la formule) ;
* **les groupes du parallélisme 3-D** : qui échange avec qui quand on combine
  tenseurs, pipeline et données (`parallel_groups`, `plot_3d_parallelism`).

Rien ici n'importe torch : le module se charge en un instant.
"""

from __future__ import annotations

from dataclasses import dataclass


def bubble_fraction(stages: int, micro_batches: int) -> float:
    """Part du temps où un GPU attend : (p − 1) / (m + p − 1).

    Avec ``p`` étages et ``m`` micro-lots, chaque GPU travaille
    pendant m créneaux sur m + p − 1 : p − 1 créneaux pour que
    la chaîne se remplisse (ou se vide). Plus de micro-lots
    diluent la bulle.
    """
    _check_counts(stages, micro_batches)
    return (stages - 1) / (micro_batches + stages - 1)


def _check_counts(stages, micro_batches) -> None:
    for name, value in (("stages", stages), ("micro_batches", micro_batches)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{name} doit être un entier ≥ 1 (reçu {value!r}).")


@dataclass(frozen=True)
class Task:
    """Une tâche d'un étage : passe avant (« F ») ou arrière
    (« B ») d'un micro-lot, de ``start`` à ``start + duration``."""

    stage: int
    micro_batch: int
    kind: str
    start: float
    duration: float

    @property
    def end(self) -> float:
        return self.start + self.duration


def gpipe_schedule(stages: int, micro_batches: int, backward_cost: float = 2.0) -> list[Task]:
    """L'ordonnancement GPipe : toutes les passes avant, puis
    toutes les passes arrière (dernier micro-lot d'abord).

    Une passe avant dure 1, une passe arrière
    ``backward_cost`` (environ 2 : deux produits par couche).
    Chaque tâche démarre dès que l'étage est libre et que sa
    donnée est prête : l'activation de l'étage d'avant (F),
    le gradient de l'étage d'après (B).
    """
    _check_counts(stages, micro_batches)
    if not backward_cost > 0:
        raise ValueError(f"backward_cost doit être > 0 (reçu {backward_cost!r}).")
    p, m = stages, micro_batches
    tasks, free = [], [0.0] * p  # free[s] : l'étage s est libre
    fwd_end = [[0.0] * m for _ in range(p)]
    for i in range(m):
        for s in range(p):
            ready = fwd_end[s - 1][i] if s else 0.0
            start = max(ready, free[s])
            tasks.append(Task(s, i, "F", start, 1.0))
            fwd_end[s][i] = free[s] = start + 1.0
    bwd_end = [[0.0] * m for _ in range(p)]
    for i in reversed(range(m)):
        for s in reversed(range(p)):
            ready = bwd_end[s + 1][i] if s < p - 1 else 0.0
            start = max(ready, free[s])
            tasks.append(Task(s, i, "B", start, backward_cost))
            bwd_end[s][i] = free[s] = start + backward_cost
    return tasks


def schedule_bubble(tasks: list[Task]) -> float:
    """Part du temps mort, mesurée sur un ordonnancement :
    1 − (temps de travail) / (étages × durée totale)."""
    if not tasks:
        raise ValueError("L'ordonnancement est vide.")
    stages = 1 + max(t.stage for t in tasks)
    makespan = max(t.end for t in tasks)
    busy = sum(t.duration for t in tasks)
    return 1.0 - busy / (stages * makespan)


# --------------------------------------------------------------------------
# Figures
# --------------------------------------------------------------------------


def plot_pipeline_schedule(
    stages: int = 4, micro_batches: int = 4, backward_cost: float = 2.0, ax=None
):
    """Le diagramme de GPipe : une ligne par GPU, une case par
    tâche (F clair, B foncé, numéro du micro-lot), les temps
    morts hachurés. Renvoie l'``Axes``."""
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch, Rectangle
    from matplotlib.ticker import MaxNLocator

    from llmlab.display import french_number
    from llmlab.style import read_palette

    c = read_palette()
    tasks = gpipe_schedule(stages, micro_batches, backward_cost)
    makespan = max(t.end for t in tasks)
    if ax is None:
        _, ax = plt.subplots(figsize=(10, 0.7 * stages + 1.4))
    for s in range(stages):  # le fond de chaque ligne : la bulle
        ax.add_patch(
            Rectangle(
                (0, s - 0.4),
                makespan,
                0.8,
                hatch="///",
                facecolor=c["paper"],
                edgecolor=c["gray-2"],
                linewidth=0,
            )
        )
    for t in tasks:
        dark = t.kind == "B"
        ax.add_patch(
            Rectangle(
                (t.start, t.stage - 0.4),
                t.duration,
                0.8,
                facecolor=c["gray-4"] if dark else c["gray-1"],
                edgecolor=c["paper"],
                linewidth=1.5,
            )
        )
        ax.text(
            t.start + t.duration / 2,
            t.stage,
            str(t.micro_batch + 1),
            ha="center",
            va="center",
            fontsize=11,
            color=c["paper"] if dark else c["ink"],
        )
    ax.set_xlim(0, makespan)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylim(stages - 0.5, -0.5)
    ax.set_yticks(range(stages), [f"GPU {s}" for s in range(stages)])
    ax.set_xlabel("temps (une passe avant = 1)")
    ax.grid(False)
    bubble = french_number(100 * schedule_bubble(tasks), 0)
    ax.legend(
        handles=[
            Patch(facecolor=c["gray-1"], label="passe avant"),
            Patch(facecolor=c["gray-4"], label="passe arrière"),
            Patch(
                facecolor=c["paper"],
                edgecolor=c["gray-2"],
                hatch="///",
                label=f"bulle : {bubble} %",
            ),
        ],
        loc="upper center",
        bbox_to_anchor=(0.5, -0.28),
        ncol=3,
    )
    return ax


def plot_bubble(stages=(2, 4, 8), max_micro_batches: int = 32, ax=None):
    """La bulle (p − 1) / (m + p − 1) selon le nombre de
    micro-lots ``m``, une courbe par nombre d'étages ``p``.
    Renvoie l'``Axes``."""
    import matplotlib.pyplot as plt
    from matplotlib.ticker import PercentFormatter

    if ax is None:
        _, ax = plt.subplots(figsize=(10, 4))
    ms = list(range(1, max_micro_batches + 1))
    for p in stages:
        ax.plot(
            ms,
            [100 * bubble_fraction(p, m) for m in ms],
            marker="o",
            markersize=3,
            label=f"{p} étages",
        )
    ax.set_xlabel("micro-lots par lot (m)")
    ax.set_ylabel("temps mort de chaque GPU")
    # « 100 % » à la française : espace insécable avant le signe.
    ax.yaxis.set_major_formatter(PercentFormatter(decimals=0, symbol="\u00a0%"))
    ax.set_ylim(0, 100)
    ax.set_xlim(1, max_micro_batches)
    ax.legend()
    return ax


# --------------------------------------------------------------------------
# Parallélisme 3-D
# --------------------------------------------------------------------------


def parallel_groups(tp: int, pp: int, dp: int) -> dict[str, list[list[int]]]:
    """Les groupes de rangs d'un parallélisme 3-D : ``{"tensor", "pipeline", "data"}``.

    Ordre « tp-pp-dp » (une option de Megatron-LM) : le GPU du morceau tensoriel t, de
    l'étage s et de la réplique d a le rang (d·pp + s)·tp + t. Les rangs d'un groupe
    tensoriel se suivent : ils tiennent dans une machine (NVLink) ; pipeline et données
    traversent le réseau."""
    for name, n in (("tp", tp), ("pp", pp), ("dp", dp)):
        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            raise ValueError(f"{name} doit être un entier ≥ 1 (reçu {n!r}).")

    def rank(d, s, t):
        return (d * pp + s) * tp + t

    return {
        "tensor": [[rank(d, s, t) for t in range(tp)] for d in range(dp) for s in range(pp)],
        "pipeline": [[rank(d, s, t) for s in range(pp)] for d in range(dp) for t in range(tp)],
        "data": [[rank(d, s, t) for d in range(dp)] for s in range(pp) for t in range(tp)],
    }


def plot_3d_parallelism(tp: int = 2, pp: int = 4, dp: int = 2, ax=None):
    """Les ``tp·pp·dp`` GPU d'un parallélisme 3-D : une machine
    (cadre) par étage de pipeline et par réplique, ``tp`` GPU
    par machine. Flèches : le pipeline ; pointillés : l'all-reduce
    des gradients entre répliques. Renvoie l'``Axes``."""
    import matplotlib.pyplot as plt
    from matplotlib.patches import FancyBboxPatch, Rectangle

    from llmlab.style import read_palette

    c = read_palette()
    groups = parallel_groups(tp, pp, dp)
    if ax is None:
        _, ax = plt.subplots(figsize=(10, 1.6 * dp + 0.8))
    size, gap = 0.8, 0.15  # un GPU ; l'écart dans une machine
    node_w = tp * size + (tp - 1) * gap + 0.4
    step_x, step_y = node_w + 0.9, size + 1.0

    def gpu_xy(rank):
        d, rest = divmod(rank, pp * tp)
        s, t = divmod(rest, tp)
        return s * step_x + 0.2 + t * (size + gap), -d * step_y

    for d in range(dp):
        for s in range(pp):
            x0, y0 = s * step_x, -d * step_y - 0.2
            ax.add_patch(
                FancyBboxPatch(
                    (x0, y0),
                    node_w,
                    size + 0.4,
                    boxstyle="round,pad=0,rounding_size=0.15",
                    facecolor=c["sheet"],
                    edgecolor=c["frame"],
                    linewidth=1.2,
                )
            )
            if s < pp - 1:
                ax.annotate(
                    "",
                    xy=((s + 1) * step_x, y0 + 0.6),
                    xytext=(x0 + node_w, y0 + 0.6),
                    arrowprops={"arrowstyle": "->", "color": c["ink"], "linewidth": 1.5},
                )
    for group in groups["data"]:
        xs, ys = zip(*(gpu_xy(r) for r in group))
        ax.plot(
            [x + size / 2 for x in xs],
            [y + size / 2 for y in ys],
            linestyle=":",
            color=c["accent"],
            linewidth=1.8,
            zorder=1,
        )
    for rank in range(tp * pp * dp):
        x, y = gpu_xy(rank)
        ax.add_patch(
            Rectangle((x, y), size, size, facecolor=c["ink"], edgecolor=c["ink"], zorder=2)
        )
        ax.text(
            x + size / 2,
            y + size / 2,
            str(rank),
            ha="center",
            va="center",
            color=c["paper"],
            fontsize=12,
            zorder=3,
        )
    for s in range(pp):
        ax.text(
            s * step_x + node_w / 2,
            1.05,
            f"étage {s + 1}",
            ha="center",
            va="bottom",
            color=c["muted"],
            fontsize=12,
        )
    for d in range(dp):
        ax.text(
            -0.25,
            -d * step_y + size / 2,
            f"réplique {d + 1}",
            ha="right",
            va="center",
            color=c["muted"],
            fontsize=12,
        )
    ax.set_xlim(-2.3, pp * step_x - 0.8)
    ax.set_ylim(-(dp - 1) * step_y - 0.5, 1.6)
    ax.set_aspect("equal")
    ax.axis("off")
    return ax


# --------------------------------------------------------------------------
# Parallélisme tensoriel
# --------------------------------------------------------------------------


def plot_megatron_mlp(world_size: int = 2, ax=None):
    """Le MLP Y = GELU(X·A)·B coupé à la Megatron-LM sur
    ``world_size`` GPU, une ligne par GPU : A par colonnes, B par
    lignes, chaque GPU calcule un Y partiel ; un all-reduce les
    somme. Tailles à l'échelle (d, 4d). Renvoie l'``Axes``."""
    import matplotlib.pyplot as plt
    from matplotlib.patches import Rectangle

    from llmlab.style import read_palette

    if isinstance(world_size, bool) or not isinstance(world_size, int) or not 1 <= world_size <= 4:
        raise ValueError(f"world_size doit être un entier de 1 à 4 (reçu {world_size!r}).")
    c = read_palette()
    if ax is None:
        _, ax = plt.subplots(figsize=(10, 1.45 * world_size + 0.6))
    d, T, k = 0.5, 1.0, 2.0 / world_size  # d, 4d/N (échelle)
    shades = [c["gray-2"], c["gray-4"], c["gray-3"], c["ink"]]
    row_h = T + 0.45

    def box(x, y, w, h, face, label, below):
        ax.add_patch(
            Rectangle((x, y - h / 2), w, h, facecolor=face, edgecolor=c["ink"], linewidth=1)
        )
        ax.text(
            x + w / 2,
            y,
            label,
            ha="center",
            va="center",
            fontsize=12,
            color=c["ink"] if face in (c["sheet"], c["gray-2"], c["gray-1"]) else c["paper"],
        )
        if below:
            ax.text(
                x + w / 2,
                y - h / 2 - 0.05,
                below,
                ha="center",
                va="top",
                fontsize=10,
                color=c["muted"],
            )
        return x + w

    def sign(x, y, text):
        ax.text(x + 0.17, y, text, ha="center", va="center", fontsize=14)
        return x + 0.34

    sub = "₀₁₂₃"
    ends = []
    for i in range(world_size):
        y, face = -i * row_h, shades[i]
        x = box(0, y, d, T, c["sheet"], "X", "copie" if i == 0 else "")
        x = sign(x, y, "·")
        x = box(x, y, k * d * 2, d, face, f"A{sub[i]}", "colonnes" if i == 0 else "")
        x = sign(x, y, "→")
        ax.text(x + 0.25, y, "GELU", ha="center", va="center", fontsize=11, color=c["muted"])
        x = sign(x + 0.5, y, "→")
        x = box(x, y, k * d * 2, T, face, f"H{sub[i]}", "")
        x = sign(x, y, "·")
        x = box(x, y, d, k * d * 2, face, f"B{sub[i]}", "lignes" if i == 0 else "")
        x = sign(x, y, "=")
        x = box(x, y, d, T, face, f"Y{sub[i]}", "partiel" if i == 0 else "")
        ends.append((x, y))
    mid = -(world_size - 1) * row_h / 2
    sx = ends[0][0] + 0.9
    for x, y in ends:
        ax.annotate(
            "",
            xy=(sx, mid),
            xytext=(x + 0.05, y),
            arrowprops={"arrowstyle": "->", "color": c["accent"], "linewidth": 1.5},
        )
    ax.text(sx + 0.05, mid, "Σ", ha="left", va="center", fontsize=20, color=c["accent"])
    ax.text(
        sx + 0.12, mid - 0.3, "all-reduce", ha="center", va="top", fontsize=11, color=c["accent"]
    )
    ax.annotate(
        "",
        xy=(sx + 0.85, mid),
        xytext=(sx + 0.35, mid),
        arrowprops={"arrowstyle": "->", "color": c["accent"], "linewidth": 1.5},
    )
    box(sx + 0.9, mid, d, T, c["sheet"], "Y", "entier")
    ax.set_xlim(-0.1, sx + 0.9 + d + 0.1)
    ax.set_ylim(-(world_size - 1) * row_h - T / 2 - 0.35, T / 2 + 0.1)
    ax.set_aspect("equal")
    ax.axis("off")
    return ax


# --------------------------------------------------------------------------
# Le mur de la mémoire
# --------------------------------------------------------------------------

#: Les parts de la mémoire d'entraînement, dans l'ordre des barres.
MEMORY_PARTS = {
    "weights": "poids (16 bits)",
    "gradients": "gradients (16 bits)",
    "master_weights": "copie float32 des poids",
    "optimizer": "moments d'Adam (float32)",
}


def plot_memory_wall(n_params: float = 175e9, n_gpus: int = 64, gpu_memory: float = 80e9, ax=None):
    """Octets par GPU pour entraîner ``n_params`` paramètres en
    précision mixte avec Adam, sans ZeRO puis aux stades 1 à 3 sur
    ``n_gpus`` GPU, contre la mémoire d'une carte (80 Go : A100,
    H100). Activations non comptées. Renvoie l'``Axes``."""
    import matplotlib.pyplot as plt

    from llmlab.costs import training_memory
    from llmlab.display import french_number
    from llmlab.style import read_palette

    c = read_palette()
    if ax is None:
        _, ax = plt.subplots(figsize=(10, 4))
    shades = [c["gray-1"], c["gray-2"], c["gray-3"], c["gray-4"]]
    labels = ["sans ZeRO"] + [f"ZeRO {k}" for k in (1, 2, 3)]
    for row, stage in enumerate(range(4)):
        mem = training_memory(n_params, "mixed", "adam", stage, n_gpus)
        left = 0.0
        for (key, name), shade in zip(MEMORY_PARTS.items(), shades):
            width = mem[key] / 1e9
            ax.barh(
                row,
                width,
                left=left,
                color=shade,
                edgecolor=c["paper"],
                label=name if row == 0 else None,
            )
            left += width
        ax.text(
            max(left, gpu_memory / 1e9) + 30,
            row,
            f"{french_number(left, 0)} Go",
            va="center",
            fontsize=12,
        )
    ax.axvline(gpu_memory / 1e9, color=c["accent"], linewidth=2)
    ax.text(
        gpu_memory / 1e9 + 30,
        3.45,
        f"une carte : {french_number(gpu_memory / 1e9, 0)} Go",
        color=c["accent"],
        fontsize=12,
        va="bottom",
    )
    ax.set_yticks(range(4), labels)
    ax.set_ylim(3.7, -0.5)
    ax.set_xlabel(f"Go par GPU ({n_gpus} GPU)")
    ax.legend(loc="lower right", fontsize=11)
    return ax
