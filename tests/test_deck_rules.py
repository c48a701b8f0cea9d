"""Règles des documents rendus qui se vérifient sur la source, sans Quarto.

- Un diagramme mermaid (ou dot) ne montre jamais sa source : un deck met souvent
  ``execute: echo: true`` pour ses chunks Python, et Quarto applique alors ``echo`` aussi aux
  cellules ``{mermaid}`` (la relecture du 23.11 a vu 7 diagrammes repoussés hors de la
  diapositive par leur code). Chaque cellule mermaid porte ``%%| echo: false``.
- Une ligne d'étiquette mermaid tient dans 200 px (Liberation Sans, 16 px) : mermaid mesure les
  étiquettes d'un organigramme en les coupant à 200 px (``flowchart.wrappingWidth``), mais
  Quarto les affiche sur une ligne ; une étiquette plus longue déborde de sa boîte (rendu du
  2026-12-07 : « concaténer, puis projection de sortie : T × 128 », 350 px). Coupez-la avec
  ``<br/>``.
"""

import importlib
import importlib.util
import pkgutil
import re
from pathlib import Path

import pytest

from harness import site
from harness.qmd import expand, language_cells, parse_document

ROOT = Path(__file__).resolve().parents[1]


def website_deck(root: Path, text: str) -> Path:
    """Un petit site Quarto dans ``root`` : ``_quarto.yml`` et ``deck.qmd`` (qui contient
    ``text``) ; renvoie le chemin du deck."""
    (root / "_quarto.yml").write_text("project:\n  type: website\n", encoding="utf-8")
    deck = root / "deck.qmd"
    deck.write_text(text, encoding="utf-8")
    return deck


def _echoing_diagrams(root: Path, documents) -> list[str]:
    return [
        cell.where(root) for doc in documents for cell in language_cells(doc, root) if cell.echo
    ]


def test_no_rendered_diagram_shows_its_source():
    shown = _echoing_diagrams(ROOT, site.site_documents(ROOT))
    assert not shown, (
        "ces diagrammes afficheraient leur code source (echo effectif vrai) ; ajoutez "
        "« %%| echo: false » juste sous ```{mermaid} :\n  " + "\n  ".join(shown)
    )


def test_the_deck_has_diagrams_to_check():
    # garde-fou : si la lecture des cellules mermaid cassait, le test précédent passerait à vide
    cells = language_cells(ROOT / "slides" / "tp4.qmd", ROOT)
    assert len(cells) >= 5 and all(c.lang == "mermaid" for c in cells)


@pytest.mark.parametrize(
    "deck_echo, cell_option, expected",
    [
        ("true", None, True),  # echo du deck appliqué au diagramme : le défaut à éviter
        ("true", "%%| echo: false", False),
        ("false", None, False),
        (None, None, False),  # sans réglage, Quarto ne montre pas la source
        (None, "%%| echo: true", True),
        ("true", "#| echo: false", True),  # « #| » n'est pas une option pour mermaid
    ],
)
def test_effective_echo_of_a_mermaid_cell(tmp_path, deck_echo, cell_option, expected):
    header = "---\ntitle: essai\n" + (f"execute:\n  echo: {deck_echo}\n" if deck_echo else "")
    (tmp_path / "_part.qmd").write_text(
        "## Schéma\n\n```{mermaid}\n"
        + (cell_option + "\n" if cell_option else "")
        + "flowchart LR\n  A --> B\n```\n",
        encoding="utf-8",
    )
    deck = website_deck(tmp_path, header + "---\n\n{{< include _part.qmd >}}\n")
    shown = _echoing_diagrams(tmp_path, [deck])
    assert bool(shown) is expected
    if expected:  # le message nomme le partiel et la ligne de la cellule
        assert shown == [
            "cellule mermaid _part.qmd, ligne 3 (inclus depuis deck.qmd, ligne "
            + str(header.count("\n") + 3)
            + ")"
        ]


# --- La source montrée tient dans la largeur d'une diapositive -------------------------------
# Police racine 38 px, code à 0.6em : une ligne de plus de ~62 caractères sort à droite
# (relecture du 23.11 : `least_squares`, `Dense.backward`…). Les docstrings des fonctions
# montrées par `show_source` sont donc coupées à 62 caractères dans src/llmlab/.
MAX_SHOWN_WIDTH = 62
SHOW_SOURCE_RE = re.compile(r"show_source\(\s*([A-Za-z_][\w.]*)")


def _resolve(name: str):
    """``MLP.backward`` → l'objet, cherché dans les modules de llmlab (comme l'import du deck)."""
    import llmlab

    head, *rest = name.split(".")
    if importlib.util.find_spec(f"llmlab.{head}"):  # `scale.compute_optimal` : un module du paquet
        obj = importlib.import_module(f"llmlab.{head}")
        for part in rest:
            obj = getattr(obj, part)
        return obj
    for info in pkgutil.walk_packages(llmlab.__path__, "llmlab."):
        module = importlib.import_module(info.name)
        if hasattr(module, head):
            obj = getattr(module, head)
            for part in rest:
                obj = getattr(obj, part)
            return obj
    raise LookupError(name)


def _shown_sources(root: Path):
    for doc in site.decks(root):
        for line in expand(doc, root):
            for m in SHOW_SOURCE_RE.finditer(line.text):
                yield m.group(1), line


def test_every_shown_source_fits_the_slide_width():
    from llmlab.display import source_code

    shown = list(_shown_sources(ROOT))
    assert shown, "aucun show_source trouvé dans les decks : la lecture est cassée"
    too_wide = []
    for name, line in shown:
        docstring = "docstring=False" not in line.text
        for i, text in enumerate(source_code(_resolve(name), docstring).splitlines(), 1):
            if len(text) > MAX_SHOWN_WIDTH:
                too_wide.append(
                    f"{name} (montré {line.where(ROOT)}), ligne {i} : {len(text)} caractères"
                )
    assert not too_wide, (
        f"lignes de plus de {MAX_SHOWN_WIDTH} caractères (coupez la docstring "
        "ou le code dans src/llmlab/) :\n  " + "\n  ".join(too_wide)
    )


# --- taille des figures -----------------------------------------------------------------------
# Avec le moteur Jupyter, Quarto ne lit `fig-width` / `fig-height` qu'au niveau du document
# (ils fixent figsize et dpi avant l'exécution) : dans un chunk, l'option `#| fig-height` est
# ignorée en silence (schéma de Quarto : option de cellule réservée à knitr). La relecture du
# 23.11 l'a vu : « taille d'un enfant » avait `#| fig-height: 3.6` et sa figure de 5 pouces
# dépassait de 206 px. Une figure plus basse se demande dans le code :
# `plt.subplots(figsize=(10, 3))`.
IGNORED_BY_JUPYTER = ("fig-height", "fig-width")


def _ignored_figure_options(root: Path, documents) -> list[str]:
    found = []
    for path in documents:
        doc = parse_document(path, root)
        for chunk in doc.chunks:
            names = [name for name in IGNORED_BY_JUPYTER if name in chunk.options]
            found += [f"{chunk.where(root)} : #| {name}" for name in names]
    return found


def test_no_python_chunk_sets_a_figure_size_that_jupyter_ignores():
    found = _ignored_figure_options(ROOT, site.site_documents(ROOT))
    assert not found, (
        "options sans effet avec le moteur Jupyter ; donnez la taille dans le code, "
        "p. ex. plt.subplots(figsize=(10, 3)) :\n  " + "\n  ".join(found)
    )


def test_ignored_figure_option_is_found(tmp_path):
    deck = tmp_path / "deck.qmd"
    deck.write_text(
        "---\nformat: revealjs\n---\n\n## A\n\n```{python}\n#| fig-height: 3\nx = 1\n```\n",
        encoding="utf-8",
    )
    assert _ignored_figure_options(tmp_path, [deck]) == [
        f"{parse_document(deck, tmp_path).chunks[0].where(tmp_path)} : #| fig-height"
    ]


MERMAID_WRAP_PX = 200  # flowchart.wrappingWidth de mermaid


def long_mermaid_labels(root: Path, documents) -> list[str]:
    from harness import slidefit

    found = []
    for doc in documents:
        for cell in language_cells(doc, root, langs=("mermaid",)):
            drawing = slidefit.mermaid_drawing([line.text for line in cell.lines[1:]])
            for line, text in zip(cell.lines[1:], drawing):
                for node in slidefit.NODE_RE.finditer(text):
                    for part in re.split(r"<br\s*/?>", node.group(3)):
                        width = slidefit.text_em(part, "sans") * slidefit.MERMAID_FONT
                        if width > MERMAID_WRAP_PX:
                            found.append(f"« {part} » ({width:.0f} px) : {line.where(root)}")
    return found


def test_mermaid_labels_fit_in_their_boxes():
    found = long_mermaid_labels(ROOT, site.site_documents(ROOT))
    assert not found, (
        f"étiquettes mermaid de plus de {MERMAID_WRAP_PX} px sur une ligne : elles "
        "dépasseraient de leur boîte ; coupez-les avec <br/> :\n  " + "\n  ".join(found)
    )


def test_a_long_mermaid_label_is_found(tmp_path):
    deck = website_deck(
        tmp_path,
        "---\ntitle: essai\n---\n\n## Schéma\n\n```{mermaid}\n%%| echo: false\n"
        'flowchart TB\n  A["x : T × 128"] --> C["concaténer, puis projection de sortie'
        ' : T × 128"]\n  B["court<br/>puis court"] --> C\n```\n',
    )
    found = long_mermaid_labels(tmp_path, [deck])
    assert len(found) == 1 and "concaténer" in found[0] and "deck.qmd, ligne 10" in found[0]


def test_accessibility_lines_are_not_labels(tmp_path):
    """Une description longue, parenthèses comprises, n'est pas une étiquette de nœud."""
    deck = website_deck(
        tmp_path,
        "---\ntitle: essai\n---\n\n## Schéma\n\n```{mermaid}\n%%| echo: false\n"
        "flowchart LR\n  accTitle: Un titre[assez long pour dépasser deux cents pixels]\n"
        "  accDescr: La chaîne (du texte brut jusqu'aux logits du modèle) se lit de gauche\n"
        "  accDescr {\n    Sur plusieurs lignes (avec des parenthèses bien plus longues que"
        " vingt-cinq caractères)\n  }\n"
        '  A["court"] --> B["concaténer, puis projection de sortie : T × 128"]\n```\n',
    )
    found = long_mermaid_labels(tmp_path, [deck])
    assert len(found) == 1 and "concaténer" in found[0] and "deck.qmd, ligne 15" in found[0]


# --- texte alternatif des diagrammes mermaid ---------------------------------------------------


def mermaid_without_text(root: Path, documents) -> list[str]:
    """Les cellules mermaid sans ``accTitle`` ou sans ``accDescr`` non vides : Quarto ignore
    ``fig-alt`` sur une cellule mermaid, mermaid écrit ces deux directives dans le ``<title>``
    et le ``<desc>`` du SVG, seul texte qu'un lecteur d'écran lit du dessin."""
    from harness import slidefit

    found = []
    for doc in documents:
        for cell in language_cells(doc, root, langs=("mermaid",)):
            text = slidefit.mermaid_accessibility("\n".join(line.text for line in cell.lines[1:]))
            missing = [key for key, value in text.items() if not value]
            if missing:
                found.append(f"{cell.where(root)} : {' et '.join(missing)} manquant")
    return found


def test_every_mermaid_diagram_has_a_title_and_a_description():
    documents = site.site_documents(ROOT)
    found = mermaid_without_text(ROOT, documents)
    assert not found, (
        "diagrammes mermaid sans texte alternatif : ajoutez « accTitle: … » et « accDescr: … »"
        " juste sous la ligne « flowchart » :\n  " + "\n  ".join(found)
    )
    # garde-fou : les 21 diagrammes du site sont bien lus
    cells = [c for d in documents for c in language_cells(d, ROOT, langs=("mermaid",))]
    assert len(cells) >= 21


def test_a_mermaid_diagram_without_its_text_is_found(tmp_path):
    cell = "```{{mermaid}}\n%%| echo: false\nflowchart LR\n{acc}  A --> B\n```\n\n"
    deck = website_deck(
        tmp_path,
        "---\ntitle: essai\n---\n\n## Schéma\n\n"
        + cell.format(acc="  accTitle: Deux nœuds\n  accDescr: A mène à B.\n")
        + cell.format(acc="  accTitle: Deux nœuds\n  accDescr {\n    A mène\n    à B.\n  }\n")
        + cell.format(acc="  accTitle: Deux nœuds\n")
        + cell.format(acc="  accTitle:\n  accDescr {\n  }\n")
        + cell.format(acc=""),
    )
    found = mermaid_without_text(tmp_path, [deck])
    assert found == [
        f"{c.where(tmp_path)} : {missing} manquant"
        for c, missing in zip(
            language_cells(deck, tmp_path, langs=("mermaid",))[2:],
            ["accDescr", "accTitle et accDescr", "accTitle et accDescr"],
        )
    ]


# --- notes de l'enseignant ---------------------------------------------------------------------

_NOTES = re.compile(r"^:::+\s*(\{\s*\.notes\b|notes\b)")


def slides_without_notes(deck: Path, root: Path) -> list[str]:
    """Les diapositives de contenu (titre ``##`` ou ``---``) d'un deck sans bloc de notes."""
    from harness.slidefit import split_slides

    missing = []
    for slide in split_slides(expand(deck, root)):
        text = [line.text.strip() for block in slide.blocks for line in block.lines]
        if slide.level == 2 and not any(_NOTES.match(line) for line in text):
            missing.append(f"{deck.relative_to(root)} n° {slide.number} « {slide.title} »")
    return missing


def test_every_content_slide_has_speaker_notes():
    decks = [d for d in site.decks(ROOT) if d.stem != "index"]
    assert len(decks) >= 4
    missing = [m for deck in decks for m in slides_without_notes(deck, ROOT)]
    assert not missing, "diapositives sans ::: {.notes} :\n  " + "\n  ".join(missing)


def test_a_slide_without_notes_is_found(tmp_path):
    deck = tmp_path / "deck.qmd"
    deck.write_text(
        "---\ntitle: Essai\nformat: revealjs\n---\n\n# Une section\n\n"
        "## Avec notes\n\nTexte.\n\n::: {.notes}\nDire ceci.\n:::\n\n"
        "## Sans notes\n\nTexte seul.\n",
        encoding="utf-8",
    )
    assert slides_without_notes(deck, tmp_path) == ["deck.qmd n° 4 « Sans notes »"]
