"""Les résultats livrés de compression et d'adaptation disent ce que le deck affirme, et le
vocabulaire du mini-GPT est bien respecté par le corpus français récrit."""

import math

import pytest
import torch

from llmlab import adaptation, compression
from llmlab.data import DATA_DIR
from llmlab.quantize import fp32_size, quantize_model, quantized_state, serialized_size


def test_fit_to_vocabulary_strips_accents_and_counts_what_it_changes():
    chars = "abcdefghijklmnopqrstuvwxyzAEO '\".,"
    text, counts = adaptation.fit_to_vocabulary("À l'œuvre, élève « oui »… €", chars)
    assert text == 'A l\'oeuvre, eleve " oui "... '
    assert counts["remplacés"] == {"À": 1, "œ": 1, "é": 1, "è": 1, "«": 1, "»": 1, "…": 1}
    assert counts["supprimés"] == {"€": 1}
    assert set(text) <= set(chars)


def test_shipped_quantization_results_meet_the_targets():
    quant = compression.load_quantization_results().set_index("label")
    int8 = quant.loc["int8 absmax, par canal"]
    assert int8.ratio <= 0.27 and abs(int8.delta) <= 0.02
    int4 = quant.loc["int4 absmax, groupes de 32"]
    assert int4.ratio < 0.2 and 0 < int4.delta < 0.05
    per_tensor = quant.loc["int8 absmax, par tenseur"]
    assert int8.weight_error < per_tensor.weight_error / 2  # par canal : bien meilleur
    assert "torchao" in quant.method.tolist()
    assert "ko" in compression.quantization_table(quant.reset_index())


def test_shipped_size_is_what_quantize_model_gives_now():
    """La taille int8 par canal du CSV est refaite ici, sans mesurer de perte (rapide)."""
    from llmlab.shipped import load_shipped_gpt

    model = load_shipped_gpt()[0]
    quantized, codes = quantize_model(model, 8, "channel")
    size = serialized_size(quantized_state(quantized, codes))
    quant = compression.load_quantization_results().set_index("label")
    assert size == quant.loc["int8 absmax, par canal", "bytes"]
    assert fp32_size(model) == quant.loc["FP32 (référence)", "bytes"]


def test_shipped_pruning_results_are_monotone_enough_to_plot():
    prune = compression.load_pruning_results()
    layer = prune[prune.scope == "layer"].sort_values("sparsity")
    assert layer.val_loss.is_monotonic_increasing or layer.val_loss.iloc[-1] > 3
    assert prune[prune.scope == "2:4"].sparsity.iloc[0] == pytest.approx(0.5)
    assert set(prune.scope) == {"dense", "layer", "global", "2:4"}


def test_shipped_lora_results_show_learning_and_forgetting():
    r = adaptation.load_lora_results()
    assert r["lora"]["trainable"] / r["lora"]["total"] <= 0.02
    for mode in ("lora", "full"):
        assert r[mode]["french"] < r["base"]["french"] - 0.5  # appris
        assert r[mode]["shakespeare"] > r["base"]["shakespeare"] + 0.5  # oublié
    assert r["full"]["french"] < r["lora"]["french"]  # LoRA apprend moins
    assert r["full"]["shakespeare"] > r["lora"]["shakespeare"]  # et oublie moins
    assert r["lora"]["removed_equals_base"] and r["lora"]["merged_max_diff"] < 1e-4
    assert r["lora"]["bytes"] == (DATA_DIR / adaptation.ADAPTER_FILE).stat().st_size
    histories = adaptation.load_histories()
    assert list(histories["lora"].step) == list(range(0, 301, 50))


def test_shipped_adapter_merges_to_the_same_logits():
    adapted, tok = adaptation.load_lora_model()
    merged, _ = adaptation.load_lora_model(merge=True)
    x = torch.tensor([tok.encode("Bonjour mon ami, comment vas-tu ?")])
    with torch.no_grad():
        assert torch.allclose(merged(x), adapted(x), atol=1e-4)
        assert not math.isclose(float(adapted(x).sum()), 0.0)


def test_row_error_legend_sits_above_the_bars():
    import matplotlib.pyplot as plt

    ax = compression.plot_row_errors(torch.randn(6, 32))
    fig = ax.figure
    fig.canvas.draw()
    legend = ax.get_legend().get_window_extent()
    assert legend.y0 >= ax.get_window_extent().y1 - 1  # hors du cadre des barres
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        "une échelle pour la matrice",
        "une échelle par ligne",
    ]
    plt.close(fig)
