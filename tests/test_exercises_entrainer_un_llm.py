"""Vérificateurs du notebook « Entraîner un LLM » : la solution passe, chaque erreur
classique reçoit son conseil, une réponse vide attend.

Les références (``prep.zscore_outliers``, ``optim.adam_step_by_hand``,
``schedules.warmup_cosine_lr``, ``metrics.from_confusion``) sont elles-mêmes testées contre
SciPy, torch et scikit-learn (tests/test_prep.py, test_optim.py, test_schedules.py,
test_metrics.py).
"""

import math

import pytest

from harness.solutions import run_solutions
from llmlab.exercises import ExerciseError
from llmlab.exercises import entrainer_un_llm as ex


@pytest.fixture(autouse=True)
def not_strict(monkeypatch):
    monkeypatch.delenv("LLMLAB_CORRIGE", raising=False)


@pytest.fixture(scope="module")
def solution():
    return run_solutions("entrainer-un-llm")


SOLVED = {
    "check_zscore_outliers": "zscore_outliers",
    "check_adam_step": "adam_step",
    "check_warmup_cosine": "warmup_cosine",
    "check_precision_recall": "precision_recall",
}
TABLES = {
    "check_zscore_outliers": ex.ZSCORE_MISTAKES,
    "check_adam_step": ex.ADAM_MISTAKES,
    "check_warmup_cosine": ex.WARMUP_MISTAKES,
    "check_precision_recall": ex.PR_MISTAKES,
}


@pytest.mark.parametrize("checker", list(SOLVED))
def test_solution_is_accepted_even_in_strict_mode(checker, solution, monkeypatch):
    assert getattr(ex, checker)(solution[SOLVED[checker]]).ok
    monkeypatch.setenv("LLMLAB_CORRIGE", "1")
    assert getattr(ex, checker)(solution[SOLVED[checker]]).ok


def _callables(checker):
    return [
        (wrong, hint)
        for wrong, hint in TABLES[checker]
        if callable(wrong) and type(wrong).__name__ not in ("When", "Raises")
    ]


@pytest.mark.parametrize("checker", list(SOLVED))
def test_each_typical_mistake_gets_its_own_advice(checker):
    rows = _callables(checker)
    assert len(rows) >= 4
    for wrong, hint in rows:
        verdict = getattr(ex, checker)(wrong)
        assert not verdict.ok
        assert hint[:40] in verdict.message, (hint, verdict.message)


def test_percentages_are_recognised():
    def in_percent(cm):
        (vn, fp), (fn, vp) = cm
        return 100 * vp / (vp + fp), 100 * vp / (vp + fn)

    verdict = ex.check_precision_recall(in_percent)
    assert not verdict.ok and "pourcentages" in verdict.message


def test_a_scalar_only_adam_is_told_about_arrays():
    def scalar_adam(w, g, m, v, t, lr=0.001, b1=0.9, b2=0.999, eps=1e-8):
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g**2
        return w - lr * (m / (1 - b1**t)) / (math.sqrt(v / (1 - b2**t)) + eps), m, v

    verdict = ex.check_adam_step(scalar_adam)
    assert not verdict.ok and "np.sqrt" in verdict.message


@pytest.mark.parametrize("checker", list(SOLVED))
def test_blank_answer_is_pending_and_fails_in_strict_mode(checker, monkeypatch):
    def blank(*args): ...  # à compléter

    for answer in (..., blank):
        verdict = getattr(ex, checker)(answer)
        assert verdict.pending and not verdict.ok, verdict.message
    monkeypatch.setenv("LLMLAB_CORRIGE", "1")
    with pytest.raises(ExerciseError):
        getattr(ex, checker)(...)


def test_messages_never_give_the_expected_values():
    def off(cm):
        (vn, fp), (fn, vp) = cm
        return vp / (vp + fp) + 0.05, vp / (vp + fn)

    verdict = ex.check_precision_recall(off)
    assert not verdict.ok
    assert "0,885" not in verdict.message and "0.885" not in verdict.message


def test_a_momentum_without_its_one_minus_beta_factor_is_named():
    def adam_step(w, g, m, v, t, lr=0.001, b1=0.9, b2=0.999, eps=1e-8):
        m = b1 * m + g  # le facteur (1 − β₁) est oublié
        v = b2 * v + (1 - b2) * g**2
        m_hat, v_hat = m / (1 - b1**t), v / (1 - b2**t)
        return w - lr * m_hat / (v_hat**0.5 + eps), m, v

    verdict = ex.check_adam_step(adam_step)
    assert not verdict.ok and "(1 − β₁) multiplie g" in verdict.message, verdict.message
