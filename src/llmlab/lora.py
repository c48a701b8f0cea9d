"""LoRA : adapter un modèle en n'apprenant qu'une petite mise à jour.

Affiner tout un modèle (*full fine-tuning*) modifie tous ses poids :
une copie complète par tâche, et l'optimiseur garde deux moments
par poids. LoRA (Hu et al., 2021) gèle W et apprend sa mise à jour
sous la forme d'un produit de rang r :

    h = W·x + (α / r) · B·A·x      A : r × entrée, B : sortie × r

Seuls A et B s'entraînent : r·(entrée + sortie) nombres au lieu de
entrée × sortie. B part de zéros, A du hasard : au départ, le modèle
adapté est exactement le modèle d'origine. Après l'entraînement, on
peut **fusionner** W' = W + (α/r)·B·A : un ``nn.Linear`` ordinaire,
aussi rapide que l'original (testé égal au modèle adapté), ou garder
l'adaptateur à part, quelques dizaines de ko, et l'ôter pour
retrouver le modèle de base intact.

Même initialisation et même calcul que la bibliothèque ``peft`` de
Hugging Face (testé : mêmes A, B et W, mêmes sorties).
"""

from __future__ import annotations

import math

import torch
from torch import nn


def lora_parameter_count(d_in: int, d_out: int, r: int) -> int:
    """Paramètres entraînables de LoRA sur une matrice
    d_out × d_in : A (r × d_in) et B (d_out × r)."""
    return r * (d_in + d_out)


class LoRALinear(nn.Module):
    """Un ``nn.Linear`` gelé plus une mise à jour de rang ``r``.

    ``base`` : la couche d'origine (ses poids ne bougent plus).
    ``lora_A`` (r × entrée) est tiré comme un ``nn.Linear``
    (Kaiming uniforme), ``lora_B`` (sortie × r) vaut zéro.
    """

    def __init__(self, base: nn.Linear, r: int = 4, alpha: float = 8.0):
        super().__init__()
        if isinstance(r, bool) or not isinstance(r, int) or r < 1:
            raise ValueError(f"Le rang r doit être un entier ≥ 1 (reçu : {r!r}).")
        self.base, self.r, self.alpha = base, r, alpha
        self.scaling = alpha / r
        base.requires_grad_(False)
        w = base.weight
        self.lora_A = nn.Parameter(torch.empty(r, base.in_features, dtype=w.dtype, device=w.device))
        self.lora_B = nn.Parameter(
            torch.zeros(base.out_features, r, dtype=w.dtype, device=w.device)
        )
        nn.init.kaiming_uniform_(self.lora_A, a=math.sqrt(5))

    # fmt: off
    def forward(self, x):
        update = x @ self.lora_A.T @ self.lora_B.T
        return self.base(x) + self.scaling * update
    # fmt: on

    def delta_weight(self) -> torch.Tensor:
        """La mise à jour (α/r)·B·A, de la forme de W."""
        return self.scaling * self.lora_B @ self.lora_A

    # fmt: off
    def merged(self) -> nn.Linear:
        """Un ``nn.Linear`` ordinaire de poids W + (α/r)·B·A."""
        base = self.base
        out = nn.Linear(base.in_features, base.out_features,
                        bias=base.bias is not None,
                        device=base.weight.device,
                        dtype=base.weight.dtype)
        with torch.no_grad():
            out.weight.copy_(base.weight + self.delta_weight())
            if base.bias is not None:
                out.bias.copy_(base.bias)
        return out
    # fmt: on

    def extra_repr(self) -> str:
        return f"r={self.r}, alpha={self.alpha}"


def _replace(model: nn.Module, name: str, new: nn.Module) -> None:
    parent, _, child = name.rpartition(".")
    setattr(model.get_submodule(parent) if parent else model, child, new)


def apply_lora(
    model: nn.Module, targets=("qkv", "out_proj"), r: int = 4, alpha: float = 8.0
) -> nn.Module:
    """Gèle tout ``model`` et remplace chaque ``nn.Linear`` dont
    le nom finit par un des ``targets`` par un :class:`LoRALinear`
    (sur place ; rend ``model``). Les tirages de A suivent la
    graine de torch : fixez-la avant pour un résultat répétable.

    Dans le mini-GPT, ``qkv`` empile Q, K et V (comme ``c_attn``
    de GPT-2) : une seule mise à jour de rang r pour les trois.
    """
    model.requires_grad_(False)
    names = [
        name
        for name, m in model.named_modules()
        if isinstance(m, nn.Linear) and name.rpartition(".")[2] in targets
    ]
    if not names:
        raise ValueError(
            f"Aucune couche nn.Linear nommée {targets} "
            "dans ce modèle : vérifiez les noms avec "
            "model.named_modules()."
        )
    for name in names:
        _replace(model, name, LoRALinear(model.get_submodule(name), r, alpha))
    return model


def lora_layers(model: nn.Module):
    """(nom, LoRALinear) de chaque couche adaptée."""
    return [(n, m) for n, m in model.named_modules() if isinstance(m, LoRALinear)]


def merge_lora(model: nn.Module) -> nn.Module:
    """Remplace chaque :class:`LoRALinear` par sa fusion
    W + (α/r)·B·A (sur place ; rend ``model``)."""
    for name, layer in lora_layers(model):
        _replace(model, name, layer.merged())
    return model


def remove_lora(model: nn.Module) -> nn.Module:
    """Ôte les adaptateurs : chaque couche redevient sa ``base``,
    le modèle d'origine, intact (sur place ; rend ``model``)."""
    for name, layer in lora_layers(model):
        _replace(model, name, layer.base)
    return model


def lora_state_dict(model: nn.Module) -> dict:
    """Les seuls tenseurs de l'adaptateur (A et B de chaque
    couche) : ce qu'on enregistre et qu'on partage."""
    return {
        k: v.detach().clone()
        for k, v in model.state_dict().items()
        if k.rpartition(".")[2] in ("lora_A", "lora_B")
    }


def load_lora(model: nn.Module, state: dict) -> nn.Module:
    """Charge un adaptateur dans un modèle déjà passé par
    :func:`apply_lora` (mêmes cibles, même rang)."""
    missing = set(lora_state_dict(model)) ^ set(state)
    if missing:
        raise ValueError(
            "Cet adaptateur ne correspond pas au modèle (clés en "
            f"trop ou manquantes : {sorted(missing)[:4]}) : appelez "
            "apply_lora avec les mêmes cibles et le même rang."
        )
    model.load_state_dict(state, strict=False)
    return model


def trainable_share(model: nn.Module) -> tuple[int, int]:
    """(paramètres entraînables, paramètres en tout)."""
    params = list(model.parameters())
    return (sum(p.numel() for p in params if p.requires_grad), sum(p.numel() for p in params))
