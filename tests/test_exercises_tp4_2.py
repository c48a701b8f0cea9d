"""Vérificateurs du TP 4.2 : la solution passe, chaque erreur classique reçoit son conseil.

Les références de ``tp4_2`` sont elles-mêmes comparées à torch (autograd) et à une
formule close, pour qu'un vérificateur ne puisse pas accepter une réponse fausse.
"""

import numpy as np
import pytest

from harness.solutions import run_solutions
from llmlab import nn
from llmlab.exercises import ExerciseError, tp4_2


@pytest.fixture(autouse=True)
def not_strict(monkeypatch):
    monkeypatch.delenv("LLMLAB_CORRIGE", raising=False)


@pytest.fixture(scope="module")
def solution():
    """Les fonctions et variables de notebooks/solutions/tp4-2-…py, exécutées comme dans le notebook."""
    r1, r2 = tp4_2.boston_results()
    (_, _), (x_test, y_test) = nn.boston_data()
    return run_solutions(
        "tp4-2-neurones-et-couches",
        {"np": np, "nn": nn, "r1": r1, "r2": r2, "x_test": x_test, "y_test": y_test},
    )


def _sig(z):
    return 1 / (1 + np.exp(-z))


# (vérificateur, arguments de la mauvaise réponse, fragment attendu du conseil)
def _mistakes(s):
    return [
        ("check_neuron", (lambda x, w, b: _sig(x @ w),), "biais"),
        ("check_neuron", (lambda x, w, b: x @ w + b,), "activation"),
        ("check_neuron", (lambda x, w, b: _sig(x * w + b),), "additionner"),
        ("check_neuron", (lambda x, w, b: _sig(np.sum(x * w) + b),), "ligne par ligne"),
        ("check_relu", (lambda z: np.max(z, 0), s["relu_grad"]), "np.maximum"),
        ("check_relu", (s["relu"], lambda z: (z >= 0).astype(float)), "z = 0"),
        ("check_relu", (lambda z: max(z, 0), s["relu_grad"]), "`max` de Python"),
        ("check_relu", (s["relu"], lambda z: 1.0 if z > 0 else 0.0), "`if` de Python"),
        (
            "check_dense_backward",
            (lambda X, W, G: (G @ W.T, np.outer(X[0], G[0]), G.sum(0)),),
            "tous les exemples du lot",
        ),
        (
            "check_dense_backward",
            (lambda X, W, G: (G @ W.T, X.T @ G, G.sum()),),
            "Un biais par neurone",
        ),
        (
            "check_dense_backward",
            (lambda X, W, G: (G @ W.T, X.T @ G, 0 * G.sum(0)),),
            "n'est pas nul",
        ),
        ("check_dense_forward", (lambda X, W, b: X @ W.T + b,), "formes"),
        ("check_dense_forward", (lambda X, W, b: (X @ W + b).T,), "une ligne par exemple"),
        ("check_dense_forward", (lambda X, W, b: W @ X + b,), "formes"),
        ("check_dense_forward", (lambda X, W, b: X @ W,), "biais"),
        (
            "check_dense_backward",
            (lambda X, W, G: (G @ W.T, X.T @ G / len(X), G.sum(0)),),
            "Ne divisez pas",
        ),
        (
            "check_dense_backward",
            (lambda X, W, G: (G @ W.T, X[:, :, None] * G[:, None, :], G.sum(0)),),
            "tous les exemples du lot",
        ),
        ("check_dense_backward", (lambda X, W, G: (G @ W.T, G.T @ X, G.sum(0)),), "forme de W"),
        ("check_dense_backward", (lambda X, W, G: (G @ W, X.T @ G, G.sum(0)),), "W.T"),
        ("check_dense_backward", (lambda X, W, G: (G @ W.T, X.T @ G, G),), "grad_out.sum(axis=0)"),
        (
            "check_dense_backward",
            (lambda X, W, G: (G @ W.T, X.T @ G, G.mean(0)),),
            "pas une moyenne",
        ),
        ("check_dense_backward", (lambda X, W, G: (G @ W.T, X.T @ G),), "db a été oublié"),
        ("check_grad_W1", (tp4_2._grad_W1_without_relu,), "dérivée de ReLU"),
        (
            "check_grad_W1",
            (
                lambda X, y, W1, b1, W2, b2: (
                    X.T @ (nn.mse_grad(nn.relu(X @ W1 + b1) @ W2 + b2, y) @ W2)
                ),
            ),
            "Suivez les formes",
        ),
        (
            "check_boston",
            (tp4_2.boston_results()[0].history[-1], s["mse_2"], 2),
            "perte d'entraînement",
        ),
        ("check_boston", (s["mse_2"], s["mse_2"], 2), "l'autre réseau"),
        ("check_boston", (s["mse_1"], s["mse_2"], 1), "la plus petite"),
        ("check_boston", (s["mse_1"], s["mse_2"], "deux"), "répondez 1 ou 2"),
        ("check_params", (lambda a, b: a * b, s["mlp_params"]), "biais ont été oubliés"),
        ("check_params", (lambda a, b: a * b + a, s["mlp_params"]), "n_out biais"),
        ("check_params", (s["dense_params"], lambda sz: s["mlp_params"](sz) + sz[0]), "entrées"),
    ]


SOLVED = {
    "check_neuron": ("neuron_forward",),
    "check_relu": ("relu", "relu_grad"),
    "check_dense_forward": ("dense_forward",),
    "check_dense_backward": ("dense_backward",),
    "check_grad_W1": ("grad_W1",),
    "check_boston": ("mse_1", "mse_2", "meilleur"),
    "check_params": ("dense_params", "mlp_params"),
}


@pytest.mark.parametrize("checker", list(SOLVED))
def test_solution_is_accepted_even_in_strict_mode(checker, solution, monkeypatch):
    args = [solution[name] for name in SOLVED[checker]]
    assert getattr(tp4_2, checker)(*args).ok
    monkeypatch.setenv("LLMLAB_CORRIGE", "1")
    assert getattr(tp4_2, checker)(*args).ok


@pytest.mark.parametrize("checker", list(SOLVED))
def test_blank_answer_is_pending_and_fails_in_strict_mode(checker, monkeypatch):
    blank = [...] * len(SOLVED[checker])
    verdict = getattr(tp4_2, checker)(*blank)
    assert verdict.pending and not verdict.ok
    monkeypatch.setenv("LLMLAB_CORRIGE", "1")
    with pytest.raises(ExerciseError):
        getattr(tp4_2, checker)(*blank)


def test_blank_function_bodies_are_pending():
    def dense_backward(X, W, grad_out):
        dX = ...
        dW = ...
        db = ...
        return dX, dW, db

    def grad_W1(X, y, W1, b1, W2, b2):
        dW1 = ...
        return dW1

    def neuron_forward(x, w, b): ...  # à compléter

    verdict = tp4_2.check_neuron(neuron_forward)
    assert verdict.pending and "pas encore écrite" in verdict.message
    assert tp4_2.check_dense_backward(dense_backward).pending
    assert tp4_2.check_grad_W1(grad_W1).pending
    assert tp4_2.check_neuron(lambda x, w, b: ...).pending
    assert tp4_2.check_dense_backward(lambda X, W, G: (G @ W.T, X.T @ G, ...)).pending


def test_a_correct_float32_backward_is_accepted():
    def dense_backward(X, W, grad_out):
        X, W, G = (a.astype(np.float32) for a in (X, W, grad_out))
        return G @ W.T, X.T @ G, G.sum(axis=0)

    assert tp4_2.check_dense_backward(dense_backward).ok


def test_every_typical_mistake_gets_its_advice(solution, monkeypatch):
    for checker, args, fragment in _mistakes(solution):
        verdict = getattr(tp4_2, checker)(*args)
        assert not verdict.ok and not verdict.pending, (checker, fragment)
        assert fragment in verdict.message, (checker, fragment, verdict.message)
    monkeypatch.setenv("LLMLAB_CORRIGE", "1")
    for checker, args, fragment in _mistakes(solution):
        with pytest.raises(ExerciseError, match=fragment.replace("(", r"\(").replace(")", r"\)")):
            getattr(tp4_2, checker)(*args)


def test_math_exp_gets_a_numpy_hint_and_only_math_exp_does():
    import math

    verdict = tp4_2.check_neuron(lambda x, w, b: 1 / (1 + math.exp(-(x @ w + b))))
    assert not verdict.ok and "np.exp" in verdict.message
    verdict = tp4_2.check_neuron(lambda x, w, b: 1 / (1 + np.exp(-(x @ w + b))) + "a")
    assert "TypeError" in verdict.message and "np.exp" not in verdict.message, verdict.message


# --- les références elles-mêmes, contre torch et des formules closes -------------------------


def test_references_match_torch_autograd():
    torch = pytest.importorskip("torch")
    for X, y, W1, b1, W2, b2 in tp4_2._chain_cases():
        t = [torch.tensor(a, requires_grad=True) for a in (X, W1, b1, W2, b2)]
        z1 = t[0] @ t[1] + t[2]
        y_pred = torch.relu(z1) @ t[3] + t[4]
        loss = ((y_pred - torch.tensor(y)) ** 2).mean()
        loss.backward()
        np.testing.assert_allclose(
            tp4_2.grad_W1(X, y, W1, b1, W2, b2), t[1].grad.numpy(), rtol=1e-10
        )
    # une couche linéaire seule, avec L = Σ Z·G, donc dL/dZ = G
    rng = np.random.default_rng(0)
    X, W, b, G = (
        rng.normal(size=(5, 4)),
        rng.normal(size=(4, 3)),
        rng.normal(size=3),
        rng.normal(size=(5, 3)),
    )
    tX, tW, tb = (torch.tensor(a, requires_grad=True) for a in (X, W, b))
    torch.sum((tX @ tW + tb) * torch.tensor(G)).backward()
    for ours, ref in zip(tp4_2.dense_backward(X, W, G), (tX.grad, tW.grad, tb.grad)):
        np.testing.assert_allclose(ours, ref.numpy(), rtol=1e-10)
    np.testing.assert_allclose(tp4_2.dense_forward(X, W, b), (tX @ tW + tb).detach().numpy())
    x, w = rng.normal(size=4), rng.normal(size=4)
    np.testing.assert_allclose(
        tp4_2.neuron_forward(x, w, 0.3), torch.sigmoid(torch.tensor(x @ w + 0.3)).item()
    )


def test_parameter_counts_match_the_mlp_and_gpt2():
    for sizes in ([13, 1], [13, 16, 1], [4, 5, 3, 4], [7, 2, 9]):
        assert tp4_2.mlp_params(sizes) == nn.MLP(sizes, "relu").n_params()
    # le feed-forward d'un bloc GPT-2 small : 768 -> 3072 -> 768, soit 4 722 432 paramètres
    assert tp4_2.mlp_params([768, 3072, 768]) == 4_722_432


def test_boston_results_are_the_numpy_training():
    r1, r2 = tp4_2.boston_results()
    assert len(r1.model.layers) == 1 and len(r2.model.layers) == 2
    (_, _), (x_test, y_test) = nn.boston_data()
    assert r2.test_mse == pytest.approx(nn.mse(r2.model.forward(x_test), y_test))
    assert r2.test_mse < r1.test_mse  # la réponse attendue à « meilleur » est 2


def test_a_training_mse_computed_on_x_train_is_named():
    """La MSE d'entraînement recalculée (après le dernier pas) diffère de history[-1] (avant)."""
    r1, r2 = tp4_2.boston_results()
    (x_train, y_train), _ = nn.boston_data()
    on_train = nn.mse(r1.model.forward(x_train), y_train)
    assert on_train != pytest.approx(r1.history[-1], rel=1e-5)
    verdict = tp4_2.check_boston(on_train, r2.test_mse, 2)
    assert not verdict.ok and "perte d'entraînement" in verdict.message, verdict.message
