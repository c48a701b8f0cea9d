"""Auto-supervision : les paires de GPT sont un décalage, le masquage de BERT suit 15 % puis
80/10/10 (bornes binomiales), la perte ne voit que les positions choisies (contre torch)."""

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from llmlab import selfsup
from llmlab.data import load_french_corpus
from llmlab.tokenizers import CharTokenizer, WordTokenizer, load_course_bpe

SENTENCE = "Le petit chat dort au soleil sur le rebord de la fenêtre."


def binomial_bounds(n: int, p: float, z: float = 5.0) -> tuple[float, float]:
    """n·p ± z écarts types d'une loi binomiale (z = 5 : une chance sur 3 millions de
    sortir par hasard)."""
    sd = math.sqrt(n * p * (1 - p))
    return n * p - z * sd, n * p + z * sd


@pytest.fixture(scope="module")
def long_ids():
    tok = CharTokenizer.train(load_french_corpus())
    return np.array(tok.encode(load_french_corpus())), tok.vocab_size


def test_gpt_pairs_are_the_text_shifted_by_one():
    ids = load_course_bpe().encode(SENTENCE)
    inputs, targets = selfsup.next_token_pairs(ids)
    assert len(inputs) == len(targets) == len(ids) - 1
    np.testing.assert_array_equal(inputs, ids[:-1])
    np.testing.assert_array_equal(targets, ids[1:])
    np.testing.assert_array_equal(targets[:-1], inputs[1:])  # la cible d'hier est l'entrée


def test_gpt_pairs_match_the_training_batches():
    """Les lots de `TokenData.get_batch` (ceux qu'entraîne le cours) sont ces paires."""
    from llmlab.training import TokenData

    tok = CharTokenizer.train(load_french_corpus())
    data = TokenData(tok.encode(load_french_corpus()), block_size=16)
    x, y = data.get_batch("train", 4, torch.Generator().manual_seed(0))
    for row_x, row_y in zip(x.numpy(), y.numpy()):
        full = np.concatenate([row_x, row_y[-1:]])
        inputs, targets = selfsup.next_token_pairs(full)
        np.testing.assert_array_equal(inputs, row_x)
        np.testing.assert_array_equal(targets, row_y)


def test_gpt_pairs_refuse_too_short_text():
    with pytest.raises(ValueError, match="deux tokens"):
        selfsup.next_token_pairs([3])


def test_masking_proportions_on_a_long_text(long_ids):
    ids, vocab = long_ids
    ex = selfsup.masked_lm_pairs(ids, vocab, seed=1)
    n = len(ids)
    chosen = int(ex.chosen.sum())
    assert chosen == round(0.15 * n)
    for action, p in ((selfsup.MASKED, 0.8), (selfsup.RANDOM, 0.1), (selfsup.KEPT, 0.1)):
        low, high = binomial_bounds(chosen, p)
        assert low <= (ex.action == action).sum() <= high, action
    # positions choisies : des tokens intacts et des tokens au hasard (parfois le même id)
    kept = ex.action == selfsup.KEPT
    np.testing.assert_array_equal(ex.inputs[kept], ids[kept])
    assert (ex.inputs[ex.action == selfsup.MASKED] == vocab).all()  # [MASK] = vocab_size
    randoms = ex.action == selfsup.RANDOM
    same = (ex.inputs[randoms] == ids[randoms]).sum()
    assert same <= binomial_bounds(int(randoms.sum()), 1 / vocab)[1]


def test_random_replacements_are_uniform_over_the_vocabulary(long_ids):
    """Les tokens tirés au hasard couvrent le vocabulaire uniformément (χ² à vocab − 1
    degrés de liberté, sous une borne à 5 écarts types)."""
    ids, vocab = long_ids
    draws = np.concatenate(
        [
            (ex := selfsup.masked_lm_pairs(ids, vocab, seed=s)).inputs[ex.action == selfsup.RANDOM]
            for s in range(10)
        ]
    )
    counts = np.bincount(draws, minlength=vocab)
    expected = len(draws) / vocab
    chi2 = ((counts - expected) ** 2 / expected).sum()
    dof = vocab - 1
    assert chi2 < dof + 5 * math.sqrt(2 * dof)
    assert (draws < vocab).all()  # jamais [MASK] par hasard


def test_every_position_has_the_same_chance_to_be_chosen():
    ids = np.arange(20)
    hits = np.zeros(20)
    runs = 4000
    for s in range(runs):
        hits += selfsup.masked_lm_pairs(ids, 20, seed=s).chosen
    assert hits.sum() == 3 * runs  # toujours round(15 % × 20) = 3
    low, high = binomial_bounds(runs, 3 / 20)
    assert ((low <= hits) & (hits <= high)).all()


def test_targets_only_at_chosen_positions(long_ids):
    ids, vocab = long_ids
    ex = selfsup.masked_lm_pairs(ids[:500], vocab, seed=3)
    np.testing.assert_array_equal(ex.labels[ex.chosen], ids[:500][ex.chosen])
    assert (ex.labels[~ex.chosen] == selfsup.IGNORE_INDEX).all()
    np.testing.assert_array_equal(ex.inputs[~ex.chosen], ids[:500][~ex.chosen])


def test_masking_is_seeded():
    ids = load_course_bpe().encode(SENTENCE)
    a = selfsup.masked_lm_pairs(ids, 512, seed=7)
    b = selfsup.masked_lm_pairs(ids, 512, seed=7)
    np.testing.assert_array_equal(a.inputs, b.inputs)
    np.testing.assert_array_equal(a.action, b.action)
    others = [selfsup.masked_lm_pairs(ids, 512, seed=s).action for s in range(8, 14)]
    assert any((o != a.action).any() for o in others)
    assert a.chosen.sum() == max(1, round(0.15 * len(ids)))


def test_masked_loss_matches_torch_and_ignores_other_positions():
    rng = np.random.default_rng(0)
    ids = rng.integers(0, 30, size=40)
    ex = selfsup.masked_lm_pairs(ids, 30, seed=5)
    logits = rng.normal(size=(40, 31))
    ours = selfsup.masked_lm_loss(logits, ex.labels)
    theirs = F.cross_entropy(torch.tensor(logits), torch.tensor(ex.labels))  # ignore_index=-100
    assert ours == pytest.approx(theirs.item(), rel=1e-12)
    changed = logits.copy()
    changed[~ex.chosen] = rng.normal(size=changed[~ex.chosen].shape) * 10
    assert selfsup.masked_lm_loss(changed, ex.labels) == pytest.approx(ours, rel=1e-12)
    changed[ex.chosen] += rng.normal(size=changed[ex.chosen].shape)
    assert selfsup.masked_lm_loss(changed, ex.labels) != pytest.approx(ours)


def test_masking_refuses_bad_inputs():
    with pytest.raises(ValueError, match="vocabulaire"):
        selfsup.masked_lm_pairs([1, 2, 40], 30)
    with pytest.raises(ValueError, match="split"):
        selfsup.masked_lm_pairs([1, 2, 3], 30, split=(0.5, 0.1, 0.1))
    with pytest.raises(ValueError, match="vide"):
        selfsup.masked_lm_pairs([], 30)
    with pytest.raises(ValueError, match="mask_rate"):
        selfsup.masked_lm_pairs([1, 2], 30, mask_rate=0)


def test_tables_show_readable_tokens():
    tok = load_course_bpe()
    ids = tok.encode(SENTENCE)
    rows = selfsup.next_token_table(tok, ids)
    assert len(rows) == len(ids) - 1 and len(selfsup.next_token_table(tok, ids, 3)) == 3
    assert rows[0] == (tok.decode(ids[:1]), selfsup.token_label(tok, ids[1]))
    assert rows[-1][0] + rows[-1][1].replace("␣", " ") == SENTENCE
    words = WordTokenizer.train(load_french_corpus())
    word_rows = selfsup.next_token_table(words, words.encode("Le matin, je bois du lait."))
    assert word_rows[3] == ("Le matin, je", "bois")
    ex = selfsup.masked_lm_pairs(ids, tok.vocab_size, seed=0)
    table = selfsup.masked_table(tok, ex)
    assert len(table) == ex.chosen.sum()
    for (original, shown, action), i in zip(table, np.flatnonzero(ex.chosen)):
        assert original == selfsup.token_label(tok, ids[i])
        assert (shown == "[MASK]") == (action == "[MASK]")
