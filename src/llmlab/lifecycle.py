"""Le cours « IA générative : cycle de vie » : les calculs de ses diapositives.

Quatre démonstrations, chacune sur les données ou les modèles du cours :

* **génératif ou discriminatif** : sur Boston Housing, un modèle génératif apprend
  p(pièces | classe) (une gaussienne par classe) et peut *inventer* des quartiers ; un modèle
  discriminatif (régression logistique) n'apprend que p(classe | pièces), la frontière ;
* **du RNN au Transformer** : l'influence de chaque caractère passé sur la prédiction du
  suivant, mesurée par gradient dans le GRU et le mini-GPT livrés ;
* **pré-entraîner** : les paires (contexte → token suivant) qu'un modèle causal apprend ;
* **la mémoire** : servir et entraîner, octets par paramètre lus dans `llmlab.costs`, et la
  règle courante « 4 Go par milliard, ~24 Go pour entraîner » vérifiée.
"""

from __future__ import annotations

import math

import numpy as np

from llmlab.costs import model_memory, training_memory
from llmlab.display import french_general, french_number, table_markdown, visible

# --- Génératif ou discriminatif ---------------------------------------------------------------

#: Un quartier « cher » : prix médian d'au moins 25 k$ (environ le quart le plus cher).
EXPENSIVE = 25.0


def rooms_and_price_class():
    """(x, y) : nombre moyen de pièces (RM) des 506 quartiers, et 1 si le quartier est
    « cher » (MEDV ≥ 25 k$), sinon 0."""
    from llmlab.data import BOSTON_FEATURES, load_boston_raw

    x, medv = load_boston_raw()
    return x[:, BOSTON_FEATURES.index("RM")], (medv >= EXPENSIVE).astype(int)


class GaussianClasses:
    """Modèle **génératif** : p(classe) et une gaussienne p(x | classe) par classe.

    Il décrit comment naissent les données ; la règle de Bayes en tire p(classe | x), et
    `sample` fabrique des exemples nouveaux, ce qu'un modèle discriminatif ne sait pas faire.
    """

    def __init__(self, x, y):
        x, y = np.asarray(x, dtype=float), np.asarray(y)
        self.classes = np.unique(y)
        self.prior = np.array([np.mean(y == c) for c in self.classes])
        self.mean = np.array([x[y == c].mean() for c in self.classes])
        self.std = np.array([x[y == c].std() for c in self.classes])

    def density(self, x):
        """p(x | classe) pour chaque classe : tableau (len(x), classes)."""
        z = (np.asarray(x, dtype=float)[:, None] - self.mean) / self.std
        return np.exp(-(z**2) / 2) / (self.std * math.sqrt(2 * math.pi))

    def posterior(self, x):
        """p(classe | x) par la règle de Bayes : p(x | c)·p(c) / p(x)."""
        joint = self.density(x) * self.prior
        return joint / joint.sum(axis=1, keepdims=True)

    def sample(self, n: int, label: int, seed: int = 0):
        """``n`` valeurs de x tirées de p(x | classe ``label``) : des exemples inventés."""
        k = int(np.flatnonzero(self.classes == label)[0])
        return np.random.default_rng(seed).normal(self.mean[k], self.std[k], n)


def fit_logistic(x, y, steps: int = 2000, lr: float = 0.5):
    """Modèle **discriminatif** : p(y = 1 | x) = σ(w·x + b), par descente de gradient sur
    l'entropie croisée. Rend (w, b) ; x est centré-réduit pendant l'apprentissage puis les
    coefficients sont ramenés à l'échelle d'origine."""
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    mu, sigma = x.mean(), x.std()
    z = (x - mu) / sigma
    w = b = 0.0
    for _ in range(steps):
        p = 1 / (1 + np.exp(-(w * z + b)))
        w -= lr * np.mean((p - y) * z)
        b -= lr * np.mean(p - y)
    return w / sigma, b - w * mu / sigma


def plot_generative_vs_discriminative(x, y, ax=None):
    """Deux panneaux : à gauche les deux gaussiennes du modèle génératif sur les
    histogrammes et des quartiers inventés ; à droite p(cher | pièces) des deux modèles."""
    import matplotlib.pyplot as plt

    from llmlab import style
    from llmlab.display import french_ticks

    colors = style.read_palette()
    gen = GaussianClasses(x, y)
    w, b = fit_logistic(x, y)
    grid = np.linspace(3.5, 9, 300)
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 3.6))
    for label, color, name in ((0, colors["gray-3"], "autres"), (1, colors["accent"], "chers")):
        k = int(np.flatnonzero(gen.classes == label)[0])
        left.hist(
            x[y == label],
            bins=30,
            range=(3.5, 9),
            density=True,
            color=color,
            alpha=0.35,
            label=f"quartiers {name}",
        )
        left.plot(grid, gen.density(grid)[:, k], color=color)
    fake = gen.sample(8, 1, seed=1)
    left.plot(fake, np.zeros_like(fake), "v", color=colors["ink"], ms=9, label="inventés (chers)")
    left.set(xlabel="pièces par logement", ylabel="densité", title="génératif : p(pièces | classe)")
    left.legend(fontsize=9)
    right.plot(grid, gen.posterior(grid)[:, 1], color=colors["accent"], label="génératif + Bayes")
    right.plot(
        grid,
        1 / (1 + np.exp(-(w * grid + b))),
        "--",
        color=colors["ink"],
        label="régression logistique",
    )
    right.set(
        xlabel="pièces par logement",
        ylabel="p(cher | pièces)",
        title="discriminatif : p(classe | pièces)",
    )
    right.legend(fontsize=9)
    for a in (left, right):
        french_ticks(a)
    fig.tight_layout()
    return fig


# --- Du RNN au Transformer --------------------------------------------------------------------


def position_influence(model, embedding, windows) -> np.ndarray:
    """Influence moyenne de chaque position passée sur la prédiction du dernier token.

    ``windows`` : tenseur (n, T) de tokens ; ``embedding`` : le module d'embedding du modèle.
    Pour chaque fenêtre, on dérive la log-probabilité du vrai token suivant (la dernière
    colonne) par rapport à la sortie de l'embedding : la norme du gradient à la position t
    mesure combien le token t pèse dans la prédiction. Rend (T − 1,) : distance 1, 2, …
    """
    import torch

    kept = {}

    def keep(_module, _inputs, output):
        output.retain_grad()
        kept["emb"] = output

    handle = embedding.register_forward_hook(keep)
    try:
        model.eval()
        inputs, target = windows[:, :-1], windows[:, -1]
        logits = model(inputs)
        logits = logits[0] if isinstance(logits, tuple) else logits
        logp = torch.log_softmax(logits[:, -1], dim=-1)
        logp.gather(1, target[:, None]).sum().backward()
        norms = kept["emb"].grad.norm(dim=-1).mean(dim=0)  # (T − 1,)
    finally:
        handle.remove()
        model.zero_grad(set_to_none=True)
    return norms.flip(0).detach().numpy()  # distance 1 = le dernier token lu


def text_windows(tokenizer, text: str, length: int, n: int, seed: int = 0):
    """``n`` fenêtres de ``length`` tokens tirées au hasard dans ``text`` (tenseur (n, length))."""
    import torch

    ids = torch.tensor(tokenizer.encode(text))
    if len(ids) <= length:
        raise ValueError(f"Texte trop court : il faut plus de {length} tokens.")
    starts = np.random.default_rng(seed).integers(0, len(ids) - length, n)
    return torch.stack([ids[s : s + length] for s in starts])


def plot_influence(curves: dict, window: int | None = None, ax=None):
    """Courbes d'influence (``{nom: tableau}``) en fonction de la distance, axe log,
    chacune divisée par sa valeur à la distance 1 ; ``window`` : la fenêtre de contexte du
    Transformer, en pointillés (il ne voit rien au-delà)."""
    import matplotlib.pyplot as plt

    from llmlab import style

    colors = style.read_palette()
    if ax is None:
        _, ax = plt.subplots(figsize=(10, 3.8))
    for (name, values), color in zip(curves.items(), (colors["accent"], colors["ink"])):
        ax.semilogy(np.arange(1, len(values) + 1), values / values[0], color=color, label=name)
    if window:
        ax.axvline(
            window, color=colors["muted"], ls=":", label=f"fenêtre du Transformer ({window})"
        )
    ax.set(xlabel="distance au token prédit (caractères)", ylabel="influence / influence à 1")
    ax.legend()
    ax.figure.tight_layout()
    return ax


# --- Pré-entraîner : l'objectif causal --------------------------------------------------------


def causal_pairs(ids, n: int | None = None) -> list[tuple[list[int], int]]:
    """Les exemples d'entraînement d'un modèle causal : (tokens 0…t−1, token t) pour chaque t.

    Un texte de N tokens en donne N − 1, sans étiquette écrite par personne : le texte est
    sa propre réponse (apprentissage auto-supervisé).
    """
    ids = list(ids)
    pairs = [(ids[:t], ids[t]) for t in range(1, len(ids))]
    return pairs if n is None else pairs[:n]


def causal_pairs_table(text: str, tokenizer, n: int = 6) -> str:
    """Le tableau Markdown des ``n`` premières paires causales de ``text``, tokens lisibles."""
    ids = tokenizer.encode(text)

    def show(token_id):
        return (
            "`"
            + visible(
                tokenizer.decode_bytes([token_id])
                if hasattr(tokenizer, "decode_bytes")
                else tokenizer.decode([token_id]).encode()
            )
            + "`"
        )

    rows = [
        (" ".join(show(i) for i in context), "→", show(target))
        for context, target in causal_pairs(ids, n)
    ]
    return table_markdown(rows, ["contexte (entrée)", "", "token à prédire"], align="lcl")


# --- La mémoire : servir et entraîner ----------------------------------------------------------

#: Ordre de grandeur des activations et tampons temporaires, en octets par paramètre, que
#: suppose la règle « ~24 Go pour entraîner un milliard de paramètres » (cours « Generative
#: AI with LLMs » de DeepLearning.AI) : elles dépendent en vérité du lot et de la longueur
#: des séquences, pas du nombre de paramètres.
ACTIVATIONS_RULE_OF_THUMB = 8


def memory_rule_rows(n_params: float = 1e9) -> list[tuple[str, float, float]]:
    """La règle « ~24 Go pour entraîner » décomposée : (ce qui est stocké, octets par
    paramètre, octets pour ``n_params``). Les quatre premières lignes viennent de
    `llmlab.costs.training_memory` (FP32, Adam) ; la dernière est l'ordre de grandeur
    `ACTIVATIONS_RULE_OF_THUMB`."""
    per = training_memory(1, precision="fp32", optimizer="adam")
    rows = [
        ("poids (FP32)", per["weights"]),
        ("gradients (FP32)", per["gradients"]),
        ("Adam : moyenne m (FP32)", per["optimizer"] / 2),
        ("Adam : moyenne v (FP32)", per["optimizer"] / 2),
        ("activations, tampons (ordre de grandeur)", ACTIVATIONS_RULE_OF_THUMB),
    ]
    return [(name, b, b * n_params) for name, b in rows]


def memory_rule_table(n_params: float = 1e9) -> str:
    """Le tableau Markdown de `memory_rule_rows`, avec le total."""
    rows = memory_rule_rows(n_params)
    total = sum(r[1] for r in rows)
    lines = [(name, french_number(b, 0), f"{french_number(v / 1e9, 0)} Go") for name, b, v in rows]
    lines.append(
        (
            "**total**",
            f"**{french_number(total, 0)}**",
            f"**{french_number(total * n_params / 1e9, 0)} Go**",
        )
    )
    billions = french_general(n_params / 1e9, 3)
    header = f"pour {billions} milliard{'s' if n_params >= 2e9 else ''}"
    return table_markdown(lines, ["pour chaque paramètre", "octets", header], align="lrr")


#: Les lignes de `llmlab.costs.training_memory`, en français.
MEMORY_LABELS = {
    "weights": "poids",
    "gradients": "gradients",
    "optimizer": "Adam",
    "master_weights": "copie FP32",
    "activations": "activations",
}


def training_breakdown(n_params: float, precision: str = "mixed") -> str:
    """Une ligne lisible : le total pour entraîner avec Adam et ses morceaux non nuls,
    en Go (« 16 Go : poids 2, gradients 2, Adam 8, copie FP32 4 »)."""
    m = training_memory(n_params, precision=precision, optimizer="adam")
    parts = ", ".join(
        f"{MEMORY_LABELS[k]} {french_general(v / 1e9, 3)}"
        for k, v in m.items()
        if k != "total" and v
    )
    return f"{french_general(m['total'] / 1e9, 3)} Go : {parts}"


#: Les colonnes du tableau de mémoire : (titre, fonction de N → octets).
MEMORY_COLUMNS = (
    ("servir FP32", lambda n: model_memory(n, "float32")),
    ("servir FP16", lambda n: model_memory(n, "float16")),
    ("servir int4", lambda n: model_memory(n, "int4")),
    ("entraîner (Adam)", lambda n: training_memory(n, "mixed", "adam")["total"]),
)


def memory_table(models: dict) -> str:
    """Le tableau Markdown : pour chaque modèle ({nom: paramètres}), la mémoire des poids
    pour servir en FP32, FP16, int4, et pour entraîner avec Adam en précision mixte (hors
    activations et cache KV)."""

    def size(n_bytes):
        for unit, scale in (("To", 1e12), ("Go", 1e9), ("Mo", 1e6)):
            if n_bytes >= scale:
                return f"{french_general(n_bytes / scale, 3)} {unit}"
        return f"{french_general(n_bytes / 1e3, 3)} ko"

    rows = [(name, *(size(f(n)) for _, f in MEMORY_COLUMNS)) for name, n in models.items()]
    return table_markdown(rows, ["modèle", *(t for t, _ in MEMORY_COLUMNS)], align="lrrrr")


#: Ordres de grandeur du cours : une taille de modèle, les tâches qu'elle sert d'habitude, et
#: où elle tourne. Des repères pour discuter, pas des règles.
SIZE_GUIDE = (
    (1e9, "classer, extraire, compléter sur un téléphone"),
    (8e9, "résumer, reformuler, assistant sur un portable"),
    (70e9, "assistant généraliste, code (un ou deux GPU)"),
    (400e9, "raisonnement difficile, connaissances larges (grappe)"),
)


def size_table(guide=SIZE_GUIDE) -> str:
    """Le tableau Markdown « taille selon la tâche », avec la place des poids en FP16
    (`llmlab.costs.model_memory`)."""
    rows = [
        (
            f"{french_number(n / 1e9, 0)} milliard{'s' if n >= 2e9 else ''}",
            f"{french_general(model_memory(n, 'float16') / 1e9, 3)} Go",
            task,
        )
        for n, task in guide
    ]
    return table_markdown(rows, ["paramètres", "poids en FP16", "tâches typiques"], align="lrl")


# --- INT8 à côté des flottants ------------------------------------------------------------------


def int8_roundtrip(values, scale: float | None = None):
    """``values`` quantifiées en int8 absmax puis relues : (relues, échelle).

    Sans ``scale``, l'échelle est max|values| / 127 (`llmlab.quantize.absmax_quantize`) ;
    avec, les valeurs au-delà de 127·scale sont écrêtées : l'int8 ne déborde pas vers
    l'infini, il sature."""
    import torch

    from llmlab.quantize import absmax_dequantize, absmax_quantize

    x = torch.as_tensor(np.asarray(values, dtype=float), dtype=torch.float32)
    if scale is None:
        q, s = absmax_quantize(x)
    else:
        s = torch.tensor(float(scale))
        q = torch.round(x / s).clamp(-127, 127).to(torch.int8)
    return absmax_dequantize(q, s).numpy(), float(s)
