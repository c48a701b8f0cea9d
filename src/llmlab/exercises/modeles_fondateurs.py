"""Vérificateurs du notebook « Modèles fondateurs et passage à l'échelle ».

Cinq calculs qui tiennent en une ligne et que l'on rate souvent : les comptes du masquage de
BERT (15 %, puis 80/10/10), le calcul optimal de Chinchilla (C ≈ 6·N·D et D ≈ 20·N), la
bulle d'un pipeline, la quantification int8 absmax d'un vecteur et les paramètres d'un
adaptateur LoRA (dans l'ordre du notebook). Les références sont écrites ici sans torch ; les
tests les comparent aux fonctions du cours (`llmlab.selfsup`, `llmlab.scale`, `llmlab.lora`,
`llmlab.quantize`, `llmlab.cluster`) et aux chiffres publiés (Chinchilla : 70 milliards de
paramètres, 1,4 billion de tokens).
"""

from __future__ import annotations

import math

import numpy as np

from llmlab.exercises.core import Mistake, Verdict, check_function, checker


# --- Exercice 1 : les comptes du masquage de BERT -------------------------------------------
def bert_counts(n_tokens):
    """Nombres attendus de positions choisies, de [MASK], de tokens au hasard et de tokens
    intacts pour ``n_tokens`` tokens : 15 % choisies, dont 80 % / 10 % / 10 %."""
    chosen = 0.15 * n_tokens
    return chosen, 0.8 * chosen, 0.1 * chosen, 0.1 * chosen


BERT_CASES = [(1000,), (2000,), (200,), (4096,)]
BERT_PARTS = ("les positions choisies", "les [MASK]", "les tokens au hasard", "les tokens intacts")
BERT_MISTAKES = [
    (
        lambda n: (0.15 * n, 0.8 * n, 0.1 * n, 0.1 * n),
        "les 80 / 10 / 10 % portent sur les positions CHOISIES (15 % du texte), pas sur tout le "
        "texte.",
    ),
    (
        lambda n: (0.15 * n, 0.15 * n, 0.0, 0.0),
        "BERT ne remplace pas toutes les positions choisies par [MASK] : 80 % deviennent [MASK], "
        "10 % un token au hasard, 10 % restent intactes.",
    ),
    (
        lambda n: (0.15 * n, 0.12 * n, 0.03 * n, 0.0),
        "10 % des positions choisies restent intactes (le modèle doit aussi les prédire) ; seules "
        "10 % reçoivent un token au hasard.",
    ),
    (
        lambda n: (0.15 * n, 0.8 * 0.15 * n, 0.1 * n, 0.1 * n),
        "les 10 % au hasard et les 10 % intacts sont, eux aussi, des parts des positions "
        "choisies, pas du texte entier.",
    ),
    (
        lambda n: (15 * n, 12 * n, 1.5 * n, 1.5 * n),
        "15 % s'écrit 0,15 (et 80 %, 0,8) : vos comptes sont cent fois trop grands.",
    ),
]


@checker
def check_bert_counts(fn) -> Verdict:
    """Exercice 1 : ``comptes_bert(n_tokens)`` rend quatre nombres."""
    return check_function(
        fn,
        bert_counts,
        BERT_CASES,
        name="comptes_bert",
        arg_names="n_tokens",
        mistakes=BERT_MISTAKES,
        parts=BERT_PARTS,
        success="`comptes_bert` est juste : sur 1 000 tokens, 150 positions "
        "choisies, 120 [MASK], 15 au hasard et 15 intactes.",
    )


# --- Exercice 2 : le calcul optimal de Chinchilla -------------------------------------------
def compute_optimal(compute):
    """``(N, D)`` tels que 6·N·D = C et D = 20·N : N = √(C / 120)."""
    n = math.sqrt(compute / 120)
    return n, 20 * n


OPTIMAL_CASES = [(5.76e23,), (1.2e21,), (6e18,), (3.14e25,)]
OPTIMAL_PARTS = ("le nombre de paramètres N", "le nombre de tokens D")
OPTIMAL_MISTAKES = [
    (
        lambda c: (math.sqrt(c / 6), 20 * math.sqrt(c / 6)),
        "avec D = 20·N, C = 6·N·D devient 6·N·(20·N) = 120·N² : il faut diviser C par 120, pas "
        "par 6.",
    ),
    (
        lambda c: (math.sqrt(c / 20), 20 * math.sqrt(c / 20)),
        "le 6 de C = 6·N·D a disparu : C = 6·N·(20·N) = 120·N².",
    ),
    (lambda c: (c / 120, 20 * c / 120), "C = 120·N² : N est la RACINE de C / 120."),
    (
        lambda c: (math.sqrt(c / 120), math.sqrt(c / 120) / 20),
        "D = 20·N : vingt tokens PAR paramètre, donc D est plus grand que N.",
    ),
    (
        lambda c: (20 * math.sqrt(c / 120), math.sqrt(c / 120)),
        "N et D sont échangés : N = √(C / 120) paramètres, D = 20·N tokens.",
    ),
    (
        lambda c: (math.sqrt(c / 6) / 20, math.sqrt(c / 6)),
        "C = 6·N·D et D = 20·N : remplacez D par 20·N dans la première formule, puis isolez N.",
    ),
]


@checker
def check_compute_optimal(fn) -> Verdict:
    """Exercice 2 : ``calcul_optimal(C)`` rend ``(N, D)``."""
    return check_function(
        fn,
        compute_optimal,
        OPTIMAL_CASES,
        name="calcul_optimal",
        arg_names="C",
        mistakes=OPTIMAL_MISTAKES,
        parts=OPTIMAL_PARTS,
        rtol=1e-4,
        success="`calcul_optimal` est juste : le budget de Gopher "
        "(5,76·10²³ FLOP) donne environ 69 milliards de paramètres "
        "et 1,4 billion de tokens : c'est Chinchilla.",
    )


# --- Exercice 5 : les paramètres d'un adaptateur LoRA ---------------------------------------
def lora_parameters(d_in, d_out, r):
    """Paramètres entraînables de LoRA sur une matrice d_out × d_in : A (r × d_in) et
    B (d_out × r)."""
    return r * (d_in + d_out)


LORA_CASES = [(128, 384, 4), (4096, 4096, 8), (768, 3072, 16), (10, 30, 1), (12288, 12288, 4)]
LORA_MISTAKES = [
    (
        lambda d_in, d_out, r: r * d_in * d_out,
        "A et B sont deux matrices FINES, r × d_in et d_out × r : on additionne leurs tailles, "
        "r·d_in + d_out·r, on ne multiplie pas tout.",
    ),
    (
        lambda d_in, d_out, r: d_in * d_out,
        "c'est la taille de la matrice gelée W ; LoRA n'apprend que A (r × d_in) et B (d_out × r).",
    ),
    (
        lambda d_in, d_out, r: d_in * d_out + r * (d_in + d_out),
        "la matrice W reste gelée : seuls A et B sont entraînables.",
    ),
    (
        lambda d_in, d_out, r: 2 * r * d_in,
        "la matrice n'est pas forcément carrée : A a r × d_in nombres, B en a d_out × r.",
    ),
    (
        lambda d_in, d_out, r: r * d_in,
        "il manque B (d_out × r) : W + B·A a besoin des deux matrices.",
    ),
    (
        lambda d_in, d_out, r: r * d_out,
        "il manque A (r × d_in) : W + B·A a besoin des deux matrices.",
    ),
]


@checker
def check_lora_parameters(fn) -> Verdict:
    """Exercice 5 : ``parametres_lora(d_in, d_out, r)``."""
    return check_function(
        fn,
        lora_parameters,
        LORA_CASES,
        name="parametres_lora",
        arg_names="d_in d_out r",
        mistakes=LORA_MISTAKES,
        success="`parametres_lora` est juste : pour une matrice 4 096 × 4 096 "
        "et r = 8, 65 536 paramètres au lieu de 16,8 millions (0,4 %).",
    )


# --- Exercice 4 : quantifier un vecteur en int8 ---------------------------------------------
def absmax_int8(x):
    """``(q, s)`` : s = max|x| / 127, q = round(x / s) entre −127 et 127 (en float64 pour la
    comparaison ; la cellule d'exemple range q dans un int8)."""
    x = np.asarray(x, dtype=np.float64)
    scale = float(np.abs(x).max()) / 127
    return np.clip(np.round(x / scale), -127, 127), scale


INT8_CASES = [
    (np.array([0.5, -1.27, 0.013, 0.9]),),
    (np.array([3.0, -0.2, 0.07, -2.5, 1.1, 0.0]),),
    (np.array([-0.004, 0.001, 0.0025]),),
    (np.array([12.7, -6.3, 0.06, 4.2, -12.7]),),
]
INT8_PARTS = ("les entiers q", "l'échelle s")
Q = INT8_PARTS[0]


def _q(x, scale, rounding=np.round):
    return rounding(x / scale)


#: Chaque calcul fautif rend les entiers q qu'il produit : reconnus sur ce seul morceau.
INT8_MISTAKES = [
    Mistake(
        lambda x: _q(x, np.abs(x).max() / 128).clip(-128, 127),
        "l'échelle absmax est max|x| / 127 : le plus grand |x| doit devenir ±127, la plage "
        "symétrique d'un int8.",
        part=Q,
    ),
    Mistake(
        lambda x: _q(x, np.abs(x).max() / 255),
        "255 valeurs, mais centrées sur 0 : de −127 à 127, donc s = max|x| / 127.",
        part=Q,
    ),
    Mistake(
        lambda x: _q(x, x.max() / 127).clip(-127, 127),
        "absmax prend le plus grand écart à zéro, max|x| (`np.abs(x).max()`), pas le plus grand x.",
        part=Q,
    ),
    Mistake(
        lambda x: _q(x, np.abs(x).max() / 127, np.trunc),
        "`int()` ou `astype(int)` tronquent vers zéro ; arrondissez au plus proche avec "
        "`np.round`.",
        part=Q,
    ),
    Mistake(
        lambda x: _q(x, np.abs(x).max() / 127, np.floor),
        "`np.floor` arrondit vers le bas ; arrondissez au plus proche avec `np.round`.",
        part=Q,
    ),
    Mistake(
        lambda x: x / (np.abs(x).max() / 127),
        "q doit être entier : arrondissez x / s avec `np.round`.",
        part=Q,
    ),
    Mistake(
        lambda x: np.round(x * (np.abs(x).max() / 127)),
        "on DIVISE par l'échelle s = max|x| / 127 pour quantifier (q = x / s) et l'on "
        "multiplie pour revenir (x ≈ q · s) ; vérifiez aussi que s n'est pas à l'envers.",
        part=Q,
    ),
]


@checker
def check_absmax_int8(fn) -> Verdict:
    """Exercice 4 : ``quantifier_int8(x)`` rend ``(q, s)``."""
    return check_function(
        fn,
        absmax_int8,
        INT8_CASES,
        name="quantifier_int8",
        arg_names="x",
        mistakes=INT8_MISTAKES,
        parts=INT8_PARTS,
        success="`quantifier_int8` est juste : un octet par nombre, et "
        "q · s retrouve x à s / 2 près au plus.",
    )


# --- Exercice 3 : la bulle du pipeline ------------------------------------------------------
def bubble(p, m):
    """Part du temps où un GPU attend : (p − 1) / (m + p − 1)."""
    return (p - 1) / (m + p - 1)


BUBBLE_CASES = [(4, 1), (4, 4), (4, 32), (8, 16), (2, 3), (1, 8)]
BUBBLE_MISTAKES = [
    (
        lambda p, m: (p - 1) / m,
        "la durée totale compte aussi le remplissage : m + p − 1 créneaux, pas m.",
    ),
    (
        lambda p, m: (p - 1) / (m + p),
        "le pipeline dure m + p − 1 créneaux : m micro-lots, plus p − 1 pour se remplir.",
    ),
    (
        lambda p, m: p / (m + p - 1),
        "un étage seul n'attend jamais : la bulle compte p − 1 créneaux, pas p.",
    ),
    (
        lambda p, m: (p - 1) / p,
        "c'est la bulle avec un seul micro-lot ; avec m micro-lots elle se dilue : "
        "(p − 1) / (m + p − 1).",
    ),
    (
        lambda p, m: m / (m + p - 1),
        "c'est la part du temps où le GPU TRAVAILLE ; la bulle en est le reste.",
    ),
    (
        lambda p, m: (m - 1) / (m + p - 1),
        "p et m sont échangés : la bulle grandit avec le nombre d'étages p, elle se dilue avec "
        "le nombre de micro-lots m.",
    ),
]


@checker
def check_bubble(fn) -> Verdict:
    """Exercice 3 : ``bulle(p, m)``, une fraction entre 0 et 1."""
    return check_function(
        fn,
        bubble,
        BUBBLE_CASES,
        name="bulle",
        arg_names="p m",
        mistakes=BUBBLE_MISTAKES,
        success="`bulle` est juste : 4 étages et 4 micro-lots perdent 43 % "
        "du temps, 32 micro-lots moins de 9 %.",
    )
