"""Chaque notebook de TP tourne de haut en bas dans un noyau neuf, réseau coupé :

* **vierge** : tel qu'un élève le reçoit ; les exercices laissés vides ne plantent pas « Run All » ;
* **corrigé** : chaque cellule taguée ``exercice`` remplacée par sa solution
  (``llmlab.exercises.solved_notebook``), avec ``LLMLAB_CORRIGE=1`` : un vérificateur lève
  une erreur si une solution est fausse ;
* **propre** : le fichier committé n'a ni sortie ni ``execution_count``.
"""

from pathlib import Path

import pytest

from harness import site
from harness.kernel import KernelRunError
from harness.notebooks import EXERCISE_TAG, notebook_cells, read, run_notebook, stale_outputs
from harness.outputs import decimal_point_ticks

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = site.notebooks(ROOT)
NO_NOTEBOOK = "aucun notebook dans notebooks/ pour l'instant"


def _params():
    if not NOTEBOOKS:
        return [pytest.param(None, marks=pytest.mark.skip(reason=NO_NOTEBOOK))]
    return [pytest.param(p, id=p.relative_to(ROOT).as_posix()) for p in NOTEBOOKS]


def _run(nb, path, solved):
    try:
        return run_notebook(nb, path, ROOT, solved=solved)
    except KernelRunError as e:
        pytest.fail(str(e), pytrace=False)


@pytest.mark.slow
@pytest.mark.parametrize("path", _params())
def test_blank_notebook_runs_to_the_end(path):
    nb = read(path)
    cells = _run(nb, path, solved=False)
    code = [c for c in nb.cells if c.cell_type == "code" and c.source.strip()]
    assert len(cells) == len(code)
    # Les figures ont la virgule décimale (harness/figure_check.py) : sans
    # llmlab.display.french_ticks, matplotlib écrit « 0.25 ».
    where = [c.where for c in notebook_cells(nb)]
    found = decimal_point_ticks(cells, lambda i, _: where[i])
    assert not found, (
        "graduations à point décimal ; appelez llmlab.display.french_ticks(ax) "
        "(ou sur la barre de couleur) :\n  " + "\n  ".join(found)
    )


@pytest.mark.slow
@pytest.mark.parametrize("path", _params())
def test_solved_notebook_passes_every_check(path):
    nb = read(path)
    exercises = [c for c in nb.cells if EXERCISE_TAG in c.get("metadata", {}).get("tags", [])]
    try:
        from llmlab.exercises import solved_notebook
    except ImportError as e:
        if not exercises:
            pytest.skip(f"pas d'exercice dans ce notebook et llmlab.exercises absent ({e})")
        pytest.fail(
            f"{len(exercises)} exercice(s) mais llmlab.exercises.solved_notebook "
            f"est introuvable : {e}",
            pytrace=False,
        )
    try:
        solved = solved_notebook(path)
    except (OSError, ValueError) as e:
        pytest.fail(f"{path.relative_to(ROOT)} : pas de version corrigée : {e}", pytrace=False)
    # les cellules d'exercice ont bien changé : sinon on exécuterait le notebook vierge
    before = [c.source for c in exercises]
    after = [
        c.source for c in solved.cells if EXERCISE_TAG in c.get("metadata", {}).get("tags", [])
    ]
    assert len(after) == len(before), "solved_notebook a perdu ou ajouté des cellules d'exercice"
    unchanged = [i for i, (b, a) in enumerate(zip(before, after), 1) if a == b]
    assert not unchanged, (
        f"exercice(s) n° {unchanged} sans solution dans notebooks/solutions/{path.stem}.py"
    )
    _run(solved, path, solved=True)


@pytest.mark.parametrize("path", _params())
def test_notebook_committed_without_outputs(path):
    problems = stale_outputs(read(path))
    assert not problems, (
        f"{path.relative_to(ROOT)} doit être committé sans sorties "
        "(Kernel > Restart & Clear Output, ou jupyter nbconvert "
        "--clear-output --inplace) :\n  " + "\n  ".join(problems)
    )
