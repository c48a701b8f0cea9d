# Solutions du TP 4.0 — une section par cellule taguée « exercice » (id de la cellule).

# %% ex-ids
phrase = "Bonjour mon cœur"
ids_phrase = enc.encode(phrase)

# %% ex-ratio
def chars_per_token(text, enc):
    """Nombre moyen de caractères par token de `text` avec l'encodage `enc`."""
    return len(text) / len(enc.encode(text))

# %% ex-best
meilleur_encodage = min(counts, key=lambda name: counts[name]["français"])
