"""LoRA : départ égal au modèle de base, seuls A et B apprennent, fusion égale à l'adaptateur,
retrait qui rend le modèle intact, et le même calcul que la bibliothèque peft."""

import copy
import warnings

import pytest
import torch

from llmlab.gpt import GPT, GPTConfig
from llmlab.lora import (
    LoRALinear,
    apply_lora,
    load_lora,
    lora_layers,
    lora_parameter_count,
    lora_state_dict,
    merge_lora,
    remove_lora,
    trainable_share,
)
from llmlab.training import TokenData, TrainConfig, train

CFG = GPTConfig(vocab_size=40, context_length=16, n_embd=32, n_head=4, n_layer=2)


def _gpt():
    torch.manual_seed(0)
    return GPT(CFG).eval()


def _randomize_b(model, seed=1):
    """B vaut zéro au départ : on le tire au hasard pour que la mise à jour compte."""
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for _, layer in lora_layers(model):
            layer.lora_B.copy_(torch.randn(layer.lora_B.shape, generator=gen) * 0.1)


def test_adapted_model_starts_equal_to_the_base_model():
    base = _gpt()
    adapted = apply_lora(copy.deepcopy(base), r=4, alpha=8)
    idx = torch.randint(40, (2, 16))
    with torch.no_grad():
        assert torch.equal(adapted(idx), base(idx))
    layer = adapted.blocks[0].attn.qkv
    assert isinstance(layer, LoRALinear) and layer.scaling == 2.0
    assert (layer.lora_B == 0).all()
    bound = 1 / 32**0.5  # Kaiming uniforme (a = √5) : ±1/√entrée
    assert layer.lora_A.abs().max() <= bound and layer.lora_A.std() > bound / 4


def test_only_a_and_b_are_trainable_and_counted_by_the_closed_form():
    model = apply_lora(_gpt(), targets=("qkv", "out_proj"), r=4)
    trainable, total = trainable_share(model)
    per_block = lora_parameter_count(32, 96, 4) + lora_parameter_count(32, 32, 4)
    assert trainable == 2 * per_block == 2 * (4 * (32 + 96) + 4 * (32 + 32))
    assert total == sum(p.numel() for p in _gpt().parameters()) + trainable
    names = {n for n, p in model.named_parameters() if p.requires_grad}
    assert names and all(n.endswith(("lora_A", "lora_B")) for n in names)


def test_merge_gives_the_same_outputs_and_the_closed_form_weight():
    model = apply_lora(_gpt(), r=4, alpha=8)
    _randomize_b(model)
    layer = model.blocks[1].attn.out_proj
    expected = layer.base.weight + (8 / 4) * layer.lora_B @ layer.lora_A
    idx = torch.randint(40, (3, 16))
    with torch.no_grad():
        adapted = model(idx)
        merged = merge_lora(copy.deepcopy(model))
        assert not lora_layers(merged)
        assert torch.allclose(merged.blocks[1].attn.out_proj.weight, expected)
        assert torch.allclose(merged(idx), adapted, atol=1e-5)
        assert not torch.allclose(adapted, _gpt()(idx), atol=1e-3)  # B compte vraiment


def test_removing_the_adapter_gives_back_the_base_model_exactly():
    base = _gpt()
    model = apply_lora(copy.deepcopy(base))
    _randomize_b(model)
    idx = torch.randint(40, (2, 16))
    with torch.no_grad():
        assert torch.equal(remove_lora(model)(idx), base(idx))


def test_adapter_state_round_trips_and_wrong_adapters_are_refused():
    model = apply_lora(_gpt(), r=4)
    _randomize_b(model)
    state = lora_state_dict(model)
    assert len(state) == 8 and all(k.endswith(("lora_A", "lora_B")) for k in state)
    other = apply_lora(_gpt(), r=4)
    load_lora(other, state)
    idx = torch.randint(40, (2, 16))
    with torch.no_grad():
        assert torch.equal(other(idx), model(idx))
    with pytest.raises(ValueError, match="même rang"):
        load_lora(apply_lora(_gpt(), targets=("qkv",)), state)
    with pytest.raises(ValueError, match="Aucune couche"):
        apply_lora(_gpt(), targets=("q_proj",))
    with pytest.raises(ValueError, match="rang"):
        LoRALinear(torch.nn.Linear(4, 4), r=0)


def test_training_with_the_course_loop_moves_only_the_adapter():
    base = _gpt()
    model = apply_lora(copy.deepcopy(base))
    data = TokenData(torch.randint(40, (400,), generator=torch.Generator().manual_seed(0)), 16)
    config = TrainConfig(
        max_steps=5,
        batch_size=4,
        block_size=16,
        learning_rate=1e-2,
        eval_every=5,
        eval_batches=1,
        checkpoint_seconds=None,
    )
    train(model, data, config, device="cpu", progress=False)
    frozen = remove_lora(copy.deepcopy(model)).state_dict()
    assert all(torch.equal(v, base.state_dict()[k]) for k, v in frozen.items())
    assert any((layer.lora_B != 0).any() for _, layer in lora_layers(model))


def test_same_outputs_and_same_merge_as_peft():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from peft import LoraConfig, get_peft_model
    ours = apply_lora(_gpt(), targets=("qkv", "out_proj"), r=4, alpha=8)
    _randomize_b(ours)
    config = LoraConfig(r=4, lora_alpha=8, lora_dropout=0.0, target_modules=["qkv", "out_proj"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = get_peft_model(_gpt(), config)
    with torch.no_grad():
        for name, layer in lora_layers(ours):
            peft_layer = theirs.base_model.model.get_submodule(name)
            assert peft_layer.scaling["default"] == layer.scaling
            peft_layer.lora_A["default"].weight.copy_(layer.lora_A)
            peft_layer.lora_B["default"].weight.copy_(layer.lora_B)
        idx = torch.randint(40, (2, 16))
        assert torch.allclose(theirs(idx), ours(idx), atol=1e-6)
        assert theirs.get_nb_trainable_parameters() == trainable_share(ours)
        merged_theirs = theirs.merge_and_unload()
        merged_ours = merge_lora(ours)
        for (name, p), q in zip(
            merged_ours.state_dict().items(), merged_theirs.state_dict().values()
        ):
            assert torch.allclose(p, q, atol=1e-6), name
