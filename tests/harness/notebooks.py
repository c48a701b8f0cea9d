"""Exécuter un notebook de TP de haut en bas, vierge ou corrigé, et vérifier qu'il est
committé propre (sans sorties).

Vierge : le notebook tel quel ; les exercices laissés à ``...`` ne doivent pas faire planter
« Run All ». Corrigé : ``llmlab.exercises.solved_notebook`` remplace chaque cellule taguée
``exercice`` par sa solution, et le noyau reçoit ``LLMLAB_CORRIGE=1`` : les vérificateurs
lèvent alors une erreur sur une mauvaise réponse, donc une solution fausse fait échouer le test.
"""

from __future__ import annotations

from pathlib import Path

import nbformat

from .kernel import FIGURE_CHECK, Cell, kernel_env, run_cells
from .qmd import rel

EXERCISE_TAG = "exercice"


def describe(index: int, cell) -> str:
    """« cellule n° 7 (id ex-ids, tags exercice) », numérotée comme dans Jupyter (1 = première)."""
    details = []
    if cell.get("id"):
        details.append(f"id {cell['id']}")
    tags = cell.get("metadata", {}).get("tags", [])
    if tags:
        details.append("tags " + ", ".join(tags))
    return f"cellule n° {index}" + (f" ({', '.join(details)})" if details else "")


def notebook_cells(nb, *, solved: bool = False) -> list[Cell]:
    """Les cellules de code à envoyer au noyau, dans l'ordre. Les tags de nbclient sont
    respectés : ``skip-execution`` (sautée), ``raises-exception`` (erreur permise)."""
    cells = []
    for index, cell in enumerate(nb.cells, start=1):
        if cell.cell_type != "code":
            continue
        tags = cell.get("metadata", {}).get("tags", [])
        if "skip-execution" in tags:
            continue
        where = describe(index, cell)
        if solved and EXERCISE_TAG in tags:
            where += ", remplacée par sa solution (notebooks/solutions/)"
        listing = "\n".join(
            f"{j:>5} | {text}" for j, text in enumerate(cell.source.splitlines(), 1)
        )
        cells.append(Cell(cell.source, where, "raises-exception" in tags, listing))
    return cells


def run_notebook(nb, path: Path, root: Path, *, solved: bool) -> list:
    """Exécute ``nb`` (lu depuis ``path``) dans un noyau neuf, dossier de travail = dossier du
    notebook ; ``LLMLAB_CORRIGE=1`` seulement pour la version corrigée."""
    path = Path(path)
    env = kernel_env(root, {"LLMLAB_CORRIGE": "1"} if solved else None)
    title = f"{rel(path, root)} (version {'corrigée' if solved else 'vierge'})"
    return run_cells(
        notebook_cells(nb, solved=solved),
        cwd=path.parent,
        env=env,
        title=title,
        setup=FIGURE_CHECK.read_text(encoding="utf-8"),
    )


def stale_outputs(nb) -> list[str]:
    """Les cellules qui portent des sorties ou un numéro d'exécution (à vider avant commit)."""
    problems = []
    for index, cell in enumerate(nb.cells, start=1):
        if cell.cell_type != "code":
            continue
        if cell.get("outputs"):
            problems.append(f"{describe(index, cell)} : {len(cell['outputs'])} sortie(s)")
        if cell.get("execution_count") is not None:
            problems.append(
                f"{describe(index, cell)} : execution_count = {cell['execution_count']}"
            )
    return problems


def read(path: Path):
    return nbformat.read(Path(path), as_version=4)
