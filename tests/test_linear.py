"""Tests de llmlab.linear : forme close, descente de gradient, neurone Keras, Boston Housing.

Références : np.polyfit, np.linalg.lstsq, torch autograd, l'entraînement de Keras lui-même
et le tableau imprimé dans le deck du cours (seed 000).
"""

import keras
import numpy as np
import pytest
import torch

from llmlab import linear as L
from llmlab.data import load_boston_housing

# Keras (backend torch) émet des milliers de DeprecationWarning NumPy 2 internes, sans intérêt ici.

# Tableau imprimé par le deck du cours (vraie sortie Keras) : epoch, MSE, a, b.
SEED_TABLE = [
    (20, 0.3481, 1.0470, 64.6047),
    (40, 0.1715, 1.4928, 56.5801),
    (60, 0.0927, 1.7904, 51.2228),
    (80, 0.0576, 1.9891, 47.6462),
    (100, 0.0420, 2.1218, 45.2585),
    (120, 0.0350, 2.2103, 43.6644),
    (140, 0.0319, 2.2695, 42.6002),
    (160, 0.0305, 2.3089, 41.8897),
    (180, 0.0299, 2.3353, 41.4154),
    (200, 0.0296, 2.3529, 41.0987),
]


def flat_normalized():
    x_n, y_n, stats = L.normalized_child_height()
    return x_n[:, 0], y_n[:, 0], stats


def synthetic_boston(seed=0):
    """13 variables d'échelles très différentes, 404 train / 102 test, comme Boston."""
    rng = np.random.default_rng(seed)
    z = rng.normal(size=(506, 13))
    scales = np.array([5, 20, 7, 0.3, 0.1, 0.7, 28, 2, 9, 170, 2, 90, 7])
    X = (z + 0.3 * z[:, [5]]) * scales + 10 * scales
    y = 22 + z @ rng.normal(0, 3, 13) + rng.normal(0, 4, 506)
    return (X[:404], y[:404]), (X[404:], y[404:])


# --- Données et forme close ------------------------------------------------------------------


def test_child_height_data_matches_seed_draw():
    x, y = L.child_height_data()
    np.testing.assert_array_equal(x, [0, 6, 12, 18, 24, 30, 36])
    # Valeurs du générateur PCG64 de NumPy avec la graine 42 (stables d'une version à l'autre).
    np.testing.assert_allclose(y[:3], [41.5235854, 49.80007947, 73.75225598], atol=1e-7)


def test_least_squares_matches_polyfit():
    x, y = L.child_height_data()
    np.testing.assert_allclose(L.least_squares(x, y), np.polyfit(x, y, 1), rtol=1e-12)
    rng = np.random.default_rng(1)
    x, y = rng.normal(3, 10, 50), rng.normal(-2, 4, 50)
    np.testing.assert_allclose(L.least_squares(x, y), np.polyfit(x, y, 1), rtol=1e-10)


def test_least_squares_multi_matches_lstsq():
    rng = np.random.default_rng(2)
    X = rng.normal(size=(80, 5)) * [1, 10, 0.1, 100, 3]
    y = rng.normal(size=80)
    weights, bias = L.least_squares_multi(X, y)
    theta, *_ = np.linalg.lstsq(np.column_stack([X, np.ones(80)]), y, rcond=None)
    np.testing.assert_allclose(np.append(weights, bias), theta, rtol=1e-9, atol=1e-12)
    # Une seule colonne : même résultat que la formule à une variable.
    w, b = L.least_squares_multi(X[:, :1], y)
    np.testing.assert_allclose([w[0], b], L.least_squares(X[:, 0], y), rtol=1e-10)


def test_mse_and_mae_match_torch():
    rng = np.random.default_rng(3)
    a, b = rng.normal(size=20), rng.normal(size=20)
    ta, tb = torch.from_numpy(a), torch.from_numpy(b)
    assert L.mse(a, b) == pytest.approx(torch.nn.functional.mse_loss(tb, ta).item(), rel=1e-12)
    assert L.mae(a, b) == pytest.approx(torch.nn.functional.l1_loss(tb, ta).item(), rel=1e-12)


# --- Normalisation ---------------------------------------------------------------------------


def test_normalize_columns():
    rng = np.random.default_rng(4)
    v = rng.normal(size=(30, 3)) * [1, 50, 0.01] + [5, -300, 2]
    v_n, mean, std = L.normalize(v)
    np.testing.assert_allclose(v_n.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(v_n.std(axis=0), 1, rtol=1e-12)
    np.testing.assert_allclose(v_n * std + mean, v, rtol=1e-12)


def test_denormalize_exact_line():
    x = np.linspace(0, 36, 7)
    y = 3.0 * x + 7.0
    x_n, x_mean, x_std = L.normalize(x)
    y_n, y_mean, y_std = L.normalize(y)
    w_n, b_n = L.least_squares(x_n, y_n)
    assert (w_n, b_n) == pytest.approx((1.0, 0.0), abs=1e-12)  # droite exacte : corrélation 1
    a, b = L.denormalize_line(w_n, b_n, x_mean, x_std, y_mean, y_std)
    assert (a, b) == pytest.approx((3.0, 7.0), rel=1e-12)


def test_denormalized_least_squares_equals_direct():
    x, y = L.child_height_data()
    x_n, y_n, stats = flat_normalized()
    a, b = L.denormalize_line(*L.least_squares(x_n, y_n), *stats)
    assert (a, b) == pytest.approx(L.least_squares(x, y), rel=1e-12)


# --- Descente de gradient NumPy --------------------------------------------------------------


@pytest.mark.parametrize("w, b", [(0.0, 0.0), (1.3, -0.7), (-2.0, 5.0)])
def test_gradient_matches_torch_autograd(w, b):
    x, y = L.child_height_data()
    tw = torch.tensor(w, dtype=torch.float64, requires_grad=True)
    tb = torch.tensor(b, dtype=torch.float64, requires_grad=True)
    loss = torch.mean((tw * torch.from_numpy(x) + tb - torch.from_numpy(y)) ** 2)
    loss.backward()
    dw, db = L.mse_gradient(x, y, w, b)
    assert dw == pytest.approx(tw.grad.item(), abs=1e-10, rel=1e-12)
    assert db == pytest.approx(tb.grad.item(), abs=1e-10, rel=1e-12)


def test_one_step_by_hand():
    # erreurs = -y = (-2, -4) ; dw = 2·moy(-2·1, -4·2) = -10 ; db = 2·moy(-2, -4) = -6
    hist = L.gradient_descent(np.array([1.0, 2.0]), np.array([2.0, 4.0]), lr=0.1, epochs=1)
    assert hist.slope.tolist() == pytest.approx([0.0, 1.0])
    assert hist.intercept.tolist() == pytest.approx([0.0, 0.6])
    # après le pas : prédictions 1,6 et 2,6 -> erreurs -0,4 et -1,4 -> MSE = (0,16 + 1,96) / 2
    assert hist.loss.tolist() == pytest.approx([10.0, 1.06])


def test_gradient_descent_converges_to_least_squares():
    x, y = L.child_height_data()
    x_n, y_n, stats = flat_normalized()
    hist = L.gradient_descent(x_n, y_n, lr=0.1, epochs=300)
    assert len(hist.loss) == 301
    assert np.all(np.diff(hist.loss) <= 1e-15)  # la MSE ne remonte jamais
    a, b = L.denormalize_line(hist.slope[-1], hist.intercept[-1], *stats)
    assert (a, b) == pytest.approx(np.polyfit(x, y, 1), rel=1e-9)


def test_gradient_descent_diverges_without_normalization():
    # Sur les âges bruts (jusqu'à 36 mois), lr = 0.01 est trop grand : la MSE explose.
    x, y = L.child_height_data()
    hist = L.gradient_descent(x, y, lr=0.01, epochs=20)
    assert hist.loss[-1] > 1e6 * hist.loss[0]


def test_seed_table_is_a_gradient_descent():
    """Le tableau du deck est une descente de gradient partie d'un poids initial tiré par Keras.

    Sur données normalisées, w_k - r = 0,98^k (w0 - r) (r : corrélation, b reste nul) ;
    on estime w0 sur la colonne « a », puis on retrouve les colonnes MSE et b du deck.
    """
    x_n, y_n, stats = flat_normalized()
    x_mean, x_std, y_mean, y_std = stats
    epochs = np.array([row[0] for row in SEED_TABLE])
    w_seed = np.array([row[2] for row in SEED_TABLE]) * x_std / y_std
    r, q = np.mean(x_n * y_n), 0.98**epochs
    w0 = r + np.sum((w_seed - r) * q) / np.sum(q * q)
    assert 0.15 < w0 < 0.16
    hist = L.gradient_descent(x_n, y_n, lr=0.01, epochs=200, w0=w0)
    for epoch, loss, a, b in SEED_TABLE:
        a_gd, b_gd = L.denormalize_line(hist.slope[epoch], hist.intercept[epoch], *stats)
        assert hist.loss[epoch - 1] == pytest.approx(loss, abs=6e-5)  # Keras : MSE avant le pas
        assert a_gd == pytest.approx(a, abs=6e-5)
        assert b_gd == pytest.approx(b, abs=5e-4)


# --- Neurone Keras ---------------------------------------------------------------------------


def test_keras_follows_numpy_gradient_descent():
    """Un pas de SGD par epoch sur les 7 points = la descente de gradient NumPy, pas à pas."""
    x_n, y_n, _ = L.normalized_child_height()
    model = L.make_one_neuron(learning_rate=0.01, seed=7)
    w0, b0 = (float(p.ravel()[0]) for p in model.get_weights())
    weights = []
    record = keras.callbacks.LambdaCallback(
        on_epoch_end=lambda epoch, logs: weights.append(
            [float(p.ravel()[0]) for p in model.get_weights()]
        )
    )
    history = model.fit(x_n, y_n, epochs=40, batch_size=7, verbose=0, callbacks=[record])
    hist = L.gradient_descent(x_n[:, 0], y_n[:, 0], lr=0.01, epochs=40, w0=w0, b0=b0)
    weights = np.array(weights)
    np.testing.assert_allclose(weights[:, 0], hist.slope[1:], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(weights[:, 1], hist.intercept[1:], atol=1e-6)
    np.testing.assert_allclose(history.history["loss"], hist.loss[:-1], rtol=1e-5)


def test_keras_loss_history_is_numpy_trajectory():
    # Même chose avec le batch_size par défaut (32 >= 7) utilisé par le deck.
    losses = L.keras_loss_history(epochs=60, seed=3)
    w0, b0 = (float(p.ravel()[0]) for p in L.make_one_neuron(seed=3).get_weights())
    x_n, y_n, _ = flat_normalized()
    hist = L.gradient_descent(x_n, y_n, lr=0.01, epochs=60, w0=w0, b0=b0)
    assert losses.shape == (60,)
    np.testing.assert_allclose(losses, hist.loss[:-1], rtol=1e-5)


def test_keras_training_table_reproducible_and_heads_to_least_squares():
    rows = L.keras_training_table(epochs=200, every=20, seed=42)
    assert rows == L.keras_training_table(epochs=200, every=20, seed=42)  # bit pour bit
    assert [row[0] for row in rows] == list(range(20, 201, 20))
    a_ls, b_ls = L.least_squares(*L.child_height_data())
    gaps = [abs(a - a_ls) for _, _, a, _ in rows]
    assert all(g2 < g1 for g1, g2 in zip(gaps, gaps[1:]))
    losses = [loss for _, loss, _, _ in rows]
    assert all(l2 < l1 for l1, l2 in zip(losses, losses[1:]))
    x_n, y_n, _ = flat_normalized()
    min_mse = 1 - np.mean(x_n * y_n) ** 2  # MSE minimale sur données normalisées
    assert losses[-1] == pytest.approx(min_mse, rel=0.05)
    # Sur la droite dénormalisée, b suit a : b = ȳ - a·x̄ tant que le biais normalisé reste nul.
    x, y = L.child_height_data()
    for _, _, a, b in rows:
        assert b == pytest.approx(y.mean() - a * x.mean(), abs=1e-3)
    assert rows[-1][2] == pytest.approx(a_ls, abs=0.1)
    assert rows[-1][3] == pytest.approx(b_ls, abs=2.0)


def test_format_training_table():
    text = L.format_training_table(
        [(20, 0.3481, 1.047, 64.6047), (200, 0.02961, 2.35289, 41.09871)]
    )
    assert text.splitlines() == [
        "Epoch  Erreur (MSE)    a estimé    b estimé",
        "-" * 46,
        "   20        0,3481      1,0470     64,6047",
        "  200        0,0296      2,3529     41,0987",
    ]


def test_keras_regression_lines_match_training_table():
    lines = L.keras_regression_lines(epochs_display=(1, 5, 20), seed=42)
    assert [n for n, _, _ in lines] == [1, 5, 20]
    _, _, a20, b20 = L.keras_training_table(epochs=20, every=20, seed=42)[0]
    assert lines[-1][1:] == pytest.approx((a20, b20), rel=1e-5)


# --- Boston Housing --------------------------------------------------------------------------


def test_boston_closed_form_matches_lstsq_synthetic():
    data = synthetic_boston()
    result = L.boston_closed_form(data)
    (x_train, y_train), (x_test, y_test) = data
    mean, std = x_train.mean(axis=0), x_train.std(axis=0)
    A = np.column_stack([(x_train - mean) / std, np.ones(len(x_train))])
    theta, *_ = np.linalg.lstsq(A, y_train, rcond=None)
    np.testing.assert_allclose(
        np.append(result["weights"], result["bias"]), theta, rtol=1e-8, atol=1e-10
    )
    pred = np.column_stack([(x_test - mean) / std, np.ones(len(x_test))]) @ theta
    assert result["test_mse"] == pytest.approx(np.mean((pred - y_test) ** 2), rel=1e-10)


def test_boston_keras_close_to_closed_form_synthetic():
    data = synthetic_boston()
    exact = L.boston_closed_form(data)
    learned = L.boston_keras(epochs=30, data=data, seed=0)
    assert learned["test_mse"] == pytest.approx(exact["test_mse"], rel=0.10)
    assert learned["train_mse"] >= exact["train_mse"] * (1 - 1e-6)  # la forme close est l'optimum


def test_boston_closed_form_real_data():
    (x_train, y_train), (x_test, y_test) = load_boston_housing()
    result = L.boston_closed_form()
    A = np.column_stack([x_train, np.ones(len(x_train))])  # données brutes : mêmes prédictions
    theta, *_ = np.linalg.lstsq(A, y_train, rcond=None)
    pred = np.column_stack([x_test, np.ones(len(x_test))]) @ theta
    assert result["test_mse"] == pytest.approx(np.mean((pred - y_test) ** 2), rel=1e-8)
    # Seconde référence, indépendante de NumPy : le solveur de torch (float64).
    import torch

    solution = torch.linalg.lstsq(
        torch.tensor(A), torch.tensor(y_train)[:, None], driver="gelsd"
    ).solution
    pred_torch = np.column_stack([x_test, np.ones(len(x_test))]) @ solution[:, 0].numpy()
    assert result["test_mse"] == pytest.approx(np.mean((pred_torch - y_test) ** 2), rel=1e-8)
    assert result["weights"].shape == (13,)


def test_boston_keras_real_data():
    exact = L.boston_closed_form()
    learned = L.boston_keras(seed=0)
    assert learned["test_mse"] == pytest.approx(exact["test_mse"], rel=0.10)
