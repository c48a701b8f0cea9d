"""Le test de la répétition : mesuré sur un modèle qui recopie parfaitement et sur un modèle qui
ne regarde que le token courant, pour savoir ce que la mesure sait distinguer."""

import math

import pytest
import torch
from torch import nn

from llmlab.gpt import GPT, GPTConfig
from llmlab.incontext import (
    continuation_logprob,
    random_chunks,
    random_letters,
    repeat_summary,
    repeat_test,
    token_losses,
)
from llmlab.tokenizers import CharTokenizer

TOKENIZER = CharTokenizer.train("abcdefghijklmnopqrstuvwxyz ")
V = TOKENIZER.vocab_size


class Copier(nn.Module):
    """Prédit, à la position t, le token lu L − 1 positions plus tôt (ce qu'une tête d'induction
    ferait sur un passage répété de L tokens) ; avant, ne sait rien (uniforme)."""

    def __init__(self, length):
        super().__init__()
        self.length = length
        self.dummy = nn.Parameter(torch.zeros(1))

    def forward(self, idx):
        B, T = idx.shape
        logits = torch.zeros(B, T, V)
        for t in range(self.length - 1, T):
            logits[torch.arange(B), t, idx[:, t - self.length + 1]] = 30.0
        return logits


def test_a_perfect_copier_finds_the_second_copy_easy():
    chunks = random_letters(8, n=20, seed=0)
    first, second = repeat_summary(repeat_test(Copier(8), TOKENIZER, chunks))
    assert first == pytest.approx(math.log(V), rel=0.05)  # rien à recopier encore
    assert second < 1e-6


def test_a_model_without_memory_finds_both_copies_alike():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Embedding(V, V))  # un bigramme : le token courant
    first, second = repeat_summary(repeat_test(model, TOKENIZER, random_letters(8, n=50)))
    assert second == pytest.approx(first, rel=0.05)


def test_token_losses_match_a_step_by_step_computation():
    torch.manual_seed(0)
    model = GPT(GPTConfig(vocab_size=V, context_length=16, n_embd=16, n_head=2, n_layer=1)).eval()
    ids = TOKENIZER.encode("the cat sat")
    losses = token_losses(model, ids)
    with torch.no_grad():
        step = [
            -torch.log_softmax(model(torch.tensor([ids[:t]]))[0, -1].double(), -1)[ids[t]]
            for t in range(1, len(ids))
        ]
    assert torch.allclose(losses, torch.stack(step), atol=1e-6)
    assert continuation_logprob(model, TOKENIZER, "the c", "at") == pytest.approx(
        -float(sum(step[4:6])), abs=1e-6
    )


def test_chunks_are_reproducible_and_of_the_asked_length():
    text = "abcdefghij" * 20
    chunks = random_chunks(text, 12, n=5, seed=3)
    assert chunks == random_chunks(text, 12, n=5, seed=3)
    assert all(len(c) == 12 and c in text for c in chunks)
    with pytest.raises(ValueError, match="trop court"):
        random_chunks("abc", 12)
