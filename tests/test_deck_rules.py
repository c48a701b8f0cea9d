"""Règles des documents rendus qui se vérifient sur la source, sans Quarto.

- Un diagramme mermaid (ou dot) ne montre jamais sa source : un deck met souvent
  ``execute: echo: true`` pour ses chunks Python, et Quarto applique alors ``echo`` aussi aux
  cellules ``{mermaid}`` (la relecture du 23.11 a vu 7 diagrammes repoussés hors de la
  diapositive par leur code). Chaque cellule mermaid porte ``%%| echo: false``.
"""
from pathlib import Path

import pytest

from harness import site
from harness.qmd import language_cells

ROOT = Path(__file__).resolve().parents[1]


def _echoing_diagrams(root: Path, documents) -> list[str]:
    return [cell.where(root) for doc in documents for cell in language_cells(doc, root)
            if cell.echo]


def test_no_rendered_diagram_shows_its_source():
    shown = _echoing_diagrams(ROOT, site.site_documents(ROOT))
    assert not shown, (
        "ces diagrammes afficheraient leur code source (echo effectif vrai) ; ajoutez "
        "« %%| echo: false » juste sous ```{mermaid} :\n  " + "\n  ".join(shown))


def test_the_deck_has_diagrams_to_check():
    # garde-fou : si la lecture des cellules mermaid cassait, le test précédent passerait à vide
    cells = language_cells(ROOT / "slides" / "tp4.qmd", ROOT)
    assert len(cells) >= 5 and all(c.lang == "mermaid" for c in cells)


@pytest.mark.parametrize("deck_echo, cell_option, expected", [
    ("true", None, True),            # echo du deck appliqué au diagramme : le défaut à éviter
    ("true", "%%| echo: false", False),
    ("false", None, False),
    (None, None, False),             # sans réglage, Quarto ne montre pas la source
    (None, "%%| echo: true", True),
    ("true", "#| echo: false", True),  # « #| » n'est pas une option pour mermaid
])
def test_effective_echo_of_a_mermaid_cell(tmp_path, deck_echo, cell_option, expected):
    header = "---\ntitle: essai\n" + (f"execute:\n  echo: {deck_echo}\n" if deck_echo else "")
    (tmp_path / "_quarto.yml").write_text("project:\n  type: website\n", encoding="utf-8")
    (tmp_path / "_part.qmd").write_text(
        "## Schéma\n\n```{mermaid}\n" + (cell_option + "\n" if cell_option else "")
        + "flowchart LR\n  A --> B\n```\n", encoding="utf-8")
    deck = tmp_path / "deck.qmd"
    deck.write_text(header + "---\n\n{{< include _part.qmd >}}\n", encoding="utf-8")
    shown = _echoing_diagrams(tmp_path, [deck])
    assert bool(shown) is expected
    if expected:  # le message nomme le partiel et la ligne de la cellule
        assert shown == ["cellule mermaid _part.qmd, ligne 3 (inclus depuis deck.qmd, ligne "
                         + str(header.count("\n") + 3) + ")"]
