"""Vérificateurs du notebook « Modèles fondateurs » : la solution passe, chaque erreur typique
reçoit son conseil, et chaque référence est comparée au code du cours qu'elle résume (masquage
de `selfsup` compté, `scale.compute_optimal` et Chinchilla, une vraie `LoRALinear`,
`quantize.absmax_quantize`, la bulle mesurée sur un ordonnancement GPipe)."""

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from harness.solutions import run_solutions  # noqa: E402
from llmlab import cluster, lora, quantize, scale, selfsup  # noqa: E402
from llmlab.exercises import ExerciseError  # noqa: E402
from llmlab.exercises import modeles_fondateurs as mf  # noqa: E402

#: (vérificateur, nom de la fonction dans les solutions, table des erreurs typiques)
EXERCISES = [
    (mf.check_bert_counts, "comptes_bert", mf.BERT_MISTAKES),
    (mf.check_compute_optimal, "calcul_optimal", mf.OPTIMAL_MISTAKES),
    (mf.check_bubble, "bulle", mf.BUBBLE_MISTAKES),
    (mf.check_absmax_int8, "quantifier_int8", mf.INT8_MISTAKES),
    (mf.check_lora_parameters, "parametres_lora", mf.LORA_MISTAKES),
]


@pytest.fixture(autouse=True)
def not_strict(monkeypatch):
    monkeypatch.delenv("LLMLAB_CORRIGE", raising=False)


@pytest.fixture(scope="module")
def solution():
    return run_solutions("modeles-fondateurs")


def test_solutions_are_accepted_even_in_strict_mode(solution, monkeypatch):
    for strict in ("", "1"):
        monkeypatch.setenv("LLMLAB_CORRIGE", strict)
        for check, name, _ in EXERCISES:
            verdict = check(solution[name])
            assert verdict.ok, (name, verdict.message)


@pytest.mark.parametrize("check, name, mistakes", EXERCISES, ids=[e[1] for e in EXERCISES])
def test_every_typical_mistake_gets_its_advice(check, name, mistakes):
    for wrong_fn, hint, *part in mistakes:
        if part and part[0]:  # seul ce morceau est faux : l'autre, celui de la référence

            def wrong_fn(*args, _wrong=wrong_fn):
                q, s = mf.absmax_int8(*args)
                return _wrong(*args), s

        verdict = check(wrong_fn)
        assert not verdict.ok and not verdict.pending, (name, hint)
        assert hint in verdict.message, (name, hint, verdict.message)


@pytest.mark.parametrize("check", [e[0] for e in EXERCISES])
def test_blank_is_pending_and_fails_in_strict_mode(check, monkeypatch):
    def blank(*args): ...  # à compléter

    for answer in (..., blank):
        verdict = check(answer)
        assert verdict.pending and not verdict.ok, verdict.message
    monkeypatch.setenv("LLMLAB_CORRIGE", "1")
    with pytest.raises(ExerciseError):
        check(blank)


def test_bert_counts_match_the_masking_of_the_course():
    """Sur 200 000 positions, les comptes de `selfsup.masked_lm_pairs` tombent à moins de
    cinq écarts types des espérances de la référence."""
    n = 200_000
    ids = np.random.default_rng(0).integers(0, 500, size=n)
    pairs = selfsup.masked_lm_pairs(ids, 500, seed=3)
    measured = [pairs.chosen.sum()] + [
        (pairs.action == a).sum() for a in (selfsup.MASKED, selfsup.RANDOM, selfsup.KEPT)
    ]
    expected = mf.bert_counts(n)
    for got, mean, p in zip(measured, expected, (0.15, 0.12, 0.015, 0.015)):
        assert abs(got - mean) < 5 * np.sqrt(n * p * (1 - p)), (got, mean)


def test_compute_optimal_is_the_course_calculator_and_recovers_chinchilla():
    for c in (6e18, 1.2e21, 5.76e23):
        np.testing.assert_allclose(mf.compute_optimal(c), scale.compute_optimal(c), rtol=1e-12)
    n, d = mf.compute_optimal(scale.CHINCHILLA["C"])
    assert n == pytest.approx(70e9, rel=0.02) and d == pytest.approx(1.4e12, rel=0.02)


@pytest.mark.parametrize("d_in, d_out, r", mf.LORA_CASES[:4])
def test_lora_parameters_count_a_real_adapter(d_in, d_out, r):
    layer = lora.LoRALinear(torch.nn.Linear(d_in, d_out), r=r)
    trainable = sum(p.numel() for p in layer.parameters() if p.requires_grad)
    assert (
        mf.lora_parameters(d_in, d_out, r) == trainable == lora.lora_parameter_count(d_in, d_out, r)
    )


@pytest.mark.parametrize("case", mf.INT8_CASES)
def test_int8_reference_is_the_course_quantizer(case):
    (x,) = case
    q, s = quantize.absmax_quantize(torch.tensor(x, dtype=torch.float32))
    ref_q, ref_s = mf.absmax_int8(x)
    assert ref_s == pytest.approx(float(s), rel=1e-6)
    np.testing.assert_array_equal(ref_q, q.numpy())
    assert np.abs(ref_q * ref_s - x).max() <= ref_s / 2 + 1e-12


@pytest.mark.parametrize("p, m", mf.BUBBLE_CASES)
def test_bubble_is_the_measured_gpipe_bubble(p, m):
    assert mf.bubble(p, m) == pytest.approx(cluster.bubble_fraction(p, m))
    measured = cluster.schedule_bubble(cluster.gpipe_schedule(p, m, backward_cost=1.0))
    assert mf.bubble(p, m) == pytest.approx(measured)
