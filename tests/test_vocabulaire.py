"""Un seul mot pour chaque chose dans tout ce qu'un élève ou un enseignant lit (CONTRIBUTING.md,
« Vocabulaire et nombres ») : diapositives, pages, notebooks et leurs corrigés, docstrings,
messages et sorties de ``llmlab``, pages interactives, README. Et rien qui renvoie aux
documents de travail de l'équipe (les « documents sources », l'« ancien support » du cours) : le
lecteur ne les a pas ; un chiffre ou une règle se dit avec sa vraie source, ou comme « une règle
souvent citée »."""

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

#: Forme à éviter (expression régulière, casse ignorée) → forme du cours.
FORMS = {
    r"\bjetons?\b": "« token »",
    r"\b(?:le|du|au|un)\s+(?:(?:plus\s+)?(?:petit|grand|faible|bas|meilleur)\s+)?(?:\*\*)?MSE\b": (
        "« la MSE »"
    ),
    r"\b(?:le|du|au|un)\s+(?:(?:second|premier|seul|même|dernier)\s+)?softmax\b": "« la softmax »",
    r"\bmodèles?\s+de\s+langue\b": "« modèle de langage »",
    r"\bécarts?-types?\b": "« écart type »",
    r"\bpré-LN\b": "« pre-LN »",
    r"\bdocuments?\s+sources?\b|\btextes?\s+sources?\s+(?:du|de\s+ce)\s+cours\b"
    r"|\b(?:du|le|les|des|au|aux)\s+seeds?\b|\bnotes\s+de\s+lecture\s+du\s+cours\b"
    r"|\bancien(?:ne)?\s+(?:support|version\s+du\s+cours)\b|\bversion\s+précédente\s+du\s+cours\b"
    r"|\btitre\s+d'origine\b|\barticle\s+de\s+blog\s+du\s+cours\b": (
        "la vraie source du chiffre, ou « une règle souvent citée » (le lecteur n'a pas "
        "les documents de travail de l'équipe)"
    ),
}

#: Ce que lisent les élèves et les enseignants (CONTRIBUTING.md s'adresse à l'équipe).
READ = [
    "README.md",
    "*.qmd",
    "*/**/*.qmd",
    "notebooks/**/*.ipynb",
    "notebooks/solutions/*.py",
    "src/llmlab/**/*.py",
    "interactif/*.js",
    "scripts/*.py",
    "bench/*.py",
]
SKIP = {".venv", "_site", "_site-enseignant", "_freeze", "tests", "vendor", "corriges"}


def read_files() -> list[Path]:
    found = {p for pattern in READ for p in ROOT.glob(pattern)}
    return sorted(p for p in found if not SKIP & set(p.relative_to(ROOT).parts))


def text_of(path: Path) -> str:
    if path.suffix == ".ipynb":
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        return "\n".join("".join(c["source"]) for c in cells)
    return path.read_text(encoding="utf-8")


def misuses(text: str) -> list[tuple[str, str]]:
    """Chaque forme à éviter trouvée dans ``text`` : (ce qui est écrit, forme du cours)."""
    return [
        (m.group(0), wanted)
        for pattern, wanted in FORMS.items()
        for m in re.finditer(pattern, text, re.IGNORECASE)
    ]


def test_the_list_covers_every_kind_of_file():
    names = {p.relative_to(ROOT).as_posix() for p in read_files()}
    for expected in (
        "README.md",
        "slides/tp4/_05-gru.qmd",
        "notebooks/tp4-5-gru.ipynb",
        "src/llmlab/tokenizers.py",
        "interactif/bpe.js",
        "reference/lifecycle.qmd",
    ):
        assert expected in names
    assert not any(n.startswith(("tests/", ".venv/")) for n in names)


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("Chaque jeton reçoit un id.", ["jeton"]),
        ("On applique le softmax aux logits.", ["le softmax"]),
        ("Minimiser le **MSE**, puis la MSE.", ["le **MSE"]),
        ("le plus petit MSE, un second softmax", ["le plus petit MSE", "un second softmax"]),
        ("Un écart-type de 2, un modèle de langue.", ["écart-type", "modèle de langue"]),
        ("Le document source dit 24 Go.", ["document source"]),
        ("repris par le document\nsource.", ["document\nsource"]),  # coupé en fin de ligne
        ("comme le seed l'annonce", ["le seed"]),
        ("L'ancien support donnait 42 %.", ["ancien support"]),
        ("la softmax, un écart type, le pre-LN, torch.manual_seed(0), seed=1337", []),
    ],
)
def test_misuses_are_found_and_good_forms_pass(text, found):
    assert sorted(written for written, _ in misuses(text)) == sorted(found)


def test_everything_the_reader_sees_uses_the_course_s_words():
    problems = [
        f"{path.relative_to(ROOT)} : « {' '.join(written.split())} » → {wanted}"
        for path in read_files()
        for written, wanted in misuses(text_of(path))
    ]
    assert not problems, "\n".join(problems)
