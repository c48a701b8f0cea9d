"""Quantifier les poids : des entiers de 8 ou 4 bits et des échelles.

Un poids float32 prend 4 octets ; en int8, il en prend 1, plus une
échelle partagée par beaucoup de poids. On garde ``q`` entier et
``s`` réel, et l'on calcule avec ``q · s`` : c'est la quantification
**des poids seuls**, faite après l'entraînement (PTQ).

Deux façons de placer la grille des entiers :

* **absmax** (symétrique) : ``s = max|x| / 127``, ``q = round(x / s)``.
  Zéro reste exactement zéro ; simple et rapide ;
* **point zéro** (asymétrique) : ``s = (max − min) / 255`` et un
  entier ``z`` tel que ``q = round(x / s) + z``. Toute la grille sert
  même quand les valeurs ne sont pas centrées sur 0.

Et trois portées pour une échelle (argument ``per``) : tout le
tenseur (``"tensor"``), chaque canal de sortie, c'est-à-dire chaque
ligne d'une matrice de ``nn.Linear`` (``"channel"``), ou chaque groupe
de ``g`` poids consécutifs d'une ligne (``per=g``). Plus l'échelle est
locale, plus l'erreur est petite : une ligne de grands poids n'impose
plus son pas à toutes les autres.

Pour toute valeur de la plage, l'erreur d'aller-retour est au plus
``s / 2`` (testé contre cette borne) ; une valeur de la grille revient
exactement. `quantize_model` fait tout un modèle ; `quantized_state`
et `serialized_size` mesurent ce qu'il pèserait sur disque.
"""

from __future__ import annotations

import copy
import io

import torch
from torch import nn

# --------------------------------------------------------------------------
# Un tenseur
# --------------------------------------------------------------------------


def _groups(x: torch.Tensor, per) -> torch.Tensor:
    """``x`` vu en groupes sur sa dernière dimension : chaque ligne
    du résultat partage une échelle. Forme (…, groupes, taille)."""
    if per == "tensor":
        return x.reshape(1, -1)
    size = x.shape[-1] if per == "channel" else per
    if isinstance(size, bool) or not isinstance(size, int) or size < 1:
        raise ValueError(
            f"per vaut « tensor », « channel » ou une taille de groupe "
            f"entière ≥ 1 (reçu : {per!r})."
        )
    if x.ndim == 0 or x.shape[-1] % size:
        raise ValueError(
            f"La dernière dimension ({tuple(x.shape)[-1:]}) doit être "
            f"un multiple de la taille de groupe {size}."
        )
    return x.reshape(*x.shape[:-1], -1, size)


def _scale_shape(scale: torch.Tensor, per) -> torch.Tensor:
    """L'échelle sans sa dimension de groupe : un scalaire pour
    ``"tensor"``, sinon une valeur par groupe (…, groupes)."""
    return scale.reshape(()) if per == "tensor" else scale.squeeze(-1)


def _check_bits(bits) -> None:
    if isinstance(bits, bool) or bits not in (2, 3, 4, 5, 6, 7, 8):
        raise ValueError(
            f"bits doit être un entier de 2 à 8 (reçu : {bits!r}) : "
            "les entiers sont rangés dans un int8."
        )


# fmt: off
def absmax_quantize(x, bits=8, per="tensor"):
    """Quantification absmax : ``x ≈ q · s``.

    ``q`` entiers (int8) entre −(2^(b−1) − 1) et 2^(b−1) − 1,
    ``s = max|x| / (2^(b−1) − 1)`` par groupe. Rend (q, s).
    """
    _check_bits(bits)
    qmax = 2 ** (bits - 1) - 1                 # 127 en 8 bits
    g = _groups(torch.as_tensor(x, dtype=torch.float32), per)
    scale = g.abs().amax(dim=-1, keepdim=True) / qmax
    scale = torch.where(scale > 0, scale, 1.0)  # groupe nul
    q = torch.round(g / scale).clamp(-qmax, qmax)
    q = q.to(torch.int8).reshape(torch.as_tensor(x).shape)
    return q, _scale_shape(scale, per)
# fmt: on


def absmax_dequantize(q, scale):
    """Les réels ``q · s`` (float32) ; ``s`` comme rendu par
    :func:`absmax_quantize` (un scalaire ou une valeur par
    groupe)."""
    scale = torch.as_tensor(scale, dtype=torch.float32)
    g = q.reshape(*scale.shape, -1).to(torch.float32)
    return (g * scale[..., None]).reshape(q.shape)


def zeropoint_quantize(x, bits=8, per="tensor"):
    """Quantification à point zéro : ``x ≈ (q − z) · s``.

    La plage [min, max] (étendue pour contenir 0) est
    découpée en 2^b − 1 pas : ``s = (max − min) / (2^b − 1)``.
    L'entier ``z`` est l'image de 0 : zéro revient exact.
    Rend (q, s, z), ``q`` et ``z`` en int8.
    """
    _check_bits(bits)
    qmin, qmax = -(2 ** (bits - 1)), 2 ** (bits - 1) - 1
    g = _groups(torch.as_tensor(x, dtype=torch.float32), per)
    lo = g.amin(dim=-1, keepdim=True).clamp(max=0.0)
    hi = g.amax(dim=-1, keepdim=True).clamp(min=0.0)
    scale = (hi - lo) / (qmax - qmin)
    scale = torch.where(scale > 0, scale, 1.0)
    zero = qmin - torch.round(lo / scale)  # dans [qmin, qmax]
    q = (torch.round(g / scale) + zero).clamp(qmin, qmax)
    q = q.to(torch.int8).reshape(torch.as_tensor(x).shape)
    return (q, _scale_shape(scale, per), _scale_shape(zero, per).to(torch.int8))


def zeropoint_dequantize(q, scale, zero):
    """Les réels ``(q − z) · s`` (float32)."""
    scale = torch.as_tensor(scale, dtype=torch.float32)
    zero = torch.as_tensor(zero, dtype=torch.float32)
    g = q.reshape(*scale.shape, -1).to(torch.float32)
    return ((g - zero[..., None]) * scale[..., None]).reshape(q.shape)


# --------------------------------------------------------------------------
# Deux entiers de 4 bits dans un octet
# --------------------------------------------------------------------------


def pack_int4(q: torch.Tensor) -> torch.Tensor:
    """Range deux entiers de −8 à 7 par octet (uint8) : le premier
    dans les 4 bits du bas, le second dans ceux du haut. La
    dernière dimension de ``q`` doit être paire."""
    if q.shape[-1] % 2:
        raise ValueError(f"pack_int4 : dernière dimension impaire ({q.shape[-1]}).")
    if q.numel() and (q.min() < -8 or q.max() > 7):
        raise ValueError(
            "pack_int4 : des valeurs sortent de [−8, 7], elles ne tiennent pas sur 4 bits."
        )
    nibbles = (q.to(torch.int16) & 0xF).to(torch.uint8)
    return nibbles[..., 0::2] | (nibbles[..., 1::2] << 4)


def unpack_int4(packed: torch.Tensor) -> torch.Tensor:
    """L'inverse de :func:`pack_int4` : des int8 de −8 à 7."""
    low = (packed & 0xF).to(torch.int8)
    high = (packed >> 4).to(torch.int8)
    both = torch.stack([low, high], dim=-1).flatten(-2)
    return torch.where(both > 7, both - 16, both)


# --------------------------------------------------------------------------
# Un modèle
# --------------------------------------------------------------------------

METHODS = ("absmax", "zeropoint")


def weight_matrices(model: nn.Module, skip=()):
    """(nom, module) de chaque ``nn.Linear`` et ``nn.Embedding``
    de ``model``, sauf ceux dont le nom est dans ``skip`` ; un
    poids partagé (tête liée à l'embedding) ne compte qu'une
    fois."""
    seen = set()
    for name, module in model.named_modules():
        if (
            isinstance(module, (nn.Linear, nn.Embedding))
            and name not in skip
            and id(module.weight) not in seen
        ):
            seen.add(id(module.weight))
            yield name, module


def quantize_model(model: nn.Module, bits=8, per="channel", method="absmax", skip=()):
    """Une copie de ``model`` dont chaque matrice de poids
    (``nn.Linear``, ``nn.Embedding``, hors ``skip``) est
    quantifiée, et ses entiers.

    Rend ``(copie, codes)`` ; ``codes[nom]`` vaut ``(q, s)``
    (absmax) ou ``(q, s, z)`` (point zéro). La copie calcule
    avec les poids déquantifiés : les mêmes nombres qu'un
    noyau int8 qui déquantifie à la volée, donc la même perte.
    Par canal, une ligne d'embedding (un token) a son échelle.
    Les biais et les LayerNorm restent en float32.
    """
    if method not in METHODS:
        raise ValueError(f"method vaut « absmax » ou « zeropoint » (reçu : {method!r}).")
    quantized = copy.deepcopy(model)
    codes = {}
    with torch.no_grad():
        for name, module in weight_matrices(quantized, skip):
            w = module.weight
            if method == "absmax":
                codes[name] = absmax_quantize(w, bits, per)
                w.copy_(absmax_dequantize(*codes[name]))
            else:
                codes[name] = zeropoint_quantize(w, bits, per)
                w.copy_(zeropoint_dequantize(*codes[name]))
    return quantized, codes


def quantized_state(model: nn.Module, codes: dict) -> dict:
    """Ce qu'on écrit sur disque : les entiers de chaque matrice
    quantifiée (deux par octet s'ils tiennent sur 4 bits), leurs
    échelles (float32) et points zéro, et tous les autres
    tenseurs en float32, une fois chacun."""
    names = {id(m.weight): name for name, m in weight_matrices(model) if name in codes}
    state, seen = {}, set()
    for key, tensor in model.state_dict(keep_vars=True).items():
        if id(tensor) in seen:  # poids lié : déjà rangé
            continue
        seen.add(id(tensor))
        name = names.get(id(tensor))
        if name is None:
            state[key] = tensor.detach().clone()
            continue
        q, scale, *zero = codes[name]
        small = q.shape[-1] % 2 == 0 and q.numel() and -8 <= int(q.min()) and int(q.max()) <= 7
        state[key] = pack_int4(q) if small else q.clone()
        state[key + ".scale"] = scale.clone()
        if zero:
            state[key + ".zero"] = zero[0].clone()
    return state


def dequantized_state(state: dict) -> dict:
    """L'inverse de :func:`quantized_state` : des float32 pour
    ``model.load_state_dict(…, strict=False)`` (un poids lié
    absent se retrouve par le lien)."""
    out = {}
    for key, value in state.items():
        if key.endswith((".scale", ".zero")):
            continue
        scale = state.get(key + ".scale")
        if scale is None:
            out[key] = value
            continue
        q = unpack_int4(value) if value.dtype == torch.uint8 else value
        zero = state.get(key + ".zero")
        out[key] = (
            absmax_dequantize(q, scale) if zero is None else zeropoint_dequantize(q, scale, zero)
        )
    return out


def serialized_size(state) -> int:
    """Octets de ``torch.save(state)`` : la taille du fichier."""
    buffer = io.BytesIO()
    torch.save(state, buffer)
    return buffer.getbuffer().nbytes


def fp32_size(model: nn.Module) -> int:
    """Octets du ``state_dict`` float32 de ``model`` enregistré
    par ``torch.save`` (un poids lié n'y est écrit qu'une fois)."""
    return serialized_size(model.state_dict())


@torch.no_grad()
def weight_error(model: nn.Module, quantized: nn.Module) -> float:
    """Erreur relative des poids quantifiés : ‖W − Ŵ‖ / ‖W‖ sur
    toutes les matrices réunies."""
    num = den = 0.0
    pairs = zip(weight_matrices(model), weight_matrices(quantized))
    for (_, a), (_, b) in pairs:
        num += float((a.weight - b.weight).pow(2).sum())
        den += float(a.weight.pow(2).sum())
    return (num / den) ** 0.5
