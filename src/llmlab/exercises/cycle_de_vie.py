"""Vérificateurs du notebook « IA générative : cycle de vie ».

Les références sont des formes closes, comparées dans les tests à ``llmlab.costs`` (mémoire),
à ``torch.finfo`` et à une vraie conversion par torch (plus grand nombre, débordement) et à
``llmlab.quantize`` (INT8 absmax). Erreurs classiques reconnues : Go et Gio confondus, octets
rendus au lieu de Go, FP32 au lieu de FP16 ; oubli des moments d'Adam, des gradients ou de la
copie FP32 ; mantisse oubliée ou biais de l'exposant décalé d'un ; l'arrondi près du plus
grand nombre ou le signe oubliés ; échelle sur 128 ou sans valeur absolue, troncature au lieu
d'arrondi, entiers rendus au lieu des réels.
"""

from __future__ import annotations

import math

import numpy as np

from llmlab.exercises.core import Mistake, Verdict, check_function, check_value, checker

# --- Exercices 1 et 2 : la mémoire d'un modèle de 7 milliards ---------------------------------
N_PARAMS = 7e9
GB = 1e9


def serving_gb(n_params: float = N_PARAMS) -> float:
    """Go pour les poids seuls en FP16 : 2 octets par paramètre."""
    return 2 * n_params / GB


def training_gb(n_params: float = N_PARAMS) -> float:
    """Go pour entraîner avec Adam en précision mixte, hors activations : poids FP16 (2),
    gradients FP16 (2), copie FP32 (4), deux moments d'Adam FP32 (8) = 16 octets."""
    return 16 * n_params / GB


def _units(per_param: float, what: str) -> list:
    """Les erreurs d'unité sur ``per_param`` octets par paramètre."""
    n = N_PARAMS * per_param
    return [
        (n, f"c'est un nombre d'octets {what} ; la réponse est en Go (divisez par 10⁹)."),
        (n / 2**30, "ce sont des Gio (2³⁰ octets) ; un Go vaut 10⁹ octets."),
        (n / 2**20, "c'est en Mio ; la réponse est en Go (10⁹ octets)."),
    ]


SERVING_MISTAKES = [
    (28, "28 Go, c'est en FP32 (4 octets par paramètre) ; en FP16, un paramètre occupe 2 octets."),
    (7, "7 Go, c'est 1 octet par paramètre (INT8) ; en FP16, un paramètre occupe 2 octets."),
    (3.5, "3,5 Go, c'est en 4 bits ; en FP16, un paramètre occupe 2 octets."),
    (112, "c'est la mémoire pour entraîner ; pour servir, seuls les poids comptent."),
    (14 / 8, "vous divisez par 8 : FP16 fait 16 bits, soit 2 octets ; comptez en octets."),
    *_units(2, "pour servir"),
]

TRAINING_MISTAKES = [
    (
        14,
        "14 Go, ce sont les poids seuls ; pour entraîner, il faut aussi les gradients, la "
        "copie FP32 et les deux moments d'Adam.",
    ),
    (28, "il manque la copie FP32 des poids et les deux moments d'Adam (12 octets par paramètre)."),
    (56, "il manque Adam : deux moyennes par paramètre (m et v), en FP32, soit 8 octets."),
    (
        84,
        "il manque 4 octets par paramètre : la copie FP32 des poids que garde la précision "
        "mixte, ou l'un des DEUX moments d'Adam (m et v, 4 octets chacun) ?",
    ),
    (98, "il manque les gradients : un par paramètre, en FP16 (2 octets)."),
    (
        140,
        "20 octets par paramètre : poids et gradients comptés en FP32, en plus de la copie. En "
        "précision mixte, ils sont en 16 bits (2 octets) ; seuls la copie et Adam sont en FP32.",
    ),
    (
        168,
        "24 octets par paramètre comptent aussi les activations, qui dépendent du lot ; la "
        "question demande l'état d'entraînement seul.",
    ),
    *_units(16, "pour entraîner"),
]


@checker
def check_serving_memory(answer) -> Verdict:
    """Exercice 1 : ``go_servir``, les Go des poids d'un modèle de 7 milliards en FP16."""
    return check_value(
        answer,
        serving_gb(),
        "go_servir",
        SERVING_MISTAKES,
        rtol=0.005,
        success="`go_servir` est juste : 2 octets par paramètre. Un GPU de 24 Go "
        "le sert, avec de la place pour le cache KV.",
    )


@checker
def check_training_memory(answer) -> Verdict:
    """Exercice 2 : ``go_entrainer``, les Go pour entraîner ce modèle (Adam, précision mixte)."""
    return check_value(
        answer,
        training_gb(),
        "go_entrainer",
        TRAINING_MISTAKES,
        rtol=0.005,
        success="`go_entrainer` est juste : 16 octets par paramètre sans les "
        "activations, plus que la mémoire d'un H100 (80 Go).",
    )


# --- Exercice 3 : le plus grand nombre d'un format ----------------------------------------------
def largest_float(exponent_bits: int, mantissa_bits: int) -> float:
    """Plus grand nombre fini d'un format IEEE : 1,11…1 (mantisse pleine) × 2^biais.

    L'exposant tout à 1 est réservé à l'infini et aux NaN : le plus grand exposant vaut
    2^(e−1) − 1, le biais. La mantisse pleine vaut 2 − 2^(−m).
    """
    return (2 - 2.0**-mantissa_bits) * 2.0 ** (2 ** (exponent_bits - 1) - 1)


#: (bits d'exposant, bits de mantisse) : FP16, BF16, FP32, FP8 E5M2, deux formats inventés.
#: Pas FP64 : 2^1024, l'erreur « exposant trop grand d'un », lèverait OverflowError.
FLOAT_CASES = [(5, 10), (8, 7), (8, 23), (5, 2), (6, 9), (3, 4)]
LARGEST_MISTAKES = [
    Mistake(
        lambda e, m: 2.0 ** (2 ** (e - 1) - 1),
        "vous avez pris la mantisse 1,0 ; la plus grande mantisse est 1,11…1 en binaire, "
        "soit 2 − 2^(−m).",
    ),
    Mistake(
        lambda e, m: (2 - 2.0**-m) * 2.0 ** (2 ** (e - 1)),
        "l'exposant est trop grand d'un : le code tout à 1 est réservé à l'infini, le plus "
        "grand exposant vaut 2^(e−1) − 1.",
    ),
    Mistake(
        lambda e, m: 2.0 ** (2 ** (e - 1)),
        "2^(biais + 1) est la première puissance de 2 qui déborde ; le plus grand nombre "
        "est juste en dessous : (2 − 2^(−m)) × 2^(2^(e−1) − 1).",
    ),
    Mistake(
        lambda e, m: (1 - 2.0**-m) * 2.0 ** (2 ** (e - 1) - 1),
        "la mantisse commence par un 1 implicite : 1,11…1 vaut 2 − 2^(−m), pas 1 − 2^(−m).",
    ),
    Mistake(
        lambda e, m: (2 - 2.0**-m) * 2.0 ** (2 ** (e - 1) - 2),
        "l'exposant est trop petit d'un : le plus grand vaut 2^(e−1) − 1.",
    ),
]


@checker
def check_largest_float(fn) -> Verdict:
    """Exercice 3 : ``plus_grand(exposant, mantisse)``."""
    return check_function(
        fn,
        largest_float,
        FLOAT_CASES,
        name="plus_grand",
        arg_names="exposant mantisse",
        mistakes=LARGEST_MISTAKES,
        rtol=1e-9,
        success="`plus_grand` est juste : les mêmes maximums que `torch.finfo` "
        "pour FP16, BF16, FP32 et FP8.",
    )


# --- Exercice 4 : débordement ou pas ? ----------------------------------------------------------
#: (bits d'exposant, bits de mantisse) des trois formats du cours
FORMAT_BITS = {"FP32": (8, 23), "FP16": (5, 10), "BF16": (8, 7)}


def overflows(x: float, fmt: str) -> bool:
    """Vrai si ``x`` devient ±inf une fois rangé dans ``fmt`` (arrondi au plus proche).

    Le plus grand nombre M a pour voisin du dessous M − g (g = écart entre les deux, M·ε/(2 − ε)) ;
    au-dessus, le voisin « virtuel » serait M + g : tout |x| ≥ M + g/2 s'arrondit vers lui,
    c'est-à-dire vers l'infini.
    """
    e, m = FORMAT_BITS[fmt]
    top = largest_float(e, m)
    gap = 2.0 ** (2 ** (e - 1) - 1 - m)
    return bool(abs(x) >= top + gap / 2)


#: Des valeurs juste sous et juste sur les seuils, et des deux signes.
OVERFLOW_CASES = [
    (70_000.0, "FP16"),
    (65_519.0, "FP16"),
    (65_520.0, "FP16"),
    (-70_000.0, "FP16"),
    (1e-8, "FP16"),
    (70_000.0, "BF16"),
    (3.39e38, "BF16"),
    (3.4e38, "BF16"),
    (-1e39, "BF16"),
    (1e39, "FP32"),
    (3.4e38, "FP32"),
    (65_504.0, "FP16"),
]


def _naive_top(x, fmt):
    return abs(x) > largest_float(*FORMAT_BITS[fmt])


def _strictly_above_limit(x, fmt):
    """Le bon seuil M + g/2, mais comparé par > : le nombre pile au seuil est oublié."""
    e, m = FORMAT_BITS[fmt]
    return abs(x) > largest_float(e, m) + 2.0 ** (2 ** (e - 1) - 1 - m) / 2


OVERFLOW_MISTAKES = [
    (
        _naive_top,
        "un nombre un peu plus grand que le maximum est d'abord ARRONDI : 65 519 "
        "redevient 65 504. Il ne déborde qu'à partir de max + la moitié de l'écart "
        "entre les deux plus grands nombres.",
    ),
    (
        lambda x, fmt: x > largest_float(*FORMAT_BITS[fmt]),
        "−70 000 déborde aussi (vers −∞) : comparez la valeur absolue |x|.",
    ),
    (
        lambda x, fmt: (
            x
            >= largest_float(*FORMAT_BITS[fmt])
            + 2.0 ** (2 ** (FORMAT_BITS[fmt][0] - 1) - 1 - FORMAT_BITS[fmt][1]) / 2
        ),
        "−70 000 déborde aussi (vers −∞) : comparez la valeur absolue |x|.",
    ),
    (
        lambda x, fmt: (
            abs(x)
            >= largest_float(*FORMAT_BITS[fmt])
            + 2.0 ** (2 ** (FORMAT_BITS[fmt][0] - 1) - 1 - FORMAT_BITS[fmt][1])
        ),
        "le seuil est à la MOITIÉ de l'écart au-dessus du maximum (arrondi au plus proche), "
        "pas à l'écart entier.",
    ),
    (
        _strictly_above_limit,
        "un nombre pile sur le seuil M + g/2 (65 520 en FP16) déborde aussi : à égalité, "
        "l'arrondi va vers le voisin « pair », ici l'infini. Comparez avec >=, pas >.",
    ),
    (
        lambda x, fmt: fmt == "FP16" and abs(x) > 65_504,
        "BF16 et FP32 débordent aussi, vers 3,4·10³⁸ : utilisez le maximum de chaque format.",
    ),
]


@checker
def check_overflow(fn) -> Verdict:
    """Exercice 4 : ``deborde(x, fmt)`` → True si x devient l'infini dans ``fmt``."""
    return check_function(
        fn,
        overflows,
        OVERFLOW_CASES,
        name="deborde",
        arg_names="x fmt",
        mistakes=OVERFLOW_MISTAKES,
        success=f"`deborde` est juste sur les {len(OVERFLOW_CASES)} cas, comme "
        "une vraie conversion par torch (65 519 ne déborde pas en FP16, "
        "65 520 si).",
    )


# --- Exercice 5 : INT8 absmax ---------------------------------------------------------------------
def absmax_roundtrip(w) -> np.ndarray:
    """``w`` quantifié en INT8 absmax puis relu : s = max|w| / 127, q = round(w / s), q·s."""
    w = np.asarray(w, dtype=float)
    s = np.abs(w).max() / 127
    return np.round(w / s) * s


ABSMAX_CASES = [
    (np.array([0.5, -1.27, 0.02, 1.0, -0.333]),),
    (np.random.default_rng(0).normal(0, 0.02, 64),),
    (np.array([-2.0, 0.3, 1.9, -0.61]),),
    (np.array([[0.1, -0.4], [0.25, 0.013]]),),
]


def _scaled(w, divisor, abs_=True):
    w = np.asarray(w, dtype=float)
    return (np.abs(w).max() if abs_ else w.max()) / divisor


ABSMAX_MISTAKES = [
    (
        lambda w: np.round(w / _scaled(w, 128)) * _scaled(w, 128),
        "l'échelle est max|w| / 127 : la grille symétrique va de −127 à 127 (on laisse −128 de "
        "côté pour que zéro soit au milieu).",
    ),
    (
        lambda w: np.round(w / _scaled(w, 255)) * _scaled(w, 255),
        "255 niveaux, c'est pour une grille de 0 à 255 ; en absmax, la grille va de −127 à 127 : "
        "s = max|w| / 127.",
    ),
    (
        lambda w: np.round(w / _scaled(w, 127, False)) * _scaled(w, 127, False),
        "prenez le maximum de la VALEUR ABSOLUE, np.abs(w).max() : ici la plus grande valeur est "
        "négative.",
    ),
    (
        lambda w: np.trunc(w / _scaled(w, 127)) * _scaled(w, 127),
        "`astype(int)` ou `int()` tronquent vers zéro ; il faut arrondir au plus proche, np.round.",
    ),
    (
        lambda w: np.floor(w / _scaled(w, 127)) * _scaled(w, 127),
        "np.floor arrondit vers le bas ; il faut arrondir au plus proche, np.round.",
    ),
    (
        lambda w: np.round(w / _scaled(w, 127)),
        "ce sont les entiers q ; rendez les réels reconstruits, q × s.",
    ),
    (
        lambda w: np.asarray(w, dtype=float),
        "w / s × s redonne w : il manque l'arrondi à l'entier le plus proche entre les deux.",
    ),
]


@checker
def check_absmax(fn) -> Verdict:
    """Exercice 5 : ``absmax_int8(w)`` → les poids relus après INT8 absmax."""
    return check_function(
        fn,
        absmax_roundtrip,
        ABSMAX_CASES,
        name="absmax_int8",
        arg_names="w",
        mistakes=ABSMAX_MISTAKES,
        rtol=1e-5,
        atol=1e-7,
        shape_advice="Rendez un tableau de la même forme que w.",
        success="`absmax_int8` est juste : chaque poids est à moins d'un "
        "demi-pas (s/2) de sa valeur, comme `llmlab.quantize`.",
    )


def overflow_by_torch(x: float, fmt: str) -> bool:
    """La même question posée à torch : convertir, relire, est-ce infini ? (pour les tests)"""
    import torch

    dtype = {"FP32": torch.float32, "FP16": torch.float16, "BF16": torch.bfloat16}[fmt]
    return math.isinf(float(torch.tensor(x, dtype=torch.float64).to(dtype)))
