"""Les vérificateurs d'exercices : verdicts justes, jamais de plantage, mode corrigé strict."""

import nbformat
import numpy as np
import pytest

from llmlab.exercises import (
    ExerciseError,
    Mistake,
    Raises,
    When,
    check_function,
    check_value,
    checker,
    solutions_path,
    solved_notebook,
)
from llmlab.exercises.core import UNREADABLE
from llmlab.exercises.notebooks import SOLUTION_MARKER, parse_solutions


@pytest.fixture(autouse=True)
def not_strict(monkeypatch):
    monkeypatch.delenv("LLMLAB_CORRIGE", raising=False)


def test_blank_answer_is_pending_not_wrong():
    verdict = check_value(..., 3.0, "x")
    assert not verdict.ok and verdict.pending
    assert "complétez" in verdict.message


@pytest.mark.parametrize(
    "got, expected, fragment",
    [
        ([1.0, 2.0], np.zeros(3), "contient 2 valeur(s) au lieu de 3"),
        (np.ones((2, 2)), np.zeros((3, 2)), "a la forme (2, 2) au lieu de (3, 2)"),
        ("3", 3.0, "contient du texte"),
        (["1", "2"], [1, 2], "contient du texte"),
        (3.5, 3.0, "vaut 3,5 ; c'est trop grand"),
        (2.5, 3.0, "c'est trop petit"),
        (10**400, 3.0, "un entier de 401 chiffres ; c'est trop grand"),
        (
            np.array([[0.0, 1.0], [2.0, 9.0]]),
            np.array([[0.0, 1.0], [2.0, 3.0]]),
            "1 sur 4 sont fausses (trop grandes), la première à la position [1, 1]",
        ),
        (float("nan"), 1.0, "NaN"),
        ("gpt2", "o200k_base", "« gpt2 »"),
        ({(1, 2): "4"}, {(1, 2): 4}, "la valeur de la clé `(1, 2)` contient du texte"),
        ({(1, 2): 4, (3, 4): 1}, {(1, 2): 4}, "1 en trop"),
        ([[1, 2], [3]], [[1, 2], [3, 4]], "lignes de longueurs différentes"),
        ({1, 2}, [1, 2], "un objet set"),
    ],
)
def test_wrong_answers_explain_what_is_wrong(got, expected, fragment):
    verdict = check_value(got, expected, "x")
    assert not verdict.ok and not verdict.pending
    assert fragment in verdict.message, verdict.message


def test_messages_never_give_the_expected_value_away():
    for got, expected in (
        (2.1234, 2.1237),
        (358, 257),
        ([1, 2, 5], [1, 2, 3]),
        ((99, 105), (99, 104)),
    ):
        message = check_value(got, expected, "x").message
        assert "écart" not in message and "2,124" not in message and "104" not in message, message
        assert str(expected) not in message and "257" not in message, message


def test_correct_answers_accept_lists_arrays_tensors_and_float32():
    torch = pytest.importorskip("torch")
    pd = pytest.importorskip("pandas")
    expected = np.array([1.0, 2.0, 3.0])
    for got in (
        [1, 2, 3],
        (1.0, 2.0, 3.0),
        expected.copy(),
        torch.tensor([1.0, 2.0, 3.0]),
        torch.tensor([1.0, 2.0, 3.0], requires_grad=True) * 1,
        pd.Series([1.0, 2.0, 3.0]),
    ):
        assert check_value(got, expected).ok
    # un calcul juste en float32 passe ; une valeur fausse de 0,1 % non
    x = np.random.default_rng(0).normal(size=(5, 4))
    assert check_value(x.astype(np.float32).T @ x.astype(np.float32), x.T @ x).ok
    assert not check_value(np.float32(0.1001), 0.1).ok
    assert not check_value(0.1 + 1e-9, 0.1, rtol=1e-9, atol=0).ok
    # un entier attendu se compare exactement, même à 1e-6 près en relatif
    assert not check_value(7_087_873, 7_087_872).ok


def test_unreadable_values_get_a_french_verdict():
    torch = pytest.importorskip("torch")
    for got in (
        torch.ones(3, device="meta"),
        np.array([1 + 2j]),
        object(),
        None,
        [None, 1.0],
        (i for i in range(3)),
        b"abc",
        np.array(["a"], dtype=object),
    ):
        verdict = check_value(got, [1.0, 2.0, 3.0], "x")
        assert not verdict.ok and "`x`" in verdict.message, verdict.message
    assert "meta" in check_value(torch.ones(3, device="meta"), [1.0, 2.0, 3.0]).message
    assert check_value([..., 2.0], [1.0, 2.0]).pending


def test_a_tuple_answer_names_its_wrong_part():
    verdict = check_value((2.0, 5.0), (2.0, 3.0), "droite", parts=("la pente a", "l'ordonnée b"))
    assert verdict.message == "L'ordonnée b vaut 5 ; c'est trop grand."
    verdict = check_value(2.0, (2.0, 3.0), "droite", parts=("la pente a", "l'ordonnée b"))
    assert "doit donner 2 valeurs (la pente a, l'ordonnée b)" in verdict.message


def test_check_function_reports_exceptions_and_missing_return():
    def blank(a): ...

    def broken(a):
        return 1 / 0

    def not_written(a):
        raise NotImplementedError

    def no_return(a):
        abs(a)

    assert check_function(blank, abs, [(1,)]).pending
    assert check_function(not_written, abs, [(1,)]).pending
    verdict = check_function(broken, abs, [(1,)])
    assert not verdict.ok and "ZeroDivisionError" in verdict.message
    verdict = check_function(no_return, abs, [(1,)])
    assert not verdict.ok and not verdict.pending and "`return`" in verdict.message
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
    assert [c.source for c in nb.cells] == [f"{SOLUTION_MARKER}\nx = 42", "print(x)"]
    # le fichier de l'élève n'est pas modifié
    assert nbformat.read(path, as_version=4).cells[0].source == "x = ..."


def test_solved_notebook_rejects_mismatched_solutions(tmp_path):
    path = _notebook(tmp_path, "# %% ex-y\ny = 1\n")
    with pytest.raises(ValueError, match=r"manquantes \['ex-x'\].*sans cellule \['ex-y'\]"):
        solved_notebook(path)


def test_a_typical_mistake_is_named_only_if_reproduced_on_every_case():
    mistakes = [
        (lambda v: np.mean(v), "vous avez pris la moyenne des écarts, pas leur valeur absolue"),
        (lambda v: np.sum(np.abs(v)), "il faut diviser par le nombre d'écarts"),
    ]

    def reference(v):
        return np.mean(np.abs(v))

    positive, mixed = (np.array([1.0, 2.0, 3.0]),), (np.array([-1.0, 2.0, -3.0]),)
    verdict = check_function(
        lambda v: np.sum(np.abs(v)), reference, [positive, mixed], mistakes=mistakes
    )
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
    verdict = check_function(
        lambda m: m.T, lambda m: m, [(np.ones((2, 3)),)], name="identite", arg_names="m"
    )
    assert (
        "`identite` avec m de forme (2, 3) a la forme (3, 2) au lieu de (2, 3)." == verdict.message
    )


def test_student_function_gets_copies_of_the_arguments():
    def in_place(v):
        v *= 2
        return v

    data = np.array([1.0, 2.0])
    assert not check_function(in_place, lambda v: v, [(data,)]).ok
    assert data.tolist() == [1.0, 2.0]


def test_a_half_filled_function_is_pending_but_indexing_with_dots_is_not_a_blank():
    def half_filled(v):
        total = ...
        return v * total

    def returns_dots(v):
        return v, ...

    def indexing(v):
        # ... un commentaire n'est pas un trou
        w = np.asarray(v)[..., :]
        return w[0] / 0 if w.ndim > 5 else w.missing_attribute

    for fn in (half_filled, returns_dots, lambda v: ... + v):
        verdict = check_function(fn, abs, [(np.array([1.0]),)])
        assert verdict.pending and "il reste des `...`" in verdict.message, verdict.message
    verdict = check_function(indexing, abs, [(np.array([1.0]),)])
    assert not verdict.pending and "AttributeError" in verdict.message, verdict.message


def test_mistake_table_rows_detect_errors_predicates_and_parts():
    table = [
        Mistake(Raises("ambiguous", ValueError), "comparez élément par élément"),
        Mistake(When(lambda got, expected: np.all(np.asarray(got) < 0)), "le signe est inversé"),
        Mistake(lambda v: v * 2, "deux fois trop", part="b"),
    ]
    reference = lambda v: (v, v + 1)  # noqa: E731
    cases = [(np.array([1.0, 2.0]),), (np.array([3.0]),)]
    verdict = check_function(lambda v: max(v, 0), lambda v: v, cases, mistakes=table)
    assert "Comparez élément par élément" in verdict.message
    verdict = check_function(lambda v: -v, lambda v: v, cases, mistakes=table)
    assert "le signe est inversé" in verdict.message
    verdict = check_function(
        lambda v: (v, v * 2), reference, cases, mistakes=table, parts=("a", "b")
    )
    assert "deux fois trop" in verdict.message
    verdict = check_function(
        lambda v: (v, v * 3), reference, cases, mistakes=table, parts=("a", "b")
    )
    assert verdict.message.startswith(
        "Avec `<lambda>(tableau (2,))` : b n'a pas les bonnes valeurs"
    )


def test_checker_decorator_never_lets_an_error_through(monkeypatch):
    @checker
    def check_broken(answer):
        return check_value(answer["clé"], 1.0)

    verdict = check_broken(3)
    assert (
        not verdict.ok
        and verdict.message.startswith(UNREADABLE)
        and "`check_broken`" in verdict.message
    )
    assert check_broken({"clé": 1.0}).ok
    monkeypatch.setenv("LLMLAB_CORRIGE", "1")
    with pytest.raises(ExerciseError):
        check_broken(3)


def test_booleans_are_told_true_or_false_never_too_small():
    verdict = check_value(False, True, "deborde")
    assert "vaut False" in verdict.message and "trop" not in verdict.message, verdict.message
    verdict = check_value(np.array([True, False, False]), np.array([False, False, False]), "m")
    assert "(True au lieu de False)" in verdict.message, verdict.message
    assert "trop" not in verdict.message, verdict.message


def test_whole_floats_in_a_call_are_written_in_full():
    """65 519 et 65 520 s'écrivaient tous deux « 6,552e+04 » : le cas faux restait illisible."""
    verdict = check_function(lambda x: 0.0, lambda x: x, [(65_520.0,)], "f", arg_names="x")
    message = verdict.message.replace("\u202f", " ")
    assert "x = 65 520" in message and "e+04" not in message, verdict.message


def test_python_round_on_an_array_gets_a_numpy_hint():
    verdict = check_function(lambda w: round(w), np.round, [(np.array([0.4, 1.6]),)], "arrondi")
    assert not verdict.ok and "np.round" in verdict.message, verdict.message
