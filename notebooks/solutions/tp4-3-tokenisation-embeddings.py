# Solutions du TP 4.3 — une section par cellule taguée « exercice » (id de la cellule).

# %% ex-pairs
def get_pair_counts(ids):
    """Nombre d'occurrences de chaque paire d'ids voisins."""
    counts = {}
    for pair in zip(ids, ids[1:]):             # (ids[0], ids[1]), (ids[1], ids[2])…
        counts[pair] = counts.get(pair, 0) + 1
    return counts

# %% ex-most-frequent
paire = max(counts, key=counts.get)

# %% ex-merge
def merge(ids, pair, new_id):
    """Remplace chaque occurrence de pair par new_id, de gauche à droite."""
    out = []
    i = 0
    while i < len(ids):
        if i < len(ids) - 1 and (ids[i], ids[i + 1]) == pair:
            out.append(new_id)
            i += 2                             # les deux éléments de la paire sont consommés
        else:
            out.append(ids[i])
            i += 1
    return out

# %% ex-rounds
ids = list(tp4_3.BPE_TEXT.encode("utf-8"))
fusions = []
for i in range(3):
    counts = tokenizers.get_pair_counts(ids)
    pair = max(counts, key=counts.get)
    ids = tokenizers.merge(ids, pair, 256 + i)
    fusions.append(pair)

# %% ex-round-trip
ids = tok.encode(phrase)
retour = tok.decode(ids)
n_octets = len(phrase.encode("utf-8"))

# %% ex-cosine
def cosine_similarity(a, b):
    """Cosinus de l'angle entre les vecteurs a et b."""
    return np.dot(a, b) / (np.linalg.norm(a) * np.linalg.norm(b))
