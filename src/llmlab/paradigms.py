"""Trois façons d'apprendre, chacune sur les données du cours.

- **supervisé** : chaque exemple vient avec sa réponse (un prix pour un
  quartier de Boston) ; on apprend à la prédire
  (`llmlab.linear.boston_closed_form`) ;
- **non supervisé** : pas de réponse ; on cherche une structure, par
  exemple des groupes de quartiers semblables (`kmeans`) ;
- **auto-supervisé** : la réponse est tirée des données elles-mêmes.
  Dans un texte, chaque caractère est l'étiquette des caractères qui
  le précèdent (`next_token_pairs`, l'objectif de GPT) ; on peut aussi
  masquer des mots et les faire deviner (`masked_words`, l'objectif de
  BERT). Pas une étiquette écrite à la main, des milliards d'exemples :
  c'est ainsi qu'on pré-entraîne un LLM.

NumPy seulement ; ``kmeans`` est comparé à ``sklearn.cluster.KMeans``.
"""

from __future__ import annotations

import numpy as np


def kmeans(x, k: int, steps: int = 100, seed: int = 0, centres=None):
    """Algorithme de Lloyd : ``(centres, groupe de chaque ligne)``.

    Chaque point rejoint le centre le plus proche, puis chaque centre
    se place à la moyenne de ses points ; on recommence jusqu'à ce que
    plus rien ne bouge (``steps`` fois au plus). Départ : ``k`` lignes tirées au hasard.
    """
    x = np.asarray(x, dtype=float)
    if centres is None:
        rng = np.random.default_rng(seed)
        centres = x[rng.choice(len(x), size=k, replace=False)]
    centres = np.array(centres, dtype=float)
    groups = None
    for _ in range(steps):
        dist = ((x[:, None, :] - centres[None]) ** 2).sum(axis=2)
        new = dist.argmin(axis=1)
        if groups is not None and np.array_equal(new, groups):
            break
        groups = new
        for j in range(k):
            if np.any(groups == j):  # un groupe vide garde son centre
                centres[j] = x[groups == j].mean(axis=0)
    return centres, groups


def next_token_pairs(text: str, context: int, n: int | None = None):
    """Les exemples (contexte → caractère suivant) qu'un texte brut
    fournit sans aucune étiquette écrite à la main."""
    stop = len(text) - context if n is None else min(n, len(text) - context)
    return [(text[i : i + context], text[i + context]) for i in range(stop)]


def masked_words(sentence: str, rate: float = 0.15, seed: int = 0, mask: str = "[MASK]"):
    """``(phrase masquée, mots à deviner)`` : chaque mot est caché avec
    probabilité ``rate`` (au moins un), comme dans le pré-entraînement
    de BERT."""
    words = sentence.split()
    rng = np.random.default_rng(seed)
    hidden = [i for i in range(len(words)) if rng.random() < rate]
    if not hidden:
        hidden = [int(rng.integers(len(words)))]
    answers = [words[i] for i in hidden]
    shown = [mask if i in hidden else w for i, w in enumerate(words)]
    return " ".join(shown), answers
