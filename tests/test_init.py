"""Initialisations (`llmlab.init`) contre `torch.nn.init` : mêmes tirages avec le même
générateur, mêmes écarts types et bornes ; et leur effet à travers les couches."""

import math

import pytest
import torch

from llmlab import init


def test_xavier_is_torch_xavier_uniform_with_the_same_generator():
    ours = init.init_weight("Xavier", 300, 100, torch.Generator().manual_seed(3))
    ref = torch.empty(100, 300)
    torch.nn.init.xavier_uniform_(ref, generator=torch.Generator().manual_seed(3))
    assert torch.equal(ours, ref)
    bound = math.sqrt(6 / 400)
    assert ours.abs().max() <= bound and ours.abs().max() > 0.99 * bound


def test_he_is_torch_kaiming_normal_with_the_same_generator():
    ours = init.init_weight("He", 300, 100, torch.Generator().manual_seed(4))
    ref = torch.empty(100, 300)
    torch.nn.init.kaiming_normal_(
        ref, nonlinearity="relu", generator=torch.Generator().manual_seed(4)
    )
    assert torch.equal(ours, ref)
    assert float(ours.std()) == pytest.approx(math.sqrt(2 / 300), rel=0.02)


def test_small_and_zeros():
    w = init.init_weight("trop petite", 500, 500, torch.Generator().manual_seed(0))
    assert float(w.std()) == pytest.approx(init.SMALL_STD, rel=0.01)
    assert not init.init_weight("zéros", 3, 2).any()
    with pytest.raises(ValueError, match="inconnue"):
        init.init_weight("LeCun", 3, 2)


def test_activation_statistics_through_depth():
    relu_he = init.activation_stats("He", "relu", depth=10, width=128, n=300)
    relu_xavier = init.activation_stats("Xavier", "relu", depth=10, width=128, n=300)
    small = init.activation_stats("trop petite", "tanh", depth=10, width=128, n=300)
    zeros = init.activation_stats("zéros", "tanh", depth=3, width=8, n=10)
    assert len(relu_he) == 11
    assert 0.3 < relu_he[-1] < 3  # He garde la taille avec ReLU
    assert relu_xavier[-1] < relu_he[-1] / 10  # Xavier la divise (≈ √2 par couche)
    assert small[5] < 1e-4  # trop petite : le signal meurt
    assert zeros[1:] == [0.0, 0.0, 0.0]
