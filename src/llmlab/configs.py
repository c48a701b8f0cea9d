"""Des réglages écrits en dataclass, relus d'un dictionnaire.

Un checkpoint garde les réglages d'un entraînement (`llmlab.training.TrainConfig`) et ceux
d'un modèle (`llmlab.gpt.GPTConfig`) en JSON. Les relire, c'est ``cls(**d)`` ; mais une faute
de frappe dans un nom de réglage donnerait une erreur anglaise de Python. Ce petit module,
sans dépendance, est partagé par les deux : il est tout en bas des couches du paquet.
"""

from __future__ import annotations

from dataclasses import fields


def config_from_dict(cls, d: dict, what: str = ""):
    """``cls(**d)`` pour une dataclass de réglages, mais un réglage inconnu
    donne une erreur française qui liste les réglages possibles.
    ``what`` précise le message (« pour un GPT »)."""
    known = {f.name for f in fields(cls)}
    unknown = sorted(set(d) - known)
    if unknown:
        raise ValueError(
            f"Réglage(s) inconnu(s){' ' + what if what else ''} : "
            f"{', '.join(unknown)} ; réglages possibles : "
            f"{', '.join(sorted(known))}."
        )
    return cls(**d)
