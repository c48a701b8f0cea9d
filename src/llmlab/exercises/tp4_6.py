"""Vérificateurs du TP 4.6 (le Transformer : l'attention pas à pas).

Les références sont écrites ici en quelques lignes de torch et les tests les comparent à
``llmlab.attention`` (elle-même testée contre
``torch.nn.functional.scaled_dot_product_attention``) et, pour le nombre de paramètres, à un
vrai ``llmlab.gpt.TransformerBlock``. Le masque causal de référence est directement
``llmlab.attention.causal_mask``.

Erreurs classiques reconnues : oublier √d_k ou diviser par d_k, calculer K·Qᵀ au lieu de
Q·Kᵀ, ``q @ k`` sans transposer, ``.T`` sur un lot ; masque inversé ou qui cache la diagonale ;
softmax sur l'axe des requêtes, masque à 0 au lieu de −∞, masque ajouté (0 × −∞ = NaN), masque
après la softmax ; poids transposés ; reshape sans transpose pour découper les têtes ; biais,
LayerNorm ou facteur 4 oubliés dans le compte des paramètres.
"""

from __future__ import annotations

import math

from llmlab.exercises.core import (
    Raises,
    Verdict,
    When,
    as_array,
    check_function,
    checker,
    evaluate_function,
    same,
    wrong,
)


def _random(shape: tuple, seed: int):
    import torch

    return torch.randn(*shape, generator=torch.Generator().manual_seed(seed))


# --- Exercice 1 : les scores Q·Kᵀ/√d_k ------------------------------------------------------
def attention_scores(q, k):
    """Référence : les scores Q·Kᵀ/√d_k, de forme (..., T, T) ; ligne = requête,
    colonne = clé."""
    return q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])


#: formes de q (et de k) : une séquence seule, un lot, un lot découpé en têtes. d_k ≠ T.
_QK_SHAPES = [(5, 4), (2, 6, 3), (2, 3, 4, 8), (1, 7, 2)]


def score_cases():
    """Les cas de l'exercice 1 : (q, k) aléatoires, fixés par une graine."""
    return [(_random(shape, 10 + i), _random(shape, 20 + i)) for i, shape in enumerate(_QK_SHAPES)]


SCORE_MISTAKES = [
    (
        lambda q, k: q @ k.transpose(-2, -1),
        "il manque la division par √d_k. Sans elle, les scores grandissent avec la taille des "
        "vecteurs et la softmax devient presque un « tout ou rien ».",
    ),
    (
        lambda q, k: q @ k.transpose(-2, -1) / q.shape[-1],
        "on divise par la RACINE de d_k (math.sqrt(d_k)), pas par d_k.",
    ),
    (
        lambda q, k: q @ k.transpose(-2, -1) * math.sqrt(q.shape[-1]),
        "il faut DIVISER par √d_k, pas multiplier.",
    ),
    (
        lambda q, k: k @ q.transpose(-2, -1) / math.sqrt(q.shape[-1]),
        "vous obtenez la transposée : c'est Q·Kᵀ (une LIGNE par requête), pas K·Qᵀ.",
    ),
    (
        lambda q, k: q @ k.transpose(-2, -1) / math.sqrt(q.shape[-2]),
        "d_k est la taille d'un vecteur (le dernier axe, q.shape[-1]), pas le nombre de tokens.",
    ),
    (
        lambda q, k: q @ k.transpose(-2, -1) / math.sqrt(q.shape[1]),
        "q.shape[1] n'est d_k que pour une séquence seule (T, d_k) ; sur un lot (B, T, d_k), "
        "c'est T. Prenez le dernier axe, q.shape[-1].",
    ),
    (
        lambda q, k: (q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])).softmax(dim=-1),
        "on demande les scores, AVANT la softmax (elle viendra à l'exercice 3).",
    ),
    (
        Raises("cannot be multiplied", RuntimeError),
        "q @ k multiplie (T, d_k) par (T, d_k) : il faut transposer k, Q·Kᵀ s'écrit "
        "`q @ k.transpose(-2, -1)`.",
    ),
    (
        Raises("size", RuntimeError),
        "Sur un lot, `k.T` retourne TOUS les axes : utilisez `k.transpose(-2, -1)`, qui n'échange "
        "que les deux derniers.",
    ),
]


@checker
def check_scores(fn) -> Verdict:
    """Exercice 1 : ``scores_attention(q, k)`` = Q·Kᵀ/√d_k, aussi pour un lot."""
    cases = score_cases()
    return check_function(
        fn,
        attention_scores,
        cases,
        "scores_attention",
        SCORE_MISTAKES,
        arg_names="q k",
        rtol=1e-5,
        atol=1e-6,
        success=f"`scores_attention` est juste sur les {len(cases)} cas "
        "testés, lots et têtes compris.",
    )


# --- Exercice 2 : le masque causal ----------------------------------------------------------
MASK_SIZES = [(5,), (1,), (2,), (8,)]


def reference_mask(T):
    """Référence : ``llmlab.attention.causal_mask`` (True au-dessus de la diagonale)."""
    from llmlab.attention import causal_mask

    return causal_mask(T)


def _ones(T):
    import torch

    return torch.ones(T, T, dtype=torch.bool)


MASK_MISTAKES = [
    (
        lambda T: _ones(T).tril(),
        "c'est le masque inverse : ici True veut dire CACHÉ, donc True pour les positions "
        "futures, au-dessus de la diagonale (torch.triu avec diagonal=1). torch.tril donne les "
        "positions visibles.",
    ),
    (
        lambda T: _ones(T).triu(),
        "la diagonale est cachée aussi : un token doit pouvoir se regarder lui-même. "
        "Décalez d'un cran, torch.triu(..., diagonal=1).",
    ),
    (
        lambda T: _ones(T).tril(diagonal=-1),
        "vous cachez le passé : ce sont les colonnes APRÈS la ligne (j > i) qu'il faut cacher, "
        "au-dessus de la diagonale.",
    ),
]


def _not_torch_bool(got, expected) -> bool:
    """Vrai pour les bonnes valeurs, mais pas dans un tenseur torch booléen."""
    return str(getattr(got, "dtype", "")) != "torch.bool" and same(got != 0, expected)


BOOL_HINT = (
    "les valeurs sont justes, mais `masked_fill` veut un tenseur torch BOOLÉEN "
    "(dtype=torch.bool, ou `.bool()` à la fin)."
)
MASK_MISTAKES.append((When(_not_torch_bool), BOOL_HINT))


@checker
def check_causal_mask(fn) -> Verdict:
    """Exercice 2 : ``masque_causal(T)`` = tenseur booléen (T, T), True pour les positions
    futures (à cacher)."""
    verdict = evaluate_function(
        fn,
        reference_mask,
        MASK_SIZES,
        "masque_causal",
        MASK_MISTAKES,
        arg_names="T",
        success="`masque_causal` est correct : True "
        "au-dessus de la diagonale, sur les 4 tailles testées.",
    )
    if verdict.ok and _not_torch_bool(fn(8), reference_mask(8)):  # un tableau NumPy de booléens
        return wrong(f"`masque_causal` n'est pas encore juste : {BOOL_HINT}")
    return verdict


# --- Exercice 3 : des scores aux poids (masque, puis softmax sur le bon axe) ----------------
def attention_weights(scores, mask):
    """Référence : les poids d'attention, softmax par LIGNE des scores masqués
    (−∞ là où le masque vaut True)."""
    return scores.masked_fill(mask, float("-inf")).softmax(dim=-1)


_SCORE_SHAPES = [(5, 5), (2, 4, 4), (2, 3, 6, 6), (1, 2, 3, 3)]


def weight_cases():
    """Les cas de l'exercice 3 : (scores, masque causal), le masque de taille (T, T)."""
    return [
        (_random(shape, 30 + i) * 2, reference_mask(shape[-1]))
        for i, shape in enumerate(_SCORE_SHAPES)
    ]


def _fill(scores, mask, value=float("-inf")):
    return scores.masked_fill(mask, value)


WEIGHT_MISTAKES = [
    (
        lambda s, m: _fill(s, m).softmax(dim=-2),
        "la softmax est prise sur l'axe des REQUÊTES (dim=-2) : ce sont alors les colonnes qui "
        "somment à 1. Chaque requête (une ligne) répartit son attention sur les clés : "
        "softmax(dim=-1).",
    ),
    (
        lambda s, m: _fill(s, m).softmax(dim=0),
        "dim=0 est l'axe du lot (ou des requêtes pour une seule séquence) : prenez le dernier "
        "axe, softmax(dim=-1), celui des clés.",
    ),
    (
        lambda s, m: _fill(s, m).softmax(dim=1),
        "dim=1 ne désigne pas le même axe selon que les scores ont 2, 3 ou 4 dimensions : "
        "prenez dim=-1, toujours l'axe des clés.",
    ),
    (
        lambda s, m: s.softmax(dim=-1),
        "le masque n'est pas appliqué : chaque token regarde encore les tokens futurs. "
        "Remplacez les scores cachés par −∞ avant la softmax.",
    ),
    (
        lambda s, m: _fill(s, m, 0.0).softmax(dim=-1),
        "un score 0 ne donne pas un poids 0 (exp(0) = 1) : remplacez les scores cachés par "
        '−∞, float("-inf"), pour que leur poids soit exactement 0.',
    ),
    (
        lambda s, m: s.softmax(dim=-1).masked_fill(m, 0.0),
        "le masque est appliqué après la softmax : les lignes ne somment plus à 1. Masquez les "
        "SCORES avec −∞, puis prenez la softmax.",
    ),
    (
        lambda s, m: s.masked_fill(m, float("-inf")),
        "ce sont encore des scores (avec −∞) : il reste à prendre la softmax sur chaque ligne.",
    ),
    (
        lambda s, m: (s + m * float("-inf")).softmax(dim=-1),
        'masque * float("-inf") donne NaN là où le masque vaut False (0 × −∞ n\'est pas défini), '
        'et ces NaN envahissent la softmax. Utilisez scores.masked_fill(masque, float("-inf")).',
    ),
    (
        lambda s, m: _fill(s, ~m).softmax(dim=-1),
        "le masque est inversé : une ligne dont tous les scores valent −∞ n'a pas de softmax (NaN). "
        "True veut dire CACHÉ : masked_fill(masque, …) cache ce qui est AU-DESSUS de la diagonale.",
    ),
    (
        When(lambda got, _: as_array(got) is not None and math.isnan(as_array(got).sum())),
        "le résultat contient des NaN : une ligne dont tous les scores valent −∞ n'a pas de "
        "softmax. Le masque cache-t-il ce qui est AU-DESSUS de la diagonale (True = caché), et "
        "seulement cela ?",
    ),
]


@checker
def check_weights(fn) -> Verdict:
    """Exercice 3 : ``poids_attention(scores, masque)``."""
    cases = weight_cases()
    return check_function(
        fn,
        attention_weights,
        cases,
        "poids_attention",
        WEIGHT_MISTAKES,
        arg_names="scores masque",
        rtol=1e-5,
        atol=1e-6,
        success="`poids_attention` est juste : chaque ligne somme à 1 et les "
        f"positions futures ont un poids nul ({len(cases)} cas testés).",
    )


# --- Exercice 4 : les vecteurs de contexte --------------------------------------------------
def context_vectors(weights, v):
    """Référence : chaque vecteur de contexte est la moyenne des valeurs pondérée par une
    ligne de poids, soit poids · V."""
    return weights @ v


#: (forme des poids sans les deux derniers axes, T, d_v) ; d_v ≠ T
_CONTEXT_SHAPES = [((), 5, 3), ((2,), 4, 6), ((2, 3), 6, 2), ((1,), 3, 5)]


def context_cases():
    """Les cas de l'exercice 4 : (poids causaux normalisés, v)."""
    return [
        (
            attention_weights(_random((*lead, T, T), 40 + i) * 2, reference_mask(T)),
            _random((*lead, T, d_v), 50 + i),
        )
        for i, (lead, T, d_v) in enumerate(_CONTEXT_SHAPES)
    ]


CONTEXT_MISTAKES = [
    (
        lambda w, v: w.transpose(-2, -1) @ v,
        "les poids sont transposés : la LIGNE i des poids (la requête i) pondère les valeurs, "
        "donc poids @ v, sans transposer.",
    ),
    (
        lambda w, v: w.softmax(dim=-1) @ v,
        "les poids sont déjà normalisés : une seconde softmax les aplatit. Multipliez-les "
        "directement par v.",
    ),
    (
        lambda w, v: w @ v / math.sqrt(v.shape[-1]),
        "la division par √d_k se fait une seule fois, sur les scores : pas sur le contexte.",
    ),
    (
        lambda w, v: w.sum(dim=-1, keepdim=True) * v,
        "c'est une somme pondérée sur les CLÉS : contexte_i = Σ_j poids[i, j] · v_j, "
        "c'est-à-dire un produit matriciel poids @ v.",
    ),
    (
        Raises("", RuntimeError),
        "Les poids ont la forme (…, T, T) et v la forme (…, T, d_v) : le produit matriciel "
        "s'écrit poids @ v.",
    ),
]


@checker
def check_context(fn) -> Verdict:
    """Exercice 4 : ``contexte(poids, v)`` = poids · V."""
    cases = context_cases()
    return check_function(
        fn,
        context_vectors,
        cases,
        "contexte",
        CONTEXT_MISTAKES,
        arg_names="poids v",
        rtol=1e-5,
        atol=1e-6,
        success=f"`contexte` est juste sur les {len(cases)} cas testés : un "
        "vecteur de contexte par requête.",
    )


# --- Exercice 5 : découper en têtes, (B, T, d) -> (B, h, T, d/h) ----------------------------
def split_heads(x, n_heads):
    """Référence : (B, T, d) -> (B, h, T, d/h). Chaque tête reçoit un bloc contigu de d/h
    composantes de chaque token ; l'axe des têtes passe devant celui des tokens."""
    B, T, d = x.shape
    return x.view(B, T, n_heads, d // n_heads).transpose(1, 2)


#: (B, T, d, h) : T ≠ h et T ≠ d/h, pour qu'une erreur ne tombe pas juste par hasard
_SPLIT_SHAPES = [(2, 5, 12, 3), (1, 4, 6, 2), (3, 6, 16, 4), (2, 7, 8, 2)]


def split_cases():
    """Les cas de l'exercice 5 : (x, n_tetes)."""
    return [(_random((B, T, d), 60 + i), h) for i, (B, T, d, h) in enumerate(_SPLIT_SHAPES)]


def _reshape_only(x, h):
    B, T, d = x.shape
    return x.reshape(B, h, T, d // h)


def _no_transpose(x, h):
    B, T, d = x.shape
    return x.reshape(B, T, h, d // h)


def _interleaved(x, h):
    B, T, d = x.shape
    return x.reshape(B, T, d // h, h).permute(0, 3, 1, 2)


SPLIT_MISTAKES = [
    (
        _reshape_only,
        "la forme est bonne mais les nombres sont mélangés : un reshape direct en "
        "(B, h, T, d/h) coupe la suite des nombres sans respecter les tokens. Découpez d'abord "
        "le dernier axe, view(B, T, h, d // h), PUIS échangez les axes des tokens et des têtes, "
        ".transpose(1, 2).",
    ),
    (
        _no_transpose,
        "il manque .transpose(1, 2) : après view(B, T, h, d // h), l'axe des têtes doit passer "
        "devant celui des tokens, (B, h, T, d/h).",
    ),
    (
        _interleaved,
        "chaque tête doit recevoir un bloc CONTIGU de d/h composantes : view(B, T, h, d // h), "
        "pas view(B, T, d // h, h).",
    ),
    (
        Raises("float", TypeError),
        "Attention, d / h donne un nombre à virgule : utilisez la division entière, d // h.",
    ),
    (
        Raises("shape|size", RuntimeError),
        "x a la forme (B, T, d) : chaque tête reçoit d // n_tetes composantes, donc "
        "x.view(B, T, n_tetes, d // n_tetes), puis .transpose(1, 2).",
    ),
]


@checker
def check_split_heads(fn) -> Verdict:
    """Exercice 5 : ``separer_tetes(x, n_tetes)``, (B, T, d) -> (B, h, T, d/h)."""
    cases = split_cases()
    return check_function(
        fn,
        split_heads,
        cases,
        "separer_tetes",
        SPLIT_MISTAKES,
        arg_names="x n_tetes",
        rtol=1e-5,
        atol=1e-6,
        success=f"`separer_tetes` est juste sur les {len(cases)} cas testés : "
        "chaque tête voit tous les tokens, avec sa part des composantes.",
    )


# --- Exercice 6 : les paramètres d'un bloc Transformer --------------------------------------
def block_param_count(n_embd: int) -> int:
    """Référence : paramètres d'un bloc (biais partout, comme GPT-2), d = n_embd :
    2 LayerNorm (2·2d), W_q, W_k, W_v et la projection (4·(d² + d)),
    MLP d -> 4d -> d (4d² + 4d + 4d² + d) ; total 12·d² + 13·d."""
    d = n_embd
    return 12 * d * d + 13 * d


PARAM_CASES = [(768,), (128,), (64,), (1,), (12,), (1600,)]

PARAM_MISTAKES = [
    (
        lambda d: 12 * d * d,
        "les biais manquent, ainsi que les LayerNorm : comptez aussi les biais des couches "
        "linéaires et les deux vecteurs (weight, bias) de chaque LayerNorm.",
    ),
    (
        lambda d: 12 * d * d + 4 * d,
        "les biais des couches linéaires manquent : chacune a autant de biais que de sorties.",
    ),
    (
        lambda d: 12 * d * d + 9 * d,
        "les deux LayerNorm manquent : chacune a 2 · n_embd paramètres (weight et bias).",
    ),
    (
        lambda d: 12 * d * d + 11 * d,
        "une LayerNorm a DEUX vecteurs de n_embd paramètres : un gain (weight) et un décalage "
        "(bias).",
    ),
    (
        lambda d: 12 * d * d + 10 * d,
        "W_q, W_k et W_v ont aussi un biais ici (qkv_bias=True, comme dans GPT-2).",
    ),
    (
        lambda d: 12 * d * d + 16 * d,
        "la seconde couche du MLP sort n_embd valeurs : son biais a n_embd composantes, pas "
        "4 · n_embd.",
    ),
    (
        lambda d: 11 * d * d + 12 * d,
        "il manque la projection de sortie de l'attention (out_proj) : n_embd² + n_embd.",
    ),
    (
        lambda d: 8 * d * d + 11 * d,
        "la couche cachée du MLP a 4 · n_embd neurones, pas 2 · n_embd.",
    ),
    (
        lambda d: 6 * d * d + 10 * d,
        "la couche cachée du MLP est 4 fois plus large que n_embd : n_embd -> 4 · n_embd -> "
        "n_embd.",
    ),
    (
        lambda d: 4 * d * d + 4 * d,
        "c'est seulement l'attention : un bloc contient aussi le MLP et deux LayerNorm.",
    ),
    (
        lambda d: 8 * d * d + 9 * d,
        "l'attention manque : W_q, W_k, W_v et la projection de sortie, 4 · (n_embd² + n_embd).",
    ),
]


@checker
def check_block_params(fn) -> Verdict:
    """Exercice 6 : ``nb_parametres_bloc(n_embd)``, biais compris."""
    return check_function(
        fn,
        block_param_count,
        PARAM_CASES,
        "nb_parametres_bloc",
        PARAM_MISTAKES,
        arg_names="n_embd",
        rtol=0,
        atol=0.5,
        advice="Ce n'est pas le compte d'un bloc. Pour chaque partie, poids ET "
        "biais : deux LayerNorm, W_q, W_k, W_v, la projection de sortie, "
        "et les deux couches du MLP (n_embd -> 4·n_embd -> n_embd).",
        success="`nb_parametres_bloc` est juste : 12·n_embd² + 13·n_embd, le "
        f"même compte que TransformerBlock ({len(PARAM_CASES)} tailles).",
    )
