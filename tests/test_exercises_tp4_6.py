"""Vérificateurs du TP 4.6 : la solution passe, chaque erreur classique reçoit son conseil.

Les références du module sont comparées à celles du cours et de torch : scores, masque, poids et
contexte enchaînés donnent ``llmlab.attention.scaled_dot_product_attention`` et
``torch.nn.functional.scaled_dot_product_attention`` ; le découpage en têtes refait exactement
``llmlab.attention.MultiHeadAttention`` ; le compte des paramètres égale celui d'un vrai
``llmlab.gpt.TransformerBlock`` et redonne les 124 439 808 paramètres de GPT-2.
"""

import math
import re

import pytest

torch = pytest.importorskip("torch")

from harness.solutions import run_solutions  # noqa: E402
from llmlab.exercises import ExerciseError, check_function, tp4_6  # noqa: E402

CHECKERS = {  # vérificateur -> nom de la fonction de l'élève
    "check_scores": "scores_attention",
    "check_causal_mask": "masque_causal",
    "check_weights": "poids_attention",
    "check_context": "contexte",
    "check_split_heads": "separer_tetes",
    "check_block_params": "nb_parametres_bloc",
}


@pytest.fixture(autouse=True)
def not_strict(monkeypatch):
    monkeypatch.delenv("LLMLAB_CORRIGE", raising=False)


@pytest.fixture(scope="module")
def solution():
    return run_solutions("tp4-6-transformer", {"torch": torch, "math": math})


@pytest.mark.parametrize("checker", list(CHECKERS))
def test_solution_is_accepted_even_in_strict_mode(checker, solution, monkeypatch):
    for strict in ("", "1"):
        monkeypatch.setenv("LLMLAB_CORRIGE", strict)
        verdict = getattr(tp4_6, checker)(solution[CHECKERS[checker]])
        assert verdict.ok, verdict.message


@pytest.mark.parametrize("checker", list(CHECKERS))
def test_blank_answer_is_pending_and_fails_in_strict_mode(checker, monkeypatch):
    def blank(*args): ...  # à compléter

    for answer in (..., blank):
        verdict = getattr(tp4_6, checker)(answer)
        assert verdict.pending and not verdict.ok, verdict.message
    monkeypatch.setenv("LLMLAB_CORRIGE", "1")
    with pytest.raises(ExerciseError):
        getattr(tp4_6, checker)(...)


# --- les erreurs typiques, écrites comme un élève les écrirait ---------------------------------


def _ones(T):
    return torch.ones(T, T, dtype=torch.bool)


def _fill(s, m, value=float("-inf")):
    return s.masked_fill(m, value)


def _split(x, h, order):
    B, T, d = x.shape
    if order == "reshape":
        return x.reshape(B, h, T, d // h)
    if order == "view":
        return x.view(B, T, h, d // h)
    if order == "interleaved":
        return x.view(B, T, d // h, h).permute(0, 3, 1, 2)
    return x.view(B, T, h, d / h).transpose(1, 2)  # division non entière


MISTAKES = [
    # exercice 1
    ("check_scores", lambda q, k: q @ k.transpose(-2, -1), "division par √d_k"),
    ("check_scores", lambda q, k: q @ k.transpose(-2, -1) / q.shape[-1], "RACINE de d_k"),
    ("check_scores", lambda q, k: q @ k.transpose(-2, -1) * q.shape[-1] ** 0.5, "DIVISER"),
    ("check_scores", lambda q, k: k @ q.transpose(-2, -1) / q.shape[-1] ** 0.5, "transposée"),
    (
        "check_scores",
        lambda q, k: q @ k.transpose(-2, -1) / math.sqrt(q.shape[-2]),
        "pas le nombre de tokens",
    ),
    ("check_scores", lambda q, k: torch.softmax(q @ k.mT / q.shape[-1] ** 0.5, -1), "AVANT"),
    ("check_scores", lambda q, k: q @ k.T / q.shape[-1] ** 0.5, "k.transpose(-2, -1)"),
    # exercice 2
    ("check_causal_mask", lambda T: torch.tril(_ones(T)), "masque inverse"),
    ("check_causal_mask", lambda T: torch.triu(_ones(T)), "diagonale est cachée"),
    ("check_causal_mask", lambda T: torch.tril(_ones(T), diagonal=-1), "cachez le passé"),
    ("check_causal_mask", lambda T: torch.triu(torch.ones(T, T), diagonal=1), "BOOLÉEN"),
    ("check_causal_mask", lambda T: torch.triu(torch.ones(T, T), 1).numpy() > 0, "BOOLÉEN"),
    # exercice 3
    ("check_weights", lambda s, m: torch.softmax(_fill(s, m), dim=-2), "axe des REQUÊTES"),
    ("check_weights", lambda s, m: torch.softmax(_fill(s, m), dim=0), "dim=0"),
    ("check_weights", lambda s, m: torch.softmax(_fill(s, m), dim=1), "dim=1 ne désigne"),
    ("check_weights", lambda s, m: torch.softmax(s, dim=-1), "masque n'est pas appliqué"),
    ("check_weights", lambda s, m: torch.softmax(_fill(s, m, 0.0), dim=-1), "exp(0) = 1"),
    ("check_weights", lambda s, m: _fill(torch.softmax(s, -1), m, 0.0), "après la softmax"),
    ("check_weights", lambda s, m: _fill(s, m), "encore des scores"),
    ("check_weights", lambda s, m: torch.softmax(_fill(s, ~m), dim=-1), "NaN"),
    # exercice 4
    ("check_context", lambda w, v: w.transpose(-2, -1) @ v, "transposés"),
    ("check_context", lambda w, v: torch.softmax(w, dim=-1) @ v, "seconde softmax"),
    ("check_context", lambda w, v: w @ v / math.sqrt(v.shape[-1]), "une seule fois"),
    ("check_context", lambda w, v: v @ w, "s'écrit poids @ v"),
    # exercice 5
    ("check_split_heads", lambda x, h: _split(x, h, "reshape"), "reshape direct"),
    ("check_split_heads", lambda x, h: _split(x, h, "view"), "il manque .transpose(1, 2)"),
    ("check_split_heads", lambda x, h: _split(x, h, "interleaved"), "CONTIGU"),
    ("check_split_heads", lambda x, h: _split(x, h, "float"), "division entière"),
    # exercice 6 (d = n_embd)
    ("check_block_params", lambda d: 12 * d * d, "les biais manquent"),
    (
        "check_block_params",
        lambda d: 3 * (d * d + d) + (d * d + d) + 8 * d * d + 5 * d,
        "deux LayerNorm manquent",
    ),
    ("check_block_params", lambda d: 4 * (d * d + d) + 8 * d * d + 5 * d + 2 * d, "DEUX vecteurs"),
    ("check_block_params", lambda d: 4 * d * d + d + 8 * d * d + 5 * d + 4 * d, "qkv_bias"),
    ("check_block_params", lambda d: 4 * (d * d + d) + 8 * d * d + 8 * d + 4 * d, "seconde couche"),
    ("check_block_params", lambda d: 3 * (d * d + d) + 8 * d * d + 5 * d + 4 * d, "out_proj"),
    ("check_block_params", lambda d: 4 * (d * d + d) + 4 * d * d + 3 * d + 4 * d, "4 · n_embd"),
    ("check_block_params", lambda d: 4 * (d * d + d), "seulement l'attention"),
]


@pytest.mark.filterwarnings("ignore:The use of `x.T`:UserWarning")  # l'erreur de `k.T`
@pytest.mark.parametrize(
    "checker, wrong, fragment", MISTAKES, ids=[f"{c}-{f}" for c, _, f in MISTAKES]
)
def test_every_typical_mistake_gets_its_advice(checker, wrong, fragment, monkeypatch):
    verdict = getattr(tp4_6, checker)(wrong)
    assert not verdict.ok and not verdict.pending, verdict.message
    assert fragment in verdict.message, verdict.message
    assert "tensor(" not in verdict.message, verdict.message
    monkeypatch.setenv("LLMLAB_CORRIGE", "1")
    with pytest.raises(ExerciseError, match=re.escape(fragment)):
        getattr(tp4_6, checker)(wrong)


def test_unknown_mistakes_are_refused_with_shapes_and_french_numbers():
    verdict = tp4_6.check_context(lambda w, v: w @ v + 0.5)
    assert not verdict.ok and not verdict.pending
    assert "poids de forme (5, 5), v de forme (5, 3)" in verdict.message, verdict.message
    assert "trop grandes" in verdict.message and "0,5" not in verdict.message, verdict.message
    verdict = tp4_6.check_block_params(lambda d: 12 * d * d + 13 * d + 1)
    assert "vaut 7 087 873" in verdict.message.replace("\u202f", " ").replace("\xa0", " ")
    verdict = tp4_6.check_split_heads(lambda x, h: x.view(*x.shape[:2], h, -1).transpose(1, 3))
    assert "a la forme (2, 4, 3, 5) au lieu de (2, 3, 5, 4)" in verdict.message


def test_every_declared_mistake_differs_from_the_reference():
    """Sinon le vérificateur accepterait cette erreur : les cas doivent la démasquer."""
    declared = [
        (tp4_6.score_cases(), tp4_6.attention_scores, tp4_6.SCORE_MISTAKES),
        (tp4_6.MASK_SIZES, tp4_6.reference_mask, tp4_6.MASK_MISTAKES),
        (tp4_6.weight_cases(), tp4_6.attention_weights, tp4_6.WEIGHT_MISTAKES),
        (tp4_6.context_cases(), tp4_6.context_vectors, tp4_6.CONTEXT_MISTAKES),
        (tp4_6.split_cases(), tp4_6.split_heads, tp4_6.SPLIT_MISTAKES),
        (tp4_6.PARAM_CASES, tp4_6.block_param_count, tp4_6.PARAM_MISTAKES),
    ]
    for cases, reference, mistakes in declared:
        for wrong, hint in mistakes:
            assert not check_function(wrong, reference, cases).ok, hint


# --- les références elles-mêmes ---------------------------------------------------------------


def test_reference_chain_is_the_course_attention_and_torch_sdpa():
    from llmlab.attention import causal_mask, scaled_dot_product_attention

    for i, shape in enumerate([(5, 4), (2, 6, 3), (2, 3, 7, 8)]):
        g = torch.Generator().manual_seed(i)
        q, k, v = (torch.randn(*shape, generator=g) for _ in range(3))
        T = shape[-2]
        weights = tp4_6.attention_weights(tp4_6.attention_scores(q, k), tp4_6.reference_mask(T))
        context = tp4_6.context_vectors(weights, v)
        out, ref_weights = scaled_dot_product_attention(q, k, v, mask=causal_mask(T))
        torch.testing.assert_close(weights, ref_weights)
        torch.testing.assert_close(context, out)
        torch_out = torch.nn.functional.scaled_dot_product_attention(q, k, v, is_causal=True)
        torch.testing.assert_close(context, torch_out, rtol=1e-5, atol=1e-6)
        torch.testing.assert_close(weights.sum(-1), torch.ones(shape[:-1]))


@pytest.mark.parametrize("T", [1, 2, 5, 8])
def test_reference_mask_hides_exactly_the_future(T):
    mask = tp4_6.reference_mask(T)
    assert mask.dtype == torch.bool and mask.shape == (T, T)
    for i in range(T):
        for j in range(T):
            assert bool(mask[i, j]) == (j > i)


def test_reference_split_reproduces_multi_head_attention():
    from llmlab.attention import MultiHeadAttention

    torch.manual_seed(0)
    B, T, d, h = 2, 6, 12, 3
    mha = MultiHeadAttention(d, d, context_length=8, num_heads=h, qkv_bias=True).eval()
    x = torch.randn(B, T, d)
    with torch.no_grad():
        layers = (mha.W_query, mha.W_key, mha.W_value)
        q, k, v = (tp4_6.split_heads(layer(x), h) for layer in layers)
        assert q.shape == (B, h, T, d // h)
        weights = tp4_6.attention_weights(tp4_6.attention_scores(q, k), tp4_6.reference_mask(T))
        heads = tp4_6.context_vectors(weights, v)
        merged = heads.transpose(1, 2).reshape(B, T, d)
        out, ref_weights = mha(x, return_weights=True)
    torch.testing.assert_close(mha.out_proj(merged), out)
    torch.testing.assert_close(weights, ref_weights)


@pytest.mark.parametrize(
    "n_embd, n_head", [(768, 12), (128, 4), (64, 4), (1, 1), (12, 3), (1600, 25)]
)
def test_block_param_count_matches_transformer_block(n_embd, n_head):
    from llmlab.gpt import GPTConfig, TransformerBlock

    assert (n_embd,) in tp4_6.PARAM_CASES
    cfg = GPTConfig(vocab_size=10, context_length=8, n_embd=n_embd, n_head=n_head, n_layer=1)
    for fast in (True, False):  # chemin rapide (qkv fusionné) et pièces du cours
        block = TransformerBlock(cfg, fast=fast)
        assert tp4_6.block_param_count(n_embd) == sum(p.numel() for p in block.parameters())


def test_block_count_gives_gpt2_124m():
    d, V, ctx, layers = 768, 50257, 1024, 12
    rest = V * d + ctx * d + 2 * d  # embeddings des tokens et des positions, LayerNorm finale
    assert layers * tp4_6.block_param_count(d) + rest == 124_439_808
    assert layers * tp4_6.block_param_count(d) + rest + V * d == 163_037_184  # tête non partagée


def test_review_mistakes_get_their_own_hint():
    verdict = tp4_6.check_scores(lambda q, k: q @ k / math.sqrt(q.shape[-1]))
    assert "il faut transposer k" in verdict.message, verdict.message
    verdict = tp4_6.check_weights(lambda s, m: torch.softmax(s + m * float("-inf"), dim=-1))
    assert "0 × −∞" in verdict.message, verdict.message
    # le masque additif bien écrit est juste
    assert tp4_6.check_weights(
        lambda s, m: torch.softmax(s + torch.zeros_like(s).masked_fill(m, float("-inf")), -1)
    ).ok


def test_d_k_read_on_the_second_axis_is_named():
    verdict = tp4_6.check_scores(lambda q, k: q @ k.transpose(-2, -1) / math.sqrt(q.shape[1]))
    assert not verdict.ok and "q.shape[-1]" in verdict.message, verdict.message
    assert "q.shape[1] n'est d_k" in verdict.message, verdict.message
