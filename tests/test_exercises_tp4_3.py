"""Vérificateurs du TP 4.3 : la solution passe, chaque erreur classique reçoit son conseil.

Les références sont celles de ``llmlab.tokenizers`` et ``llmlab.embeddings`` ; on vérifie en
plus qu'elles donnent ce qu'on sait calculer à la main (paires de « chercher chez les chats »,
cosinus de vecteurs orthogonaux ou parallèles), pour qu'un vérificateur ne puisse pas accepter
une réponse fausse.
"""

import re

import numpy as np
import pytest

from harness.solutions import run_solutions
from llmlab import tokenizers
from llmlab.exercises import ExerciseError, tp4_3


@pytest.fixture(autouse=True)
def not_strict(monkeypatch):
    monkeypatch.delenv("LLMLAB_CORRIGE", raising=False)


@pytest.fixture(scope="module")
def solution():
    """Les solutions de notebooks/solutions/tp4-3-…py, exécutées dans l'ordre du notebook."""
    tok = tokenizers.load_course_bpe()
    namespace = {
        "np": np,
        "tokenizers": tokenizers,
        "tp4_3": tp4_3,
        "tok": tok,
        "phrase": tp4_3.ROUND_TRIP_TEXT,
        "counts": tokenizers.get_pair_counts(list(tp4_3.BPE_TEXT.encode("utf-8"))),
    }
    return run_solutions("tp4-3-tokenisation-embeddings", namespace, snapshots=True)


SOLVED = {
    "check_pair_counts": ("ex-pairs", ("get_pair_counts",)),
    "check_most_frequent": ("ex-most-frequent", ("paire",)),
    "check_merge": ("ex-merge", ("merge",)),
    "check_three_merges": ("ex-rounds", ("ids", "fusions")),
    "check_round_trip": ("ex-round-trip", ("ids", "retour", "n_octets")),
    "check_cosine": ("ex-cosine", ("cosine_similarity",)),
}


def _args(solution, checker):
    cell, names = SOLVED[checker]
    return [solution[cell][name] for name in names]


@pytest.mark.parametrize("checker", list(SOLVED))
def test_solution_is_accepted_even_in_strict_mode(checker, solution, monkeypatch):
    args = _args(solution, checker)
    assert getattr(tp4_3, checker)(*args).ok
    monkeypatch.setenv("LLMLAB_CORRIGE", "1")
    assert getattr(tp4_3, checker)(*args).ok


@pytest.mark.parametrize("checker", list(SOLVED))
def test_blank_answer_is_pending_and_fails_in_strict_mode(checker, monkeypatch):
    blank = [...] * len(SOLVED[checker][1])
    verdict = getattr(tp4_3, checker)(*blank)
    assert verdict.pending and not verdict.ok
    monkeypatch.setenv("LLMLAB_CORRIGE", "1")
    with pytest.raises(ExerciseError):
        getattr(tp4_3, checker)(*blank)


def test_blank_function_bodies_and_loops_are_pending():
    def get_pair_counts(ids): ...  # à compléter

    assert tp4_3.check_pair_counts(get_pair_counts).pending
    # la boucle des trois tours laissée vide : ids = ..., fusions = [..., ..., ...]
    assert tp4_3.check_three_merges(..., [..., ..., ...]).pending
    assert tp4_3.check_three_merges([1, 2], [..., ..., ...]).pending


def _counts(ids):
    counts = {}
    for pair in zip(ids, ids[1:]):
        counts[pair] = counts.get(pair, 0) + 1
    return counts


def _rounds(same_id=False, n=3, recount=True):
    ids, merged = list(tp4_3.BPE_TEXT.encode("utf-8")), []
    counts = tokenizers.get_pair_counts(ids)
    for i in range(n):
        if recount:
            counts = tokenizers.get_pair_counts(ids)
        pair = max(counts, key=counts.get)
        ids = tokenizers.merge(ids, pair, 256 if same_id else 256 + i)
        merged.append(pair)
    return ids, merged


def _mistakes(s):
    merge_ok = s["ex-merge"]["merge"]
    ids_ok = s["ex-round-trip"]["ids"]
    phrase = tp4_3.ROUND_TRIP_TEXT
    counts = tokenizers.get_pair_counts(list(tp4_3.BPE_TEXT.encode("utf-8")))
    return [
        ("check_pair_counts", (lambda ids: {p: 1 for p in zip(ids, ids[1:])},), "autant de fois"),
        ("check_pair_counts", (_counts_zip_same,), "VOISIN"),
        ("check_pair_counts", (lambda ids: _counts(ids + ids[:1]),), "pas de voisin"),
        ("check_pair_counts", (lambda ids: list(zip(ids, ids[1:])),), "dictionnaire"),
        ("check_most_frequent", (min(counts, key=counts.get),), "MOINS fréquentes"),
        ("check_most_frequent", ("ch",), "pas du texte"),
        ("check_most_frequent", ((104, 101),), "plus souvent"),
        (
            "check_merge",
            (
                lambda ids, pair, new_id: [
                    new_id if i < len(ids) - 1 and (v, ids[i + 1]) == pair else v
                    for i, v in enumerate(ids)
                ],
            ),
            "i += 2",
        ),
        (
            "check_merge",
            (
                lambda ids, pair, new_id: (
                    merge_ok(ids, pair, new_id)[:-1]
                    if merge_ok(ids, pair, new_id)[-1] == ids[-1]
                    else merge_ok(ids, pair, new_id)
                ),
            ),
            "dernier id",
        ),
        ("check_merge", (tp4_3._merge_first_only,), "TOUTES"),
        ("check_three_merges", _rounds(same_id=True), "NOUVEL id"),
        ("check_three_merges", (_rounds()[0], _rounds()[1][:2]), "trois"),
        ("check_three_merges", _rounds(recount=False), "même paire"),
        (
            "check_three_merges",
            (_rounds()[0], [(104, 101)] + _rounds()[1][1:]),
            "la plus fréquente",
        ),
        ("check_round_trip", (list(phrase.encode("utf-8")), phrase, 1), "octets bruts"),
        ("check_round_trip", (tokenizers.load_course_bpe().tokens(phrase), phrase, 1), "morceaux"),
        ("check_round_trip", (ids_ok, ids_ok, 1), "tok.decode"),
        ("check_round_trip", (ids_ok, phrase, len(phrase)), "CARACTÈRES"),
        ("check_round_trip", (ids_ok, phrase, len(ids_ok)), "nombre de tokens"),
        ("check_cosine", (lambda a, b: np.dot(a, b),), "produit scalaire seul"),
        ("check_cosine", (lambda a, b: np.dot(a, b) / np.linalg.norm(a),), "DEUX longueurs"),
        (
            "check_cosine",
            (lambda a, b: np.dot(a, b) / (np.linalg.norm(a) + np.linalg.norm(b)),),
            "PRODUIT",
        ),
        ("check_cosine", (lambda a, b: np.linalg.norm(a - b),), "distance"),
    ]


def _counts_zip_same(ids):
    counts = {}
    for pair in zip(ids, ids):
        counts[pair] = counts.get(pair, 0) + 1
    return counts


def test_every_typical_mistake_gets_its_advice(solution, monkeypatch):
    for checker, args, fragment in _mistakes(solution):
        verdict = getattr(tp4_3, checker)(*args)
        assert not verdict.ok and not verdict.pending, (checker, fragment, verdict.message)
        assert fragment in verdict.message, (checker, fragment, verdict.message)
    monkeypatch.setenv("LLMLAB_CORRIGE", "1")
    for checker, args, fragment in _mistakes(solution):
        with pytest.raises(ExerciseError, match=re.escape(fragment)):
            getattr(tp4_3, checker)(*args)


def test_a_wrong_answer_without_a_known_mistake_still_fails(solution):
    verdict = tp4_3.check_merge(lambda ids, pair, new_id: list(reversed(ids)))
    assert not verdict.ok and "au lieu de" in verdict.message
    verdict = tp4_3.check_pair_counts(lambda ids: {(0, 0): 1})
    assert not verdict.ok and not verdict.pending


# --- les références elles-mêmes ----------------------------------------------------------------


def test_bpe_text_has_no_tie_in_its_first_three_merges():
    ids = list(tp4_3.BPE_TEXT.encode("utf-8"))
    for i in range(3):
        top = sorted(tokenizers.get_pair_counts(ids).values())
        assert top[-1] > top[-2], f"égalité au tour {i + 1} : la réponse dépendrait du départage"
        counts = tokenizers.get_pair_counts(ids)
        ids = tokenizers.merge(ids, max(counts, key=counts.get), 256 + i)


def test_three_merges_are_ch_che_cher():
    ids, merged = tp4_3.bpe_rounds(tp4_3.BPE_TEXT, 3)
    assert merged == [(ord("c"), ord("h")), (256, ord("e")), (257, ord("r"))]
    assert len(ids) == 14 and ids.count(258) == 2  # « cher » deux fois dans « chercher »


def test_references_count_pairs_and_merge_like_by_hand():
    assert tokenizers.get_pair_counts([1, 2, 3, 1, 2]) == {(1, 2): 2, (2, 3): 1, (3, 1): 1}
    assert tokenizers.get_pair_counts([5, 5, 5, 5]) == {(5, 5): 3}
    assert tokenizers.merge([5, 5, 5], (5, 5), 256) == [256, 5]
    assert tokenizers.merge([9, 1, 2, 1, 2, 8], (1, 2), 300) == [9, 300, 300, 8]


def test_round_trip_text_has_more_bytes_than_characters():
    text = tp4_3.ROUND_TRIP_TEXT
    assert len(text.encode("utf-8")) > len(text)
    tok = tokenizers.load_course_bpe()
    assert tok.decode(tok.encode(text)) == text
    assert len(tok.encode(text)) < len(text)  # le BPE du cours compresse le français


def test_cosine_reference_on_known_angles():
    from llmlab.embeddings import cosine_similarity

    assert cosine_similarity([1.0, 0.0], [0.0, 3.0]) == pytest.approx(0.0)
    assert cosine_similarity([1.0, 2.0, 2.0], [2.0, 4.0, 4.0]) == pytest.approx(1.0)
    assert cosine_similarity([1.0, 1.0], [-2.0, -2.0]) == pytest.approx(-1.0)


def test_messages_never_show_the_expected_pair_or_merges():
    ids, merges = tp4_3.bpe_rounds(tp4_3.BPE_TEXT, 3)
    for args in (
        (ids, [(104, 101)] + merges[1:]),
        (ids, merges[:2] + [(1, 2)]),
        (ids[:-1], merges),
    ):
        message = tp4_3.check_three_merges(*args).message
        assert str(merges) not in message and "(99, 104)" not in message, message
        assert str(ids[:3])[:-1] not in message, message
    for pair in ((104, 101), "ch", [1]):
        assert "99, 104" not in tp4_3.check_most_frequent(pair).message


def test_a_cosine_without_parentheses_is_told_so():
    verdict = tp4_3.check_cosine(lambda a, b: np.dot(a, b) / np.linalg.norm(a) * np.linalg.norm(b))
    assert not verdict.ok and "parenthèses" in verdict.message, verdict.message
