"""FP32, FP16, BF16 : bits et bornes contre les définitions IEEE, débordements et arrondis."""

import math

import torch

from llmlab.precision import cast, cast_examples, examples_table, float_formats, format_info


def test_bits_and_bounds_follow_the_ieee_definitions():
    fp16, bf16, fp32 = (format_info(d) for d in (torch.float16, torch.bfloat16, torch.float32))
    assert (fp16["exposant"], fp16["mantisse"]) == (5, 10)
    assert (bf16["exposant"], bf16["mantisse"]) == (8, 7)
    assert (fp32["exposant"], fp32["mantisse"]) == (8, 23)
    assert fp16["max"] == (2 - 2**-10) * 2**15 == 65504
    assert bf16["max"] == (2 - 2**-7) * 2**127
    assert fp16["min sous-normal"] == 2**-24 and bf16["min sous-normal"] == 2**-133
    assert bf16["epsilon"] == 2**-7 and fp16["epsilon"] == 2**-10
    assert list(float_formats().columns) == ["FP32", "FP16", "BF16"]


def test_fp16_overflows_and_underflows_where_bf16_does_not():
    assert math.isinf(cast(70_000.0, torch.float16))
    assert cast(70_000.0, torch.bfloat16) == 70_144  # pas de 512 entre 2¹⁶ et 2¹⁷
    assert cast(1e-8, torch.float16) == 0.0
    assert cast(1e-8, torch.bfloat16) > 0


def test_bf16_rounds_coarser_than_fp16():
    assert cast(1.001, torch.bfloat16) == 1.0  # ε = 2⁻⁷ ≈ 0,008
    assert cast(1.001, torch.float16) == 1 + 2**-10  # ε = 2⁻¹⁰ ≈ 0,001
    table = cast_examples()
    assert table.loc[70_000.0, "FP16"] == math.inf
    text = examples_table()
    assert "∞" in text and "70 144" in text.replace("\u202f", " ")
