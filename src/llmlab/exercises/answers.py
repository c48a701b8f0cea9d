"""Lire la réponse d'un élève : des nombres ? du texte ? un `...` laissé vide ? Et la décrire.

Tout ce qu'un élève peut taper passe ici sans planter : listes, tableaux NumPy, objets pandas,
tenseurs torch (avec ``requires_grad``, sur un autre appareil), entiers démesurés, NaN, texte.
Un texte n'est jamais lu comme un nombre : ``"3"`` n'est pas ``3``.
"""

from __future__ import annotations

import ast
import inspect
import math
import textwrap
from numbers import Real
from typing import Any, NamedTuple

import numpy as np

from llmlab.display import french_general, french_number


class Numbers(NamedTuple):
    """Les nombres d'une réponse : ``values`` (float64) ou None et la raison (``problem``)."""

    values: np.ndarray | None
    problem: str | None = None
    kind: str = "f"  # « b » booléens, « i » entiers, « f » nombres à virgule
    low_precision: bool = False  # float32 ou moins : la tolérance s'élargit


def is_blank(value: Any) -> bool:
    """Vrai pour une réponse pas encore donnée (``...`` ou None)."""
    return value is None or value is Ellipsis


def has_ellipsis(value: Any, depth: int = 3) -> bool:
    """Vrai si ``value`` est ``...`` ou en contient un (listes, tuples, dictionnaires)."""
    items = (
        value.values()
        if isinstance(value, dict)
        else value
        if isinstance(value, (list, tuple))
        else ()
    )
    return value is Ellipsis or bool(depth) and any(has_ellipsis(v, depth - 1) for v in items)


def _is_tensor(value: Any) -> bool:
    return type(value).__module__.startswith("torch") and hasattr(value, "detach")


def _is_pandas(value: Any) -> bool:
    return type(value).__module__.startswith("pandas") and hasattr(value, "to_numpy")


class _Unreadable(Exception):
    """Une réponse dont on ne peut pas lire les nombres ; le message dit pourquoi."""


def _plain(value: Any, depth: int = 0) -> Any:
    """Tenseurs et objets pandas remplacés par des tableaux NumPy, jusque dans les listes."""
    if depth > 20:
        raise _Unreadable("une liste imbriquée trop profondément")
    if _is_tensor(value):
        tensor = value.detach()
        if tensor.device.type == "meta":
            raise _Unreadable("un tenseur sur l'appareil meta, qui n'a pas de valeurs")
        if str(tensor.dtype) == "torch.bfloat16":
            tensor = tensor.float()
        return tensor.cpu().resolve_conj().numpy()
    if _is_pandas(value):
        return value.to_numpy()
    if isinstance(value, (list, tuple)):
        return [_plain(v, depth + 1) for v in value]
    return value


def _number(item: Any) -> float:
    """Un élément d'un tableau d'objets, en float ; un entier démesuré devient ±inf."""
    if isinstance(item, (str, bytes, np.str_)):
        raise _Unreadable("du texte")
    if item is None:
        raise _Unreadable("None")
    if isinstance(item, (bool, np.bool_)):
        return float(item)
    if isinstance(item, Real):
        try:
            return float(item)
        except OverflowError:
            return math.inf if item > 0 else -math.inf
    raise _Unreadable(describe(item))


def read_numbers(value: Any) -> Numbers:
    """Les nombres de ``value`` en tableau float64, ou la raison pour laquelle ce n'en sont pas."""
    try:
        array = np.asarray(_plain(value))
    except _Unreadable as exc:
        return Numbers(None, str(exc))
    except (ValueError, TypeError):
        return Numbers(None, "des lignes de longueurs différentes")
    except Exception as exc:  # noqa: BLE001 - un objet exotique ne fait pas planter
        return Numbers(None, f"un objet illisible ({type(exc).__name__})")
    kind = array.dtype.kind
    if kind in "US":
        return Numbers(None, "du texte")
    if kind == "c":
        return Numbers(None, "des nombres complexes")
    if kind in "biu":
        return Numbers(array.astype(float), kind="b" if kind == "b" else "i")
    if kind == "f":
        return Numbers(array.astype(float), low_precision=array.dtype.itemsize <= 4)
    if kind != "O":
        return Numbers(None, f"des valeurs de type {array.dtype}")
    try:
        floats = np.array([_number(item) for item in array.ravel()], dtype=float)
    except _Unreadable as exc:
        return Numbers(None, str(exc))
    whole = all(isinstance(item, (int, np.integer)) for item in array.ravel())
    return Numbers(floats.reshape(array.shape), kind="i" if whole else "f")


def as_array(value: Any) -> np.ndarray | None:
    """Les nombres de ``value`` en tableau float64, ou None (texte, None, objet quelconque)."""
    return read_numbers(value).values


def is_text(value: Any) -> bool:
    """Vrai si ``value`` est du texte ou contient du texte là où l'on attend des nombres."""
    return read_numbers(value).problem == "du texte"


# --- Décrire une valeur en quelques mots ----------------------------------------------------
def number_text(x: Any) -> str:
    """Un nombre à la française, court : « 7 087 872 », « 2,123 », « un entier de 401 chiffres »."""
    if isinstance(x, (bool, np.bool_)):
        return str(bool(x))
    if isinstance(x, (int, np.integer)):
        n = abs(int(x))
        return (
            f"un entier de {len(str(n))} chiffres"
            if n >= 10**15
            else french_number(int(x), 0)
            if n >= 10_000
            else str(int(x))
        )
    x = float(x)
    if x.is_integer() and abs(x) < 10**15:  # 65 519 et 65 520 ne s'écrivent pas tous deux 6,552e+04
        return number_text(int(x))
    return "NaN" if math.isnan(x) else f"{x:+}" if math.isinf(x) else french_general(x, 4)


def _literal(value: Any) -> str | None:
    """Une courte liste de nombres écrite telle quelle (`[1, 2, 3]`), sinon None."""
    items = list(value)
    if len(items) > 8 or not all(
        isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool)
        for v in items
    ):
        return None
    text = repr(
        type(value)(
            int(v) if isinstance(v, (int, np.integer)) else float(f"{v:.4g}") for v in items
        )
    )
    return f"`{text}`" if len(text) <= 40 else None


def describe(value: Any) -> str:
    """``value`` en quelques mots : la forme d'un tableau plutôt que ses nombres."""
    if value is None or value is Ellipsis:
        return "None" if value is None else "`...`"
    if isinstance(value, (bool, np.bool_, int, float, np.integer, np.floating)):
        return number_text(value)
    if isinstance(value, (str, bytes)):
        text = value if isinstance(value, str) else value.decode("latin-1")
        text = text if len(text) <= 20 else text[:19] + "…"
        return f"le texte « {text.replace(chr(96), '')} »"  # chr(96) : le backtick
    if _is_tensor(value) or isinstance(value, np.ndarray):
        if isinstance(value, np.ndarray) and value.ndim == 0:
            return describe(value.item())
        meta = " sur l'appareil meta" if _is_tensor(value) and value.device.type == "meta" else ""
        return f"{'un tenseur' if _is_tensor(value) else 'un tableau'} de forme {tuple(value.shape)}{meta}"
    if _is_pandas(value):
        return f"un objet pandas {type(value).__name__} de forme {tuple(value.shape)}"
    if isinstance(value, (list, tuple)):
        literal = _literal(value)
        noun = "une liste" if isinstance(value, list) else "un tuple"
        return literal or (f"{noun} vide" if not value else f"{noun} de {len(value)} éléments")
    if isinstance(value, dict):
        return f"un dictionnaire de {len(value)} clé(s)"
    if inspect.isgenerator(value):
        return "un générateur (convertissez-le avec list(...))"
    if callable(value):
        return "une fonction"
    return f"un objet {type(value).__name__}"


# --- Une fonction encore à compléter ? ------------------------------------------------------
def _blank_in(node: ast.AST, in_slice: bool = False) -> bool:
    """Un ``...`` hors d'un indice (``q[..., :]`` n'est pas un trou à remplir)."""
    if isinstance(node, ast.Constant) and node.value is Ellipsis:
        return not in_slice
    if isinstance(node, ast.Subscript):
        return _blank_in(node.value, in_slice) or _blank_in(node.slice, True)
    return any(_blank_in(child, in_slice) for child in ast.iter_child_nodes(node))


def _parse(source: str) -> ast.AST | None:
    text = textwrap.dedent(source).strip()
    for candidate in (text, f"({text.rstrip(',')})", text.rstrip(",")):
        try:
            return ast.parse(candidate)
        except SyntaxError:
            continue
    return None


def _code_has_ellipsis(code: Any) -> bool:
    return code is not None and any(
        c is Ellipsis or inspect.iscode(c) and _code_has_ellipsis(c) for c in code.co_consts
    )


def has_blank(fn: Any) -> bool:
    """Vrai si le code de ``fn`` contient encore un ``...`` à compléter.

    Lu dans l'arbre syntaxique : un ``...`` d'indexation (``q[..., :]``) ou dans un commentaire
    ne compte pas. Sans source lisible, on regarde les constantes du code compilé.
    """
    try:
        tree = _parse(inspect.getsource(fn))
    except (OSError, TypeError):
        tree = None
    if tree is None:
        return _code_has_ellipsis(getattr(fn, "__code__", None))
    name = getattr(fn, "__name__", "")
    nodes = [
        n
        for n in ast.walk(tree)
        if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) and n.name == name
    ]
    if name == "<lambda>":
        arg_names = fn.__code__.co_varnames[: fn.__code__.co_argcount]
        nodes = [
            n
            for n in ast.walk(tree)
            if isinstance(n, ast.Lambda) and tuple(a.arg for a in n.args.args) == arg_names
        ]
    return any(_blank_in(n) for n in (nodes[:1] if name != "<lambda>" else nodes) or [tree])
