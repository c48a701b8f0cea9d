"""Vérificateurs du notebook « Entraîner un LLM : la technique ».

Les références viennent de ``llmlab.prep``, ``llmlab.optim``, ``llmlab.schedules`` et
``llmlab.metrics`` (importés dans les fonctions). Les erreurs classiques reconnues : écart type
de l'échantillon (ddof = 1) au lieu de celui de la population, statistiques par ligne ou sur
tout le tableau, |z| oublié, une case au lieu d'une ligne ; Adam sans correction du biais, sans
racine, avec g au lieu de g², β₁ et β₂ échangés ; échauffement sans le « + 1 », cosinus sur
tout l'entraînement ou à l'envers, taux minimal oublié ; précision et rappel échangés (ou
matrice lue à l'envers), classe positive prise en premier, pourcentages.
"""

from __future__ import annotations

import math

import numpy as np

from llmlab.exercises.core import Verdict, When, as_array, check_function, checker


# --- Exercice 1 : valeurs aberrantes par le z-score -----------------------------------------
def _zscore_cases():
    rng = np.random.default_rng(7)
    a = rng.normal(0, 1, (40, 3))
    a[5, 0], a[17, 2] = 8.0, -9.0  # un haut, un bas
    b = rng.normal(10, 2, (30, 2))
    b[3, 1] = 17.5
    # neuf zéros et un 40 : |z| = 3 avec ddof = 0, 2,85 avec ddof = 1
    c = np.column_stack([np.arange(10.0), np.r_[np.zeros(9), 40.0]])
    return [(a, 3.0), (a, 2.0), (b, 3.0), (c, 2.9), (c, 1.5)]


def _z(x, axis=0, ddof=0):
    x = np.asarray(x, dtype=float)
    mean = x.mean(axis=axis, keepdims=axis is not None)
    return (x - mean) / x.std(axis=axis, ddof=ddof, keepdims=axis is not None)


ZSCORE_MISTAKES = [
    (
        lambda x, t: (np.abs(_z(x, ddof=1)) > t).any(axis=1),
        "l'écart type est celui de l'échantillon (ddof=1, celui de pandas) : utilisez celui de la "
        "population, `x.std(axis=0)` (ddof=0, le défaut de NumPy).",
    ),
    (
        lambda x, t: (_z(x) > t).any(axis=1),
        "les valeurs très BASSES sont oubliées : c'est |z| qu'il faut comparer au seuil (np.abs).",
    ),
    (
        lambda x, t: (np.abs(_z(x)) > t).all(axis=1),
        "une ligne est aberrante dès qu'UNE de ses variables l'est : `.any(axis=1)`, pas "
        "`.all(axis=1)`.",
    ),
    (
        lambda x, t: np.abs(_z(x)) > t,
        "il faut un booléen par LIGNE, pas par case : terminez par `.any(axis=1)`.",
    ),
    (
        lambda x, t: (np.abs(_z(x, axis=1)) > t).any(axis=1),
        "moyenne et écart type se calculent par COLONNE (une variable) : `axis=0`, pas `axis=1`.",
    ),
    (
        lambda x, t: (np.abs(_z(x, axis=None)) > t).any(axis=1),
        "moyenne et écart type se calculent colonne par colonne (`axis=0`), pas sur tout le "
        "tableau : chaque variable a son unité.",
    ),
    (
        lambda x, t: (np.abs(_z(x)) > 3).any(axis=1),
        "le seuil est fixé à 3 : utilisez le paramètre `threshold`.",
    ),
]


@checker
def check_zscore_outliers(fn) -> Verdict:
    """Exercice 1 : ``zscore_outliers(x, threshold)``, un booléen par ligne."""
    from llmlab.prep import zscore_outliers

    return check_function(
        fn,
        zscore_outliers,
        _zscore_cases(),
        name="zscore_outliers",
        arg_names="x threshold",
        mistakes=ZSCORE_MISTAKES,
    )


# --- Exercice 2 : un pas d'Adam ---------------------------------------------------------------
ADAM_CASES = [
    (0.5, 0.2, 0.0, 0.0, 1, 0.001, 0.9, 0.999, 1e-8),
    (1.0, -3.0, 0.0, 0.0, 1, 0.1, 0.9, 0.999, 1e-8),
    (0.3, 0.05, 0.02, 0.001, 2, 0.01, 0.9, 0.999, 1e-8),
    (-2.0, 1.5, -0.4, 0.3, 10, 0.05, 0.8, 0.99, 1e-8),
    (
        np.array([0.5, -1.0, 2.0]),
        np.array([0.1, -0.3, 2.0]),
        np.array([0.05, 0.0, 0.3]),
        np.array([0.01, 0.02, 0.5]),
        4,
        0.02,
        0.9,
        0.999,
        1e-8,
    ),
]
ADAM_PARTS = ("le nouveau w", "le nouveau m", "le nouveau v")


def _adam(w, g, m, v, t, lr, b1, b2, eps, correct=True, root=True, square=True):
    m = b1 * m + (1 - b1) * g
    v = b2 * v + (1 - b2) * (g * g if square else g)
    m_hat = m / (1 - b1**t) if correct else m
    v_hat = v / (1 - b2**t) if correct else v
    with np.errstate(all="ignore"):
        scale = np.sqrt(v_hat) if root else v_hat
    return w - lr * m_hat / (scale + eps), m, v


def _reference_adam(w, g, m, v, t, lr, b1, b2, eps):
    from llmlab.optim import adam_step_by_hand

    return adam_step_by_hand(w, g, m, v, t, lr, b1, b2, eps)


ADAM_MISTAKES = [
    (
        lambda *a: _adam(*a, correct=False),
        "la correction du biais manque : divisez m par (1 − β₁ᵗ) et v par (1 − β₂ᵗ) avant le pas "
        "(m̂ et v̂) ; sans elle, les premiers pas sont minuscules.",
    ),
    (
        lambda *a: _adam(*a, root=False),
        "il manque la racine carrée : le pas divise par √v̂ (une échelle du gradient), pas par v̂.",
    ),
    (
        lambda *a: _adam(*a, square=False),
        "v est la moyenne des CARRÉS du gradient : (1 − β₂)·g², pas (1 − β₂)·g.",
    ),
    (
        lambda w, g, m, v, t, lr, b1, b2, eps: _adam(w, g, m, v, t, lr, b2, b1, eps),
        "β₁ et β₂ sont échangés : β₁ (0,9) sert à m, β₂ (0,999) à v.",
    ),
    (
        lambda w, g, m, v, t, lr, b1, b2, eps: (
            2 * w - _adam(w, g, m, v, t, lr, b1, b2, eps)[0],
            *_adam(w, g, m, v, t, lr, b1, b2, eps)[1:],
        ),
        "le pas va dans le mauvais sens : on SOUSTRAIT lr·m̂ / (√v̂ + ε) (on descend la pente).",
    ),
    (
        lambda w, g, m, v, t, lr, b1, b2, eps: (_adam(w, g, m, v, t, lr, b1, b2, eps)[0], m, v),
        "w est juste, mais m et v renvoyés sont les anciens : renvoyez les moyennes mises à jour, "
        "le pas suivant en a besoin.",
    ),
    (
        # m ← β₁·m + g : _adam reçoit m + g, dont il tire β₁·(m + g) + (1 − β₁)·g = β₁·m + g
        lambda w, g, m, v, t, lr, b1, b2, eps: _adam(w, g, m + g, v, t, lr, b1, b2, eps),
        "m se met à jour par m ← β₁·m + (1 − β₁)·g : le facteur (1 − β₁) multiplie g.",
    ),
]


@checker
def check_adam_step(fn) -> Verdict:
    """Exercice 2 : ``adam_step(w, g, m, v, t, lr, b1, b2, eps)`` rend ``(w, m, v)``."""
    return check_function(
        fn,
        _reference_adam,
        ADAM_CASES,
        name="adam_step",
        arg_names="w g m v t lr b1 b2 eps",
        mistakes=ADAM_MISTAKES,
        parts=ADAM_PARTS,
    )


# --- Exercice 3 : échauffement puis cosinus -------------------------------------------------
WARMUP_CASES = [(t, 3e-3, 100, 2000, 3e-4) for t in (0, 49, 99, 100, 600, 1050, 1999)] + [
    (t, 1.0, 10, 50, 0.0) for t in (0, 5, 10, 30, 49)
]


def _cosine(t, lr, warmup, total, min_lr, p=None, up=False, period=1.0):
    p = (t - warmup) / (total - warmup) if p is None else p
    c = math.cos(math.pi * period * p)
    return min_lr + (lr - min_lr) * ((1 - c) if up else (1 + c)) / 2


def _with_warmup(after, warm=lambda t, lr, w: lr * (t + 1) / w):
    def schedule(t, lr, warmup, total, min_lr):
        return warm(t, lr, warmup) if t < warmup else after(t, lr, warmup, total, min_lr)

    return schedule


WARMUP_MISTAKES = [
    (
        _with_warmup(_cosine, warm=lambda t, lr, w: lr * t / w),
        "pendant l'échauffement, le taux du pas t est lr·(t + 1)/W : avec lr·t/W, le premier pas "
        "a un taux nul (un pas perdu).",
    ),
    (
        _with_warmup(lambda t, lr, w, T, low: _cosine(t, lr, w, T, low, p=t / T)),
        "le cosinus commence après l'échauffement : p = (t − W)/(T − W), pas t/T (le taux ne part "
        "pas de son maximum).",
    ),
    (
        _with_warmup(lambda t, lr, w, T, low: _cosine(t, lr, w, T, low, p=(t - w) / T)),
        "le cosinus dure T − W pas : p = (t − W)/(T − W), sinon il n'arrive pas au minimum au "
        "dernier pas.",
    ),
    (
        _with_warmup(lambda *a: _cosine(*a, up=True)),
        "le cosinus est à l'envers : le taux doit DESCENDRE, (1 + cos(πp))/2 vaut 1 au début et 0 "
        "à la fin.",
    ),
    (
        _with_warmup(lambda t, lr, w, T, low: lr * (1 + math.cos(math.pi * (t - w) / (T - w))) / 2),
        "le taux minimal est oublié : η_min + (η − η_min)·(1 + cos(πp))/2.",
    ),
    (
        _with_warmup(lambda *a: _cosine(*a, period=2.0)),
        "un DEMI-cosinus suffit : cos(π·p), pas cos(2π·p) (le taux remonterait à la fin).",
    ),
    (
        lambda t, lr, w, T, low: _cosine(t, lr, 0, T, low),
        "l'échauffement manque : tant que t < W, le taux monte linéairement, lr·(t + 1)/W.",
    ),
]


@checker
def check_warmup_cosine(fn) -> Verdict:
    """Exercice 3 : ``warmup_cosine(t, lr, warmup, total, min_lr)``, le taux du pas t."""
    from llmlab.schedules import warmup_cosine_lr

    return check_function(
        fn,
        warmup_cosine_lr,
        WARMUP_CASES,
        name="warmup_cosine",
        arg_names="t lr warmup total min_lr",
        mistakes=WARMUP_MISTAKES,
    )


# --- Exercice 4 : précision et rappel -------------------------------------------------------
CONFUSION_CASES = [
    ([[177, 23], [24, 176]],),
    ([[50, 10], [30, 90]],),
    ([[8, 2], [1, 9]],),
    (np.array([[900, 40], [5, 55]]),),
    ([[12, 30], [18, 40]],),
]
PR_PARTS = ("la précision", "le rappel")


def _reference_pr(cm):
    from llmlab.metrics import from_confusion

    scores = from_confusion(cm)
    return scores["précision"], scores["rappel"]


def _cells(cm):
    (vn, fp), (fn, vp) = np.asarray(cm, dtype=float)
    return vn, fp, fn, vp


def _percent(got, expected) -> bool:
    got = as_array(got)
    return (
        got is not None
        and got.shape == np.shape(expected)
        and np.allclose(got, 100 * np.asarray(expected))
    )


PR_MISTAKES = [
    (
        lambda cm: _reference_pr(cm)[::-1],
        "précision et rappel sont échangés (ou la matrice est lue à l'envers) : lignes = vraie "
        "classe, colonnes = classe prédite ; précision = VP / (VP + FP), avec FP en haut à droite.",
    ),
    (
        lambda cm: (lambda vn, fp, fn, vp: (vn / (vn + fn), vn / (vn + fp)))(*_cells(cm)),
        "la classe positive (le français) est la DEUXIÈME ligne et la deuxième colonne : VP est en "
        "bas à droite, cm[1][1].",
    ),
    (
        lambda cm: (lambda vn, fp, fn, vp: ((vp + vn) / (vn + fp + fn + vp),) * 2)(*_cells(cm)),
        "c'est l'exactitude (toutes les bonnes réponses) : la précision ne regarde que les "
        "« positif » annoncés, le rappel que les vrais positifs.",
    ),
    (
        lambda cm: (lambda vn, fp, fn, vp: (vp / fp, vp / fn))(*_cells(cm)),
        "le dénominateur compte aussi les vrais positifs : VP / (VP + FP) et VP / (VP + FN).",
    ),
    (
        When(_percent),
        "les deux valeurs sont en pourcentages : renvoyez des fractions entre 0 et 1.",
    ),
]


@checker
def check_precision_recall(fn) -> Verdict:
    """Exercice 4 : ``precision_recall(cm)`` rend ``(précision, rappel)``."""
    return check_function(
        fn,
        _reference_pr,
        CONFUSION_CASES,
        name="precision_recall",
        arg_names="cm",
        mistakes=PR_MISTAKES,
        parts=PR_PARTS,
    )
