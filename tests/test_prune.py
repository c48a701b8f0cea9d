"""Élagage : densités exactes, motif 2:4, poids élagués nuls et poids gardés intacts."""

import pytest
import torch
from torch import nn

from llmlab.prune import magnitude_mask, prune_model, semi_structured_mask, sparsity_of


def _model():
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(32, 64), nn.ReLU(), nn.Linear(64, 16))


@pytest.mark.parametrize("sparsity", [0.0, 0.1, 0.37, 0.5, 0.9])
def test_magnitude_mask_keeps_the_exact_count_of_largest_weights(sparsity):
    w = torch.randn(30, 17, generator=torch.Generator().manual_seed(1))
    mask = magnitude_mask(w, sparsity)
    assert int((~mask).sum()) == round(sparsity * w.numel())
    if 0 < sparsity:
        assert w[~mask].abs().max() <= w[mask].abs().min()


def test_semi_structured_mask_keeps_two_largest_of_each_four():
    w = torch.randn(8, 32, generator=torch.Generator().manual_seed(2))
    mask = semi_structured_mask(w)
    groups, kept = w.abs().reshape(8, 8, 4), mask.reshape(8, 8, 4)
    assert (kept.sum(-1) == 2).all()
    smallest_kept = torch.where(kept, groups, torch.inf).amin(-1)
    largest_dropped = torch.where(kept, -torch.inf, groups).amax(-1)
    assert (largest_dropped <= smallest_kept).all()
    with pytest.raises(ValueError, match="multiple"):
        semi_structured_mask(torch.zeros(2, 6))


@pytest.mark.parametrize("scope,pattern", [("layer", None), ("global", None), ("layer", "2:4")])
def test_prune_model_zeroes_the_masked_weights_and_keeps_the_others(scope, pattern):
    model = _model()
    pruned, masks = prune_model(model, 0.6, scope, pattern, skip=())
    for (_name, mask), old, new in zip(masks.items(), (model[0], model[2]), (pruned[0], pruned[2])):
        assert (new.weight[~mask] == 0).all()
        assert torch.equal(new.weight[mask], old.weight[mask])
        assert torch.equal(new.bias, old.bias)  # les biais ne sont pas élagués
        if pattern:
            assert (mask.reshape(mask.shape[0], -1, 4).sum(-1) == 2).all()
        elif scope == "layer":
            assert int((~mask).sum()) == round(0.6 * mask.numel())
    zeros = sum(int((~m).sum()) for m in masks.values())
    total = sum(m.numel() for m in masks.values())
    assert sparsity_of(pruned, skip=()) == pytest.approx(zeros / total)
    assert sparsity_of(pruned, skip=()) == pytest.approx(0.5 if pattern else 0.6, abs=1e-3)
    assert sparsity_of(model, skip=()) == 0  # l'original n'a pas bougé


def test_global_threshold_prunes_small_layers_more():
    model = _model()
    with torch.no_grad():
        model[2].weight.mul_(0.01)  # une couche de petits poids
    _, masks = prune_model(model, 0.5, "global", skip=())
    first, second = ((~m).float().mean() for m in masks.values())
    assert second == 1.0 and first < 0.5  # tout le petit d'abord


def test_bad_arguments_are_refused_in_french():
    with pytest.raises(ValueError, match="sparsity"):
        magnitude_mask(torch.zeros(4), 1.0)
    with pytest.raises(ValueError, match="scope"):
        prune_model(_model(), 0.5, "ligne")
    with pytest.raises(ValueError, match="pattern"):
        prune_model(_model(), 0.5, pattern="2/4")
