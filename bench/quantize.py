"""Quantification du mini-GPT livré : taille du fichier et perte, contre FP32 et torchao.

    uv run python bench/quantize.py [--caracteres 100000] [--threads 1]

Le modèle livré (``data/gpt``, 811 520 paramètres) est quantifié par `llmlab.quantize` :
toutes ses matrices (`nn.Linear` et `nn.Embedding`, la tête étant liée à l'embedding des
tokens), biais et LayerNorm restant en float32. Taille : `torch.save` des entiers (deux par
octet en 4 bits), des échelles (float32) et du reste, contre `torch.save` du `state_dict`
float32. Perte : nats par caractère sur les premiers caractères de la validation de
Shakespeare (`llmlab.compression.validation_loss`), les mêmes pour toutes les variantes.

Référence mesurée dans la même exécution : `torchao.quantization.quantize_` avec
`Int8WeightOnlyConfig` (int8 par canal, poids seuls, sur les `nn.Linear`).
`torch.ao.quantization.quantize_dynamic`, que demandait l'issue, est **déprécié** dans ce
torch (2.15 : « torch.ao.quantization is deprecated … please migrate to use torchao eager
mode quantize_ API ») ; il marche encore et sa ligne est imprimée pour information. Il
quantifie aussi la tête : le lien avec l'embedding est rompu, l'embedding float32 reste et
s'ajoute au fichier.
"""

from __future__ import annotations

import argparse
import copy
import io
import time
import warnings

import torch

from llmlab.compression import validation_loss
from llmlab.display import french_number
from llmlab.quantize import (
    fp32_size,
    quantize_model,
    quantized_state,
    serialized_size,
    weight_error,
    weight_matrices,
)
from llmlab.shipped import load_shipped_gpt, shakespeare_validation

VARIANTS = (
    ("int8 absmax par tenseur", 8, "tensor", "absmax"),
    ("int8 absmax par canal", 8, "channel", "absmax"),
    ("int8 point zéro par canal", 8, "channel", "zeropoint"),
    ("int4 absmax par canal", 4, "channel", "absmax"),
    ("int4 absmax groupes de 32", 4, 32, "absmax"),
)


def signed(x: float, decimals: int = 4) -> str:
    """« +0,0113 », « −0,0001 » : le signe toujours écrit."""
    return ("+" if x >= 0 else "−") + french_number(abs(x), decimals)


def saved_size(model) -> int:
    buffer = io.BytesIO()
    torch.save(model.state_dict(), buffer)
    return buffer.getbuffer().nbytes


def torchao_model(model):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from torchao.quantization import Int8WeightOnlyConfig, quantize_

        reference = copy.deepcopy(model)
        targets = {id(m) for _, m in weight_matrices(reference)}
        quantize_(
            reference,
            Int8WeightOnlyConfig(),
            filter_fn=lambda m, _: id(m) in targets and isinstance(m, torch.nn.Linear),
        )
    return reference


def dynamic_model(model):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return torch.ao.quantization.quantize_dynamic(
            copy.deepcopy(model), {torch.nn.Linear}, dtype=torch.qint8
        )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--caracteres",
        type=int,
        default=100_000,
        help="caractères de validation mesurés (défaut : 100 000)",
    )
    parser.add_argument("--threads", type=int, default=1, help="fils de calcul (défaut : 1)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    start = time.perf_counter()
    model, tokenizer, _, _ = load_shipped_gpt()
    text = shakespeare_validation(args.caracteres)
    full = fp32_size(model)
    base = validation_loss(model, tokenizer, text)
    print(
        f"mini-GPT livré : {french_number(model.num_parameters(), 0)} paramètres ; "
        f"{torch.get_num_threads()} fil(s) ; {french_number(len(text), 0)} caractères de "
        "validation"
    )
    print(
        f"{'format':32} {'fichier':>10} {'rapport':>8} {'err. poids':>10} {'perte':>7} {'écart':>7}"
    )

    def line(label, size, loss, error=None):
        err = "—" if error is None else f"{french_number(100 * error, 2)} %"
        print(
            f"{label:32} {french_number(size / 1000, 0):>7} ko {french_number(size / full, 3):>7}× "
            f"{err:>10} {french_number(loss, 4):>7} {signed(loss - base):>7}"
        )
        return size / full, loss - base

    line("FP32", full, base, 0.0)
    found = {}
    for label, bits, per, method in VARIANTS:
        quantized, codes = quantize_model(model, bits, per, method)
        size = serialized_size(quantized_state(quantized, codes))
        found[label] = line(
            label, size, validation_loss(quantized, tokenizer, text), weight_error(model, quantized)
        )
    try:
        reference = torchao_model(model)
    except ImportError:
        print("torchao absent (uv sync --group dev) : pas de référence")
        reference = None
    if reference is not None:
        found["torchao"] = line(
            "torchao int8 par canal (réf.)",
            saved_size(reference),
            validation_loss(reference, tokenizer, text),
        )
    dynamic = dynamic_model(model)
    line(
        "quantize_dynamic (déprécié)",
        saved_size(dynamic),
        validation_loss(dynamic, tokenizer, text),
    )
    ratio, delta = found["int8 absmax par canal"]
    if "torchao" in found:
        ref_ratio, ref_delta = found["torchao"]
        print(
            f"contre torchao : fichier {french_number(ratio / ref_ratio, 3)}× le sien, écart de "
            f"perte {signed(delta)} contre {signed(ref_delta)} nat"
        )
    r4, d4 = found["int4 absmax groupes de 32"]
    print(
        f"4 bits (groupes de 32) : {french_number(r4, 3)}× FP32, écart de perte "
        f"{signed(d4)} nat (information)"
    )
    print(f"durée : {french_number(time.perf_counter() - start, 0)} s")
    print(
        f"objectif int8 par canal, taille : {french_number(ratio, 3)}× FP32 (cible ≤ 0,27×) "
        f"{'✓' if ratio <= 0.27 else '✗'}"
    )
    print(
        f"objectif int8 par canal, perte : {signed(delta)} nat (cible ≤ +0,02) "
        f"{'✓' if delta <= 0.02 else '✗'}"
    )


if __name__ == "__main__":
    main()
