"""Les vérificateurs d'exercices : verdicts justes, jamais de plantage, mode corrigé strict."""

import nbformat
import numpy as np
import pytest

from llmlab.exercises import (ExerciseError, check_function, check_value, solved_notebook,
                              solutions_path)
from llmlab.exercises.notebooks import parse_solutions


@pytest.fixture(autouse=True)
def not_strict(monkeypatch):
    monkeypatch.delenv("LLMLAB_CORRIGE", raising=False)


def test_blank_answer_is_pending_not_wrong():
    verdict = check_value(..., 3.0, "x")
    assert not verdict.ok and verdict.pending
    assert "complétez" in verdict.message


@pytest.mark.parametrize("got, expected, fragment", [
    ([1.0, 2.0], np.zeros(3), "forme (2,) au lieu de (3,)"),
    ("3", 3.0, "devrait être un nombre"),
    (3.5, 3.0, "écart 0.5"),
    (np.array([[0.0, 1.0], [2.0, 9.0]]), np.array([[0.0, 1.0], [2.0, 3.0]]), "indice (1, 1)"),
    (float("nan"), 1.0, "NaN"),
    ("gpt2", "o200k_base", "'gpt2'"),
])
def test_wrong_answers_explain_what_is_wrong(got, expected, fragment):
    verdict = check_value(got, expected, "x")
    assert not verdict.ok and not verdict.pending
    assert fragment in verdict.message


def test_correct_answers_accept_lists_arrays_and_tensors():
    torch = pytest.importorskip("torch")
    expected = np.array([1.0, 2.0, 3.0])
    for got in ([1, 2, 3], (1.0, 2.0, 3.0), expected.copy(), torch.tensor([1.0, 2.0, 3.0])):
        assert check_value(got, expected).ok
    assert check_value(np.float32(0.1), 0.1, rtol=1e-6).ok
    assert not check_value(np.float32(0.1), 0.1, rtol=1e-9, atol=0).ok


def test_check_function_reports_exceptions_and_missing_return():
    def blank(a):
        ...

    def broken(a):
        return 1 / 0

    def not_written(a):
        raise NotImplementedError

    assert check_function(blank, abs, [(1,)]).pending
    assert check_function(not_written, abs, [(1,)]).pending
    verdict = check_function(broken, abs, [(1,)])
    assert not verdict.ok and "ZeroDivisionError" in verdict.message
    verdict = check_function(lambda a: a, abs, [(2,), (-2,)], name="valeur_absolue")
    assert not verdict.ok and "valeur_absolue(-2)" in verdict.message
    assert check_function(lambda a: a if a > 0 else -a, abs, [(2,), (-2,)]).ok


def test_strict_mode_raises_on_anything_but_success(monkeypatch):
    monkeypatch.setenv("LLMLAB_CORRIGE", "1")
    with pytest.raises(ExerciseError):
        check_value(..., 1.0)
    with pytest.raises(ExerciseError):
        check_function(lambda a: a + 1, abs, [(1,)])
    assert check_value(1.0, 1.0).ok


def test_verdict_renders_in_jupyter():
    assert check_value(1.0, 1.0)._repr_markdown_().startswith("✅")
    assert check_value(2.0, 1.0)._repr_markdown_().startswith("❌")


def _notebook(tmp_path, solutions_text):
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("x = ...")
    cell.id, cell.metadata["tags"] = "ex-x", ["exercice"]
    other = nbformat.v4.new_code_cell("print(x)")
    other.id = "show"
    nb.cells = [cell, other]
    path = tmp_path / "tp.ipynb"
    nbformat.write(nb, path)
    (tmp_path / "solutions").mkdir()
    solutions_path(path).write_text(solutions_text, encoding="utf-8")
    return path


def test_parse_solutions_splits_on_cell_ids():
    text = "# entête\n# %% ex-a\na = 1\n\n# %% ex-b\ndef f():\n    return 2\n"
    assert parse_solutions(text) == {"ex-a": "a = 1", "ex-b": "def f():\n    return 2"}


def test_solved_notebook_replaces_only_exercise_cells(tmp_path):
    path = _notebook(tmp_path, "# %% ex-x\nx = 42\n")
    nb = solved_notebook(path)
    assert [c.source for c in nb.cells] == ["x = 42", "print(x)"]
    # le fichier de l'élève n'est pas modifié
    assert nbformat.read(path, as_version=4).cells[0].source == "x = ..."


def test_solved_notebook_rejects_mismatched_solutions(tmp_path):
    path = _notebook(tmp_path, "# %% ex-y\ny = 1\n")
    with pytest.raises(ValueError, match=r"manquantes \['ex-x'\].*sans cellule \['ex-y'\]"):
        solved_notebook(path)


def test_a_typical_mistake_is_named_only_if_reproduced_on_every_case():
    mistakes = [(lambda v: np.mean(v), "vous avez pris la moyenne des écarts, pas leur valeur absolue"),
                (lambda v: np.sum(np.abs(v)), "il faut diviser par le nombre d'écarts")]

    def reference(v):
        return np.mean(np.abs(v))

    positive, mixed = (np.array([1.0, 2.0, 3.0]),), (np.array([-1.0, 2.0, -3.0]),)
    verdict = check_function(lambda v: np.sum(np.abs(v)), reference, [positive, mixed], mistakes=mistakes)
    assert "diviser par le nombre" in verdict.message
    # Sur des écarts positifs, la moyenne simple coïncide avec la bonne réponse : le second cas
    # la trahit, et le conseil n'est donné que parce qu'elle reproduit l'erreur partout.
    verdict = check_function(lambda v: np.mean(v), reference, [positive, mixed], mistakes=mistakes)
    assert "moyenne des écarts" in verdict.message
    verdict = check_function(lambda v: np.max(v), reference, [positive, mixed], mistakes=mistakes)
    assert not verdict.ok and "pas encore juste" not in verdict.message


def test_check_value_names_a_typical_wrong_value_and_arrays_are_described_by_shape():
    verdict = check_value(6.0, 2.0, "moyenne", mistakes=[(6.0, "c'est la somme")])
    assert verdict.message == "`moyenne` n'est pas encore juste : c'est la somme"
    verdict = check_function(lambda m: m.T, lambda m: m, [(np.ones((2, 3)),)], name="identite")
    assert "`identite(tableau (2, 3))` a la forme (3, 2) au lieu de (2, 3)." == verdict.message


def test_student_function_gets_copies_of_the_arguments():
    def in_place(v):
        v *= 2
        return v

    data = np.array([1.0, 2.0])
    assert not check_function(in_place, lambda v: v, [(data,)]).ok
    assert data.tolist() == [1.0, 2.0]
