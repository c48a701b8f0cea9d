"""Vérificateurs du TP 4.0 (prise en main) : premiers pas avec un tokenizer."""

from __future__ import annotations

from functools import cache

from llmlab.exercises.core import Verdict, When, check_function, check_value, checker, is_text

PHRASE = "Bonjour mon cœur"
ENCODINGS = ("gpt2", "cl100k_base", "o200k_base")

#: Textes sur lesquels on compare les encodages (même idée en français et en anglais).
SAMPLE_TEXTS = {
    "français": "Les grands modèles de langage prédisent le mot suivant à partir du contexte.",
    "anglais": "Large language models predict the next word from the context.",
}


@cache
def _encoding(name: str):
    import tiktoken

    return tiktoken.get_encoding(name)


def chars_per_token(text: str, enc) -> float:
    """Référence : nombre moyen de caractères par token."""
    return len(text) / len(enc.encode(text))


def token_counts() -> dict[str, dict[str, int]]:
    """Nombre de tokens de chaque texte d'exemple, pour chaque encodage."""
    return {
        name: {lang: len(_encoding(name).encode(text)) for lang, text in SAMPLE_TEXTS.items()}
        for name in ENCODINGS
    }


IDS_MISTAKES = [
    (
        When(lambda got, _: is_text(got)),
        "il faut la liste d'entiers renvoyée par `enc.encode(...)`, pas du texte.",
    )
]
RATIO_MISTAKES = [
    (
        lambda text, enc: len(enc.encode(text)) / len(text),
        "c'est l'inverse, le nombre de tokens par caractère : divisez le nombre de caractères "
        "par le nombre de tokens.",
    ),
    (
        lambda text, enc: len(text) // len(enc.encode(text)),
        "la division entière `//` perd les décimales : utilisez `/`.",
    ),
]
BEST_MISTAKES = [
    (
        When(lambda got, _: isinstance(got, str) and got not in ENCODINGS),
        f"ce n'est pas un des encodages : {', '.join(ENCODINGS)}.",
    )
]


@checker
def check_ids(ids) -> Verdict:
    """Exercice 1 : les identifiants de PHRASE avec l'encodage gpt2."""
    return check_value(
        ids,
        _encoding("gpt2").encode(PHRASE),
        "ids_phrase",
        IDS_MISTAKES,
        advice="Utilisez `enc.encode(phrase)`.",
    )


@checker
def check_chars_per_token(fn) -> Verdict:
    """Exercice 2 : la fonction `chars_per_token(text, enc)`."""
    cases = [(text, _encoding(name)) for text in SAMPLE_TEXTS.values() for name in ENCODINGS]
    return check_function(
        fn,
        chars_per_token,
        cases,
        name="chars_per_token",
        arg_names="text enc",
        mistakes=RATIO_MISTAKES,
        advice="Vérifiez : combien de caractères dans `text`, combien de "
        "tokens dans `enc.encode(text)` ?",
    )


@checker
def check_best_encoding(answer) -> Verdict:
    """Exercice 3 : l'encodage qui découpe le texte français en le moins de tokens."""
    counts = {name: c["français"] for name, c in token_counts().items()}
    return check_value(
        answer,
        min(counts, key=counts.get),
        "meilleur_encodage",
        BEST_MISTAKES,
        advice="Sur le graphique, quelle barre « français » est la plus basse ?",
    )
