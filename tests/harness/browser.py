"""Contrôler un site rendu (``_site/``) dans Chromium sans tête, comme le verra un élève.

Les tests de structure lisent les sources ; ils ne voient pas ce que le navigateur affiche.
Ce module sert le site sur 127.0.0.1, ouvre chaque page et chaque diapositive avec Playwright,
et signale ce qu'un enseignant découvrirait trop tard, devant la classe :

* une erreur JavaScript (exception non rattrapée, ``console.error``) ;
* un fichier local manquant (réponse 404 du serveur local) ;
* une requête vers une autre machine : elle est **bloquée** avant d'être envoyée (le site doit
  marcher hors ligne, depuis une clé USB) et son URL est signalée ;
* un diagramme mermaid échoué, ou affiché en code source ;
* des maths non rendues (``\\(x^2\\)`` visible, ou un ``span.math.inline`` /
  ``span.math.display`` de Pandoc sans rendu MathJax 2, MathJax 3 ou KaTeX à l'intérieur) ;
* du code annoncé mais invisible : une cellule masquée en entier (classe ``hidden`` de Quarto,
  que reçoit une cellule ``output: false``) dont le code, lui, devait s'afficher ;
* une diapositive dont le contenu dépasse le bord bas ou droit (1050×700 dans ce projet),
  mesurée à l'échelle 1, tous les fragments affichés, notes du présentateur exclues ;
* une commande qu'on n'atteint pas par Tab, sans nom, ou un curseur que les flèches ne bougent
  pas (pages seulement), une image ou une figure sans texte alternatif (pages et decks) :
  ``tests/harness/accessibility.py``.

Une capture d'écran est enregistrée par diapositive (``<deck>-sNN.png``, NN à partir de 01,
le numéro affiché dans le rapport) et par page HTML (``<page>.png``).

Ce que Quarto produit, et que les sélecteurs suivent (lu dans quarto-cli) : un diagramme
mermaid part en ``<pre class="mermaid mermaid-js">`` ; au chargement, ``mermaid-init.js``
remplace ce ``pre`` par un ``<svg class="mermaid-js">``. Un ``pre.mermaid-js`` qui reste est
donc un diagramme qui n'a pas été dessiné. Un deck est un ``div.reveal`` piloté par
``window.Reveal`` (reveal.js 5).
"""

from __future__ import annotations

import functools
import http.server
import math
import os
import shutil
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from harness import accessibility

# Natures de problème (les tests s'en servent ; le rapport les affiche telles quelles).
JS_ERROR = "erreur JavaScript"
MISSING_FILE = "fichier local manquant"
EXTERNAL_REQUEST = "requête externe bloquée"
MERMAID_FAILED = "diagramme mermaid échoué"
MERMAID_SOURCE = "diagramme affiché en code source"
RAW_MATH = "maths non rendues"
HIDDEN_CODE = "code annoncé mais masqué"
OVERFLOW_BOTTOM = "dépasse le bord bas"
OVERFLOW_RIGHT = "dépasse le bord droit"
DECK_NOT_READY = "deck reveal.js non initialisé"
# Clavier et texte alternatif : leurs natures sont dans harness/accessibility.py.

TOLERANCE_PX = 4  # arrondis de mise en page, bordures d'un pixel
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    # Deuxième verrou : même une connexion qui échapperait à page.route ne résout aucun nom.
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost",
]
PAGE_VIEWPORT = {"width": 1280, "height": 800}
PLAYWRIGHT_CHROMIUM = "playwright"  # valeur de --chromium : le Chromium installé par Playwright


@dataclass(frozen=True)
class Problem:
    """Un problème vu dans le navigateur. ``slide`` vaut None pour une page ou un problème de
    tout le deck ; ``px`` est la mesure d'un dépassement, à l'échelle 1."""

    page: str
    kind: str
    detail: str
    slide: int | None = None
    title: str = ""
    px: float | None = None

    def line(self) -> str:
        """La ligne du rapport : page, diapositive n°, titre, nature, mesure."""
        where = self.page
        if self.slide is not None:
            where += f" — diapositive {self.slide}"
            if self.title:
                where += f" « {self.title} »"
        return f"{where} : {self.kind} — {self.detail}"


@dataclass
class Report:
    """Le résultat d'un contrôle : ce qui a été vu et ce qui ne va pas. ``measured`` : une
    entrée par diapositive, au format de ``shared/review/slides-measured.json`` (deck,
    numéro, titre, ``px_below``, ``px_right`` à l'échelle 1)."""

    pages: int = 0
    decks: int = 0
    slides: int = 0
    problems: list[Problem] = field(default_factory=list)
    measured: list[dict] = field(default_factory=list)

    def summary(self) -> str:
        n = len(self.problems)
        verdict = "aucun problème" if n == 0 else f"{n} problème{'s' if n > 1 else ''}"
        return (
            f"{self.pages} page{'s' if self.pages > 1 else ''} HTML contrôlée"
            f"{'s' if self.pages > 1 else ''}, dont {self.decks} deck"
            f"{'s' if self.decks > 1 else ''} ({self.slides} diapositive"
            f"{'s' if self.slides > 1 else ''}) : {verdict}."
        )


# --------------------------------------------------------------------------- Chromium


class ChromiumNotFound(RuntimeError):
    """Aucun Chromium utilisable : le message dit où il a été cherché et comment l'installer."""


def find_chromium(explicit: str | None = None) -> str | None:
    """Le chemin de Chromium à lancer, ou None pour le Chromium installé par Playwright.

    Ordre : ``explicit`` (option ``--chromium``), variable ``LLMLAB_CHROMIUM``,
    ``/usr/bin/chromium``, ``chromium`` ou ``chromium-browser`` dans le PATH, puis le Chromium
    de Playwright (``playwright install chromium``). Lève ``ChromiumNotFound`` sinon.
    """
    for wanted in (explicit, os.environ.get("LLMLAB_CHROMIUM")):
        if not wanted:
            continue
        if wanted == PLAYWRIGHT_CHROMIUM:
            return _playwright_chromium()
        path = shutil.which(wanted) or (wanted if Path(wanted).is_file() else None)
        if path is None:
            raise ChromiumNotFound(
                f"Chromium introuvable à « {wanted} » (option --chromium "
                "ou variable LLMLAB_CHROMIUM)."
            )
        return path
    if Path("/usr/bin/chromium").is_file():
        return "/usr/bin/chromium"
    for name in ("chromium", "chromium-browser"):
        if shutil.which(name):
            return shutil.which(name)
    return _playwright_chromium()


def _playwright_chromium() -> None:
    """None si Playwright a installé son Chromium (il le trouvera seul), sinon une erreur."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        if Path(p.chromium.executable_path).is_file():
            return None
    raise ChromiumNotFound(
        "Chromium introuvable : ni --chromium, ni LLMLAB_CHROMIUM, ni /usr/bin/chromium, ni "
        "chromium-browser, ni le Chromium de Playwright. Installez-en un : "
        "« sudo apt-get install chromium » ou « uv run playwright install chromium »."
    )


# --------------------------------------------------------------------------- serveur


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    """Sert les fichiers du site sans écrire une ligne par requête dans le terminal."""

    def log_message(self, format, *args):  # noqa: A002 (nom imposé par http.server)
        pass


@contextmanager
def serve(site: Path):
    """Sert ``site`` sur 127.0.0.1, sur un port libre, dans un thread ; donne l'URL de base."""
    handler = functools.partial(_QuietHandler, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def find_pages(site: Path) -> list[str]:
    """Les pages du site : tous les ``.html`` sauf ``site_libs/``, chemins relatifs triés."""
    pages = []
    for path in sorted(site.rglob("*.html")):
        rel = path.relative_to(site)
        if "site_libs" not in rel.parts:
            pages.append(rel.as_posix())
    return pages


def capture_name(page: str, slide: int | None = None) -> str:
    """``slides/tp4.html`` → ``slides_tp4-s06.png`` (diapositive 6), ``index.html`` → ``index.png``."""
    stem = page[:-5] if page.endswith(".html") else page
    stem = stem.replace("/", "_")
    return f"{stem}-s{slide:02d}.png" if slide is not None else f"{stem}.png"


# --------------------------------------------------------------------------- JavaScript

# Les fonctions de mesure tournent dans la page. `root` est la diapositive présente pour un
# deck, le document pour une page.
_JS_HELPERS = r"""
const MERMAID_START = /^(flowchart|graph|sequenceDiagram|classDiagram(-v2)?|stateDiagram(-v2)?|erDiagram|gantt|pie|journey|mindmap|timeline|gitGraph|quadrantChart|requirementDiagram|C4Context|xychart-beta|sankey-beta|block-beta)\b/;
const EXCLUDED = 'aside.notes, .notes, .slide-background, .footer, .slide-number, script, style, noscript, template';
// Rendu de MathJax 3 (mjx-container), MathJax 2 (HTML-CSS, CommonHTML, SVG) ou KaTeX.
const MATH_RENDERED = 'mjx-container, .MathJax, .MathJax_CHTML, .MathJax_SVG, .katex';
// Les formules écrites par Pandoc. MathJax 2 (sortie HTML-CSS des decks) met DANS ce span un
// span.MathJax > nobr > span.math#MathJax-Span-N : ce span.math intérieur est le sien, pas une
// formule de Pandoc ; d'où les deux classes exigées et l'exclusion de tout rendu englobant.
const PANDOC_MATH = 'span.math.inline, span.math.display';
const pandocMath = (root) => [...root.querySelectorAll(PANDOC_MATH)].filter((s) => !s.parentElement.closest(MATH_RENDERED));
const visible = (el) => el.checkVisibility({visibilityProperty: true});
const describe = (el) => {
  const cls = [...el.classList].slice(0, 2).map((c) => '.' + c).join('');
  return el.tagName.toLowerCase() + cls;
};
const rawMath = (root) => {
  const found = [];
  for (const span of pandocMath(root)) {
    if (span.closest(EXCLUDED) || !visible(span)) continue;
    if (!span.querySelector(MATH_RENDERED)) found.push(span.textContent.trim());
  }
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const parent = node.parentElement;
    if (!parent || parent.closest('pre, code, kbd, samp, textarea, script, ' + PANDOC_MATH + ', ' + MATH_RENDERED + ', ' + EXCLUDED)) continue;
    if (/\\\(|\\\[|\$\$/.test(node.textContent) && visible(parent)) found.push(node.textContent.trim());
  }
  return found.map((t) => t.slice(0, 60));
};
const mermaidProblems = (root) => {
  const failed = [], source = [];
  for (const el of root.querySelectorAll('pre.mermaid-js, .mermaid')) {
    if (el.closest('svg') || el.closest(EXCLUDED)) continue;
    if (!el.querySelector('svg')) failed.push('pas de SVG : ' + el.textContent.trim().slice(0, 40));
  }
  for (const svg of root.querySelectorAll('svg')) {
    if (svg.closest(EXCLUDED)) continue;
    const error = svg.querySelector('.error-text');
    if (error || /Syntax error in (text|graph)/.test(svg.textContent)) failed.push('SVG d\'erreur : ' + (error ? error.textContent : 'Syntax error').trim());
  }
  for (const pre of root.querySelectorAll('pre')) {
    if (pre.matches('.mermaid-js, .mermaid') || pre.closest(EXCLUDED) || !visible(pre)) continue;
    const lines = pre.textContent.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('%%'));
    if (lines.length && MERMAID_START.test(lines[0])) source.push(lines[0].slice(0, 40));
  }
  return {failed, source};
};
// Une cellule masquée en entier alors que son code devait se voir (sa div .cell-code n'a pas
// elle-même la classe hidden, que Quarto met quand echo vaut false) : le lecteur ne voit rien.
const hiddenCode = (root) => {
  const found = [];
  for (const cell of root.querySelectorAll('.cell')) {
    if (cell.closest(EXCLUDED) || visible(cell)) continue;
    if (cell.parentElement && !visible(cell.parentElement)) continue;  // tout le bloc est caché
    for (const code of cell.querySelectorAll('.cell-code')) {
      if (code.classList.contains('hidden')) continue;
      const first = code.textContent.split('\n').map((l) => l.trim()).find((l) => l) || '';
      found.push(first.slice(0, 60));
    }
  }
  return found;
};
"""

_JS_PAGE_CHECKS = (
    "() => {"
    + _JS_HELPERS
    + """
  return {math: rawMath(document.body), mermaid: mermaidProblems(document.body),
          hiddenCode: hiddenCode(document.body)};
}"""
)

_JS_SETTLED = (
    "() => {"
    + _JS_HELPERS
    + """
  const spans = pandocMath(document);
  const mathDone = !(window.MathJax || window.katex) || spans.every((s) => s.querySelector(MATH_RENDERED));
  const mermaidDone = !window.mermaid || !document.querySelector('pre.mermaid-js');
  return mathDone && mermaidDone;
}"""
)

_JS_MATHJAX = """async () => {
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) await MathJax.startup.promise;
  return true;
}"""

_JS_DECK_SETUP = """() => {
  // Pas d'animation : les fragments et les diapositives sont à leur place finale tout de suite.
  const style = document.createElement('style');
  style.textContent = '.reveal *, .reveal *::before, .reveal *::after { transition: none !important; animation: none !important; }';
  document.head.appendChild(style);
  // maxScale 1 : avec une vue assez grande, reveal.js affiche la diapositive à l'échelle 1 exacte.
  Reveal.configure({transition: 'none', backgroundTransition: 'none', maxScale: 1});
  const c = Reveal.getConfig();
  return {width: parseFloat(c.width), height: parseFloat(c.height), margin: parseFloat(c.margin || 0),
          count: Reveal.getSlides().length};
}"""

_JS_SHOW_SLIDE = """(n) => {
  const slide = Reveal.getSlides()[n];
  const {h, v} = Reveal.getIndices(slide);
  Reveal.slide(h, v);
  for (let i = 0; i < 500 && Reveal.nextFragment(); i++) {}  // tous les fragments, jusqu'au dernier
  Reveal.layout();
  const heading = slide.querySelector('h1, h2, h3');
  // Avancer avec « suivant » montre une vue par étape de fragments : autant de vues en plus.
  const steps = new Set([...slide.querySelectorAll('.fragment')].map((f) => f.dataset.fragmentIndex));
  return {title: heading ? heading.textContent.trim() : '', steps: steps.size};
}"""

_JS_SLIDE_CHECKS = (
    "() => {"
    + _JS_HELPERS
    + """
  const slide = Reveal.getCurrentSlide();
  const box = document.querySelector('.reveal .slides');
  const c = Reveal.getConfig();
  const width = parseFloat(c.width), height = parseFloat(c.height);
  const origin = box.getBoundingClientRect();
  const s = origin.width / width;  // échelle effective (transform ou zoom), 1 si la vue est à la taille
  const scrollable = slide.classList.contains('scrollable');
  let below = {px: 0, what: ''}, right = {px: 0, what: ''};
  const range = document.createRange();
  for (const el of slide.querySelectorAll('*')) {
    if (el.closest(EXCLUDED) || el.closest('svg') && el.tagName.toLowerCase() !== 'svg') continue;
    if (!visible(el)) continue;
    const r = el.getBoundingClientRect();
    if (r.width === 0 && r.height === 0) continue;
    const top = (r.top - origin.top) / s;
    // À droite : ce qui est dessiné, boîtes et texte, là où il est vraiment (un décalage
    // position: relative compris, comme les lignes numérotées de Pandoc, décalées de -4em :
    // leur scrollWidth compte la place d'avant le décalage et ferait croire à un débordement).
    // Le texte d'un bloc qui défile est mesuré même s'il est coupé : il est perdu en classe.
    let extentRight = (r.right - origin.left) / s;
    for (const node of el.childNodes) {
      if (node.nodeType !== Node.TEXT_NODE || !node.textContent.trim()) continue;
      range.selectNodeContents(node);
      const t = range.getBoundingClientRect();
      if (t.width) extentRight = Math.max(extentRight, (t.right - origin.left) / s);
    }
    // En bas : un bloc qui défile (code de plus de 500 px) cache la fin de son contenu.
    const extentBottom = Math.max((r.bottom - origin.top) / s, top + el.clientTop + el.scrollHeight);
    if (extentRight - width > right.px) right = {px: extentRight - width, what: describe(el)};
    if (!scrollable && extentBottom - height > below.px) below = {px: extentBottom - height, what: describe(el)};
  }
  return {below, right, math: rawMath(slide), mermaid: mermaidProblems(slide), hiddenCode: hiddenCode(slide)};
}"""
)


# --------------------------------------------------------------------------- contrôle


class _Watch:
    """Écoute une page : erreurs JS, fichiers manquants, requêtes externes (bloquées)."""

    def __init__(self, page, base_url: str):
        self.origin = _origin(base_url)
        self.js_errors: list[str] = []
        self.missing: list[str] = []
        self.external: list[str] = []
        page.route("**/*", self._route)
        page.on("pageerror", lambda error: self.js_errors.append(f"exception : {error}"))
        page.on("console", self._console)
        page.on("response", self._response)

    def _route(self, route):
        url = route.request.url
        if _origin(url) == self.origin:
            route.continue_()
        else:
            self.external.append(url)
            route.abort("blockedbyclient")  # jamais envoyée

    def _console(self, message):
        # Les échecs de chargement sont déjà signalés (404, requête bloquée) : pas de doublon.
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            self.js_errors.append(f"console.error : {message.text}")

    def _response(self, response):
        if response.status == 404 and _origin(response.url) == self.origin:
            self.missing.append(urlsplit(response.url).path)

    def problems(self, page_name: str) -> list[Problem]:
        found = [Problem(page_name, JS_ERROR, text) for text in dict.fromkeys(self.js_errors)]
        found += [Problem(page_name, MISSING_FILE, path) for path in dict.fromkeys(self.missing)]
        found += [Problem(page_name, EXTERNAL_REQUEST, url) for url in dict.fromkeys(self.external)]
        return found


def _origin(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.scheme, parts.netloc


def _content_problems(page_name, found, slide=None, title="") -> list[Problem]:
    """Maths et mermaid, à partir du résultat des fonctions JavaScript."""
    flat = lambda text: " ".join(text.split())  # noqa: E731 — une ligne par problème
    problems = [
        Problem(page_name, RAW_MATH, f"texte brut « {flat(text)} »", slide, title)
        for text in found["math"]
    ]
    problems += [
        Problem(page_name, MERMAID_FAILED, flat(text), slide, title)
        for text in found["mermaid"]["failed"]
    ]
    problems += [
        Problem(page_name, MERMAID_SOURCE, f"« {flat(text)} » visible", slide, title)
        for text in found["mermaid"]["source"]
    ]
    problems += [
        Problem(
            page_name,
            HIDDEN_CODE,
            f"« {flat(text)} » dans une cellule masquée "
            "(output: false) : montrez le code ou retirez l'annonce",
            slide,
            title,
        )
        for text in found.get("hiddenCode", [])
    ]
    return problems


def _settle(page, timeout_ms: int) -> None:
    """Attendre le réseau au repos, MathJax et mermaid, sans dépasser ``timeout_ms``."""
    try:
        page.wait_for_load_state("networkidle", timeout=timeout_ms)
        page.evaluate(_JS_MATHJAX)
        page.wait_for_function(_JS_SETTLED, timeout=timeout_ms)
    except Exception:  # noqa: BLE001 — délai dépassé : on mesure ce qui est affiché
        pass


def overflow_problems(
    page_name: str,
    number: int,
    title: str,
    below: float,
    right: float,
    what: tuple[str, str] = ("", ""),
) -> list[Problem]:
    """Le verdict sur une diapositive mesurée : un problème par bord dépassé de plus de
    ``TOLERANCE_PX`` (arrondis, bordures). Sert au contrôle et au test qui le compare aux
    mesures d'une revue (``tests/fixtures/review-*/``)."""
    problems = []
    for px, kind, detail in ((below, OVERFLOW_BOTTOM, what[0]), (right, OVERFLOW_RIGHT, what[1])):
        if px > TOLERANCE_PX:
            text = f"{round(px)} px" + (f" ({detail})" if detail else "")
            problems.append(Problem(page_name, kind, text, number, title, px))
    return problems


def check_deck(
    page, page_name: str, captures: Path | None, timeout_ms: int, measured: list[dict] | None = None
) -> tuple[int, list[Problem]]:
    """Chaque diapositive du deck ouvert : capture, dépassements, maths, mermaid. Les problèmes
    portent le numéro qu'affiche reveal.js ; les mesures s'ajoutent à ``measured`` (si elle est
    donnée) une fois par vue, comme dans ``shared/review/slides-measured.json``."""
    try:
        # Après le chargement, un Reveal absent ne viendra plus : inutile d'attendre.
        if not page.evaluate("() => !!(window.Reveal && Reveal.isReady)"):
            raise RuntimeError("window.Reveal absent")
        page.wait_for_function("() => Reveal.isReady()", timeout=timeout_ms)
    except Exception:  # noqa: BLE001
        if captures is not None:
            page.screenshot(path=str(captures / capture_name(page_name)))
        return 0, [
            Problem(
                page_name,
                DECK_NOT_READY,
                "div.reveal présent mais Reveal.isReady() reste faux (reveal.js ou "
                "un de ses greffons, MathJax par exemple, n'a pas pu se charger)",
            )
        ]
    size = page.evaluate(_JS_DECK_SETUP)
    # reveal.js retire `margin` (une fraction) de la vue puis met à l'échelle : une vue de
    # taille/(1 - margin) laisse la place d'une diapositive à l'échelle 1 (maxScale vaut 1).
    free = max(1 - size["margin"], 0.5)
    page.set_viewport_size(
        {"width": math.ceil(size["width"] / free), "height": math.ceil(size["height"] / free)}
    )
    problems = []
    view = 0
    for index in range(size["count"]):
        number = index + 1
        shown = page.evaluate(_JS_SHOW_SLIDE, index)
        page.evaluate(
            "() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))"
        )
        found = page.evaluate(_JS_SLIDE_CHECKS)
        title = shown["title"]
        below, right = found["below"]["px"], found["right"]["px"]
        problems += overflow_problems(
            page_name, number, title, below, right, (found["below"]["what"], found["right"]["what"])
        )
        # Une ligne par vue, numérotée comme dans les revues (on avance avec « suivant ») ;
        # « numero » est celui qu'affiche reveal.js (« 32 / 116 »). Un fragment caché garde sa
        # place : toutes les vues d'une diapositive ont les mesures de la dernière.
        for _ in range(1 + shown["steps"]):
            view += 1
            if measured is not None:
                measured.append(
                    {
                        "deck": page_name,
                        "slide": view,
                        "numero": number,
                        "title": title,
                        "px_below": round(below),
                        "px_right": round(right),
                    }
                )
        problems += _content_problems(page_name, found, number, title)
        if captures is not None:
            page.screenshot(path=str(captures / capture_name(page_name, number)))
    problems += [
        Problem(page_name, f["kind"], f["detail"], f["slide"], f["title"])
        for f in accessibility.image_findings(page, deck=True)
    ]
    return size["count"], problems


def check_page(
    context,
    base_url: str,
    page_name: str,
    captures: Path | None,
    timeout_ms: int,
    measured: list[dict] | None = None,
) -> tuple[int, list[Problem]]:
    """Ouvre une page ; un deck est parcouru diapositive par diapositive.
    Donne le nombre de diapositives (0 pour une page) et les problèmes."""
    page = context.new_page()
    page.set_viewport_size(PAGE_VIEWPORT)
    watch = _Watch(page, base_url)
    try:
        page.goto(base_url + page_name, wait_until="load", timeout=timeout_ms)
        _settle(page, timeout_ms)
        if page.evaluate("() => !!(document.querySelector('div.reveal') || window.Reveal)"):
            slides, problems = check_deck(page, page_name, captures, timeout_ms, measured)
        else:
            slides = 0
            problems = _content_problems(page_name, page.evaluate(_JS_PAGE_CHECKS))
            if captures is not None:
                page.screenshot(path=str(captures / capture_name(page_name)), full_page=True)
            # Après la capture : la marche au clavier déplace le focus et bouge les curseurs.
            found = accessibility.image_findings(page)
            problems += [Problem(page_name, f["kind"], f["detail"]) for f in found]
            found = accessibility.keyboard_findings(page)
            problems += [Problem(page_name, kind, detail) for kind, detail in found]
        return slides, watch.problems(page_name) + problems
    finally:
        page.close()


def check_site(
    site: Path,
    captures: Path | None = None,
    chromium: str | None = None,
    timeout_s: float = 15.0,
    pages: list[str] | None = None,
) -> Report:
    """Contrôle toutes les pages de ``site`` (ou seulement ``pages``) dans Chromium.

    ``chromium`` : chemin explicite, ``"playwright"``, ou None pour chercher (``find_chromium``).
    ``timeout_s`` : délai maximal d'attente par page (chargement, MathJax, mermaid, reveal.js).
    """
    from playwright.sync_api import sync_playwright

    site = Path(site)
    executable = find_chromium(chromium)
    if captures is not None:
        captures.mkdir(parents=True, exist_ok=True)
    report = Report()
    timeout_ms = int(timeout_s * 1000)
    with serve(site) as base_url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(service_workers="block")
            for page_name in pages if pages is not None else find_pages(site):
                slides, problems = check_page(
                    context, base_url, page_name, captures, timeout_ms, report.measured
                )
                report.pages += 1
                report.decks += slides > 0
                report.slides += slides
                report.problems += problems
        finally:
            browser.close()
    return report
