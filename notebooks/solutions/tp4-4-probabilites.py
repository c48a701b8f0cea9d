# Solutions du TP 4.4 — une section par cellule taguée « exercice » (id de la cellule).

# %% ex-softmax
def softmax(logits, temperature=1.0):
    """Probabilités à partir des logits, une distribution par ligne."""
    z = np.asarray(logits, dtype=float) / temperature
    z = z - z.max(axis=-1, keepdims=True)      # stable : exp ne déborde plus
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)

# %% ex-top-k
def top_k_filter(logits, k):
    """Garde les k plus grands logits, met les autres à -inf."""
    logits = np.asarray(logits, dtype=float)
    kth = np.sort(logits)[-k]                  # le k-ième plus grand
    return np.where(logits < kth, -np.inf, logits)

# %% ex-cross-entropy
def cross_entropy(probs, target):
    """Entropie croisée -ln p[target], en nats."""
    return -np.log(probs[target])

# %% ex-perplexity
pertes = [sampling.cross_entropy(p, t) for p, t in zip(probs_seq, targets)]
perplexite = np.exp(np.mean(pertes))
