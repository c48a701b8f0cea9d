"""Auto-supervision : les exemples d'entraînement sortent du texte lui-même.

Personne n'annote le texte d'Internet : la réponse attendue y est déjà. Deux recettes ont
dominé le pré-entraînement des modèles de langage.

* **GPT** (autorégressif) : à chaque position, prédire le token suivant. Les entrées sont les
  tokens 0 à n − 2, les cibles les tokens 1 à n − 1 : le même texte, décalé d'un cran
  (:func:`next_token_pairs`). Chaque position donne un exemple.
* **BERT** (modèle de langage masqué, Devlin et al. 2019) : on choisit 15 % des positions ;
  parmi elles, 80 % deviennent ``[MASK]``, 10 % un token tiré au hasard et 10 % restent
  intactes ; le modèle doit retrouver le token d'origine aux positions choisies, et là
  seulement (:func:`masked_lm_pairs`). Pourquoi pas toujours ``[MASK]`` ? Ce token n'apparaît
  jamais quand on se sert du modèle ensuite ; un vrai ou un faux token à une position choisie
  oblige le modèle à se méfier de chaque position, pas seulement des masquées.

Les deux fonctions prennent des identifiants de n'importe quel tokenizer du cours
(`llmlab.tokenizers`) ; ``[MASK]`` reçoit un identifiant de plus, ``vocab_size``, comme un
token spécial ajouté au vocabulaire.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from llmlab.display import visible

#: La cible « rien à prédire ici » : la valeur qu'ignore par défaut
#: ``torch.nn.functional.cross_entropy`` (``ignore_index=-100``).
IGNORE_INDEX = -100
MASK_TOKEN = "[MASK]"

#: Ce que devient une position : 0 non choisie, puis les trois sorts d'une position choisie.
NOT_CHOSEN, MASKED, RANDOM, KEPT = 0, 1, 2, 3
#: Le nom affiché de chaque sort, pour les tableaux des diapositives.
ACTION_NAMES = {NOT_CHOSEN: "", MASKED: "[MASK]", RANDOM: "hasard", KEPT: "intact"}


def _ids(ids) -> np.ndarray:
    ids = np.asarray(ids)
    if ids.ndim != 1 or (ids.size and not np.issubdtype(ids.dtype, np.integer)):
        raise ValueError("ids doit être une suite d'identifiants entiers (une dimension).")
    return ids.astype(np.int64)


def next_token_pairs(ids):
    """``(entrées, cibles)`` de GPT : ids[:-1] et ids[1:].

    La cible de la position i est le token i + 1 : le
    texte, décalé d'un cran. n tokens, n − 1 exemples.
    """
    ids = _ids(ids)
    if len(ids) < 2:
        raise ValueError("Il faut au moins deux tokens : un à lire, un à prédire.")
    return ids[:-1].copy(), ids[1:].copy()


@dataclass
class MaskedExample:
    """Un exemple de BERT : ``inputs`` (ce que lit le modèle),
    ``labels`` (le token d'origine aux positions choisies,
    ``IGNORE_INDEX`` ailleurs) et ``action`` (0 non choisie,
    1 ``[MASK]``, 2 token au hasard, 3 intact)."""

    inputs: np.ndarray
    labels: np.ndarray
    action: np.ndarray
    mask_id: int

    @property
    def chosen(self) -> np.ndarray:
        """Les positions où la perte est calculée."""
        return self.action != NOT_CHOSEN


def masked_lm_pairs(
    ids,
    vocab_size: int,
    *,
    seed: int = 0,
    mask_rate: float = 0.15,
    mask_id: int | None = None,
    split=(0.8, 0.1, 0.1),
) -> MaskedExample:
    """Le masquage de BERT, tiré avec la graine ``seed``.

    round(``mask_rate`` × n) positions choisies (15 % par défaut,
    au moins une) ; chacune, selon les probabilités ``split``,
    devient [MASK] (80 %), un token tiré uniformément dans le
    vocabulaire (10 %, parfois le même) ou reste (10 %).
    [MASK] vaut ``vocab_size`` si ``mask_id`` n'est pas donné.
    """
    ids = _ids(ids)
    if len(ids) == 0:
        raise ValueError("Texte vide : rien à masquer.")
    if not isinstance(vocab_size, (int, np.integer)) or vocab_size < 1:
        raise ValueError(f"vocab_size doit être un entier ≥ 1 (reçu {vocab_size!r}).")
    if ids.min() < 0 or ids.max() >= vocab_size:
        raise ValueError(f"Un identifiant sort du vocabulaire (0 à {vocab_size - 1}).")
    if not 0 < mask_rate <= 1:
        raise ValueError(f"mask_rate doit être dans ]0, 1] (reçu {mask_rate!r} ; BERT : 0,15).")
    split = np.asarray(split, dtype=float)
    if split.shape != (3,) or np.any(split < 0) or not np.isclose(split.sum(), 1):
        raise ValueError(
            "split donne trois parts ≥ 0 de somme 1 : [MASK], hasard, intact "
            "(BERT : 0,8, 0,1, 0,1)."
        )
    mask_id = vocab_size if mask_id is None else int(mask_id)
    rng = np.random.default_rng(seed)
    n_chosen = max(1, int(round(len(ids) * mask_rate)))
    chosen = rng.choice(len(ids), size=n_chosen, replace=False)
    action = np.full(len(ids), NOT_CHOSEN, dtype=np.int64)
    action[chosen] = rng.choice([MASKED, RANDOM, KEPT], size=n_chosen, p=split)
    inputs = ids.copy()
    inputs[action == MASKED] = mask_id
    randoms = action == RANDOM
    inputs[randoms] = rng.integers(0, vocab_size, size=int(randoms.sum()))
    labels = np.where(action != NOT_CHOSEN, ids, IGNORE_INDEX)
    return MaskedExample(inputs, labels, action, mask_id)


def _log_softmax(logits) -> np.ndarray:
    z = np.asarray(logits, dtype=float)
    z = z - z.max(axis=-1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=-1, keepdims=True))


def masked_lm_loss(logits, labels) -> float:
    """Entropie croisée moyenne aux seules positions choisies
    (``labels`` ≠ ``IGNORE_INDEX``) : ce qui se passe ailleurs
    ne compte pas. ``logits`` : (n, V)."""
    labels = np.asarray(labels)
    keep = labels != IGNORE_INDEX
    if not keep.any():
        raise ValueError("Aucune position choisie : la perte n'est pas définie.")
    log_p = _log_softmax(np.asarray(logits)[keep])
    return float(-log_p[np.arange(keep.sum()), labels[keep]].mean())


def token_label(tokenizer, token_id: int, mask_id: int | None = None) -> str:
    """Un token lisible : ``[MASK]`` pour ``mask_id``, « ␣ »
    pour l'espace (`llmlab.display.visible`)."""
    if mask_id is not None and token_id == mask_id:
        return MASK_TOKEN
    if hasattr(tokenizer, "decode_bytes"):
        return visible(tokenizer.decode_bytes([int(token_id)]))
    return visible(tokenizer.decode([int(token_id)]).encode("utf-8"))


def next_token_table(tokenizer, ids, limit: int | None = None) -> list[tuple[str, str]]:
    """Les paires (ce que le modèle a lu, ce qu'il doit prédire),
    une ligne par position : le contexte grandit, la cible est
    le token suivant."""
    inputs, targets = next_token_pairs(ids)
    n = len(inputs) if limit is None else min(limit, len(inputs))
    return [
        (
            tokenizer.decode([int(t) for t in ids[: i + 1]]).replace("\n", "↵"),
            token_label(tokenizer, targets[i]),
        )
        for i in range(n)
    ]


def masked_table(tokenizer, example: MaskedExample) -> list[tuple[str, str, str]]:
    """Une ligne par position choisie : (token d'origine, ce que
    lit le modèle, son sort) ; la cible est le token d'origine."""
    rows = []
    for i in np.flatnonzero(example.chosen):
        rows.append(
            (
                token_label(tokenizer, int(example.labels[i])),
                token_label(tokenizer, int(example.inputs[i]), example.mask_id),
                ACTION_NAMES[int(example.action[i])],
            )
        )
    return rows
