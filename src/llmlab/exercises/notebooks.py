"""Version corrigée d'un notebook : les cellules taguées `exercice` reçoivent leur solution.

Les solutions vivent à part, dans ``notebooks/solutions/<nom du notebook>.py``, découpées
en sections ``# %% <id de la cellule>`` : le notebook de l'élève reste la seule source des
explications, et l'enseignant obtient le corrigé avec ``uv run llmlab corrige``.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat

EXERCISE_TAG = "exercice"
#: Première ligne de chaque cellule corrigée : elle dit à l'élève qu'il lit un corrigé, et au
#: contrôle du site des élèves (``tests/check_site.py``) qu'un corrigé s'y est glissé.
SOLUTION_MARKER = "# Corrigé de l'enseignant"
_SECTION = re.compile(r"^# %% (?P<id>[\w-]+)\s*$", re.MULTILINE)


def solutions_path(notebook: str | Path) -> Path:
    """Chemin du fichier de solutions d'un notebook."""
    notebook = Path(notebook)
    return notebook.parent / "solutions" / f"{notebook.stem}.py"


def parse_solutions(text: str) -> dict[str, str]:
    """Découpe un fichier de solutions en {id de cellule: code}."""
    matches = list(_SECTION.finditer(text))
    solutions = {}
    for match, following in zip(matches, matches[1:] + [None]):
        end = following.start() if following else len(text)
        solutions[match["id"]] = text[match.end() : end].strip("\n")
    return solutions


def exercise_cells(nb: nbformat.NotebookNode) -> list:
    """Les cellules de code taguées `exercice`."""
    return [
        c
        for c in nb.cells
        if c.cell_type == "code" and EXERCISE_TAG in c.get("metadata", {}).get("tags", [])
    ]


def solved_notebook(notebook: str | Path) -> nbformat.NotebookNode:
    """Lit un notebook et remplace chaque exercice par sa solution (erreur claire sinon)."""
    notebook = Path(notebook)
    nb = nbformat.read(notebook, as_version=4)
    path = solutions_path(notebook)
    if not path.exists():
        raise FileNotFoundError(
            f"Pas de fichier de solutions pour {notebook.name} : {path} est attendu."
        )
    solutions = parse_solutions(path.read_text(encoding="utf-8"))
    cells = exercise_cells(nb)
    ids = [c.get("id") for c in cells]
    missing = [i for i in ids if i not in solutions]
    unused = [i for i in solutions if i not in ids]
    if missing or unused:
        raise ValueError(
            f"{path.name} ne correspond pas à {notebook.name} : "
            f"solutions manquantes {missing}, sections sans cellule {unused}."
        )
    for cell in cells:
        cell.source = f"{SOLUTION_MARKER}\n{solutions[cell.id]}"
    return nb
