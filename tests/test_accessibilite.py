"""Accessibilité calculée sans navigateur : contrastes des couleurs du site (WCAG 2.1, niveau AA,
4,5:1 pour le texte courant) depuis la palette unique, langue déclarée, titres des pages et des
notebooks dans l'ordre (``harness/headings.py``). Le texte alternatif des figures se vérifie
sur les sorties exécutées : ``tests/test_slides.py``.

Les couleurs de texte sont lues dans les thèmes (``styles/site.scss``, ``styles/slides.scss``) :
toute déclaration ``color: $ars-…`` et toute variable de thème ``$…-color: $ars-…`` (hors
bordures et soulignements) ; chacune doit tenir 4,5:1 sur le papier et sur le fond du code. Le
code coloré l'est par le thème « arrow » de Quarto, corrigé par nos règles là où il ne tient pas.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

from llmlab.style import read_palette

ROOT = Path(__file__).resolve().parents[1]
THEMES = [ROOT / "styles" / "site.scss", ROOT / "styles" / "slides.scss"]
ARROW = json.loads(
    (ROOT / "tests" / "fixtures" / "accessibilite" / "arrow-light.json").read_text(encoding="utf-8")
)
AA = 4.5
PALETTE = read_palette()


def luminance(color: str) -> float:
    """Luminance relative WCAG d'une couleur #RRGGBB."""
    channels = [int(color.lstrip("#")[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_contrast_matches_the_wcag_reference_values():
    assert contrast("#000000", "#FFFFFF") == pytest.approx(21.0)
    assert contrast("#777777", "#FFFFFF") == pytest.approx(4.48, abs=0.01)  # juste sous AA
    assert contrast("#767676", "#FFFFFF") == pytest.approx(4.54, abs=0.01)  # juste au-dessus


_TEXT_PROPERTY = re.compile(r"(?<![-\w])color:\s*\$ars-([\w-]+)")
_TEXT_VARIABLE = re.compile(r"^\$([\w-]+-color):\s*\$ars-([\w-]+)", re.MULTILINE)
_NOT_TEXT = ("border", "decoration", "bg", "rule")


def text_colors() -> dict[str, str]:
    """{où : nom de la couleur} pour chaque couleur de texte des deux thèmes."""
    found = {}
    for theme in THEMES:
        text = theme.read_text(encoding="utf-8")
        for match in _TEXT_PROPERTY.finditer(text):
            line = text.count("\n", 0, match.start()) + 1
            found[f"{theme.name}:{line}"] = match[1]
        for variable, name in _TEXT_VARIABLE.findall(text):
            if not any(word in variable for word in _NOT_TEXT):
                found[f"{theme.name}:${variable}"] = name
    return found


def test_every_text_color_of_the_themes_reaches_aa_on_paper_and_on_code_blocks():
    colors = text_colors()
    assert {"body-color", "code-color", "link-color"} <= {where.split("$")[-1] for where in colors}
    assert "muted" in colors.values() and "accent" in colors.values()
    for where, name in colors.items():
        for background in ("paper", "sheet"):
            ratio = contrast(PALETTE[name], PALETTE[background])
            assert ratio >= AA, f"{where} : $ars-{name} sur $ars-{background} : {ratio:.2f}:1"


def test_diagram_text_reaches_aa_on_its_node_colors():
    # Nœuds mermaid (styles/_mermaid-theme.scss) : encre sur papier et sur feuille, texte
    # secondaire sur le gris des nœuds « paramètre ».
    for text, fill in (("ink", "paper"), ("ink", "sheet"), ("ink", "tint"), ("muted", "tint")):
        assert contrast(PALETTE[text], PALETTE[fill]) >= AA, (text, fill)


_CODE_RULE = re.compile(r"((?:code\.sourceCode span\.\w+,?\s*)+)\{\s*color:\s*\$ars-([\w-]+);")


def code_colors(theme: Path) -> dict[str, str]:
    """Couleur finale de chaque classe de la coloration : arrow, puis nos règles du thème."""
    colors = {cls: color for cls, color in ARROW.items() if not cls.startswith("_")}
    for selectors, name in _CODE_RULE.findall(theme.read_text(encoding="utf-8")):
        for cls in re.findall(r"span\.(\w+)", selectors):
            colors[cls] = PALETTE[name]
    return colors


@pytest.mark.parametrize("theme", THEMES, ids=lambda p: p.name)
def test_every_highlighted_token_reaches_aa_on_code_blocks(theme):
    arrow_failures = {
        c
        for c, color in ARROW.items()
        if not c.startswith("_") and contrast(color, PALETTE["sheet"]) < AA
    }
    assert arrow_failures == {"kw", "cf", "ot"}  # ce que nos règles doivent corriger
    for cls, color in code_colors(theme).items():
        ratio = contrast(color, PALETTE["sheet"])
        assert ratio >= AA, f"{theme.name} : span.{cls} {color} sur le code : {ratio:.2f}:1"


def test_the_site_declares_french():
    config = yaml.safe_load((ROOT / "_quarto.yml").read_text(encoding="utf-8"))
    assert config["lang"] == "fr"


# --- Titres dans l'ordre ----------------------------------------------------------------------


def _pages() -> list[Path]:
    """Les pages du site (pas les decks : une diapositive a son propre plan) des deux profils."""
    from harness.qmd import expand, front_matter, output_format
    from harness.site import render_targets, site_documents

    pages = set(site_documents(ROOT)) | {
        p
        for p in render_targets(ROOT, "enseignant") or ()
        if p.suffix == ".qmd" and not p.name.startswith("_")
    }
    return sorted(
        p for p in pages if output_format(front_matter(expand(p, ROOT), ROOT)) != "revealjs"
    )


def test_heading_check_catches_a_skipped_level(tmp_path):
    from harness.headings import qmd_headings, skipped_levels

    page = tmp_path / "page.qmd"
    page.write_text(
        '---\ntitle: "Essai"\n---\n\n## Partie\n\n```python\n#### pas un titre\n```\n\n'
        "<!--\n#### pas un titre non plus\n-->\n\n### Sous-partie\n\n## Autre\n\n"
        "#### Trop bas\n",
        encoding="utf-8",
    )
    titled, headings = qmd_headings(page, tmp_path)
    assert titled and [h.level for h in headings] == [2, 3, 2, 4]
    problems = skipped_levels(headings, titled)
    assert problems == ["page.qmd, ligne 19 : « #### Trop bas » après un titre de niveau 2"]
    # sans title:, la page ne peut pas commencer au niveau 2
    assert skipped_levels(headings[:2], titled=False)[0].startswith("page.qmd, ligne 5")
    assert skipped_levels(headings[:3], titled=True) == []


def test_heading_check_reads_notebook_markdown_cells(tmp_path):
    import nbformat

    from harness.headings import notebook_headings, skipped_levels

    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell("# TP\n\n## Partie 1", id="titre"),
        nbformat.v4.new_code_cell("#### un commentaire, pas un titre", id="code"),
        nbformat.v4.new_markdown_cell(
            "```python\n#### dans un bloc de code\n```\n#### Exercice", id="saut"
        ),
    ]
    path = tmp_path / "tp.ipynb"
    nbformat.write(nb, path)
    titled, headings = notebook_headings(path, tmp_path)
    assert not titled and [h.level for h in headings] == [1, 2, 4]
    assert skipped_levels(headings, titled) == [
        "tp.ipynb, cellule 3 (id saut) : « #### Exercice » après un titre de niveau 2"
    ]


def test_pages_list_covers_the_site_but_no_deck():
    names = {p.relative_to(ROOT).as_posix() for p in _pages()}
    assert {
        "index.qmd",
        "slides/index.qmd",
        "interactif/attention.qmd",
        "enseignant/index.qmd",
    } <= names
    assert "slides/tp4.qmd" not in names


@pytest.mark.parametrize("page", _pages(), ids=lambda p: p.relative_to(ROOT).as_posix())
def test_page_headings_never_skip_a_level(page):
    from harness.headings import qmd_headings, skipped_levels

    titled, headings = qmd_headings(page, ROOT)
    problems = skipped_levels(headings, titled)
    assert not problems, "titres qui sautent un niveau :\n  " + "\n  ".join(problems)


def _notebooks() -> list[Path]:
    from harness.site import notebooks

    return notebooks(ROOT)


@pytest.mark.parametrize("notebook", _notebooks(), ids=lambda p: p.relative_to(ROOT).as_posix())
def test_notebook_headings_never_skip_a_level(notebook):
    from harness.headings import notebook_headings, skipped_levels

    titled, headings = notebook_headings(notebook, ROOT)
    assert headings, "un notebook sans titre"
    problems = skipped_levels(headings, titled)
    assert not problems, "titres qui sautent un niveau :\n  " + "\n  ".join(problems)
