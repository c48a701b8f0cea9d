# Solutions du TP 4.6 — une section par cellule taguée « exercice » (id de la cellule).

# %% ex-scores
def scores_attention(q, k):
    """Les scores Q·Kᵀ/√d_k : une ligne par requête, une colonne par clé."""
    d_k = q.shape[-1]
    return q @ k.transpose(-2, -1) / math.sqrt(d_k)

# %% ex-mask
def masque_causal(T):
    """Masque booléen (T, T) : True là où la requête i regarderait un token futur (j > i)."""
    return torch.triu(torch.ones(T, T, dtype=torch.bool), diagonal=1)

# %% ex-weights
def poids_attention(scores, masque):
    """Poids d'attention : scores cachés à −∞, puis softmax sur chaque ligne."""
    scores = scores.masked_fill(masque, float("-inf"))
    return torch.softmax(scores, dim=-1)

# %% ex-context
def contexte(poids, v):
    """Un vecteur de contexte par requête : la moyenne des valeurs pondérée par sa ligne."""
    return poids @ v

# %% ex-heads
def separer_tetes(x, n_tetes):
    """(B, T, d) -> (B, n_tetes, T, d // n_tetes)."""
    B, T, d = x.shape
    x = x.view(B, T, n_tetes, d // n_tetes)   # découpe le dernier axe en têtes
    return x.transpose(1, 2)                   # les têtes devant les tokens

# %% ex-block-params
def nb_parametres_bloc(n_embd):
    """Nombre de paramètres d'un bloc Transformer de GPT-2 (biais compris)."""
    d = n_embd
    layer_norms = 2 * (2 * d)                  # ln_1 et ln_2 : weight et bias
    attention = 4 * (d * d + d)                # W_q, W_k, W_v et out_proj
    mlp = (d * 4 * d + 4 * d) + (4 * d * d + d)  # d -> 4d -> d
    return layer_norms + attention + mlp
