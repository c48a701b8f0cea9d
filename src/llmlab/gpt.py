"""Un mini-GPT : l'architecture de GPT-2, en petit.

Les pièces, dans l'ordre d'un passage avant :

* embeddings des tokens et des positions, additionnés ;
* ``n_layer`` :class:`TransformerBlock` **pre-LN** : la LayerNorm est
  appliquée *avant* l'attention et avant le MLP, et la connexion
  résiduelle ajoute le résultat à x intact. Le chemin résiduel reste
  ainsi une simple somme de l'entrée à la sortie : les gradients y
  passent sans être renormalisés à chaque couche, ce qui rend les
  réseaux profonds stables sans long échauffement (*warm-up*) du
  taux d'apprentissage.
  (Le Transformer de 2017 était post-LN : ``x = LN(x + attn(x))``.
  GPT-2 a déplacé la norme ; c'est ce placement qu'on enseigne.)
* une LayerNorm finale, puis la tête linéaire qui donne les logits
  du token suivant ; elle peut partager ses poids avec l'embedding
  des tokens (``tie_weights``, comme GPT-2).

Deux chemins qui calculent la même chose (testé) :

* ``GPT(config)`` : le chemin rapide pour s'entraîner, avec
  l'attention fusionnée de torch (``F.scaled_dot_product_attention``),
  Q, K, V d'un seul produit matriciel, ``nn.LayerNorm`` et la GELU
  de torch ;
* ``GPT(config, fast=False)`` : le chemin pédagogique, avec
  :class:`llmlab.attention.MultiHeadAttention`, :class:`LayerNorm` et
  :class:`GELU` écrits à la main.

`llmlab.gpt_weights` copie les poids de l'un à l'autre, et depuis le
``GPTModel`` du livre de S. Raschka : mêmes poids, mêmes logits.

La génération (:meth:`GPT.generate`) garde un **cache KV** : les clés
et valeurs des tokens déjà lus ne sont calculées qu'une fois.
Ce module ne lit aucun fichier : le modèle livré se charge avec
``llmlab.shipped.load_shipped_gpt()``.
"""
from __future__ import annotations

import math
import warnings
from dataclasses import asdict, dataclass

import torch
import torch.nn.functional as F
from torch import nn

from llmlab.attention import MultiHeadAttention, causal_mask, scaled_dot_product_attention
from llmlab.configs import config_from_dict
from llmlab.sampling import check_sampling_options, next_token_probs

# --------------------------------------------------------------------------
# Configuration
# --------------------------------------------------------------------------

@dataclass
class GPTConfig:
    """La taille d'un GPT (vocabulaire, contexte, couches…).

    Noms de nanoGPT ; ``to_gptmodel_cfg()`` donne le
    dictionnaire du livre de Raschka."""

    vocab_size: int
    context_length: int
    n_embd: int
    n_head: int
    n_layer: int
    dropout: float = 0.0
    qkv_bias: bool = True
    tie_weights: bool = True

    def __post_init__(self):
        for name in ("vocab_size", "context_length", "n_embd",
                     "n_head", "n_layer"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) \
                    or value < 1:
                raise ValueError(
                    f"{name} doit être un entier ≥ 1 (reçu {value!r}).")
        if self.n_embd % self.n_head != 0:
            raise ValueError(
                f"n_embd ({self.n_embd}) doit être un multiple de "
                f"n_head ({self.n_head}) : chaque tête reçoit "
                "n_embd / n_head dimensions. Essayez par exemple "
                f"n_head = {_divisor_hint(self.n_embd, self.n_head)}.")
        if not 0.0 <= self.dropout < 1.0:
            raise ValueError(
                f"dropout doit être dans [0, 1[ (reçu {self.dropout}).")

    @property
    def head_dim(self) -> int:
        return self.n_embd // self.n_head

    def to_dict(self) -> dict:
        return asdict(self)

    def to_gptmodel_cfg(self) -> dict:
        """La même taille au format de ``llms_from_scratch.ch04``."""
        return {"vocab_size": self.vocab_size,
                "context_length": self.context_length,
                "emb_dim": self.n_embd, "n_heads": self.n_head,
                "n_layers": self.n_layer, "drop_rate": self.dropout,
                "qkv_bias": self.qkv_bias}


def _divisor_hint(n_embd, n_head) -> int:
    """Le diviseur de n_embd le plus proche de n_head."""
    divisors = [d for d in range(1, n_embd + 1) if n_embd % d == 0]
    return min(divisors, key=lambda d: (abs(d - n_head), d))


#: GPT-2 « small » : 12 couches, 12 têtes, 768 dimensions, contexte
#: 1 024, vocabulaire BPE de 50 257 tokens.
GPT2_124M = GPTConfig(vocab_size=50257, context_length=1024, n_embd=768,
                      n_head=12, n_layer=12)


def _as_config(config) -> GPTConfig:
    if isinstance(config, GPTConfig):
        return config
    if isinstance(config, dict):
        args = {k: v for k, v in config.items() if k != "model"}
        return config_from_dict(GPTConfig, args, "pour un GPT")
    raise TypeError("config doit être un GPTConfig ou un dict "
                    f"(reçu {type(config).__name__}).")


# --------------------------------------------------------------------------
# Les pièces écrites à la main
# --------------------------------------------------------------------------

class LayerNorm(nn.Module):
    """Normalise chaque vecteur : moyenne 0, variance 1, puis
    ``weight`` (échelle) et ``bias`` (décalage) appris.

    La variance est celle de la population (divisée par n, pas
    n - 1), comme ``torch.nn.LayerNorm``.
    """

    def __init__(self, emb_dim, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(emb_dim))
        self.bias = nn.Parameter(torch.zeros(emb_dim))

    def forward(self, x):
        mean = x.mean(dim=-1, keepdim=True)
        var = x.var(dim=-1, keepdim=True, unbiased=False)
        x_hat = (x - mean) / torch.sqrt(var + self.eps)
        return self.weight * x_hat + self.bias


class GELU(nn.Module):
    """GELU, approximation tanh de GPT-2 :
    0,5·x·(1 + tanh(√(2/π)·(x + 0,044715·x³))).

    Comme ReLU pour x grand, mais lisse autour de 0 et un
    peu négative pour x < 0 : le gradient n'y est pas nul.
    """

    def forward(self, x):
        c = math.sqrt(2.0 / math.pi)
        inner = c * (x + 0.044715 * x ** 3)
        return 0.5 * x * (1.0 + torch.tanh(inner))


def _norm(cfg, fast):
    return nn.LayerNorm(cfg.n_embd) if fast else LayerNorm(cfg.n_embd)


class FeedForward(nn.Module):
    """Le MLP de chaque bloc : n_embd -> 4·n_embd -> n_embd.

    L'attention mélange les tokens entre eux ; ce MLP
    transforme chaque token seul, position par position.
    """

    def __init__(self, cfg, fast=True):
        super().__init__()
        cfg = _as_config(cfg)
        self.fc = nn.Linear(cfg.n_embd, 4 * cfg.n_embd)
        self.act = (nn.GELU(approximate="tanh") if fast
                    else GELU())
        self.proj = nn.Linear(4 * cfg.n_embd, cfg.n_embd)

    def forward(self, x):
        return self.proj(self.act(self.fc(x)))


# --------------------------------------------------------------------------
# L'attention rapide, avec cache KV
# --------------------------------------------------------------------------

class CausalSelfAttention(nn.Module):
    """Attention causale multi-têtes du chemin rapide.

    Même calcul que ``attention.MultiHeadAttention`` (testé
    à poids copiés), mais Q, K, V sortent d'un seul
    ``nn.Linear`` (``qkv``) et softmax(QKᵀ/√d)·V est fait
    par le noyau fusionné de torch.
    """

    def __init__(self, cfg):
        super().__init__()
        cfg = _as_config(cfg)
        self.n_head, self.n_embd = cfg.n_head, cfg.n_embd
        self.dropout = cfg.dropout
        self.qkv = nn.Linear(cfg.n_embd, 3 * cfg.n_embd,
                             bias=cfg.qkv_bias)
        self.out_proj = nn.Linear(cfg.n_embd, cfg.n_embd)

    def _heads(self, x):
        B, T, C = x.shape
        q, k, v = self.qkv(x).split(C, dim=2)
        shape = (B, T, self.n_head, C // self.n_head)
        return [t.view(shape).transpose(1, 2)
                for t in (q, k, v)]

    def forward(self, x):
        y, _ = self.forward_cached(x)
        return y

    def forward_cached(self, x, past=None,
                       return_weights=False):
        """``past`` : (K, V) des tokens précédents, ou None.

        Rend (sortie, (K, V) à jour) ; avec
        ``return_weights``, aussi les poids
        (B, têtes, T, T_total).
        """
        B, T, C = x.shape
        q, k, v = self._heads(x)
        if past is not None:
            k = torch.cat([past[0], k], dim=2)
            v = torch.cat([past[1], v], dim=2)
        Tk = k.shape[2]
        p = self.dropout if self.training else 0.0
        weights = None
        sdpa = F.scaled_dot_product_attention
        if return_weights:      # à la main, pour les voir
            mask = causal_mask(Tk, x.device)[Tk - T:]
            y, weights = scaled_dot_product_attention(
                q, k, v, mask, p, self.training)
        elif Tk == T:           # pas de passé : causal
            y = sdpa(q, k, v, dropout_p=p, is_causal=True)
        elif T == 1:            # un nouveau token voit tout
            y = sdpa(q, k, v, dropout_p=p)
        else:                   # plusieurs nouveaux tokens
            ok = ~causal_mask(Tk, x.device)[Tk - T:]
            y = sdpa(q, k, v, attn_mask=ok, dropout_p=p)
        y = y.transpose(1, 2).reshape(B, T, C)
        out = self.out_proj(y)
        if return_weights:
            return out, (k, v), weights
        return out, (k, v)


# --------------------------------------------------------------------------
# Le bloc et le modèle
# --------------------------------------------------------------------------

class TransformerBlock(nn.Module):
    """Un bloc pre-LN : la norme avant, la somme après.

    ``fast=False`` : les pièces écrites à la main (même
    calcul, plus lent).
    """

    def __init__(self, cfg, fast=True):
        super().__init__()
        cfg = _as_config(cfg)
        self.ln_1 = _norm(cfg, fast)
        if fast:
            self.attn = CausalSelfAttention(cfg)
        else:
            self.attn = MultiHeadAttention(
                cfg.n_embd, cfg.n_embd, cfg.context_length,
                cfg.n_head, cfg.dropout, cfg.qkv_bias)
        self.ln_2 = _norm(cfg, fast)
        self.mlp = FeedForward(cfg, fast)
        self.drop = (nn.Dropout(cfg.dropout) if cfg.dropout
                     else nn.Identity())

    def forward(self, x):
        """Pre-LN (GPT-2) : x + f(LN(x)), jamais LN(x + f(x)).

        Le chemin résiduel x -> sortie reste une somme pure.
        """
        x = x + self.drop(self.attn(self.ln_1(x)))
        x = x + self.drop(self.mlp(self.ln_2(x)))
        return x

    def forward_cached(self, x, past=None,
                       return_weights=False):
        """Comme forward, avec le cache KV de l'attention."""
        got = self.attn.forward_cached(self.ln_1(x), past,
                                       return_weights)
        x = x + self.drop(got[0])
        x = x + self.drop(self.mlp(self.ln_2(x)))
        return (x, *got[1:])


class GPT(nn.Module):
    """Le modèle GPT : embeddings, blocs, LayerNorm finale, tête.

    ``config`` : un :class:`GPTConfig` (ou son dict) ;
    ``fast=False`` construit le chemin pédagogique.
    """

    def __init__(self, config, fast=True):
        super().__init__()
        cfg = _as_config(config)
        self.cfg, self.fast = cfg, fast
        #: Dict sérialisable : ``GPT.from_config(model.config)``.
        self.config = {"model": "gpt", **cfg.to_dict()}
        self.tok_emb = nn.Embedding(cfg.vocab_size, cfg.n_embd)
        self.pos_emb = nn.Embedding(cfg.context_length,
                                    cfg.n_embd)
        self.drop = (nn.Dropout(cfg.dropout) if cfg.dropout
                     else nn.Identity())
        self.blocks = nn.ModuleList(
            TransformerBlock(cfg, fast)
            for _ in range(cfg.n_layer))
        self.ln_f = _norm(cfg, fast)
        self.lm_head = nn.Linear(cfg.n_embd, cfg.vocab_size,
                                 bias=False)
        if cfg.tie_weights:
            self.lm_head.weight = self.tok_emb.weight
        self.reset_parameters()

    def reset_parameters(self):
        """Initialisation de GPT-2 : normale(0 ; 0,02),
        biais nuls, et 0,02/√(2·n_layer) pour les deux
        projections de chaque bloc qui écrivent dans le
        chemin résiduel : sa variance ne grandit pas avec
        la profondeur."""
        for m in self.modules():
            if isinstance(m, (nn.Linear, nn.Embedding)):
                nn.init.normal_(m.weight, 0.0, 0.02)
            if isinstance(m, nn.Linear) and m.bias is not None:
                nn.init.zeros_(m.bias)
        std = 0.02 / math.sqrt(2 * self.cfg.n_layer)
        for block in self.blocks:
            nn.init.normal_(block.attn.out_proj.weight, 0.0, std)
            nn.init.normal_(block.mlp.proj.weight, 0.0, std)

    @classmethod
    def from_config(cls, config: dict, fast=True) -> GPT:
        """Le modèle décrit par ``config`` ; refuse celle d'un
        autre modèle (un GRU, par exemple)."""
        if not isinstance(config, dict) or config.get("model") != "gpt":
            kind = config.get("model") if isinstance(config, dict) \
                else None
            raise ValueError(
                f"Ce checkpoint n'est pas celui d'un GPT (modèle : "
                f"{kind!r}) : chargez-le avec la classe du modèle qui "
                "l'a produit.")
        return cls(config, fast=fast)

    def _check_length(self, T):
        if T > self.cfg.context_length:
            raise ValueError(
                f"Séquence de {T} tokens, plus longue que le contexte "
                f"du modèle ({self.cfg.context_length}) : gardez les "
                f"{self.cfg.context_length} derniers, idx[:, -"
                f"{self.cfg.context_length}:].")

    def forward(self, idx):
        """idx (B, T) d'identifiants -> logits (B, T, V)."""
        B, T = idx.shape
        self._check_length(T)
        pos = torch.arange(T, device=idx.device)
        x = self.tok_emb(idx) + self.pos_emb(pos)
        x = self.drop(x)
        for block in self.blocks:
            x = block(x)
        return self.lm_head(self.ln_f(x))

    def _forward_cached(self, idx, pasts, start):
        """Logits des tokens ``idx`` placés après ``start`` tokens
        déjà en cache ; rend aussi les caches à jour."""
        T = idx.shape[1]
        pos = torch.arange(start, start + T, device=idx.device)
        x = self.drop(self.tok_emb(idx) + self.pos_emb(pos))
        pasts = pasts or [None] * len(self.blocks)
        new = []
        for block, past in zip(self.blocks, pasts):
            x, kv = block.forward_cached(x, past)
            new.append(kv)
        return self.lm_head(self.ln_f(x)), new

    # ---------------------------------------------------------------- tailles

    def num_parameters(self) -> int:
        """Nombre de paramètres ; un poids partagé (tête et
        embedding) ne compte qu'une fois."""
        return sum(p.numel() for p in self.parameters())

    def memory_bytes(self, dtype=torch.float32) -> int:
        """Place des poids en mémoire : 4 octets par paramètre en
        float32, 2 en bfloat16 ou float16 (sans optimiseur ni
        activations)."""
        if isinstance(dtype, str):
            dtype = _DTYPES.get(dtype, dtype)
        if not isinstance(dtype, torch.dtype):
            raise ValueError(
                f"dtype inconnu : {dtype!r} ; donnez "
                "torch.float32, torch.bfloat16, « fp32 », "
                "« bf16 » ou « fp16 ».")
        size = torch.empty((), dtype=dtype).element_size()
        return self.num_parameters() * size

    # ---------------------------------------------------------- visualisation

    @torch.no_grad()
    def attention_maps(self, idx):
        """Poids d'attention (n_layer, n_head, T, T).

        ``idx`` : (1, T) ou (T,). Chaque ligne d'une carte somme
        à 1 ; au-dessus de la diagonale, tout vaut 0 (causal).
        """
        if idx.ndim == 1:
            idx = idx[None]
        if idx.ndim != 2 or idx.shape[0] != 1:
            raise ValueError(
                "attention_maps attend une seule séquence, "
                f"(1, T) ou (T,) ; reçu {tuple(idx.shape)}.")
        T = idx.shape[1]
        self._check_length(T)
        was_training = self.training
        self.eval()
        try:
            pos = torch.arange(T, device=idx.device)
            x = self.tok_emb(idx) + self.pos_emb(pos)
            maps = []
            for block in self.blocks:
                x, w = self._block_with_weights(block, x)
                maps.append(w[0])
        finally:
            self.train(was_training)
        return torch.stack(maps)

    @staticmethod
    def _block_with_weights(block, x):
        if isinstance(block.attn, CausalSelfAttention):
            x, _, w = block.forward_cached(x, None, True)
            return x, w
        a, w = block.attn(block.ln_1(x), return_weights=True)
        x = x + a
        return x + block.mlp(block.ln_2(x)), w

    # ------------------------------------------------------------ génération

    @torch.no_grad()
    def generate(self, idx, max_new_tokens, temperature=1.0,
                 top_k=None, top_p=None, greedy=False,
                 use_cache=True, generator=None):
        """Prolonge ``idx`` (B, T) de ``max_new_tokens`` tokens.

        ``greedy=True`` : toujours le plus probable ; sinon
        tirage après température, top-k et top-p. Avec
        ``use_cache``, les clés et valeurs déjà calculées
        sont gardées : chaque pas ne traite que le nouveau
        token (mêmes tokens que sans cache). Au-delà du
        contexte, seuls les derniers tokens sont lus ; leurs
        positions changent à chaque pas et le cache ne sert
        plus : on recalcule la fenêtre entière.
        """
        _check_generate(idx, max_new_tokens, temperature,
                        top_k, top_p)
        ctx = self.cfg.context_length
        if idx.shape[1] > ctx:
            warnings.warn(
                f"Le début fait {idx.shape[1]} tokens, plus que "
                f"le contexte du modèle ({ctx}) : seuls les "
                f"{ctx} derniers sont lus.", stacklevel=2)
        caching = use_cache and self.fast
        was_training = self.training
        self.eval()
        out, pasts, n_past = idx, None, 0
        try:
            for _ in range(max_new_tokens):
                if pasts is not None and n_past < ctx:
                    logits, pasts = self._forward_cached(
                        out[:, -1:], pasts, n_past)
                    n_past += 1
                elif caching and out.shape[1] <= ctx:
                    logits, pasts = self._forward_cached(
                        out, None, 0)
                    n_past = out.shape[1]
                else:
                    logits, pasts = self(out[:, -ctx:]), None
                nxt = _pick(logits[:, -1, :], temperature, top_k,
                            top_p, greedy, generator)
                out = torch.cat([out, nxt], dim=1)
        finally:
            self.train(was_training)
        return out


def _check_generate(idx, max_new_tokens, temperature, top_k,
                    top_p):
    check_sampling_options(temperature, top_k, top_p)
    if isinstance(max_new_tokens, bool) or not isinstance(
            max_new_tokens, int) or max_new_tokens < 0:
        raise ValueError("max_new_tokens doit être un entier ≥ 0 "
                         f"(reçu {max_new_tokens!r}).")
    if idx.ndim != 2 or idx.shape[1] == 0:
        raise ValueError("generate attend un début non vide de "
                         f"forme (B, T) ; reçu {tuple(idx.shape)}.")


_DTYPES = {"fp32": torch.float32, "float32": torch.float32,
           "bf16": torch.bfloat16, "bfloat16": torch.bfloat16,
           "fp16": torch.float16, "float16": torch.float16}


def _pick(logits, temperature, top_k, top_p, greedy, generator):
    if greedy:
        return logits.argmax(dim=-1, keepdim=True)
    probs = next_token_probs(logits.float(), temperature, top_k, top_p)
    return torch.multinomial(probs, 1, generator=generator)


# --------------------------------------------------------------------------
# Outils
# --------------------------------------------------------------------------

@torch.no_grad()
def top_next(model, tokenizer, prompt, k=10):
    """Les k tokens les plus probables après ``prompt`` :
    DataFrame ``token``, ``probabilite`` (décroissantes)."""
    import pandas as pd

    if not prompt:
        raise ValueError("Le début (prompt) est vide : donnez au "
                         "moins un caractère.")
    ids = tokenizer.encode(prompt)
    ctx = model.cfg.context_length
    if len(ids) > ctx:
        warnings.warn(
            f"Le début fait {len(ids)} tokens, plus que le contexte "
            f"({ctx}) : seuls les {ctx} derniers sont lus.",
            stacklevel=2)
        ids = ids[-ctx:]
    device = next(model.parameters()).device
    was_training = model.training
    model.eval()
    try:
        x = torch.tensor([ids], dtype=torch.long, device=device)
        probs = torch.softmax(model(x)[0, -1].float(), dim=-1)
    finally:
        model.train(was_training)
    k = min(int(k), probs.numel())
    p, i = torch.topk(probs, k)
    tokens = [tokenizer.decode([int(j)]) for j in i]
    return pd.DataFrame({"token": tokens,
                         "probabilite": p.cpu().numpy()})
