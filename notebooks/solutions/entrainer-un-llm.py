# Solutions du notebook « Entraîner un LLM : la technique » — une section par cellule taguée
# « exercice » (id de la cellule).

# %% ex-zscore
def zscore_outliers(x, threshold=3.0):
    """Vrai pour chaque ligne dont une variable a |z| > threshold."""
    x = np.asarray(x, dtype=float)
    z = (x - x.mean(axis=0)) / x.std(axis=0)     # colonne par colonne
    return (np.abs(z) > threshold).any(axis=1)   # une case suffit pour la ligne

# %% ex-adam
def adam_step(w, g, m, v, t, lr=0.001, b1=0.9, b2=0.999, eps=1e-8):
    """Un pas d'Adam : renvoie (w, m, v) après le pas t (t ≥ 1)."""
    m = b1 * m + (1 - b1) * g
    v = b2 * v + (1 - b2) * g ** 2
    m_hat = m / (1 - b1 ** t)                    # correction du départ à zéro
    v_hat = v / (1 - b2 ** t)
    w = w - lr * m_hat / (np.sqrt(v_hat) + eps)
    return w, m, v

# %% ex-planning
import math


def warmup_cosine(t, lr, warmup, total, min_lr):
    """Le taux du pas t : échauffement linéaire, puis cosinus jusqu'à min_lr."""
    if t < warmup:
        return lr * (t + 1) / warmup
    p = (t - warmup) / (total - warmup)
    return min_lr + (lr - min_lr) * (1 + math.cos(math.pi * p)) / 2

# %% ex-precision
def precision_recall(cm):
    """(précision, rappel) d'une matrice [[VN, FP], [FN, VP]]."""
    (vn, fp), (fn, vp) = cm
    return vp / (vp + fp), vp / (vp + fn)
