"""Génération du mini-GPT avec et sans cache KV, dans la même exécution.

    uv run python bench/generate.py [--tokens 500] [--repetitions 3] [--threads N]

Sans cache, chaque nouveau token relit toute la séquence : le pas t coûte un passage avant
sur t tokens. Avec le cache KV, les clés et valeurs des tokens déjà lus sont gardées ; un pas
ne traite que le nouveau token. Les deux doivent donner les mêmes tokens (vérifié ici aussi).

Le modèle a la taille du modèle livré (4 couches, 4 têtes, 128 dimensions, 78 caractères),
poids au hasard, mais un contexte de 1 024 positions pour que les 500 tokens y tiennent :
le modèle livré n'a que 64 positions, et au-delà du contexte la fenêtre glisse, les
positions de tous les tokens changent à chaque pas et il n'y a plus rien à garder en cache.
La dernière ligne le mesure sur le modèle livré lui-même (information, sans cible).
"""

from __future__ import annotations

import argparse
import time

import torch

from llmlab.cli import GPT_DEFAULTS
from llmlab.display import french_number
from llmlab.gpt import GPT, GPTConfig


def tokens_per_s(model, idx, n, use_cache, repetitions):
    """(meilleur débit en nouveaux tokens/s, tokens produits)."""
    best, out = 0.0, None
    for _ in range(repetitions):
        gen = torch.Generator().manual_seed(0)
        start = time.perf_counter()
        out = model.generate(idx, n, temperature=0.8, use_cache=use_cache, generator=gen)
        best = max(best, n / (time.perf_counter() - start))
    return best, out


def compare(model, idx, n, repetitions):
    model.generate(idx, 5)  # échauffement
    cached, a = tokens_per_s(model, idx, n, True, repetitions)
    full, b = tokens_per_s(model, idx, n, False, repetitions)
    return cached, full, torch.equal(a, b)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tokens", type=int, default=500, help="nouveaux tokens")
    parser.add_argument("--repetitions", type=int, default=3, help="essais (le meilleur compte)")
    parser.add_argument("--threads", type=int, default=None, help="fils de calcul de torch")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    d = GPT_DEFAULTS
    torch.manual_seed(0)
    cfg = GPTConfig(
        vocab_size=78,
        context_length=1024,
        n_embd=d["n_embd"],
        n_head=d["n_head"],
        n_layer=d["n_layer"],
    )
    model = GPT(cfg).eval()
    idx = torch.randint(0, 78, (1, 8))
    print(
        f"GPT {d['n_layer']} couches, {d['n_head']} têtes, {d['n_embd']} dimensions, "
        f"contexte 1 024 ; début de 8 tokens, {args.tokens} nouveaux ; "
        f"{torch.get_num_threads()} fils"
    )
    cached, full, same = compare(model, idx, args.tokens, args.repetitions)
    ratio = cached / full
    print(f"sans cache KV : {french_number(full, 0)} tokens/s")
    print(f"avec cache KV : {french_number(cached, 0)} tokens/s")

    from llmlab.shipped import load_shipped_gpt

    shipped, tokenizer, _, _ = load_shipped_gpt()
    idx = torch.tensor([tokenizer.encode("ROMEO:\n")])
    s_cached, s_full, s_same = compare(shipped, idx, args.tokens, 1)
    print(
        f"modèle livré (contexte {shipped.cfg.context_length}, information) : "
        f"{french_number(s_cached, 0)} tokens/s avec cache, {french_number(s_full, 0)} sans "
        f"({french_number(s_cached / s_full, 2)}×) ; mêmes tokens : "
        f"{'oui' if s_same else 'non'}"
    )
    print(
        f"objectif génération avec cache KV : {french_number(ratio, 2)}× sans cache "
        f"(cible ≥ 3×) {'✓' if ratio >= 3 else '✗'}"
    )
    print(
        f"objectif mêmes tokens avec et sans cache : {'oui' if same else 'non'} "
        f"(cible oui) {'✓' if same else '✗'}"
    )


if __name__ == "__main__":
    main()
