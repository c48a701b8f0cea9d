"""llmlab.lifecycle : chaque calcul du deck « IA générative : cycle de vie » contre une référence
(torch pour la régression logistique et le gradient, les formules closes pour la mémoire,
`llmlab.quantize` pour l'INT8)."""

import math

import numpy as np
import pytest

from llmlab import lifecycle

torch = pytest.importorskip("torch")


def test_price_class_is_a_quarter_of_boston():
    x, y = lifecycle.rooms_and_price_class()
    assert x.shape == y.shape == (506,)
    assert 3.5 < x.min() and x.max() < 9  # pièces par logement : la grille des figures
    assert set(np.unique(y)) == {0, 1} and 0.2 < y.mean() < 0.3


def test_gaussian_classes_match_numpy_and_bayes():
    x, y = lifecycle.rooms_and_price_class()
    gen = lifecycle.GaussianClasses(x, y)
    assert np.allclose(gen.mean, [x[y == 0].mean(), x[y == 1].mean()])
    assert np.allclose(gen.std, [x[y == 0].std(), x[y == 1].std()])
    # densité d'une gaussienne contre torch.distributions
    grid = np.array([5.0, 6.5, 8.0])
    ref = torch.distributions.Normal(torch.tensor(gen.mean), torch.tensor(gen.std))
    dens = ref.log_prob(torch.tensor(grid)[:, None]).exp().numpy()
    assert np.allclose(gen.density(grid), dens)
    post = gen.posterior(grid)
    assert np.allclose(post.sum(axis=1), 1)
    assert np.allclose(post[:, 1], dens[:, 1] * gen.prior[1] / (dens * gen.prior).sum(axis=1))
    assert post[0, 1] < 0.1 < 0.9 < post[2, 1]  # peu de pièces : rarement cher


def test_samples_follow_the_class_gaussian():
    x, y = lifecycle.rooms_and_price_class()
    gen = lifecycle.GaussianClasses(x, y)
    fake = gen.sample(20_000, 1, seed=0)
    assert abs(fake.mean() - gen.mean[1]) < 0.02 and abs(fake.std() - gen.std[1]) < 0.02
    assert np.array_equal(gen.sample(5, 1, seed=3), gen.sample(5, 1, seed=3))


def test_logistic_regression_reaches_the_optimum():
    """À l'optimum, le gradient de l'entropie croisée, calculé par l'autograd de torch, est
    nul (la perte est convexe : c'est le minimum). Pas LBFGS : importer torch.optim coûte
    une vingtaine de secondes sur une machine chargée."""
    x, y = lifecycle.rooms_and_price_class()
    w, b = lifecycle.fit_logistic(x, y)
    xt, yt = torch.tensor(x), torch.tensor(y, dtype=torch.float64)
    params = torch.tensor([w, b], dtype=torch.float64, requires_grad=True)
    torch.nn.functional.binary_cross_entropy_with_logits(params[0] * xt + params[1], yt).backward()
    assert params.grad.abs().max() < 1e-6
    assert 3 < w < 5  # plus de pièces, plus souvent cher


def test_influence_is_the_gradient_norm_per_position():
    """Sur un modèle minuscule, l'influence égale le gradient calculé à la main par autograd."""
    torch.manual_seed(0)
    emb = torch.nn.Embedding(5, 3)
    head = torch.nn.Linear(3, 5)

    class Tiny(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.emb, self.head = emb, head

        def forward(self, idx):  # la sortie t dépend de tous les tokens ≤ t
            return self.head(
                torch.cumsum(self.emb(idx) * torch.arange(1, idx.shape[1] + 1)[:, None], 1)
            )

    model = Tiny()
    windows = torch.tensor([[0, 1, 2, 3], [4, 3, 2, 1]])
    got = lifecycle.position_influence(model, model.emb, windows)
    assert all(p.grad is None for p in model.parameters())  # rien ne traîne
    e = emb(windows[:, :-1]).detach().requires_grad_(True)
    logits = head(torch.cumsum(e * torch.arange(1, 4)[:, None], 1))
    torch.log_softmax(logits[:, -1], -1).gather(1, windows[:, -1:]).sum().backward()
    expected = e.grad.norm(dim=-1).mean(0).flip(0).numpy()
    assert np.allclose(got, expected)
    assert got[0] > got[-1]  # le dernier token lu pèse le plus (facteur t)


def test_text_windows_and_causal_pairs():
    from llmlab.tokenizers import CharTokenizer

    tok = CharTokenizer.train("abcdefgh")
    w = lifecycle.text_windows(tok, "abcdefgh" * 4, 5, 3, seed=1)
    assert w.shape == (3, 5)
    with pytest.raises(ValueError, match="trop court"):
        lifecycle.text_windows(tok, "abc", 5, 1)
    pairs = lifecycle.causal_pairs([7, 8, 9, 10])
    assert pairs == [([7], 8), ([7, 8], 9), ([7, 8, 9], 10)]
    assert lifecycle.causal_pairs([1, 2, 3], n=1) == [([1], 2)]
    table = lifecycle.causal_pairs_table("abc", tok)
    assert "`a` `b` | → | `c`" in table


def test_memory_rule_is_sixteen_exact_bytes_plus_activations():
    rows = lifecycle.memory_rule_rows(1e9)
    assert [r[1] for r in rows[:4]] == [4, 4, 4, 4]
    from llmlab.costs import training_memory

    assert sum(r[1] for r in rows[:4]) == training_memory(1, "fp32", "adam")["total"] == 16
    assert sum(r[2] for r in rows) == pytest.approx(24e9)  # la règle du document source
    assert "**24 Go**" in lifecycle.memory_rule_table(1e9)
    assert "pour 7 milliards" in lifecycle.memory_rule_table(7e9)


def test_memory_table_and_breakdown():
    table = lifecycle.memory_table({"7B": 7e9, "mini": 811_520})
    assert "| 7B | 28 Go | 14 Go | 3,5 Go | 112 Go |" in table
    assert "3,25 Mo" in table
    assert lifecycle.training_breakdown(1e9) == "16 Go : poids 2, gradients 2, Adam 8, copie FP32 4"
    assert lifecycle.training_breakdown(1e9, "fp32").startswith("16 Go : poids 4")


def test_int8_roundtrip_matches_quantize_and_saturates():
    from llmlab.quantize import absmax_dequantize, absmax_quantize

    x = [0.503, -1.268, 0.024, 0.997, 3.0]
    back, s = lifecycle.int8_roundtrip(x)
    q, ref_s = absmax_quantize(torch.tensor(x))
    assert s == pytest.approx(float(ref_s)) == pytest.approx(3.0 / 127)
    assert np.allclose(back, absmax_dequantize(q, ref_s).numpy())
    back, s = lifecycle.int8_roundtrip(x, scale=0.01)
    assert back[-1] == pytest.approx(1.27)  # sature, pas d'infini
    assert np.abs(back - x)[:4].max() <= 0.005 + 1e-6  # au plus un demi-pas
    assert not any(math.isinf(v) for v in back)


def test_size_table_reads_the_memory_calculator():
    table = lifecycle.size_table()
    assert "| 8 milliards | 16 Go |" in table and "| 1 milliard | 2 Go |" in table
    assert table.strip().count("\n") == len(lifecycle.SIZE_GUIDE) + 1  # titre, filet, lignes


def test_shipped_gru_forgets_faster_than_the_shipped_gpt():
    """Ce que dit le deck (« Le passé lointain pèse-t-il encore ? ») sur les modèles livrés :
    à 63 caractères, le GRU a perdu plus d'un facteur 1 000, le mini-GPT bien moins."""
    from llmlab.shipped import load_shipped_gpt, load_shipped_gru, shakespeare_validation

    torch.set_num_threads(1)
    gru, gru_tok, _, _ = load_shipped_gru()
    gpt, gpt_tok, _, _ = load_shipped_gpt()
    text = shakespeare_validation(20_000)
    g = lifecycle.position_influence(
        gru, gru.embedding, lifecycle.text_windows(gru_tok, text, 65, 16)
    )
    t = lifecycle.position_influence(
        gpt, gpt.tok_emb, lifecycle.text_windows(gpt_tok, text, 65, 16)
    )
    assert g.shape == t.shape == (64,)
    assert g[62] / g[0] < 1e-3
    assert t[62] / t[0] > 5 * g[62] / g[0]
