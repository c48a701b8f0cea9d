"""L'affinage (`llmlab.finetune`) : le texte ramené au vocabulaire, les étapes qui ne
changent pas les poids, la perte qui baisse sur le nouveau texte."""

import pytest
import torch

from llmlab.finetune import finetune, to_vocabulary
from llmlab.gpt import GPT, GPTConfig
from llmlab.tokenizers import CharTokenizer
from llmlab.training import TokenData

OLD = "the cat sleeps on the red mat. " * 40
NEW = "le chat dort sur le tapis. " * 40


def test_to_vocabulary():
    chars = list("abcdeilmnorstu '.\"")
    text, changed = to_vocabulary("Cœur « élu »… l’été", chars)
    # œ → oe, guillemets → ", … → ..., ’ → ', accents retirés ; « C » n'y est pas
    assert text == 'oeur " elu "... l\'ete'
    assert changed == 9  # C œ « é » … ’ é é
    assert to_vocabulary("abc", "abc") == ("abc", 0)


@pytest.fixture(autouse=True)
def one_thread():
    """Un seul fil : sur une machine chargée, deux fils torch s'attendent l'un l'autre et ce
    petit modèle passe de quelques secondes à plus d'une minute."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def _setup():
    tok = CharTokenizer.train(OLD + NEW)
    old = TokenData.from_text(OLD, tok, 8)
    new = TokenData.from_text(NEW, tok, 8)
    torch.manual_seed(0)
    model = GPT(
        GPTConfig(vocab_size=tok.vocab_size, context_length=8, n_embd=16, n_head=2, n_layer=1)
    )
    return model, old, new


def test_stages_do_not_change_the_weights():
    a, old, new = _setup()
    b, _, _ = _setup()
    rows = finetune(a, old, new, stages=(3, 6, 12), lr=1e-2, warmup=4, batch_size=4)
    finetune(b, old, new, stages=(12,), lr=1e-2, warmup=4, batch_size=4)
    assert [r["pas"] for r in rows] == [0, 3, 6, 12]
    assert all(torch.equal(x, y) for x, y in zip(a.state_dict().values(), b.state_dict().values()))
    assert rows[-1]["nouveau"] < rows[0]["nouveau"]  # il apprend le nouveau texte
