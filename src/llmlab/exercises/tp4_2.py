"""Vérificateurs du TP 4.2 (neurones et couches).

Chaque réponse est comparée à la référence de ``llmlab.nn`` sur plusieurs cas (formes
différentes, lot d'un seul exemple). Quand la réponse fausse correspond à une erreur
classique (poids transposés, biais oublié, dérivée de ReLU en 0, gradient non sommé sur
le lot…), le verdict le dit en clair au lieu d'annoncer seulement « mauvaises valeurs ».
"""

from __future__ import annotations

from functools import cache

import numpy as np

from llmlab import nn
from llmlab.exercises.core import (
    Mistake,
    Raises,
    Verdict,
    When,
    all_of,
    checker,
    evaluate_function,
    evaluate_value,
)


# --- Références : ce que les fonctions des élèves doivent calculer, tiré de llmlab.nn -------
def neuron_forward(x, w, b):
    """Un neurone à activation sigmoïde : σ(w₁x₁ + … + wₙxₙ + b)."""
    return nn.Neuron(w, b, "sigmoid").forward(x)


def _linear_layer(W, b=None) -> nn.Dense:
    """Une couche ``nn.Dense`` sans activation, avec les poids donnés."""
    W = np.asarray(W, dtype=float)
    layer = nn.Dense(*W.shape)
    layer.W = W.copy()
    layer.b = np.zeros(W.shape[1]) if b is None else np.asarray(b, dtype=float).copy()
    return layer


def dense_forward(X, W, b):
    """Partie linéaire d'une couche dense : Z = X @ W + b, de forme (batch, n_out)."""
    return _linear_layer(W, b).forward(np.asarray(X, dtype=float))


def dense_backward(X, W, grad_out):
    """(dL/dX, dL/dW, dL/db) d'une couche linéaire, connaissant grad_out = dL/dZ."""
    layer = _linear_layer(W)
    layer.forward(np.asarray(X, dtype=float))
    dX = layer.backward(np.asarray(grad_out, dtype=float))
    return dX, layer.dW, layer.db


def two_layer_mlp(W1, b1, W2, b2) -> nn.MLP:
    """Le réseau du cours à deux couches (ReLU puis linéaire), avec les poids donnés."""
    mlp = nn.MLP([W1.shape[0], W1.shape[1], W2.shape[1]], ["relu", "identity"])
    for layer, W, b in zip(mlp.layers, (W1, W2), (b1, b2)):
        layer.W, layer.b = np.array(W, dtype=float), np.array(b, dtype=float)
    return mlp


def grad_W1(X, y, W1, b1, W2, b2):
    """dL/dW¹ pour L = MSE(L²(L¹(X)), y), calculé par ``nn.MLP.backward``."""
    mlp = two_layer_mlp(W1, b1, W2, b2)
    mlp.backward(nn.mse_grad(mlp.forward(X), y))
    return mlp.layers[0].dW


def dense_params(n_in: int, n_out: int) -> int:
    """Paramètres d'une couche dense : n_in·n_out poids et n_out biais."""
    return n_in * n_out + n_out


def mlp_params(sizes) -> int:
    """Paramètres d'un MLP de tailles [n₀, n₁, …] : une couche dense par paire voisine."""
    return sum(dense_params(a, b) for a, b in zip(sizes[:-1], sizes[1:]))


@cache
def boston_results():
    """Les deux réseaux du TP entraînés sur Boston Housing (NumPy, déterministe)."""
    return nn.train_boston_numpy(), nn.train_boston_numpy(hidden=16)


# --- Outils communs -------------------------------------------------------------------------
def _cases(seed: int, shapes) -> list[tuple]:
    """Des tableaux aléatoires reproductibles, un tuple d'arguments par liste de formes."""
    rng = np.random.default_rng(seed)
    return [
        tuple(rng.normal(size=s) if s != "scalar" else float(rng.normal()) for s in case)
        for case in shapes
    ]


# --- Exercice 1 : un neurone ----------------------------------------------------------------
def _sig(z):
    return nn.sigmoid(np.asarray(z, dtype=float))


NEURON_MISTAKES = [
    (lambda x, w, b: _sig(np.asarray(x) @ w), "Le biais b a été oublié : z = w₁x₁ + … + wₙxₙ + b."),
    (lambda x, w, b: np.asarray(x) @ w + b, "Il manque l'activation : la sortie est σ(z), pas z."),
    (
        lambda x, w, b: _sig(np.asarray(x) * w + b),
        "Il faut additionner les produits wᵢ·xᵢ (somme pondérée) : x @ w ou np.dot(x, w).",
    ),
    (
        lambda x, w, b: _sig(np.sum(np.asarray(x) * w) + b),
        "Pour un lot (une ligne par exemple), la somme se fait ligne par ligne : "
        "x @ w le fait pour vous, np.sum(x * w) additionne tout le lot.",
    ),
]


@checker
def check_neuron(fn) -> Verdict:
    """Exercice 1 : ``neuron_forward(x, w, b)`` pour une entrée (n,) et pour un lot (batch, n)."""
    cases = _cases(
        1,
        [
            [(4,), (4,), "scalar"],
            [(2,), (2,), "scalar"],
            [(3, 4), (4,), "scalar"],
            [(1, 4), (4,), "scalar"],
        ],
    )
    cases.append((np.array([1.0, 2.0, -1.0, 0.5]), np.array([0.5, -0.25, 1.0, 2.0]), 0.0))
    return evaluate_function(
        fn,
        neuron_forward,
        cases,
        name="neuron_forward",
        arg_names="x w b",
        mistakes=NEURON_MISTAKES,
    )


# --- Exercice 2 : ReLU et sa dérivée --------------------------------------------------------
RELU_CASES = [
    (np.array([-2.0, -0.5, 0.0, 0.5, 3.0]),),
    (np.linspace(-1, 1, 12).reshape(3, 4),),
    (np.array([0.0]),),
]
RELU_MISTAKES = [
    (
        lambda z: np.max(z, 0) if np.ndim(z) else z,
        "np.max donne le plus grand élément du tableau ; "
        "pour comparer chaque élément à 0, c'est np.maximum(z, 0).",
    ),
    (
        Raises("truth value", ValueError),
        "le `max` de Python compare le tableau entier à 0 d'un coup ; élément par "
        "élément, c'est np.maximum(z, 0).",
    ),
]
RELU_GRAD_MISTAKES = [
    (
        Raises("truth value", ValueError),
        "un `if` de Python teste le tableau entier d'un coup ; élément par élément, "
        "comparez z > 0 (un tableau de booléens) puis convertissez en 0 et 1.",
    ),
    (
        lambda z: (np.asarray(z) >= 0).astype(float),
        "En z = 0, ReLU a un angle : la dérivée n'y existe pas. On choisit 0, "
        "comme PyTorch : la dérivée vaut 1 seulement si z > 0 (strictement).",
    ),
    (lambda z: nn.relu(z), "C'est ReLU elle-même ; sa dérivée vaut 1 là où z > 0 et 0 ailleurs."),
]


@checker
def check_relu(relu, relu_grad) -> Verdict:
    """Exercice 2 : ``relu(z)`` et sa dérivée ``relu_grad(z)``, élément par élément."""
    return all_of(
        lambda: evaluate_function(
            relu, nn.relu, RELU_CASES, name="relu", arg_names="z", mistakes=RELU_MISTAKES
        ),
        lambda: evaluate_function(
            relu_grad,
            nn.relu_grad,
            RELU_CASES,
            name="relu_grad",
            arg_names="z",
            mistakes=RELU_GRAD_MISTAKES,
        ),
        success="`relu` et `relu_grad` sont correctes (y compris en z = 0).",
    )


# --- Exercice 3 : la couche dense -----------------------------------------------------------
SHAPES_ADVICE = (
    "Vérifiez les formes : X est (batch, n_in), W est (n_in, n_out), "
    "donc X @ W (dans cet ordre, sans transposer) donne (batch, n_out)."
)

DENSE_MISTAKES = [
    (
        lambda X, W, b: (X @ W + b).T,
        "La sortie est transposée : elle doit avoir une ligne par exemple, (batch, n_out).",
    ),
    (
        lambda X, W, b: X @ W.T + b,
        "W a été transposé : avec W de forme (n_in, n_out), c'est X @ W. " + SHAPES_ADVICE,
    ),
    (lambda X, W, b: W @ X + b, SHAPES_ADVICE),
    (lambda X, W, b: X @ W, "Le biais b a été oublié : Z = X @ W + b."),
]


@checker
def check_dense_forward(fn) -> Verdict:
    """Exercice 3 : ``dense_forward(X, W, b)`` sur des lots et des couches de tailles variées."""
    cases = _cases(
        3,
        [
            [(5, 4), (4, 3), (3,)],
            [(1, 4), (4, 3), (3,)],
            [(2, 3), (3, 1), (1,)],
            [(3, 3), (3, 3), (3,)],
        ],
    )
    return evaluate_function(
        fn,
        dense_forward,
        cases,
        name="dense_forward",
        arg_names="X W b",
        mistakes=DENSE_MISTAKES,
        shape_advice=SHAPES_ADVICE,
    )


# --- Exercice 4 : la rétropropagation d'une couche ------------------------------------------
BACKWARD_ADVICE = (
    "Chaque gradient a la forme de ce qu'il dérive : dX comme X (grad_out @ W.T), "
    "dW comme W (X.T @ grad_out), db comme b (une somme sur le lot)."
)
_LOT = (
    "dW doit additionner la contribution de tous les exemples du lot : X.T @ grad_out "
    "fait cette somme."
)
BACKWARD_MISTAKES = [
    (When(lambda got, _: len(got) == 2), "db a été oublié. Renvoyez (dX, dW, db)."),
    Mistake(
        lambda X, W, G: W @ G.T,
        "dX doit avoir la forme de X, (batch, n_in) : dX = grad_out @ Wᵀ.",
        "dX",
    ),
    Mistake(lambda X, W, G: G @ W, "Il faut transposer W : dX = grad_out @ W.T.", "dX"),
    Mistake(
        lambda X, W, G: G.T @ X,
        "dW doit avoir la forme de W, (n_in, n_out) : dW = X.T @ grad_out.",
        "dW",
    ),
    Mistake(lambda X, W, G: X[:, :, None] * G[:, None, :], _LOT, "dW"),
    Mistake(lambda X, W, G: np.outer(X[0], G[0]), _LOT, "dW"),
    Mistake(
        lambda X, W, G: X.T @ G / len(X),
        "Ne divisez pas par la taille du lot : la moyenne est "
        "déjà dans grad_out (la perte MSE divise par N). dW = X.T @ grad_out.",
        "dW",
    ),
    Mistake(
        lambda X, W, G: G,
        "db doit avoir la forme de b, (n_out,) : additionnez grad_out sur le "
        "lot, grad_out.sum(axis=0).",
        "db",
    ),
    Mistake(
        lambda X, W, G: G.mean(axis=0),
        "db est une somme sur le lot, pas une moyenne : grad_out.sum(axis=0).",
        "db",
    ),
    Mistake(
        lambda X, W, G: G.sum(),
        "Un biais par neurone : db = grad_out.sum(axis=0), de forme (n_out,).",
        "db",
    ),
    Mistake(
        lambda X, W, G: np.zeros(W.shape[1]),
        "db n'est pas nul : chaque exemple y contribue, db = grad_out.sum(axis=0).",
        "db",
    ),
]


@checker
def check_dense_backward(fn) -> Verdict:
    """Exercice 4 : ``dense_backward(X, W, grad_out)`` renvoie (dX, dW, db)."""
    cases = _cases(
        4,
        [
            [(5, 4), (4, 3), (5, 3)],
            [(1, 4), (4, 3), (1, 3)],
            [(3, 3), (3, 3), (3, 3)],
            [(6, 2), (2, 1), (6, 1)],
        ],
    )
    return evaluate_function(
        fn,
        dense_backward,
        cases,
        name="dense_backward",
        arg_names="X W grad_out",
        mistakes=BACKWARD_MISTAKES,
        shape_advice=BACKWARD_ADVICE,
        advice=BACKWARD_ADVICE,
        parts=("dX", "dW", "db"),
        success=f"`dense_backward` donne dX, dW et db comme nn.Dense.backward "
        f"sur les {len(cases)} cas testés.",
    )


# --- Exercice 5 : la règle de chaîne sur deux couches ---------------------------------------
def _chain_cases():
    rng = np.random.default_rng(5)
    cases = []
    for batch, n_in, hidden, n_out in ((6, 3, 4, 1), (1, 3, 4, 1), (5, 2, 3, 2)):
        cases.append(
            (
                rng.normal(size=(batch, n_in)),
                rng.normal(size=(batch, n_out)),
                rng.normal(size=(n_in, hidden)),
                rng.normal(size=hidden),
                rng.normal(size=(hidden, n_out)),
                rng.normal(size=n_out),
            )
        )
    return cases


def _grad_W1_without_relu(X, y, W1, b1, W2, b2):
    z1 = X @ W1 + b1
    g_y = nn.mse_grad(nn.relu(z1) @ W2 + b2, y)
    return X.T @ (g_y @ W2.T)


CHAIN_SHAPES = (
    "Suivez les formes : dL/dŷ est (batch, n_out), W² est (hidden, n_out), "
    "donc dL/da¹ = dL/dŷ @ W².T est (batch, hidden), comme a¹."
)
CHAIN_MISTAKES = [
    (
        _grad_W1_without_relu,
        "La dérivée de ReLU a été oubliée : dL/dz¹ = dL/da¹ · relu'(z¹), élément par élément "
        "(nn.relu_grad(z1)).",
    ),
    (
        lambda X, y, W1, b1, W2, b2: grad_W1(X, y, W1, b1, W2, b2).T,
        "dW1 doit avoir la forme de W¹, (n_in, hidden) : dW1 = X.T @ g_z1.",
    ),
]


@checker
def check_grad_W1(fn) -> Verdict:
    """Exercice 5 : ``grad_W1(X, y, W1, b1, W2, b2)`` comparé à ``nn.MLP.backward``."""
    return evaluate_function(
        fn,
        grad_W1,
        _chain_cases(),
        name="grad_W1",
        arg_names="X y W1 b1 W2 b2",
        mistakes=CHAIN_MISTAKES,
        shape_advice=CHAIN_SHAPES,
    )


# --- Exercice 6 : une ou deux couches sur Boston Housing ------------------------------------
def _boston_mistakes(result, other):
    (x_train, y_train), _ = nn.boston_data()
    train_hint = (
        "c'est la perte d'entraînement : la MSE test se mesure sur x_test "
        "et y_test, des quartiers que le réseau n'a jamais vus."
    )
    return [
        (result.history[-1], train_hint),  # lue dans l'historique : avant le dernier pas
        (nn.mse(result.model.forward(x_train), y_train), train_hint),  # après le dernier pas
        (other.test_mse, "c'est la MSE de l'autre réseau : r1 a une couche, r2 en a deux."),
        (
            np.sqrt(result.test_mse),
            "c'est la racine de la MSE (RMSE) : gardez la MSE, sans racine.",
        ),
    ]


@checker
def check_boston(mse_1, mse_2, meilleur) -> Verdict:
    """Exercice 6 : MSE test des deux réseaux, puis le nombre de couches du meilleur."""
    r1, r2 = boston_results()
    best = 1 if r1.test_mse < r2.test_mse else 2
    advice = "Calculez nn.mse(modèle.forward(x_test), y_test)."
    best_mistakes = [
        (When(lambda got, _: got not in (1, 2)), "répondez 1 ou 2 (le nombre de couches)."),
        (3 - best, "le meilleur réseau est celui dont la MSE test est la plus petite."),
    ]
    words = {1: "une couche", 2: "deux couches"}
    return all_of(
        lambda: evaluate_value(
            mse_1, r1.test_mse, "mse_1", _boston_mistakes(r1, r2), 1e-5, advice=advice
        ),
        lambda: evaluate_value(
            mse_2, r2.test_mse, "mse_2", _boston_mistakes(r2, r1), 1e-5, advice=advice
        ),
        lambda: evaluate_value(meilleur, best, "meilleur", best_mistakes),
        success=f"Les deux MSE sont justes, et le réseau à {words[best]} prédit le mieux "
        "les quartiers jamais vus.",
    )


# --- Exercice 7 : compter les paramètres ----------------------------------------------------
DENSE_PARAMS_CASES = [(13, 1), (13, 16), (4, 5), (1, 1), (768, 3072)]
MLP_PARAMS_CASES = [([13, 1],), ([13, 16, 1],), ([4, 5, 3, 4],), ([768, 3072, 768],)]
DENSE_PARAMS_MISTAKES = [
    (lambda n_in, n_out: n_in * n_out, "Les biais ont été oubliés : un par neurone, donc + n_out."),
    (
        lambda n_in, n_out: n_in * n_out + n_in,
        "Un biais par neurone de la couche, donc n_out biais (pas n_in).",
    ),
    (
        lambda n_in, n_out: (n_in + 1) * (n_out + 1) - 1,
        "n_in·n_out poids et n_out biais, pas plus.",
    ),
]
MLP_PARAMS_MISTAKES = [
    (
        lambda sizes: sum(a * b for a, b in zip(sizes[:-1], sizes[1:])),
        "Les biais ont été oubliés : chaque couche en a un par neurone.",
    ),
    (
        lambda sizes: mlp_params(sizes) + sizes[0],
        "Les entrées n'ont pas de biais : ce ne sont pas des neurones, seulement des nombres.",
    ),
]


def _mlp_n_params(sizes) -> int:
    return nn.MLP(list(sizes), "relu", seed=0).n_params()


@checker
def check_params(dense_params_fn, mlp_params_fn) -> Verdict:
    """Exercice 7 : ``dense_params(n_in, n_out)`` puis ``mlp_params(sizes)``, contre ``MLP.n_params``."""
    return all_of(
        lambda: evaluate_function(
            dense_params_fn,
            lambda a, b: _mlp_n_params([a, b]),
            DENSE_PARAMS_CASES,
            name="dense_params",
            arg_names="n_in n_out",
            mistakes=DENSE_PARAMS_MISTAKES,
        ),
        lambda: evaluate_function(
            mlp_params_fn,
            _mlp_n_params,
            MLP_PARAMS_CASES,
            name="mlp_params",
            arg_names="sizes",
            mistakes=MLP_PARAMS_MISTAKES,
        ),
        success="`dense_params` et `mlp_params` comptent exactement comme MLP.n_params().",
    )
