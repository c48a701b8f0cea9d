"""Tests de llmlab.sampling : chaque opération contre sa référence torch (ou une forme
close), les erreurs en français, et les comptes du corpus pour « Bonjour mon … »."""

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from llmlab import data, sampling
from llmlab.sampling import (
    NGramModel,
    cross_entropy,
    greedy,
    perplexity,
    sample,
    softmax,
    top_k_filter,
    top_p_filter,
)

RNG = np.random.default_rng(0)
LOGITS = RNG.normal(0, 3, size=(6, 11))


def t(a):
    return torch.tensor(np.asarray(a), dtype=torch.float64)


# --- références torch, écrites comme dans transformers (generation/logits_process.py) ----


def torch_top_k(logits, k):
    """TopKLogitsWarper : tout logit < k-ième plus grand passe à -inf."""
    x = t(logits)
    kth = torch.topk(x, k)[0][..., -1, None]
    return x.masked_fill(x < kth, -float("inf")).numpy()


def torch_top_p(logits, p):
    """TopPLogitsWarper : tri croissant, cumul ; on retire la masse cumulée <= 1 - p,
    en gardant toujours le plus probable."""
    x = t(logits)
    sorted_logits, sorted_idx = torch.sort(x, descending=False)
    cumulative = sorted_logits.softmax(dim=-1).cumsum(dim=-1)
    remove_sorted = cumulative <= (1 - p)
    remove_sorted[..., -1:] = False
    remove = remove_sorted.scatter(-1, sorted_idx, remove_sorted)
    return x.masked_fill(remove, -float("inf")).numpy()


# --- softmax et température ---------------------------------------------------------------


@pytest.mark.parametrize("temperature", [0.1, 0.5, 1.0, 2.0, 10.0])
def test_softmax_matches_torch(temperature):
    expected = torch.softmax(t(LOGITS) / temperature, dim=-1).numpy()
    np.testing.assert_allclose(softmax(LOGITS, temperature), expected, rtol=1e-12)


def test_softmax_is_stable_for_huge_logits():
    probs = softmax([1000.0, 999.0, -1000.0])
    expected = torch.softmax(t([1000.0, 999.0, -1000.0]), dim=-1).numpy()
    assert np.isfinite(probs).all()
    np.testing.assert_allclose(probs, expected, rtol=1e-12)
    np.testing.assert_allclose(probs[:2], [1 / (1 + math.exp(-1)), 1 / (1 + math.e)])


def test_temperature_limits():
    z = np.array([2.0, 1.0, 0.5])
    assert softmax(z, 0.01)[0] > 0.999 and softmax(z, 0.01).argmax() == greedy(z)
    np.testing.assert_allclose(softmax(z, 1e6), np.full(3, 1 / 3), atol=1e-6)


def test_softmax_gives_zero_to_minus_infinity():
    np.testing.assert_allclose(softmax([0.0, -np.inf, 0.0]), [0.5, 0.0, 0.5])


@pytest.mark.parametrize("temperature", [0, -1.0])
def test_temperature_must_be_positive(temperature):
    with pytest.raises(ValueError, match="température doit être > 0"):
        softmax([1.0, 2.0], temperature)
    with pytest.raises(ValueError, match="greedy"):
        sample([1.0, 2.0], temperature=temperature)


def test_all_minus_infinity_is_refused():
    with pytest.raises(ValueError, match="aucun token"):
        softmax([-np.inf, -np.inf])


# --- top-k et top-p -------------------------------------------------------------------------


@pytest.mark.parametrize("k", [1, 2, 5, 11, 50])
def test_top_k_matches_torch(k):
    np.testing.assert_array_equal(top_k_filter(LOGITS, k), torch_top_k(LOGITS, min(k, 11)))
    kept = np.isfinite(top_k_filter(LOGITS, k)).sum(axis=-1)
    assert (kept == min(k, 11)).all()


def test_top_k_keeps_ties_like_transformers():
    z = [3.0, 1.0, 1.0, 0.0]
    np.testing.assert_array_equal(top_k_filter(z, 2), [3.0, 1.0, 1.0, -np.inf])
    np.testing.assert_array_equal(top_k_filter(z, 2), torch_top_k(z, 2))


@pytest.mark.parametrize("k", [0, -2, 2.5, True])
def test_top_k_refuses_bad_k(k):
    with pytest.raises(ValueError, match="entier >= 1"):
        top_k_filter([1.0, 2.0], k)


@pytest.mark.parametrize("p", [0.05, 0.3, 0.5, 0.8, 0.95, 1.0])
def test_top_p_matches_transformers_reference(p):
    np.testing.assert_array_equal(top_p_filter(LOGITS, p), torch_top_p(LOGITS, p))


def test_top_p_keeps_the_minimal_nucleus():
    probs = np.array([0.05, 0.5, 0.15, 0.3])
    z = np.log(probs)
    kept = lambda p: set(np.flatnonzero(np.isfinite(top_p_filter(z, p))))  # noqa: E731
    assert kept(0.4) == {1}  # 0,5 suffit
    assert kept(0.75) == {1, 3}  # 0,5 + 0,3 = 0,8 >= 0,75
    assert kept(0.9) == {1, 3, 2}  # 0,95
    assert kept(0.99) == {0, 1, 2, 3}
    assert kept(1e-9) == {1}  # le plus probable reste toujours


@pytest.mark.parametrize("p", [0, -0.1, 1.5])
def test_top_p_refuses_p_outside_0_1(p):
    with pytest.raises(ValueError, match=r"\]0, 1\]"):
        top_p_filter([1.0, 2.0], p)


# --- glouton et tirage ----------------------------------------------------------------------


def test_greedy_is_argmax():
    for row in LOGITS:
        assert greedy(row) == int(torch.argmax(t(row)))
    with pytest.raises(ValueError, match="une seule distribution"):
        greedy(LOGITS)


def test_sample_is_reproducible_with_a_seed():
    z = LOGITS[0]
    draws = [sample(z, rng=42) for _ in range(5)]
    assert len(set(draws)) == 1
    gen_a, gen_b = np.random.default_rng(7), np.random.default_rng(7)
    assert [sample(z, rng=gen_a) for _ in range(50)] == [sample(z, rng=gen_b) for _ in range(50)]


def test_sample_frequencies_follow_softmax():
    """20 000 tirages : chaque fréquence à moins de 4 écarts-types de sa probabilité
    (calculée par torch), avec température et top-k."""
    z = np.array([2.0, 1.0, 0.0, -1.0, 3.0])
    n = 20_000
    gen = np.random.default_rng(1)
    for temperature, top_k in [(1.0, None), (0.7, 3), (2.0, None)]:
        x = t(z) / temperature
        if top_k:
            x = x.masked_fill(x < torch.topk(x, top_k)[0][-1], -float("inf"))
        expected = torch.softmax(x, dim=-1).numpy()
        freq = (
            np.bincount(
                [sample(z, temperature, top_k=top_k, rng=gen) for _ in range(n)], minlength=5
            )
            / n
        )
        sigma = np.sqrt(expected * (1 - expected) / n) + 1e-12
        assert (np.abs(freq - expected) <= 4 * sigma + 1e-9).all(), (temperature, freq, expected)


def test_sample_never_draws_a_filtered_token():
    z = LOGITS[1]
    allowed = set(np.flatnonzero(np.isfinite(torch_top_p(z / 0.8, 0.6))))
    gen = np.random.default_rng(3)
    assert {sample(z, 0.8, top_p=0.6, rng=gen) for _ in range(2000)} == allowed


# --- entropie croisée et perplexité ---------------------------------------------------------


def test_cross_entropy_matches_torch():
    probs = softmax(LOGITS)
    targets = RNG.integers(0, 11, size=6)
    for row, logits, target in zip(probs, LOGITS, targets):
        expected = F.cross_entropy(t(logits)[None], torch.tensor([int(target)])).item()
        assert cross_entropy(row, target) == pytest.approx(expected, rel=1e-12)


def test_cross_entropy_closed_forms():
    assert cross_entropy([0.0, 1.0, 0.0], 1) == 0.0
    assert cross_entropy(np.full(8, 1 / 8), 3) == pytest.approx(math.log(8))
    assert cross_entropy([0.5, 0.5, 0.0], 2) == math.inf


def test_perplexity_matches_torch():
    targets = torch.tensor(RNG.integers(0, 11, size=6))
    expected = torch.exp(F.cross_entropy(t(LOGITS), targets)).item()
    assert perplexity(softmax(LOGITS), targets.numpy()) == pytest.approx(expected, rel=1e-12)


def test_perplexity_of_uniform_model_is_vocabulary_size():
    assert perplexity(np.full((5, 20), 1 / 20), [0, 3, 19, 7, 7]) == pytest.approx(20)


def test_probabilities_must_sum_to_one():
    with pytest.raises(ValueError, match="somment à 3, pas à 1"):
        cross_entropy([1.0, 2.0, 0.0], 0)
    with pytest.raises(ValueError, match="négatives"):
        cross_entropy([1.5, -0.5], 0)
    with pytest.raises(ValueError, match="pas à 1"):
        perplexity(np.abs(LOGITS), np.zeros(6, dtype=int))
    with pytest.raises(ValueError, match="hors du vocabulaire"):
        cross_entropy([0.5, 0.5], 2)
    with pytest.raises(ValueError, match="une distribution par token cible"):
        perplexity(softmax(LOGITS), [0, 1])


# --- le modèle de comptage ------------------------------------------------------------------


@pytest.fixture(scope="module")
def ngram():
    return NGramModel.train(data.load_french_corpus())


def test_bonjour_mon_counts_from_the_corpus(ngram):
    """Les comptes annoncés par data/README.md et le deck (« cœur », pas « choeur »)."""
    table = ngram.next_distribution("Bonjour mon")
    assert list(table.columns) == ["mot", "compte", "probabilité"]
    assert dict(zip(table["mot"], table["compte"])) == {
        "cœur": 6,
        "ami": 5,
        "trésor": 3,
        "voisin": 2,
        "chéri": 2,
        "petit": 1,
        "grand": 1,
    }
    assert list(table["mot"][:3]) == ["cœur", "ami", "trésor"]
    np.testing.assert_allclose(table["probabilité"], table["compte"] / 20)
    assert "choeur" not in ngram.vocab


def test_counts_agree_with_a_plain_text_search(ngram):
    """Compte indépendant : la regex « bonjour mon X » sur le texte brut."""
    import re
    from collections import Counter

    text = data.load_french_corpus().lower()
    found = Counter(re.findall(r"\bbonjour mon (\w+)", text))
    table = ngram.next_distribution("BONJOUR   mon")
    assert dict(zip(table["mot"], table["compte"])) == dict(found)


def test_ngram_uses_only_the_last_two_words(ngram):
    after_mon = ngram.next_distribution("mon")
    assert after_mon["compte"].sum() > 20  # « mon » seul : tout le corpus
    assert ngram.next_distribution("Il dit bonjour mon").equals(
        ngram.next_distribution("bonjour mon")
    )
    assert len(ngram.next_distribution("mon", k=3)) == 3
    assert ngram.next_distribution("mon", k=3)["probabilité"].sum() < 1


def test_two_words_of_context_by_default_one_with_max_context_1(ngram):
    """P(cœur | bonjour, mon) par défaut (un trigramme) ; avec max_context=1, P(cœur | mon)
    (un bigramme), compté indépendamment sur le texte brut."""
    import re
    from collections import Counter

    text = data.load_french_corpus().lower()
    after_mon = Counter(re.findall(r"\bmon (\w+)", text))
    one = NGramModel.train(data.load_french_corpus(), max_context=1)
    assert one.max_context == 1 and ngram.max_context == 2
    table = one.next_distribution("bonjour mon")  # seul « mon » compte
    assert table.equals(ngram.next_distribution("mon"))
    p_one = dict(zip(table["mot"], table["probabilité"]))["cœur"]
    assert p_one == pytest.approx(after_mon["cœur"] / sum(after_mon.values()))
    p_two = dict(zip(*[ngram.next_distribution("bonjour mon")[c] for c in ("mot", "probabilité")]))
    assert p_two["cœur"] == pytest.approx(6 / 20) and p_two["cœur"] != pytest.approx(p_one)


def test_logits_give_back_the_probabilities(ngram):
    words, z = ngram.logits("Bonjour mon")
    table = ngram.next_distribution("Bonjour mon")
    assert words == list(table["mot"])
    np.testing.assert_allclose(softmax(z), table["probabilité"], rtol=1e-12)
    smooth_words, smooth = ngram.logits("Bonjour mon", smoothing=1.0)
    assert len(smooth_words) == len(ngram.vocab) and smooth_words[:7] == words
    assert softmax(smooth)[0] == pytest.approx(7 / (20 + len(ngram.vocab)))


def test_unknown_context_is_explained(ngram):
    with pytest.raises(ValueError, match="n'apparaît jamais dans le corpus"):
        ngram.next_distribution("xylophone quantique")
    with pytest.raises(ValueError, match="vide"):
        ngram.next_distribution("   ")


def test_split_words_french_elision():
    assert sampling.split_words("L'école, aujourd’hui ? Grand-mère qu'il") == [
        "l'",
        "école",
        ",",
        "aujourd'hui",
        "?",
        "grand-mère",
        "qu'",
        "il",
    ]


def test_generate_follows_the_corpus(ngram):
    text = ngram.generate("Bonjour mon", 8, rng=0)
    assert text == ngram.generate("Bonjour mon", 8, rng=0)
    words = sampling.split_words(text)
    assert len(words) == 10 and words[:2] == ["bonjour", "mon"]
    for a, b, c in zip(words, words[1:], words[2:]):  # chaque trigramme a été vu
        assert c in ngram.counts[(a, b)]
    greedy_text = ngram.generate("Bonjour mon", 1, temperature=1e-6)
    assert greedy_text == "bonjour mon cœur"


# --- une fonction montrée sur une diapositive tient en 62 caractères -------------------------


def shown_width_problems(module, width=62):
    """Lignes trop longues dans la source des fonctions et méthodes publiques du module
    (ce que ``show_source`` afficherait sur une diapositive)."""
    import inspect

    problems = []
    for name, obj in vars(module).items():
        if name.startswith("_") or getattr(obj, "__module__", None) != module.__name__:
            continue
        members = [(name, obj)]
        if inspect.isclass(obj):
            members = [
                (f"{name}.{n}", getattr(obj, n))
                for n, m in vars(obj).items()
                if isinstance(m, classmethod) or inspect.isfunction(m)
            ]
        for label, member in members:
            if not inspect.isroutine(member):
                continue
            for line in inspect.getsource(member).splitlines():
                if len(line) > width:
                    problems.append(f"{label} : {line.strip()[:40]}… ({len(line)})")
    return problems


def test_sources_fit_on_a_slide():
    assert shown_width_problems(sampling) == []


def test_generate_text_is_seeded_and_new_only_drops_the_start():
    from llmlab.shipped import load_shipped_gpt, load_shipped_gru

    for model, tok, _, _ in (load_shipped_gpt(), load_shipped_gru()):
        full = sampling.generate_text(model, tok, "ROMEO:\n", 30, seed=3, temperature=0.8)
        again = sampling.generate_text(model, tok, "ROMEO:\n", 30, seed=3, temperature=0.8)
        new = sampling.generate_text(
            model, tok, "ROMEO:\n", 30, seed=3, new_only=True, temperature=0.8
        )
        other = sampling.generate_text(model, tok, "ROMEO:\n", 30, seed=4, temperature=0.8)
        assert full == again and full == "ROMEO:\n" + new and len(new) == 30
        assert other != full
