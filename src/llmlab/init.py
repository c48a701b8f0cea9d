"""L'initialisation des poids et ce qu'elle fait aux activations.

Avant le premier pas, les poids sont tirés au hasard. Leur taille
décide de la taille des signaux : chaque couche multiplie la variance
de ses entrées par ``n_in · Var(w)`` (et par ce que garde l'activation).

- **zéros** : toutes les sorties sont nulles et tous les neurones d'une
  couche reçoivent le même gradient : ils restent identiques ;
- **trop petite** (écart type 0,01) : le signal rétrécit à chaque
  couche et meurt en quelques couches ;
- **Xavier/Glorot** : Var(w) = 2 / (n_in + n_out), pour tanh et les
  couches linéaires (le signal garde sa taille à l'aller et au retour) ;
- **He** : Var(w) = 2 / n_in, pour ReLU, qui met la moitié des valeurs
  à zéro (le 2 compense).

Les tirages suivent ``torch.nn.init`` (``xavier_uniform_``,
``kaiming_normal_``) : avec le même générateur, les tests retrouvent
les mêmes nombres. Les poids ont la forme de ``torch.nn.Linear`` :
``(n_out, n_in)``.
"""

from __future__ import annotations

import math

import torch

#: Les initialisations du cours, dans l'ordre des figures.
INITS = ("zéros", "trop petite", "Xavier", "He")
#: Écart type de l'initialisation « trop petite ».
SMALL_STD = 0.01


# fmt: off
def init_weight(kind: str, n_in: int, n_out: int,
                generator: torch.Generator | None = None
                ) -> torch.Tensor:
    """Poids ``(n_out, n_in)`` initialisés selon ``kind``."""
    w = torch.empty(n_out, n_in)
    if kind == "zéros":
        return w.zero_()
    if kind == "trop petite":
        return w.normal_(0.0, SMALL_STD, generator=generator)
    if kind == "Xavier":      # uniforme [−a, a] : Var = a²/3
        a = math.sqrt(6.0 / (n_in + n_out))
        return w.uniform_(-a, a, generator=generator)
    if kind == "He":          # normale, Var = 2 / n_in
        std = math.sqrt(2.0 / n_in)
        return w.normal_(0.0, std, generator=generator)
    raise ValueError(f"Initialisation inconnue : « {kind} »"
                     f" ; possibles : {', '.join(INITS)}.")
# fmt: on


def activation_stats(
    kind: str,
    activation: str = "tanh",
    depth: int = 10,
    width: int = 256,
    n: int = 1000,
    seed: int = 0,
):
    """L'écart type des activations après chaque couche d'un MLP de
    ``depth`` couches ``width → width`` (biais nuls), pour ``n``
    entrées gaussiennes. Rend ``depth + 1`` nombres (l'entrée d'abord)."""
    acts = {"tanh": torch.tanh, "relu": torch.relu}
    if activation not in acts:
        raise ValueError(f"Activation « {activation} » : tanh ou relu.")
    g = torch.Generator().manual_seed(seed)
    h = torch.randn(n, width, generator=g)
    stds = [float(h.std())]
    with torch.no_grad():
        for _ in range(depth):
            w = init_weight(kind, width, width, g)
            h = acts[activation](h @ w.T)
            stds.append(float(h.std()))
    return stds


def plot_activation_stats(depth: int = 10, width: int = 256, axes=None):
    """Deux panneaux (tanh, ReLU) : l'écart type des activations couche
    après couche, une courbe par initialisation (échelle log ; les
    zéros, nuls dès la première couche, n'y ont pas de place)."""
    import matplotlib.pyplot as plt
    from matplotlib.ticker import LogFormatterMathtext

    from llmlab import style

    style.use()
    if axes is None:
        _, axes = plt.subplots(1, 2, figsize=(10, 3.8), sharey=True, layout="constrained")
    markers = dict(zip(INITS, "xvos"))
    for ax, act in zip(axes, ("tanh", "relu")):
        for kind in INITS[1:]:
            stds = activation_stats(kind, act, depth, width)
            ax.plot(range(depth + 1), stds, marker=markers[kind], label=kind)
        ax.set_yscale("log")
        ax.set_title("tanh" if act == "tanh" else "ReLU")
        ax.set_xlabel("couche")
        ax.yaxis.set_major_formatter(LogFormatterMathtext())
    axes[0].set_ylabel("écart type des activations")
    axes[1].legend(fontsize="small")
    return axes
