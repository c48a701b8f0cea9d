"""Lois d'échelle : la calculatrice de Chinchilla contre ses formes closes et l'article, les
ajustements contre des lois connues, la frontière du calcul."""

import math

import numpy as np
import pytest

from llmlab import scale
from llmlab.costs import training_flops


def test_compute_optimal_closed_form():
    for c in (1e18, 3.7e21, 5.76e23):
        n, d = scale.compute_optimal(c)
        assert n == pytest.approx(math.sqrt(c / 120), rel=1e-12)
        assert d == pytest.approx(20 * n, rel=1e-12)
        assert training_flops(n, d) == pytest.approx(c, rel=1e-12)  # C = 6·N·D


def test_compute_optimal_recovers_chinchilla():
    """Le budget de Gopher (5,76·10²³ FLOP) donne les 70 milliards de paramètres et les
    1,4 billion de tokens de Chinchilla, à 2 % près."""
    n, d = scale.compute_optimal(scale.CHINCHILLA["C"])
    assert n == pytest.approx(70e9, rel=0.02)
    assert d == pytest.approx(1.4e12, rel=0.02)
    assert d / n == pytest.approx(20)


def test_compute_optimal_arrays_and_errors():
    n, d = scale.compute_optimal(np.array([1.2e3, 1.2e5]))
    np.testing.assert_allclose(n, [math.sqrt(10), math.sqrt(1000)])
    np.testing.assert_allclose(d, 20 * n)
    n10, d10 = scale.compute_optimal(6e12, tokens_per_param=10)
    assert n10 == pytest.approx(math.sqrt(1e11)) and d10 == pytest.approx(10 * n10)
    for bad in (0, -1, float("nan")):
        with pytest.raises(ValueError, match="FLOP"):
            scale.compute_optimal(bad)


def test_fit_power_law_recovers_kaplan():
    n = np.geomspace(1e4, 1e9, 8)
    loss = (scale.KAPLAN["N_c"] / n) ** scale.KAPLAN["alpha_N"]
    fit = scale.fit_power_law(n, loss)
    assert fit.alpha == pytest.approx(0.076, rel=1e-9)
    assert fit.x_c == pytest.approx(8.8e13, rel=1e-6)
    np.testing.assert_allclose(fit(n), loss, rtol=1e-9)


def test_fit_power_law_refuses_bad_data():
    with pytest.raises(ValueError, match="ne baisse pas"):
        scale.fit_power_law([1, 10, 100], [1.0, 1.1, 1.2])
    with pytest.raises(ValueError, match="deux points"):
        scale.fit_power_law([1], [1.0])
    with pytest.raises(ValueError, match="> 0"):
        scale.fit_power_law([0, 10], [2.0, 1.0])


def test_fit_with_irreducible_loss():
    n = np.geomspace(1e4, 1e6, 6)
    true = scale.PowerLaw(alpha=0.35, x_c=2e3, irreducible=1.3)
    fit = scale.fit_power_law_offset(n, true(n))
    assert fit.irreducible == pytest.approx(1.3, abs=2e-3)
    assert fit.alpha == pytest.approx(0.35, rel=0.02)
    np.testing.assert_allclose(fit(n), true(n), rtol=1e-3)
    # sans perte irréductible, la droite log-log sous-estime l'exposant
    assert scale.fit_power_law(n, true(n)).alpha < 0.2


def test_compute_frontier():
    compute = [1, 2, 3, 4, 5, 6]
    loss = [5.0, 4.0, 4.5, 3.0, 3.5, 2.0]
    np.testing.assert_array_equal(scale.compute_frontier(compute, loss), [0, 1, 3, 5])
    # dans le désordre : même frontière
    order = [3, 0, 5, 1, 4, 2]
    got = scale.compute_frontier(np.array(compute)[order], np.array(loss)[order])
    assert sorted(np.array(order)[got]) == [0, 1, 3, 5]


def test_exact_match_from_accuracy():
    p = np.array([0.5, 0.8, 0.9])
    np.testing.assert_allclose(scale.exact_match_from_accuracy(p, 5), p**5)
    assert scale.exact_match_from_accuracy(0.5, 10) < 0.001 < 0.5


def test_plots_draw(monkeypatch):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import pandas as pd

    n = np.array([1e4, 3e4, 1e5])
    loss = np.array([2.4, 2.2, 2.0])
    ax = scale.plot_loss_vs_params(n, loss, scale.fit_power_law(n, loss), labels=list("abc"))
    assert len(ax.lines) == 3
    history = pd.DataFrame(
        {"name": ["a", "a", "b", "b"], "tokens": [0, 100, 0, 100], "val_loss": [4.0, 2.5, 4.0, 2.2]}
    )
    ax = scale.plot_loss_vs_compute(history, {"a": 1e4, "b": 3e4})
    assert len(ax.lines) == 3
    ax = scale.plot_compute_optimal()
    assert len(ax.lines) == 3
    plt.close("all")
