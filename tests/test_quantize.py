"""Quantification : aller-retour borné par s/2, exact sur la grille, échelles contre leur forme
close et contre les fonctions de torch (torch.quantize_per_channel, quantize_per_tensor)."""

import warnings

import pytest
import torch
from torch import nn

from llmlab.gpt import GPT, GPTConfig
from llmlab.quantize import (
    absmax_dequantize,
    absmax_quantize,
    dequantized_state,
    fp32_size,
    pack_int4,
    quantize_model,
    quantized_state,
    serialized_size,
    unpack_int4,
    weight_error,
    zeropoint_dequantize,
    zeropoint_quantize,
)

PERS = ["tensor", "channel", 16]


def _expand(scale, x, per):
    """L'échelle de chaque élément de x, pour comparer à s/2 élément par élément."""
    if per == "tensor":
        return scale.expand_as(x)
    size = x.shape[-1] if per == "channel" else per
    return scale.repeat_interleave(size, dim=-1).reshape(x.shape)


@pytest.mark.parametrize("bits", [8, 4])
@pytest.mark.parametrize("per", PERS)
def test_absmax_round_trip_error_is_at_most_half_a_step(bits, per):
    x = torch.randn(24, 64, generator=torch.Generator().manual_seed(0)) * 3
    q, s = absmax_quantize(x, bits, per)
    assert q.dtype == torch.int8
    assert int(q.abs().max()) == 2 ** (bits - 1) - 1  # la grille est toute utilisée
    err = (absmax_dequantize(q, s) - x).abs()
    assert (err <= _expand(s, x, per) / 2 + 1e-6).all()


@pytest.mark.parametrize("bits", [8, 4])
@pytest.mark.parametrize("per", PERS)
def test_zeropoint_round_trip_error_is_at_most_half_a_step(bits, per):
    x = torch.rand(24, 64, generator=torch.Generator().manual_seed(1)) * 5 - 1  # décentré
    q, s, z = zeropoint_quantize(x, bits, per)
    assert q.dtype == z.dtype == torch.int8
    err = (zeropoint_dequantize(q, s, z) - x).abs()
    assert (err <= _expand(s, x, per) / 2 + 1e-6).all()


def test_absmax_matches_its_closed_form():
    x = torch.tensor([0.5, -1.27, 0.02, 1.0])
    q, s = absmax_quantize(x)
    assert torch.isclose(s, torch.tensor(1.27 / 127))
    assert q.tolist() == [50, -127, 2, 100]


def test_zeropoint_uses_the_whole_grid_and_keeps_zero_exact():
    x = torch.tensor([0.0, 1.5, 3.0, 6.0])  # sorties d'une ReLU : rien sous 0
    q, s, z = zeropoint_quantize(x)
    assert torch.isclose(s, torch.tensor(6.0 / 255))
    assert q.tolist()[0] == -128 and q.tolist()[-1] == 127 and int(z) == -128
    assert zeropoint_dequantize(q, s, z)[0] == 0.0
    # absmax sur les mêmes valeurs n'en utilise que la moitié, avec un pas deux fois plus grand
    qa, sa = absmax_quantize(x)
    assert int(qa.min()) == 0 and torch.isclose(sa, 2 * s, rtol=0.01)


@pytest.mark.parametrize("per", PERS)
def test_values_on_the_grid_come_back_exactly(per):
    gen = torch.Generator().manual_seed(2)
    q = torch.randint(-127, 128, (8, 32), generator=gen, dtype=torch.int8)
    q[:, ::16] = 127  # chaque groupe atteint le bord de la grille
    x = q.float() * 0.125  # pas exact en binaire
    q2, s = absmax_quantize(x, 8, per)
    assert torch.equal(q2, q)
    assert torch.equal(absmax_dequantize(q2, s), x)


def test_per_channel_beats_per_tensor_when_one_row_is_large():
    w = torch.randn(16, 64, generator=torch.Generator().manual_seed(3)) * 0.02
    w[5] *= 100  # une ligne de grands poids
    errors = {}
    for per in ("tensor", "channel"):
        errors[per] = (absmax_dequantize(*absmax_quantize(w, 8, per)) - w).abs()
    others = [i for i in range(16) if i != 5]
    # les autres lignes ne paient plus le pas imposé par la grande
    assert errors["channel"][others].max() * 20 < errors["tensor"][others].max()
    assert errors["channel"].norm() < errors["tensor"].norm()


def test_same_integers_as_torch_quantize_per_channel_and_per_tensor():
    w = torch.randn(12, 40, generator=torch.Generator().manual_seed(4))
    q, s = absmax_quantize(w, 8, "channel")
    qz, sz, z = zeropoint_quantize(w, 8, "tensor")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # API dépréciée, encore présente
        ref = torch.quantize_per_channel(
            w, s[:, 0].double(), torch.zeros(12, dtype=torch.long), 0, torch.qint8
        )
        ref_z = torch.quantize_per_tensor(w, float(sz), int(z), torch.qint8)
    assert torch.equal(ref.int_repr(), q)
    assert torch.equal(ref_z.int_repr(), qz)
    assert torch.allclose(ref.dequantize(), absmax_dequantize(q, s))


def test_int4_packing_round_trips_and_halves_the_bytes():
    q = torch.arange(-8, 8, dtype=torch.int8).repeat(3, 2)  # toutes les valeurs
    packed = pack_int4(q)
    assert packed.dtype == torch.uint8 and packed.numel() == q.numel() // 2
    assert torch.equal(unpack_int4(packed), q)
    with pytest.raises(ValueError, match="4 bits"):
        pack_int4(torch.tensor([0, 8], dtype=torch.int8))


def test_bad_arguments_are_refused_in_french():
    with pytest.raises(ValueError, match="multiple"):
        absmax_quantize(torch.zeros(4, 10), 8, 4)
    with pytest.raises(ValueError, match="per vaut"):
        absmax_quantize(torch.zeros(4, 8), 8, "ligne")
    with pytest.raises(ValueError, match="bits"):
        absmax_quantize(torch.zeros(4, 8), 16)
    with pytest.raises(ValueError, match="method"):
        quantize_model(nn.Linear(4, 4), method="gptq")


def _tiny_gpt():
    torch.manual_seed(0)
    return GPT(GPTConfig(vocab_size=40, context_length=16, n_embd=32, n_head=4, n_layer=2)).eval()


@pytest.mark.parametrize(
    "bits,per,method", [(8, "channel", "absmax"), (8, "tensor", "zeropoint"), (4, 16, "absmax")]
)
def test_the_saved_file_rebuilds_the_quantized_model(bits, per, method):
    model = _tiny_gpt()
    before = {k: v.clone() for k, v in model.state_dict().items()}
    quantized, codes = quantize_model(model, bits, per, method)
    assert all(torch.equal(v, model.state_dict()[k]) for k, v in before.items())  # copie
    assert quantized.lm_head.weight is quantized.tok_emb.weight  # lien gardé
    assert set(codes) == {
        "tok_emb",
        "pos_emb",
        "blocks.0.attn.qkv",
        "blocks.0.attn.out_proj",
        "blocks.0.mlp.fc",
        "blocks.0.mlp.proj",
        "blocks.1.attn.qkv",
        "blocks.1.attn.out_proj",
        "blocks.1.mlp.fc",
        "blocks.1.mlp.proj",
    }
    state = quantized_state(quantized, codes)
    packed = state["blocks.0.mlp.fc.weight"]
    assert packed.dtype == (torch.uint8 if bits == 4 else torch.int8)
    rebuilt = GPT(model.config).eval()
    rebuilt.load_state_dict(dequantized_state(state), strict=False)
    idx = torch.randint(40, (2, 16))
    with torch.no_grad():
        assert torch.equal(rebuilt(idx), quantized(idx))
    assert 0 < weight_error(model, quantized) < (0.2 if bits == 4 else 0.02)


def test_int8_file_is_about_a_quarter_of_fp32():
    layer = nn.Linear(512, 512, bias=False)
    quantized, codes = quantize_model(layer, 8, "channel")
    ratio = serialized_size(quantized_state(quantized, codes)) / fp32_size(layer)
    assert 0.25 < ratio < 0.26  # 1 octet par poids + une échelle par ligne
    quantized, codes = quantize_model(layer, 4, 32)
    ratio = serialized_size(quantized_state(quantized, codes)) / fp32_size(layer)
    assert 0.125 < ratio < 0.16  # ½ octet par poids + 4 octets par 32 poids
