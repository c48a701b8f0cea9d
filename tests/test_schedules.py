"""Les plannings du taux (`llmlab.schedules`) contre ``torch.optim.lr_scheduler``,
et le planning dans la boucle d'entraînement."""

import pytest
import torch

from llmlab import schedules as S


def _torch_lrs(make_scheduler, steps, lr=1.0):
    """Les taux que donne un scheduler torch aux pas 0 … steps − 1."""
    p = torch.zeros(1, requires_grad=True)
    opt = torch.optim.SGD([p], lr=lr)
    sched = make_scheduler(opt)
    lrs = []
    for _ in range(steps):
        lrs.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    return lrs


def test_step_schedule_equals_steplr():
    ref = _torch_lrs(lambda o: torch.optim.lr_scheduler.StepLR(o, 30, gamma=0.5), 100, 0.1)
    ours = [S.step_lr(t, 0.1, 30, 0.5) for t in range(100)]
    assert ours == pytest.approx(ref, rel=1e-12)


def test_cosine_equals_cosineannealinglr():
    ref = _torch_lrs(
        lambda o: torch.optim.lr_scheduler.CosineAnnealingLR(o, T_max=200, eta_min=1e-4), 201, 3e-3
    )
    ours = [S.cosine_lr(t, 3e-3, 200, 1e-4) for t in range(201)]
    assert ours == pytest.approx(ref, rel=1e-9, abs=1e-12)
    assert ours[0] == 3e-3 and ours[-1] == pytest.approx(1e-4)


def test_warmup_cosine_equals_linear_then_cosine():
    W, T, lr, low = 10, 120, 2e-3, 2e-4

    def make(o):
        warm = torch.optim.lr_scheduler.LinearLR(o, start_factor=1 / W, total_iters=W - 1)
        cos = torch.optim.lr_scheduler.CosineAnnealingLR(o, T_max=T - W, eta_min=low)
        return torch.optim.lr_scheduler.SequentialLR(o, [warm, cos], milestones=[W])

    ref = _torch_lrs(make, T, lr)
    ours = [S.warmup_cosine_lr(t, lr, W, T, low) for t in range(T)]
    assert ours == pytest.approx(ref, rel=1e-9, abs=1e-12)
    assert ours[0] == pytest.approx(lr / W) and max(ours) == pytest.approx(lr)
    # learning_rate_at : le même planning, par son nom
    assert S.schedule_curve(T, lr=lr, schedule="cosinus", warmup_steps=W, min_lr=low) == ours


def test_constant_with_warmup():
    lrs = S.schedule_curve(8, lr=1.0, warmup_steps=4)
    assert lrs == [0.25, 0.5, 0.75, 1.0, 1.0, 1.0, 1.0, 1.0]


@pytest.mark.parametrize(
    "args, words",
    [
        (("lineaire", 0, 100, 1e-3, 0.0), "inconnu"),
        (("cosinus", 100, 100, 1e-3, 0.0), "plus court"),
        (("cosinus", -1, 100, 1e-3, 0.0), "≥ 0"),
        (("cosinus", 10, 100, 1e-3, 1e-2), "taux minimal"),
    ],
)
def test_nonsense_schedules_are_refused_in_french(args, words):
    with pytest.raises(ValueError, match=words):
        S.check_schedule(*args)
