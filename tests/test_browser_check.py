"""Le contrôle du site dans Chromium (tests/check_site.py) : chaque mode d'échec est prouvé sur
le mini-site fait à la main de ``tests/fixtures/site/``, puis le vrai ``_site/`` est contrôlé
s'il a été rendu.

Le mini-site est copié dans un dossier temporaire, avec reveal.js 5.1.0
(``tests/fixtures/vendor/reveal.js/``) rangé dans ``site_libs/revealjs/dist/`` comme le fait
Quarto. Tout ce qui lance Chromium est marqué ``slow`` ; sans Chromium, ces tests sont sautés.
"""

from __future__ import annotations

import http.server
import json
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from harness import accessibility, browser
from harness.accessibility import KEYBOARD_UNREACHABLE, MISSING_ALT, STUCK_SLIDER, UNNAMED_CONTROL
from harness.browser import Problem

TESTS = Path(__file__).resolve().parent
FIXTURE_SITE = TESTS / "fixtures" / "site"
REVEAL = TESTS / "fixtures" / "vendor" / "reveal.js"
ACCESSIBLE_INPUTS = TESTS.parent / "interactif" / "accessible-inputs.js"
ROOT = TESTS.parent
NO_CHROMIUM = "pas de Chromium : installez chromium (apt) ou « uv run playwright install chromium »"


def build_fixture_site(target: Path) -> Path:
    """Le mini-site prêt à servir : pages de tests/fixtures/site, reveal.js dans site_libs,
    MathJax 2 et 3, Observable Inputs et htl du site (assets/vendor) et le module qui nomme
    les commandes d'Inputs (interactif/accessible-inputs.js), aux mêmes chemins que sur le
    vrai site."""
    shutil.copytree(FIXTURE_SITE, target)
    shutil.copytree(REVEAL, target / "site_libs" / "revealjs" / "dist")
    for name in ("mathjax2", "mathjax3", "inputs", "htl"):
        shutil.copytree(ROOT / "assets" / "vendor" / name, target / "assets" / "vendor" / name)
    (target / "interactif").mkdir()
    shutil.copy(ACCESSIBLE_INPUTS, target / "interactif")
    return target


def chromium_or_skip() -> str | None:
    try:
        return browser.find_chromium()
    except (browser.ChromiumNotFound, ImportError) as error:
        pytest.skip(f"{NO_CHROMIUM} ({error})")


@pytest.fixture(scope="module")
def checked(tmp_path_factory):
    """Un seul passage de Chromium sur tout le mini-site : (rapport, dossier des captures)."""
    executable = chromium_or_skip()
    base = tmp_path_factory.mktemp("controle")
    site = build_fixture_site(base / "site")
    captures = base / "captures"
    report = browser.check_site(site, captures=captures, chromium=executable, timeout_s=5)
    return report, captures


def problems_of(report, page: str) -> list[Problem]:
    return [p for p in report.problems if p.page == page]


def kinds_by_slide(report, page: str) -> set[tuple[int | None, str]]:
    return {(p.slide, p.kind) for p in problems_of(report, page)}


# --------------------------------------------------------------------------- sans Chromium


def test_pages_are_every_html_file_except_site_libs(tmp_path):
    site = build_fixture_site(tmp_path / "site")
    (site / "site_libs" / "quarto.html").write_text("<p>bibliothèque</p>", encoding="utf-8")
    pages = browser.find_pages(site)
    assert "index.html" in pages and "decks/debordements.html" in pages
    assert not [p for p in pages if p.startswith("site_libs/")]


def test_capture_names_number_slides_from_one():
    assert browser.capture_name("slides/tp4.html", 6) == "slides_tp4-s06.png"
    assert browser.capture_name("index.html") == "index.png"


def test_problem_line_gives_page_slide_title_kind_and_measure():
    problem = Problem(
        "slides/tp4.html",
        browser.OVERFLOW_BOTTOM,
        "153 px (pre.sourceCode)",
        slide=6,
        title="Du dossier au notebook",
        px=153.0,
    )
    assert problem.line() == (
        "slides/tp4.html — diapositive 6 « Du dossier au notebook » : "
        "dépasse le bord bas — 153 px (pre.sourceCode)"
    )


def test_explicit_chromium_that_does_not_exist_is_a_clear_error(monkeypatch):
    monkeypatch.delenv("LLMLAB_CHROMIUM", raising=False)
    with pytest.raises(browser.ChromiumNotFound, match="introuvable"):
        browser.find_chromium("/nulle/part/chromium")
    monkeypatch.setenv("LLMLAB_CHROMIUM", "/nulle/part/chromium")
    with pytest.raises(browser.ChromiumNotFound, match="LLMLAB_CHROMIUM"):
        browser.find_chromium()


def test_explicit_chromium_comes_before_the_environment(monkeypatch, tmp_path):
    fake = tmp_path / "mon-chromium"
    fake.write_text("", encoding="utf-8")
    monkeypatch.setenv("LLMLAB_CHROMIUM", "/nulle/part/chromium")
    assert browser.find_chromium(str(fake)) == str(fake)


def test_script_without_site_says_to_render_first(tmp_path):
    result = subprocess.run(
        [sys.executable, str(TESTS / "check_site.py"), str(tmp_path / "_site")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "lancez d'abord « quarto render »" in result.stdout


REVIEW = TESTS / "fixtures" / "review-562b379"


def test_verdicts_on_the_review_measurements_are_the_review_s():
    """Le rendu du 2026-12-07 (commit 562b379), mesuré par la revue dans un autre navigateur :
    ce qui est dessiné, à l'échelle 1, une ligne par vue. Le verdict du contrôle sur ces mesures
    est celui de la revue : 4 diapositives débordent en bas ; « Un neurone » (4 px à droite) et
    « 6·N·D » (2 px) sont des arrondis de bordure. Les trois « lignes de code » de la revue
    (53, 26 et 12 px) venaient de l'ancien contrôle, qui prenait le scrollWidth des lignes
    numérotées, décalées de -4em par Pandoc : voir README.md de la fixture et la diapositive 6
    de decks/debordements.html."""
    measured = json.loads((REVIEW / "slides-measured.json").read_text(encoding="utf-8"))
    flagged = {
        (m["deck"], m["slide"]): browser.overflow_problems(
            m["deck"], m["slide"], m["title"], m["px_below"], m["px_right"]
        )
        for m in measured
    }
    assert {key for key, found in flagged.items() if found} == {
        ("slides/tp4.html", 33),
        ("slides/tp4.html", 77),
        ("slides/tp4.html", 84),
        ("slides/construire-un-llm.html", 14),
    }
    assert [p.kind for p in flagged[("slides/tp4.html", 33)]] == [browser.OVERFLOW_BOTTOM]
    for deck in {m["deck"] for m in measured}:
        assert [m["slide"] for m in measured if m["deck"] == deck] == list(
            range(1, 1 + sum(m["deck"] == deck for m in measured))
        )


# --------------------------------------------------------------------------- dans Chromium


@pytest.mark.slow
def test_correct_page_and_deck_have_no_problem(checked):
    report, _ = checked
    assert problems_of(report, "index.html") == []
    assert problems_of(report, "decks/correct.html") == []


@pytest.mark.slow
def test_overflowing_slides_are_measured_at_scale_one(checked):
    report, _ = checked
    found = problems_of(report, "decks/debordements.html")
    assert {(p.slide, p.kind) for p in found} == {
        (2, browser.OVERFLOW_BOTTOM),  # boîte de 580 à 820 px : 120 px
        (3, browser.OVERFLOW_RIGHT),  # ligne de code trop longue, dans un bloc qui défile
        (5, browser.OVERFLOW_BOTTOM),  # fragment de 650 à 750 px, affiché avant la mesure
    }  # la diapositive 6 (lignes numérotées décalées, dessinées dans le cadre) n'y est pas
    by_slide = {p.slide: p for p in found}
    assert by_slide[2].px == pytest.approx(120, abs=3)
    assert by_slide[2].title == "Déborde en bas de 120 px"
    assert by_slide[5].px == pytest.approx(50, abs=3)
    assert by_slide[3].px > 100 and "code" in by_slide[3].detail


@pytest.mark.slow
def test_long_speaker_notes_do_not_count(checked):
    report, _ = checked
    # Diapositive 4 : une note très longue (même affichée), une diapositive courte.
    assert [p for p in problems_of(report, "decks/debordements.html") if p.slide == 4] == []


@pytest.mark.slow
def test_raw_math_is_reported_on_its_slide(checked):
    report, _ = checked
    assert kinds_by_slide(report, "decks/maths.html") == {
        (2, browser.RAW_MATH),
        (3, browser.RAW_MATH),
    }
    details = " ".join(p.detail for p in problems_of(report, "decks/maths.html"))
    assert "\\(x^2\\)" in details and "$$E = mc^2$$" in details


@pytest.mark.slow
def test_mathjax2_structure_of_the_decks_is_rendered_math(checked):
    """Le faux positif du rendu du 2026-12-07 (175 « maths non rendues ») : le span.math que
    MathJax 2 met dans la formule de Pandoc n'est pas une formule à rendre."""
    report, _ = checked
    assert problems_of(report, "decks/maths-mathjax2.html") == []


@pytest.mark.slow
def test_real_mathjax_2_and_3_output_is_rendered_math(checked):
    # Si MathJax ne se chargeait pas, les \( \) resteraient : RAW_MATH (voir decks/maths.html).
    report, _ = checked
    assert problems_of(report, "decks/maths-reelles.html") == []
    assert problems_of(report, "pages/maths-reelles.html") == []


@pytest.mark.slow
def test_code_hidden_with_its_cell_is_reported(checked):
    report, _ = checked
    found = problems_of(report, "pages/code-masque.html")
    assert [(p.kind, p.slide) for p in found] == [(browser.HIDDEN_CODE, None)]
    assert "softmax" in found[0].detail and "requireLocal" not in found[0].detail


@pytest.mark.slow
def test_each_slide_is_measured_and_numbered_from_the_title_slide(checked):
    report, _ = checked
    rows = [m for m in report.measured if m["deck"] == "decks/debordements.html"]
    # Une ligne par vue, comme la revue : la diapositive 5 a un fragment, donc deux vues.
    assert [(m["slide"], m["numero"]) for m in rows] == [
        (1, 1),
        (2, 2),
        (3, 3),
        (4, 4),
        (5, 5),
        (6, 5),
        (7, 6),
    ]
    assert rows[0]["title"] == "Un deck qui déborde"
    assert rows[1]["px_below"] == pytest.approx(120, abs=3) and rows[1]["px_right"] <= 1
    assert rows[2]["px_right"] > 100  # ligne de code coupée dans son bloc qui défile
    assert rows[3]["px_below"] <= browser.TOLERANCE_PX  # la note ne compte pas
    assert rows[4]["px_below"] == rows[5]["px_below"] == pytest.approx(50, abs=3)
    # Lignes numérotées décalées de -4em comme chez Pandoc : dessinées dans le cadre.
    assert rows[6]["px_right"] <= 0


@pytest.mark.slow
def test_mermaid_source_and_failed_diagrams_are_reported(checked):
    report, _ = checked
    assert kinds_by_slide(report, "decks/mermaid.html") == {
        (2, browser.MERMAID_SOURCE),  # cellule mermaid en echo : le code à la place du dessin
        (3, browser.MERMAID_FAILED),  # pre.mermaid-js jamais remplacé par un SVG
        (4, browser.MERMAID_FAILED),  # SVG d'erreur « Syntax error in text »
    }


@pytest.mark.slow
def test_external_script_is_blocked_and_reported(checked):
    report, _ = checked
    assert [(p.kind, p.detail) for p in problems_of(report, "pages/externe.html")] == [
        (browser.EXTERNAL_REQUEST, "https://cdn.example.org/x.js")
    ]


@pytest.mark.slow
def test_javascript_errors_are_reported(checked):
    report, _ = checked
    found = problems_of(report, "pages/erreur-js.html")
    assert {p.kind for p in found} == {browser.JS_ERROR}
    details = [p.detail for p in found]
    assert any("undefinedFunctionOfTheCourse" in d for d in details)  # exception
    assert any("widget introuvable" in d for d in details)  # console.error


@pytest.mark.slow
def test_missing_local_image_is_reported(checked):
    report, _ = checked
    assert [(p.kind, p.detail) for p in problems_of(report, "pages/image-manquante.html")] == [
        (browser.MISSING_FILE, "/img/absente.png")
    ]


@pytest.mark.slow
def test_deck_whose_reveal_js_is_missing_is_reported(checked):
    report, _ = checked
    found = problems_of(report, "decks/sans-reveal.html")
    assert {(p.kind, p.detail) for p in found if p.kind == browser.MISSING_FILE} == {
        (browser.MISSING_FILE, "/site_libs/revealjs/dist/absent.js")
    }
    assert browser.DECK_NOT_READY in {p.kind for p in found}


@pytest.mark.slow
def test_one_capture_per_slide_and_per_page(checked):
    report, captures = checked
    names = {path.name for path in captures.glob("*.png")}
    assert {
        "decks_debordements-s01.png",
        "decks_debordements-s05.png",
        "index.png",
        "pages_externe.png",
    } <= names
    assert "decks_debordements-s06.png" in names and "decks_debordements-s07.png" not in names
    assert len(names) == report.slides + (report.pages - report.decks)


class _CountingHandler(http.server.BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self):  # noqa: N802 (nom imposé par http.server)
        self.hits.append(self.path)
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"window.reached = true;")

    def log_message(self, format, *args):  # noqa: A002
        pass


@pytest.mark.slow
def test_external_request_is_never_sent(tmp_path):
    """Un « autre hôte » qui existe vraiment (un second serveur local) ne reçoit rien."""
    executable = chromium_or_skip()
    _CountingHandler.hits = []
    other = http.server.HTTPServer(("127.0.0.1", 0), _CountingHandler)
    threading.Thread(target=other.serve_forever, daemon=True).start()
    try:
        port = other.server_address[1]
        site = tmp_path / "site"
        site.mkdir()
        (site / "index.html").write_text(
            f'<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8">'
            f'<script src="http://127.0.0.1:{port}/x.js"></script></head>'
            f'<body><img src="http://localhost:{port}/y.png" alt="" role="presentation">'
            "</body></html>",
            encoding="utf-8",
        )
        report = browser.check_site(site, chromium=executable, timeout_s=5)
    finally:
        other.shutdown()
        other.server_close()
    assert _CountingHandler.hits == []
    assert sorted(p.detail for p in report.problems) == [
        f"http://127.0.0.1:{port}/x.js",
        f"http://localhost:{port}/y.png",
    ]
    assert {p.kind for p in report.problems} == {browser.EXTERNAL_REQUEST}


@pytest.mark.slow
def test_script_exit_code_and_french_report(tmp_path):
    chromium_or_skip()
    site = tmp_path / "site"
    (site / "pages").mkdir(parents=True)
    page = site / "pages" / "image-manquante.html"
    shutil.copy(FIXTURE_SITE / "pages" / "image-manquante.html", page)
    # Un lien vers une page que le rendu n'a pas écrite.
    text = page.read_text(encoding="utf-8")
    page.write_text(text.replace("</body>", '<a href="tp4.html">TP 4</a></body>'), "utf-8")
    captures = tmp_path / "captures"
    result = subprocess.run(
        [sys.executable, str(TESTS / "check_site.py"), str(site), "--captures", str(captures)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert "pages/image-manquante.html : fichier local manquant — /img/absente.png" in lines
    assert (
        "lien cassé · pages/image-manquante.html : « tp4.html » ne mène à aucun fichier "
        "(pages/tp4.html)"
    ) in lines
    assert "1 lien(s) qui ne mènent à aucun fichier du site." in lines
    assert "1 page HTML contrôlée, dont 0 deck (0 diapositive) : 1 problème." in lines
    assert (captures / "pages_image-manquante.png").is_file()


# --------------------------------------------------------------------------- clavier, alt


def details_of(report, page: str) -> list[tuple[str, str]]:
    return [(p.kind, p.detail) for p in problems_of(report, page)]


def test_keyboard_verdict_on_an_inventory():
    """Sans Chromium : le verdict sur un relevé. Un groupe de boutons radio atteint par un seul
    bouton est atteint ; un curseur dont la flèche ne change rien est immobile."""
    control = {"what": "input[type=range] « T »", "named": True, "reached": True}
    found = {
        "mouseOnly": [{"what": "div.carte", "tabindex": None}],
        "controls": [
            {
                **control,
                "tabindex": None,
                "arrow": {"key": "ArrowRight", "before": "1", "after": "1"},
            },
            {**control, "tabindex": "-1", "reached": False, "named": False, "arrow": None},
            {
                **control,
                "tabindex": None,
                "arrow": {"key": "ArrowLeft", "before": "3", "after": "2"},
            },
        ],
        "unnamedGroups": [],
    }
    assert [kind for kind, _ in accessibility.keyboard_problems(found)] == [
        KEYBOARD_UNREACHABLE,
        STUCK_SLIDER,
        KEYBOARD_UNREACHABLE,
        UNNAMED_CONTROL,
    ]
    details = [detail for _, detail in accessibility.keyboard_problems(found)]
    assert "la souris seule" in details[0] and "la flèche droite laisse la valeur à 1" in details[1]
    assert details[2].endswith("Tab ne l'atteint jamais (tabindex=-1)")


@pytest.mark.slow
def test_observable_controls_named_by_the_site_have_no_problem(checked):
    report, _ = checked
    assert problems_of(report, "pages/clavier-correct.html") == []
    assert problems_of(report, "pages/figure-alt.html") == []


@pytest.mark.slow
def test_raw_observable_inputs_leave_the_slider_and_the_radio_group_unnamed(checked):
    """Ce que corrige interactif/accessible-inputs.js, vu sur la vraie bibliothèque."""
    report, _ = checked
    assert details_of(report, "pages/clavier-inputs-bruts.html") == [
        (
            UNNAMED_CONTROL,
            "input[type=range] près de « Température T » : ni <label>, ni aria-label, ni "
            "aria-labelledby, ni title ; un lecteur d'écran ne dit pas ce qu'elle règle",
        ),
        (
            UNNAMED_CONTROL,
            "groupe de 2 boutons radio près de « Taux d'apprentissage η 0.01 0.1 » : ni "
            '<fieldset> et <legend>, ni role="radiogroup" nommé ; chaque bouton ne dit que sa '
            "valeur",
        ),
    ]


@pytest.mark.slow
def test_clickable_elements_that_are_not_controls_are_reported(checked):
    report, _ = checked
    found = details_of(report, "pages/clavier-souris.html")
    assert [(kind, detail.split(" réagit")[0]) for kind, detail in found] == [
        (KEYBOARD_UNREACHABLE, "div.carte « Retourner la carte »"),
        (KEYBOARD_UNREACHABLE, "span.jeton « chat »"),
    ]  # le lien, les <button> (et ce qu'ils contiennent), le role="button" atteignable n'y sont pas
    assert "la souris seule l'atteint" in found[0][1]
    assert "Tab l'atteint (tabindex) mais rien ne dit" in found[1][1]


@pytest.mark.slow
def test_controls_without_a_name_are_reported(checked):
    report, _ = checked
    found = details_of(report, "pages/clavier-sans-nom.html")
    assert [(kind, detail.split(" : ")[0]) for kind, detail in found] == [
        (UNNAMED_CONTROL, "input#age[type=number] près de « Votre âge"),
        (UNNAMED_CONTROL, "button.icone"),
    ]  # <label for>, <label> englobant, aria-label et <img alt> dans un bouton nomment


@pytest.mark.slow
def test_control_out_of_the_tab_order_is_reported(checked):
    report, _ = checked
    assert details_of(report, "pages/clavier-tabindex.html") == [
        (
            KEYBOARD_UNREACHABLE,
            "input#temperature[type=range] « Température T » : Tab ne l'atteint jamais "
            "(tabindex=-1)",
        )
    ]  # top-k, au maximum, bouge avec la flèche gauche


@pytest.mark.slow
def test_slider_that_arrows_do_not_move_is_reported(checked):
    report, _ = checked
    assert details_of(report, "pages/clavier-curseur-bloque.html") == [
        (STUCK_SLIDER, "input#epoch[type=range] « Epoch » : la flèche droite laisse la valeur à 10")
    ]


@pytest.mark.slow
def test_images_and_figures_without_alternative_text_are_reported(checked):
    report, _ = checked
    assert details_of(report, "pages/image-sans-alt.html") == [
        (
            MISSING_ALT,
            "img.img-fluid.figure-img (img/point.svg) : pas d'attribut alt "
            "(#| fig-alt dans le chunk)",
        ),
        (
            MISSING_ALT,
            'img.puce (img/point.svg) : alt vide sans role="presentation" : une figure a '
            "besoin de son texte, une image décorative le déclare",
        ),
        (
            MISSING_ALT,
            "svg.plot-d6a7b5 dans .cell-output-display : ni aria-label, ni aria-labelledby, "
            "ni <title> (ariaLabel de Plot.plot)",
        ),
    ]


@pytest.mark.slow
def test_deck_figures_are_read_on_every_slide(checked):
    """Une seule figure sans alt, sur la diapositive 2, qui n'est pas celle affichée ; l'image
    des notes et le diagramme mermaid ne comptent pas."""
    report, _ = checked
    assert [(p.slide, p.title, p.kind) for p in problems_of(report, "decks/figures.html")] == [
        (2, "Une figure muette", MISSING_ALT)
    ]


MERMAID_ALT = "decks/mermaid-alt.html"  # SVG relevés sur mermaid 11.17.2 : avec, sans, à moitié


@pytest.mark.slow
def test_mermaid_diagram_without_title_or_description_is_reported(checked):
    """Le diagramme écrit avec accTitle et accDescr passe ; sans directive, ou avec accTitle
    seul, il est signalé sur sa diapositive, avec ce qui manque. Les diagrammes corrects des
    autres fixtures (figures.html, figure-alt.html, correct.html) n'ont rien."""
    report, _ = checked
    assert [(p.slide, p.title, p.kind, p.detail) for p in problems_of(report, MERMAID_ALT)] == [
        (
            3,
            "Un diagramme muet",
            MISSING_ALT,
            "diagramme mermaid svg.flowchart.mermaid-js (« texte »…) : sans accTitle ni "
            "accDescr : mermaid n'écrit alors ni <title> ni <desc>",
        ),
        (
            4,
            "Un diagramme sans description",
            MISSING_ALT,
            "diagramme mermaid svg.flowchart.mermaid-js (« texte »…) : sans accDescr : "
            "mermaid n'écrit alors pas de <desc>",
        ),
    ]


@pytest.mark.slow
def test_mermaid_names_agree_with_chromium_accessibility_tree(tmp_path):
    """La référence : le nom et la description que Chromium donne à chaque SVG de mermaid pour
    les lecteurs d'écran viennent bien du <title> et du <desc> que le contrôle exige."""
    from playwright.sync_api import sync_playwright

    executable = chromium_or_skip()
    site = build_fixture_site(tmp_path / "site")
    with browser.serve(site) as base_url, sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=executable, args=browser.CHROMIUM_ARGS)
        try:
            page = chromium.new_page()
            page.goto(base_url + MERMAID_ALT, wait_until="load")
            cdp = page.context.new_cdp_session(page)
            found = []
            # reveal.js cache à l'arbre d'accessibilité les diapositives non affichées : on
            # affiche chacune des trois à son tour.
            for index in (1, 2, 3):
                page.evaluate(f"Reveal.slide({index})")
                page.wait_for_function(f"Reveal.getIndices().h === {index}")
                root = cdp.send("DOM.getDocument", {"depth": 0})["root"]["nodeId"]
                node = cdp.send(
                    "DOM.querySelector", {"nodeId": root, "selector": "section.present svg"}
                )["nodeId"]
                ax = cdp.send("Accessibility.getPartialAXTree", {"nodeId": node})["nodes"][0]
                found.append(
                    (
                        ax["role"]["value"],
                        ax.get("name", {}).get("value", ""),
                        ax.get("description", {}).get("value", ""),
                    )
                )
        finally:
            chromium.close()
    title = "Du texte aux ids"
    assert found == [
        (
            "graphics-document",
            title,
            "Le texte est découpé en tokens, puis chaque token devient un id.",
        ),
        ("graphics-document", "", ""),  # sans directive : aucun nom pour un lecteur d'écran
        ("graphics-document", title, title),  # sans <desc>, Chromium répète le titre
    ]


INSPECTED = [
    "pages/clavier-correct.html",
    "pages/clavier-sans-nom.html",
    "pages/clavier-inputs-bruts.html",
    "pages/figure-alt.html",
]


def chromium_names(page) -> dict[int, str]:
    """Le nom que Chromium donne à chaque commande numérotée par ``inspect_keyboard`` (arbre
    d'accessibilité, par le protocole DevTools)."""
    cdp = page.context.new_cdp_session(page)
    root = cdp.send("DOM.getDocument", {"depth": 0})["root"]["nodeId"]
    selector = f"[{accessibility.MARK}]"
    names = {}
    for node in cdp.send("DOM.querySelectorAll", {"nodeId": root, "selector": selector})["nodeIds"]:
        attributes = cdp.send("DOM.getAttributes", {"nodeId": node})["attributes"]
        mark = int(dict(zip(attributes[::2], attributes[1::2]))[accessibility.MARK])
        tree = cdp.send("Accessibility.getPartialAXTree", {"nodeId": node, "fetchRelatives": False})
        names[mark] = tree["nodes"][0].get("name", {}).get("value", "")
    return names


@pytest.fixture(scope="module")
def inspected(tmp_path_factory):
    """Pour chaque page d'``INSPECTED`` : (relevé d'``inspect_keyboard``, noms selon Chromium).
    Chromium est fermé en sortant : les autres tests lancent le leur."""
    from playwright.sync_api import sync_playwright

    executable = chromium_or_skip()
    site = build_fixture_site(tmp_path_factory.mktemp("clavier") / "site")
    results = {}
    with browser.serve(site) as base_url, sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=executable, args=browser.CHROMIUM_ARGS)
        try:
            context = chromium.new_context(service_workers="block")
            for name in INSPECTED:
                page = context.new_page()
                page.goto(base_url + name, wait_until="load")
                page.wait_for_load_state("networkidle")
                results[name] = (accessibility.inspect_keyboard(page), chromium_names(page))
                page.close()
        finally:
            chromium.close()
    return results


@pytest.mark.slow
def test_every_observable_control_is_found_reached_named_and_moved(inspected):
    """La page correcte ne passe pas faute de commandes : les 13 sont relevées (nombre et
    curseur de deux Inputs.range, liste, trois boutons radio, case, zone de texte, bouton,
    deux onglets ; le bouton « copier » de Quarto n'en est pas), Tab les atteint toutes (un
    seul onglet et un seul bouton radio sont dans l'ordre de Tab) et chaque curseur bouge."""
    found, _ = inspected["pages/clavier-correct.html"]
    controls = found["controls"]
    assert len(controls) == 13
    assert not [c for c in controls if "code-copy-button" in c["what"]]
    assert all(c["reached"] and c["named"] for c in controls)
    arrows = [c["arrow"] for c in controls if c["range"]]
    assert [a["key"] for a in arrows] == ["ArrowRight", "ArrowLeft"]
    assert [(a["before"], a["after"]) for a in arrows] == [("1.5", "1.55"), ("4", "3")]
    assert 0 < found["presses"] <= accessibility.MAX_TABS
    # Une page sans commande ne coûte aucune pression de Tab.
    assert inspected["pages/figure-alt.html"][0]["presses"] == 0


@pytest.mark.slow
@pytest.mark.parametrize("name", INSPECTED[:3])
def test_control_names_agree_with_chromium_accessibility_tree(inspected, name):
    """La référence : le nom calculé par Chromium pour ses lecteurs d'écran. Une commande a un
    nom pour le contrôle si et seulement si elle en a un pour Chromium."""
    found, names = inspected[name]
    assert {c["index"]: c["named"] for c in found["controls"]} == {
        mark: bool(text.strip()) for mark, text in names.items()
    }
    assert any(names.values()) and (name.endswith("correct.html") or not all(names.values()))


# --------------------------------------------------------------------------- le vrai site


@pytest.mark.slow
def test_rendered_site_passes_the_browser_check():
    site = ROOT / "_site"
    if not site.is_dir():
        pytest.skip(
            "pas de _site/ : lancez quarto render (uv run --group site quarto render), "
            "puis relancez ce test"
        )
    executable = chromium_or_skip()
    report = browser.check_site(site, captures=ROOT / "_site-captures", chromium=executable)
    assert report.problems == [], "\n".join(
        [p.line() for p in report.problems] + [report.summary()]
    )


# --------------------------------------------------------------------------- PDF des decks


def test_each_deck_prints_to_one_pdf_page_per_view(checked, tmp_path):
    """``scripts/decks_pdf.py`` : une page de PDF par vue que le contrôle a parcourue
    (fragments compris), au format de la diapositive, avec le texte de chaque diapositive ;
    un deck sans reveal.js est signalé en français sans arrêter les autres."""
    pypdf = pytest.importorskip("pypdf")
    sys.path.insert(0, str(ROOT / "scripts"))
    import decks_pdf

    report, _ = checked
    executable = chromium_or_skip()
    site = build_fixture_site(tmp_path / "site")
    decks = ["decks/correct.html", "decks/debordements.html", "decks/sans-reveal.html"]
    written, failed = decks_pdf.print_decks(site, chromium=executable, timeout_s=5, decks=decks)
    assert (
        list(failed) == ["decks/sans-reveal.html"]
        and "reveal.js" in failed["decks/sans-reveal.html"]
    )
    pages = {}
    for deck in decks[:2]:
        views = [m for m in report.measured if m["deck"] == deck]
        pdf = pypdf.PdfReader(written[deck])
        pages[deck] = (len(pdf.pages), len(views))
        box = pdf.pages[0].mediabox
        assert float(box.width) / float(box.height) == pytest.approx(1050 / 700, rel=0.05)
        text = " ".join(p.extract_text() for p in pdf.pages)
        for view in views:
            assert view["title"].split()[0] in text, (deck, view["title"])
    # Deck qui tient : autant de pages que de vues. Deck qui déborde : reveal.js continue la
    # diapositive trop haute sur une page de plus, le PDF le montre aussi.
    assert pages["decks/correct.html"][0] == pages["decks/correct.html"][1] > 1
    assert pages["decks/debordements.html"][0] > pages["decks/debordements.html"][1]
