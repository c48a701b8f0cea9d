"""L1, L2 et arrêt précoce (`llmlab.regularisation`) contre scikit-learn."""

import numpy as np
import pytest
from sklearn.linear_model import Lasso, LinearRegression, Ridge

from llmlab import regularisation as R
from llmlab.data import load_boston_housing
from llmlab.prep import standardize


@pytest.fixture(scope="module")
def boston():
    (x, y), _ = load_boston_housing()
    return standardize(x), y


def test_no_penalty_is_least_squares(boston):
    x, y = boston
    w, b = R.fit_linear(x, y)
    ref = LinearRegression().fit(x, y)
    np.testing.assert_allclose(w, ref.coef_, atol=1e-8)
    assert b == pytest.approx(ref.intercept_)


@pytest.mark.parametrize("lam", [0.1, 0.5, 1.0])
def test_l1_is_sklearn_lasso_and_makes_exact_zeros(boston, lam):
    x, y = boston
    w, b = R.fit_linear(x, y, l1=lam)
    ref = Lasso(alpha=lam, tol=1e-12, max_iter=100_000).fit(x, y)
    np.testing.assert_allclose(w, ref.coef_, atol=1e-8)
    assert np.array_equal(w == 0, ref.coef_ == 0)
    assert (w == 0).sum() >= 1


def test_l2_is_sklearn_ridge_and_only_shrinks(boston):
    x, y = boston
    w, _ = R.fit_linear(x, y, l2=0.5)
    ref = Ridge(alpha=0.5 * len(x)).fit(x, y)
    np.testing.assert_allclose(w, ref.coef_, atol=1e-8)
    w0, _ = R.fit_linear(x, y)
    assert (w != 0).all()  # aucun zéro
    assert np.linalg.norm(w) < np.linalg.norm(w0)  # mais plus petits


def test_paths(boston):
    x, y = boston
    path = R.regularisation_path(x, y, [0.01, 1.0, 5.0], "l1", steps=500)
    assert path.shape == (3, 13)
    assert (path[-1] == 0).sum() > (path[0] == 0).sum()
    with pytest.raises(ValueError, match="l1"):
        R.regularisation_path(x, y, [1.0], "l3")


def test_early_stopping():
    val = [5, 4, 3, 2.5, 2.6, 2.7, 2.4, 2.8, 2.9, 3.0, 3.1]
    assert R.early_stopping(val, patience=2) == (3, 5)
    assert R.early_stopping(val, patience=3) == (6, 9)
    assert R.early_stopping([3, 2, 1], patience=2) == (2, 2)
