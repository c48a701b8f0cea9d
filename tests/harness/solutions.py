"""Exécuter les solutions d'un notebook de TP comme le fait sa version corrigée.

``notebooks/solutions/<notebook>.py`` est découpé en sections ``# %% <id de cellule>``
(``llmlab.exercises.notebooks.parse_solutions``) ; chaque section est exécutée dans l'ordre,
dans un espace de noms qui tient lieu des cellules d'exemple du notebook (``notebook_context``).
Les tests des vérificateurs (``tests/test_exercises_tpX_Y.py``) y prennent les fonctions et
valeurs des solutions ; ``checker_calls`` lit dans le notebook comment chaque vérificateur est
appelé, pour les essayer tous (``tests/test_exercises_hostile.py``).
"""

from __future__ import annotations

import ast
import math
from dataclasses import dataclass
from pathlib import Path

import nbformat
import numpy as np

from llmlab.exercises.notebooks import EXERCISE_TAG, parse_solutions

ROOT = Path(__file__).resolve().parents[2]
SOLUTIONS_DIR = ROOT / "notebooks" / "solutions"


def _context_tp4_0():
    import tiktoken

    from llmlab.exercises import tp4_0

    return {"enc": tiktoken.get_encoding("gpt2"), "counts": tp4_0.token_counts()}


def _context_tp4_1():
    from llmlab import linear

    x, y = linear.child_height_data()
    return {"x": x, "y": y}


def _context_tp4_2():
    from llmlab import nn
    from llmlab.exercises import tp4_2

    r1, r2 = tp4_2.boston_results()
    (_, _), (x_test, y_test) = nn.boston_data()
    return {"nn": nn, "r1": r1, "r2": r2, "x_test": x_test, "y_test": y_test}


def _context_tp4_3():
    from llmlab import tokenizers
    from llmlab.exercises import tp4_3

    return {
        "tokenizers": tokenizers,
        "tp4_3": tp4_3,
        "tok": tokenizers.load_course_bpe(),
        "phrase": tp4_3.ROUND_TRIP_TEXT,
        "counts": tokenizers.get_pair_counts(list(tp4_3.BPE_TEXT.encode("utf-8"))),
    }


def _context_tp4_4():
    from llmlab import sampling

    return {
        "sampling": sampling,
        "targets": [0, 2, 2],
        "probs_seq": [
            np.array([0.7, 0.2, 0.1]),
            np.array([0.1, 0.6, 0.3]),
            np.array([0.25, 0.25, 0.5]),
        ],
    }


def _context_tp4_5():
    import torch

    from llmlab.exercises import tp4_5

    return {"torch": torch, "histoire": tp4_5.overfit_history()}


def _context_tp4_6():
    import torch

    return {"torch": torch}


def _context_tp4_7():
    import torch

    return {"torch": torch, "gflops_mesures": 37.5}  # une vitesse mesurée quelconque


def _context_entrainer_un_llm():
    return {}  # les solutions n'utilisent que NumPy et math


def _context_cycle_de_vie():
    return {"FORMATS_BITS": {"FP32": (8, 23), "FP16": (5, 10), "BF16": (8, 7)}}


def _context_modeles_fondateurs():
    return {}  # les solutions n'utilisent que NumPy


#: Ce que les cellules d'exemple de chaque notebook définissent et dont ses solutions ont besoin.
CONTEXTS = {
    "entrainer-un-llm": _context_entrainer_un_llm,
    "tp4-0-prise-en-main": _context_tp4_0,
    "tp4-1-regression-lineaire": _context_tp4_1,
    "tp4-2-neurones-et-couches": _context_tp4_2,
    "tp4-3-tokenisation-embeddings": _context_tp4_3,
    "tp4-4-probabilites": _context_tp4_4,
    "tp4-5-gru": _context_tp4_5,
    "tp4-6-transformer": _context_tp4_6,
    "tp4-7-gpu": _context_tp4_7,
    "cycle-de-vie": _context_cycle_de_vie,
    "modeles-fondateurs": _context_modeles_fondateurs,
}


def notebook_context(notebook: str) -> dict:
    """L'espace de noms de départ des solutions de ``notebook`` (NumPy et math compris)."""
    if notebook not in CONTEXTS:
        raise KeyError(
            f"{notebook} : ajoutez ce que ses cellules d'exemple définissent à "
            "CONTEXTS (tests/harness/solutions.py)."
        )
    return {"np": np, "math": math, **CONTEXTS[notebook]()}


def run_solutions(notebook: str, namespace: dict | None = None, *, snapshots: bool = False) -> dict:
    """Exécute les solutions de ``notebook`` (nom sans extension, p. ex. ``"tp4-5-gru"``).

    ``namespace`` : ce que les cellules d'exemple du notebook auraient défini (modules,
    données), par défaut ``notebook_context(notebook)``. Rend l'espace de noms final, ou, avec
    ``snapshots=True``, {id de cellule: copie de l'espace de noms juste après cette section}
    (quand une solution en écrase une autre).
    """
    path = SOLUTIONS_DIR / f"{notebook}.py"
    namespace = dict(notebook_context(notebook) if namespace is None else namespace)
    results = {}
    for cell_id, code in parse_solutions(path.read_text(encoding="utf-8")).items():
        exec(compile(code, f"{path.name} [{cell_id}]", "exec"), namespace)
        results[cell_id] = dict(namespace)
    return results if snapshots else namespace


def solution_names(notebook: str) -> set[str]:
    """Les noms qu'écrivent les solutions (variables et fonctions) : les réponses de l'élève."""
    text = (SOLUTIONS_DIR / f"{notebook}.py").read_text(encoding="utf-8")
    names = set()
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.FunctionDef):
            names.add(node.name)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
    return names


@dataclass
class CheckerCall:
    """Un appel de vérificateur écrit dans un notebook : ``tp4_5.check_gru_step(gru_step)``."""

    notebook: str
    cell: str  # id de la cellule d'exercice qui précède l'appel
    module: str  # "tp4_5"
    checker: str  # "check_gru_step"
    args: list[str]  # le code de chaque argument


def checker_calls(notebook: Path) -> list[CheckerCall]:
    """Les appels ``tpX_Y.check_…(…)`` des cellules du notebook, dans l'ordre."""
    calls, cell = [], None
    for c in nbformat.read(notebook, as_version=4).cells:
        if c.cell_type != "code":
            continue
        if EXERCISE_TAG in c.get("metadata", {}).get("tags", []):
            cell = c.get("id")
            continue
        try:
            tree = ast.parse(c.source)
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and isinstance(node.func.value, ast.Name)
                and node.func.attr.startswith("check_")
            ):
                calls.append(
                    CheckerCall(
                        notebook.stem,
                        cell,
                        node.func.value.id,
                        node.func.attr,
                        [ast.unparse(a) for a in node.args],
                    )
                )
    return calls
