"""Vérificateurs du TP 4.4 (probabilités du prochain token et échantillonnage).

Les références viennent de ``llmlab.sampling`` (importé dans les fonctions). Les erreurs
classiques reconnues : softmax sans soustraire le maximum (juste sur de petits logits, NaN sur
de grands), température multipliée au lieu de divisée, normalisation sur tout le tableau au lieu
de chaque ligne, top-k qui garde k − 1 valeurs ou met les autres à 0, logarithme en base 2 ou
oubli du signe moins dans l'entropie croisée.
"""
from __future__ import annotations

import functools

import numpy as np

from llmlab.exercises.core import (Verdict, _is_blank, call_student, check_value,
                                   evaluate_function, finish)

#: Remplace −∞ pour comparer des logits filtrés : les outils de comparaison ne reconnaissent
#: une erreur typique que sur des valeurs finies.
_MINUS_INF = -1e300


def _exp_normalized(z):
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


# ---------------------------------------------------------------------------
# Exercice 1 : softmax avec température
# ---------------------------------------------------------------------------


SOFTMAX_CASES = [
    (np.array([2.0, 1.0, 0.1]), 1.0),
    (np.array([2.0, 1.0, 0.1]), 0.5),
    (np.array([3.0, -1.0, 0.5, 0.0]), 2.0),
    (np.array([[1.0, 2.0, 3.0], [0.0, 0.0, 5.0]]), 1.0),
    (np.array([[1.0, 2.0, 3.0], [2.0, -1.0, 0.5]]), 0.7),
]
#: De grands logits : exp(1000) déborde si l'on ne soustrait pas le maximum.
BIG_LOGITS = (np.array([1000.0, 999.0, 998.0]), 1.0)

SOFTMAX_MISTAKES = [
    (lambda z, t: _exp_normalized(np.asarray(z) * t),
     "la température se DIVISE : softmax(z / T). Avec T < 1 la distribution doit devenir plus "
     "pointue, avec T > 1 plus plate."),
    (lambda z, t: _exp_normalized(np.asarray(z)),
     "la température n'est pas utilisée : divisez les logits par T avant l'exponentielle."),
    (lambda z, t: np.exp(np.asarray(z) / t),
     "il manque la normalisation : divisez par la somme des exponentielles pour que les "
     "probabilités fassent 1."),
    (lambda z, t: np.exp(np.asarray(z) / t) / np.exp(np.asarray(z) / t).sum(),
     "avec un tableau à deux dimensions, chaque LIGNE est une distribution : "
     "e.sum(axis=-1, keepdims=True)."),
]


def check_softmax(fn) -> Verdict:
    """Exercice 1 : ``softmax(logits, temperature)``, une distribution par ligne, stable."""
    from llmlab.sampling import softmax

    verdict = evaluate_function(fn, softmax, SOFTMAX_CASES, name="softmax",
                                arg_names="logits temperature", mistakes=SOFTMAX_MISTAKES)
    if not verdict.ok:
        return finish(verdict)
    got, problem = call_student(fn, BIG_LOGITS, "softmax", "logits temperature")
    if problem is not None:
        return finish(problem)
    with np.errstate(all="ignore"):
        values = np.asarray(got, dtype=float)
    if values.shape != BIG_LOGITS[0].shape or not np.all(np.isfinite(values)):
        return finish(Verdict(False, "Juste sur de petits logits, mais avec logits = [1000, 999, 998] "
                                     "le résultat contient des NaN : exp(1000) dépasse ce que sait "
                                     "représenter un float. Soustrayez d'abord le maximum, "
                                     "z - z.max(axis=-1, keepdims=True) : le résultat ne change pas."))
    if not np.allclose(values, softmax(*BIG_LOGITS)):
        return finish(Verdict(False, "Faux avec logits = [1000, 999, 998] : le maximum soustrait "
                                     "doit être celui de chaque ligne."))
    return finish(Verdict(True, f"`softmax` est correcte sur les {len(SOFTMAX_CASES) + 1} cas "
                                "testés, y compris de très grands logits."))


# ---------------------------------------------------------------------------
# Exercice 2 : top-k
# ---------------------------------------------------------------------------


TOP_K_LOGITS = np.array([2.0, 1.0, 0.5, 3.0, -1.0, 1.5])
TOP_K_CASES = [(TOP_K_LOGITS, 2), (TOP_K_LOGITS, 1), (TOP_K_LOGITS, 4),
               (TOP_K_LOGITS, 6), (np.array([0.3, -0.2, 0.9]), 2)]


def _kth(z, k):
    return np.sort(np.asarray(z, dtype=float))[-k]


TOP_K_MISTAKES = [
    (lambda z, k: np.where(np.asarray(z) <= _kth(z, k), -np.inf, z),
     "il ne reste que k − 1 valeurs : la k-ième plus grande doit rester (comparez avec < , "
     "pas <=)."),
    (lambda z, k: np.where(np.asarray(z) < _kth(z, k), 0.0, z),
     "les logits écartés doivent valoir −∞ (-np.inf), pas 0 : exp(0) = 1, ils garderaient "
     "une probabilité."),
    (lambda z, k: np.where(np.asarray(z) > np.sort(z)[k - 1], -np.inf, z),
     "ce sont les k PLUS PETITS qui restent : gardez les k plus grands logits."),
    (lambda z, k: np.sort(np.asarray(z))[-k:],
     "renvoyez un tableau de la même taille que logits (un logit par token du vocabulaire), "
     "les valeurs écartées mises à −∞."),
    (lambda z, k: np.sort(np.asarray(z))[::-1][:k],
     "renvoyez un tableau de la même taille que logits (un logit par token du vocabulaire), "
     "les valeurs écartées mises à −∞."),
]


def _finite(fn):
    """``fn`` dont le résultat a ses −∞ remplacés par un très grand négatif fini."""
    @functools.wraps(fn)
    def wrapped(*args):
        out = fn(*args)
        if _is_blank(out):
            return out
        with np.errstate(all="ignore"):
            arr = np.asarray(out, dtype=float)
        return np.where(np.isneginf(arr), _MINUS_INF, arr)
    return wrapped


def check_top_k(fn) -> Verdict:
    """Exercice 2 : ``top_k_filter(logits, k)`` garde les k plus grands, les autres à −∞."""
    from llmlab.sampling import top_k_filter

    _, problem = call_student(fn, TOP_K_CASES[0], "top_k_filter", "logits k")
    if problem is not None:
        return finish(problem)
    verdict = evaluate_function(_finite(fn), _finite(top_k_filter), TOP_K_CASES, name="top_k_filter",
                                arg_names="logits k",
                                mistakes=[(_finite(w), hint) for w, hint in TOP_K_MISTAKES])
    if verdict.ok:
        verdict = Verdict(True, f"`top_k_filter` est correcte sur les {len(TOP_K_CASES)} cas testés.")
    return finish(verdict)


# ---------------------------------------------------------------------------
# Exercice 3 : entropie croisée
# ---------------------------------------------------------------------------


CE_CASES = [(np.array([0.7, 0.2, 0.1]), 0), (np.array([0.7, 0.2, 0.1]), 2),
            (np.array([0.25, 0.25, 0.25, 0.25]), 3), (np.array([0.05, 0.9, 0.05]), 1)]
CE_MISTAKES = [
    (lambda p, t: -np.log2(p[t]),
     "le logarithme est en base e (np.log), pas en base 2 : l'entropie croisée se compte ici "
     "en nats, comme dans PyTorch."),
    (lambda p, t: -np.log10(p[t]),
     "le logarithme est en base e (np.log), pas en base 10."),
    (lambda p, t: np.log(p[t]),
     "il manque le signe moins : ln p est négatif (p < 1), la perte −ln p est positive."),
    (lambda p, t: -np.sum(np.log(p)),
     "seule compte la probabilité du BON token, p[target] : −ln p[target]."),
    (lambda p, t: -np.mean(np.log(p)),
     "seule compte la probabilité du BON token, p[target] : −ln p[target]."),
    (lambda p, t: 1 - p[t],
     "la perte est −ln p[target], pas 1 − p : elle explose quand p tend vers 0."),
]


def check_cross_entropy(fn) -> Verdict:
    """Exercice 3 : ``cross_entropy(probs, target)`` = −ln probs[target], en nats."""
    from llmlab.sampling import cross_entropy

    return finish(evaluate_function(fn, cross_entropy, CE_CASES, name="cross_entropy",
                                    arg_names="probs target", mistakes=CE_MISTAKES))


def check_perplexity(perplexite, probs_seq, targets) -> Verdict:
    """Exercice 3 (suite) : la perplexité d'une suite, exp(moyenne des entropies croisées)."""
    from llmlab.sampling import cross_entropy, perplexity

    losses = [cross_entropy(p, t) for p, t in zip(probs_seq, targets)]
    mistakes = [(float(np.mean(losses)), "c'est la moyenne des entropies croisées ; la perplexité "
                                         "en est l'exponentielle : np.exp(moyenne)."),
                (float(np.exp(np.sum(losses))), "exponentielle de la SOMME : prenez la MOYENNE "
                                                "des entropies croisées."),
                (float(2 ** np.mean(losses)), "avec des nats (ln), l'exponentielle est np.exp, "
                                              "pas 2 ** …")]
    return check_value(perplexite, perplexity(probs_seq, targets), "perplexite", mistakes)
