"""Chaque vérificateur de chaque TP, face aux réponses qu'un élève peut vraiment taper.

Les vérificateurs sont découverts seuls : toute fonction publique ``check_…`` d'un module
``llmlab.exercises.tpX_Y`` (ou nommé comme son notebook : ``entrainer_un_llm``), appelée comme l'écrit son notebook, avec les solutions pour les
autres arguments. Un nouveau TP est donc essayé le jour où il est écrit. Pour chacun :

- la solution passe, et ses variantes justes aussi (float32, tenseur avec ``requires_grad``,
  ``...`` d'indexation ou dans un commentaire) ;
- chaque réponse hostile (entiers démesurés, NaN, texte, None, listes irrégulières, pandas,
  tenseur ``meta``, mauvaise forme, fonction qui plante, à moitié remplie…) reçoit un verdict
  en français, jamais un plantage ni un ✅ ; le texte n'est jamais lu comme un nombre ;
- aucun message ne contient la valeur attendue ;
- chaque message a ses backticks par paires et reste court.
"""

from __future__ import annotations

import ast
import importlib
import pkgutil
import re
from pathlib import Path

import numpy as np
import pytest

import llmlab.exercises
from harness.solutions import checker_calls, run_solutions, solution_names
from llmlab.exercises.core import UNREADABLE, Verdict, read_numbers

torch = pytest.importorskip("torch")
pd = pytest.importorskip("pandas")

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
#: Les modules de vérificateurs : ceux des TP (``tpX_Y``) et ceux qui portent le nom de leur
#: notebook (``entrainer_un_llm`` pour ``notebooks/entrainer-un-llm.ipynb``).
_NAMED_AFTER_A_NOTEBOOK = {nb.stem.replace("-", "_") for nb in NOTEBOOKS}
MODULES = {
    m.name: importlib.import_module(f"llmlab.exercises.{m.name}")
    for m in pkgutil.iter_modules(llmlab.exercises.__path__)
    if re.fullmatch(r"tp\d+_\d+", m.name) or m.name in _NAMED_AFTER_A_NOTEBOOK
}
CHECKERS = [
    (name, attr)
    for name, module in MODULES.items()
    for attr, fn in vars(module).items()
    if attr.startswith("check_") and callable(fn) and fn.__module__ == module.__name__
]
CALLS = {(c.module, c.checker): c for nb in NOTEBOOKS for c in checker_calls(nb)}
IDS = [f"{m}.{c}" for m, c in CHECKERS]


@pytest.fixture(autouse=True)
def not_strict(monkeypatch):
    monkeypatch.delenv("LLMLAB_CORRIGE", raising=False)


_SNAPSHOTS: dict = {}


def good_call(module: str, checker: str) -> tuple[list, list[bool]]:
    """(arguments justes, pour chacun : est-ce une réponse de l'élève ?) tels que le notebook."""
    call = CALLS[(module, checker)]
    if call.notebook not in _SNAPSHOTS:
        _SNAPSHOTS[call.notebook] = run_solutions(call.notebook, snapshots=True)
    namespace = _SNAPSHOTS[call.notebook][call.cell]
    names = solution_names(call.notebook)
    return [eval(arg, dict(namespace)) for arg in call.args], [arg in names for arg in call.args]


# ---------------------------------------------------------------------------
# Les réponses hostiles, fabriquées ici
# ---------------------------------------------------------------------------


class WeirdError(Exception):
    def __str__(self):
        raise RuntimeError("même le message plante")


def raise_(error: Exception):
    raise error


def hostile_values() -> list[tuple[str, object]]:
    """Des valeurs qu'un élève peut produire ; aucune n'est une bonne réponse."""
    return [
        ("10**400", 10**400),
        ("-10**400", -(10**400)),
        ("NaN", float("nan")),
        ("inf", float("inf")),
        ("texte", "3"),
        ("liste de textes", ["1", "2"]),
        ("dictionnaire de textes", {(1, 2): "4"}),
        ("None", None),
        ("liste irrégulière", [[1, 2], [3]]),
        ("liste imbriquée", [[[1.5]]]),
        ("Series", pd.Series([1.5, 2.5])),
        ("DataFrame", pd.DataFrame({"a": [1.5]})),
        ("requires_grad", torch.full((3,), 1.5, requires_grad=True)),
        ("meta", torch.ones(3, device="meta")),
        ("complexes", np.array([1 + 2j])),
        ("objets", np.array([object()])),
        ("mauvaise forme", np.full((2, 3, 4), 1.5)),
        ("tableau vide", np.array([])),
        ("booléen", True),
        ("ensemble", {1, 2}),
        ("octets", b"abc"),
        ("objet", object()),
        ("générateur", (i for i in range(3))),
        ("liste avec ...", [..., ...]),
        ("fonction", lambda *a: 1 / 0),
    ]


def textify(value):
    """La bonne réponse écrite en texte : `"3"`, `["1", "2"]`, `{pair: "4"}`, astype(str)."""
    if isinstance(value, dict):
        return {k: str(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(textify(v) for v in value)
    if isinstance(value, np.ndarray):
        return value.astype(str)
    return str(value)


def perturb(value):
    """Presque la bonne réponse : 1 % de trop, un de plus, un booléen inversé."""
    if isinstance(value, dict):
        return {k: perturb(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(perturb(v) for v in value)
    if isinstance(value, str):
        return value + "x"
    if hasattr(value, "dtype") and "bool" in str(value.dtype):
        return ~value
    if isinstance(value, (int, np.integer)) or "int" in str(getattr(value, "dtype", "")):
        return value + 1
    return value * 1.01 + 0.01


def nudge(value):
    """À un cheveu de la bonne réponse (0,02 %) : ses 4 premiers chiffres sont souvent les mêmes."""
    if isinstance(value, (list, tuple)):
        return type(value)(nudge(v) for v in value)
    return value * 1.0002 if is_float_answer(value) else perturb(value)


def as_float32(value):
    if isinstance(value, (list, tuple)):
        return type(value)(as_float32(v) for v in value)
    if isinstance(value, float):
        return np.float32(value)
    if isinstance(value, np.ndarray) and value.dtype == np.float64:
        return value.astype(np.float32)
    if isinstance(value, torch.Tensor) and value.dtype == torch.float64:
        return value.float()
    return value


def with_grad(value):
    if isinstance(value, (list, tuple)):
        return type(value)(with_grad(v) for v in value)
    if isinstance(value, torch.Tensor):
        return value.detach().clone().requires_grad_(True)
    return torch.tensor(np.asarray(value, dtype=float), requires_grad=True)


def is_float_answer(value) -> bool:
    """Des nombres à virgule (ou un tuple de tableaux qui en sont) : float32 doit passer."""
    if isinstance(value, (list, tuple)) and any(hasattr(v, "shape") for v in value):
        return all(is_float_answer(v) for v in value)
    read = read_numbers(value)
    return read.values is not None and read.kind == "f"


def half_filled(*args):
    total = ...
    return args[0] * total


def returns_dots(*args):
    return ...


def returns_some_dots(*args):
    return args[0], ...


def raises_with_dots_in_indexing(*args):
    # ... un commentaire avec des points de suspension n'est pas un trou
    np.zeros((2, 2))[..., 0]
    raise KeyError("la clé de l'élève")


class Recorder:
    """Les réponses justes des cas que le vérificateur essaie : pour chercher une fuite."""

    def __init__(self, good):
        self.good, self.outputs = good, []

    def __call__(self, transform):
        def answer(*args):
            import copy

            out = self.good(*copy.deepcopy(args))
            self.outputs.append(out)
            return transform(out, args)

        return answer


def hostile_functions(good) -> tuple[Recorder, list[tuple[str, object]]]:
    record = Recorder(good)
    answers = [
        (f"renvoie {name}", record(lambda out, args, v=value: v))
        for name, value in hostile_values()
    ]
    answers += [
        ("renvoie du texte juste", record(lambda out, args: textify(out))),
        ("presque juste", record(lambda out, args: perturb(out))),
        ("à un cheveu", record(lambda out, args: nudge(out))),
        ("lève ZeroDivisionError", record(lambda out, args: 1 / 0)),
        ("lève une erreur illisible", record(lambda out, args: raise_(WeirdError()))),
        ("récursion infinie", record(lambda out, args: (lambda f: f(f))(lambda f: f(f)))),
        ("message d'erreur énorme", record(lambda out, args: raise_(ValueError("x" * 10_000)))),
        ("mauvais nombre de paramètres", lambda: 1.0),
        ("pas une fonction : 3", 3),
        ("pas une fonction : texte", "def f(): pass"),
        ("lève avec un ... d'indexation", raises_with_dots_in_indexing),
    ]
    return record, answers


# ---------------------------------------------------------------------------
# Ce que doit respecter tout message
# ---------------------------------------------------------------------------


def numbers_of(value, limit: int = 200) -> list[float]:
    read = read_numbers(value)
    if read.values is None and isinstance(value, (list, tuple)):
        return [x for v in value for x in numbers_of(v, limit)][:limit]
    return [] if read.values is None else [float(x) for x in read.values.ravel()[:limit]]


def leaks(message: str, expected) -> list[str]:
    """Les écritures de ``expected`` présentes dans ``message`` (nombres d'au moins 3 chiffres,
    paires de nombres voisins d'une liste)."""
    if isinstance(expected, dict):
        return leaks(message, list(expected.values()))
    text = message.replace("\u202f", " ").replace("\xa0", " ")
    values, found = numbers_of(expected), []
    values = [v for v in values if np.isfinite(v)]
    for x in values if len(values) == 1 else [v for v in values if v != round(v)]:
        forms = {f"{x:.{d}g}" for d in (4, 5, 6)}
        forms |= {f"{int(x):,}".replace(",", " ")} if x == round(x) else set()
        forms |= {f.replace(".", ",") for f in forms}
        found += [
            f
            for f in forms
            if sum(c.isdigit() for c in f) >= 3
            and re.search(rf"(?<![\d,.]){re.escape(f)}(?!\d)", text)
        ]
    ints = [int(v) for v in values if v == round(v)]
    found += [
        f"{a}, {b}"
        for a, b in zip(ints, ints[1:])
        if max(abs(a), abs(b)) >= 100 and f"{a}, {b}" in text
    ]
    return found


def assert_clean(verdict, where: str):
    assert isinstance(verdict, Verdict), where
    message = verdict.message
    assert message.count("`") % 2 == 0, (where, message)
    for bad in ("Traceback", "np.float64(", "tensor(", "array(", "1e+300", "1e300"):
        assert bad not in message, (where, bad, message)
    assert not re.search(r"écart\s*\(?\s*[-\d]", message), (where, message)  # « écart 0.0003 »
    assert len(message) < 700, (where, message)


# ---------------------------------------------------------------------------
# Les tests
# ---------------------------------------------------------------------------


def test_every_checker_is_discovered_called_by_its_notebook_and_never_crashes():
    assert len(MODULES) >= 8 and len(CHECKERS) >= 38
    for module, checker in CHECKERS:
        assert (module, checker) in CALLS, f"{module}.{checker} n'est appelé par aucun notebook"
        assert getattr(getattr(MODULES[module], checker), "is_checker", False), (
            f"{module}.{checker} doit être décoré par @checker (un vérificateur ne plante jamais)"
        )


def dotted(good):
    """La bonne fonction, avec des ``...`` d'indexation et de commentaire : rien à compléter."""

    def answer(*args):
        # ... des points de suspension dans un commentaire
        out = good(*args)
        return out[...] if isinstance(out, np.ndarray) else out

    return answer


def correct_variants(check, args, i) -> list[tuple[str, object]]:
    """Des variantes justes de l'argument ``i`` : float32, tenseur avec ``requires_grad``…"""
    good = args[i]
    if not callable(good):
        return (
            [("float32", as_float32(good)), ("requires_grad", with_grad(good))]
            if is_float_answer(good)
            else []
        )
    record = Recorder(good)
    check(*args[:i], record(lambda out, a: out), *args[i + 1 :])
    variants = [("... d'indexation", dotted(good))]
    if record.outputs and all(is_float_answer(out) for out in record.outputs):
        variants += [
            ("float32", lambda *a: good(*as_float32(a))),
            ("requires_grad", lambda *a: with_grad(good(*a))),
        ]
    return variants


@pytest.mark.parametrize("module, checker", CHECKERS, ids=IDS)
def test_the_solution_and_its_correct_variants_are_accepted(module, checker):
    check = getattr(MODULES[module], checker)
    args, answers = good_call(module, checker)
    assert check(*args).ok, check(*args).message
    for i in (i for i, answer in enumerate(answers) if answer):
        for name, variant in correct_variants(check, args, i):
            verdict = check(*args[:i], variant, *args[i + 1 :])
            assert verdict.ok, (f"{module}.{checker}", i, name, verdict.message)


@pytest.mark.parametrize("module, checker", CHECKERS, ids=IDS)
def test_hostile_answers_get_a_french_verdict_never_a_pass_nor_the_answer(module, checker):
    check = getattr(MODULES[module], checker)
    args, answers = good_call(module, checker)
    for i, good in enumerate(args):
        if callable(good):
            record, hostile = hostile_functions(good)
        else:
            record, hostile = (
                None,
                hostile_values() + [("presque juste", perturb(good)), ("à un cheveu", nudge(good))],
            )
            hostile += [] if isinstance(good, str) else [("texte juste", textify(good))]
        for name, answer in hostile:
            where = (f"{module}.{checker}", f"argument {i}", name)
            if record is not None:
                record.outputs.clear()
            verdict = check(*args[:i], answer, *args[i + 1 :])
            assert_clean(verdict, where)
            if not answers[i]:  # une donnée du notebook, pas une réponse : seulement un verdict
                continue
            assert not verdict.ok or "cheveu" in name, where  # 0,02 % : dans une tolérance large
            assert not verdict.message.startswith(UNREADABLE), (where, verdict.message)
            if "texte juste" not in name:
                expected = record.outputs if record is not None else [good]
                for value in expected[:3]:
                    assert not leaks(verdict.message, value), (where, verdict.message)


@pytest.mark.parametrize("module, checker", CHECKERS, ids=IDS)
def test_an_unfinished_answer_is_pending_but_dots_in_indexing_are_not_a_blank(module, checker):
    check = getattr(MODULES[module], checker)
    args, answers = good_call(module, checker)
    for i, good in enumerate(args):
        if not answers[i]:
            continue
        blanks = (
            [..., half_filled, returns_dots, returns_some_dots]
            if callable(good)
            else [..., [..., ...]]
        )
        for blank in blanks:
            verdict = check(*args[:i], blank, *args[i + 1 :])
            assert verdict.pending, (f"{module}.{checker}", i, blank, verdict.message)
            assert_clean(verdict, checker)
        for blank in (half_filled, returns_dots, returns_some_dots) if callable(good) else ():
            assert "il reste des `...`" in check(*args[:i], blank, *args[i + 1 :]).message
        if callable(good):
            verdict = check(*args[:i], raises_with_dots_in_indexing, *args[i + 1 :])
            assert not verdict.pending and "KeyError" in verdict.message, verdict.message


def test_every_string_of_the_checkers_has_paired_backticks():
    for path in Path(llmlab.exercises.__path__[0]).glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        inside = {id(v) for n in ast.walk(tree) if isinstance(n, ast.JoinedStr) for v in n.values}
        for node in ast.walk(tree):
            if isinstance(node, ast.JoinedStr):
                text = "".join(v.value for v in node.values if isinstance(v, ast.Constant))
            elif (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and id(node) not in inside
            ):
                text = node.value
            else:
                continue
            assert text.count("`") % 2 == 0, (path.name, node.lineno, text)
