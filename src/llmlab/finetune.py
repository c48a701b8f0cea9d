"""Affiner un modèle pré-entraîné sur un texte nouveau, et mesurer ce qu'il oublie.

Le mini-GPT livré a appris l'anglais de Shakespeare. On continue son
entraînement sur le corpus français du cours : c'est de l'affinage
(*fine-tuning*), le transfert de ce qu'il sait (l'orthographe, les
espaces, la ponctuation) vers un texte voisin. On mesure, avant et
après, la perte sur les deux textes : elle baisse sur le nouveau, et
monte sur l'ancien, que personne ne lui remontre : c'est l'**oubli
catastrophique**. Un taux plus petit oublie moins, mais apprend moins.

Le vocabulaire du modèle est fixé (78 caractères) : `to_vocabulary`
ramène le français à ces caractères (« é » → « e », « œ » → « oe »).
L'affinage passe par `llmlab.training.train` : la même boucle, reprise
d'étape en étape (`resume=True`), ce qui permet de mesurer les deux
pertes en chemin sans changer les poids.
"""

from __future__ import annotations

import tempfile
import unicodedata
from pathlib import Path

from llmlab.evaluation import estimate_loss
from llmlab.training import TokenData, TrainConfig, train

#: Les remplacements avant de retirer les accents.
_REPLACE = {
    "œ": "oe",
    "Œ": "Oe",
    "æ": "ae",
    "’": "'",
    "«": '"',
    "»": '"',
    "…": "...",
    "\u00a0": " ",
    "\u202f": " ",
}


def to_vocabulary(text: str, chars) -> tuple[str, int]:
    """``(texte, caractères changés)`` : ``text`` réécrit avec les seuls
    caractères ``chars`` (accents retirés, ligatures défaites, le
    reste supprimé) ; le compte est celui des caractères hors de
    ``chars`` dans le texte de départ."""
    known = set(chars)
    changed = sum(c not in known for c in text)
    for a, b in _REPLACE.items():
        text = text.replace(a, b)
    text = "".join(c for c in unicodedata.normalize("NFD", text) if unicodedata.category(c) != "Mn")
    return "".join(c for c in text if c in known), changed


def two_losses(
    model, old: TokenData, new: TokenData, batches: int = 20, batch_size: int = 12
) -> dict[str, float]:
    """La perte de validation sur l'ancien et sur le nouveau texte
    (mêmes lots à chaque appel)."""
    return {
        "ancien": estimate_loss(model, old, batches, batch_size)["val"],
        "nouveau": estimate_loss(model, new, batches, batch_size)["val"],
    }


def finetune(
    model,
    old: TokenData,
    new: TokenData,
    stages=(50, 100, 200, 400),
    lr: float = 1e-3,
    warmup: int = 20,
    batch_size: int = 12,
    seed: int = 1337,
    progress: bool = False,
):
    """Affine ``model`` sur ``new`` et rend une ligne par étape :
    ``{"pas", "ancien", "nouveau"}`` (pertes de validation), le pas 0
    d'abord. Entre deux étapes, l'entraînement est repris au même
    point : les étapes ne changent pas les poids du dernier pas.

    ``warmup`` pas d'échauffement : AdamW part de moments nuls, et
    son premier pas vaut ``lr`` pour chaque poids, ce qui secoue un
    modèle déjà entraîné."""
    rows = [{"pas": 0, **two_losses(model, old, new, batch_size=batch_size)}]
    with tempfile.TemporaryDirectory() as tmp:
        ckpt = Path(tmp) / "affinage"
        for steps in stages:
            config = TrainConfig(
                max_steps=steps,
                batch_size=batch_size,
                block_size=new.block_size,
                learning_rate=lr,
                warmup_steps=warmup,
                eval_every=max(stages),
                seed=seed,
                checkpoint_seconds=None,
            )
            train(
                model,
                new,
                config,
                checkpoint_path=ckpt,
                resume=ckpt.exists(),
                device="cpu",
                progress=progress,
            )
            model.eval()
            rows.append({"pas": steps, **two_losses(model, old, new, batch_size=batch_size)})
    return rows


def plot_forgetting(table, ax=None):
    """Les pertes sur l'ancien et le nouveau texte au fil de l'affinage,
    une paire de courbes par taux (``table`` : colonnes ``lr``, ``pas``,
    ``ancien``, ``nouveau``)."""
    import matplotlib.pyplot as plt

    from llmlab import style
    from llmlab.display import french_general, french_ticks

    style.use()
    if ax is None:
        _, ax = plt.subplots(figsize=(9, 3.8), layout="constrained")
    for k, (lr, part) in enumerate(table.groupby("lr", sort=False)):
        rate = french_general(lr, 2)
        ax.plot(
            part["pas"],
            part["nouveau"],
            marker="o",
            color=f"C{k}",
            label=f"nouveau texte (français), taux {rate}",
        )
        ax.plot(
            part["pas"],
            part["ancien"],
            marker="s",
            linestyle="--",
            color=f"C{k}",
            label=f"ancien texte (Shakespeare), taux {rate}",
        )
    ax.set_xlabel("pas d'affinage")
    ax.set_ylabel("perte de validation")
    ax.legend(fontsize="small")
    french_ticks(ax)
    return ax
