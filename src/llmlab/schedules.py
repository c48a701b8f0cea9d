"""Plannings du taux d'apprentissage : quel pas faire à l'étape t.

Un taux constant est un compromis : assez grand pour avancer vite au
début, il fait ensuite osciller les poids autour du creux sans y
descendre. Un planning le fait varier au fil des pas :

- **paliers** : on le divise par 10 (``gamma``) tous les
  ``step_size`` pas ;
- **cosinus** : il descend en douceur du maximum à ``min_lr`` sur
  ``total_steps`` pas (demi-période d'un cosinus) ;
- **échauffement** (*warm-up*) : il monte linéairement pendant les
  premiers pas, le temps qu'Adam ait des moyennes fiables ; c'est le
  planning des GPT (échauffement puis cosinus).

Chaque planning est une fonction pure du numéro de pas : reprendre un
entraînement au pas t redonne exactement le même taux, sans état à
enregistrer. Les tests les comparent à ``torch.optim.lr_scheduler``.
Module sans torch : la boucle (`llmlab.training`) et les checkpoints
s'en servent.
"""

from __future__ import annotations

import math

#: Les plannings que connaît la boucle d'entraînement (``TrainConfig``).
SCHEDULES = ("constant", "cosinus")


def step_lr(step: int, lr: float, step_size: int, gamma: float = 0.1) -> float:
    """Paliers : ``lr`` multiplié par ``gamma`` tous les
    ``step_size`` pas."""
    return lr * gamma ** (step // step_size)


def cosine_lr(step: int, lr: float, total_steps: int, min_lr: float = 0.0) -> float:
    """De ``lr`` (pas 0) à ``min_lr`` (pas ``total_steps``)
    en demi-cosinus ; ``min_lr`` ensuite."""
    t = min(step, total_steps) / total_steps
    return min_lr + (lr - min_lr) * (1 + math.cos(math.pi * t)) / 2


# fmt: off
def warmup_cosine_lr(step: int, lr: float,
                     warmup_steps: int, total_steps: int,
                     min_lr: float = 0.0) -> float:
    """Échauffement linéaire (``lr/W``, ``2 lr/W``… ``lr``)
    sur ``W`` pas, puis cosinus jusqu'à ``total_steps``."""
    if step < warmup_steps:
        return lr * (step + 1) / warmup_steps
    return cosine_lr(step - warmup_steps, lr,
                     total_steps - warmup_steps, min_lr)
# fmt: on


def check_schedule(
    schedule: str, warmup_steps: int, total_steps: int, lr: float, min_lr: float
) -> None:
    """Refuse, en français, un planning qui ne veut rien dire."""
    if schedule not in SCHEDULES:
        raise ValueError(
            f"Planning inconnu : « {schedule} » ; plannings possibles : {', '.join(SCHEDULES)}."
        )
    if isinstance(warmup_steps, bool) or not isinstance(warmup_steps, int) or warmup_steps < 0:
        raise ValueError(
            f"L'échauffement (warmup_steps) est un nombre de pas ≥ 0 (reçu : {warmup_steps!r})."
        )
    if schedule == "cosinus" and warmup_steps >= total_steps > 0:
        raise ValueError(
            f"L'échauffement ({warmup_steps} pas) doit être plus court que "
            f"l'entraînement ({total_steps} pas) : il ne resterait rien "
            "pour la descente en cosinus."
        )
    if not 0 <= min_lr <= lr:
        raise ValueError(f"Le taux minimal ({min_lr}) doit être entre 0 et le taux maximal ({lr}).")


def learning_rate_at(
    step: int,
    *,
    lr: float,
    schedule: str = "constant",
    warmup_steps: int = 0,
    total_steps: int = 1,
    min_lr: float = 0.0,
) -> float:
    """Le taux du pas ``step`` (compté à partir de 0) : ce que
    `llmlab.training.train` donne à l'optimiseur avant chaque pas."""
    if schedule == "cosinus":
        return warmup_cosine_lr(step, lr, warmup_steps, total_steps, min_lr)
    if step < warmup_steps:  # constant, avec échauffement
        return lr * (step + 1) / warmup_steps
    return lr


def schedule_curve(total_steps: int, **kwargs) -> list[float]:
    """Les taux des pas 0 à ``total_steps - 1`` (pour une figure)."""
    return [learning_rate_at(t, total_steps=total_steps, **kwargs) for t in range(total_steps)]
