"""Le cœur des vérificateurs : comparer une réponse à la référence et l'expliquer."""
from __future__ import annotations

import copy
import inspect
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


def finish(verdict: Verdict) -> Verdict:
    """Rend le verdict ; en mode corrigé, lève `ExerciseError` s'il n'est pas réussi."""
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


def check_value(got: Any, expected: Any, name: str = "réponse", mistakes: Iterable[Mistake] = (),
                rtol: float = 1e-6, atol: float = 1e-8) -> Verdict:
    """Compare une réponse à la valeur attendue : type, forme puis valeurs (à `rtol` près).

    `mistakes` : paires (valeur fausse typique, conseil) ; si la réponse en reproduit une,
    le verdict donne le conseil au lieu de dire seulement que la valeur diffère.
    """
    try:
        verdict = _compare(got, expected, name, rtol, atol)
        hint = None if verdict.ok or verdict.pending else _hint(got, mistakes, rtol, atol)
        if hint:
            verdict = Verdict(False, f"`{name}` n'est pas encore juste : {hint}")
    except Exception as exc:  # noqa: BLE001 - un vérificateur ne plante jamais
        verdict = Verdict(False, f"Impossible de comparer `{name}` à la réponse attendue ({exc}).")
    return finish(verdict)


#: Une erreur typique : (fonction ou valeur fausse, conseil à donner si l'élève la reproduit).
Mistake = tuple[Any, str]


def _same(got: Any, wrong: Any, rtol: float = 1e-6, atol: float = 1e-8) -> bool:
    """Vrai si `got` coïncide (forme et valeurs finies) avec `wrong`."""
    a, b = _as_array(got), _as_array(wrong)
    return (a is not None and b is not None and a.shape == b.shape
            and bool(np.all(np.isfinite(a))) and np.allclose(a, b, rtol=rtol, atol=atol))


def _hint(got: Any, wrongs: Iterable[tuple[Any, str]], rtol: float, atol: float) -> str | None:
    """Le conseil de la première erreur typique que `got` reproduit, sinon None."""
    for wrong, hint in wrongs:
        if _same(got, wrong, rtol, atol):
            return hint
    return None


def _describe(value: Any) -> str:
    """Un argument en quelques caractères : la forme d'un tableau plutôt que ses nombres."""
    if isinstance(value, np.ndarray) and value.ndim > 0:
        return f"tableau {value.shape}"
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "…"


def _describe_call(label: str, args: tuple, arg_names: str | None) -> str:
    if arg_names:
        parts = [f"{n} {_describe(a)}" if isinstance(a, np.ndarray) and a.ndim else f"{n} = {_describe(a)}"
                 for n, a in zip(arg_names.split(), args)]
        return f"`{label}` avec {', '.join(parts)}"
    return f"`{label}({', '.join(_describe(a) for a in args)})`"


def _still_blank(fn: Callable) -> bool:
    """Vrai si le code de la fonction contient encore un `...` à compléter."""
    try:
        return "..." in inspect.getsource(fn)
    except (OSError, TypeError):
        return False


def _is_shape_error(exc: Exception) -> bool:
    text = str(exc)
    return isinstance(exc, ValueError) and any(
        word in text for word in ("matmul", "shapes", "broadcast", "aligned", "mismatch"))


def call_student(fn: Any, args: tuple, label: str, arg_names: str | None = None,
                 shape_advice: str = "") -> tuple[Any, Verdict | None]:
    """Appelle la fonction de l'élève sur un cas : (résultat, None), ou (None, verdict) si
    elle est encore vide, plante ou ne renvoie rien. Elle reçoit des copies des arguments :
    elle peut les modifier sans fausser la référence."""
    if _is_blank(fn):
        return None, Verdict(False, f"Pas encore de fonction `{label}` : complétez la cellule.", pending=True)
    if not callable(fn):
        return None, Verdict(False, f"`{label}` devrait être une fonction, pas un {type(fn).__name__}.")
    try:
        with np.errstate(all="ignore"):
            got = fn(*copy.deepcopy(args))
    except NotImplementedError:
        return None, Verdict(False, f"`{label}` n'est pas encore écrite.", pending=True)
    except Exception as exc:  # noqa: BLE001 - un vérificateur ne plante jamais
        advice = f" {shape_advice}" if shape_advice and _is_shape_error(exc) else ""
        call = _describe_call(label, args, arg_names)
        return None, Verdict(False, f"{call} lève {type(exc).__name__} : {exc}{advice}")
    if got is None:
        if _still_blank(fn):
            return None, Verdict(False, f"`{label}` n'est pas encore écrite : remplacez les `...`.",
                                 pending=True)
        return None, Verdict(False, f"`{label}` renvoie None : il manque un `return` ?", pending=True)
    return got, None


def evaluate_function(fn: Any, reference: Callable, cases: Iterable[tuple], name: str | None = None,
                      mistakes: Iterable[Mistake] = (), shape_advice: str = "",
                      arg_names: str | None = None, rtol: float = 1e-6, atol: float = 1e-8) -> Verdict:
    """Le verdict de `check_function`, sans le mode strict : pour enchaîner plusieurs fonctions.

    Au premier cas faux, si la sortie de l'élève reproduit une erreur de `mistakes`
    (fonction fautive, conseil) sur tous les cas, le verdict donne ce conseil ;
    `shape_advice` s'ajoute quand le calcul échoue sur des formes incompatibles.
    """
    label = name or getattr(fn, "__name__", "fonction")
    mistakes, cases = list(mistakes), list(cases)
    for args in cases:
        got, problem = call_student(fn, args, label, arg_names, shape_advice)
        if problem is not None:
            return problem
        call = _describe_call(label, args, arg_names)
        verdict = _compare(got, reference(*args), call.strip("`"), rtol, atol)
        if not verdict.ok:
            hint = _recognize(fn, mistakes, cases, rtol, atol)
            if hint:
                return Verdict(False, f"`{label}` n'est pas encore juste : {hint}")
            return verdict
    return Verdict(True, f"`{label}` est correcte sur les {len(cases)} cas testés.")


def _call_quietly(fn: Callable, args: tuple) -> Any:
    """Le résultat d'un calcul, ou None s'il ne s'exécute pas sur ce cas."""
    try:
        with np.errstate(all="ignore"):
            return fn(*copy.deepcopy(args))
    except Exception:  # noqa: BLE001
        return None


def _recognize(fn: Callable, mistakes: list[Mistake], cases: list[tuple],
               rtol: float, atol: float) -> str | None:
    """Le conseil de l'erreur typique que `fn` reproduit sur TOUS les cas, sinon None.

    Exiger tous les cas évite les coïncidences : sur des écarts tous positifs, la moyenne des
    écarts et celle de leurs valeurs absolues se confondent.
    """
    if not mistakes:
        return None
    outputs = [_call_quietly(fn, args) for args in cases]
    for wrong, hint in mistakes:
        if all(_same(out, _call_quietly(wrong, args), rtol, atol) for out, args in zip(outputs, cases)):
            return hint
    return None


def check_function(fn: Any, reference: Callable, cases: Iterable[tuple], name: str | None = None,
                   mistakes: Iterable[Mistake] = (), shape_advice: str = "",
                   arg_names: str | None = None, rtol: float = 1e-6, atol: float = 1e-8) -> Verdict:
    """Appelle la fonction de l'élève sur chaque cas et compare à la fonction de référence.

    Voir `evaluate_function` pour `mistakes`, `shape_advice` et `arg_names`.
    """
    return finish(evaluate_function(fn, reference, cases, name, mistakes, shape_advice,
                                     arg_names, rtol, atol))
