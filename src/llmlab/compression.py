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

    return nll_per_char(model, tokenizer, text, model.cfg.context_length)


def _progress(items, progress, desc):
    from llmlab.display import progress_bar

    return progress_bar(items, desc=desc, unit="variantes", disable=not progress)


def measure_quantization(model, tokenizer, text, variants=QUANT_VARIANTS, progress=True):
    """Un DataFrame, une ligne par variante (et FP32 en tête) :
    octets du fichier, rapport à FP32, erreur relative des poids,
    perte de validation et son écart à FP32."""
    import pandas as pd

    from llmlab.quantize import (
        fp32_size,
        quantize_model,
        quantized_state,
        serialized_size,
        weight_error,
    )

    full = fp32_size(model)
    base = validation_loss(model, tokenizer, text)
    rows = [
        {
            "label": "FP32 (référence)",
            "bits": 32,
            "per": "",
            "method": "",
            "bytes": full,
            "ratio": 1.0,
            "weight_error": 0.0,
            "val_loss": base,
            "delta": 0.0,
        }
    ]
    for label, bits, per, method in _progress(variants, progress, "quantification"):
        quantized, codes = quantize_model(model, bits, per, method)
        size = serialized_size(quantized_state(quantized, codes))
        loss = validation_loss(quantized, tokenizer, text)
        rows.append(
            {
                "label": label,
                "bits": bits,
                "per": str(per),
                "method": method,
                "bytes": size,
                "ratio": size / full,
                "weight_error": weight_error(model, quantized),
                "val_loss": loss,
                "delta": loss - base,
            }
        )
    return pd.DataFrame(rows)


def measure_pruning(model, tokenizer, text, levels=PRUNE_LEVELS, progress=True):
    """Un DataFrame : perte de validation après élagage par
    magnitude, par couche puis global, à chaque taux, et en 2:4.
    Colonnes : scope, sparsity (mesurée), val_loss, delta."""
    import pandas as pd

    from llmlab.prune import prune_model, sparsity_of

    base = validation_loss(model, tokenizer, text)
    runs = (
        [("dense", 0.0)]
        + [(scope, s) for scope in ("layer", "global") for s in levels]
        + [("2:4", 0.5)]
    )
    rows = []
    for scope, level in _progress(runs, progress, "élagage"):
        if scope == "dense":
            pruned, loss = model, base
        else:
            pruned, _ = prune_model(
                model,
                level,
                "layer" if scope == "2:4" else scope,
                pattern="2:4" if scope == "2:4" else None,
            )
            loss = validation_loss(pruned, tokenizer, text)
        rows.append(
            {
                "scope": scope,
                "sparsity": sparsity_of(pruned),
                "val_loss": loss,
                "delta": loss - base,
            }
        )
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

    df = pd.read_csv(data_path(name))
    text = [c for c in ("label", "per", "method", "scope") if c in df]
    df[text] = df[text].fillna("").astype(str)
    return df


# --------------------------------------------------------------------------
# Pour le deck
# --------------------------------------------------------------------------


def quantization_table(df) -> str:
    """Le tableau Markdown des quantifications : taille, rapport,
    erreur des poids, perte et écart (nats par caractère)."""
    import math

    def error(x):
        return "—" if math.isnan(x) else f"{french_number(100 * x, 1)} %"

    def signed(x):
        return ("+" if x > 0 else "−" if x < 0 else "") + french_number(abs(x), 4)

    rows = [
        (
            r.label,
            f"{french_number(r.bytes / 1000, 0)} ko",
            f"{french_number(r.ratio, 3)}×",
            error(r.weight_error),
            french_number(r.val_loss, 3),
            signed(r.delta),
        )
        for r in df.itertuples()
    ]
    return table_markdown(
        rows, ["format", "fichier", "rapport", "erreur des poids", "perte", "écart"], align="lrrrrr"
    )


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
    labels = {"layer": "magnitude, par couche", "global": "magnitude, seuil global"}
    for scope, label in labels.items():
        part = df[df["scope"].isin([scope, "dense"])]
        ax.plot(100 * part["sparsity"], part["val_loss"], marker="o", label=label)
    semi = df[df["scope"] == "2:4"]
    ax.plot(
        100 * semi["sparsity"],
        semi["val_loss"],
        marker="*",
        markersize=16,
        linestyle="none",
        label="2:4 semi-structuré",
    )
    ax.axhline(dense, linestyle=":", color="gray", label="modèle dense")
    ax.set_xlabel("poids nuls dans les couches linéaires (%)")
    ax.set_ylabel("perte de validation (nats/car.)")
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: french_number(v, 0)))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: french_number(v, 1)))
    ax.legend()
    return ax


#: Octets par poids de chaque format (4 bits : deux poids par octet).
BYTES_PER_WEIGHT = {"FP32": 4, "FP16 / BF16": 2, "int8": 1, "int4": 0.5}


def memory_table(models: dict) -> str:
    """Le tableau Markdown de la place des poids seuls (sans
    échelles ni optimiseur) : ``models`` = {nom: paramètres}."""
    from llmlab.display import french_general

    def size(n_bytes):
        for unit, scale in (("Go", 1e9), ("Mo", 1e6), ("ko", 1e3)):
            if n_bytes >= scale:
                return f"{french_general(n_bytes / scale, 3)} {unit}"
        return f"{french_number(n_bytes, 0)} o"

    rows = [(name, *(size(n * b) for b in BYTES_PER_WEIGHT.values())) for name, n in models.items()]
    return table_markdown(rows, ["modèle", *BYTES_PER_WEIGHT], align="lrrrr")


def plot_row_errors(w, ax=None):
    """Erreur moyenne de chaque ligne de ``w`` après int8 absmax,
    échelle par tenseur contre échelle par ligne (par canal)."""
    import matplotlib.pyplot as plt
    import numpy as np

    from llmlab import style
    from llmlab.quantize import absmax_dequantize, absmax_quantize

    style.use()
    if ax is None:
        _, ax = plt.subplots(figsize=(9, 3.4), layout="constrained")
    rows = np.arange(w.shape[0])
    for shift, (per, label) in zip(
        (-0.2, 0.2),
        (("tensor", "une échelle pour la matrice"), ("channel", "une échelle par ligne")),
    ):
        err = absmax_dequantize(*absmax_quantize(w, 8, per)) - w
        ax.bar(rows + shift, err.abs().mean(dim=1).numpy(), width=0.4, label=label)
    ax.set_yscale("log")
    ax.set_xlabel("ligne de la matrice (canal de sortie)")
    ax.set_ylabel("erreur moyenne |W − Ŵ|")
    ax.set_xticks(rows)
    # Au-dessus du graphique : dans le cadre, la légende cachait les barres.
    ax.legend(ncol=2, loc="lower left", bbox_to_anchor=(0, 1.01), frameon=False)
    return ax


def plot_masks(w, sparsity: float = 0.5, axes=None):
    """Les poids en valeur absolue et ceux que gardent deux
    masques, côte à côte : magnitude (``sparsity``) et 2:4."""
    import matplotlib.pyplot as plt

    from llmlab import style
    from llmlab.prune import magnitude_mask, semi_structured_mask

    style.use()
    if axes is None:
        _, axes = plt.subplots(1, 3, figsize=(10, 2.6), layout="constrained")
    panels = [
        ("|W|", w.abs()),
        (f"magnitude, {french_number(100 * sparsity, 0)} %", w.abs() * magnitude_mask(w, sparsity)),
        ("2:4", w.abs() * semi_structured_mask(w)),
    ]
    for ax, (title, values) in zip(axes, panels):
        ax.imshow(values.numpy(), cmap="Greys", vmin=0)
        ax.set_title(title)
        ax.set_xticks([])
        ax.set_yticks([])
    accent = style.read_palette()["accent"]
    for x in range(3, w.shape[1] - 1, 4):  # les groupes de 4
        axes[2].axvline(x + 0.5, color=accent, linewidth=1.5)
    return axes
