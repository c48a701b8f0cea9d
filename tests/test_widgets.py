"""Widgets des TP : ils se construisent sans frontend et suivent leurs curseurs."""

import ipywidgets
import numpy as np
import pytest

from llmlab import linear
from llmlab.widgets import gradient_descent_explorer, line_fit_explorer


@pytest.fixture(scope="module")
def data():
    return linear.child_height_data()


def test_line_fit_explorer_builds_and_follows_its_sliders(data):
    x, y = data
    explorer = line_fit_explorer(x, y)
    assert isinstance(explorer, ipywidgets.Widget)
    first_image = bytes(explorer.image.value)
    assert first_image.startswith(b"\x89PNG")

    explorer.slope.value, explorer.intercept.value = 2.4, 40.5
    expected = linear.mse(y, 2.4 * x + 40.5)
    assert explorer.mse == pytest.approx(expected)
    # étiquette à la française : virgule décimale
    assert f"MSE = {expected:.2f}".replace(".", ",") in explorer.label.value
    assert "y = 2,400·x + 40,5" in explorer.label.value
    assert bytes(explorer.image.value) != first_image
    # la droite dessinée est celle des curseurs
    xs = explorer._line.get_xdata()
    assert np.allclose(explorer._line.get_ydata(), 2.4 * xs + 40.5)


def test_line_fit_explorer_keeps_the_best_mse_and_hides_the_answer(data):
    x, y = data
    explorer = line_fit_explorer(x, y)
    explorer.slope.value, explorer.intercept.value = 2.4, 40.5
    best = explorer.mse
    explorer.slope.value = -3.0
    assert explorer.best_mse == pytest.approx(best) and best < explorer.mse
    # la solution n'est pas au milieu des curseurs
    a, b = linear.least_squares(x, y)
    middle = (explorer.slope.min + explorer.slope.max) / 2
    assert explorer.slope.min < a < explorer.slope.max and abs(middle - a) > 1


def test_gradient_descent_explorer_replays_the_reference_descent(data):
    x, y = data
    explorer = gradient_descent_explorer(x, y, lr=0.05, epochs=60)
    x_n, x_mean, x_std = linear.normalize(x)
    y_n, y_mean, y_std = linear.normalize(y)
    history = linear.gradient_descent(x_n, y_n, lr=0.05, epochs=60)
    before = bytes(explorer.image.value)

    explorer.epoch.value = 25
    w, b = history.slope[25], history.intercept[25]
    expected = linear.mse(y_n, w * x_n + b)
    assert explorer.mse == pytest.approx(expected) == pytest.approx(history.loss[25])
    assert f"MSE (normalisée) = {expected:.4g}".replace(".", ",") in explorer.label.value
    assert explorer.line() == pytest.approx(
        linear.denormalize_line(w, b, x_mean, x_std, y_mean, y_std)
    )
    assert explorer._dot.get_xdata()[0] == 25
    assert bytes(explorer.image.value) != before
    # la dernière epoch s'approche de la forme close
    assert explorer.line(60) == pytest.approx(linear.least_squares(x, y), rel=0.05)


def test_gradient_descent_explorer_shows_a_divergence_without_crashing(data):
    x, y = data
    explorer = gradient_descent_explorer(x, y, lr=0.01, epochs=300, normalize=False)
    explorer.epoch.value = 300  # la perte a débordé en inf/nan : le widget doit tenir
    assert not np.isfinite(explorer.mse) or explorer.mse > 1e100
    explorer.epoch.value = 3
    assert explorer.mse == pytest.approx(linear.gradient_descent(x, y, 0.01, 3).loss[-1])
    assert explorer.mse > 100 * linear.mse(y, 0 * x)


# --- TP 4.3 et 4.4 -----------------------------------------------------------------------------


def test_sampling_explorer_follows_its_three_sliders():
    from llmlab import sampling
    from llmlab.widgets import sampling_explorer

    words = ["cœur", "ami", "trésor", "voisin", "chéri", "petit", "grand"]
    logits = np.log([6, 5, 3, 2, 2, 1, 1])
    explorer = sampling_explorer(words, logits)
    # réglages neutres : la distribution des comptes (6/20, 5/20…)
    assert explorer.probabilities() == pytest.approx(np.array([6, 5, 3, 2, 2, 1, 1]) / 20)
    assert "cœur" in explorer.label.value and "30,0 %" in explorer.label.value
    before = bytes(explorer.image.value)

    # Les valeurs des curseurs s'affichent à la française, pas avec le point d'ipywidgets.
    readouts = [box.children[1] for box in explorer.children[:3:2]]
    assert not explorer.temperature.readout and not explorer.top_p.readout
    assert [r.value for r in readouts] == ["1,00", "1,00"]
    explorer.temperature.value = 0.5  # plus pointue : softmax(2 · logits)
    assert readouts[0].value == "0,50"
    assert explorer.probabilities() == pytest.approx(sampling.softmax(logits, 0.5))
    assert explorer.probabilities()[0] > 6 / 20
    explorer.top_k.value = 2  # seuls cœur et ami restent
    probs = explorer.probabilities()
    assert np.count_nonzero(probs) == 2 and probs[:2] == pytest.approx([36 / 61, 25 / 61])
    assert "2 mot(s) possible(s)" in explorer.label.value
    explorer.temperature.value, explorer.top_k.value, explorer.top_p.value = 1.0, 7, 0.5
    probs = explorer.probabilities()  # 30 % + 25 % ≥ 50 % : deux mots
    assert np.count_nonzero(probs) == 2 and probs[:2] == pytest.approx([6 / 11, 5 / 11])
    assert bytes(explorer.image.value) != before


def test_sampling_explorer_refuses_mismatched_logits():
    from llmlab.widgets import sampling_explorer

    with pytest.raises(ValueError, match="un logit par mot"):
        sampling_explorer(["a", "b"], [1.0, 2.0, 3.0])


def test_token_explorer_counts_the_tokens_of_the_typed_text():
    from llmlab.tokenizers import load_course_bpe
    from llmlab.widgets import token_explorer

    tok = load_course_bpe()
    explorer = token_explorer(tok, "chat")
    explorer.text.value = "Les élèves"
    n = len(tok.encode("Les élèves"))
    assert f"<b>{n} tokens</b>" in explorer.output.value
    assert "10 caractères, 12 octets" in explorer.output.value
    assert explorer.output.value.count("title=") == n  # un id au survol par token


def _tick_labels(fig):
    fig.canvas.draw()
    return [
        t.get_text()
        for ax in fig.axes
        for axis in (ax.xaxis, ax.yaxis)
        for t in axis.get_ticklabels()
        if t.get_text()
    ]


def test_every_widget_figure_has_decimal_commas(data):
    from llmlab.widgets import sampling_explorer

    x, y = data
    explorers = [
        line_fit_explorer(x, y),
        gradient_descent_explorer(x, y, lr=0.05, epochs=60),
        sampling_explorer(["cœur", "ami", "trésor"], np.log([6, 5, 3])),
    ]
    explorers[2].temperature.value = 0.7  # redessinée après ax.clear()
    for explorer in explorers:
        labels = _tick_labels(explorer.fig)
        assert labels, type(explorer).__name__
        assert not [t for t in labels if "." in t], (type(explorer).__name__, labels)
    assert "0,2" in _tick_labels(explorers[2].fig)
