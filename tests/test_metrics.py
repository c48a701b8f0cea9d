"""Métriques (`llmlab.metrics`) contre scikit-learn et torch ; le classifieur de langue
(`llmlab.classify`) et les trois façons d'apprendre (`llmlab.paradigms`)."""

import math

import numpy as np
import pytest
import torch
from sklearn import metrics as skm

from llmlab import classify, metrics, paradigms


@pytest.fixture(scope="module")
def predictions():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 200)
    p = np.where(rng.random(200) < 0.8, y, 1 - y)
    return y, p


def test_classification_metrics_match_sklearn(predictions):
    y, p = predictions
    assert np.array_equal(
        metrics.confusion_matrix(y, p, [0, 1]), skm.confusion_matrix(y, p, labels=[0, 1])
    )
    assert metrics.accuracy(y, p) == pytest.approx(skm.accuracy_score(y, p))
    for pos in (0, 1):
        assert metrics.precision(y, p, pos) == pytest.approx(
            skm.precision_score(y, p, pos_label=pos)
        )
        assert metrics.recall(y, p, pos) == pytest.approx(skm.recall_score(y, p, pos_label=pos))
        assert metrics.f1(y, p, pos) == pytest.approx(skm.f1_score(y, p, pos_label=pos))
    got = metrics.from_confusion(skm.confusion_matrix(y, p, labels=[0, 1]))
    assert got["précision"] == pytest.approx(skm.precision_score(y, p))
    assert got["F1"] == pytest.approx(skm.f1_score(y, p))


def test_three_classes_confusion_matches_sklearn():
    y = ["a", "b", "c", "a", "c", "c"]
    p = ["a", "c", "c", "b", "c", "a"]
    assert np.array_equal(
        metrics.confusion_matrix(y, p, ["a", "b", "c"]),
        skm.confusion_matrix(y, p, labels=["a", "b", "c"]),
    )


def test_no_positive_prediction_gives_zero_like_sklearn():
    y, p = [1, 1, 0], [0, 0, 0]
    assert metrics.precision(y, p) == 0.0 == skm.precision_score(y, p, zero_division=0)
    assert metrics.f1(y, p) == 0.0


def test_cross_entropy_and_perplexity_match_torch():
    g = torch.Generator().manual_seed(0)
    logits = torch.randn(50, 7, generator=g, dtype=torch.float64)
    targets = torch.randint(7, (50,), generator=g)
    ref = float(torch.nn.functional.cross_entropy(logits, targets))
    probs = torch.softmax(logits, dim=1).numpy()
    loss = metrics.cross_entropy(probs, targets.numpy())
    assert loss == pytest.approx(ref, rel=1e-12)
    assert metrics.perplexity(math.log(78)) == pytest.approx(78)
    assert metrics.bits_per_token(math.log(2)) == pytest.approx(1.0)


def test_language_classifier_learns_on_disjoint_test():
    (train, y_train), (test, y_test) = classify.language_data(n_train=300, n_test=100)
    assert len(train) == 600 and set(y_test.tolist()) == {0, 1}
    assert not set(test) & set(train[:10])
    clf = classify.LanguageClassifier(epochs=200).fit(train, y_train)
    acc = metrics.accuracy(y_test, clf.predict(test))
    assert 0.75 < acc < 1.0  # appris, mais des fragments de 12 lettres trompent
    # un seuil plus haut : plus précis, moins de rappel
    hi = clf.predict(test, threshold=0.9)
    lo = clf.predict(test, threshold=0.5)
    assert metrics.precision(y_test, hi) >= metrics.precision(y_test, lo)
    assert metrics.recall(y_test, hi) < metrics.recall(y_test, lo)


def test_plain_text():
    assert classify.plain("Cœur  d'été !\nÀ") == "coeur dete a"


def test_kmeans_matches_sklearn():
    from sklearn.cluster import KMeans

    from llmlab.data import boston_dataframe
    from llmlab.prep import standardize

    x = standardize(boston_dataframe().drop(columns="MEDV").to_numpy())
    start = x[[0, 100, 200]]
    centres, groups = paradigms.kmeans(x, 3, centres=start)
    ref = KMeans(3, init=start, n_init=1, tol=0, max_iter=300, algorithm="lloyd").fit(x)
    assert np.array_equal(groups, ref.labels_)
    np.testing.assert_allclose(centres, ref.cluster_centers_, atol=1e-10)


def test_self_supervised_examples():
    pairs = paradigms.next_token_pairs("bonjour", 3)
    assert pairs == [("bon", "j"), ("onj", "o"), ("njo", "u"), ("jou", "r")]
    shown, answers = paradigms.masked_words("le chat dort sur le tapis", rate=0.3, seed=1)
    assert shown.count("[MASK]") == len(answers) >= 1
    assert len(shown.split()) == 6
