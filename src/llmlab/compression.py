"""Compresser le mini-GPT livré : quantification et élagage, mesurés.

Les leçons sont dans `llmlab.quantize` et `llmlab.prune` ; ce module
les applique au modèle de ``data/gpt`` et mesure ce qu'elles coûtent :
taille du fichier, erreur des poids, perte de validation (nats par
caractère, `llmlab.evaluation.nll_per_char`, sur les premiers
``VAL_CHARS`` caractères du texte que ``llmlab entrainer gpt`` garde
pour la validation). Un balayage prend quelques minutes : la commande
``uv run python scripts/measure_compression.py`` écrit les résultats
dans ``data/compression/`` et le deck les relit.
"""
from __future__ import annotations

from llmlab.display import french_number, table_markdown
from llmlab.shipped import VALIDATION_CHARS

#: Caractères de validation mesurés (sur 479 675) : les écarts entre
#: variantes sont mesurés sur les mêmes caractères, donc appariés.
VAL_CHARS = VALIDATION_CHARS

#: Les fichiers livrés (relatifs à ``data/``).
QUANT_FILE = "compression/quantization.csv"
PRUNE_FILE = "compression/pruning.csv"
COMMAND = "uv run python scripts/measure_compression.py"

#: Les quantifications mesurées : (étiquette, bits, portée, méthode).
QUANT_VARIANTS = (
    ("int8 absmax, par tenseur", 8, "tensor", "absmax"),
    ("int8 absmax, par canal", 8, "channel", "absmax"),
    ("int8 point zéro, par canal", 8, "channel", "zeropoint"),
    ("int4 absmax, par canal", 4, "channel", "absmax"),
    ("int4 absmax, groupes de 32", 4, 32, "absmax"),
)

#: Les taux d'élagage non structuré mesurés (le 2:4 vaut 50 %).
PRUNE_LEVELS = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)


def validation_loss(model, tokenizer, text) -> float:
    """Nats par caractère de ``text`` (fenêtres du contexte du
    modèle)."""
    from llmlab.evaluation import nll_per_char

    return nll_per_char(model, tokenizer, text,
                        model.cfg.context_length)


def _progress(items, progress, desc):
    from tqdm.auto import tqdm

    return tqdm(items, desc=desc, disable=not progress)


def measure_quantization(model, tokenizer, text,
                         variants=QUANT_VARIANTS, progress=True):
    """Un DataFrame, une ligne par variante (et FP32 en tête) :
    octets du fichier, rapport à FP32, erreur relative des poids,
    perte de validation et son écart à FP32."""
    import pandas as pd

    from llmlab.quantize import (fp32_size, quantize_model,
                                 quantized_state, serialized_size,
                                 weight_error)

    full = fp32_size(model)
    base = validation_loss(model, tokenizer, text)
    rows = [{"label": "FP32 (référence)", "bits": 32, "per": "",
             "method": "", "bytes": full, "ratio": 1.0,
             "weight_error": 0.0, "val_loss": base, "delta": 0.0}]
    for label, bits, per, method in _progress(variants, progress,
                                              "quantification"):
        quantized, codes = quantize_model(model, bits, per, method)
        size = serialized_size(quantized_state(quantized, codes))
        loss = validation_loss(quantized, tokenizer, text)
        rows.append({"label": label, "bits": bits, "per": str(per),
                     "method": method, "bytes": size,
                     "ratio": size / full,
                     "weight_error": weight_error(model, quantized),
                     "val_loss": loss, "delta": loss - base})
    return pd.DataFrame(rows)


def measure_pruning(model, tokenizer, text, levels=PRUNE_LEVELS,
                    progress=True):
    """Un DataFrame : perte de validation après élagage par
    magnitude, par couche puis global, à chaque taux, et en 2:4.
    Colonnes : scope, sparsity (mesurée), val_loss, delta."""
    import pandas as pd

    from llmlab.prune import prune_model, sparsity_of

    base = validation_loss(model, tokenizer, text)
    runs = [("dense", 0.0)] \
        + [(scope, s) for scope in ("layer", "global") for s in levels] \
        + [("2:4", 0.5)]
    rows = []
    for scope, level in _progress(runs, progress, "élagage"):
        if scope == "dense":
            pruned, loss = model, base
        else:
            pruned, _ = prune_model(
                model, level, "layer" if scope == "2:4" else scope,
                pattern="2:4" if scope == "2:4" else None)
            loss = validation_loss(pruned, tokenizer, text)
        rows.append({"scope": scope, "sparsity": sparsity_of(pruned),
                     "val_loss": loss, "delta": loss - base})
    return pd.DataFrame(rows)


def load_quantization_results():
    """Le DataFrame livré dans ``data/compression/quantization.csv``."""
    return _read(QUANT_FILE)


def load_pruning_results():
    """Le DataFrame livré dans ``data/compression/pruning.csv``."""
    return _read(PRUNE_FILE)


def _read(name):
    import pandas as pd

    from llmlab.data import data_path

    return pd.read_csv(data_path(name), keep_default_na=False)


# --------------------------------------------------------------------------
# Pour le deck
# --------------------------------------------------------------------------

def quantization_table(df) -> str:
    """Le tableau Markdown des quantifications : taille, rapport,
    erreur des poids, perte et écart (nats par caractère)."""
    rows = [(r.label, f"{french_number(r.bytes / 1000, 0)} ko",
             f"{french_number(r.ratio, 3)}×",
             f"{french_number(100 * r.weight_error, 1)} %",
             french_number(r.val_loss, 3),
             ("+" if r.delta > 0 else "") + french_number(r.delta, 3))
            for r in df.itertuples()]
    return table_markdown(rows, ["format", "fichier", "rapport",
                                 "erreur des poids", "perte", "écart"],
                          align="lrrrrr")


def plot_pruning(df, ax=None):
    """La perte de validation contre la fraction de poids nuls :
    par couche, global, et le point 2:4."""
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FuncFormatter

    from llmlab import style

    style.use()
    if ax is None:
        _, ax = plt.subplots(figsize=(9, 3.8), layout="constrained")
    dense = float(df.loc[df["scope"] == "dense", "val_loss"].iloc[0])
    labels = {"layer": "magnitude, par couche",
              "global": "magnitude, seuil global"}
    for scope, label in labels.items():
        part = df[df["scope"].isin([scope, "dense"])]
        ax.plot(100 * part["sparsity"], part["val_loss"], marker="o",
                label=label)
    semi = df[df["scope"] == "2:4"]
    ax.plot(100 * semi["sparsity"], semi["val_loss"], marker="*",
            markersize=16, linestyle="none", label="2:4 semi-structuré")
    ax.axhline(dense, linestyle=":", color="gray", label="modèle dense")
    ax.set_xlabel("poids nuls dans les couches linéaires (%)")
    ax.set_ylabel("perte de validation (nats/car.)")
    ax.xaxis.set_major_formatter(FuncFormatter(
        lambda v, _: french_number(v, 0)))
    ax.yaxis.set_major_formatter(FuncFormatter(
        lambda v, _: french_number(v, 1)))
    ax.legend()
    return ax
