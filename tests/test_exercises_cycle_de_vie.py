"""Vérificateurs du notebook « IA générative : cycle de vie » : la solution passe, chaque erreur
classique reçoit son conseil, et les références suivent des mesures indépendantes
(``llmlab.costs``, ``torch.finfo``, une vraie conversion par torch, ``llmlab.quantize``)."""

import numpy as np
import pytest

from harness.solutions import run_solutions
from llmlab.exercises import ExerciseError
from llmlab.exercises import cycle_de_vie as cv

torch = pytest.importorskip("torch")


@pytest.fixture(autouse=True)
def not_strict(monkeypatch):
    monkeypatch.delenv("LLMLAB_CORRIGE", raising=False)


@pytest.fixture(scope="module")
def solution():
    return run_solutions("cycle-de-vie")


def test_solutions_are_accepted_even_in_strict_mode(solution, monkeypatch):
    for strict in ("", "1"):
        monkeypatch.setenv("LLMLAB_CORRIGE", strict)
        assert cv.check_serving_memory(solution["go_servir"]).ok
        assert cv.check_training_memory(solution["go_entrainer"]).ok
        assert cv.check_largest_float(solution["plus_grand"]).ok
        assert cv.check_overflow(solution["deborde"]).ok
        assert cv.check_absmax(solution["absmax_int8"]).ok


FUNCTIONS = {"check_largest_float", "check_overflow", "check_absmax"}


@pytest.mark.parametrize(
    "checker",
    [
        "check_serving_memory",
        "check_training_memory",
        "check_largest_float",
        "check_overflow",
        "check_absmax",
    ],
)
def test_blank_answer_is_pending_and_fails_in_strict_mode(checker, monkeypatch):
    def blank(*args): ...  # à compléter

    for answer in (..., blank) if checker in FUNCTIONS else (...,):
        verdict = getattr(cv, checker)(answer)
        assert verdict.pending and not verdict.ok, verdict.message
    monkeypatch.setenv("LLMLAB_CORRIGE", "1")
    with pytest.raises(ExerciseError):
        getattr(cv, checker)(...)


# --- Les références contre des mesures indépendantes ------------------------------------------


def test_memory_references_follow_the_course_calculator():
    from llmlab.costs import model_memory, training_memory

    assert cv.serving_gb() == model_memory(7e9, "float16") / 1e9 == 14
    assert cv.training_gb() == training_memory(7e9, "mixed", "adam")["total"] / 1e9 == 112


@pytest.mark.parametrize(
    "dtype, bits",
    [
        (torch.float16, (5, 10)),
        (torch.bfloat16, (8, 7)),
        (torch.float32, (8, 23)),
        (torch.float64, (11, 52)),
        (torch.float8_e5m2, (5, 2)),
    ],
)
def test_largest_float_is_torch_finfo_max(dtype, bits):
    assert cv.largest_float(*bits) == torch.finfo(dtype).max


def test_overflow_reference_agrees_with_a_real_conversion():
    cases = cv.OVERFLOW_CASES + [
        (65_519.99, "FP16"),
        (-65_520.0, "FP16"),
        (3.3962e38, "BF16"),
        (3.3961e38, "BF16"),
        (3.4028235e38, "FP32"),
        (3.41e38, "FP32"),
    ]
    for x, fmt in cases:
        assert cv.overflows(x, fmt) == cv.overflow_by_torch(x, fmt), (x, fmt)
    answers = [cv.overflows(x, fmt) for x, fmt in cv.OVERFLOW_CASES]
    assert any(answers) and not all(answers)  # les deux verdicts sont demandés


def test_absmax_reference_is_llmlab_quantize():
    from llmlab.quantize import absmax_dequantize, absmax_quantize

    for (w,) in cv.ABSMAX_CASES:
        q, s = absmax_quantize(torch.tensor(w))
        assert np.allclose(cv.absmax_roundtrip(w), absmax_dequantize(q, s).numpy(), atol=1e-7)
        assert np.abs(cv.absmax_roundtrip(w) - w).max() <= np.abs(w).max() / 127 / 2 + 1e-12


# --- Les erreurs classiques et leur conseil ----------------------------------------------------


@pytest.mark.parametrize(
    "answer, hint",
    [
        (28, "FP32"),
        (7, "INT8"),
        (3.5, "4 bits"),
        (112, "pour entraîner"),
        (14e9, "octets"),
        (14e9 / 2**30, "Gio"),
        (1.75, "divisez par 8"),
    ],
)
def test_serving_mistakes(answer, hint):
    verdict = cv.check_serving_memory(answer)
    assert not verdict.ok and hint in verdict.message, verdict.message


@pytest.mark.parametrize(
    "answer, hint",
    [
        (14, "poids seuls"),
        (56, "il manque Adam"),
        (84, "copie FP32"),
        (84, "l'un des DEUX moments d'Adam"),
        (98, "il manque les gradients"),
        (140, "poids et gradients comptés en FP32"),
        (168, "activations"),
        (112e9, "octets"),
        (112e9 / 2**30, "Gio"),
        (28, "la copie FP32 des poids et les deux moments"),
    ],
)
def test_training_mistakes(answer, hint):
    verdict = cv.check_training_memory(answer)
    assert not verdict.ok and hint in verdict.message, verdict.message


@pytest.mark.parametrize(
    "fn, hint",
    [
        (lambda e, m: 2.0 ** (2 ** (e - 1) - 1), "mantisse 1,0"),
        (lambda e, m: (2 - 2.0**-m) * 2.0 ** (2 ** (e - 1)), "trop grand d'un"),
        (lambda e, m: 2.0 ** (2 ** (e - 1)), "première puissance de 2"),
        (lambda e, m: (1 - 2.0**-m) * 2.0 ** (2 ** (e - 1) - 1), "1 implicite"),
        (lambda e, m: (2 - 2.0**-m) * 2.0 ** (2 ** (e - 1) - 2), "trop petit d'un"),
    ],
)
def test_largest_float_mistakes(fn, hint):
    verdict = cv.check_largest_float(fn)
    assert not verdict.ok and hint in verdict.message, verdict.message


def test_exact_integer_answer_is_accepted():
    """(2^(m+1) − 1) · 2^(E − m) en entiers : la même valeur, écrite autrement."""
    assert cv.check_largest_float(lambda e, m: (2 ** (m + 1) - 1) * 2 ** (2 ** (e - 1) - 1 - m)).ok


def _top(fmt):
    return cv.largest_float(*cv.FORMAT_BITS[fmt])


def _gap(fmt):
    e, m = cv.FORMAT_BITS[fmt]
    return 2.0 ** (2 ** (e - 1) - 1 - m)


@pytest.mark.parametrize(
    "fn, hint",
    [
        (lambda x, f: abs(x) > _top(f), "ARRONDI"),
        (lambda x, f: x > _top(f), "valeur absolue"),
        (lambda x, f: x >= _top(f) + _gap(f) / 2, "valeur absolue"),
        (lambda x, f: abs(x) >= _top(f) + _gap(f), "MOITIÉ"),
        (lambda x, f: f == "FP16" and abs(x) > 65_504, "BF16 et FP32"),
        (lambda x, f: abs(x) > _top(f) + _gap(f) / 2, ">=, pas >"),
        (lambda x, f: 1, "booléens"),
    ],
)
def test_overflow_mistakes(fn, hint):
    verdict = cv.check_overflow(fn)
    assert not verdict.ok and hint in verdict.message, verdict.message


def test_overflow_with_numpy_bool_or_a_real_conversion_is_accepted():
    assert cv.check_overflow(lambda x, f: np.bool_(abs(x) >= _top(f) + _gap(f) / 2)).ok
    assert cv.check_overflow(cv.overflow_by_torch).ok


def _s(w, d=127):
    return np.abs(w).max() / d


@pytest.mark.parametrize(
    "fn, hint",
    [
        (lambda w: np.round(w / _s(w, 128)) * _s(w, 128), "−127 à 127"),
        (lambda w: np.round(w / _s(w, 255)) * _s(w, 255), "255 niveaux"),
        (lambda w: np.round(w / (w.max() / 127)) * (w.max() / 127), "VALEUR ABSOLUE"),
        (lambda w: (w / _s(w)).astype(int) * _s(w), "tronquent"),
        (lambda w: np.floor(w / _s(w)) * _s(w), "np.floor"),
        (lambda w: np.round(w / _s(w)), "entiers q"),
        (lambda w: w / _s(w) * _s(w), "il manque l'arrondi"),
        (lambda w: np.round(w / _s(w)).ravel() * _s(w), "forme"),
    ],
)
def test_absmax_mistakes(fn, hint):
    verdict = cv.check_absmax(fn)
    assert not verdict.ok and hint in verdict.message, verdict.message


def test_absmax_in_torch_is_accepted():
    def absmax_torch(w):
        w = torch.as_tensor(w, dtype=torch.float32)
        s = w.abs().max() / 127
        return torch.round(w / s) * s

    assert cv.check_absmax(absmax_torch).ok


@pytest.mark.parametrize("answer", [70, 224])
def test_training_values_without_a_known_mistake_get_no_wrong_advice(answer):
    """10 et 32 octets par paramètre ne correspondent à aucune erreur nommée : pas de conseil
    qui parlerait d'une autre erreur (« DEUX moyennes » donne 84, pas 70)."""
    verdict = cv.check_training_memory(answer)
    assert not verdict.ok and "n'est pas encore juste" not in verdict.message, verdict.message


def test_an_overflow_verdict_names_the_value_and_says_false_not_too_small():
    verdict = cv.check_overflow(lambda x, f: abs(x) >= 1e38)
    message = verdict.message.replace("\u202f", " ")
    assert "x = 70 000" in message and "vaut False" in message, verdict.message
    assert "trop petit" not in message and "e+04" not in message, verdict.message


def test_python_round_on_an_array_is_told_to_use_np_round():
    def absmax_int8(w):
        s = np.abs(w).max() / 127
        return round(w / s) * s

    verdict = cv.check_absmax(absmax_int8)
    assert not verdict.ok and "np.round" in verdict.message, verdict.message
