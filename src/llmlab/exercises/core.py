"""Le cœur des vérificateurs : comparer une réponse à la référence et l'expliquer.

Un vérificateur de TP tient en quelques lignes : des cas, une référence, et la **table** de ses
erreurs typiques, une ligne par erreur, ``(détection, conseil)`` :

- un calcul fautif (fonction des mêmes arguments) : reconnu s'il reproduit la sortie de
  l'élève sur TOUS les cas (``part="dW"`` : sur ce seul morceau d'une réponse en plusieurs) ;
- une valeur fautive, pour ``check_value`` ;
- ``Raises(motif)`` : la fonction de l'élève lève une erreur dont le texte contient ce motif ;
- ``When(test)`` : ``test(réponse, attendu)`` est vrai sur le premier cas faux.

Un verdict ne dévoile jamais la valeur attendue : il dit « trop grand », quelle forme, quel
morceau est faux, et le conseil de l'erreur reconnue.
"""

from __future__ import annotations

import copy
import functools
import os
import re
import warnings
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np

from llmlab.exercises.answers import (  # noqa: F401
    as_array,
    describe,
    has_blank,
    has_ellipsis,
    is_blank,  # (réexportés)
    is_text,
    number_text,
    read_numbers,
)


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

    __repr__ = _repr_markdown_ = __str__  # Jupyter affiche le verdict en Markdown


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:] if text[:1].isalpha() else text


def wrong(message: str) -> Verdict:
    """❌ ``message``, avec une majuscule."""
    return Verdict(False, _sentence(message))


def pending(message: str) -> Verdict:
    """⏳ ``message`` : pas encore de réponse, ou des `...` à compléter."""
    return Verdict(False, _sentence(message), pending=True)


def finish(verdict: Verdict) -> Verdict:
    """Rend le verdict ; en mode corrigé, lève `ExerciseError` s'il n'est pas réussi."""
    if strict_mode() and not verdict.ok:
        raise ExerciseError(f"Exercice non réussi dans la version corrigée : {verdict.message}")
    return verdict


#: Le début du verdict quand un vérificateur a planté malgré tout (un bogue à signaler).
UNREADABLE = "Le vérificateur n'a pas pu lire ces réponses"


def checker(fn: Callable[..., Verdict]) -> Callable[..., Verdict]:
    """Décore un vérificateur public : verdict fini (mode strict), et jamais de plantage."""

    @functools.wraps(fn)
    def run(*args, **kwargs) -> Verdict:
        try:
            with np.errstate(all="ignore"), warnings.catch_warnings():
                warnings.simplefilter("ignore")
                verdict = fn(*args, **kwargs)
        except ExerciseError:
            raise
        except Exception as exc:  # noqa: BLE001 - un vérificateur ne plante jamais
            verdict = wrong(
                f"{UNREADABLE} ({type(exc).__name__}) : relancez les cellules "
                f"au-dessus, puis vérifiez ce que vous passez à `{fn.__name__}`."
            )
        return finish(verdict)

    run.is_checker = True
    return run


def all_of(*steps: Callable[[], Verdict], success: str) -> Verdict:
    """Le premier verdict non réussi des étapes, évaluées dans l'ordre ; sinon ✅ ``success``."""
    for step in steps:
        verdict = step()
        if not verdict.ok:
            return verdict
    return Verdict(True, success)


# --- Comparer une réponse à la valeur attendue ----------------------------------------------
def _wanted(expected: np.ndarray) -> str:
    return (
        "un nombre"
        if expected.ndim == 0
        else f"une liste de {expected.size} nombre(s)"
        if expected.ndim == 1
        else f"un tableau de forme {expected.shape}"
    )


def _tolerances(got, exp, rtol: float, atol: float) -> tuple[float, float]:
    """Un entier se compare exactement ; un calcul en float32 a droit à plus d'écart."""
    if exp.kind in "ib":
        return min(rtol, 1e-12), min(atol, 1e-6)
    if got.low_precision or exp.low_precision:
        finite = np.abs(exp.values[np.isfinite(exp.values)])
        scale = float(finite.max()) if finite.size else 0.0
        return max(rtol, 1e-4), max(atol, 1e-4 * scale)
    return rtol, atol


def _compare_numbers(got: Any, expected: Any, name: str, rtol: float, atol: float) -> Verdict:
    exp, read = read_numbers(expected), read_numbers(got)
    if read.values is None:
        if read.problem == "du texte":
            return wrong(
                f'{name} contient du texte : il faut des nombres (le texte "3" '
                "n'est pas le nombre 3)."
            )
        if read.problem and "meta" in read.problem:
            return wrong(f"{name} est {read.problem} : calculez-le sur le processeur (.cpu()).")
        shown = describe(got)
        detail = f", qui contient {read.problem}" if read.problem not in (None, shown) else ""
        return wrong(f"{name} devrait être {_wanted(exp.values)}, pas {shown}{detail}.")
    if exp.kind == "b" and read.kind != "b":
        return wrong(f"{name} devrait contenir des booléens (True / False).")
    arr, want = read.values, exp.values
    if want.ndim == 0 and arr.size == 1:
        arr = arr.reshape(())
    if arr.shape != want.shape:
        if want.ndim == 0 or arr.ndim == 0:
            return wrong(f"{name} devrait être {_wanted(want)}, pas {describe(got)}.")
        if want.ndim == arr.ndim == 1:
            return wrong(f"{name} contient {arr.size} valeur(s) au lieu de {want.size}.")
        return wrong(f"{name} a la forme {arr.shape} au lieu de {want.shape}.")
    rtol, atol = _tolerances(read, exp, rtol, atol)
    bad = ~np.isclose(arr, want, rtol=rtol, atol=atol, equal_nan=True)
    if not bad.any():
        return Verdict(True, f"{name} est correct.")
    if np.isnan(arr[bad]).any():
        return wrong(
            f"{name} contient des NaN : une division par zéro, le log d'un nombre "
            "négatif ou nul, une exponentielle qui déborde ?"
        )
    diff = arr[bad] - want[bad]
    if exp.kind == "b" and want.ndim == 0:  # « trop petit » n'a pas de sens pour un booléen
        return wrong(f"{name} vaut {bool(arr)} : ce n'est pas la bonne réponse.")
    if want.ndim == 0:
        side, value = "grand" if diff > 0 else "petit", float(arr)
        if value.is_integer() and abs(value) < 1e15:  # un entier s'affiche tel quel
            shown = number_text(int(value))
        elif abs(diff) <= 1e-3 * abs(want):  # arrondi à 4 chiffres, il dévoilerait l'attendu
            return wrong(
                f"{name} est presque juste, mais un peu trop {side} : une constante ou "
                "un arrondi à revoir ?"
            )
        else:
            shown = describe(got) if isinstance(got, (int, float)) else number_text(value)
        return wrong(f"{name} vaut {shown} ; c'est trop {side}.")
    if np.isinf(arr[bad]).any():
        return wrong(
            f"{name} contient des valeurs infinies : un nombre qui déborde, une division par zéro ?"
        )
    sense = (
        (
            "True au lieu de False",
            "False au lieu de True",
            "certaines True au lieu de False, d'autres l'inverse",
        )
        if exp.kind == "b"
        else ("trop grandes", "trop petites", "certaines trop grandes, d'autres trop petites")
    )
    sense = sense[0] if (diff > 0).all() else sense[1] if (diff < 0).all() else sense[2]
    first = tuple(int(i) for i in np.argwhere(bad)[0])
    where = first[0] if len(first) == 1 else list(first)
    return wrong(
        f"{name} n'a pas les bonnes valeurs : {int(bad.sum())} sur {bad.size} sont "
        f"fausses ({sense}), la première à la position {where}."
    )


def _compare_dict(got: Any, expected: dict, name: str, rtol: float, atol: float) -> Verdict:
    if not isinstance(got, dict):
        return wrong(f"{name} devrait être un dictionnaire {{clé: valeur}}, pas {describe(got)}.")
    missing = sum(1 for key in expected if key not in got)
    extra = [key for key in got if key not in expected]
    if missing or extra:
        shown = f" (par exemple {describe(extra[0])})" if extra else ""
        return wrong(
            f"{name} n'a pas les bonnes clés : {missing} manquante(s), {len(extra)} en trop{shown}."
        )
    for key, value in expected.items():
        verdict = compare(got[key], value, f"la valeur de la clé {describe(key)}", rtol, atol)
        if not verdict.ok:
            return wrong(f"Dans {name}, {verdict.message[:1].lower()}{verdict.message[1:]}")
    return Verdict(True, f"{name} est correct.")


def _compare_parts(
    got: Any, expected: Sequence, name: str, parts: Sequence[str], rtol: float, atol: float
) -> Verdict:
    listed = ", ".join(parts)
    if (
        isinstance(got, (str, bytes, dict))
        or not hasattr(got, "__len__")
        or not hasattr(got, "__iter__")
    ):
        return wrong(f"{name} doit donner {len(parts)} valeurs ({listed}), pas {describe(got)}.")
    items = list(got)
    if len(items) != len(parts):
        return wrong(f"{name} donne {len(items)} valeur(s) au lieu de {len(parts)} ({listed}).")
    for part, item, value in zip(parts, items, expected):
        verdict = compare(item, value, part, rtol, atol)
        if not verdict.ok:
            return verdict
    return Verdict(True, f"{name} est correct.")


def compare(
    got: Any,
    expected: Any,
    name: str,
    rtol: float = 1e-6,
    atol: float = 1e-8,
    parts: Sequence[str] | None = None,
) -> Verdict:
    """✅, ⏳ ou ❌ avec la raison, sans dévoiler ``expected``.

    ``name`` : la réponse telle qu'on la nomme dans la phrase (« `x_n` », « l'ordonnée b ») ;
    ``parts`` : les noms des morceaux d'une réponse en plusieurs valeurs (« dX », « dW »…).
    """
    if is_blank(got):
        return pending(f"Pas encore de réponse pour {name} : complétez la cellule.")
    if has_ellipsis(got):
        return pending(f"Il reste des `...` à compléter dans {name}.")
    if parts:
        return _compare_parts(got, expected, name, parts, rtol, atol)
    if isinstance(expected, str):
        if not isinstance(got, str):
            return wrong(f"{name} devrait être un texte (str), pas {describe(got)}.")
        if got != expected:
            return wrong(f"{name} vaut {describe(got)} : ce n'est pas la réponse attendue.")
        return Verdict(True, f"{name} est correct.")
    if isinstance(expected, dict):
        return _compare_dict(got, expected, name, rtol, atol)
    if callable(got) and not hasattr(got, "shape"):
        return wrong(f"{name} est une fonction : il faut la valeur qu'elle calcule.")
    return _compare_numbers(got, expected, name, rtol, atol)


def same(
    got: Any, other: Any, rtol: float = 1e-6, atol: float = 1e-8, parts: Sequence[str] | None = None
) -> bool:
    """Vrai si ``got`` coïncide avec ``other`` (même forme, mêmes valeurs, NaN et ±inf compris)."""
    try:
        return compare(got, other, "", rtol, atol, parts).ok
    except Exception:  # noqa: BLE001
        return False


# --- La table des erreurs typiques ----------------------------------------------------------
@dataclass(frozen=True)
class Raises:
    """Détection : la fonction de l'élève lève une erreur dont le texte contient ``pattern``."""

    pattern: str
    error: type = Exception

    def matches(self, exc: BaseException) -> bool:
        return isinstance(exc, self.error) and re.search(self.pattern, _error_text(exc)) is not None


@dataclass(frozen=True)
class When:
    """Détection : ``test(réponse, attendu)`` est vrai (sur le premier cas faux)."""

    test: Callable[[Any, Any], bool]

    def matches(self, got: Any, expected: Any) -> bool:
        try:
            return bool(self.test(got, expected))
        except Exception:  # noqa: BLE001 - une réponse hostile ne casse pas la détection
            return False


class Mistake(NamedTuple):
    """Une ligne de la table : détection (calcul, valeur, `Raises`, `When`) → conseil."""

    wrong: Any
    hint: str
    part: str | None = None


#: Erreurs reconnues dans tous les exercices, après celles du TP.
COMMON_MISTAKES = [
    Mistake(
        Raises(r"only (0-dimensional|length-1|size-1|one element)"),
        "Avec des tableaux, utilisez les fonctions de NumPy (np.exp, np.log, np.sqrt…) ou de "
        "torch : celles du module math ne prennent qu'un seul nombre.",
    ),
    Mistake(
        Raises(r"truth value of an? (array|Tensor)", (ValueError, RuntimeError)),
        "`max`, `min` ou un `if` de Python comparent le tableau entier d'un coup : élément "
        "par élément, utilisez np.maximum, np.minimum ou np.where.",
    ),
    Mistake(
        Raises(r"__round__", TypeError),
        "Le `round` de Python ne prend qu'un seul nombre : pour arrondir chaque élément d'un "
        "tableau, utilisez np.round.",
    ),
    Mistake(
        Raises(r"positional argument", TypeError),
        "La fonction n'a pas le bon nombre de paramètres : gardez la ligne `def` du notebook.",
    ),
]
_SHAPE_ERROR = r"matmul|shapes|broadcast|aligned|mismatch|cannot be multiplied|must match"


def _rows(mistakes: Iterable, shape_advice: str = "") -> list[Mistake]:
    rows = [Mistake(*m) for m in mistakes] + COMMON_MISTAKES
    return rows + ([Mistake(Raises(_SHAPE_ERROR), shape_advice)] if shape_advice else [])


def _hint_for_value(
    got: Any,
    expected: Any,
    rows: list[Mistake],
    rtol: float,
    atol: float,
    parts: Sequence[str] | None,
) -> str | None:
    for row in rows:
        if isinstance(row.wrong, When) and row.wrong.matches(got, expected):
            return row.hint
        if not isinstance(row.wrong, (When, Raises)) and same(got, row.wrong, rtol, atol, parts):
            return row.hint
    return None


def evaluate_value(
    got: Any,
    expected: Any,
    name: str = "réponse",
    mistakes: Iterable = (),
    rtol: float = 1e-6,
    atol: float = 1e-8,
    *,
    parts: Sequence[str] | None = None,
    advice: str = "",
    success: str | None = None,
) -> Verdict:
    """Le verdict de `check_value`, sans le mode strict : pour enchaîner plusieurs réponses."""
    label = f"`{name}`"
    verdict = compare(got, expected, label, rtol, atol, parts)
    if verdict.ok:
        return Verdict(True, success or verdict.message)
    if verdict.pending:
        return verdict
    hint = _hint_for_value(got, expected, _rows(mistakes), rtol, atol, parts)
    if hint:
        start = "Pas" if parts else f"{label} n'est pas"
        return wrong(f"{start} encore juste : {hint}")
    return wrong(f"{verdict.message} {advice}".strip())


def check_value(
    got: Any,
    expected: Any,
    name: str = "réponse",
    mistakes: Iterable = (),
    rtol: float = 1e-6,
    atol: float = 1e-8,
    **options,
) -> Verdict:
    """Compare une réponse à la valeur attendue : type, forme puis valeurs (à ``rtol`` près).

    ``mistakes`` : la table (valeur fausse typique ou ``When``, conseil) ; si la réponse en
    reproduit une, le verdict donne le conseil. ``options`` : ``parts``, ``advice``, ``success``.
    """
    return finish(evaluate_value(got, expected, name, mistakes, rtol, atol, **options))


# --- Appeler la fonction de l'élève ---------------------------------------------------------
def _error_text(exc: BaseException) -> str:
    try:
        line = (str(exc).strip().splitlines() or [""])[0]
    except Exception:  # noqa: BLE001 - même le message d'une erreur peut planter
        return ""
    return line if len(line) <= 120 else line[:119] + "…"


def run_quietly(fn: Callable, args: tuple) -> tuple[Any, BaseException | None]:
    """(résultat, None) ou (None, erreur) : ``fn`` sur des copies des arguments, sans avertissement."""
    try:
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return fn(*copy.deepcopy(args)), None
    except Exception as exc:  # noqa: BLE001 - un vérificateur ne plante jamais
        return None, exc


def _short_arg(value: Any) -> str:
    shape = getattr(value, "shape", None)
    if shape is not None and len(shape):
        return f"tableau {tuple(shape)}"
    return describe(value).replace(chr(96), "")  # sans backtick : dans un `appel()`


def describe_call(label: str, args: tuple, arg_names: str | None = None) -> str:
    """« `dense_forward` avec X de forme (5, 4), W de forme (4, 3) », ou « `abs(-2)` »."""
    if not arg_names:
        return f"`{label}({', '.join(_short_arg(a) for a in args)})`"
    parts = []
    for name, value in zip(arg_names.split(), args):
        text = describe(value)
        shaped = text.startswith(("un tableau de forme", "un tenseur de forme"))
        parts.append(
            f"{name} de forme{text.split('de forme', 1)[1]}" if shaped else f"{name} = {text}"
        )
    return f"`{label}` avec {', '.join(parts)}"


def call_student(
    fn: Any,
    args: tuple,
    label: str,
    arg_names: str | None = None,
    mistakes: Iterable = (),
    shape_advice: str = "",
) -> tuple[Any, Verdict | None]:
    """La fonction de l'élève sur un cas : (résultat, None), ou (None, verdict) si elle est
    encore vide, plante ou ne renvoie rien. Elle reçoit des copies des arguments."""
    if is_blank(fn):
        return None, pending(f"Pas encore de fonction `{label}` : complétez la cellule.")
    if not callable(fn):
        return None, wrong(
            f"`{label}` devrait être une fonction (def {label}(…)), pas {describe(fn)}."
        )
    got, exc = run_quietly(fn, args)
    unfinished = pending(f"`{label}` n'est pas encore écrite : il reste des `...` à compléter.")
    if exc is not None:
        if isinstance(exc, NotImplementedError) or "ellipsis" in _error_text(exc) or has_blank(fn):
            return None, unfinished
        hint = next(
            (
                m.hint
                for m in _rows(mistakes, shape_advice)
                if isinstance(m.wrong, Raises) and m.wrong.matches(exc)
            ),
            "",
        )
        return None, wrong(
            f"{describe_call(label, args, arg_names)} lève {type(exc).__name__} "
            f"(« {_error_text(exc).replace(chr(96), chr(39))} »). {_sentence(hint)}".strip()
        )
    if has_ellipsis(got) or (got is None and has_blank(fn)):
        return None, unfinished
    if got is None:
        return None, wrong(f"`{label}` renvoie None : il manque un `return` ?")
    return got, None


def _part(output: Any, index: int | None) -> Any:
    try:
        return output if index is None else list(output)[index]
    except Exception:  # noqa: BLE001
        return None


def _recognize(
    fn: Callable,
    rows: list[Mistake],
    cases: list[tuple],
    got: Any,
    expected: Any,
    parts: Sequence[str] | None,
    rtol: float,
    atol: float,
) -> str | None:
    """Le conseil de la première ligne de la table qui décrit la réponse de l'élève.

    Un calcul fautif doit reproduire la sortie de l'élève sur TOUS les cas : sur des écarts
    tous positifs, la moyenne des écarts et celle de leurs valeurs absolues se confondent.
    """
    outputs = None
    for row in rows:
        if isinstance(row.wrong, When):
            if row.wrong.matches(got, expected):
                return row.hint
            continue
        if isinstance(row.wrong, Raises) or not callable(row.wrong):
            continue
        if outputs is None:
            outputs = [run_quietly(fn, args)[0] for args in cases]
        index = list(parts).index(row.part) if parts and row.part else None
        if all(
            out is not None and same(_part(out, index), run_quietly(row.wrong, args)[0], rtol, atol)
            for out, args in zip(outputs, cases)
        ):
            return row.hint
    return None


def evaluate_function(
    fn: Any,
    reference: Callable,
    cases: Iterable[tuple],
    name: str | None = None,
    mistakes: Iterable = (),
    shape_advice: str = "",
    arg_names: str | None = None,
    rtol: float = 1e-6,
    atol: float = 1e-8,
    *,
    parts: Sequence[str] | None = None,
    advice: str = "",
    success: str | None = None,
) -> Verdict:
    """Le verdict de `check_function`, sans le mode strict : pour enchaîner plusieurs fonctions.

    Au premier cas faux, la première ligne de ``mistakes`` qui décrit la réponse donne son
    conseil ; sinon le verdict dit ce qui ne va pas, suivi de ``advice``. ``shape_advice``
    s'ajoute quand le calcul échoue sur des formes incompatibles. ``parts`` nomme les morceaux
    d'une sortie en plusieurs valeurs, ``success`` remplace le message de réussite.
    """
    label = name or getattr(fn, "__name__", "fonction")
    mistakes, cases = list(mistakes), list(cases)
    rows = _rows(mistakes, shape_advice)
    for args in cases:
        got, problem = call_student(fn, args, label, arg_names, mistakes, shape_advice)
        if problem is not None:
            return problem
        expected = reference(*args)
        call = describe_call(label, args, arg_names)
        if parts:
            verdict = compare(got, expected, f"`{label}`", rtol, atol, parts)
            prefix = (
                f"Avec {call.split(' avec ', 1)[1]} : " if " avec " in call else f"Avec {call} : "
            )
        else:
            verdict, prefix = compare(got, expected, call, rtol, atol), ""
        if not verdict.ok:
            hint = _recognize(fn, rows, cases, got, expected, parts, rtol, atol)
            if hint:
                return wrong(f"`{label}` n'est pas encore juste : {hint}")
            message = (
                verdict.message[:1].lower() + verdict.message[1:] if prefix else verdict.message
            )
            return Verdict(False, _sentence(f"{prefix}{message} {advice}".strip()), verdict.pending)
    return Verdict(True, success or f"`{label}` est correcte sur les {len(cases)} cas testés.")


def check_function(
    fn: Any,
    reference: Callable,
    cases: Iterable[tuple],
    name: str | None = None,
    mistakes: Iterable = (),
    shape_advice: str = "",
    arg_names: str | None = None,
    rtol: float = 1e-6,
    atol: float = 1e-8,
    **options,
) -> Verdict:
    """Appelle la fonction de l'élève sur chaque cas et compare à la fonction de référence.

    Voir `evaluate_function` pour ``mistakes``, ``shape_advice``, ``arg_names`` et ``options``.
    """
    return finish(
        evaluate_function(
            fn, reference, cases, name, mistakes, shape_advice, arg_names, rtol, atol, **options
        )
    )
