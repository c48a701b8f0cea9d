"""Chaque diapositive tient-elle dans 1050 × 700 ? Le modèle de ``harness/slidefit.py``.

1. Calibration : sur les decks figés aux commits rendus et mesurés dans Chromium
   (``fixtures/slidefit/`` : TP 4 au commit 7b8438f, 38 vues ; TP 4 et « Construire un LLM » au
   commit 562b379, 157 vues), le verdict prédit pour chaque vue est celui de la mesure ; les
   largeurs de texte et de formules sont celles du rendu.
2. Le modèle lui-même, sur de petits decks écrits ici.
3. Les decks actuels de ``slides/`` : exécutés (une seule fois, avec ``test_slides.py``), toutes
   leurs diapositives doivent tenir.
"""

import json
import re
from pathlib import Path

import pytest

from harness import slidefit as sf
from harness.qmd import Line

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = ROOT / "tests" / "fixtures" / "slidefit" / "tp4-7b8438f"


def lines_of(text: str, name: str = "deck.qmd") -> list[Line]:
    return [Line(t, Path(name), i + 1) for i, t in enumerate(text.splitlines())]


def fixture_fits() -> list[sf.Fit]:
    data = json.loads((FIXTURE / "outputs.json").read_text(encoding="utf-8"))
    lines = lines_of((FIXTURE / "deck.qmd").read_text(encoding="utf-8"), str(FIXTURE / "deck.qmd"))
    return sf.fit_deck(
        lines, data["chunks"], execute=data["execute"], format_options=data["format_options"]
    )


MEASURED = json.loads((FIXTURE / "slides-measured.json").read_text(encoding="utf-8"))
FITS = fixture_fits()
VIEWS = sf.views(FITS)


def same_title(a: str, b: str) -> bool:
    return a.replace("’", "'").strip() == b.replace("’", "'").strip()


# --- 1. calibration sur la version mesurée ------------------------------------------------------


def test_split_finds_the_measured_slides():
    # 38 diapositives ; la mesure a avancé 38 fois avec « suivant » : la diapositive à fragment
    # (B) compte deux vues, et la dernière diapositive n'a donc pas été mesurée.
    assert len(FITS) == 38
    assert len(MEASURED) == 38
    titles = [v.title for v in VIEWS[: len(MEASURED)]]
    for view, measured in zip(titles, MEASURED):
        assert same_title(view, measured["title"]), (view, measured["title"])
    assert [f.title for f in FITS if f.slide.fragments] == ["Une variable qui pose problème : B"]
    assert same_title(VIEWS[len(MEASURED)].title, "À vous : deux notebooks")


@pytest.mark.parametrize("measured", MEASURED, ids=[f"s{m['slide']:02d}" for m in MEASURED])
def test_prediction_matches_chromium(measured):
    fit = VIEWS[measured["slide"] - 1]
    overflows = measured["px_below"] > 0 or measured["px_right"] > 0
    assert fit.overflows == overflows, (
        f"diapositive {measured['slide']} « {measured['title']} » : prédit "
        f"{'déborde' if fit.overflows else 'tient'} (bas {fit.below:+.0f} px, droite "
        f"{fit.beyond:+.0f} px ; {' ; '.join(fit.reasons) or 'aucune raison'}), mesuré "
        f"{'déborde' if overflows else 'tient'} (bas {measured['px_below']} px, "
        f"droite {measured['px_right']} px)"
    )


def test_code_width_is_exact_on_the_measured_deck():
    # Chasse fixe : le dépassement à droite d'une ligne de code se calcule au pixel près.
    for measured in MEASURED:
        fit = VIEWS[measured["slide"] - 1]
        if "ligne de code" in " ".join(fit.reasons) and measured["px_right"] > 0:
            assert abs(fit.beyond - measured["px_right"]) <= 3, (measured, fit.reasons)


def test_reasons_are_readable():
    reasons = {f.title: " ; ".join(f.reasons) for f in FITS}
    assert re.search(
        r"ligne de code de 82 caractères : 13\d px de trop à droite", reasons["3. Installer uv"]
    )
    assert "hauteur estimée" in reasons["La perte (MSE) diminue"]
    assert "figure" in reasons["La perte (MSE) diminue"]
    assert "code mermaid affiché" in reasons["Du dossier au notebook"]


# --- 1 bis. le rendu du 2026-12-07 (commit 562b379) : 157 vues, deux decks --------------------

FIXTURES_562 = [
    ROOT / "tests" / "fixtures" / "slidefit" / f"{deck}-562b379"
    for deck in ("tp4", "construire-un-llm")
]


def views_of(fixture: Path) -> list[sf.Fit]:
    data = json.loads((fixture / "outputs.json").read_text(encoding="utf-8"))
    lines = lines_of((fixture / "deck.qmd").read_text(encoding="utf-8"), str(fixture / "deck.qmd"))
    return sf.views(
        sf.fit_deck(
            lines, data["chunks"], execute=data["execute"], format_options=data["format_options"]
        )
    )


MEASURED_562 = [
    (fixture, m)
    for fixture in FIXTURES_562
    for m in json.loads((fixture / "slides-measured.json").read_text(encoding="utf-8"))
]
VIEWS_562 = {fixture: views_of(fixture) for fixture in FIXTURES_562}


def rendered_title(title: str) -> str:
    """Le titre tel que le navigateur le donne, espaces insécables du filtre typographique
    remplacées ; une formule (rendue, puis sa source TeX) est coupée."""
    return re.sub(r"[\u00a0\u202f]", " ", title)


def test_the_157_measured_views_are_the_predicted_ones_in_order():
    assert len(MEASURED_562) == 157
    for fixture, measured in MEASURED_562:
        view = VIEWS_562[fixture][measured["slide"] - 1]
        expected = view.title.split("$")[0]
        assert rendered_title(measured["title"]).startswith(
            rendered_title(expected).replace("'", "’")
        ), (fixture.name, measured["slide"], view.title, measured["title"])


@pytest.mark.parametrize(
    "fixture,measured",
    MEASURED_562,
    ids=[f"{f.name.split('-562b379')[0]}-s{m['slide']:03d}" for f, m in MEASURED_562],
)
def test_prediction_matches_the_render_of_562b379(fixture, measured):
    """Mesure de la revue : ce qui est dessiné (boîtes et texte), à l'échelle 1 ; une
    diapositive déborde au-delà de la tolérance du contrôle du site (4 px)."""
    from harness.browser import TOLERANCE_PX

    fit = VIEWS_562[fixture][measured["slide"] - 1]
    overflows = measured["px_below"] > TOLERANCE_PX or measured["px_right"] > TOLERANCE_PX
    assert fit.overflows == overflows, (
        f"{fixture.name} n° {measured['slide']} « {measured['title']} » : prédit "
        f"{'déborde' if fit.overflows else 'tient'} (bas {fit.below:+.0f} px, droite "
        f"{fit.beyond:+.0f} px ; {' ; '.join(fit.reasons) or 'aucune raison'}), mesuré "
        f"{'déborde' if overflows else 'tient'} (bas {measured['px_below']} px, "
        f"droite {measured['px_right']} px)"
    )


# Lignes mesurées sur les captures de la revue (shared/review/shots/), en px à l'échelle 1.
MEASURED_LINES = [
    ("Chacune peut apprendre un **rôle** : caractère précédent, début du", 38, 963),
    ("Toutes se calculent **d'un coup** : un changement de forme, pas de", 38, 982),
    ("Un réseau récurrent résume tout le passé dans **un seul vecteur** :", 38, 969),
    ("2014 (Bahdanau) : le traducteur **relit** toute la phrase source à", 38, 925),
    ("**Plusieurs têtes en parallèle**", 38 * sf.H2_SIZE, 604),
    ("**L’attention en quatre**", 38 * sf.H1_SIZE, 860),
]


@pytest.mark.parametrize("text,font,px", MEASURED_LINES, ids=[t[:20] for t, _, _ in MEASURED_LINES])
def test_text_width_is_the_rendered_width(text, font, px):
    width = sum(w for w, _ in sf.tokens(text)) * font + sf.char_em(" ") * font * (
        len(sf.tokens(text)) - 1
    )
    assert width == pytest.approx(px, rel=0.015)  # sans le crénage (« L’a ») : 1 % au plus


MATHJAX = json.loads(
    (ROOT / "tests" / "fixtures" / "slidefit" / "mathjax2-widths.json").read_text(encoding="utf-8")
)


def test_formula_widths_follow_mathjax():
    """Les formules des decks, rendues par le MathJax 2 du site dans Chromium
    (``fixtures/slidefit/measure_math.py``) : le modèle reste dans −10 % / +20 % de chacune,
    et sa médiane est juste (ni trop large, ni trop étroite)."""
    font = MATHJAX["font_px"]
    ratios = []
    for formula in MATHJAX["formulas"]:
        if formula["px"] < 40:  # une lettre seule : quelques pixels d'écart
            continue
        ratio = sf.math_em(formula["tex"], formula["display"]) * font / formula["px"]
        assert 0.9 <= ratio <= 1.2, (formula, ratio)
        ratios.append(ratio)
    ratios.sort()
    assert len(ratios) > 80 and 0.98 <= ratios[len(ratios) // 2] <= 1.04


def test_a_fully_connected_network_in_mermaid_overflows():
    layers = (
        "flowchart LR\n  a & b & c & d --> e & f & g & h & i\n  e & f & g & h & i --> j & k & l\n"
    )
    assert sf.dense_edges(layers) == 35
    result = fit("```{mermaid}\n%%| echo: false\n" + layers + "```")
    assert result.overflows and "matplotlib" in result.reasons[0]
    one_layer = "flowchart LR\n  a & b & c & d --> e & f & g\n"
    assert not fit("```{mermaid}\n%%| echo: false\n" + one_layer + "```").overflows


# --- 2. le modèle -------------------------------------------------------------------------------


def fit(body: str, title: str = "## Essai", echo: bool = True, outputs=None) -> sf.Fit:
    lines = lines_of(f"{title}\n\n{body}\n")
    chunks = []
    for out in outputs or []:
        index = next(i for i, line in enumerate(lines, 1) if line.text.startswith("```{python}"))
        chunks.append({"line": index, "outputs": out})
    (result,) = sf.fit_deck(lines, chunks, execute={"echo": echo})
    return result


def test_a_long_code_line_overflows_on_the_right():
    short = fit("```python\n" + "x = 1  # " + "a" * 50 + "\n```")
    long = fit("```python\n" + "x = 1  # " + "a" * 86 + "\n```")
    assert not short.overflows
    assert long.overflows and long.beyond > 0
    assert "ligne de code de 95 caractères" in long.reasons[0]
    assert long.below < 0


def test_ten_lines_of_text_fit_forty_do_not():
    ten = fit("\n\n".join(f"Ligne {i}." for i in range(10)))
    forty = fit("\n\n".join(f"Ligne {i}." for i in range(40)))
    assert not ten.overflows
    assert forty.overflows and forty.below > 0
    assert "hauteur estimée" in forty.reasons[0]


def test_long_paragraphs_wrap():
    one = fit("mot " * 10)
    many = fit("mot " * 400)
    assert not one.overflows and many.overflows


def test_smaller_changes_the_verdict():
    body = "\n".join(f"- élément numéro {i}" for i in range(11))
    assert fit(body).overflows
    assert not fit(body, title="## Essai {.smaller}").overflows


def test_columns_change_the_verdict():
    left = "\n".join(f"- à gauche {i}" for i in range(6))
    right = "\n".join(f"- à droite {i}" for i in range(6))
    stacked = fit(f"{left}\n\n{right}")
    side = fit(
        f':::: {{.columns}}\n::: {{.column width="50%"}}\n{left}\n:::\n\n'
        f'::: {{.column width="50%"}}\n{right}\n:::\n::::'
    )
    assert stacked.overflows and not side.overflows


def test_a_long_line_in_the_left_column_scrolls_under_the_right_one():
    code = "```python\n" + "y" * 60 + "\n```"
    in_column = fit(f':::: {{.columns}}\n::: {{.column width="50%"}}\n{code}\n:::\n::::')
    assert not in_column.overflows
    full = fit("```python\n" + "y" * 80 + "\n```")
    assert full.overflows


def test_scrollable_never_fails_for_height():
    body = "\n\n".join(f"Ligne {i}." for i in range(40))
    assert not fit(body, title="## Essai {.scrollable}").overflows


def test_notes_are_not_shown_fragments_are():
    notes = "::: {.notes}\n" + "\n\n".join(f"Note {i}." for i in range(40)) + "\n:::"
    assert not fit(notes).overflows
    shown = "::: {.fragment}\n" + "\n\n".join(f"Ligne {i}." for i in range(40)) + "\n:::"
    result = fit(shown)
    assert result.overflows and result.slide.fragments == 1
    assert len(sf.views([result])) == 2


MERMAID = (
    "```{mermaid}\nflowchart TD\n"
    + "\n".join(f"  A{i} --> A{i + 1}" for i in range(3))
    + "\n"
    + "\n".join(f"  classDef c{i} fill:#111111" for i in range(14))
    + "\n```"
)


def test_an_echoed_mermaid_cell_counts_its_code():
    echoed = fit(MERMAID, echo=True)
    hidden = fit(MERMAID.replace("flowchart TD", "%%| echo: false\nflowchart TD", 1), echo=True)
    assert echoed.overflows and "code mermaid affiché" in echoed.reasons[0]
    assert not hidden.overflows
    assert not fit(MERMAID, echo=False).overflows


def test_a_wide_mermaid_diagram_is_scaled_not_cut():
    wide = (
        "```{mermaid}\n%%| echo: false\nflowchart LR\n"
        + "\n".join(
            f'  N{i}["étape numéro {i}"] --> N{i + 1}["étape numéro {i + 1}"]' for i in range(12)
        )
        + "\n```"
    )
    result = fit(wide)
    assert result.beyond <= 0


def test_figure_height_counts_and_output_location_column_helps():
    code = "```{python}\n" + "\n".join(f"x{i} = {i}" for i in range(8)) + "\n```"
    image = [[{"type": "image", "width": 960, "height": 480}]]
    assert fit(code, outputs=image).overflows
    small = [[{"type": "image", "width": 960, "height": 250}]]
    assert not fit(code, outputs=small).overflows
    text = [[{"type": "stream", "name": "stdout", "text": "\n".join(str(i) for i in range(12))}]]
    below = fit(code, outputs=text)
    column = fit(
        code.replace("```{python}\n", "```{python}\n#| output-location: column\n"), outputs=text
    )
    assert column.height < below.height


def test_markdown_table_output_is_measured():
    rows = "\n".join(f"| ligne {i} | {i} |" for i in range(20))
    table = [[{"type": "markdown", "text": "| nom | valeur |\n|:--|--:|\n" + rows + "\n"}]]
    hidden = "```{python}\n#| echo: false\nmarkdown_table(rows)\n```"
    result = fit(hidden, outputs=table)
    assert result.overflows and "tableau de 21 lignes" in result.reasons[0]


def test_constants_follow_the_theme():
    """Le modèle lit les mêmes valeurs que styles/slides.scss : changer le thème sans changer
    slidefit ferait échouer ce test."""
    scss = (ROOT / "styles" / "slides.scss").read_text(encoding="utf-8")

    def value(name):
        return float(re.search(rf"^\${name}:\s*([\d.]+)", scss, re.M).group(1))

    assert value("presentation-font-size-root") == sf.FONT_SIZE
    assert value("presentation-line-height") == sf.LINE_HEIGHT
    assert value("presentation-h2-font-size") == sf.H2_SIZE
    assert value("code-block-font-size") == sf.CODE_SIZE


# --- 3. les decks actuels -----------------------------------------------------------------------


def revealjs_decks() -> list[Path]:
    decks = []
    for path in sorted((ROOT / "slides").glob("*.qmd")):
        head = path.read_text(encoding="utf-8").split("\n---", 1)[0]
        if re.search(r"^format:\s*(revealjs\b|\n\s+revealjs:)", head, re.M):
            decks.append(path)
    return decks


@pytest.mark.slow
@pytest.mark.parametrize("deck", revealjs_decks(), ids=lambda p: p.relative_to(ROOT).as_posix())
def test_every_slide_of_the_deck_fits(deck, document_runs):
    from harness.kernel import KernelRunError
    from harness.qmd import QmdError

    try:
        doc, cells = document_runs.get(deck)  # exécution partagée avec test_slides.py
    except (QmdError, KernelRunError) as e:
        pytest.fail(f"le deck ne s'exécute pas (voir test_slides.py) :\n{e}", pytrace=False)
    fits = sf.fit_document(doc, cells)
    bad = [f for f in fits if f.overflows]
    if bad:
        pytest.fail(
            f"{len(bad)} diapositive(s) de {deck.relative_to(ROOT)} débordent de "
            f"{sf.SLIDE_WIDTH} × {sf.SLIDE_HEIGHT} :\n"
            + "\n".join(
                f"  n° {f.slide.number} « {f.title} » : {' ; '.join(f.reasons)}" for f in bad
            )
            + "\n(détail : uv run python tests/slidefit.py "
            + deck.relative_to(ROOT).as_posix()
            + ")",
            pytrace=False,
        )


def test_a_fragment_inside_a_column_is_counted():
    body = (
        ':::: {.columns}\n::: {.column width="50%"}\nà gauche\n:::\n\n'
        '::: {.column width="50%"}\n::: {.fragment}\nà droite, plus tard\n:::\n:::\n::::'
    )
    assert fit(body).slide.fragments == 1


def test_raw_html_printed_by_an_asis_chunk_counts_its_visible_text():
    from llmlab.display import html_block

    spans = "".join(
        f'<span title="id {i}" style="background:#EEE">mot{i} </span>' for i in range(20)
    )
    code = "```{python}\n#| output: asis\nprint_html(tokens_html(texte))\n```"
    printed = [
        [
            {
                "type": "stream",
                "name": "stdout",
                "text": "vocabulaire : 513 tokens\n" + html_block(f"<div>{spans}</div>"),
            }
        ]
    ]
    result = fit(code, outputs=printed)
    # deux lignes de texte, pas une « ligne de code » de 10 000 caractères
    assert not result.overflows and result.beyond < 0
    assert any("paragraphe" in b.what for b in result.boxes)


ACC = (
    "  accTitle: Trois nœuds & une boucle --> qui ne dessine rien\n"
    "  accDescr: A (entrée) mène à B[milieu] puis à C ; rien de tout cela n'est un nœud.\n"
    "  accDescr {\n    Sur plusieurs lignes : X --> Y & Z\n    W[« étiquette »]\n  }\n"
)
DRAWING = 'flowchart LR\n  A["entrée"] --> B["milieu<br/>deux lignes"]\n  B --> C(("+"))\n'


def test_accessibility_directives_draw_nothing():
    """``accTitle`` et ``accDescr`` (sur une ligne ou en bloc) ne sont ni nœuds, ni arêtes :
    la taille prévue ne bouge pas (sans ce filtre, chaque directive devenait un nœud)."""
    head, rest = DRAWING.split("\n", 1)
    with_text = f"{head}\n{ACC}{rest}"
    assert sf.mermaid_size(with_text) == sf.mermaid_size(DRAWING)
    assert sf.dense_edges(with_text) == sf.dense_edges(DRAWING) == 0
    assert sf.mermaid_accessibility(with_text) == {
        "accTitle": "Trois nœuds & une boucle --> qui ne dessine rien",
        "accDescr": "Sur plusieurs lignes : X --> Y & Z W[« étiquette »]",
    }
    assert sf.mermaid_accessibility(DRAWING) == {"accTitle": "", "accDescr": ""}
    drawing = sf.mermaid_drawing(with_text.splitlines())
    assert len(drawing) == len(with_text.splitlines()) and drawing[1:7] == [""] * 6
