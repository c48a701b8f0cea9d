# Solutions du TP 4.7 — une section par cellule taguée « exercice » (id de la cellule).

# %% ex-matmul-flops
def flops_produit(m, n, k):
    """FLOPs de A @ B, A de forme (m, k), B de forme (k, n)."""
    return 2 * m * n * k        # m·n coefficients, k multiplications + k additions

# %% ex-block-flops
def flops_bloc(n_embd, seq_len, batch):
    """FLOPs des produits de matrices d'un bloc Transformer (passe avant)."""
    d, t, b = n_embd, seq_len, batch
    projections = 2 * b * t * d * (3 * d) + 2 * b * t * d * d   # Q, K, V et sortie
    attention = 2 * b * t * t * d + 2 * b * t * t * d           # QKᵀ et poids × V
    feed_forward = 2 * b * t * d * (4 * d) + 2 * b * t * (4 * d) * d
    return projections + attention + feed_forward

# %% ex-memory
def memoire_entrainement(n_params):
    """Octets pour entraîner en précision mixte avec Adam, hors activations."""
    poids, gradients, copie_fp32, adam = 2, 2, 4, 4 + 4
    return (poids + gradients + copie_fp32 + adam) * n_params

# %% ex-gpt3-years
flops_gpt3 = 6 * 175e9 * 300e9
secondes = flops_gpt3 / (gflops_mesures * 1e9)
annees_gpt3 = secondes / (365.25 * 24 * 3600)
