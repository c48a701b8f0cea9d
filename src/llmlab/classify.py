"""Un petit classifieur : ce bout de texte est-il français ou anglais ?

La tâche sert à mesurer (`llmlab.metrics`) : matrice de confusion,
précision, rappel. Les exemples sont des fragments de quelques
caractères, tirés du corpus français du cours et des pièces de
Shakespeare ; les accents sont retirés, sinon un « é » suffirait à
répondre. Chaque fragment devient un **sac de caractères** : la
fréquence de chacune des 26 lettres et de l'espace. Une régression
logistique (un neurone sigmoïde) apprend à les peser.

Les fragments d'entraînement et de test viennent de parties disjointes
des deux textes : le test mesure ce que le modèle a appris, pas ce
qu'il a retenu.
"""

from __future__ import annotations

import string
import unicodedata

import numpy as np

from llmlab.data import load_french_corpus, load_shakespeare

#: Les caractères comptés : les 26 lettres et l'espace.
ALPHABET = string.ascii_lowercase + " "
#: Les deux classes : 1 = français (la classe « positive »), 0 = anglais.
LABELS = {0: "anglais", 1: "français"}


def plain(text: str) -> str:
    """Minuscules sans accents (« Cœur » → « coeur ») ; blancs réduits à
    une espace, autres caractères hors de ``ALPHABET`` retirés."""
    text = text.lower().replace("œ", "oe").replace("æ", "ae")
    text = unicodedata.normalize("NFD", text)
    kept = "".join(c if c in ALPHABET else " " if c.isspace() else "" for c in text)
    return " ".join(kept.split())


def _english_speeches(n_chars: int) -> str:
    """Des répliques de Shakespeare (sans les noms des personnages),
    à peu près ``n_chars`` caractères pris au milieu des pièces."""
    text = load_shakespeare()
    middle = text[len(text) // 2 :]
    lines = [line for line in middle.splitlines() if line and not line.rstrip().endswith(":")]
    out, size = [], 0
    for line in lines:
        out.append(line)
        size += len(line) + 1
        if size >= n_chars:
            break
    return "\n".join(out)


def fragments(text: str, length: int, n: int, rng) -> list[str]:
    """``n`` fragments de ``length`` caractères pris au hasard dans
    ``text`` (déjà passé par `plain`)."""
    starts = rng.integers(0, len(text) - length, size=n)
    return [text[s : s + length] for s in starts]


def language_data(
    length: int = 12,
    n_train: int = 600,
    n_test: int = 200,
    seed: int = 0,
    test_fraction: float = 0.25,
):
    """``(train, test)``, chacun ``(fragments, étiquettes)`` : autant de
    fragments français (1) qu'anglais (0), les derniers
    ``test_fraction`` de chaque texte gardés pour le test."""
    rng = np.random.default_rng(seed)
    french = plain(load_french_corpus())
    english = plain(_english_speeches(len(french)))
    parts = {}
    for label, text in ((1, french), (0, english)):
        cut = int(len(text) * (1 - test_fraction))
        parts[label] = (text[:cut], text[cut:])
    out = []
    for which, n in ((0, n_train), (1, n_test)):
        texts, labels = [], []
        for label in (1, 0):
            texts += fragments(parts[label][which], length, n, rng)
            labels += [label] * n
        out.append((texts, np.array(labels)))
    return tuple(out)


def bag_of_characters(texts) -> np.ndarray:
    """Une ligne par texte : la fréquence de chaque caractère
    d'``ALPHABET`` (la somme fait 1)."""
    index = {c: k for k, c in enumerate(ALPHABET)}
    x = np.zeros((len(texts), len(ALPHABET)))
    for i, t in enumerate(texts):
        for c in t:
            x[i, index[c]] += 1
        x[i] /= max(len(t), 1)
    return x


class LanguageClassifier:
    """Régression logistique : p(français) = σ(x·w + b)."""

    def __init__(self, epochs: int = 300, lr: float = 0.5):
        self.epochs, self.lr = epochs, lr

    def features(self, texts) -> np.ndarray:
        """Le sac de caractères, centré-réduit (statistiques de
        l'entraînement) : toutes les lettres au même pas."""
        return (bag_of_characters(texts) - self.mean) / self.std

    def fit(self, texts, labels):
        x = bag_of_characters(texts)
        self.mean, self.std = x.mean(axis=0), x.std(axis=0) + 1e-12
        x = self.features(texts)
        y = np.asarray(labels, dtype=float)
        self.w, self.b = np.zeros(x.shape[1]), 0.0
        for _ in range(self.epochs):  # descente de gradient (lot entier)
            p = 1 / (1 + np.exp(-(x @ self.w + self.b)))
            self.w -= self.lr * x.T @ (p - y) / len(y)
            self.b -= self.lr * float(np.mean(p - y))
        return self

    def predict_proba(self, texts) -> np.ndarray:
        """p(français) pour chaque texte."""
        return 1 / (1 + np.exp(-(self.features(texts) @ self.w + self.b)))

    def predict(self, texts, threshold: float = 0.5) -> np.ndarray:
        """1 (français) si p(français) ≥ ``threshold``, sinon 0."""
        return (self.predict_proba(texts) >= threshold).astype(int)
