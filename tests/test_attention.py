"""llmlab.attention, étape par étape, contre torch et contre le livre de Raschka."""

import math

import pytest
import torch
import torch.nn.functional as F

from llmlab.attention import (
    CausalAttention,
    MultiHeadAttention,
    SelfAttention,
    causal_mask,
    plot_attention,
    scaled_dot_product_attention,
    simple_attention,
)

torch.manual_seed(0)


# --- 1. Attention sans poids -------------------------------------------------------------------


def test_simple_attention_matches_a_loop_over_tokens():
    x = torch.randn(5, 3)
    context, weights = simple_attention(x)
    for i in range(5):
        scores = torch.stack([x[i] @ x[j] for j in range(5)])
        w = torch.exp(scores) / torch.exp(scores).sum()
        assert torch.allclose(weights[i], w, atol=1e-6)
        assert torch.allclose(context[i], (w[:, None] * x).sum(0), atol=1e-6)


def test_simple_attention_is_sdpa_with_q_k_v_equal_to_x_and_no_scaling():
    x = torch.randn(2, 6, 4)
    context, weights = simple_attention(x)
    # sans division par √d : on compense l'échelle de torch
    ref = F.scaled_dot_product_attention(x, x, x, scale=1.0)
    assert torch.allclose(context, ref, atol=1e-5)
    assert torch.allclose(weights.sum(-1), torch.ones(2, 6))


# --- 2. Le masque causal et la formule -------------------------------------------------------


def test_causal_mask_hides_exactly_the_future():
    m = causal_mask(4)
    assert m.dtype == torch.bool and m.shape == (4, 4)
    for i in range(4):
        for j in range(4):
            assert bool(m[i, j]) == (j > i)


@pytest.mark.parametrize("masked", [False, True])
def test_scaled_dot_product_attention_matches_torch(masked):
    q, k, v = torch.randn(3, 2, 7, 8).unbind(0)
    mask = causal_mask(7) if masked else None
    out, w = scaled_dot_product_attention(q, k, v, mask)
    # torch : True = « peut regarder », l'inverse de notre convention
    ref = F.scaled_dot_product_attention(q, k, v, attn_mask=None if mask is None else ~mask)
    assert torch.allclose(out, ref, atol=1e-5)
    ref_causal = F.scaled_dot_product_attention(q, k, v, is_causal=masked)
    assert torch.allclose(out, ref_causal, atol=1e-5)
    scores = q @ k.transpose(-2, -1) / math.sqrt(8)
    if masked:
        assert torch.all(w[..., mask] == 0)
        scores = scores.masked_fill(mask, -math.inf)
    assert torch.allclose(w, torch.softmax(scores, -1), atol=1e-6)


def test_softmax_is_over_the_keys_axis():
    q, k, v = torch.randn(3, 5, 4).unbind(0)
    _, w = scaled_dot_product_attention(q, k, v, causal_mask(5))
    assert torch.allclose(w.sum(-1), torch.ones(5))  # chaque requête somme à 1
    assert not torch.allclose(w.sum(-2), torch.ones(5))  # pas chaque clé


def test_dropout_only_in_training_and_same_mask_as_torch():
    q, k, v = torch.randn(3, 1, 6, 4).unbind(0)
    out_eval, _ = scaled_dot_product_attention(q, k, v, dropout_p=0.5, training=False)
    assert torch.allclose(out_eval, F.scaled_dot_product_attention(q, k, v), atol=1e-6)
    torch.manual_seed(3)
    out, w = scaled_dot_product_attention(q, k, v, dropout_p=0.5, training=True)
    kept = w != 0
    assert 0 < kept.float().mean() < 1  # des poids éteints, d'autres gardés
    assert torch.allclose(out, w @ v)  # les poids rendus sont ceux appliqués
    # les survivants sont remis à l'échelle par 1 / (1 - p)
    _, w0 = scaled_dot_product_attention(q, k, v)
    assert torch.allclose(w[kept], 2 * w0[kept], atol=1e-6)


# --- 3. Avec poids : SelfAttention, CausalAttention ----------------------------------------


def _copy_qkv(dst, src):
    for name in ("W_query", "W_key", "W_value"):
        getattr(dst, name).load_state_dict(getattr(src, name).state_dict())


def test_self_attention_and_causal_attention_match_the_book():
    from llms_from_scratch.ch03 import CausalAttention as BookCausal
    from llms_from_scratch.ch03 import SelfAttention_v2

    x = torch.randn(6, 5)
    book = SelfAttention_v2(5, 3, qkv_bias=True)
    ours = SelfAttention(5, 3, qkv_bias=True)
    _copy_qkv(ours, book)
    assert torch.allclose(ours(x), book(x), atol=1e-6)

    book = BookCausal(5, 3, context_length=6, dropout=0.0, qkv_bias=False).eval()
    ours = CausalAttention(5, 3, context_length=6)
    _copy_qkv(ours, book)
    out, w = ours(x[None], return_weights=True)
    assert torch.allclose(out, book(x[None]), atol=1e-6)
    assert torch.all(w[0][causal_mask(6)] == 0)


def test_causal_attention_refuses_a_sequence_longer_than_its_context():
    layer = CausalAttention(4, 4, context_length=3)
    with pytest.raises(ValueError, match="plus longue que le contexte"):
        layer(torch.randn(1, 5, 4))


# --- 4. Plusieurs têtes -----------------------------------------------------------------------


def _mha_pair(d=12, heads=3, ctx=8, bias=False):
    ours = MultiHeadAttention(d, d, ctx, heads, qkv_bias=bias).eval()
    return ours


@pytest.mark.parametrize("bias", [False, True])
def test_multi_head_matches_llms_from_scratch_with_copied_weights(bias):
    from llms_from_scratch.ch03 import MultiHeadAttention as BookMHA

    book = BookMHA(12, 12, 8, 0.0, 3, qkv_bias=bias).eval()
    ours = _mha_pair(bias=bias)
    _copy_qkv(ours, book)
    ours.out_proj.load_state_dict(book.out_proj.state_dict())
    x = torch.randn(2, 8, 12)
    assert torch.allclose(ours(x), book(x), atol=1e-6)


def test_multi_head_matches_torch_multihead_attention():
    d, heads, T = 12, 3, 7
    ref = torch.nn.MultiheadAttention(d, heads, bias=True, batch_first=True).eval()
    ours = MultiHeadAttention(d, d, T, heads, qkv_bias=True).eval()
    wq, wk, wv = ref.in_proj_weight.chunk(3)
    bq, bk, bv = ref.in_proj_bias.chunk(3)
    with torch.no_grad():
        for lin, w, b in ((ours.W_query, wq, bq), (ours.W_key, wk, bk), (ours.W_value, wv, bv)):
            lin.weight.copy_(w)
            lin.bias.copy_(b)
        ours.out_proj.load_state_dict(ref.out_proj.state_dict())
    x = torch.randn(2, T, d)
    expected, ref_w = ref(
        x, x, x, attn_mask=causal_mask(T), need_weights=True, average_attn_weights=False
    )
    out, w = ours(x, return_weights=True)
    assert torch.allclose(out, expected, atol=1e-5)
    assert w.shape == (2, heads, T, T) and torch.allclose(w, ref_w, atol=1e-6)


def test_heads_are_independent_attentions_on_slices():
    """Découper par view/transpose revient à faire chaque tête à part."""
    ours = _mha_pair()
    x = torch.randn(1, 8, 12)
    _, w = ours(x, return_weights=True)
    q, k = ours.W_query(x), ours.W_key(x)
    for h in range(3):
        sl = slice(4 * h, 4 * h + 4)
        _, wh = scaled_dot_product_attention(q[..., sl], k[..., sl], k[..., sl], causal_mask(8))
        assert torch.allclose(w[:, h], wh, atol=1e-6)


def test_multi_head_has_no_python_loop_over_heads():
    import inspect

    src = inspect.getsource(MultiHeadAttention.forward)
    assert "for " not in src and ".view(" in inspect.getsource(MultiHeadAttention)


def test_multi_head_accepts_an_unbatched_sequence():
    ours = _mha_pair()
    x = torch.randn(5, 12)
    out, w = ours(x, return_weights=True)
    assert out.shape == (5, 12) and w.shape == (3, 5, 5)
    assert torch.allclose(out, ours(x[None])[0])


def test_multi_head_refuses_indivisible_heads_in_french_at_construction():
    with pytest.raises(ValueError, match="multiple du nombre de têtes"):
        MultiHeadAttention(10, 10, 8, num_heads=3)


def test_multi_head_parameter_count():
    d = 12
    assert sum(p.numel() for p in _mha_pair(d).parameters()) == 4 * d * d + d
    with_bias = MultiHeadAttention(d, d, 8, 3, qkv_bias=True)
    assert sum(p.numel() for p in with_bias.parameters()) == 4 * d * d + 4 * d


def test_wrong_input_size_gives_a_french_error():
    with pytest.raises(ValueError, match="attend x de forme"):
        _mha_pair()(torch.randn(2, 5, 7))


# --- Figure -------------------------------------------------------------------------------------


def test_plot_attention_draws_the_weights_with_token_labels():
    import matplotlib

    matplotlib.use("Agg")
    _, w = simple_attention(torch.randn(4, 3))
    ax = plot_attention(w, ["L", "e", " ", "\n"], title="essai")
    img = ax.images[0].get_array()
    assert torch.allclose(torch.as_tensor(img.data), w, atol=1e-6)
    assert [t.get_text() for t in ax.get_yticklabels()] == ["L", "e", "␣", "↵"]
    assert "essai" in (ax.get_title("left"), ax.get_title("center"))
    # La barre de couleur parle français : « 0,25 », pas « 0.25 ».
    bar_ax = ax.figure.axes[-1]
    ax.figure.canvas.draw()
    ticks = [t.get_text() for t in bar_ax.get_yticklabels() if t.get_text()]
    assert ticks and all("." not in t for t in ticks) and any("," in t for t in ticks)
    with pytest.raises(ValueError, match="une par token"):
        plot_attention(w, ["a", "b"])
    with pytest.raises(ValueError, match="matrice"):
        plot_attention(torch.rand(2, 4, 4), list("abcd"))
