"""Des identifiants de tokens aux vecteurs : les embeddings.

Un token n'est qu'un numéro. Le modèle le remplace par une ligne d'une grande table
de nombres (la *table d'embeddings*), apprise pendant l'entraînement :

* :func:`one_hot` et :func:`embed` montrent que cette recherche est un produit
  matriciel : vecteur one-hot × table (c'est ce que fait ``torch.nn.Embedding``,
  sans construire le vecteur one-hot) ;
* :func:`learned_positions` et :func:`sinusoidal_positions` donnent la position du
  token dans la phrase, apprise (GPT-2) ou calculée (« Attention Is All You Need ») ;
* :func:`cosine_similarity`, :func:`nearest_neighbours` et :func:`analogy` explorent
  une table de vecteurs de mots ; :func:`pca_2d` et :func:`plot_embeddings` la
  projettent sur un plan ;
* :func:`train_skipgram` entraîne de petits vecteurs de mots (skip-gram avec
  échantillons négatifs, comme word2vec) : c'est ce que fait
  ``scripts/train_word_vectors.py`` pour les vecteurs livrés dans ``data/``.

Tests : ``tests/test_embeddings.py`` (contre torch et des formes closes).
"""
from __future__ import annotations

import re
from collections import Counter

import numpy as np


def one_hot(ids, vocab_size: int) -> np.ndarray:
    """Un vecteur de taille ``vocab_size`` par id : des 0,
    et un 1 à la place de l'id. Forme : ids.shape + (V,).
    """
    ids = np.asarray(ids)
    if ids.size and not np.issubdtype(ids.dtype, np.integer):
        raise ValueError(
            "Les ids de tokens doivent être des entiers "
            f"(reçu le type {ids.dtype}).")
    low, high = (ids.min(), ids.max()) if ids.size else (0, 0)
    if low < 0 or high >= vocab_size:
        raise ValueError(
            "Id hors du vocabulaire : les ids vont de 0 à "
            f"{vocab_size - 1} (reçu {low} à {high}).")
    return np.eye(vocab_size)[ids]


def embed(ids, table) -> np.ndarray:
    """La ligne de la table pour chaque id, écrite comme un
    produit : one_hot(ids) @ table. Le 1 du vecteur one-hot
    sélectionne une ligne, les 0 effacent toutes les autres.
    """
    table = np.asarray(table, dtype=np.float64)
    if table.ndim != 2:
        raise ValueError(
            "La table d'embeddings doit avoir 2 dimensions "
            "(vocabulaire × d), reçu la forme "
            f"{table.shape}.")
    return one_hot(ids, table.shape[0]) @ table


def learned_positions(n_positions: int, d_model: int,
                      rng=None) -> np.ndarray:
    """Positions apprises (GPT-2) : une table de plus, une
    ligne par position, tirée au hasard au départ (comme
    ``torch.nn.Embedding``, loi normale N(0, 1)) puis
    ajustée par l'entraînement comme les autres poids.
    """
    rng = np.random.default_rng(rng)
    return rng.standard_normal((n_positions, d_model))


def sinusoidal_positions(n_positions: int,
                         d_model: int) -> np.ndarray:
    """Positions sinusoïdales (Vaswani et al., 2017) :
    PE[pos, 2i] = sin(pos / 10000^(2i/d)),
    PE[pos, 2i+1] = cos(pos / 10000^(2i/d)).
    Chaque paire de colonnes tourne à sa propre fréquence :
    rien à apprendre, et toute longueur possible.
    """
    if d_model < 2 or d_model % 2:
        raise ValueError(
            "d_model doit être un entier pair >= 2 "
            f"(reçu {d_model}).")
    pos = np.arange(n_positions)[:, None]
    two_i = np.arange(0, d_model, 2)[None, :]
    angle = pos / 10000 ** (two_i / d_model)
    table = np.empty((n_positions, d_model))
    table[:, 0::2] = np.sin(angle)
    table[:, 1::2] = np.cos(angle)
    return table


def cosine_similarity(a, b):
    """cos(a, b) = a·b / (|a| |b|), entre -1 et 1.

    Deux vecteurs : un nombre. Un vecteur et une table :
    une similarité par ligne. Deux tables : la matrice.
    """
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    na = np.linalg.norm(a, axis=-1, keepdims=True)
    nb = np.linalg.norm(b, axis=-1, keepdims=True)
    if (na == 0).any() or (nb == 0).any():
        raise ValueError(
            "Vecteur nul : sa direction, donc sa similarité "
            "cosinus, n'est pas définie.")
    sim = (a / na) @ (b / nb).T
    return float(sim) if np.ndim(sim) == 0 else sim


class UnknownWordError(KeyError, ValueError):
    """Un mot absent du vocabulaire des vecteurs."""

    def __str__(self):
        return str(self.args[0])


def _index(word: str, words: list[str]) -> int:
    try:
        return words.index(word)
    except ValueError:
        raise UnknownWordError(
            f"« {word} » n'est pas dans le vocabulaire des "
            f"vecteurs ({len(words)} mots, en minuscules)."
        ) from None


def nearest_neighbours(query, table, words: list[str],
                       k: int = 5) -> list[tuple[str, float]]:
    """Les k mots les plus proches (similarité cosinus).

    ``query`` : un mot de ``words`` (il est alors exclu de
    la réponse) ou un vecteur.
    """
    table = np.asarray(table, dtype=np.float64)
    exclude = set()
    if isinstance(query, str):
        exclude.add(_index(query, words))
        query = table[_index(query, words)]
    sims = cosine_similarity(query, table)
    order = [i for i in np.argsort(-sims, kind="stable")
             if i not in exclude]
    return [(words[i], float(sims[i])) for i in order[:k]]


def analogy(a: str, b: str, c: str, table, words,
            k: int = 5) -> list[tuple[str, float]]:
    """« a est à b ce que c est à ? » : les voisins de
    b − a + c (vecteurs normés d'abord, comme word2vec).

    Comme word2vec et gensim, on exclut a, b et c de la
    réponse : sans cela, b sort souvent en premier.
    """
    table = np.asarray(table, dtype=np.float64)
    norms = np.linalg.norm(table, axis=1, keepdims=True)
    unit = table / norms
    ia, ib, ic = (_index(w, words) for w in (a, b, c))
    target = unit[ib] - unit[ia] + unit[ic]
    sims = cosine_similarity(target, unit)
    order = [i for i in np.argsort(-sims, kind="stable")
             if i not in (ia, ib, ic)]
    return [(words[i], float(sims[i])) for i in order[:k]]


def pca_2d(table) -> np.ndarray:
    """Projection sur les deux axes principaux (ACP).

    On centre la table, puis la SVD donne les directions où
    les points s'étalent le plus. Signe fixé comme
    scikit-learn : le plus grand coefficient de chaque axe
    est positif.
    """
    x = np.asarray(table, dtype=np.float64)
    if x.ndim != 2 or x.shape[0] < 2 or x.shape[1] < 2:
        raise ValueError(
            "Il faut une table d'au moins 2 lignes et 2 "
            f"colonnes (reçu la forme {x.shape}).")
    x = x - x.mean(axis=0)
    _, _, vt = np.linalg.svd(x, full_matrices=False)
    axes = vt[:2]
    big = np.argmax(np.abs(axes), axis=1)
    axes = axes * np.sign(axes[[0, 1], big])[:, None]
    return x @ axes.T


def plot_embeddings(table, words, highlight=None, ax=None):
    """Nuage des mots sur le plan de l'ACP, style du cours.

    ``words`` : un libellé par ligne de ``table``. Les mots
    de ``highlight`` sont écrits en couleur d'accent.
    Renvoie l'objet ``Axes`` de matplotlib. Les graduations
    sont retirées : seule la position relative compte.
    """
    import matplotlib.pyplot as plt

    from llmlab import style

    style.use()
    if len(words) != len(table):
        raise ValueError(
            f"{len(words)} mots pour {len(table)} vecteurs : "
            "il faut un mot par ligne de la table.")
    points = pca_2d(table)
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 5))
    accent = style.read_palette()["accent"]
    marked = set(highlight or ())
    ax.scatter(points[:, 0], points[:, 1], s=12,
               color=style.read_palette()["gray-3"])
    for (x, y), word in zip(points, words):
        hot = word in marked
        ax.annotate(word, (x, y), xytext=(3, 3),
                    textcoords="offset points",
                    color=accent if hot else None,
                    fontweight="bold" if hot else None)
    ax.set_xlabel("axe principal 1")
    ax.set_ylabel("axe principal 2")
    ax.set_xticks([])  # valeurs sans signification :
    ax.set_yticks([])  # seules les distances comptent
    return ax


# --- Entraîner de petits vecteurs de mots (skip-gram) ------------------------------------

#: Mots anglais en minuscules, apostrophe intérieure gardée
#: (« o'er », « i'll »).
ENGLISH_WORD = re.compile(r"[a-z]+(?:'[a-z]+)*")

#: Lignes d'un texte de théâtre qui ne sont pas des répliques.
STAGE_LINE = re.compile(
    r"[A-Z][A-Z .,'&-]*:|ACT [IVX]+|SCENE .*")


def speeches_only(text: str) -> str:
    """Retire d'une pièce (format *tiny shakespeare*) les
    noms des personnages (« HAMLET: »), les actes et les
    scènes : il reste les répliques."""
    return "\n".join(
        line for line in text.splitlines()
        if not STAGE_LINE.fullmatch(line.strip()))


def build_vocabulary(tokens: list[str], min_count: int = 5):
    """``(mots, comptes)`` : les mots vus au moins
    ``min_count`` fois, du plus au moins fréquent."""
    counts = Counter(tokens)
    kept = [w for w, c in counts.items() if c >= min_count]
    kept.sort(key=lambda w: (-counts[w], w))
    freq = np.array([counts[w] for w in kept])
    return kept, freq


def skipgram_pairs(ids: np.ndarray, window: int, rng):
    """Paires ``(centres, contextes)`` : chaque mot et ses
    voisins à distance 1 à ``window``, dans les deux sens.

    Comme word2vec, la fenêtre de chaque mot est tirée entre
    1 et ``window`` : les voisins proches comptent plus.
    """
    reach = rng.integers(1, window + 1, size=len(ids))
    centres, contexts = [], []
    for offset in range(1, window + 1):
        left, right = ids[:-offset], ids[offset:]
        ok = reach[:-offset] >= offset  # right voit left
        centres.append(left[ok])
        contexts.append(right[ok])
        ok = reach[offset:] >= offset   # left voit right
        centres.append(right[ok])
        contexts.append(left[ok])
    return np.concatenate(centres), np.concatenate(contexts)


def skipgram_loss(emb_in, emb_out, centre, context, negative):
    """Perte du skip-gram à échantillons négatifs.

    Le score d'une paire est le produit scalaire
    entrée[centre] · sortie[contexte]. On pousse
    sigmoïde(score) vers 1 pour les vrais voisins et vers 0
    pour les ``negative`` (B, K) mots tirés au hasard.
    """
    import torch.nn.functional as F

    h = emb_in(centre)                          # (B, d)
    pos = (h * emb_out(context)).sum(-1)        # (B,)
    neg = emb_out(negative) @ h[:, :, None]     # (B, K, 1)
    return -(F.logsigmoid(pos).mean()
             + F.logsigmoid(-neg).sum((1, 2)).mean())


def train_skipgram(tokens: list[str], dim: int = 100,
                   window: int = 5, negatives: int = 5,
                   epochs: int = 5, min_count: int = 5,
                   subsample: float = 1e-4,
                   batch_size: int = 256, lr: float = 0.025,
                   seed: int = 0, progress: bool = False):
    """Vecteurs de mots par skip-gram à échantillons
    négatifs (Mikolov et al., 2013) ; renvoie ``(table,
    mots)``.

    Des mots qui ont les mêmes voisins finissent avec des
    vecteurs proches. Les négatifs sont tirés selon la
    fréquence^0,75 ; les mots très fréquents (« the »,
    « and ») sont en partie écartés (``subsample``). Comme
    word2vec : descente de gradient simple, une perte par
    paire (somme sur le lot), pas qui décroît linéairement
    jusqu'à presque 0 (``lr`` / 10 000).
    """
    import torch

    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    words, counts = build_vocabulary(tokens, min_count)
    index = {w: i for i, w in enumerate(words)}
    ids = np.array([index[t] for t in tokens if t in index])
    ratio = subsample / (counts / counts.sum())
    keep_prob = np.minimum(1.0, np.sqrt(ratio) + ratio)
    noise = torch.tensor(counts ** 0.75, dtype=torch.float64)

    # sparse=True : seules les lignes du lot sont mises à jour
    emb_in = torch.nn.Embedding(len(words), dim, sparse=True)
    emb_out = torch.nn.Embedding(len(words), dim, sparse=True)
    bound = 0.5 / dim
    torch.nn.init.uniform_(emb_in.weight, -bound, bound)
    torch.nn.init.zeros_(emb_out.weight)
    params = [emb_in.weight, emb_out.weight]
    optimizer = torch.optim.SGD(params, lr=lr)

    for epoch in range(epochs):
        kept = ids[rng.random(len(ids)) < keep_prob[ids]]
        centre, context = skipgram_pairs(kept, window, rng)
        order = rng.permutation(len(centre))
        centre = torch.from_numpy(centre[order])
        context = torch.from_numpy(context[order])
        losses = []
        for start in range(0, len(centre), batch_size):
            done = (epoch + start / len(centre)) / epochs
            optimizer.param_groups[0]["lr"] = lr * max(
                1e-4, 1 - done)
            c = centre[start:start + batch_size]
            o = context[start:start + batch_size]
            neg = torch.multinomial(
                noise, len(c) * negatives, replacement=True)
            loss = skipgram_loss(emb_in, emb_out, c, o,
                                 neg.view(len(c), negatives))
            optimizer.zero_grad()
            (loss * len(c)).backward()
            optimizer.step()
            losses.append(loss.item())
        if progress:
            print(f"epoch {epoch + 1}/{epochs} : perte "
                  f"{np.mean(losses):.3f} ({len(centre)} "
                  "paires)", flush=True)
    return emb_in.weight.detach().numpy().copy(), words
