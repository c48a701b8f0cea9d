"""Les bibliothèques de assets/vendor/ marchent dans un vrai navigateur, sans réseau.

Quarto n'est pas installable ici : on construit à la main deux pages qui chargent les fichiers
locaux exactement comme le fera le site rendu, aux mêmes profondeurs :

* ``interactif/essai.html`` : MathJax 3 par l'URL de ``_quarto.yml`` ; Plot, Inputs et d3 par
  le ``require.alias`` du partiel ``interactif/_bibliotheques.qmd`` (lu dans le partiel), avec
  d3-require, le chargeur que le runtime OJS de Quarto embarque, et Inputs enveloppé par le
  module que le partiel importe (``accessible-inputs.js``, à côté de la page) ;
* ``slides/essai.html`` : MathJax 2 par l'URL de ``slides/_revealjs.yml``, chargé comme le fait
  le plugin math de reveal.js (``?config=…``, puis ``MathJax.Hub.Config`` et ``Typeset``).

Le site est servi par un petit serveur sur 127.0.0.1 ; Chromium refuse toute autre adresse et
note chaque requête refusée et chaque fichier local absent (un 404 = un fichier de MathJax oublié
dans la sélection du manifeste).
"""

from __future__ import annotations

import functools
import http.server
import json
import re
import shutil
import threading
from pathlib import Path
from urllib.parse import urlparse

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")

pytestmark = pytest.mark.slow

FORMULAS = r"""
<p id="inline">Droite : \(\hat{y} = a \cdot x + b\), pente \(a = 2{,}4\).</p>
<p id="display">\[\text{MSE}(a, b) = \frac{1}{n} \sum_{i=1}^{n} \bigl(y_i - (a \cdot x_i + b)\bigr)^2\]</p>
"""


def browser_or_skip():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("playwright n'est pas installé (groupe dev : uv sync)")
    if not CHROMIUM.exists():
        pytest.skip(f"pas de Chromium en {CHROMIUM} : test sauté")
    return sync_playwright


def ojs_loader() -> tuple[dict, dict, str]:
    """Les alias, les trois ``requireLocal("…")`` et le module d'Inputs nommées du partiel
    commun des pages interactives."""
    text = (ROOT / "interactif" / "_bibliotheques.qmd").read_text(encoding="utf-8")
    (alias_block,) = re.findall(r"require\.alias\((\{.*?\})\)", text, re.S)
    aliases = json.loads(alias_block)
    calls = dict(re.findall(r'^(\w+) = requireLocal\("([^"]+)"\)', text, re.M))
    assert set(calls) == {"d3", "Plot", "rawInputs"}, calls
    (module,) = re.findall(r'^accessibleModule = import\(new URL\("([^"]+)"', text, re.M)
    return aliases, calls, module


def interactive_page() -> str:
    url = yaml.safe_load((ROOT / "_quarto.yml").read_text(encoding="utf-8"))["html-math-method"][
        "url"
    ]
    aliases, calls, module = ojs_loader()
    return f"""<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8">
<script>
window.MathJax = {{startup: {{pageReady: () => MathJax.startup.defaultPageReady()
  .then(() => {{ window.mathDone = true; }})}}}};
</script>
<script defer src="{url}"></script>
<script src="../fixtures/d3-require/dist/d3-require.min.js"></script>
</head><body>{FORMULAS}<div id="ojs"></div>
<script>
const requireLocal = d3.require.alias({json.dumps(aliases)});
Promise.all([requireLocal({json.dumps(calls["d3"])}), requireLocal({json.dumps(calls["Plot"])}),
             requireLocal({json.dumps(calls["rawInputs"])}),
             import(new URL({json.dumps(module)}, document.baseURI).href)])
  .then(([d3lib, Plot, rawInputs, accessibleModule]) => {{
    const Inputs = accessibleModule.accessibleInputs(rawInputs);
    const out = document.getElementById("ojs");
    out.append(Plot.plot({{ariaLabel: "Deux points",
                          marks: [Plot.dot([{{x: 1, y: 2}}, {{x: 3, y: 4}}], {{x: "x", y: "y"}})]}}));
    const slider = Inputs.range([0, 5], {{value: 1.5, step: 0.05, label: "Pente a"}});
    out.append(slider);
    window.ojsDone = {{d3: d3lib.version, dots: out.querySelectorAll("svg circle").length,
                      slider: slider.value, plotLabel: out.querySelector("svg").getAttribute("aria-label"),
                      sliderLabel: slider.querySelector("input[type=range]").getAttribute("aria-label")}};
  }})
  .catch(error => {{ window.ojsDone = {{error: String(error)}}; }});
</script></body></html>"""


def deck_page() -> str:
    config = yaml.safe_load((ROOT / "slides" / "_revealjs.yml").read_text(encoding="utf-8"))
    url = config["format"]["revealjs"]["html-math-method"]["url"]
    base = url.split("?")[0]  # Pandoc donne au plugin l'URL sans « ?… » ($mathjaxurl$)
    return f"""<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8"></head>
<body><div class="reveal">{FORMULAS}</div>
<script>
const script = document.createElement("script");
script.src = "{base}" + "?config=TeX-AMS_HTML-full";
script.onload = () => {{
  MathJax.Hub.Config({{messageStyle: "none", skipStartupTypeset: true,
    tex2jax: {{inlineMath: [["\\\\(", "\\\\)"]], displayMath: [["\\\\[", "\\\\]"]]}}}});
  MathJax.Hub.Queue(["Typeset", MathJax.Hub, document.querySelector(".reveal")]);
  MathJax.Hub.Queue(() => {{ window.mathDone = true; }});
}};
document.head.appendChild(script);
</script></body></html>"""


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """Un faux _site/ : assets/ du dépôt, les deux pages d'essai, servi sur 127.0.0.1."""
    root = tmp_path_factory.mktemp("site")
    shutil.copytree(ROOT / "assets", root / "assets")
    shutil.copytree(ROOT / "tests" / "fixtures" / "vendor", root / "fixtures")
    (root / "interactif").mkdir()
    shutil.copy(ROOT / "interactif" / ojs_loader()[2], root / "interactif")
    (root / "interactif" / "essai.html").write_text(interactive_page(), encoding="utf-8")
    (root / "slides").mkdir()
    (root / "slides" / "essai.html").write_text(deck_page(), encoding="utf-8")

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(Quiet, directory=str(root))
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@pytest.fixture(scope="module")
def browser():
    sync_playwright = browser_or_skip()
    with sync_playwright() as p:
        chromium = p.chromium.launch(
            executable_path=str(CHROMIUM),
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield chromium
        chromium.close()


def open_offline(browser, url: str, done: str):
    """Ouvre ``url`` ; refuse tout hors de 127.0.0.1 ; attend ``window[done]``."""
    page = browser.new_page()
    refused, missing = [], []

    def route(r):
        if urlparse(r.request.url).hostname == "127.0.0.1":
            r.continue_()
        else:
            refused.append(r.request.url)
            r.abort()

    page.route("**/*", route)
    page.on("response", lambda resp: missing.append(resp.url) if resp.status >= 400 else None)
    page.goto(url)
    page.wait_for_function(f"window.{done}", timeout=30_000)
    page.wait_for_load_state("networkidle")
    return page, refused, missing


def test_mathjax3_plot_and_inputs_work_in_an_interactive_page(browser, site):
    page, refused, missing = open_offline(browser, f"{site}/interactif/essai.html", "mathDone")
    page.wait_for_function("window.ojsDone", timeout=30_000)
    ojs = page.evaluate("window.ojsDone")
    assert "error" not in ojs, ojs["error"] if "error" in ojs else ""
    assert ojs == {
        "d3": "7.9.0",
        "dots": 2,
        "slider": 1.5,
        "plotLabel": "Deux points",  # ariaLabel de Plot.plot : le nom du svg
        "sliderLabel": "Pente a",  # le curseur nommé par accessible-inputs.js
    }
    assert page.locator("mjx-container").count() == 3
    assert "\\(" not in page.inner_text("#inline")
    # Polices MathJax réellement chargées depuis le site (pas de repli sur une police système).
    assert page.evaluate(
        "[...document.fonts].some(f => f.family.startsWith('MJXTEX') && f.status === 'loaded')"
    )
    assert refused == [] and missing == []
    page.close()


def test_mathjax2_renders_in_a_deck_as_the_reveal_math_plugin_loads_it(browser, site):
    page, refused, missing = open_offline(browser, f"{site}/slides/essai.html", "mathDone")
    assert page.locator(".MathJax").count() == 3
    assert page.locator(".MathJax_Error, .MathJax_Preview:visible").count() == 0
    assert "\\(" not in page.inner_text("#inline")
    assert refused == [] and missing == []
    page.close()
