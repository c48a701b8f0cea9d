"""Les poids d'un GPT passent d'un modèle à l'autre : la preuve que deux GPT sont le même.

`copy_gpt_weights` copie les poids entre les deux chemins de `llmlab.gpt` (le rapide, Q, K,
V fusionnés ; l'écrit à la main, Q, K, V séparés) : mêmes poids, mêmes logits (testé).
`load_gptmodel_weights` copie ceux du ``GPTModel`` du livre de S. Raschka
(``llms_from_scratch.ch04``) dans notre `GPT` : c'est l'opération que montre la partie
« Les poids » du deck « Construire un LLM », celle qui charge les poids publiés d'OpenAI.
Rien ne se télécharge ici : les deux modèles sont construits au hasard.
"""

from __future__ import annotations

import torch

from llmlab.gpt import GPT, CausalSelfAttention, GPTConfig


def _qkv_of(attn):
    """(poids Q, K, V), (biais Q, K, V ou None) d'une attention."""
    if isinstance(attn, CausalSelfAttention):
        C = attn.n_embd
        w = attn.qkv.weight.split(C, dim=0)
        b = attn.qkv.bias.split(C) if attn.qkv.bias is not None else (None,) * 3
        return w, b
    lin = (attn.W_query, attn.W_key, attn.W_value)
    return tuple(x.weight for x in lin), tuple(x.bias for x in lin)


def _set_qkv(attn, w, b):
    if isinstance(attn, CausalSelfAttention):
        attn.qkv.weight.copy_(torch.cat(w, dim=0))
        if attn.qkv.bias is not None:
            attn.qkv.bias.copy_(torch.cat(b))
        return
    for lin, wi, bi in zip((attn.W_query, attn.W_key, attn.W_value), w, b):
        lin.weight.copy_(wi)
        if lin.bias is not None:
            lin.bias.copy_(bi)


def _copy_linear(dst, src):
    dst.weight.copy_(src.weight)
    if dst.bias is not None:
        dst.bias.copy_(src.bias)


def _check_same_size(dst, src_cfg: GPTConfig):
    a, b = dst.cfg.to_dict(), src_cfg.to_dict()
    diff = [k for k in a if k not in ("dropout", "tie_weights") and a[k] != b[k]]
    if diff:
        shown = ", ".join(f"{k} : {b[k]} ≠ {a[k]}" for k in diff)
        raise ValueError(
            f"Les deux modèles n'ont pas la même taille ({shown}) : "
            "construisez le GPT avec la même configuration."
        )


@torch.no_grad()
def copy_gpt_weights(dst: GPT, src: GPT) -> GPT:
    """Copie les poids de ``src`` dans ``dst``, chemins rapide et
    pédagogique mélangés permis (Q, K, V fusionnés ou non)."""
    _check_same_size(dst, src.cfg)
    if dst.cfg.tie_weights and not src.cfg.tie_weights:
        raise ValueError(
            "dst partage tête et embedding, pas src : construisez dst avec tie_weights=False."
        )
    dst.tok_emb.weight.copy_(src.tok_emb.weight)
    dst.pos_emb.weight.copy_(src.pos_emb.weight)
    for bd, bs in zip(dst.blocks, src.blocks):
        for name in ("ln_1", "ln_2"):
            _copy_linear(getattr(bd, name), getattr(bs, name))
        _set_qkv(bd.attn, *_qkv_of(bs.attn))
        _copy_linear(bd.attn.out_proj, bs.attn.out_proj)
        _copy_linear(bd.mlp.fc, bs.mlp.fc)
        _copy_linear(bd.mlp.proj, bs.mlp.proj)
    _copy_linear(dst.ln_f, src.ln_f)
    dst.lm_head.weight.copy_(src.lm_head.weight)
    return dst


@torch.no_grad()
def load_gptmodel_weights(model: GPT, gptmodel) -> GPT:
    """Copie les poids d'un ``GPTModel`` de ``llms_from_scratch.ch04``
    (le livre de Raschka) dans ``model``, de même taille.

    ``GPTModel`` a une tête distincte de l'embedding : ``model``
    doit avoir ``tie_weights=False``. Les logits sont alors égaux
    (testé à 1e-5) : notre GPT est bien celui du livre.
    """
    if model.cfg.tie_weights:
        raise ValueError(
            "GPTModel ne partage pas la tête et l'embedding des "
            "tokens : construisez le GPT avec tie_weights=False."
        )
    blocks = list(gptmodel.trf_blocks)
    first = blocks[0].att
    src_cfg = GPTConfig(
        vocab_size=gptmodel.tok_emb.num_embeddings,
        context_length=gptmodel.pos_emb.num_embeddings,
        n_embd=gptmodel.tok_emb.embedding_dim,
        n_head=first.num_heads,
        n_layer=len(blocks),
        qkv_bias=first.W_query.bias is not None,
        tie_weights=False,
    )
    _check_same_size(model, src_cfg)
    model.tok_emb.weight.copy_(gptmodel.tok_emb.weight)
    model.pos_emb.weight.copy_(gptmodel.pos_emb.weight)
    for ours, theirs in zip(model.blocks, blocks):
        for dst, src in ((ours.ln_1, theirs.norm1), (ours.ln_2, theirs.norm2)):
            dst.weight.copy_(src.scale)
            dst.bias.copy_(src.shift)
        att = theirs.att
        lin = (att.W_query, att.W_key, att.W_value)
        _set_qkv(ours.attn, tuple(x.weight for x in lin), tuple(x.bias for x in lin))
        _copy_linear(ours.attn.out_proj, att.out_proj)
        _copy_linear(ours.mlp.fc, theirs.ff.layers[0])
        _copy_linear(ours.mlp.proj, theirs.ff.layers[2])
    model.ln_f.weight.copy_(gptmodel.final_norm.scale)
    model.ln_f.bias.copy_(gptmodel.final_norm.shift)
    model.lm_head.weight.copy_(gptmodel.out_head.weight)
    return model
