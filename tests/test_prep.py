"""Préparation des données (`llmlab.prep`) contre SciPy, scikit-learn et les défauts
qu'on a soi-même mis dans la table."""

import numpy as np
import pytest
from scipy import stats
from scipy.spatial import distance

from llmlab import prep
from llmlab.data import boston_dataframe


@pytest.fixture(scope="module")
def boston():
    return boston_dataframe()


def test_zscores_match_scipy(boston):
    x = boston.to_numpy()
    np.testing.assert_allclose(prep.zscores(x), stats.zscore(x), rtol=1e-12)


def test_zscore_outliers_on_the_real_table(boston):
    x = boston.drop(columns="MEDV").to_numpy()
    mask = prep.zscore_outliers(x)
    expected = (np.abs(stats.zscore(x)) > 3).any(axis=1)
    assert np.array_equal(mask, expected)
    # 91 quartiers sur 506 : trop pour des données « aberrantes » ; CHAS, binaire, en fait 35
    assert mask.sum() == 91
    chas = list(boston.columns).index("CHAS")
    assert (np.abs(prep.zscores(x)[:, chas]) > 3).sum() == 35


def test_mahalanobis_matches_scipy(boston):
    x = boston.drop(columns="MEDV").to_numpy()
    ours = prep.mahalanobis(x)
    inv = np.linalg.inv(np.cov(x, rowvar=False))
    mean = x.mean(axis=0)
    ref = [distance.mahalanobis(row, mean, inv) for row in x[:50]]
    np.testing.assert_allclose(ours[:50], ref, rtol=1e-10)
    # au carré, la moyenne vaut p (n − 1) / n : une identité de la covariance empirique
    assert np.mean(ours**2) == pytest.approx(13 * (len(x) - 1) / len(x))


@pytest.mark.parametrize("k", [1, 2, 5, 13])
def test_chi2_matches_scipy(k):
    for x in (0.5, 3.0, 12.0, 40.0):
        assert prep.chi2_cdf(x, k) == pytest.approx(stats.chi2.cdf(x, k), rel=1e-9)
    for q in (0.5, 0.99, 0.999):
        assert prep.chi2_quantile(q, k) == pytest.approx(stats.chi2.ppf(q, k), rel=1e-9)


def test_mahalanobis_outliers(boston):
    x = boston.drop(columns="MEDV").to_numpy()
    mask, limit = prep.mahalanobis_outliers(x, 0.999)
    assert limit == pytest.approx(np.sqrt(stats.chi2.ppf(0.999, 13)))
    assert mask.sum() == 17
    # Mahalanobis voit des points qu'aucune variable seule ne trouve extrêmes
    pts = boston[["RM", "MEDV"]].to_numpy()
    only_m = prep.mahalanobis_outliers(pts)[0] & ~prep.zscore_outliers(pts)
    assert only_m.sum() >= 1


def test_dirty_table_is_cleaned_back(boston):
    dirty, defects = prep.dirty_boston(seed=0)
    assert len(dirty) == len(boston) + 6
    assert prep.missing_counts(dirty).sum() == len(defects["manquantes"])
    clean, steps = prep.clean_boston(dirty)
    assert [s[2] for s in steps] == [512, 506, 503]
    assert clean.isna().sum().sum() == 0 and not clean.duplicated().any()
    assert clean["RM"].max() < 10  # les 628 pièces sont parties


def test_impute_median():
    import pandas as pd

    df = pd.DataFrame({"a": [1.0, np.nan, 3.0, 100.0]})
    assert prep.impute_median(df)["a"].tolist() == [1.0, 3.0, 3.0, 100.0]


def test_standardize_and_min_max_match_sklearn(boston):
    from sklearn.preprocessing import MinMaxScaler, StandardScaler

    x = boston.to_numpy()
    train, test = x[:400], x[400:]
    ours = prep.standardize(train, test)
    ref = StandardScaler().fit(train)
    np.testing.assert_allclose(ours[0], ref.transform(train), atol=1e-12)
    np.testing.assert_allclose(ours[1], ref.transform(test), atol=1e-12)
    ours = prep.min_max(train, test)
    ref = MinMaxScaler().fit(train)
    np.testing.assert_allclose(ours[1], ref.transform(test), atol=1e-12)
    assert prep.standardize(train).shape == train.shape
