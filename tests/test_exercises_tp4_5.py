"""Vérificateurs du TP 4.5 : la solution passe, chaque erreur classique reçoit son conseil.

Les références sont comparées à torch : le pas de référence est celui de ``torch.nn.GRU`` et
doit égaler ``llmlab.gru.gru_cell`` ; le nombre de paramètres doit égaler celui d'une vraie
couche ``torch.nn.GRU`` ; l'historique synthétique a bien un seul minimum de validation.
"""

import re

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from harness.solutions import run_solutions  # noqa: E402
from llmlab.exercises import ExerciseError, tp4_5  # noqa: E402


@pytest.fixture(autouse=True)
def not_strict(monkeypatch):
    monkeypatch.delenv("LLMLAB_CORRIGE", raising=False)


@pytest.fixture(scope="module")
def solution():
    return run_solutions(
        "tp4-5-gru", {"np": np, "torch": torch, "histoire": tp4_5.overfit_history()}
    )


def test_solutions_are_accepted_even_in_strict_mode(solution, monkeypatch):
    hist = tp4_5.overfit_history()
    for strict in ("", "1"):
        monkeypatch.setenv("LLMLAB_CORRIGE", strict)
        assert tp4_5.check_gru_step(solution["gru_step"]).ok
        assert tp4_5.check_param_count(solution["nb_parametres_gru"]).ok
        assert tp4_5.check_overfit_step(solution["etape_surapprentissage"], hist).ok


@pytest.mark.parametrize("checker", ["check_gru_step", "check_param_count"])
def test_blank_answer_is_pending_and_fails_in_strict_mode(checker, monkeypatch):
    def blank(*args): ...  # à compléter

    for answer in (..., blank):
        verdict = getattr(tp4_5, checker)(answer)
        assert verdict.pending and not verdict.ok, verdict.message
    monkeypatch.setenv("LLMLAB_CORRIGE", "1")
    with pytest.raises(ExerciseError):
        getattr(tp4_5, checker)(...)


def _step_mistakes(s):
    step = s["gru_step"]

    def one_bias(x, h, wi, wh, bi, bh):
        return step(x, h, wi, wh, bi, torch.zeros_like(bh))

    def swapped(x, h, wi, wh, bi, bh):
        i_r, i_z, i_n = (x @ wi.T + bi).chunk(3, dim=-1)
        h_r, h_z, h_n = (h @ wh.T + bh).chunk(3, dim=-1)
        r, z = torch.sigmoid(i_r + h_r), torch.sigmoid(i_z + h_z)
        n = torch.tanh(i_n + r * h_n)
        return z * n + (1 - z) * h

    def r_before(x, h, wi, wh, bi, bh):
        i_r, i_z, i_n = (x @ wi.T + bi).chunk(3, dim=-1)
        h_r, h_z, _ = (h @ wh.T + bh).chunk(3, dim=-1)
        r, z = torch.sigmoid(i_r + h_r), torch.sigmoid(i_z + h_z)
        w_hn, b_hn = wh.chunk(3)[2], bh.chunk(3)[2]
        return (1 - z) * torch.tanh(i_n + (r * h) @ w_hn.T + b_hn) + z * h

    def z_r_order(x, h, wi, wh, bi, bh):
        i_z, i_r, i_n = (x @ wi.T + bi).chunk(3, dim=-1)
        h_z, h_r, h_n = (h @ wh.T + bh).chunk(3, dim=-1)
        r, z = torch.sigmoid(i_r + h_r), torch.sigmoid(i_z + h_z)
        return (1 - z) * torch.tanh(i_n + r * h_n) + z * h

    return [
        (one_bias, "DEUX par porte"),
        (swapped, "z et 1 − z sont échangés"),
        (r_before, "APRÈS la multiplication"),
        (z_r_order, "l'ordre r, z, n"),
    ]


def _param_mistakes():
    return [
        (lambda i, h: i * h + h * h + 2 * h, "facteur 3"),
        (lambda i, h: 3 * (i * h + h * h + h), "un seul biais"),
        (lambda i, h: 3 * (i * h + h * h), "les biais manquent"),
        (lambda i, h: 4 * (i * h + h * h + 2 * h), "LSTM"),
    ]


def test_every_typical_mistake_gets_its_advice(solution, monkeypatch):
    hist = tp4_5.overfit_history()
    best = int(hist.step[hist.val_loss.idxmin()])
    i_best = int(hist.val_loss.to_numpy().argmin())
    cases = (
        [("check_gru_step", (fn,), frag) for fn, frag in _step_mistakes(solution)]
        + [("check_param_count", (fn,), frag) for fn, frag in _param_mistakes()]
        + [
            ("check_overfit_step", (int(hist.step.iloc[-1]), hist), "ENTRAÎNEMENT"),
            ("check_overfit_step", (i_best, hist), "numéro de LIGNE"),
            ("check_overfit_step", (best + 100, hist), "déjà remonté"),
        ]
    )
    for checker, args, fragment in cases:
        verdict = getattr(tp4_5, checker)(*args)
        assert not verdict.ok and not verdict.pending, (checker, fragment, verdict.message)
        assert fragment in verdict.message, (checker, fragment, verdict.message)
    monkeypatch.setenv("LLMLAB_CORRIGE", "1")
    for checker, args, fragment in cases:
        with pytest.raises(ExerciseError, match=re.escape(fragment)):
            getattr(tp4_5, checker)(*args)


def test_a_wrong_step_without_known_mistake_is_refused():
    verdict = tp4_5.check_gru_step(lambda x, h, *w: h)
    assert not verdict.ok and not verdict.pending
    assert "même état que torch.nn.GRU" in verdict.message and "tensor(" not in verdict.message


# --- les références elles-mêmes ---------------------------------------------------------------


def test_reference_step_is_torch_and_matches_course_cell():
    from llmlab.gru import gru_cell

    for case in tp4_5.step_cases():
        ref = tp4_5.torch_gru_step(*case)
        torch.testing.assert_close(gru_cell(*case), ref, rtol=1e-5, atol=1e-6)
        cell = torch.nn.GRUCell(case[0].shape[-1], case[1].shape[-1])
        with torch.no_grad():
            for p, v in zip((cell.weight_ih, cell.weight_hh, cell.bias_ih, cell.bias_hh), case[2:]):
                p.copy_(v)
            torch.testing.assert_close(cell(case[0], case[1]), ref, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("n_in, n_h", tp4_5.PARAM_CASES)
def test_param_count_matches_torch(n_in, n_h):
    layer = torch.nn.GRU(n_in, n_h)
    assert tp4_5.gru_param_count(n_in, n_h) == sum(p.numel() for p in layer.parameters())


@pytest.mark.parametrize("seed", range(6))
def test_overfit_history_has_one_validation_minimum_then_rises(seed):
    hist = tp4_5.overfit_history(seed)
    val, train = hist.val_loss.to_numpy(), hist.train_loss.to_numpy()
    i = int(val.argmin())
    assert 0 < i < len(val) - 1
    assert np.all(np.diff(val[: i + 1]) < 0) and np.all(np.diff(val[i:]) > 0)
    assert np.all(np.diff(train) < 0)
    assert list(hist.columns) == ["step", "train_loss", "val_loss", "tokens_per_s", "elapsed_s"]


@pytest.mark.parametrize("index", range(len(tp4_5.STEP_MISTAKES)))
def test_each_step_mistake_of_the_table_gets_its_own_hint(index):
    wrong, hint = tp4_5.STEP_MISTAKES[index]
    verdict = tp4_5.check_gru_step(wrong)
    assert not verdict.ok and hint in verdict.message, verdict.message


@pytest.mark.parametrize("loss", [1.47, 1.466, np.float64(1.4665)])
def test_a_loss_value_instead_of_a_step_is_named(loss):
    verdict = tp4_5.check_overfit_step(loss, tp4_5.overfit_history())
    assert not verdict.ok and "valeur de la perte" in verdict.message, verdict.message
