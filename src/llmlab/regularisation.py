"""Régulariser : L1, L2 et l'arrêt précoce, sur de vrais entraînements.

Une pénalité ajoutée à la perte tire les poids vers zéro :

- **L2** (``λ/2 · Σ w²``) : son gradient ``λ·w`` est proportionnel au
  poids ; chaque pas le **rétrécit** d'une fraction, sans jamais
  l'annuler. Elle n'accélère pas l'apprentissage : elle le contraint.
  Dans AdamW, c'est la décroissance des poids ;
- **L1** (``λ · Σ |w|``) : sa pente est la même (``λ``) quel que soit le
  poids ; les petits poids tombent **exactement à zéro** : le modèle
  choisit ses variables.

`fit_linear` entraîne une régression linéaire par descente de gradient
proximale (ISTA) : un pas de gradient sur la MSE (et L2), puis un
seuillage doux pour L1, ce qui donne de vrais zéros. Les tests la
comparent à ``sklearn.linear_model.Lasso`` et ``Ridge``.
NumPy seulement.
"""

from __future__ import annotations

import numpy as np


def soft_threshold(w, t: float):
    """Le pas de L1 : rapproche chaque poids de 0 de ``t``,
    et met à 0 ceux qui sont à moins de ``t``."""
    return np.sign(w) * np.maximum(np.abs(w) - t, 0.0)


def fit_linear(x, y, l1: float = 0.0, l2: float = 0.0, steps: int = 3000):
    """Poids ``w`` et biais ``b`` qui minimisent
    ``MSE/2 + l2/2·|w|² + l1·|w|₁`` (biais non pénalisé).

    ``x`` doit être centré-réduit (`llmlab.prep.standardize`) : sinon
    la pénalité frappe plus fort les variables aux petites unités.
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    n = len(x)
    xc, yc = x - x.mean(axis=0), y - y.mean()
    # pas sûr : 1 / (plus grande courbure de la partie lisse)
    lr = 1.0 / (np.linalg.eigvalsh(xc.T @ xc / n).max() + l2)
    w = np.zeros(x.shape[1])
    for _ in range(steps):
        grad = xc.T @ (xc @ w - yc) / n + l2 * w
        w = soft_threshold(w - lr * grad, lr * l1)
    b = y.mean() - x.mean(axis=0) @ w
    return w, b


def regularisation_path(x, y, strengths, kind: str = "l1", steps: int = 3000):
    """Les poids pour chaque force de pénalité : ``(len(strengths), p)``."""
    if kind not in ("l1", "l2"):
        raise ValueError(f"kind vaut « l1 » ou « l2 » (reçu : {kind!r}).")
    return np.array([fit_linear(x, y, steps=steps, **{kind: s})[0] for s in strengths])


def early_stopping(val_losses, patience: int = 3):
    """``(meilleur indice, indice d'arrêt)`` : on s'arrête quand la perte
    de validation n'a pas battu son record depuis ``patience``
    évaluations, et on garde les poids du record."""
    best, stop = 0, len(val_losses) - 1
    for i, v in enumerate(val_losses):
        if v < val_losses[best]:
            best = i
        elif i - best >= patience:
            stop = i
            break
    return best, stop


def plot_weights(weights: dict, names, ax=None):
    """Barres des poids de chaque modèle (``{étiquette: poids}``),
    côte à côte par variable : L1 annule, L2 rétrécit."""
    import matplotlib.pyplot as plt

    from llmlab import style
    from llmlab.display import french_ticks

    style.use()
    if ax is None:
        _, ax = plt.subplots(figsize=(10, 3.6), layout="constrained")
    k = len(weights)
    pos = np.arange(len(names))
    hatches = ["", "//", ".."]
    for i, (label, w) in enumerate(weights.items()):
        ax.bar(
            pos + (i - (k - 1) / 2) * 0.8 / k,
            w,
            width=0.8 / k,
            label=label,
            hatch=hatches[i % 3],
            edgecolor="#333333",
            linewidth=0.4,
        )
    ax.axhline(0, color="#333333", linewidth=0.6)
    ax.set_xticks(pos, names, fontsize="small")
    ax.set_ylabel("poids (k$ par écart type)")
    ax.legend(fontsize="small")
    french_ticks(ax)
    return ax


def plot_path(
    strengths, path, names, ax=None, title="", highlight=("LSTAT", "RM", "PTRATIO", "DIS")
):
    """Chaque poids en fonction de la force de la pénalité (échelle
    log) ; les variables de ``highlight`` en foncé et nommées, les
    autres en gris clair."""
    import matplotlib.pyplot as plt

    from llmlab import style
    from llmlab.display import french_ticks

    style.use()
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 3.6), layout="constrained")
    for j, name in enumerate(names):
        if name not in highlight:
            ax.plot(strengths, path[:, j], color="#c8c8c8", linewidth=1)
    for j, name in enumerate(names):
        if name in highlight:
            ax.plot(strengths, path[:, j], color="#222222", linewidth=1.6)
            ax.annotate(
                name,
                (strengths[0], path[0, j]),
                fontsize=9,
                xytext=(4, 5),
                textcoords="offset points",
            )
    ax.set_xscale("log")
    ax.axhline(0, color="#333333", linewidth=0.6)
    ax.set_xlabel("force de la pénalité λ")
    ax.set_title(title)
    french_ticks(ax)
    return ax
