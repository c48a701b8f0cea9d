"""Vérificateurs du TP 4.3 (tokenisation et embeddings).

Les références viennent de ``llmlab.tokenizers`` et ``llmlab.embeddings`` (importés dans les
fonctions : ce module se charge même si l'un d'eux manque). Les réponses des exercices de BPE
sont des dictionnaires et des listes d'entiers : on les compare exactement, sans tolérance,
et on reconnaît les erreurs classiques (paires non comptées, second élément de la paire
oublié après une fusion, dernier id perdu, octets comptés comme des caractères…).
"""
from __future__ import annotations

from typing import Any, Callable, Iterable

import numpy as np

from llmlab.exercises.core import (Verdict, _describe_call, _is_blank, call_student,
                                   evaluate_function, finish)

#: Le texte des trois fusions à la main : aucune égalité entre paires les plus fréquentes
#: aux trois premiers tours (le test le vérifie), la réponse ne dépend donc pas du départage.
BPE_TEXT = "chercher chez les chats"

#: La phrase de l'aller-retour encode/decode (des accents : plus d'octets que de caractères).
ROUND_TRIP_TEXT = "Les élèves préfèrent les tokens à la crème brûlée."


def _pending(message: str) -> Verdict:
    return Verdict(False, message, pending=True)


# ---------------------------------------------------------------------------
# Comparaison exacte (dictionnaires, listes d'entiers)
# ---------------------------------------------------------------------------


def _pairs_dict(value: Any) -> dict:
    """Un dictionnaire {(a, b): compte} comparable, ou TypeError avec un message pour l'élève."""
    if not isinstance(value, dict):
        raise TypeError(f"un dictionnaire {{(a, b): compte}} est attendu, pas un {type(value).__name__}")
    out = {}
    for key, count in value.items():
        if not (isinstance(key, tuple) and len(key) == 2):
            raise TypeError(f"chaque clé doit être une paire (a, b), pas {key!r}")
        out[(int(key[0]), int(key[1]))] = int(count)
    return out


def _int_list(value: Any) -> list[int]:
    """Une liste d'entiers comparable, ou TypeError avec un message pour l'élève."""
    if isinstance(value, (str, bytes, dict)) or not hasattr(value, "__iter__"):
        raise TypeError(f"une liste d'entiers est attendue, pas un {type(value).__name__}")
    items = list(value)
    if not all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in items):
        raise TypeError("une liste d'entiers (des ids) est attendue")
    return [int(v) for v in items]


def _quiet(fn: Callable, args: tuple, normalize: Callable) -> Any:
    try:
        return normalize(fn(*[list(a) if isinstance(a, list) else a for a in args]))
    except Exception:  # noqa: BLE001
        return None


def evaluate_exact(fn: Any, reference: Callable, cases: Iterable[tuple], name: str,
                   arg_names: str, normalize: Callable, mistakes=()) -> Verdict:
    """Comme ``evaluate_function``, mais avec une égalité exacte après ``normalize``.

    ``mistakes`` : (fonction fautive, conseil) ; le conseil est donné si la réponse de
    l'élève coïncide avec la fonction fautive sur tous les cas.
    """
    cases = list(cases)
    for args in cases:
        got, problem = call_student(fn, args, name, arg_names)
        if problem is not None:
            return problem
        call = _describe_call(name, args, arg_names)
        try:
            got = normalize(got)
        except (TypeError, ValueError) as exc:
            return Verdict(False, f"{call} : {exc}.")
        expected = normalize(reference(*args))
        if got != expected:
            outputs = [_quiet(fn, a, normalize) for a in cases]
            for wrong, hint in mistakes:
                if all(out is not None and out == _quiet(wrong, a, normalize)
                       for out, a in zip(outputs, cases)):
                    return Verdict(False, f"`{name}` n'est pas encore juste : {hint}")
            return Verdict(False, f"{call} renvoie {_short(got)} au lieu de {_short(expected)}.")
    return Verdict(True, f"`{name}` est correcte sur les {len(cases)} cas testés.")


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "…"


# ---------------------------------------------------------------------------
# Exercice 1 : compter les paires voisines
# ---------------------------------------------------------------------------


PAIR_CASES = [([1, 2, 3, 1, 2],), ([5, 5, 5, 5],), ([7],), ([],), ([1, 2, 1, 2, 1],),
              (list(BPE_TEXT.encode("utf-8")),)]


def _counts_without_repeats(ids):
    return {pair: 1 for pair in zip(ids, ids[1:])}


def _counts_with_wrap(ids):
    counts = {}
    for pair in zip(ids, ids[1:] + ids[:1]):
        counts[pair] = counts.get(pair, 0) + 1
    return counts


def _counts_same_element(ids):
    counts = {}
    for pair in zip(ids, ids):
        counts[pair] = counts.get(pair, 0) + 1
    return counts


PAIR_MISTAKES = [
    (_counts_without_repeats,
     "chaque paire doit être comptée autant de fois qu'elle apparaît : "
     "counts[pair] = counts.get(pair, 0) + 1."),
    (_counts_same_element,
     "une paire relie un id et son VOISIN : zip(ids, ids[1:]) donne (ids[0], ids[1]), "
     "(ids[1], ids[2])…"),
    (_counts_with_wrap,
     "le dernier id n'a pas de voisin : il n'y a pas de paire (dernier, premier). "
     "Une liste de n ids a n − 1 paires."),
]


def check_pair_counts(fn) -> Verdict:
    """Exercice 1 : ``get_pair_counts(ids)`` renvoie {(a, b): nombre d'occurrences}."""
    from llmlab.tokenizers import get_pair_counts

    return finish(evaluate_exact(fn, lambda ids: get_pair_counts(list(ids)), PAIR_CASES,
                                 "get_pair_counts", "ids", _pairs_dict, PAIR_MISTAKES))


def check_most_frequent(pair) -> Verdict:
    """Exercice 1 (suite) : la paire la plus fréquente de ``BPE_TEXT``, en ids."""
    from llmlab.tokenizers import get_pair_counts

    if _is_blank(pair):
        return finish(_pending("Pas encore de réponse pour `paire` : complétez la cellule."))
    counts = get_pair_counts(list(BPE_TEXT.encode("utf-8")))
    best = max(counts, key=counts.get)
    if isinstance(pair, str):
        return finish(Verdict(False, f"`paire` vaut {pair!r} : donnez la paire d'ids, un tuple de "
                                     "deux entiers comme (99, 104), pas du texte."))
    if not (isinstance(pair, tuple) and len(pair) == 2):
        return finish(Verdict(False, "`paire` doit être un tuple de deux ids, comme (99, 104)."))
    if tuple(pair) == best:
        return finish(Verdict(True, f"La paire la plus fréquente est {best} : « {bytes(best).decode()} », "
                                    f"{counts[best]} fois."))
    if tuple(pair) in counts and counts[tuple(pair)] == min(counts.values()):
        return finish(Verdict(False, "C'est une des paires les MOINS fréquentes : prenez le "
                                     "maximum, max(counts, key=counts.get)."))
    if isinstance(pair[0], tuple) or tuple(pair) not in counts:
        return finish(Verdict(False, f"{pair!r} n'est pas une paire du texte : prenez une clé "
                                     "du dictionnaire renvoyé par get_pair_counts."))
    return finish(Verdict(False, f"{pair!r} apparaît {counts[tuple(pair)]} fois ; une autre paire "
                                 "apparaît plus souvent : max(counts, key=counts.get)."))


# ---------------------------------------------------------------------------
# Exercice 2 : fusionner une paire
# ---------------------------------------------------------------------------


MERGE_CASES = [([1, 2, 3, 1, 2], (1, 2), 256), ([5, 5, 5], (5, 5), 256), ([1, 2], (1, 2), 99),
               ([1, 2, 1], (2, 1), 7), ([3, 4, 5], (1, 2), 9), ([9, 1, 2, 1, 2, 8], (1, 2), 300)]


def _merge_no_skip(ids, pair, new_id):
    out = []
    for i, value in enumerate(ids):
        out.append(new_id if i < len(ids) - 1 and (value, ids[i + 1]) == pair else value)
    return out


def _merge_drops_last(ids, pair, new_id):
    out, i = [], 0
    while i < len(ids) - 1:
        if (ids[i], ids[i + 1]) == pair:
            out.append(new_id)
            i += 2
        else:
            out.append(ids[i])
            i += 1
    return out


def _merge_first_only(ids, pair, new_id):
    for i in range(len(ids) - 1):
        if (ids[i], ids[i + 1]) == pair:
            return ids[:i] + [new_id] + ids[i + 2:]
    return list(ids)


MERGE_MISTAKES = [
    (_merge_no_skip,
     "après une fusion, le second élément de la paire est consommé : avancez de 2 (i += 2), "
     "sinon il reste dans le résultat."),
    (_merge_drops_last,
     "le dernier id est perdu quand il ne fait pas partie d'une paire fusionnée : la boucle "
     "doit aller jusqu'au bout de ids."),
    (_merge_first_only,
     "seule la première occurrence a été fusionnée : remplacez-les TOUTES, de gauche à droite."),
]


def check_merge(fn) -> Verdict:
    """Exercice 2 : ``merge(ids, pair, new_id)``, de gauche à droite, sans chevauchement."""
    from llmlab.tokenizers import merge

    return finish(evaluate_exact(fn, lambda ids, pair, new_id: merge(list(ids), pair, new_id),
                                 MERGE_CASES, "merge", "ids pair new_id", _int_list, MERGE_MISTAKES))


# ---------------------------------------------------------------------------
# Exercice 3 : trois tours de BPE
# ---------------------------------------------------------------------------


def bpe_rounds(text: str, n: int) -> tuple[list[int], list[tuple[int, int]]]:
    """(ids après n fusions, paires fusionnées dans l'ordre), avec les fonctions du module :
    à chaque tour, la paire la plus fréquente devient le nouvel id 256, 257, 258…"""
    from llmlab.tokenizers import get_pair_counts, merge

    ids, merged = list(text.encode("utf-8")), []
    for i in range(n):
        counts = get_pair_counts(ids)
        pair = max(counts, key=counts.get)
        ids = merge(ids, pair, 256 + i)
        merged.append(pair)
    return ids, merged


def check_three_merges(ids, fusions) -> Verdict:
    """Exercice 3 : après trois tours sur ``BPE_TEXT``, les ids et les trois paires fusionnées."""
    if _is_blank(ids) or _is_blank(fusions):
        return finish(_pending("Pas encore de réponse : complétez la boucle."))
    expected_ids, expected_merges = bpe_rounds(BPE_TEXT, 3)
    if isinstance(fusions, (list, tuple)) and any(_is_blank(v) for v in fusions):
        return finish(_pending("Il reste des `...` dans la boucle : complétez-la."))
    try:
        fusions = [tuple(int(v) for v in pair) for pair in fusions]
        ids = _int_list(ids)
    except (TypeError, ValueError):
        return finish(Verdict(False, "`fusions` doit être une liste de paires d'ids et `ids` une "
                                     "liste d'entiers."))
    if len(fusions) != 3:
        return finish(Verdict(False, f"`fusions` contient {len(fusions)} paire(s) : il en faut "
                                     "trois, une par tour (fusions.append(pair))."))
    if fusions[0] != expected_merges[0]:
        return finish(Verdict(False, f"Le premier tour devrait fusionner {expected_merges[0]}, "
                                     "la paire la plus fréquente (exercice 1)."))
    if len(set(fusions)) == 1:
        return finish(Verdict(False, "Les trois tours fusionnent la même paire : `ids` doit être "
                                     "remplacé par le résultat de merge à chaque tour "
                                     "(ids = merge(ids, pair, new_id))."))
    if ids == bpe_rounds_same_id(BPE_TEXT, 3):
        return finish(Verdict(False, "Chaque fusion doit créer un NOUVEL id : 256, puis 257, "
                                     "puis 258 (new_id = 256 + i)."))
    if fusions != expected_merges:
        return finish(Verdict(False, f"`fusions` vaut {fusions} au lieu de {expected_merges}. "
                                     "Les nouveaux ids (256, 257…) peuvent eux aussi former des "
                                     "paires : recomptez les paires à chaque tour."))
    if ids != expected_ids:
        return finish(Verdict(False, f"Les fusions sont justes mais `ids` vaut {_short(ids)} au lieu "
                                     f"de {_short(expected_ids)}."))
    n_bytes = len(BPE_TEXT.encode("utf-8"))
    return finish(Verdict(True, f"Trois fusions justes : {n_bytes} octets → {len(ids)} tokens."))


def bpe_rounds_same_id(text: str, n: int) -> list[int]:
    """L'erreur classique : chaque tour réutilise l'id 256."""
    from llmlab.tokenizers import get_pair_counts, merge

    ids = list(text.encode("utf-8"))
    for _ in range(n):
        counts = get_pair_counts(ids)
        ids = merge(ids, max(counts, key=counts.get), 256)
    return ids


# ---------------------------------------------------------------------------
# Exercice 4 : aller-retour encode / decode
# ---------------------------------------------------------------------------


def check_round_trip(ids, retour, n_octets) -> Verdict:
    """Exercice 4 : les ids de ``ROUND_TRIP_TEXT`` par le BPE du cours, le texte décodé,
    et le nombre d'octets UTF-8 de la phrase."""
    from llmlab.tokenizers import load_course_bpe

    tok = load_course_bpe()
    text = ROUND_TRIP_TEXT
    if _is_blank(ids):
        return finish(_pending("Pas encore de réponse pour `ids` : complétez la cellule."))
    if isinstance(ids, (list, tuple)) and ids and all(isinstance(t, str) for t in ids):
        return finish(Verdict(False, "`ids` contient des morceaux de texte : ce sont les tokens "
                                     "lisibles. tok.encode(phrase) donne leurs numéros (ids)."))
    try:
        ids = _int_list(ids)
    except TypeError as exc:
        return finish(Verdict(False, f"`ids` : {exc}."))
    if ids == list(text.encode("utf-8")):
        return finish(Verdict(False, "`ids` contient les octets bruts de la phrase, avant toute "
                                     "fusion : utilisez tok.encode(phrase)."))
    if ids != tok.encode(text):
        return finish(Verdict(False, "`ids` n'est pas ce que donne tok.encode(phrase)."))
    if _is_blank(retour):
        return finish(_pending("`ids` est juste ; il reste `retour` et `n_octets`."))
    if not isinstance(retour, str):
        return finish(Verdict(False, f"`retour` doit être un texte (str), pas un "
                                     f"{type(retour).__name__} : tok.decode(ids)."))
    if retour != text:
        return finish(Verdict(False, "`retour` n'est pas la phrase de départ : décodez `ids` "
                                     "avec tok.decode(ids)."))
    if _is_blank(n_octets):
        return finish(_pending("`ids` et `retour` sont justes ; il reste `n_octets`."))
    expected = len(text.encode("utf-8"))
    if n_octets == len(text):
        return finish(Verdict(False, f"{n_octets}, c'est le nombre de CARACTÈRES. En UTF-8, une "
                                     "lettre accentuée prend 2 octets : len(phrase.encode(\"utf-8\"))."))
    if n_octets == len(ids):
        return finish(Verdict(False, "C'est le nombre de tokens ; on demande le nombre d'octets, "
                                     "len(phrase.encode(\"utf-8\"))."))
    if n_octets != expected:
        return finish(Verdict(False, f"`n_octets` vaut {n_octets!r} ; len(phrase.encode(\"utf-8\")) "
                                     "donne le nombre d'octets."))
    return finish(Verdict(True, f"Aller-retour réussi : {len(text)} caractères, {expected} octets, "
                                f"{len(ids)} tokens, et decode(encode(phrase)) == phrase."))


# ---------------------------------------------------------------------------
# Exercice 5 : similarité cosinus
# ---------------------------------------------------------------------------


def _cosine_cases():
    rng = np.random.default_rng(43)
    cases = [(rng.normal(size=8), rng.normal(size=8)) for _ in range(3)]
    cases.append((np.array([1.0, 0.0]), np.array([0.0, 3.0])))      # orthogonaux : 0
    cases.append((np.array([1.0, 2.0, 2.0]), np.array([2.0, 4.0, 4.0])))  # même direction : 1
    cases.append((np.array([1.0, 1.0]), np.array([-2.0, -2.0])))    # opposés : −1
    return cases


COSINE_MISTAKES = [
    (lambda a, b: np.dot(a, b),
     "c'est le produit scalaire seul : divisez par les deux longueurs, "
     "np.linalg.norm(a) * np.linalg.norm(b)."),
    (lambda a, b: np.dot(a, b) / np.linalg.norm(a),
     "il faut diviser par les DEUX longueurs, celle de a et celle de b."),
    (lambda a, b: np.dot(a, b) / (np.linalg.norm(a) + np.linalg.norm(b)),
     "on divise par le PRODUIT des longueurs, pas par leur somme."),
    (lambda a, b: np.linalg.norm(np.asarray(a) - np.asarray(b)),
     "c'est la distance entre a et b ; la similarité cosinus mesure l'angle : "
     "a·b / (|a| |b|)."),
]


def check_cosine(fn) -> Verdict:
    """Exercice 5 : ``cosine_similarity(a, b)`` pour deux vecteurs, contre ``llmlab.embeddings``."""
    from llmlab.embeddings import cosine_similarity

    return finish(evaluate_function(fn, lambda a, b: float(cosine_similarity(a, b)), _cosine_cases(),
                                    name="cosine_similarity", arg_names="a b",
                                    mistakes=COSINE_MISTAKES))
