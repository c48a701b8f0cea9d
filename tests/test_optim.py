"""Les optimiseurs écrits à la main (`llmlab.optim`) contre ``torch.optim`` :
mêmes hyperparamètres, mêmes gradients, mêmes poids après chaque pas."""

import pytest
import torch

from llmlab import optim

STEPS = 12


def _problem(seed=0):
    """Un petit MLP et un lot : des gradients qui changent à chaque pas."""
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(16, 5, generator=g)
    y = torch.randn(16, 1, generator=g)
    w1 = torch.randn(5, 8, generator=g, dtype=torch.float64).float()
    w2 = torch.randn(8, 1, generator=g)
    b = torch.randn(8, generator=g)
    return x, y, [w1, b, w2]


def _loss(params, x, y):
    w1, b, w2 = params
    return ((torch.tanh(x @ w1 + b) @ w2 - y) ** 2).mean()


def _run(make, steps=STEPS):
    x, y, init = _problem()
    params = [p.clone().requires_grad_(True) for p in init]
    opt = make(params)
    history = []
    for _ in range(steps):
        opt.zero_grad()
        _loss(params, x, y).backward()
        opt.step()
        history.append([p.detach().clone() for p in params])
    return history


CASES = [
    ("SGD", dict(lr=0.1), lambda p: torch.optim.SGD(p, lr=0.1)),
    ("Moment", dict(lr=0.05, momentum=0.9), lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.9)),
    (
        "RMSprop",
        dict(lr=0.01, alpha=0.9, eps=1e-6),
        lambda p: torch.optim.RMSprop(p, lr=0.01, alpha=0.9, eps=1e-6),
    ),
    (
        "Adam",
        dict(lr=0.02, betas=(0.8, 0.99)),
        lambda p: torch.optim.Adam(p, lr=0.02, betas=(0.8, 0.99)),
    ),
    (
        "Adam",
        dict(lr=0.02, weight_decay=0.1),
        lambda p: torch.optim.Adam(p, lr=0.02, weight_decay=0.1),
    ),
    (
        "AdamW",
        dict(lr=0.02, weight_decay=0.5),
        lambda p: torch.optim.AdamW(p, lr=0.02, weight_decay=0.5),
    ),
    (
        "AdamW",
        dict(lr=0.01),  # défaut de torch : λ = 0,01
        lambda p: torch.optim.AdamW(p, lr=0.01),
    ),
]


@pytest.mark.parametrize(
    "name, kwargs, reference", CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)]
)
def test_same_weights_as_torch_step_after_step(name, kwargs, reference):
    ours = _run(lambda p: optim.make_optimizer(name, p, **kwargs))
    theirs = _run(reference)
    for step, (a, b) in enumerate(zip(ours, theirs), start=1):
        for pa, pb in zip(a, b):
            torch.testing.assert_close(pa, pb, rtol=1e-5, atol=1e-6, msg=f"{name}, pas {step}")
    # les poids ont bien bougé : le test compare des pas, pas l'état initial
    assert not torch.equal(ours[-1][0], _problem()[2][0])


def test_adamw_is_not_adam_with_l2():
    """La décroissance découplée donne d'autres poids que L2 dans Adam."""
    adamw = _run(lambda p: optim.AdamW(p, lr=0.02, weight_decay=0.5))
    adam_l2 = _run(lambda p: optim.Adam(p, lr=0.02, weight_decay=0.5))
    assert (adamw[-1][0] - adam_l2[-1][0]).abs().max() > 1e-3


def test_adam_step_by_hand_matches_the_class():
    w = torch.tensor([0.5], requires_grad=True)
    opt = optim.Adam([w], lr=0.1)
    w_hand, m, v = 0.5, 0.0, 0.0
    for t in range(1, 4):
        opt.zero_grad()
        (w**2).sum().backward()
        g = 2 * w_hand
        opt.step()
        w_hand, m, v = optim.adam_step_by_hand(w_hand, g, m, v, t, lr=0.1)
        assert float(w.detach()) == pytest.approx(w_hand, rel=1e-6)
    # au premier pas, Adam avance de lr (au signe près), quel que soit |g|
    assert optim.adam_step_by_hand(3.0, 1e-3, 0.0, 0.0, 1, lr=0.1)[0] == pytest.approx(
        2.9, abs=1e-4
    )


def test_trajectories_reach_the_minimum():
    pts, losses = optim.trajectory("Adam", optim.ravine, [1.5, 1.0], 0.1, 300)
    assert pts.shape == (301, 2) and len(losses) == 301
    assert losses[-1] < 1e-3 < losses[0]
    pts, _ = optim.trajectory("SGD", optim.rosenbrock, [-1.5, 2.0], 1e-3, 50)
    assert optim.rosenbrock(torch.tensor([1.0, 1.0])) == 0


def test_sgd_diverges_on_a_too_steep_ravine():
    """Sur le ravin (courbure 50), SGD diverge dès que lr > 2/50."""
    _, losses = optim.trajectory("SGD", optim.ravine, [1.0, 1.0], 0.05, 30)
    assert losses[-1] > losses[0]
    _, losses = optim.trajectory("SGD", optim.ravine, [1.0, 1.0], 0.03, 30)
    assert losses[-1] < losses[0]


def test_french_errors():
    w = torch.zeros(2, requires_grad=True)
    with pytest.raises(ValueError, match="inconnu"):
        optim.make_optimizer("Adagrad", [w], 0.1)
    with pytest.raises(ValueError, match="taux"):
        optim.SGD([w], lr=0)
    with pytest.raises(ValueError, match="aucun paramètre"):
        optim.SGD([], lr=0.1)
