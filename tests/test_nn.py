"""Tests de llmlab.nn : chaque gradient contre l'autograd de torch (float64),
le gradient check par différences finies, et l'entraînement contre Keras."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from llmlab import nn

TOL = dict(rtol=1e-6, atol=1e-9)

# Keras (backend torch) + NumPy 2 : avertissement interne à Keras, sans effet ici.

TORCH_ACTIVATIONS = {
    "identity": lambda z: z,
    "sigmoid": torch.sigmoid,
    "tanh": torch.tanh,
    "relu": torch.relu,
    "gelu": lambda z: F.gelu(z, approximate="none"),
    "gelu_tanh": lambda z: F.gelu(z, approximate="tanh"),
}


def t(a, grad=False):
    return torch.tensor(a, dtype=torch.float64, requires_grad=grad)


def torch_grad(fn, *arrays):
    """Valeur de fn et gradient par rapport à chaque tableau, par autograd."""
    tensors = [t(a, grad=True) for a in arrays]
    out = fn(*tensors)
    out.backward()
    return out.item(), [x.grad.numpy() for x in tensors]


# --- activations et pertes --------------------------------------------------


@pytest.mark.parametrize("name", nn.ACTIVATIONS)
def test_activation_and_derivative_match_torch(name):
    z = np.random.default_rng(0).normal(0, 3, size=(7, 5))
    z[0, :3] = [-40.0, 40.0, 1e-3]  # grands nombres : aucune valeur infinie permise
    h, h_grad = nn.ACTIVATIONS[name]
    zt = t(z, grad=True)
    yt = TORCH_ACTIVATIONS[name](zt)
    yt.sum().backward()  # dérivée élément par élément
    np.testing.assert_allclose(h(z), yt.detach().numpy(), **TOL)
    np.testing.assert_allclose(h_grad(z), zt.grad.numpy(), **TOL)


def test_sigmoid_never_overflows():
    with np.errstate(over="raise"):
        s = nn.sigmoid(np.array([-1000.0, 0.0, 1000.0]))
    np.testing.assert_allclose(s, [0.0, 0.5, 1.0])


def test_mse_and_gradient_match_torch():
    rng = np.random.default_rng(1)
    y_pred, y = rng.normal(size=(6, 3)), rng.normal(size=(6, 3))
    value, (grad, _) = torch_grad(F.mse_loss, y_pred, y)
    assert nn.mse(y_pred, y) == pytest.approx(value, rel=1e-12)
    np.testing.assert_allclose(nn.mse_grad(y_pred, y), grad, **TOL)


def test_mse_accepts_flat_targets_without_broadcasting():
    # (N, 1) - (N,) donnerait (N, N) : la perte doit rester celle de N valeurs.
    rng = np.random.default_rng(2)
    y_pred, y = rng.normal(size=(5, 1)), rng.normal(size=5)
    value, (grad, _) = torch_grad(F.mse_loss, y_pred, y[:, None])
    assert nn.mse(y_pred, y) == pytest.approx(value, rel=1e-12)
    np.testing.assert_allclose(nn.mse_grad(y_pred, y), grad, **TOL)


def test_softmax_matches_torch_even_for_huge_logits():
    logits = np.array([[1.0, 2.0, 3.0], [1000.0, 1001.0, -1000.0]])
    expected = torch.softmax(t(logits), dim=-1).numpy()
    np.testing.assert_allclose(nn.softmax(logits), expected, **TOL)


def test_cross_entropy_and_gradient_match_torch():
    rng = np.random.default_rng(3)
    logits = rng.normal(0, 2, size=(8, 5))
    logits[0] = [800.0, -800.0, 0.0, 1.0, 2.0]  # stabilité numérique
    targets = rng.integers(0, 5, size=8)
    value, (grad,) = torch_grad(lambda z: F.cross_entropy(z, torch.tensor(targets)), logits)
    assert nn.cross_entropy(logits, targets) == pytest.approx(value, rel=1e-12)
    np.testing.assert_allclose(nn.cross_entropy_grad(logits, targets), grad, **TOL)


# --- neurone, couche, réseau ------------------------------------------------


def test_neuron_is_weighted_sum_then_activation():
    w, b, x = [0.5, -1.0, 2.0, 0.1], 0.3, [1.0, 2.0, 3.0, 4.0]
    neuron = nn.Neuron(w, b, activation="tanh")
    expected = np.tanh(0.5 * 1 - 1.0 * 2 + 2.0 * 3 + 0.1 * 4 + 0.3)  # w₂·x₂, pas w₁·x₂
    assert neuron.forward(x) == pytest.approx(expected, rel=1e-12)


def test_neuron_is_one_column_of_a_dense_layer():
    layer = nn.Dense(4, 3, "sigmoid", seed=0)
    layer.b[:] = [0.1, -0.2, 0.3]
    x = np.random.default_rng(4).normal(size=(6, 4))
    y = layer.forward(x)
    for j in range(3):
        neuron = nn.Neuron(layer.W[:, j], layer.b[j], "sigmoid")
        np.testing.assert_allclose(neuron.forward(x), y[:, j], **TOL)


def test_dense_matches_course_notation():
    # f_θ(X) = h(θ·Xᵀ) avec θ (n_out, n_in) : même résultat, transposé.
    layer = nn.Dense(4, 3, "relu", seed=1)
    x = np.random.default_rng(5).normal(size=(6, 4))
    theta = layer.W.T
    np.testing.assert_allclose(layer.forward(x), nn.relu(theta @ x.T).T, **TOL)


@pytest.mark.parametrize("activation", nn.ACTIVATIONS)
def test_dense_backward_matches_torch(activation):
    rng = np.random.default_rng(6)
    layer = nn.Dense(4, 3, activation, seed=2)
    layer.b[:] = rng.normal(size=3)
    x, grad_y = rng.normal(size=(5, 4)), rng.normal(size=(5, 3))
    y = layer.forward(x)
    grad_x = layer.backward(grad_y)

    xt, Wt, bt = t(x, True), t(layer.W, True), t(layer.b, True)
    yt = TORCH_ACTIVATIONS[activation](xt @ Wt + bt)
    yt.backward(t(grad_y))
    np.testing.assert_allclose(y, yt.detach().numpy(), **TOL)
    np.testing.assert_allclose(grad_x, xt.grad.numpy(), **TOL)
    np.testing.assert_allclose(layer.dW, Wt.grad.numpy(), **TOL)
    np.testing.assert_allclose(layer.db, bt.grad.numpy(), **TOL)


def torch_mlp_grads(model, x, y, loss):
    """Le même réseau recalculé en torch ; renvoie la perte et les gradients."""
    params = [t(p, True) for p in model.parameters()]
    a = t(x)
    for layer, (W, b) in zip(model.layers, zip(params[::2], params[1::2])):
        a = TORCH_ACTIVATIONS[layer.activation](a @ W + b)
    if loss == "mse":
        out = F.mse_loss(a, t(y))
    else:
        out = F.cross_entropy(a, torch.tensor(y))
    out.backward()
    return out.item(), [p.grad.numpy() for p in params]


@pytest.mark.parametrize(
    "sizes, activations, loss",
    [
        ([4, 5, 2], ["relu", "identity"], "mse"),
        ([4, 5, 3, 2], ["tanh", "gelu", "identity"], "mse"),
        ([4, 5, 3, 3], ["sigmoid", "gelu_tanh", "identity"], "cross_entropy"),
    ],
)
def test_mlp_backward_matches_torch(sizes, activations, loss):
    rng = np.random.default_rng(7)
    model = nn.MLP(sizes, activations, seed=3)
    for layer in model.layers:
        layer.b[:] = rng.normal(size=layer.b.shape)
    x = rng.normal(size=(6, sizes[0]))
    y = rng.normal(size=(6, sizes[-1])) if loss == "mse" else rng.integers(0, 3, 6)
    loss_fn, loss_grad = nn.LOSSES[loss]
    y_pred = model.forward(x)
    model.backward(loss_grad(y_pred, y))

    value, grads = torch_mlp_grads(model, x, y, loss)
    assert loss_fn(y_pred, y) == pytest.approx(value, rel=1e-12)
    for ours, ref in zip(model.gradients(), grads):
        np.testing.assert_allclose(ours, ref, **TOL)


def test_gradient_check_confirms_backward_and_catches_a_bug():
    rng = np.random.default_rng(8)
    model = nn.MLP([3, 4, 3, 2], ["tanh", "relu", "identity"], seed=4)
    x, y = rng.normal(size=(5, 3)), rng.normal(size=(5, 2))

    def loss():
        return nn.mse(model.forward(x), y)

    model.backward(nn.mse_grad(model.forward(x), y))
    grads = [g.copy() for g in model.gradients()]
    assert nn.gradient_check(loss, model.parameters(), grads) < 1e-7
    grads[0] = 2 * grads[0]  # un backward faux doit être repéré
    assert nn.gradient_check(loss, model.parameters(), grads) > 0.1


def test_init_he_and_xavier_scales():
    he = nn.Dense(500, 400, "relu", seed=0).W
    xavier = nn.Dense(500, 400, "tanh", seed=0).W
    assert he.std() == pytest.approx(np.sqrt(2 / 500), rel=0.01)
    assert xavier.std() == pytest.approx(np.sqrt(2 / 900), rel=0.01)


def test_mlp_rejects_wrong_activations():
    with pytest.raises(ValueError, match="activation"):
        nn.MLP([3, 4, 1], ["relu"])
    with pytest.raises(ValueError, match="inconnue"):
        nn.MLP([3, 1], ["softplus"])


@pytest.mark.parametrize("batch_size", [None, 16])
def test_fit_finds_least_squares_solution(batch_size):
    # Référence : la solution exacte des moindres carrés (np.linalg.lstsq).
    rng = np.random.default_rng(9)
    X = rng.normal(size=(64, 3))
    y = X @ [1.5, -2.0, 0.5] + 3.0 + rng.normal(0, 0.1, 64)
    model = nn.MLP([3, 1], "identity", seed=0)
    history = model.fit(X, y, epochs=300, lr=0.1, batch_size=batch_size)
    coef, *_ = np.linalg.lstsq(np.c_[X, np.ones(64)], y, rcond=None)
    tol = 1e-6 if batch_size is None else 2e-2  # les mini-lots bruitent la fin
    np.testing.assert_allclose(np.r_[model.layers[0].W[:, 0], model.layers[0].b], coef, atol=tol)
    assert history[-1] < history[0]


def test_mlp_initial_weights_depend_only_on_seed():
    a, b = nn.MLP([5, 4, 1], ["relu", "identity"], 7), nn.MLP([5, 4, 1], ["relu", "identity"], 7)
    for p, q in zip(a.parameters(), b.parameters()):
        np.testing.assert_array_equal(p, q)


# --- la même chose en Keras -------------------------------------------------


@pytest.fixture(scope="module")
def keras():
    import keras

    assert keras.backend.backend() == "torch"
    return keras


def test_n_params_matches_keras(keras):
    model = nn.MLP([13, 16, 8, 1], ["relu", "tanh", "identity"], seed=0)
    assert model.n_params() == nn.to_keras(model).count_params() == 13 * 16 + 16 + 16 * 8 + 8 + 9


def test_to_keras_gives_the_same_predictions(keras):
    model = nn.MLP([13, 16, 1], ["relu", "identity"], seed=0)
    x = np.random.default_rng(10).normal(size=(20, 13))
    ours = model.forward(x)
    theirs = keras.ops.convert_to_numpy(nn.to_keras(model)(x))
    np.testing.assert_allclose(theirs, ours, rtol=1e-5, atol=1e-5)


def test_boston_data_is_normalised_with_train_statistics():
    (x_train, y_train), (x_test, _) = nn.boston_data()
    assert x_train.shape == (404, 13) and x_test.shape == (102, 13)
    np.testing.assert_allclose(x_train.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(x_train.std(axis=0), 1, atol=1e-12)
    assert y_train.mean() == pytest.approx(22.4, abs=0.05)  # prix en k$, comme le seed


@pytest.mark.parametrize("hidden", [None, 16])
def test_boston_numpy_training_equals_keras(keras, hidden):
    # Mêmes données, mêmes poids de départ, même SGD : mêmes pertes à chaque epoch.
    ours = nn.train_boston_numpy(hidden, epochs=100)
    theirs = nn.train_boston_keras(hidden, epochs=100)
    np.testing.assert_allclose(theirs.history, ours.history, rtol=1e-4)
    assert theirs.test_mse == pytest.approx(ours.test_mse, rel=1e-4)


def test_boston_hidden_layer_beats_linear():
    linear = nn.train_boston_numpy(hidden=None)
    two_layers = nn.train_boston_numpy(hidden=16)
    assert two_layers.test_mse < linear.test_mse - 2  # en (k$)²
    # La régression linéaire s'approche de la solution des moindres carrés.
    (x_train, y_train), (x_test, y_test) = nn.boston_data()
    A = np.c_[x_train, np.ones(len(x_train))]
    coef, *_ = np.linalg.lstsq(A, y_train, rcond=None)
    best = nn.mse(np.c_[x_test, np.ones(len(x_test))] @ coef, y_test)
    assert linear.test_mse == pytest.approx(best, rel=0.05)


# --- tailles des vrais modèles ----------------------------------------------


def gpt_params(n_layers, d, vocab=50257, context=1024):
    """GPT-2/3 : embeddings (tokens + positions), blocs (12d² + 13d), LayerNorm finale ;
    tête de sortie partagée avec l'embedding des tokens."""
    return vocab * d + context * d + n_layers * (12 * d * d + 13 * d) + 2 * d


def llama3_params(n_layers, d, ffn, vocab=128256, kv=1024):
    """LLaMA 3 : embedding et tête séparés, attention groupée (K, V de taille 1024),
    MLP à trois matrices (SwiGLU), deux RMSNorm par bloc et une finale, sans biais."""
    block = 2 * d * d + 2 * d * kv + 3 * d * ffn + 2 * d
    return 2 * vocab * d + n_layers * block + d


def test_model_sizes_match_seed_and_architecture():
    table = {m.name: m for m in nn.MODEL_SIZES}
    seed = {
        "GPT-2 small": (12, 768),
        "GPT-2 large": (36, 1280),
        "GPT-3": (96, 12288),
        "LLaMA 3 8B": (32, 4096),
        "LLaMA 3 70B": (80, 8192),
    }
    assert {name: (m.n_layers, m.d_model) for name, m in table.items()} == seed
    assert table["GPT-2 small"].n_params == gpt_params(12, 768)
    assert table["GPT-2 large"].n_params == gpt_params(36, 1280)
    assert table["GPT-3"].n_params == pytest.approx(gpt_params(96, 12288, context=2048), rel=0.01)
    assert table["LLaMA 3 8B"].n_params == llama3_params(32, 4096, ffn=14336)
    assert table["LLaMA 3 70B"].n_params == llama3_params(80, 8192, ffn=28672)


def test_every_activation_has_a_french_label():
    assert set(nn.ACTIVATION_LABELS) == set(nn.ACTIVATIONS)
    assert nn.ACTIVATION_LABELS["sigmoid"] == "sigmoïde"
    assert nn.ACTIVATION_LABELS["relu"] == "ReLU"


# --- dessiner un réseau dense ---------------------------------------------------------------


def test_plot_network_draws_every_neuron_and_every_weight():
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.lines import Line2D
    from matplotlib.patches import Circle

    from llmlab.nn import MLP, plot_network
    from llmlab.style import read_palette

    sizes = [4, 5, 3, 4]
    ax = plot_network(sizes)
    circles = [p for p in ax.patches if isinstance(p, Circle)]
    lines = [line for line in ax.get_children() if isinstance(line, Line2D)]
    assert len(circles) == sum(sizes)
    # un trait par poids : les paramètres du même réseau, biais retirés
    weights = MLP(sizes, activations="relu").n_params() - sum(sizes[1:])
    assert len(lines) == weights == 4 * 5 + 5 * 3 + 3 * 4
    ink = matplotlib.colors.to_rgba(read_palette()["ink"])
    dark = [c for c in circles if c.get_facecolor() == ink]
    assert len(dark) == sum(sizes[1:])  # les neurones ; les 4 entrées sont claires
    texts = [t.get_text() for t in ax.texts]
    assert texts.count("h") == 5 + 3 and "x₄" in texts and "ŷ₄" in texts
    assert "couche 3\nsorties ŷ" in texts and "entrées x" in texts


def test_plot_network_refuses_a_network_without_layers():
    from llmlab.nn import plot_network

    with pytest.raises(ValueError, match="au moins deux couches"):
        plot_network([4])
    with pytest.raises(ValueError, match="au moins deux couches"):
        plot_network([4, 0])
