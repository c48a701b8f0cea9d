"""Vitesse d'entraînement du GRU du cours contre torch.nn.GRU nu, dans la même exécution.

    uv run python bench/train_gru.py [--pas 40] [--repetitions 8]

`GRULanguageModel` (embedding → torch.nn.GRU → tête linéaire) doit coûter le même temps
qu'un torch.nn.GRU enveloppé à la main de la même façon (mêmes tailles, même lot, même
optimiseur AdamW) : notre enveloppe ne doit rien ajouter. On alterne les essais et on
garde le meilleur de chaque côté, pour que la charge de la machine pèse pareil sur les deux.
"""

from __future__ import annotations

import argparse
import time

import torch
import torch.nn.functional as F
from torch import nn

from llmlab.cli import GRU_DEFAULTS
from llmlab.display import french_number
from llmlab.gru import GRULanguageModel


class ReferenceGRU(nn.Module):
    """La référence : les trois couches de torch, sans rien autour."""

    def __init__(self, vocab_size, n_embd, n_hidden):
        super().__init__()
        self.emb = nn.Embedding(vocab_size, n_embd)
        self.rnn = nn.GRU(n_embd, n_hidden, batch_first=True)
        self.out = nn.Linear(n_hidden, vocab_size)

    def forward(self, idx):
        return self.out(self.rnn(self.emb(idx))[0])


def tokens_per_s(model, x, y, steps):
    opt = torch.optim.AdamW(model.parameters(), lr=3e-3)

    def step():
        loss = F.cross_entropy(model(x).flatten(0, 1), y.flatten())
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()

    step()  # échauffement
    start = time.perf_counter()
    for _ in range(steps):
        step()
    return x.numel() * steps / (time.perf_counter() - start)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pas", type=int, default=40, help="pas par essai")
    parser.add_argument("--repetitions", type=int, default=8, help="essais alternés")
    args = parser.parse_args()
    d, vocab = GRU_DEFAULTS, 78  # 78 caractères : le vocabulaire de Shakespeare
    torch.manual_seed(0)
    x = torch.randint(0, vocab, (d["batch_size"], d["block_size"]))
    y = torch.randint(0, vocab, (d["batch_size"], d["block_size"]))
    ours = GRULanguageModel(vocab, d["n_embd"], d["n_hidden"], d["n_layers"])
    ref = ReferenceGRU(vocab, d["n_embd"], d["n_hidden"])
    print(
        f"lot {d['batch_size']} × {d['block_size']} caractères, embedding {d['n_embd']}, "
        f"état {d['n_hidden']}, {torch.get_num_threads()} fils, {args.pas} pas par essai"
    )
    ours_t, ref_t = [], []
    for rep in range(args.repetitions):  # l'ordre alterne aussi : pas d'avantage au second
        pair = [(ref, ref_t), (ours, ours_t)]
        for model, times in pair if rep % 2 == 0 else pair[::-1]:
            times.append(tokens_per_s(model, x, y, args.pas))
    best_ours, best_ref = max(ours_t), max(ref_t)
    ratio = best_ours / best_ref
    print(f"torch.nn.GRU enveloppé à la main : {french_number(best_ref, 0)} tokens/s")
    print(f"GRULanguageModel du cours         : {french_number(best_ours, 0)} tokens/s")
    print(
        f"objectif vitesse d'entraînement du GRU : {french_number(ratio, 2)}× torch.nn.GRU "
        f"(cible ≥ 0,95×) {'✓' if ratio >= 0.95 else '✗'}"
    )


if __name__ == "__main__":
    main()
