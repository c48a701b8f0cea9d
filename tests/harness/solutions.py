"""Exécuter les solutions d'un notebook de TP comme le fait sa version corrigée.

``notebooks/solutions/<notebook>.py`` est découpé en sections ``# %% <id de cellule>``
(``llmlab.exercises.notebooks.parse_solutions``) ; chaque section est exécutée dans l'ordre,
dans un espace de noms qui tient lieu des cellules d'exemple du notebook. Les tests des
vérificateurs (``tests/test_exercises_tpX_Y.py``) y prennent les fonctions et valeurs des
solutions. Une erreur dans une section est signalée avec son id.
"""
from __future__ import annotations

from pathlib import Path

from llmlab.exercises.notebooks import parse_solutions

SOLUTIONS_DIR = Path(__file__).resolve().parents[2] / "notebooks" / "solutions"


def run_solutions(notebook: str, namespace: dict | None = None, *,
                  snapshots: bool = False) -> dict:
    """Exécute les solutions de ``notebook`` (nom sans extension, p. ex. ``"tp4-5-gru"``).

    ``namespace`` : ce que les cellules d'exemple du notebook auraient défini (modules,
    données). Rend l'espace de noms final, ou, avec ``snapshots=True``, {id de cellule: copie
    de l'espace de noms juste après cette section} (quand une solution en écrase une autre).
    """
    path = SOLUTIONS_DIR / f"{notebook}.py"
    namespace = dict(namespace or {})
    results = {}
    for cell_id, code in parse_solutions(path.read_text(encoding="utf-8")).items():
        exec(compile(code, f"{path.name} [{cell_id}]", "exec"), namespace)
        results[cell_id] = dict(namespace)
    return results if snapshots else namespace
