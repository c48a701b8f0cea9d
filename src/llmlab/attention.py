"""L'attention, dans l'ordre où on l'apprend.

1. :func:`simple_attention` : sans aucun poids entraînable. Chaque
   token compare son vecteur à tous les autres (produits scalaires),
   une softmax change ces scores en poids, et le vecteur de contexte
   est la moyenne des vecteurs pondérée par ces poids.
2. :func:`scaled_dot_product_attention` : la formule du Transformer,
   softmax(QKᵀ/√d_k)·V, avec des requêtes, clés et valeurs distinctes.
   :class:`SelfAttention` les obtient par trois matrices apprises.
3. :func:`causal_mask` et :class:`CausalAttention` : un modèle qui
   prédit le token suivant ne doit pas voir l'avenir.
4. :class:`MultiHeadAttention` : plusieurs têtes, calculées toutes
   d'un coup par un simple changement de forme des tenseurs.

Chaque étape est vérifiée contre torch dans ``tests/test_attention.py``
(``torch.nn.functional.scaled_dot_product_attention``,
``torch.nn.MultiheadAttention``) et contre le livre de Raschka
(``llms_from_scratch.ch03``). Le mini-GPT (:mod:`llmlab.gpt`) utilise
pour s'entraîner la version fusionnée de torch, tout aussi exacte et
bien plus rapide.
"""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn


def simple_attention(x):
    """Attention sans poids : chaque token regarde les autres.

    x : (T, d) ou (B, T, d). Rend (contexte, poids).
    Le score de i vers j est le produit scalaire x_i·x_j :
    grand quand les deux vecteurs pointent dans le même sens.
    """
    scores = x @ x.transpose(-2, -1)     # (…, T, T)
    weights = torch.softmax(scores, -1)  # lignes : somme 1
    context = weights @ x                # moyennes pondérées
    return context, weights


def causal_mask(T, device=None):
    """Masque (T, T) : True au-dessus de la diagonale.

    La ligne i est la requête du token i ; les colonnes
    j > i sont des tokens futurs, qu'il ne doit pas voir.
    """
    ones = torch.ones(T, T, dtype=torch.bool, device=device)
    return torch.triu(ones, diagonal=1)


def scaled_dot_product_attention(q, k, v, mask=None,
                                 dropout_p=0.0,
                                 training=False):
    """softmax(Q·Kᵀ / √d_k)·V, écrite à la main.

    mask : booléen, True = position cachée (score -inf).
    Diviser par √d_k garde des scores d'écart type ~1 :
    sinon la softmax sature et ses gradients s'éteignent.
    Rend (sortie, poids) ; les poids sont ceux appliqués
    à V (après dropout si training).
    """
    d_k = q.shape[-1]
    scores = q @ k.transpose(-2, -1) / math.sqrt(d_k)
    if mask is not None:
        scores = scores.masked_fill(mask, float("-inf"))
    weights = torch.softmax(scores, dim=-1)
    if training and dropout_p > 0:
        weights = F.dropout(weights, dropout_p)
    return weights @ v, weights


def _check_shape(x, d_in, context_length=None):
    """Erreur en français plutôt qu'une erreur de matmul."""
    if x.ndim not in (2, 3) or x.shape[-1] != d_in:
        raise ValueError(
            f"L'attention attend x de forme (T, {d_in}) ou "
            f"(B, T, {d_in}) ; reçu {tuple(x.shape)}.")
    T = x.shape[-2]
    if context_length is not None and T > context_length:
        raise ValueError(
            f"Séquence de {T} tokens, plus longue que le contexte "
            f"({context_length}) : coupez-la ou construisez la "
            "couche avec un context_length plus grand.")


class SelfAttention(nn.Module):
    """Auto-attention avec poids : Q, K, V sont trois
    projections apprises de x (``W_query``, ``W_key``,
    ``W_value``). Un token peut ainsi chercher (requête)
    autre chose que ce qu'il offre (clé) et que ce qu'il
    transmet (valeur).
    """

    def __init__(self, d_in, d_out, qkv_bias=False):
        super().__init__()
        self.d_in, self.d_out = d_in, d_out
        self.context_length = None    # pas de limite
        self.W_query = nn.Linear(d_in, d_out, bias=qkv_bias)
        self.W_key = nn.Linear(d_in, d_out, bias=qkv_bias)
        self.W_value = nn.Linear(d_in, d_out, bias=qkv_bias)

    def _mask(self, T, device):
        return None

    def _dropout(self):
        return 0.0

    def forward(self, x, return_weights=False):
        _check_shape(x, self.d_in, self.context_length)
        q = self.W_query(x)
        k, v = self.W_key(x), self.W_value(x)
        out, w = scaled_dot_product_attention(
            q, k, v, self._mask(x.shape[-2], x.device),
            self._dropout(), self.training)
        return (out, w) if return_weights else out


class CausalAttention(SelfAttention):
    """:class:`SelfAttention` avec masque causal et dropout.

    Le token i ne voit que les tokens 0…i : à
    l'entraînement, le modèle prédit chaque token suivant
    sans pouvoir le lire. Le dropout, actif seulement en
    mode ``train()``, éteint au hasard des poids
    d'attention (régularisation).
    """

    def __init__(self, d_in, d_out, context_length,
                 dropout=0.0, qkv_bias=False):
        super().__init__(d_in, d_out, qkv_bias)
        self.context_length = context_length
        self.dropout = dropout
        # Un tampon non persistant : il suit .to(device) mais
        # n'encombre pas les state dicts.
        mask = causal_mask(context_length)
        self.register_buffer("mask", mask, persistent=False)

    def _mask(self, T, device):
        return self.mask[:T, :T]

    def _dropout(self):
        return self.dropout


class MultiHeadAttention(nn.Module):
    """Attention causale à plusieurs têtes, toutes d'un coup.

    Chaque tête travaille sur d_out / num_heads dimensions.
    Pas de boucle sur les têtes : on découpe Q, K, V par
    ``view`` puis ``transpose``, et un seul produit
    matriciel les traite toutes. ``out_proj`` mélange
    ensuite les têtes.
    """

    def __init__(self, d_in, d_out, context_length, num_heads,
                 dropout=0.0, qkv_bias=False):
        super().__init__()
        if num_heads < 1 or d_out % num_heads != 0:
            raise ValueError(
                f"d_out ({d_out}) doit être un multiple du "
                f"nombre de têtes ({num_heads}) : chaque "
                "tête reçoit d_out / num_heads dimensions.")
        self.d_in, self.d_out = d_in, d_out
        self.context_length = context_length
        self.num_heads = num_heads
        self.head_dim = d_out // num_heads
        self.dropout = dropout
        self.W_query = nn.Linear(d_in, d_out, bias=qkv_bias)
        self.W_key = nn.Linear(d_in, d_out, bias=qkv_bias)
        self.W_value = nn.Linear(d_in, d_out, bias=qkv_bias)
        self.out_proj = nn.Linear(d_out, d_out)
        mask = causal_mask(context_length)
        self.register_buffer("mask", mask, persistent=False)

    def split_heads(self, t):
        """(B, T, d_out) -> (B, têtes, T, head_dim)."""
        B, T, _ = t.shape
        t = t.view(B, T, self.num_heads, self.head_dim)
        return t.transpose(1, 2)

    def forward(self, x, return_weights=False):
        _check_shape(x, self.d_in, self.context_length)
        squeeze = x.ndim == 2
        if squeeze:
            x = x.unsqueeze(0)
        B, T, _ = x.shape
        q = self.split_heads(self.W_query(x))
        k = self.split_heads(self.W_key(x))
        v = self.split_heads(self.W_value(x))
        out, w = scaled_dot_product_attention(
            q, k, v, self.mask[:T, :T],
            self.dropout, self.training)
        # (B, têtes, T, hd) -> (B, T, têtes·hd) : on recolle
        out = out.transpose(1, 2).reshape(B, T, self.d_out)
        out = self.out_proj(out)
        if squeeze:
            out, w = out[0], w[0]
        return (out, w) if return_weights else out


def plot_attention(weights, labels, ax=None, title=None):
    """Carte de chaleur des poids d'attention (T, T).

    Lignes : les requêtes (le token qui regarde) ; colonnes :
    les clés (les tokens regardés). Chaque ligne somme à 1 ;
    avec un masque causal, tout ce qui est au-dessus de la
    diagonale vaut 0.
    """
    import matplotlib.pyplot as plt

    from llmlab import style
    from llmlab.display import french_ticks

    w = torch.as_tensor(weights).detach().cpu().numpy()
    if w.ndim != 2 or w.shape[0] != w.shape[1]:
        raise ValueError(
            "plot_attention attend une matrice (T, T) ; "
            f"reçu la forme {tuple(w.shape)} : choisissez "
            "une couche et une tête, p. ex. w[0, 0].")
    labels = [_label(t) for t in labels]
    if len(labels) != w.shape[0]:
        raise ValueError(
            f"{len(labels)} étiquettes pour {w.shape[0]} "
            "tokens : il en faut une par token.")
    style.use()
    if ax is None:
        # assez large pour le titre, même pour une phrase courte
        side = min(8.0, max(4.5, 1.6 + 0.32 * len(labels)))
        _, ax = plt.subplots(figsize=(side + 1.0, side),
                             layout="constrained")
    top = max(float(w.max()), 1e-9)
    im = ax.imshow(w, cmap="Greys", vmin=0.0, vmax=top)
    ax.set_xticks(range(len(labels)), labels, rotation=90)
    ax.set_yticks(range(len(labels)), labels)
    ax.set_xlabel("clés (tokens regardés)")
    ax.set_ylabel("requêtes")
    ax.grid(False)
    if title:
        ax.set_title(title)
    bar = ax.figure.colorbar(im, ax=ax, shrink=0.8, label="poids")
    french_ticks(bar)   # « 0,25 »
    return ax


def _label(token) -> str:
    """Un token lisible sur un axe, comme dans le reste du cours
    (`llmlab.display.visible` : « ␣ », « ↵ ») ; « ∅ » s'il est vide."""
    from llmlab.display import visible

    return visible(str(token).encode("utf-8")) or "∅"
