"""Vérificateurs du TP 4.0 : les erreurs classiques du rapport caractères / token sont nommées."""

import pytest

from llmlab.exercises import tp4_0


@pytest.fixture(autouse=True)
def not_strict(monkeypatch):
    monkeypatch.delenv("LLMLAB_CORRIGE", raising=False)


def test_the_solution_is_accepted():
    assert tp4_0.check_chars_per_token(lambda text, enc: len(text) / len(enc.encode(text))).ok


@pytest.mark.parametrize(
    "wrong, hint",
    [
        (lambda text, enc: len(enc.encode(text)) / len(text), "c'est l'inverse"),
        (lambda text, enc: len(text) // len(enc.encode(text)), "division entière"),
    ],
)
def test_chars_per_token_mistakes_get_their_advice(wrong, hint):
    verdict = tp4_0.check_chars_per_token(wrong)
    assert not verdict.ok and hint in verdict.message, verdict.message
