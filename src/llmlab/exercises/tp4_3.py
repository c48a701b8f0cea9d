"""Vérificateurs du TP 4.3 (tokenisation et embeddings).

Les références viennent de ``llmlab.tokenizers`` et ``llmlab.embeddings`` (importés dans les
fonctions : ce module se charge même si l'un d'eux manque). Les réponses des exercices de BPE
sont des dictionnaires et des listes d'entiers : on les compare exactement, sans tolérance,
et on reconnaît les erreurs classiques (paires non comptées, second élément de la paire
oublié après une fusion, dernier id perdu, octets comptés comme des caractères…). Aucun
message ne montre la paire, la liste ou les fusions attendues.
"""

from __future__ import annotations

import numpy as np

from llmlab.exercises.core import (
    Verdict,
    When,
    all_of,
    check_function,
    check_value,
    checker,
    evaluate_value,
    is_text,
)

#: Le texte des trois fusions à la main : aucune égalité entre paires les plus fréquentes
#: aux trois premiers tours (le test le vérifie), la réponse ne dépend donc pas du départage.
BPE_TEXT = "chercher chez les chats"

#: La phrase de l'aller-retour encode/decode (des accents : plus d'octets que de caractères).
ROUND_TRIP_TEXT = "Les élèves préfèrent les tokens à la crème brûlée."


# --- Exercice 1 : compter les paires voisines -----------------------------------------------
PAIR_CASES = [
    ([1, 2, 3, 1, 2],),
    ([5, 5, 5, 5],),
    ([7],),
    ([],),
    ([1, 2, 1, 2, 1],),
    (list(BPE_TEXT.encode("utf-8")),),
]


def _tally(pairs) -> dict:
    """Le compte de chaque paire, comme l'écrit un élève."""
    counts = {}
    for pair in pairs:
        counts[pair] = counts.get(pair, 0) + 1
    return counts


PAIR_MISTAKES = [
    (
        lambda ids: {pair: 1 for pair in zip(ids, ids[1:])},
        "chaque paire doit être comptée autant de fois qu'elle apparaît : "
        "counts[pair] = counts.get(pair, 0) + 1.",
    ),
    (
        lambda ids: _tally(zip(ids, ids)),
        "une paire relie un id et son VOISIN : zip(ids, ids[1:]) donne (ids[0], ids[1]), "
        "(ids[1], ids[2])…",
    ),
    (
        lambda ids: _tally(zip(ids, ids[1:] + ids[:1])),
        "le dernier id n'a pas de voisin : il n'y a pas de paire (dernier, premier). "
        "Une liste de n ids a n − 1 paires.",
    ),
]


@checker
def check_pair_counts(fn) -> Verdict:
    """Exercice 1 : ``get_pair_counts(ids)`` renvoie {(a, b): nombre d'occurrences}."""
    from llmlab.tokenizers import get_pair_counts

    return check_function(
        fn,
        lambda ids: get_pair_counts(list(ids)),
        PAIR_CASES,
        "get_pair_counts",
        PAIR_MISTAKES,
        arg_names="ids",
        rtol=0,
        atol=0,
    )


def _pair_mistakes(counts: dict) -> list:
    def count(got):
        return counts.get(tuple(int(v) for v in got), 0)

    return [
        (
            When(lambda got, _: is_text(got)),
            "donnez la paire d'ids, un tuple de deux entiers (a, b), pas du texte.",
        ),
        (
            When(lambda got, _: count(got) == min(counts.values())),
            "c'est une des paires les MOINS fréquentes : prenez le maximum, "
            "max(counts, key=counts.get).",
        ),
        (
            When(lambda got, _: count(got) == 0),
            "ce n'est pas une paire du texte : prenez une clé du dictionnaire renvoyé par "
            "get_pair_counts.",
        ),
        (
            When(lambda got, _: count(got) > 0),
            "une autre paire apparaît plus souvent : max(counts, key=counts.get).",
        ),
    ]


@checker
def check_most_frequent(pair) -> Verdict:
    """Exercice 1 (suite) : la paire la plus fréquente de ``BPE_TEXT``, en ids."""
    from llmlab.tokenizers import get_pair_counts

    counts = get_pair_counts(list(BPE_TEXT.encode("utf-8")))
    best = max(counts, key=counts.get)
    return check_value(
        pair,
        best,
        "paire",
        _pair_mistakes(counts),
        rtol=0,
        atol=0,
        success=f"La paire la plus fréquente est {best} : « {bytes(best).decode()} », "
        f"{counts[best]} fois.",
    )


# --- Exercice 2 : fusionner une paire -------------------------------------------------------
MERGE_CASES = [
    ([1, 2, 3, 1, 2], (1, 2), 256),
    ([5, 5, 5], (5, 5), 256),
    ([1, 2], (1, 2), 99),
    ([1, 2, 1], (2, 1), 7),
    ([3, 4, 5], (1, 2), 9),
    ([9, 1, 2, 1, 2, 8], (1, 2), 300),
]


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
            return ids[:i] + [new_id] + ids[i + 2 :]
    return list(ids)


MERGE_MISTAKES = [
    (
        _merge_no_skip,
        "après une fusion, le second élément de la paire est consommé : avancez de 2 (i += 2), "
        "sinon il reste dans le résultat.",
    ),
    (
        _merge_drops_last,
        "le dernier id est perdu quand il ne fait pas partie d'une paire fusionnée : la boucle "
        "doit aller jusqu'au bout de ids.",
    ),
    (
        _merge_first_only,
        "seule la première occurrence a été fusionnée : remplacez-les TOUTES, de gauche à droite.",
    ),
]


@checker
def check_merge(fn) -> Verdict:
    """Exercice 2 : ``merge(ids, pair, new_id)``, de gauche à droite, sans chevauchement."""
    from llmlab.tokenizers import merge

    return check_function(
        fn,
        lambda ids, pair, new_id: merge(list(ids), pair, new_id),
        MERGE_CASES,
        "merge",
        MERGE_MISTAKES,
        arg_names="ids pair new_id",
        rtol=0,
        atol=0,
    )


# --- Exercice 3 : trois tours de BPE --------------------------------------------------------
def bpe_rounds(text: str, n: int, same_id: bool = False) -> tuple[list[int], list[tuple[int, int]]]:
    """(ids après n fusions, paires fusionnées dans l'ordre), avec les fonctions du module :
    à chaque tour, la paire la plus fréquente devient le nouvel id 256, 257, 258…
    (``same_id`` : l'erreur classique, chaque tour réutilise l'id 256)."""
    from llmlab.tokenizers import get_pair_counts, merge

    ids, merged = list(text.encode("utf-8")), []
    for i in range(n):
        counts = get_pair_counts(ids)
        pair = max(counts, key=counts.get)
        ids = merge(ids, pair, 256 if same_id else 256 + i)
        merged.append(pair)
    return ids, merged


def _pairs(fusions) -> list[tuple[int, ...]]:
    return [tuple(int(v) for v in pair) for pair in fusions]


def _rounds_mistakes(expected_merges) -> list:
    same_ids, same_merges = bpe_rounds(BPE_TEXT, 3, same_id=True)
    return [
        (
            (same_merges, same_ids),
            "chaque fusion doit créer un NOUVEL id : 256, puis 257, puis 258 (new_id = 256 + i).",
        ),
        (
            When(lambda got, _: len(got[0]) != 3),
            "il faut trois paires dans `fusions`, une par tour (fusions.append(pair)).",
        ),
        (
            When(lambda got, _: len(set(_pairs(got[0]))) == 1),
            "les trois tours fusionnent la même paire : `ids` doit être remplacé par le résultat "
            "de merge à chaque tour (ids = merge(ids, pair, new_id)).",
        ),
        (
            When(lambda got, _: _pairs(got[0])[0] != expected_merges[0]),
            "le premier tour doit fusionner la paire la plus fréquente (exercice 1).",
        ),
        (
            When(lambda got, _: _pairs(got[0]) != expected_merges),
            "les nouveaux ids (256, 257…) peuvent eux aussi former des paires : recomptez les "
            "paires à chaque tour.",
        ),
        (
            When(lambda got, _: _pairs(got[0]) == expected_merges),
            "les fusions sont justes, mais `ids` n'est pas le résultat de la dernière : "
            "ids = merge(ids, pair, 256 + i) à chaque tour.",
        ),
    ]


@checker
def check_three_merges(ids, fusions) -> Verdict:
    """Exercice 3 : après trois tours sur ``BPE_TEXT``, les ids et les trois paires fusionnées."""
    expected_ids, expected_merges = bpe_rounds(BPE_TEXT, 3)
    n_bytes = len(BPE_TEXT.encode("utf-8"))
    return check_value(
        (fusions, ids),
        (expected_merges, expected_ids),
        "fusions",
        rtol=0,
        atol=0,
        mistakes=_rounds_mistakes(expected_merges),
        parts=("`fusions`", "`ids`"),
        success=f"Trois fusions justes : {n_bytes} octets → {len(expected_ids)} tokens.",
    )


# --- Exercice 4 : aller-retour encode / decode ----------------------------------------------
ENCODE = 'len(phrase.encode("utf-8")) donne le nombre d\'octets.'


@checker
def check_round_trip(ids, retour, n_octets) -> Verdict:
    """Exercice 4 : les ids de ``ROUND_TRIP_TEXT`` par le BPE du cours, le texte décodé,
    et le nombre d'octets UTF-8 de la phrase."""
    from llmlab.tokenizers import load_course_bpe

    tok, text = load_course_bpe(), ROUND_TRIP_TEXT
    expected_ids, n_bytes = tok.encode(text), len(text.encode("utf-8"))
    ids_mistakes = [
        (
            When(lambda got, _: list(got) == tok.tokens(text)),
            "`ids` contient des morceaux de texte : ce sont les tokens lisibles. "
            "tok.encode(phrase) donne leurs numéros (ids).",
        ),
        (
            list(text.encode("utf-8")),
            "`ids` contient les octets bruts de la phrase, "
            "avant toute fusion : utilisez tok.encode(phrase).",
        ),
    ]
    bytes_mistakes = [
        (
            len(text),
            "c'est le nombre de CARACTÈRES. En UTF-8, une lettre accentuée "
            "prend 2 octets : " + ENCODE,
        ),
        (len(expected_ids), "c'est le nombre de tokens ; on demande le nombre d'octets, " + ENCODE),
    ]
    return all_of(
        lambda: evaluate_value(
            ids,
            expected_ids,
            "ids",
            ids_mistakes,
            rtol=0,
            atol=0,
            advice="Utilisez tok.encode(phrase).",
        ),
        lambda: evaluate_value(
            retour, text, "retour", advice="Décodez `ids` avec tok.decode(ids)."
        ),
        lambda: evaluate_value(
            n_octets, n_bytes, "n_octets", bytes_mistakes, rtol=0, atol=0, advice=ENCODE
        ),
        success=f"Aller-retour réussi : {len(text)} caractères, {n_bytes} octets, "
        f"{len(expected_ids)} tokens, et decode(encode(phrase)) == phrase.",
    )


# --- Exercice 5 : similarité cosinus --------------------------------------------------------
def _cosine_cases():
    rng = np.random.default_rng(43)
    cases = [(rng.normal(size=8), rng.normal(size=8)) for _ in range(3)]
    cases.append((np.array([1.0, 0.0]), np.array([0.0, 3.0])))  # orthogonaux : 0
    cases.append((np.array([1.0, 2.0, 2.0]), np.array([2.0, 4.0, 4.0])))  # même direction : 1
    cases.append((np.array([1.0, 1.0]), np.array([-2.0, -2.0])))  # opposés : −1
    return cases


COSINE_MISTAKES = [
    (
        lambda a, b: np.dot(a, b),
        "c'est le produit scalaire seul : divisez par les deux longueurs, "
        "np.linalg.norm(a) * np.linalg.norm(b).",
    ),
    (
        lambda a, b: np.dot(a, b) / np.linalg.norm(a),
        "il faut diviser par les DEUX longueurs, celle de a et celle de b.",
    ),
    (
        lambda a, b: np.dot(a, b) / np.linalg.norm(a) * np.linalg.norm(b),
        "il manque des parenthèses : a·b / |a| * |b| MULTIPLIE par |b|. Écrivez a·b / (|a| * |b|).",
    ),
    (
        lambda a, b: np.dot(a, b) / (np.linalg.norm(a) + np.linalg.norm(b)),
        "on divise par le PRODUIT des longueurs, pas par leur somme.",
    ),
    (
        lambda a, b: np.linalg.norm(np.asarray(a) - np.asarray(b)),
        "c'est la distance entre a et b ; la similarité cosinus mesure l'angle : a·b / (|a| |b|).",
    ),
]


@checker
def check_cosine(fn) -> Verdict:
    """Exercice 5 : ``cosine_similarity(a, b)`` pour deux vecteurs, contre ``llmlab.embeddings``."""
    from llmlab.embeddings import cosine_similarity

    return check_function(
        fn,
        lambda a, b: float(cosine_similarity(a, b)),
        _cosine_cases(),
        name="cosine_similarity",
        arg_names="a b",
        mistakes=COSINE_MISTAKES,
    )
