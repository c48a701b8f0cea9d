"""Vérificateurs du TP 4.4 (probabilités du prochain token et échantillonnage).

Les références viennent de ``llmlab.sampling`` (importé dans les fonctions). Les erreurs
classiques reconnues : softmax sans soustraire le maximum (juste sur de petits logits, NaN sur
de grands), température multipliée au lieu de divisée, normalisation sur tout le tableau au lieu
de chaque ligne, ``keepdims`` oublié, ``math.exp`` sur un tableau, top-k qui garde k − 1
valeurs, met les autres à 0 ou à −1e9, logarithme en base 2 ou oubli du signe moins dans
l'entropie croisée.
"""

from __future__ import annotations

import numpy as np

from llmlab.exercises.core import (
    Raises,
    Verdict,
    When,
    as_array,
    check_function,
    check_value,
    checker,
)


def _exp_normalized(z, stable=True):
    e = np.exp(z - z.max(axis=-1, keepdims=True) if stable else z)
    return e / e.sum(axis=-1, keepdims=True)


# --- Exercice 1 : softmax avec température --------------------------------------------------
SOFTMAX_CASES = [
    (np.array([2.0, 1.0, 0.1]), 1.0),
    (np.array([2.0, 1.0, 0.1]), 0.5),
    (np.array([3.0, -1.0, 0.5, 0.0]), 2.0),
    (np.array([[1.0, 2.0, 3.0], [0.0, 0.0, 5.0]]), 1.0),
    (np.array([[1.0, 2.0, 3.0], [2.0, -1.0, 0.5]]), 0.7),
]
#: De grands logits : exp(1000) déborde si l'on ne soustrait pas le maximum.
BIG_LOGITS = (np.array([1000.0, 999.0, 998.0]), 1.0)


def _not_normalized(got, expected) -> bool:
    """Vrai si chaque ligne est proportionnelle à la bonne, mais ne somme pas à 1."""
    got = as_array(got)
    total = got.sum(axis=-1, keepdims=True)
    return np.allclose(got / total, expected) and not np.allclose(total, 1)


SOFTMAX_MISTAKES = [
    (
        lambda z, t: _exp_normalized(np.asarray(z) / t, stable=False),
        "juste sur de petits logits, mais avec logits = [1000, 999, 998] le résultat contient des "
        "NaN : exp(1000) dépasse ce que sait représenter un float. Soustrayez d'abord le maximum, "
        "z - z.max(axis=-1, keepdims=True) : le résultat ne change pas.",
    ),
    (
        Raises("broadcast", ValueError),
        "sans keepdims=True, `e.sum(axis=-1)` perd un axe et ne se divise plus ligne par ligne : "
        "écrivez e.sum(axis=-1, keepdims=True) (de même pour le maximum).",
    ),
    (
        lambda z, t: _exp_normalized(np.asarray(z) * t),
        "la température se DIVISE : softmax(z / T). Avec T < 1 la distribution doit devenir plus "
        "pointue, avec T > 1 plus plate.",
    ),
    (
        lambda z, t: _exp_normalized(np.asarray(z)),
        "la température n'est pas utilisée : divisez les logits par T avant l'exponentielle.",
    ),
    (
        lambda z, t: _exp_normalized(np.asarray(z).ravel() / t).reshape(np.shape(z)),
        "avec un tableau à deux dimensions, chaque LIGNE est une distribution : "
        "e.sum(axis=-1, keepdims=True).",
    ),
    (
        When(_not_normalized),
        "il manque la normalisation : divisez par la somme des exponentielles pour que les "
        "probabilités fassent 1.",
    ),
]


@checker
def check_softmax(fn) -> Verdict:
    """Exercice 1 : ``softmax(logits, temperature)``, une distribution par ligne, stable."""
    from llmlab.sampling import softmax

    return check_function(
        fn,
        softmax,
        SOFTMAX_CASES + [BIG_LOGITS],
        name="softmax",
        arg_names="logits temperature",
        mistakes=SOFTMAX_MISTAKES,
        success=f"`softmax` est correcte sur les {len(SOFTMAX_CASES) + 1} cas "
        "testés, y compris de très grands logits.",
    )


# --- Exercice 2 : top-k ---------------------------------------------------------------------
TOP_K_LOGITS = np.array([2.0, 1.0, 0.5, 3.0, -1.0, 1.5])
TOP_K_CASES = [
    (TOP_K_LOGITS, 2),
    (TOP_K_LOGITS, 1),
    (TOP_K_LOGITS, 4),
    (TOP_K_LOGITS, 6),
    (np.array([0.3, -0.2, 0.9]), 2),
]


def _kth(z, k):
    return np.sort(np.asarray(z, dtype=float))[-k]


def _big_negative_for_inf(got, expected) -> bool:
    """Vrai si la réponse met un grand nombre négatif fini (−1e9…) là où il faut −∞."""
    got, expected = as_array(got), as_array(expected)
    hidden = np.isneginf(expected)
    return (
        got.shape == expected.shape
        and hidden.any()
        and np.all(np.isfinite(got[hidden]))
        and np.all(got[hidden] <= -100)
        and np.allclose(got[~hidden], expected[~hidden])
    )


TOP_K_MISTAKES = [
    (
        When(_big_negative_for_inf),
        "les logits écartés doivent valoir exactement −∞ (-np.inf), pas un grand nombre négatif "
        "comme -1e9 : seul −∞ garantit une probabilité exactement nulle, quelle que soit l'échelle "
        "des logits.",
    ),
    (
        lambda z, k: np.where(np.asarray(z) <= _kth(z, k), -np.inf, z),
        "il ne reste que k − 1 valeurs : la k-ième plus grande doit rester. Écartez les logits "
        "< kth (pas <=), ou gardez ceux >= kth (pas >).",
    ),
    (
        lambda z, k: np.where(np.asarray(z) < _kth(z, k), 0.0, z),
        "les logits écartés doivent valoir −∞ (-np.inf), pas 0 : exp(0) = 1, ils garderaient "
        "une probabilité.",
    ),
    (
        lambda z, k: np.where(np.asarray(z) > np.sort(z)[k - 1], -np.inf, z),
        "ce sont les k PLUS PETITS qui restent : gardez les k plus grands logits.",
    ),
    (
        lambda z, k: np.sort(np.asarray(z))[-k:],
        "renvoyez un tableau de la même taille que logits (un logit par token du vocabulaire), "
        "les valeurs écartées mises à −∞.",
    ),
    (
        lambda z, k: np.sort(np.asarray(z))[::-1][:k],
        "renvoyez un tableau de la même taille que logits (un logit par token du vocabulaire), "
        "les valeurs écartées mises à −∞.",
    ),
]


@checker
def check_top_k(fn) -> Verdict:
    """Exercice 2 : ``top_k_filter(logits, k)`` garde les k plus grands, les autres à −∞."""
    from llmlab.sampling import top_k_filter

    return check_function(
        fn,
        top_k_filter,
        TOP_K_CASES,
        name="top_k_filter",
        arg_names="logits k",
        mistakes=TOP_K_MISTAKES,
    )


# --- Exercice 3 : entropie croisée ----------------------------------------------------------
CE_CASES = [
    (np.array([0.7, 0.2, 0.1]), 0),
    (np.array([0.7, 0.2, 0.1]), 2),
    (np.array([0.25, 0.25, 0.25, 0.25]), 3),
    (np.array([0.05, 0.9, 0.05]), 1),
]
CE_MISTAKES = [
    (
        lambda p, t: -np.log2(p[t]),
        "le logarithme est en base e (np.log), pas en base 2 : l'entropie croisée se compte ici "
        "en nats, comme dans PyTorch.",
    ),
    (lambda p, t: -np.log10(p[t]), "le logarithme est en base e (np.log), pas en base 10."),
    (
        lambda p, t: np.log(p[t]),
        "il manque le signe moins : ln p est négatif (p < 1), la perte −ln p est positive.",
    ),
    (
        lambda p, t: -np.sum(np.log(p)),
        "seule compte la probabilité du BON token, p[target] : −ln p[target].",
    ),
    (
        lambda p, t: -np.mean(np.log(p)),
        "seule compte la probabilité du BON token, p[target] : −ln p[target].",
    ),
    (
        lambda p, t: 1 - p[t],
        "la perte est −ln p[target], pas 1 − p : elle explose quand p tend vers 0.",
    ),
]


@checker
def check_cross_entropy(fn) -> Verdict:
    """Exercice 3 : ``cross_entropy(probs, target)`` = −ln probs[target], en nats."""
    from llmlab.sampling import cross_entropy

    return check_function(
        fn,
        cross_entropy,
        CE_CASES,
        name="cross_entropy",
        arg_names="probs target",
        mistakes=CE_MISTAKES,
    )


@checker
def check_perplexity(perplexite, probs_seq, targets) -> Verdict:
    """Exercice 3 (suite) : la perplexité d'une suite, exp(moyenne des entropies croisées)."""
    from llmlab.sampling import cross_entropy, perplexity

    losses = [cross_entropy(p, t) for p, t in zip(probs_seq, targets)]
    mistakes = [
        (
            float(np.mean(losses)),
            "c'est la moyenne des entropies croisées ; la perplexité "
            "en est l'exponentielle : np.exp(moyenne).",
        ),
        (
            float(np.exp(np.sum(losses))),
            "exponentielle de la SOMME : prenez la MOYENNE des entropies croisées.",
        ),
        (float(2 ** np.mean(losses)), "avec des nats (ln), l'exponentielle est np.exp, pas 2 ** …"),
    ]
    return check_value(perplexite, perplexity(probs_seq, targets), "perplexite", mistakes)
