"""Mesurer un modèle : l'entropie croisée, puis les métriques de classification.

Un modèle de langage prédit une distribution sur le token suivant : sa
mesure naturelle est l'**entropie croisée** (−ln p du bon token, en
moyenne ; c'est la perte qu'il minimise) et la **perplexité**
``exp(entropie croisée)``, qui se lit comme un nombre de choix.

Quand on s'en sert pour classer (spam ou non, français ou anglais), on
compte ses réponses dans une **matrice de confusion** (lignes : la
vraie classe ; colonnes : la classe prédite, comme scikit-learn) :

- exactitude (*accuracy*) : la part des bonnes réponses ;
- précision : parmi les « positif » annoncés, la part de vrais ;
- rappel : parmi les vrais positifs, la part trouvée ;
- F1 : la moyenne harmonique des deux.

NumPy seulement ; les tests comparent à ``sklearn.metrics`` et à
``torch.nn.functional.cross_entropy``.
"""

from __future__ import annotations

import math

import numpy as np

# --------------------------------------------------------------------------
# Les métriques d'un modèle de langage
# --------------------------------------------------------------------------


def cross_entropy(probs, targets) -> float:
    """−ln p[cible], en moyenne sur les positions (en nats).

    ``probs`` : (N, V), une distribution par position ; ``targets`` : (N,).
    """
    probs = np.asarray(probs, dtype=float)
    targets = np.asarray(targets, dtype=int)
    picked = probs[np.arange(len(targets)), targets]
    with np.errstate(divide="ignore"):
        return float(-np.log(picked).mean())


def perplexity(loss: float) -> float:
    """exp(entropie croisée) : ln V ↔ V choix équiprobables."""
    return math.exp(loss)


def bits_per_token(loss: float) -> float:
    """L'entropie croisée en bits (nats / ln 2)."""
    return loss / math.log(2)


# --------------------------------------------------------------------------
# Classification
# --------------------------------------------------------------------------


def confusion_matrix(y_true, y_pred, labels=None) -> np.ndarray:
    """``M[i, j]`` : le nombre d'exemples de la classe ``labels[i]``
    prédits ``labels[j]``."""
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    if labels is None:
        labels = np.unique(np.concatenate([y_true, y_pred]))
    index = {label: k for k, label in enumerate(labels)}
    m = np.zeros((len(labels), len(labels)), dtype=int)
    for t, p in zip(y_true, y_pred):
        m[index[t], index[p]] += 1
    return m


def accuracy(y_true, y_pred) -> float:
    """La part des bonnes réponses."""
    return float(np.mean(np.asarray(y_true) == np.asarray(y_pred)))


def _ratio(num: int, den: int) -> float:
    return num / den if den else 0.0  # comme sklearn : 0 si vide


def precision(y_true, y_pred, positive=1) -> float:
    """VP / (VP + FP) : parmi les « positif » annoncés, les vrais."""
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    tp = int(np.sum((y_pred == positive) & (y_true == positive)))
    return _ratio(tp, int(np.sum(y_pred == positive)))


def recall(y_true, y_pred, positive=1) -> float:
    """VP / (VP + FN) : parmi les vrais positifs, ceux trouvés."""
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    tp = int(np.sum((y_pred == positive) & (y_true == positive)))
    return _ratio(tp, int(np.sum(y_true == positive)))


def f1(y_true, y_pred, positive=1) -> float:
    """2·P·R / (P + R) : faible dès que l'un des deux l'est."""
    p = precision(y_true, y_pred, positive)
    r = recall(y_true, y_pred, positive)
    return _ratio(2 * p * r, p + r) if p + r else 0.0


def from_confusion(m) -> dict:
    """Les quatre métriques d'une matrice 2 × 2 ``[[VN, FP], [FN, VP]]``
    (la classe positive en second, comme ``labels=[0, 1]``)."""
    (tn, fp), (fn, tp) = np.asarray(m).tolist()
    p, r = _ratio(tp, tp + fp), _ratio(tp, tp + fn)
    return {
        "exactitude": _ratio(tp + tn, tn + fp + fn + tp),
        "précision": p,
        "rappel": r,
        "F1": _ratio(2 * p * r, p + r) if p + r else 0.0,
    }


def plot_confusion(m, labels, ax=None):
    """La matrice de confusion, en cases grisées avec leurs comptes."""
    import matplotlib.pyplot as plt

    from llmlab import style

    style.use()
    m = np.asarray(m)
    if ax is None:
        _, ax = plt.subplots(figsize=(4.2, 3.6), layout="constrained")
    ax.imshow(m, cmap="Greys", vmin=0, vmax=m.max() * 1.6)
    for i in range(m.shape[0]):
        for j in range(m.shape[1]):
            ax.text(j, i, str(m[i, j]), ha="center", va="center", fontsize=16)
    ax.set_xticks(range(len(labels)), labels)
    ax.set_yticks(range(len(labels)), labels)
    ax.set_xlabel("classe prédite")
    ax.set_ylabel("vraie classe")
    ax.grid(False)
    return ax
