"""Vérificateurs des exercices de TP : un verdict clair en français, jamais un plantage.

Dans un notebook, l'élève complète une cellule puis lance la cellule de vérification :

    from llmlab.exercises import tp4_0
    tp4_0.check_chars_per_token(chars_per_token)

Le verdict s'affiche (✅ correct, ou ce qui ne va pas : type, forme, valeur). En mode
corrigé (variable d'environnement ``LLMLAB_CORRIGE=1``, utilisée par les tests sur la
version avec solutions), un verdict négatif lève ``ExerciseError`` pour qu'une solution
fausse ne passe jamais inaperçue.
"""

from llmlab.exercises.core import (
    ExerciseError,
    Mistake,
    Raises,
    Verdict,
    When,
    check_function,
    check_value,
    checker,
    evaluate_function,
    evaluate_value,
    finish,
    strict_mode,
)


def __getattr__(name):
    # Import paresseux : nbformat (≈ 2 s) ne sert qu'aux corrigés, pas aux vérifications.
    if name in ("solved_notebook", "solutions_path"):
        from llmlab.exercises import notebooks

        return getattr(notebooks, name)
    raise AttributeError(f"module 'llmlab.exercises' has no attribute {name!r}")


__all__ = [
    "ExerciseError",
    "Mistake",
    "Raises",
    "Verdict",
    "When",
    "check_function",
    "check_value",
    "checker",
    "evaluate_function",
    "evaluate_value",
    "finish",
    "solved_notebook",
    "solutions_path",
    "strict_mode",
]
