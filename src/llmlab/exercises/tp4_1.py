"""Vérificateurs du TP 4.1 (régression linéaire).

Chaque réponse est comparée aux fonctions de référence de `llmlab.linear` sur plusieurs cas.
Chaque exercice liste ses erreurs typiques (somme au lieu de moyenne, mauvais signe du
gradient, facteur 2 oublié…) : si la réponse de l'élève reproduit l'une d'elles, le verdict
nomme l'erreur au lieu de dire seulement « faux » (paramètre `mistakes` de `check_function`).
"""

from __future__ import annotations

import numpy as np

from llmlab import linear
from llmlab.exercises.core import Verdict, all_of, check_function, checker, evaluate_value


def _cases_xy() -> list[tuple[np.ndarray, np.ndarray]]:
    """Quelques nuages (x, y) de tailles différentes, dont celui de l'enfant."""
    rng = np.random.default_rng(7)
    cases = [linear.child_height_data()]
    for n, slope, intercept in ((5, -1.5, 3.0), (12, 0.4, -20.0)):
        x = rng.uniform(-5, 30, n)
        cases.append((x, slope * x + intercept + rng.normal(0, 2, n)))
    return cases


# --- Exercice 1 : l'erreur quadratique moyenne ----------------------------------------------
MSE_MISTAKES = [
    (
        lambda t, p: np.sum((t - p) ** 2),
        "votre MSE est exactement n fois trop grande (n = nombre de points) : avez-vous divisé "
        "par le nombre de points ? `np.mean` fait la somme et la division.",
    ),
    (
        lambda t, p: np.sqrt(np.mean((t - p) ** 2)),
        "vous avez pris la racine carrée : c'est la RMSE. La MSE s'arrête à la moyenne des carrés.",
    ),
    (
        lambda t, p: np.mean(np.abs(t - p)),
        "c'est la moyenne des écarts absolus (MAE) : la MSE met chaque écart au carré.",
    ),
    (
        lambda t, p: np.mean(t - p),
        "les écarts ne sont pas mis au carré : les positifs et les négatifs se compensent.",
    ),
    (
        lambda t, p: np.mean(p - t),
        "les écarts ne sont pas mis au carré : les positifs et les négatifs se compensent.",
    ),
    (
        lambda t, p: np.mean(t - p) ** 2,
        "vous avez mis au carré la moyenne des écarts ; il faut la moyenne des carrés des écarts.",
    ),
]


def _mse_cases():
    cases = []
    for x, y in _cases_xy():
        cases.append((y, 2.0 * x + 30.0))
        cases.append((y, linear.TRUE_SLOPE * x + linear.TRUE_INTERCEPT))
    return cases


@checker
def check_mse(fn) -> Verdict:
    """Exercice 1 : `mse(y_true, y_pred)`, la moyenne des carrés des écarts."""
    return check_function(
        fn, linear.mse, _mse_cases(), name="mse", mistakes=MSE_MISTAKES, arg_names="y_true y_pred"
    )


# --- Exercice 2 : la forme close -------------------------------------------------------------
def _cov_ddof1_over_var(x, y):
    a = np.cov(x, y)[0, 1] / np.var(x)
    return a, np.mean(y) - a * np.mean(x)


def _reference_a(x, y):
    return linear.least_squares(x, y)[0]


LEAST_SQUARES_MISTAKES = [
    (
        _cov_ddof1_over_var,
        "la pente est multipliée par n/(n−1) : `np.cov` divise par n−1 alors que "
        "`np.var` divise par n. Utilisez la même convention en haut et en bas (p. ex. "
        "`np.cov(x, y, ddof=0)` ou des `np.mean`).",
    ),
    (
        lambda x, y: (
            np.mean((x - x.mean()) * (y - y.mean())) / np.var(y),
            y.mean() - np.mean((x - x.mean()) * (y - y.mean())) / np.var(y) * x.mean(),
        ),
        "la pente divise par la variance de y ; c'est la variance de x qu'il faut (pente = cov(x, y) / var(x)).",
    ),
    (
        lambda x, y: (_reference_a(x, y), y.mean() + _reference_a(x, y) * x.mean()),
        "la pente est juste mais pas l'ordonnée : la droite passe par le point moyen, donc "
        "b = ȳ − a·x̄ (attention au signe).",
    ),
    (
        lambda x, y: (_reference_a(x, y), y.mean()),
        "la pente est juste mais pas l'ordonnée : b = ȳ − a·x̄, il manque le terme a·x̄.",
    ),
    (
        lambda x, y: tuple(reversed(linear.least_squares(x, y))),
        "les deux valeurs sont inversées : renvoyez d'abord la pente, puis l'ordonnée.",
    ),
]


LINE = ("la pente a", "l'ordonnée b")


@checker
def check_least_squares(fn) -> Verdict:
    """Exercice 2 : `least_squares(x, y)` renvoie (pente, ordonnée) de la droite des moindres carrés."""
    return check_function(
        fn,
        linear.least_squares,
        _cases_xy(),
        name="least_squares",
        mistakes=LEAST_SQUARES_MISTAKES,
        arg_names="x y",
        parts=LINE,
    )


# --- Exercice 3 : un pas de descente de gradient --------------------------------------------
def gradient_step(w, b, x, y, lr):
    """Référence : un pas de descente de gradient sur la MSE de la droite w·x + b."""
    dw, db = linear.mse_gradient(x, y, w, b)
    return w - lr * dw, b - lr * db


def _step_with(gradient):
    def step(w, b, x, y, lr):
        dw, db = gradient(w, b, x, y)
        return w - lr * dw, b - lr * db

    return step


def _error(w, b, x, y):
    return w * x + b - y


GRADIENT_STEP_MISTAKES = [
    (
        _step_with(
            lambda w, b, x, y: (
                -2 * np.mean(_error(w, b, x, y) * x),
                -2 * np.mean(_error(w, b, x, y)),
            )
        ),
        "vos paramètres bougent dans le mauvais sens (le signe du gradient est inversé). On "
        "soustrait lr × gradient, avec l'erreur = prédiction − y.",
    ),
    (
        _step_with(
            lambda w, b, x, y: (np.mean(_error(w, b, x, y) * x), np.mean(_error(w, b, x, y)))
        ),
        "le pas est deux fois trop petit : la dérivée de (erreur)² est 2·erreur, "
        "n'oubliez pas le facteur 2.",
    ),
    (
        _step_with(
            lambda w, b, x, y: (2 * np.sum(_error(w, b, x, y) * x), 2 * np.sum(_error(w, b, x, y)))
        ),
        "le pas est n fois trop grand : la MSE est une moyenne, son gradient aussi "
        "(`np.mean` plutôt que `np.sum`).",
    ),
    (
        _step_with(
            lambda w, b, x, y: (2 * np.mean(_error(w, b, x, y)), 2 * np.mean(_error(w, b, x, y)))
        ),
        "le pas sur w est faux : dans la dérivée par rapport à w, chaque erreur est multipliée "
        "par son x (dMSE/dw = 2·moyenne(erreur·x)).",
    ),
    (
        lambda w, b, x, y, lr: linear.mse_gradient(x, y, w, b),
        "vous renvoyez le gradient ; la fonction doit renvoyer les nouveaux paramètres "
        "(w − lr·dw, b − lr·db).",
    ),
]


def _gradient_step_cases():
    cases = []
    for (x, y), (w, b, lr) in zip(
        _cases_xy(), ((0.0, 0.0, 0.001), (0.5, -1.0, 0.01), (1.2, 3.0, 0.005))
    ):
        cases.append((w, b, x, y, lr))
    x_n, _, _ = linear.normalize(linear.child_height_data()[0])
    y_n, _, _ = linear.normalize(linear.child_height_data()[1])
    cases.append((0.3, -0.2, x_n, y_n, 0.1))
    return cases


@checker
def check_gradient_step(fn) -> Verdict:
    """Exercice 3 : `gradient_step(w, b, x, y, lr)` renvoie (w, b) après un pas."""
    return check_function(
        fn,
        gradient_step,
        _gradient_step_cases(),
        name="gradient_step",
        mistakes=GRADIENT_STEP_MISTAKES,
        arg_names="w b x y lr",
        parts=("le nouveau w", "le nouveau b"),
    )


# --- Exercice 4 : normaliser -----------------------------------------------------------------
def _normalize_mistakes(v):
    v = np.asarray(v, dtype=float)
    return [
        (
            (v - v.mean()) / v.std(ddof=1),
            "vous divisez par l'écart type « échantillon » (ddof=1, celui de pandas) ; ici on prend "
            "celui de NumPy par défaut, `v.std()`, comme Keras et `llmlab.linear.normalize`.",
        ),
        (
            v - v.mean(),
            "les valeurs sont centrées mais pas réduites : divisez aussi par l'écart type.",
        ),
        (
            v / v.std(),
            "les valeurs sont réduites mais pas centrées : soustrayez d'abord la moyenne.",
        ),
        (
            (v - v.mean()) / v.var(),
            "vous divisez par la variance ; c'est l'écart type (sa racine) qu'il faut.",
        ),
        (v - v.mean() / v.std(), "il manque des parenthèses : (v − moyenne) / écart type."),
    ]


@checker
def check_normalized(x_n, y_n) -> Verdict:
    """Exercice 4 : les âges et les tailles centrés réduits."""
    x, y = linear.child_height_data()
    return all_of(
        lambda: evaluate_value(x_n, linear.normalize(x)[0], "x_n", _normalize_mistakes(x)),
        lambda: evaluate_value(y_n, linear.normalize(y)[0], "y_n", _normalize_mistakes(y)),
        success="`x_n` et `y_n` sont corrects : moyenne 0 et écart type 1.",
    )


# --- Exercice 5 : dénormaliser ---------------------------------------------------------------
def _denorm_cases():
    x, y = linear.child_height_data()
    stats = (x.mean(), x.std(), y.mean(), y.std())
    return [(0.97, 0.0, *stats), (0.5, 0.2, *stats), (1.3, -0.4, 10.0, 4.0, 3.0, 0.5)]


def _denorm_b(fix_a=None, b_rule=None):
    def wrong(w_n, b_n, x_mean, x_std, y_mean, y_std):
        a = w_n * y_std / x_std if fix_a is None else fix_a(w_n, x_std, y_std)
        b = (
            b_n * y_std + y_mean - a * x_mean
            if b_rule is None
            else b_rule(a, b_n, x_mean, y_mean, y_std)
        )
        return a, b

    return wrong


DENORMALIZE_MISTAKES = [
    (
        _denorm_b(fix_a=lambda w_n, x_std, y_std: w_n * x_std / y_std),
        "la pente a le rapport des écarts types à l'envers : a = w_n · σy / σx "
        "(une pente est en cm par mois, donc σy en haut).",
    ),
    (
        _denorm_b(fix_a=lambda w_n, x_std, y_std: w_n),
        "la pente n'est pas remise à l'échelle : a = w_n · σy / σx.",
    ),
    (
        _denorm_b(b_rule=lambda a, b_n, x_mean, y_mean, y_std: b_n * y_std + y_mean),
        "la pente est juste, mais l'ordonnée oublie le terme − a·x̄ (le centrage de x).",
    ),
    (
        _denorm_b(b_rule=lambda a, b_n, x_mean, y_mean, y_std: b_n * y_std + y_mean + a * x_mean),
        "la pente est juste, mais le terme a·x̄ de l'ordonnée a le mauvais signe : b = b_n·σy + ȳ − a·x̄.",
    ),
    (
        _denorm_b(b_rule=lambda a, b_n, x_mean, y_mean, y_std: b_n + y_mean - a * x_mean),
        "la pente est juste, mais dans l'ordonnée b_n doit aussi être multiplié par σy.",
    ),
]


@checker
def check_denormalize(fn) -> Verdict:
    """Exercice 5 : `denormalize(w_n, b_n, x_mean, x_std, y_mean, y_std)` renvoie (a, b)."""
    return check_function(
        fn,
        linear.denormalize_line,
        _denorm_cases(),
        name="denormalize",
        mistakes=DENORMALIZE_MISTAKES,
        parts=LINE,
        arg_names="w_n b_n x_mean x_std y_mean y_std",
    )
