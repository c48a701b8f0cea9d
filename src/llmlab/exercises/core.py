"""Le cœur des vérificateurs : comparer une réponse à la référence et l'expliquer."""
from __future__ import annotations

import math
import os
from dataclasses import dataclass
from numbers import Number
from typing import Any, Callable, Iterable

import numpy as np


class ExerciseError(AssertionError):
    """Levée en mode corrigé quand une réponse n'est pas correcte."""


def strict_mode() -> bool:
    """Vrai quand on exécute la version corrigée d'un notebook (``LLMLAB_CORRIGE=1``)."""
    return os.environ.get("LLMLAB_CORRIGE", "") not in ("", "0")


@dataclass
class Verdict:
    """Verdict d'un exercice ; s'affiche joliment en dernière ligne d'une cellule."""

    ok: bool
    message: str
    pending: bool = False

    @property
    def icon(self) -> str:
        return "✅" if self.ok else ("⏳" if self.pending else "❌")

    def __bool__(self) -> bool:
        return self.ok

    def __str__(self) -> str:
        return f"{self.icon} {self.message}"

    __repr__ = __str__

    def _repr_markdown_(self) -> str:
        return f"{self.icon} {self.message}"


def _finish(verdict: Verdict) -> Verdict:
    if strict_mode() and not verdict.ok:
        raise ExerciseError(f"Exercice non réussi dans la version corrigée : {verdict.message}")
    return verdict


def _is_blank(value: Any) -> bool:
    return value is None or value is Ellipsis


def _as_array(value: Any) -> np.ndarray | None:
    """Convertit listes, tuples, tableaux NumPy et tenseurs torch en tableau NumPy."""
    if hasattr(value, "detach"):  # tenseur torch
        value = value.detach().cpu().numpy()
    if isinstance(value, (list, tuple, np.ndarray, Number, np.generic)):
        try:
            return np.asarray(value, dtype=float)
        except (TypeError, ValueError):
            return None
    return None


def _compare(got: Any, expected: Any, name: str, rtol: float, atol: float) -> Verdict:
    if _is_blank(got):
        return Verdict(False, f"Pas encore de réponse pour `{name}` : complétez la cellule.", pending=True)
    if isinstance(expected, str):
        if not isinstance(got, str):
            return Verdict(False, f"`{name}` devrait être un texte (str), pas un {type(got).__name__}.")
        if got != expected:
            return Verdict(False, f"`{name}` vaut {got!r} ; ce n'est pas la réponse attendue.")
        return Verdict(True, f"`{name}` est correct.")
    if isinstance(expected, (bool, np.bool_)):
        if got is not True and got is not False and not isinstance(got, np.bool_):
            return Verdict(False, f"`{name}` devrait être True ou False, pas {got!r}.")
        if bool(got) != bool(expected):
            return Verdict(False, f"`{name}` vaut {got!r} : ce n'est pas la bonne réponse.")
        return Verdict(True, f"`{name}` est correct.")

    exp = np.asarray(expected, dtype=float)
    arr = _as_array(got)
    if arr is None:
        kind = "un nombre" if exp.ndim == 0 else f"un tableau de forme {exp.shape}"
        return Verdict(False, f"`{name}` devrait être {kind}, pas un {type(got).__name__}.")
    if exp.ndim == 0 and arr.ndim != 0 and arr.size == 1:
        arr = arr.reshape(())
    if arr.shape != exp.shape:
        return Verdict(False, f"`{name}` a la forme {arr.shape} au lieu de {exp.shape}.")
    if np.isnan(arr).any() and not np.isnan(exp).any():
        return Verdict(False, f"`{name}` contient des NaN : une division par zéro ou un log de 0 ?")
    if not np.allclose(arr, exp, rtol=rtol, atol=atol, equal_nan=True):
        if exp.ndim == 0:
            return Verdict(False, f"`{name}` vaut {float(arr):.6g} ; la valeur attendue est différente"
                                  f" (écart {abs(float(arr) - float(exp)):.3g}).")
        diff = np.abs(arr - exp)
        where = np.unravel_index(int(np.nanargmax(diff)), diff.shape)
        return Verdict(False, f"`{name}` n'a pas les bonnes valeurs : le plus grand écart ({diff[where]:.3g})"
                              f" est à l'indice {tuple(int(i) for i in where)}.")
    return Verdict(True, f"`{name}` est correct.")


def check_value(got: Any, expected: Any, name: str = "réponse",
                rtol: float = 1e-6, atol: float = 1e-8) -> Verdict:
    """Compare une réponse à la valeur attendue : type, forme puis valeurs (à `rtol` près)."""
    try:
        verdict = _compare(got, expected, name, rtol, atol)
    except Exception as exc:  # noqa: BLE001 - un vérificateur ne plante jamais
        verdict = Verdict(False, f"Impossible de comparer `{name}` à la réponse attendue ({exc}).")
    return _finish(verdict)


def _describe(args: tuple) -> str:
    text = ", ".join(repr(a) for a in args)
    return text if len(text) <= 80 else text[:77] + "…"


def check_function(fn: Any, reference: Callable, cases: Iterable[tuple], name: str | None = None,
                   rtol: float = 1e-6, atol: float = 1e-8) -> Verdict:
    """Appelle la fonction de l'élève sur chaque cas et compare à la fonction de référence."""
    label = name or getattr(fn, "__name__", "fonction")
    if _is_blank(fn):
        return _finish(Verdict(False, f"Pas encore de fonction `{label}` : complétez la cellule.", pending=True))
    if not callable(fn):
        return _finish(Verdict(False, f"`{label}` devrait être une fonction, pas un {type(fn).__name__}."))
    cases = list(cases)
    for args in cases:
        try:
            got = fn(*args)
        except NotImplementedError:
            return _finish(Verdict(False, f"`{label}` n'est pas encore écrite.", pending=True))
        except Exception as exc:  # noqa: BLE001
            return _finish(Verdict(False, f"`{label}({_describe(args)})` lève {type(exc).__name__} : {exc}"))
        if got is None:
            return _finish(Verdict(False, f"`{label}` renvoie None : il manque un `return` ?", pending=True))
        verdict = _compare(got, reference(*args), f"{label}({_describe(args)})", rtol, atol)
        if not verdict.ok:
            return _finish(verdict)
    return _finish(Verdict(True, f"`{label}` est correcte sur les {len(cases)} cas testés."))
