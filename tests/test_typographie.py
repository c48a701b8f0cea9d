"""Le filtre Lua ``filters/typographie-fr.lua``, passé au vrai Pandoc (paquet ``pypandoc-binary``).

Il doit mettre les espaces insécables de la typographie française dans le texte, et seulement
dans le texte : le code, les maths, les liens et le HTML brut restent tels quels.
"""

import re
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
FILTER = ROOT / "filters" / "typographie-fr.lua"
NBSP, NNBSP = "\u00a0", "\u202f"

pypandoc = pytest.importorskip("pypandoc")


def pandoc(markdown: str, *extra: str) -> str:
    """Le HTML produit par Pandoc avec le filtre."""
    result = subprocess.run(
        [
            pypandoc.get_pandoc_path(),
            "--lua-filter",
            str(FILTER),
            "-f",
            "markdown",
            "-t",
            "html",
            *extra,
        ],
        input=markdown,
        capture_output=True,
        text=True,
        encoding="utf-8",
        check=True,
    )
    return result.stdout


def body(markdown: str) -> str:
    """Le HTML d'un seul paragraphe, sans <p> ni retour à la ligne final."""
    html = pandoc(markdown).strip()
    assert html.startswith("<p>") and html.endswith("</p>"), html
    return html[3:-4].replace("\n", " ")


@pytest.mark.parametrize(
    "source, expected",
    [
        ("Question : pourquoi ?", f"Question{NBSP}: pourquoi{NNBSP}?"),
        ("Bien ! Oui ; non.", f"Bien{NNBSP}! Oui{NNBSP}; non."),
        ("« Bonjour » dit-il", f"«{NBSP}Bonjour{NBSP}» dit-il"),
        ("12 cm, 5 %, 22,4 k\\$ et 3 Go.", f"12{NBSP}cm, 5{NBSP}%, 22,4{NBSP}k$ et 3{NBSP}Go."),
        ("10 000 et 1 234 567,8 m", f"10{NNBSP}000 et 1{NNBSP}234{NNBSP}567,8{NBSP}m"),
        ("`uv` : commande", f"<code>uv</code>{NBSP}: commande"),
        ("« `x` »", f"«{NBSP}<code>x</code>{NBSP}»"),
    ],
)
def test_french_spaces_are_added(source, expected):
    assert body(source) == expected


@pytest.mark.parametrize(
    "source, expected",
    [
        ("404 quartiers et 20 epochs", "404 quartiers et 20 epochs"),  # pas des unités
        ("en 2024 2025 fois", "en 2024 2025 fois"),  # pas un nombre à milliers
        ("une epoch : la suite", f"une epoch{NBSP}: la suite"),
    ],
)
def test_only_units_and_thousands_are_glued_to_numbers(source, expected):
    assert body(source) == expected


def test_code_math_links_and_raw_html_are_untouched():
    html = pandoc(
        '`a : b ?` et $x : y ? 5 %$ et [voir](https://ex.com/a?b=1 "t : u") '
        'et <b data-x="k : v">gras</b>',
        "--mathjax",
    ).replace("\n", " ")
    assert "<code>a : b ?</code>" in html
    assert re.search(r'<span class="math inline">\\\(x : y \? 5 %\\\)</span>', html), html
    assert 'href="https://ex.com/a?b=1"' in html and 'title="t : u"' in html
    assert '<b data-x="k : v">' in html


def test_code_blocks_are_untouched():
    html = pandoc("```python\nprint('Prix : 12 cm ?')\n```\n")
    assert "Prix : 12 cm ?" in html and NBSP not in html and NNBSP not in html


def test_an_existing_non_breaking_space_is_not_doubled():
    for space in (NBSP, NNBSP):
        html = body(f"Déjà{space}: fait{space}? oui")
        assert html == f"Déjà{space}: fait{space}? oui"


def test_no_line_can_start_with_high_punctuation():
    # colonnes étroites : Pandoc coupe les lignes partout où une espace ordinaire le permet
    text = "Mot : deux ; trois ? quatre ! « cinq » six 12 cm sept 10 000 huit. " * 8
    html = pandoc(text, "--wrap=auto", "--columns=12")
    lines = [line for line in html.splitlines() if line.strip()]
    assert len(lines) > 20  # les lignes sont bien coupées…
    bad = [line for line in lines if re.match(r"^\s*([:;?!»]|cm\b|000\b)", line)]
    assert not bad, bad  # … mais jamais avant une ponctuation haute, un » ou une unité
    # contre-épreuve : sans le filtre, la même coupe produit des lignes qui commencent par « : »
    raw = subprocess.run(
        [pypandoc.get_pandoc_path(), "-t", "html", "--wrap=auto", "--columns=12"],
        input=text,
        capture_output=True,
        text=True,
        encoding="utf-8",
        check=True,
    ).stdout
    assert any(re.match(r"^\s*[:;?!»]", line) for line in raw.splitlines())


def test_the_filter_is_declared_for_the_whole_site():
    config = yaml.safe_load((ROOT / "_quarto.yml").read_text(encoding="utf-8"))
    assert "filters/typographie-fr.lua" in (config.get("filters") or [])
    # à la racine, pas dans format: html: (sinon les diapositives revealjs ne l'auraient pas)
    for fmt in (config.get("format") or {}).values():
        assert "filters" not in (fmt or {})
