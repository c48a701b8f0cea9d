"""Vérificateurs du TP 4.4 : la solution passe, chaque erreur classique reçoit son conseil.

Les références de ``llmlab.sampling`` sont en plus comparées à torch (softmax, entropie
croisée) et à des valeurs calculées à la main, pour qu'un vérificateur ne puisse pas accepter
une réponse fausse.
"""

import re

import numpy as np
import pytest

from harness.solutions import run_solutions
from llmlab import sampling
from llmlab.exercises import ExerciseError, tp4_4

PROBS_SEQ = [np.array([0.7, 0.2, 0.1]), np.array([0.1, 0.6, 0.3]), np.array([0.25, 0.25, 0.5])]
TARGETS = [0, 2, 2]


@pytest.fixture(autouse=True)
def not_strict(monkeypatch):
    monkeypatch.delenv("LLMLAB_CORRIGE", raising=False)


@pytest.fixture(scope="module")
def solution():
    return run_solutions(
        "tp4-4-probabilites",
        {"np": np, "sampling": sampling, "probs_seq": PROBS_SEQ, "targets": TARGETS},
    )


SOLVED = {
    "check_softmax": ("softmax",),
    "check_top_k": ("top_k_filter",),
    "check_cross_entropy": ("cross_entropy",),
}


@pytest.mark.parametrize("checker", list(SOLVED))
def test_solution_is_accepted_even_in_strict_mode(checker, solution, monkeypatch):
    args = [solution[name] for name in SOLVED[checker]]
    assert getattr(tp4_4, checker)(*args).ok
    monkeypatch.setenv("LLMLAB_CORRIGE", "1")
    assert getattr(tp4_4, checker)(*args).ok


def test_perplexity_solution_is_accepted(solution):
    assert tp4_4.check_perplexity(solution["perplexite"], PROBS_SEQ, TARGETS).ok


@pytest.mark.parametrize("checker", list(SOLVED))
def test_blank_answer_is_pending_and_fails_in_strict_mode(checker, monkeypatch):
    def blank(*args): ...  # à compléter

    for answer in (..., blank):
        verdict = getattr(tp4_4, checker)(answer)
        assert verdict.pending and not verdict.ok, verdict.message
    monkeypatch.setenv("LLMLAB_CORRIGE", "1")
    with pytest.raises(ExerciseError):
        getattr(tp4_4, checker)(...)


def _softmax_no_max(z, t=1.0):
    e = np.exp(np.asarray(z, dtype=float) / t)
    return e / e.sum(axis=-1, keepdims=True)


def _mistakes(s):
    kth = lambda z, k: np.sort(z)[-k]  # noqa: E731
    return [
        ("check_softmax", (_softmax_no_max,), "Soustrayez d'abord le maximum"),
        ("check_softmax", (lambda z, t=1.0: s["softmax"](np.asarray(z) * t * t, t),), "se DIVISE"),
        ("check_softmax", (lambda z, t=1.0: s["softmax"](z, 1.0),), "n'est pas utilisée"),
        ("check_softmax", (lambda z, t=1.0: np.exp(np.asarray(z) / t),), "normalisation"),
        (
            "check_softmax",
            (lambda z, t=1.0: np.exp(z / t - np.max(z / t)) / np.exp(z / t - np.max(z / t)).sum(),),
            "chaque LIGNE",
        ),
        ("check_top_k", (lambda z, k: np.where(z <= kth(z, k), -np.inf, z),), "k − 1"),
        ("check_top_k", (lambda z, k: np.where(z < kth(z, k), 0.0, z),), "pas 0"),
        ("check_top_k", (lambda z, k: np.where(z > np.sort(z)[k - 1], -np.inf, z),), "PLUS PETITS"),
        ("check_top_k", (lambda z, k: np.sort(z)[-k:],), "même taille"),
        ("check_cross_entropy", (lambda p, t: -np.log2(p[t]),), "base 2"),
        ("check_cross_entropy", (lambda p, t: np.log(p[t]),), "signe moins"),
        ("check_cross_entropy", (lambda p, t: -np.log(p).sum(),), "BON token"),
        ("check_cross_entropy", (lambda p, t: -np.log10(p[t]),), "base 10"),
    ]


def test_every_typical_mistake_gets_its_advice(solution, monkeypatch):
    for checker, args, fragment in _mistakes(solution):
        verdict = getattr(tp4_4, checker)(*args)
        assert not verdict.ok and not verdict.pending, (checker, fragment, verdict.message)
        assert fragment in verdict.message, (checker, fragment, verdict.message)
    monkeypatch.setenv("LLMLAB_CORRIGE", "1")
    for checker, args, fragment in _mistakes(solution):
        with pytest.raises(ExerciseError, match=re.escape(fragment)):
            getattr(tp4_4, checker)(*args)


def test_perplexity_mistakes(solution):
    losses = [-np.log(p[t]) for p, t in zip(PROBS_SEQ, TARGETS)]
    for wrong, fragment in (
        (np.mean(losses), "exponentielle"),
        (np.exp(np.sum(losses)), "MOYENNE"),
        (2 ** np.mean(losses), "np.exp"),
    ):
        verdict = tp4_4.check_perplexity(wrong, PROBS_SEQ, TARGETS)
        assert not verdict.ok and fragment in verdict.message, verdict.message


def test_a_softmax_that_overflows_is_not_accepted():
    verdict = tp4_4.check_softmax(_softmax_no_max)
    assert not verdict.ok and "NaN" in verdict.message


# --- les références elles-mêmes, contre torch et des valeurs à la main -------------------------


def test_softmax_reference_matches_torch():
    torch = pytest.importorskip("torch")
    for z, t in tp4_4.SOFTMAX_CASES + [tp4_4.BIG_LOGITS]:
        expected = torch.softmax(torch.tensor(z) / t, dim=-1).numpy()
        np.testing.assert_allclose(sampling.softmax(z, t), expected, rtol=1e-10)


def test_cross_entropy_reference_matches_torch_and_by_hand():
    torch = pytest.importorskip("torch")
    for p, t in tp4_4.CE_CASES:
        loss = torch.nn.functional.nll_loss(torch.log(torch.tensor(p))[None], torch.tensor([t]))
        assert sampling.cross_entropy(p, t) == pytest.approx(loss.item())
    assert sampling.cross_entropy(np.array([0.25] * 4), 3) == pytest.approx(np.log(4))


def test_top_k_reference_keeps_exactly_k():
    for z, k in tp4_4.TOP_K_CASES:
        kept = np.isfinite(sampling.top_k_filter(z, k))
        assert kept.sum() == k
        assert set(np.asarray(z)[kept]) == set(np.sort(z)[-k:])


def test_review_mistakes_get_their_own_hint():
    import math

    def no_keepdims(z, t=1.0):
        z = np.asarray(z, dtype=float) / t
        e = np.exp(z - z.max(axis=-1, keepdims=True))
        return e / e.sum(axis=-1)

    verdict = tp4_4.check_softmax(no_keepdims)
    assert "keepdims=True" in verdict.message, verdict.message
    verdict = tp4_4.check_softmax(lambda z, t=1.0: np.exp(z) / math.exp(z).sum())
    assert "module math" in verdict.message, verdict.message
    for big in (-1e9, -1e4, -1e300):
        verdict = tp4_4.check_top_k(lambda z, k: np.where(z < np.sort(z)[-k], big, z))  # noqa: B023
        assert "exactement −∞" in verdict.message, verdict.message
        assert "1e300" not in verdict.message and "1e+300" not in verdict.message


def test_a_top_k_that_keeps_strictly_greater_logits_is_told_how_to_compare():
    def top_k_filter(logits, k):
        kth = np.sort(logits)[-k]
        return np.where(logits > kth, logits, -np.inf)  # garde k − 1 valeurs

    verdict = tp4_4.check_top_k(top_k_filter)
    assert not verdict.ok and "k − 1 valeurs" in verdict.message, verdict.message
    assert ">= kth (pas >)" in verdict.message, verdict.message
