"""Vitesse de l'entraîneur BPE du cours, mesurée contre l'algorithme direct.

    uv run python bench/bpe_train.py [--caracteres 1000000] [--fusions-reference 20]

Sur le même texte (le début des pièces de Shakespeare), jusqu'à 1 024 tokens :

* ``llmlab`` : ``BPETokenizer.train``, comptes de paires mis à jour seulement dans les
  morceaux qui contiennent la paire fusionnée (morceaux uniques, pondérés par leur fréquence) ;
* la référence directe, à la manière de minbpe : après chaque fusion, on recompte toutes les
  paires de tout le texte. Elle est trop lente pour aller jusqu'au bout : on la mesure sur ses
  premières fusions, puis on extrapole. Le coût d'une fusion est proportionnel à la longueur
  du texte en tokens, qui diminue à chaque fusion : l'extrapolation pondère donc chaque fusion
  par cette longueur (connue exactement grâce à ``merge_steps``), ce qui est plus prudent
  qu'une extrapolation linéaire (affichée aussi) ;
* Hugging Face ``tokenizers`` (Rust, plusieurs fils d'exécution) : la limite pratique.
"""

from __future__ import annotations

import argparse
import os
import time

from llmlab import tokenizers as T
from llmlab.data import load_shakespeare

VOCAB_SIZE = 1024


def naive_train(text: str, n_merges: int) -> list[tuple[int, int]]:
    """La référence : recompter toutes les paires de tout le texte après chaque fusion."""
    pieces = [list(c.encode("utf-8")) for c in T.regex.findall(T.GPT2_SPLIT_PATTERN, text)]
    merges = []
    for step in range(n_merges):
        counts = {}
        for ids in pieces:
            T.get_pair_counts(ids, counts)
        pair = max(counts, key=lambda p: (counts[p], -p[0], -p[1]))  # même règle d'égalité
        pieces = [T.merge(ids, pair, 256 + step) for ids in pieces]
        merges.append(pair)
    return merges


def hugging_face_train(text: str) -> float:
    """Durée de l'entraîneur BPE de Hugging Face, au niveau des octets, jusqu'à 1 024."""
    from tokenizers import Tokenizer, models, pre_tokenizers, trainers

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    trainer = trainers.BpeTrainer(
        vocab_size=VOCAB_SIZE,
        show_progress=False,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
    )
    start = time.perf_counter()
    tok.train_from_iterator([text], trainer)
    return time.perf_counter() - start


def fr(x: float, decimals: int = 1) -> str:
    return f"{x:,.{decimals}f}".replace(",", " ").replace(".", ",")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--caracteres", type=int, default=1_000_000)
    parser.add_argument("--fusions-reference", type=int, default=20)
    args = parser.parse_args()
    text = load_shakespeare()[: args.caracteres]
    n_merges, n_ref = VOCAB_SIZE - 256, args.fusions_reference
    print(
        f"Texte : {fr(len(text), 0)} caractères de Shakespeare "
        f"({fr(len(text.encode()) / 1e6, 2)} Mo), jusqu'à {fr(VOCAB_SIZE, 0)} tokens "
        f"({n_merges} fusions)."
    )

    start = time.perf_counter()
    ours = T.BPETokenizer().train(text, VOCAB_SIZE)
    t_ours = time.perf_counter() - start
    print(f"llmlab (comptes incrémentaux)     : {fr(t_ours, 2)} s")

    start = time.perf_counter()
    reference = naive_train(text, n_ref)
    t_ref = time.perf_counter() - start
    assert reference == list(ours.merges)[:n_ref], "la référence n'apprend pas les mêmes fusions"
    # coût de la fusion k ∝ longueur du texte avant la fusion k
    # (au départ, un token par octet ; ensuite, les longueurs que donne merge_steps)
    lengths = [len(text.encode())] + [s["n_tokens"] for s in T.merge_steps(text, n_merges - 1)]
    t_ref_weighted = t_ref * sum(lengths) / sum(lengths[:n_ref])
    t_ref_linear = t_ref * n_merges / n_ref
    print(
        f"référence directe (recomptage)    : {fr(t_ref, 2)} s pour {n_ref} fusions "
        f"(mêmes fusions que llmlab) ;"
    )
    print(
        f"  extrapolée à {n_merges} fusions      : {fr(t_ref_weighted, 0)} s selon la longueur"
        f" du texte à chaque fusion ({fr(t_ref_linear, 0)} s en linéaire)"
    )

    t_hf = hugging_face_train(text)
    threads = os.environ.get("RAYON_NUM_THREADS", str(os.cpu_count()))
    print(f"Hugging Face tokenizers (Rust)    : {fr(t_hf, 2)} s ({threads} fils possibles)")

    speedup = t_ref_weighted / t_ours
    print(
        f"llmlab est {fr(speedup)}× plus rapide que la référence directe et "
        f"{fr(t_ours / t_hf)}× plus lent que Hugging Face."
    )
    mark = "✓" if speedup >= 20 else "✗"
    print(
        f"objectif entraînement BPE jusqu'à 1 024 tokens, contre recomptage complet : "
        f"{fr(speedup)}× (cible ≥ 20×) {mark}"
    )


if __name__ == "__main__":
    main()
