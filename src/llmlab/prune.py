"""Élaguer : mettre à zéro les poids les plus petits.

Un grand réseau a beaucoup de poids presque nuls ; les mettre à
zéro change peu ses sorties. L'**élagage par magnitude** garde les
poids de plus grande valeur absolue et annule les autres :

* **non structuré**, par couche (chaque matrice perd la même
  fraction) ou global (un seul seuil pour tout le modèle : les
  couches aux petits poids perdent davantage) ;
* **semi-structuré 2:4** : dans chaque groupe de 4 poids consécutifs
  le long de l'entrée, on garde les 2 plus grands. Un GPU récent
  (Ampere et suivants) sait sauter ces zéros réguliers ; les zéros
  épars du non structuré, il ne sait pas en tirer parti.

Les masques gardent *exactement* la fraction demandée (testé) ;
`prune_model` rend une copie élaguée et ses masques, sans rien
réentraîner : c'est la mesure brute de ce que l'élagage coûte.
"""

from __future__ import annotations

import copy

import torch
from torch import nn

SCOPES = ("layer", "global")


def _check_sparsity(sparsity) -> None:
    if not 0.0 <= sparsity < 1.0:
        raise ValueError(
            f"sparsity est la fraction de poids mis à zéro, dans [0, 1[ (reçu : {sparsity!r})."
        )


def magnitude_mask(w: torch.Tensor, sparsity: float) -> torch.Tensor:
    """Masque booléen qui annule ``round(sparsity · n)`` poids :
    les plus petits en valeur absolue (True = gardé)."""
    _check_sparsity(sparsity)
    n_zero = round(sparsity * w.numel())
    mask = torch.ones(w.numel(), dtype=torch.bool)
    order = w.detach().abs().flatten().argsort(stable=True)
    mask[order[:n_zero]] = False
    return mask.reshape(w.shape)


def semi_structured_mask(w: torch.Tensor, n: int = 2, m: int = 4) -> torch.Tensor:
    """Masque n:m : dans chaque groupe de ``m`` poids consécutifs
    d'une ligne (le long de l'entrée), garde les ``n`` plus
    grands en valeur absolue."""
    if not 0 < n <= m or w.shape[-1] % m:
        raise ValueError(
            f"n:m = {n}:{m} demande 0 < n ≤ m et une dernière "
            f"dimension multiple de m (reçu : {tuple(w.shape)})."
        )
    groups = w.detach().abs().reshape(*w.shape[:-1], -1, m)
    keep = groups.topk(n, dim=-1).indices
    mask = torch.zeros_like(groups, dtype=torch.bool)
    mask.scatter_(-1, keep, True)
    return mask.reshape(w.shape)


def linear_layers(model: nn.Module, skip=("lm_head",)):
    """(nom, nn.Linear) des couches à élaguer.

    Par défaut la tête de sortie est épargnée : liée à l'embedding, l'élaguer
    effacerait des morceaux de tokens."""
    return [
        (name, m)
        for name, m in model.named_modules()
        if isinstance(m, nn.Linear) and name not in skip
    ]


def _global_masks(layers, sparsity):
    """Un seul seuil pour toutes les couches : le même compte
    exact de zéros, réparti là où sont les plus petits poids."""
    flat = torch.cat([m.weight.detach().flatten() for _, m in layers])
    keep = magnitude_mask(flat, sparsity)
    masks, start = {}, 0
    for name, m in layers:
        size = m.weight.numel()
        masks[name] = keep[start : start + size].reshape(m.weight.shape)
        start += size
    return masks


def prune_model(
    model: nn.Module,
    sparsity: float = 0.5,
    scope: str = "layer",
    pattern: str | None = None,
    skip=("lm_head",),
):
    """Une copie élaguée de ``model`` et ses masques ``{nom: masque}``.

    ``scope`` : « layer » (chaque couche à ``sparsity``) ou
    « global » (un seul seuil) ; ``pattern="2:4"`` remplace les
    deux par le masque semi-structuré (50 % de zéros).
    Seuls les poids des ``nn.Linear`` sont touchés (pas les
    biais) ; les poids gardés ne changent pas.
    """
    if scope not in SCOPES:
        raise ValueError(f"scope vaut « layer » ou « global » (reçu : {scope!r}).")
    pruned = copy.deepcopy(model)
    layers = linear_layers(pruned, skip)
    if pattern is not None:
        try:
            n, m = (int(v) for v in pattern.split(":"))
        except (AttributeError, ValueError):
            raise ValueError(
                f"pattern s'écrit « n:m », par exemple « 2:4 » (reçu : {pattern!r})."
            ) from None
        masks = {name: semi_structured_mask(mod.weight, n, m) for name, mod in layers}
    elif scope == "global":
        masks = _global_masks(layers, sparsity)
    else:
        masks = {name: magnitude_mask(mod.weight, sparsity) for name, mod in layers}
    with torch.no_grad():
        for name, mod in layers:
            mod.weight.mul_(masks[name])
    return pruned, masks


def sparsity_of(model: nn.Module, skip=("lm_head",)) -> float:
    """Fraction de poids nuls dans les ``nn.Linear`` de ``model``."""
    layers = linear_layers(model, skip)
    zeros = sum(int((m.weight == 0).sum()) for _, m in layers)
    return zeros / sum(m.weight.numel() for _, m in layers)
