"""Mesure la quantification et l'élagage du mini-GPT livré ; écrit ``data/compression/``.

    uv run python scripts/measure_compression.py             # mesure et écrit les CSV
    uv run python scripts/measure_compression.py --verifier  # compare aux CSV livrés

Pour chaque variante : taille du fichier (``torch.save`` des entiers, des échelles et du
reste en float32, contre le ``state_dict`` float32), erreur relative des poids, perte de
validation en nats par caractère sur les 100 000 premiers caractères de la validation de
Shakespeare (`llmlab.compression.VAL_CHARS`). La ligne « torchao » est la référence :
`torchao.quantization.quantize_` avec `Int8WeightOnlyConfig` (int8 par canal, poids
seuls), ce que la documentation de torch conseille depuis que
`torch.ao.quantization.quantize_dynamic` est déprécié. torchao est une dépendance de
développement : sans elle, la ligne est omise.

Un fil de calcul (`torch.set_num_threads(1)`) : les mêmes additions dans le même ordre,
donc les mêmes pertes, octet pour octet, d'une exécution à l'autre sur cette machine.
Environ 3 minutes au repos sur un cœur (10 sur une machine chargée).
"""

from __future__ import annotations

import argparse
import copy
import io
import sys
import warnings

import torch

from llmlab import compression as C
from llmlab.data import DATA_DIR, sha256_file
from llmlab.shipped import load_shipped_gpt, shakespeare_validation


def torchao_row(model, tokenizer, text, base: float, full: int) -> dict | None:
    """La même mesure pour la quantification int8 par canal de torchao."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            from torchao.quantization import Int8WeightOnlyConfig, quantize_
    except ImportError:
        print("torchao absent : pas de ligne de référence (uv sync --group dev).")
        return None
    from llmlab.quantize import weight_matrices

    reference = copy.deepcopy(model)
    targets = {id(m) for _, m in weight_matrices(reference)}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        quantize_(
            reference,
            Int8WeightOnlyConfig(),
            filter_fn=lambda m, _: id(m) in targets and isinstance(m, torch.nn.Linear),
        )
    buffer = io.BytesIO()
    torch.save(reference.state_dict(), buffer)
    size = buffer.getbuffer().nbytes
    loss = C.validation_loss(reference, tokenizer, text)
    return {
        "label": "torchao int8 par canal (réf.)",
        "bits": 8,
        "per": "channel",
        "method": "torchao",
        "bytes": size,
        "ratio": size / full,
        "weight_error": float("nan"),
        "val_loss": loss,
        "delta": loss - base,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--verifier",
        action="store_true",
        help="mesurer et comparer aux fichiers livrés, sans rien écrire",
    )
    args = parser.parse_args()
    torch.set_num_threads(1)
    model, tokenizer, _, _ = load_shipped_gpt()
    text = shakespeare_validation(C.VAL_CHARS)
    quant = C.measure_quantization(model, tokenizer, text)
    row = torchao_row(model, tokenizer, text, float(quant.val_loss[0]), int(quant.bytes[0]))
    if row is not None:
        quant.loc[len(quant)] = row
    prune = C.measure_pruning(model, tokenizer, text)
    print(quant.to_string())
    print(prune.to_string())
    out = {C.QUANT_FILE: quant, C.PRUNE_FILE: prune}
    if args.verifier:
        ok = True
        for name, df in out.items():
            shipped = (DATA_DIR / name).read_text(encoding="utf-8")
            same = shipped == df.to_csv(index=False, float_format="%.6g")
            print(f"{name} : {'identique' if same else 'DIFFÉRENT'}")
            ok &= same
        return 0 if ok else 1
    for name, df in out.items():
        path = DATA_DIR / name
        path.parent.mkdir(parents=True, exist_ok=True)
        df.to_csv(path, index=False, float_format="%.6g")
        print(f"{name} : {sha256_file(path)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
