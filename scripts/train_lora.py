"""Affine le mini-GPT livré sur le corpus français, par LoRA et en entier ; écrit ``data/lora/``.

    uv run python scripts/train_lora.py             # les deux affinages, puis les fichiers
    uv run python scripts/train_lora.py --verifier  # refait tout et compare aux fichiers livrés

Réglages : `llmlab.adaptation.LORA` (rang 4, α = 8, sur ``qkv`` et ``out_proj`` de chaque
bloc) et `llmlab.adaptation.FINETUNE` (300 pas de 12 séquences de 64 caractères ; taux
3·10⁻³ pour LoRA, 3·10⁻⁴ pour l'affinage complet). Les pertes sont en nats par caractère :
français sur ses 10 % de validation, Shakespeare sur les 100 000 premiers caractères de la
validation du modèle livré (`llmlab.shipped.VALIDATION_CHARS`).

Fichiers écrits : ``adapter.pt`` (A et B de chaque couche, ``torch.save``),
``history-lora.csv`` et ``history-full.csv`` (pas, pertes d'entraînement et de validation,
sans les durées : les fichiers se refont octet pour octet), ``results.json`` (pertes avant
et après, paramètres, tailles, caractères remplacés ou supprimés, échantillons). Un fil de
calcul : mêmes additions, mêmes octets. Environ 1 minute au repos, 5 sur une machine chargée.
"""

from __future__ import annotations

import argparse
import copy
import io
import json
import sys
import time

import torch

from llmlab import adaptation as A
from llmlab.data import DATA_DIR, load_french_corpus, sha256_file
from llmlab.lora import lora_state_dict, merge_lora, remove_lora, trainable_share
from llmlab.quantize import fp32_size
from llmlab.sampling import generate_text
from llmlab.shipped import VALIDATION_CHARS, load_shipped_gpt, shakespeare_validation

PROMPT = "Bonjour mon "


def sample(model, tokenizer) -> str:
    return generate_text(model, tokenizer, PROMPT, 80, seed=0, temperature=0.8)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--verifier",
        action="store_true",
        help="refaire les affinages et comparer aux fichiers livrés",
    )
    args = parser.parse_args()
    torch.set_num_threads(1)
    base, tokenizer, _, _ = load_shipped_gpt()
    shakespeare = shakespeare_validation(VALIDATION_CHARS)
    _, counts = A.fit_to_vocabulary(load_french_corpus(), tokenizer.chars)
    results = {
        "lora": {},
        "full": {},
        "settings": {
            "lora": {**A.LORA, "targets": list(A.LORA["targets"])},
            "finetune": A.FINETUNE,
        },
        "shakespeare_chars": len(shakespeare),
        "prompt": PROMPT,
        "french": {
            "chars": len(A.french_text(tokenizer)),
            **{k: dict(v.most_common()) for k, v in counts.items()},
        },
    }
    total = sum(p.numel() for p in base.parameters())
    results["base"] = {
        **A.losses(base, tokenizer, shakespeare),
        "trainable": 0,
        "total": total,
        "bytes": fp32_size(base),
        "sample": sample(base, tokenizer),
    }
    histories, models = {}, {}
    for mode in ("lora", "full"):
        model = copy.deepcopy(base)
        t0 = time.perf_counter()
        result = A.finetune(model, tokenizer, mode)
        seconds = time.perf_counter() - t0
        trainable, params = trainable_share(model)
        histories[mode] = result.history[["step", "train_loss", "val_loss"]]
        results[mode] = {
            **A.losses(model, tokenizer, shakespeare),
            "trainable": trainable,
            "total": params,
            "sample": sample(model, tokenizer),
        }
        models[mode] = model
        print(f"{mode} : {seconds:.0f} s, {trainable} paramètres appris sur {params}")
    lora = models["lora"]
    adapter = lora_state_dict(lora)
    buffer = io.BytesIO()
    torch.save(adapter, buffer)
    results["lora"]["bytes"] = buffer.getbuffer().nbytes
    results["full"]["bytes"] = fp32_size(models["full"])
    x = torch.randint(
        tokenizer.vocab_size,
        (4, base.cfg.context_length),
        generator=torch.Generator().manual_seed(0),
    )
    with torch.no_grad():
        adapted = lora(x)
        merged = merge_lora(copy.deepcopy(lora))(x)
        removed = remove_lora(copy.deepcopy(lora))(x)
        results["lora"]["merged_max_diff"] = float((merged - adapted).abs().max())
        results["lora"]["removed_equals_base"] = bool(torch.equal(removed, base(x)))
    print(json.dumps(results, ensure_ascii=False, indent=1))
    files = {A.RESULTS_FILE: json.dumps(results, ensure_ascii=False, indent=1) + "\n"}
    for mode, name in A.HISTORY_FILES.items():
        files[name] = histories[mode].to_csv(index=False, float_format="%.6g")
    if args.verifier:
        same = all((DATA_DIR / n).read_text(encoding="utf-8") == t for n, t in files.items())
        buffer.seek(0)
        same &= (DATA_DIR / A.ADAPTER_FILE).read_bytes() == buffer.getvalue()
        print("identique aux fichiers livrés" if same else "DIFFÉRENT des fichiers livrés")
        return 0 if same else 1
    (DATA_DIR / A.LORA_DIR).mkdir(parents=True, exist_ok=True)
    (DATA_DIR / A.ADAPTER_FILE).write_bytes(buffer.getvalue())
    for name, text in files.items():
        (DATA_DIR / name).write_text(text, encoding="utf-8")
    for name in (A.ADAPTER_FILE, *files):
        print(f"{name} : {sha256_file(DATA_DIR / name)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
