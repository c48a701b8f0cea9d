# Solutions du notebook « Modèles fondateurs » — une section par cellule taguée « exercice ».

# %% ex-bert-counts
def comptes_bert(n_tokens):
    """(choisies, [MASK], au hasard, intactes) attendus sur n_tokens tokens."""
    choisies = 0.15 * n_tokens
    return choisies, 0.8 * choisies, 0.1 * choisies, 0.1 * choisies

# %% ex-compute-optimal
def calcul_optimal(C):
    """(N, D) : paramètres et tokens optimaux pour C FLOP."""
    N = (C / 120) ** 0.5        # C = 6·N·D = 6·N·(20·N) = 120·N²
    return N, 20 * N

# %% ex-bubble
def bulle(p, m):
    """Part du temps perdue par un GPU : p étages, m micro-lots."""
    return (p - 1) / (m + p - 1)

# %% ex-int8
def quantifier_int8(x):
    """(q, s) : entiers entre -127 et 127 et échelle absmax de x."""
    s = np.abs(x).max() / 127
    q = np.clip(np.round(x / s), -127, 127).astype(np.int8)
    return q, s

# %% ex-lora
def parametres_lora(d_in, d_out, r):
    """Paramètres entraînables de LoRA sur une matrice d_out × d_in."""
    return r * d_in + d_out * r     # A : r × d_in, B : d_out × r
