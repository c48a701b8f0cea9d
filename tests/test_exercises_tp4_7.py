"""Vérificateurs du TP 4.7 : la solution passe, chaque erreur classique reçoit son conseil.

Les références elles-mêmes sont comparées à des mesures indépendantes : le compteur de FLOPs de
torch (``FlopCounterMode``) sur un vrai produit et sur un vrai bloc d'attention + feed-forward,
la mémoire que l'optimiseur Adam de torch alloue réellement, et les calculateurs de
``llmlab.costs`` (qui doivent donner les mêmes nombres que les corrigés).
"""

import math
import re
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from torch.utils.flop_counter import FlopCounterMode  # noqa: E402

from llmlab.exercises import ExerciseError, tp4_7  # noqa: E402
from llmlab.exercises.notebooks import parse_solutions  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
GFLOPS = 37.5  # une vitesse mesurée quelconque


@pytest.fixture(autouse=True)
def not_strict(monkeypatch):
    monkeypatch.delenv("LLMLAB_CORRIGE", raising=False)


@pytest.fixture(scope="module")
def solution():
    text = (ROOT / "notebooks/solutions/tp4-7-gpu.py").read_text(encoding="utf-8")
    namespace = {"np": np, "torch": torch, "gflops_mesures": GFLOPS}
    for code in parse_solutions(text).values():
        exec(code, namespace)
    return namespace


def test_solutions_are_accepted_even_in_strict_mode(solution, monkeypatch):
    for strict in ("", "1"):
        monkeypatch.setenv("LLMLAB_CORRIGE", strict)
        assert tp4_7.check_matmul_flops(solution["flops_produit"]).ok
        assert tp4_7.check_block_flops(solution["flops_bloc"]).ok
        assert tp4_7.check_training_memory(solution["memoire_entrainement"]).ok
        assert tp4_7.check_gpt3_years(solution["annees_gpt3"], GFLOPS).ok


@pytest.mark.parametrize(
    "checker", ["check_matmul_flops", "check_block_flops", "check_training_memory"]
)
def test_blank_function_is_pending_and_fails_in_strict_mode(checker, monkeypatch):
    def blank(*args): ...  # à compléter

    for answer in (..., blank):
        verdict = getattr(tp4_7, checker)(answer)
        assert verdict.pending and not verdict.ok, verdict.message
    monkeypatch.setenv("LLMLAB_CORRIGE", "1")
    with pytest.raises(ExerciseError):
        getattr(tp4_7, checker)(...)


def test_blank_value_is_pending():
    verdict = tp4_7.check_gpt3_years(..., GFLOPS)
    assert verdict.pending and not verdict.ok


def _cases():
    years = tp4_7.gpt3_years(GFLOPS)
    return [
        ("check_matmul_flops", (lambda m, n, k: m * n * k,), "il manque le facteur 2"),
        ("check_matmul_flops", (lambda m, n, k: m * n * (2 * k - 1),), "compte exact"),
        ("check_matmul_flops", (lambda m, n, k: 2 * m * n,), "somme de k"),
        (
            "check_block_flops",
            (lambda d, t, b: 12 * b * t * d * d + 2 * b * t * t * d,),
            "divisé par 2",
        ),
        ("check_block_flops", (lambda d, t, b: 24 * b * t * d * d,), "l'attention elle-même"),
        (
            "check_block_flops",
            (lambda d, t, b: 12 * b * t * d * d + 4 * b * t * t * d,),
            "4·d neurones",
        ),
        (
            "check_block_flops",
            (lambda d, t, b: 24 * t * d * d + 4 * t * t * d,),
            "le lot est oublié",
        ),
        ("check_block_flops", (lambda d, t, b: 24 * b * t * d * d + 4 * b * t * d,), "T au carré"),
        ("check_training_memory", (lambda n: 8 * n,), "états d'Adam"),
        ("check_training_memory", (lambda n: 12 * n,), "copie FP32"),
        ("check_training_memory", (lambda n: 4 * n,), "STOCKER"),
        ("check_training_memory", (lambda n: 16 * n / 1e9,), "en Go"),
        ("check_gpt3_years", (years / 6, GFLOPS), "le 6 de 6·N·D"),
        ("check_gpt3_years", (years / 3, GFLOPS), "passe avant seule"),
        ("check_gpt3_years", (years * 1e9, GFLOPS), "MILLIARDS"),
        ("check_gpt3_years", (years * 365.25 * 86400, GFLOPS), "en secondes"),
        ("check_gpt3_years", (years * 365.25, GFLOPS), "en jours"),
    ]


def test_every_typical_mistake_gets_its_advice(monkeypatch):
    cases = _cases()
    for checker, args, fragment in cases:
        verdict = getattr(tp4_7, checker)(*args)
        assert not verdict.ok and not verdict.pending, (checker, fragment, verdict.message)
        assert fragment in verdict.message, (checker, fragment, verdict.message)
    monkeypatch.setenv("LLMLAB_CORRIGE", "1")
    for checker, args, fragment in cases:
        with pytest.raises(ExerciseError, match=re.escape(fragment)):
            getattr(tp4_7, checker)(*args)


def test_wrong_answers_without_known_mistake_are_refused():
    assert not tp4_7.check_matmul_flops(lambda m, n, k: m + n + k).ok
    assert not tp4_7.check_block_flops(lambda d, t, b: d * t * b).ok
    assert not tp4_7.check_training_memory(lambda n: 3 * n).ok
    assert not tp4_7.check_gpt3_years(1.0, GFLOPS).ok
    assert not tp4_7.check_gpt3_years("beaucoup", GFLOPS).ok


def test_a_student_function_that_raises_does_not_crash_the_checker():
    verdict = tp4_7.check_block_flops(lambda d, t, b: 1 / 0)
    assert not verdict.ok and "ZeroDivisionError" in verdict.message


def test_bad_measured_speed_gives_a_french_message():
    for speed in (0, -3, None, "vite"):
        verdict = tp4_7.check_gpt3_years(1.0, speed)
        assert not verdict.ok and "GFLOP/s" in verdict.message


def test_reasonable_rounding_of_the_year_is_accepted():
    years = tp4_7.gpt3_years(GFLOPS)
    assert tp4_7.check_gpt3_years(years * 365.25 / 365, GFLOPS).ok  # une année de 365 jours
    assert years > 100 and tp4_7.check_gpt3_years(round(years), GFLOPS).ok  # arrondi à l'année


# --- les références elles-mêmes ---------------------------------------------------------------


@pytest.mark.parametrize("m, n, k", tp4_7.MATMUL_CASES)
def test_matmul_reference_matches_torch_flop_counter(m, n, k):
    a, b = torch.randn(m, k), torch.randn(k, n)
    with FlopCounterMode(display=False) as counter:
        a @ b
    assert tp4_7.matmul_flops(m, n, k) == counter.get_total_flops()


def _torch_block(d, n_head=4):
    """Un bloc Transformer (pré-LN, comme GPT-2) écrit avec des produits torch explicites."""
    g = torch.Generator().manual_seed(0)
    w = {
        name: torch.randn(*shape, generator=g) * 0.02
        for name, shape in [
            ("qkv", (d, 3 * d)),
            ("proj", (d, d)),
            ("fc", (d, 4 * d)),
            ("out", (4 * d, d)),
        ]
    }

    def forward(x):
        bsz, t, _ = x.shape
        h = torch.nn.functional.layer_norm(x, (d,))
        q, k, v = (h @ w["qkv"]).split(d, dim=-1)
        q, k, v = (z.view(bsz, t, n_head, d // n_head).transpose(1, 2) for z in (q, k, v))
        scores = (q @ k.transpose(-2, -1)) / math.sqrt(d // n_head)
        mask = torch.ones(t, t, dtype=torch.bool).tril()
        att = scores.masked_fill(~mask, float("-inf")).softmax(dim=-1)
        y = (att @ v).transpose(1, 2).reshape(bsz, t, d)
        x = x + y @ w["proj"]
        h = torch.nn.functional.layer_norm(x, (d,))
        return x + torch.nn.functional.gelu(h @ w["fc"]) @ w["out"]

    return forward


@pytest.mark.parametrize("d, t, b", [(8, 4, 1), (16, 8, 2), (12, 100, 3), (64, 32, 2)])
def test_block_reference_matches_torch_flop_counter(d, t, b):
    block = _torch_block(d)
    x = torch.randn(b, t, d)
    with FlopCounterMode(display=False) as counter:
        block(x)
    assert tp4_7.block_flops(d, t, b) == counter.get_total_flops()


def test_adam_really_keeps_two_float32_moments_per_parameter():
    """Les 8 octets d'Adam du corrigé : torch alloue bien exp_avg et exp_avg_sq en FP32."""
    model = torch.nn.Sequential(torch.nn.Linear(10, 20), torch.nn.Linear(20, 3))
    opt = torch.optim.Adam(model.parameters())
    model(torch.randn(4, 10)).sum().backward()
    opt.step()
    n_params = sum(p.numel() for p in model.parameters())
    state_bytes = sum(
        t.numel() * t.element_size()
        for s in opt.state.values()
        for name, t in s.items()
        if name != "step"
    )
    assert state_bytes == 8 * n_params
    mixed = tp4_7.MIXED_ADAM_BYTES
    assert (
        mixed["Adam, premier moment (FP32)"] + mixed["Adam, second moment (FP32)"]
        == state_bytes / n_params
    )
    assert mixed["poids FP16"] == torch.tensor(0, dtype=torch.float16).element_size()
    assert mixed["copie FP32 des poids"] == torch.tensor(0.0).element_size()


def test_training_bytes_gives_the_seed_figures():
    assert tp4_7.training_bytes(1e9) == pytest.approx(16e9)  # ≈ 16 Go pour 1 milliard
    assert tp4_7.training_bytes(175e9) == pytest.approx(2.8e12)  # ≈ 2,8 To pour GPT-3


def test_gpt3_years_is_6nd_over_the_speed():
    # 3,15e23 FLOPs (Brown et al. annoncent 3,14e23) à 1 TFLOP/s : environ 10 000 ans
    assert 6 * tp4_7.GPT3_PARAMS * tp4_7.GPT3_TOKENS == pytest.approx(3.15e23)
    assert tp4_7.gpt3_years(1000.0) == pytest.approx(3.15e23 / 1e12 / (365.25 * 86400))
    assert 9_000 < tp4_7.gpt3_years(1000.0) < 11_000


# --- les mêmes nombres que llmlab.costs -------------------------------------------------------


@pytest.fixture(scope="module")
def hw():
    return pytest.importorskip("llmlab.costs")


@pytest.mark.parametrize("m, n, k", tp4_7.MATMUL_CASES)
def test_references_agree_with_hardware_module_on_matmul(hw, m, n, k):
    assert hw.matmul_flops(m, n, k) == tp4_7.matmul_flops(m, n, k)


@pytest.mark.parametrize("d, t, b", tp4_7.BLOCK_CASES)
def test_references_agree_with_hardware_module_on_blocks(hw, d, t, b):
    assert hw.transformer_block_flops(d, t, batch=b) == tp4_7.block_flops(d, t, b)


@pytest.mark.parametrize("n_params", [1e9, 124e6, 175e9])
def test_references_agree_with_hardware_module_on_memory_and_time(hw, n_params):
    memory = hw.training_memory(n_params, precision="mixed", optimizer="adam")
    assert memory["total"] == pytest.approx(tp4_7.training_bytes(n_params))
    seconds = hw.training_time(tp4_7.GPT3_PARAMS, tp4_7.GPT3_TOKENS, GFLOPS * 1e9)
    assert seconds / tp4_7.SECONDS_PER_YEAR == pytest.approx(tp4_7.gpt3_years(GFLOPS))


@pytest.mark.parametrize(
    "per_param, hint",
    [(12, "l'un des DEUX moments d'Adam"), (14, "il manque les gradients"), (20, "en FP32")],
)
def test_memory_mistakes_name_every_missing_or_extra_piece(per_param, hint):
    verdict = tp4_7.check_training_memory(lambda n: per_param * n)
    assert not verdict.ok and hint in verdict.message, verdict.message
