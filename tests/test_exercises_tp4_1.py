"""Vérificateurs du TP 4.1 : la référence passe, chaque erreur typique est reconnue et nommée."""

import numpy as np
import pytest

from llmlab import linear
from llmlab.exercises import ExerciseError, tp4_1


@pytest.fixture(autouse=True)
def not_strict(monkeypatch):
    monkeypatch.delenv("LLMLAB_CORRIGE", raising=False)


def _student_mse(y_true, y_pred):
    return np.mean((y_true - y_pred) ** 2)


def _student_least_squares(x, y):
    a = np.cov(x, y, ddof=0)[0, 1] / np.var(x)
    return a, np.mean(y) - a * np.mean(x)


def _student_step(w, b, x, y, lr):
    error = w * x + b - y
    return w - lr * 2 * np.mean(error * x), b - lr * 2 * np.mean(error)


def _student_denormalize(w_n, b_n, x_mean, x_std, y_mean, y_std):
    a = w_n * y_std / x_std
    return a, b_n * y_std + y_mean - a * x_mean


CHECKS = {
    "mse": (tp4_1.check_mse, _student_mse, tp4_1.MSE_MISTAKES),
    "least_squares": (
        tp4_1.check_least_squares,
        _student_least_squares,
        tp4_1.LEAST_SQUARES_MISTAKES,
    ),
    "gradient_step": (tp4_1.check_gradient_step, _student_step, tp4_1.GRADIENT_STEP_MISTAKES),
    "denormalize": (tp4_1.check_denormalize, _student_denormalize, tp4_1.DENORMALIZE_MISTAKES),
}
MISTAKE_PARAMS = [
    pytest.param(name, i, id=f"{name}-{i}")
    for name, (_, _, mistakes) in CHECKS.items()
    for i in range(len(mistakes))
]


@pytest.mark.parametrize("name", CHECKS)
def test_a_correct_solution_is_accepted(name, monkeypatch):
    check, student, _ = CHECKS[name]
    assert check(student).ok
    monkeypatch.setenv("LLMLAB_CORRIGE", "1")
    assert check(student).ok


@pytest.mark.parametrize("name", CHECKS)
def test_a_blank_exercise_is_pending_even_in_strict_mode_it_fails(name, monkeypatch):
    check, _, _ = CHECKS[name]

    def blank(*args): ...

    assert check(...).pending and check(blank).pending
    monkeypatch.setenv("LLMLAB_CORRIGE", "1")
    with pytest.raises(ExerciseError):
        check(blank)


@pytest.mark.parametrize("name, index", MISTAKE_PARAMS)
def test_each_typical_mistake_is_refused_with_its_hint(name, index, monkeypatch):
    check, _, mistakes = CHECKS[name]
    wrong, hint = mistakes[index]
    verdict = check(wrong)
    assert not verdict.ok and not verdict.pending
    assert hint in verdict.message
    monkeypatch.setenv("LLMLAB_CORRIGE", "1")
    with pytest.raises(ExerciseError, match="non réussi"):
        check(wrong)


def test_mse_hint_for_a_sum_speaks_of_the_number_of_points():
    verdict = tp4_1.check_mse(lambda t, p: ((t - p) ** 2).sum())
    assert "n fois trop grande" in verdict.message and "nombre de points" in verdict.message


def test_gradient_step_hints_name_the_sign_and_the_factor_two():
    def wrong_sign(w, b, x, y, lr):
        error = y - (w * x + b)  # erreur à l'envers : tout le pas change de signe
        return w - lr * 2 * np.mean(error * x), b - lr * 2 * np.mean(error)

    def no_two(w, b, x, y, lr):
        error = w * x + b - y
        return w - lr * np.mean(error * x), b - lr * np.mean(error)

    assert "mauvais sens" in tp4_1.check_gradient_step(wrong_sign).message
    assert "facteur 2" in tp4_1.check_gradient_step(no_two).message


def test_an_unknown_mistake_gets_the_generic_verdict():
    verdict = tp4_1.check_mse(lambda t, p: np.mean((t - p) ** 2) + 1)
    assert not verdict.ok and "n'est pas encore juste" not in verdict.message
    assert (
        "vaut 352,1 ; c'est trop grand" in verdict.message
    )  # la valeur de l'élève, pas l'attendue


def test_mutating_the_inputs_does_not_corrupt_the_reference():
    def in_place(x, y):
        x -= x.mean()  # modifie les données de l'appelant
        y -= y.mean()
        a = np.mean(x * y) / np.mean(x * x)
        return a, 0.0

    verdict = tp4_1.check_least_squares(in_place)
    assert not verdict.ok  # l'ordonnée vaut 0 : faux, mais sans fausser la référence
    assert tp4_1.check_least_squares(_student_least_squares).ok


def test_mistakes_differ_from_the_reference_on_every_case_set():
    """Sinon une bonne réponse pourrait recevoir un conseil d'erreur."""
    for check, _student, mistakes in CHECKS.values():
        for wrong, _ in mistakes:
            assert not check(wrong).ok


def test_reference_gradient_step_matches_linear_gradient_descent():
    x, y = linear.child_height_data()
    x_n, _, _ = linear.normalize(x)
    y_n, _, _ = linear.normalize(y)
    w, b = 0.0, 0.0
    for _ in range(5):
        w, b = tp4_1.gradient_step(w, b, x_n, y_n, 0.1)
    history = linear.gradient_descent(x_n, y_n, lr=0.1, epochs=5)
    assert np.isclose(w, history.slope[-1]) and np.isclose(b, history.intercept[-1])


def test_normalized_values_are_checked_with_hints(monkeypatch):
    x, y = linear.child_height_data()
    x_n, y_n = (x - x.mean()) / x.std(), (y - y.mean()) / y.std()
    assert tp4_1.check_normalized(x_n, y_n).ok
    assert tp4_1.check_normalized(x_n, ...).pending
    for wrong, hint in tp4_1._normalize_mistakes(y):
        verdict = tp4_1.check_normalized(x_n, wrong)
        assert not verdict.ok and hint in verdict.message and "`y_n`" in verdict.message
    verdict = tp4_1.check_normalized((x - x.mean()) / x.std(ddof=1), y_n)
    assert "ddof=1" in verdict.message
    monkeypatch.setenv("LLMLAB_CORRIGE", "1")
    assert tp4_1.check_normalized(x_n, y_n).ok
    with pytest.raises(ExerciseError):
        tp4_1.check_normalized(x - x.mean(), y_n)


def test_a_wrong_part_is_named_by_its_meaning():
    verdict = tp4_1.check_least_squares(lambda x, y: (linear.least_squares(x, y)[0], 0.0))
    assert "l'ordonnée b vaut 0 ; c'est trop petit" in verdict.message, verdict.message
    assert "indice" not in verdict.message
    verdict = tp4_1.check_gradient_step(lambda w, b, x, y, lr: (str(w), str(b)))
    assert "le nouveau w contient du texte" in verdict.message, verdict.message


def test_the_ddof_mistake_does_not_say_too_large_for_a_negative_slope():
    """Un des cas a une pente négative : n/(n−1) la rend plus NÉGATIVE, pas « trop grande »."""

    def least_squares(x, y):
        a = np.cov(x, y)[0, 1] / np.var(x)
        return a, np.mean(y) - a * np.mean(x)

    verdict = tp4_1.check_least_squares(least_squares)
    assert not verdict.ok and "n/(n−1)" in verdict.message, verdict.message
    assert "trop grande" not in verdict.message, verdict.message
