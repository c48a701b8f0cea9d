"""Adapter le mini-GPT livré au français : LoRA contre affinage complet.

Le mini-GPT a appris Shakespeare, caractère par caractère ; on
l'affine sur le petit corpus français du cours (`llmlab.data`), de
deux façons, avec la boucle du cours (`llmlab.training.train`) :

* **LoRA** (`llmlab.lora`) sur les projections de l'attention
  (``qkv`` et ``out_proj``), rang 4 : 1,5 % des paramètres ;
* **affinage complet** : tous les poids.

Puis on mesure la perte sur le français (appris ?) et sur
Shakespeare (oublié ?). Le vocabulaire du modèle est celui de
Shakespeare : 78 caractères, sans accents. `fit_to_vocabulary`
retire donc les accents (« é » → « e »), écrit « œ » « oe », les
guillemets « » en ", « … » en « ... », et supprime le reste (et
le compte). La commande ``uv run python scripts/train_lora.py``
refait l'expérience et écrit ``data/lora/`` : l'adaptateur, les
historiques et les pertes, que le deck relit.
"""

from __future__ import annotations

import json
import unicodedata
from collections import Counter

#: Les fichiers livrés (relatifs à ``data/``).
LORA_DIR = "lora"
ADAPTER_FILE = "lora/adapter.pt"
RESULTS_FILE = "lora/results.json"
HISTORY_FILES = {"lora": "lora/history-lora.csv", "full": "lora/history-full.csv"}
COMMAND = "uv run python scripts/train_lora.py"

#: L'adaptateur : rang, α, couches visées.
LORA = {"r": 4, "alpha": 8.0, "targets": ("qkv", "out_proj")}

#: Réglages des deux affinages (mêmes lots, mêmes pas) ; LoRA prend
#: un taux plus grand, comme d'usage : il part de B = 0.
FINETUNE = {
    "steps": 300,
    "batch_size": 12,
    "eval_every": 50,
    "eval_batches": 20,
    "seed": 1337,
    "lr": {"lora": 3e-3, "full": 3e-4},
}

#: Ce que la décomposition NFD ne défait pas.
REPLACEMENTS = {
    "œ": "oe",
    "Œ": "Oe",
    "æ": "ae",
    "«": '"',
    "»": '"',
    "…": "...",
    "’": "'",
    "‘": "'",
    "\u00a0": " ",
    "\u202f": " ",
}


def fit_to_vocabulary(text: str, chars) -> tuple[str, dict]:
    """``text`` récrit avec les seuls caractères de ``chars``.

    Accents retirés (NFD puis sans les marques combinantes),
    `REPLACEMENTS` appliqués, les autres caractères inconnus
    supprimés. Rend (texte, comptes) : ``{"remplacés": Counter,
    "supprimés": Counter}`` des caractères d'origine.
    """
    known = set(chars)
    out, replaced, dropped = [], Counter(), Counter()
    for ch in text:
        if ch in known:
            out.append(ch)
            continue
        new = REPLACEMENTS.get(ch)
        if new is None:
            base = unicodedata.normalize("NFD", ch)
            new = "".join(c for c in base if not unicodedata.combining(c))
        if new and all(c in known for c in new):
            out.append(new)
            replaced[ch] += 1
        else:
            dropped[ch] += 1
    return "".join(out), {"remplacés": replaced, "supprimés": dropped}


def french_text(tokenizer) -> str:
    """Le corpus français du cours, dans le vocabulaire du
    tokenizer de caractères ``tokenizer``."""
    from llmlab.data import load_french_corpus

    return fit_to_vocabulary(load_french_corpus(), tokenizer.chars)[0]


def french_split(tokenizer) -> tuple[str, str]:
    """(entraînement, validation) du français : les 10 % de fin
    pour la validation, comme `llmlab.training.split_text`."""
    from llmlab.training import split_text

    return split_text(french_text(tokenizer))


def finetune(model, tokenizer, mode: str = "lora", steps=None, progress=True):
    """Affine ``model`` (sur place) sur le français : ``mode`` vaut
    « lora » (`apply_lora` avec `LORA`, puis seuls A et B
    apprennent) ou « full » (tous les poids). Rend le
    `TrainResult` de `llmlab.training.train` (sur le processeur,
    sans checkpoint : quelques minutes au plus)."""
    import torch

    from llmlab.lora import apply_lora
    from llmlab.training import TokenData, TrainConfig, train

    if mode not in FINETUNE["lr"]:
        raise ValueError(f"mode vaut « lora » ou « full » (reçu : {mode!r}).")
    cfg = FINETUNE
    block = model.cfg.context_length
    data = TokenData.from_split_text(french_text(tokenizer), tokenizer, block)
    if mode == "lora":
        torch.manual_seed(cfg["seed"])  # les tirages de A
        apply_lora(model, LORA["targets"], LORA["r"], LORA["alpha"])
    config = TrainConfig(
        max_steps=steps or cfg["steps"],
        batch_size=cfg["batch_size"],
        block_size=block,
        learning_rate=cfg["lr"][mode],
        eval_every=cfg["eval_every"],
        eval_batches=cfg["eval_batches"],
        seed=cfg["seed"],
        checkpoint_seconds=None,
    )
    return train(model, data, config, device="cpu", progress=progress)


def losses(model, tokenizer, shakespeare: str) -> dict:
    """Pertes de validation (nats par caractère) sur le français et
    sur ``shakespeare``."""
    from llmlab.evaluation import nll_per_char

    block = model.cfg.context_length
    return {
        "french": nll_per_char(model, tokenizer, french_split(tokenizer)[1], block),
        "shakespeare": nll_per_char(model, tokenizer, shakespeare, block),
    }


# --------------------------------------------------------------------------
# Les résultats livrés
# --------------------------------------------------------------------------


def load_lora_results() -> dict:
    """Le contenu de ``data/lora/results.json``."""
    from llmlab.data import data_path

    return json.loads(data_path(RESULTS_FILE).read_text(encoding="utf-8"))


def load_histories() -> dict:
    """{« lora », « full »} -> historique d'entraînement (DataFrame)."""
    import pandas as pd

    from llmlab.data import data_path

    return {mode: pd.read_csv(data_path(name)) for mode, name in HISTORY_FILES.items()}


def load_lora_model(merge: bool = False):
    """Le mini-GPT livré avec l'adaptateur français de
    ``data/lora/adapter.pt`` : ``(modèle, tokenizer)``. Avec
    ``merge=True``, l'adaptateur est fusionné dans les poids."""
    import torch

    from llmlab.data import data_path
    from llmlab.lora import apply_lora, load_lora, merge_lora
    from llmlab.shipped import load_shipped_gpt

    model, tokenizer, _, _ = load_shipped_gpt()
    apply_lora(model, LORA["targets"], LORA["r"], LORA["alpha"])
    state = torch.load(data_path(ADAPTER_FILE), weights_only=True)
    load_lora(model, state)
    if merge:
        merge_lora(model)
    return model.eval(), tokenizer


def forgetting_table(results: dict) -> str:
    """Le tableau Markdown : pertes avant et après chaque affinage,
    sur le français et sur Shakespeare, et les paramètres appris."""
    from llmlab.display import french_count, french_number, table_markdown

    names = {"base": "modèle livré", "lora": "LoRA (r = 4)", "full": "affinage complet"}
    rows = []
    for key, label in names.items():
        r = results[key]
        rows.append(
            (
                label,
                french_count(r["trainable"]),
                french_number(r["french"], 2),
                french_number(r["shakespeare"], 2),
            )
        )
    return table_markdown(
        rows, ["", "paramètres appris", "perte français", "perte Shakespeare"], align="lrrr"
    )


def plot_histories(histories: dict, ax=None):
    """Les pertes de validation (français) des deux affinages."""
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FuncFormatter

    from llmlab import style
    from llmlab.display import french_number

    style.use()
    if ax is None:
        _, ax = plt.subplots(figsize=(9, 3.6), layout="constrained")
    labels = {"lora": "LoRA", "full": "affinage complet"}
    for mode, history in histories.items():
        ax.plot(history["step"], history["val_loss"], marker="o", label=labels.get(mode, mode))
    ax.set_xlabel("pas d'affinage")
    ax.set_ylabel("perte de validation (français)")
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: french_number(v, 1)))
    ax.legend()
    return ax


def plot_lora_shapes(d_out: int, d_in: int, r: int, ax=None):
    """W (d_out × d_in, gelée), puis B (d_out × r) et A (r × d_in),
    à la même échelle : ce qui apprend est mince."""
    import matplotlib.pyplot as plt
    from matplotlib.patches import Rectangle

    from llmlab import style
    from llmlab.display import french_number

    style.use()
    accent = style.read_palette()["accent"]
    if ax is None:
        _, ax = plt.subplots(figsize=(10, 3.4), layout="constrained")
    unit = 1 / max(d_out, d_in)
    h, w, t = d_out * unit, d_in * unit, max(r * unit, 0.012)
    xb = w + 0.25
    xa = xb + t + 0.25
    boxes = [
        (0, 0, w, h, "0.85", f"W, gelée\n{d_out} × {d_in}"),
        (xb, 0, t, h, accent, f"B\n{d_out} × {r}"),
        (xa, h - t, w, t, accent, f"A\n{r} × {d_in}"),
    ]
    for x, y, bw, bh, color, label in boxes:
        ax.add_patch(Rectangle((x, y), bw, bh, facecolor=color, edgecolor="black"))
        ax.text(x + bw / 2, -0.04, label, ha="center", va="top")
    ax.text(w + 0.125, h / 2, "+", ha="center", va="center", fontsize=26)
    ax.text(xb + t + 0.125, h - t / 2, "·", ha="center", va="center", fontsize=26)
    share = r * (d_in + d_out) / (d_in * d_out)
    ax.text(
        xa + w + 0.12,
        h / 2,
        f"appris : r·(entrée + sortie)\n"
        f"= {french_number(r * (d_in + d_out), 0)} nombres\n"
        f"au lieu de {french_number(d_in * d_out, 0)}\n"
        f"({french_number(100 * share, 1)} %)",
        va="center",
    )
    ax.set_xlim(-0.05, xa + w + 1.1)
    ax.set_ylim(-0.3, h + 0.05)
    ax.set_aspect("equal")
    ax.axis("off")
    return ax
