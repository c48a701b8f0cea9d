"""Un PDF par deck d'un site rendu, par le mode d'impression de reveal.js dans Chromium.

    uv run python scripts/decks_pdf.py _site [--chromium CHEMIN]

Pour chaque deck (une page ``.html`` qui contient une présentation reveal.js), ouvre
``deck.html?print-pdf`` sur un serveur local (le site a besoin d'un serveur pour ses modules),
attend les formules et les diagrammes, puis enregistre ``deck.pdf`` à côté du ``.html`` : une
page par étape de la présentation, fragments compris, au format de la diapositive. La liste des
decks (``slides/index.qmd``) renvoie à ces fichiers. Aucune requête ne sort de la machine ; le
Chromium est celui du contrôle du site (``tests/harness/browser.py``).

Code de sortie : 0 si chaque deck a son PDF, 1 sinon, 2 sans site ou sans Chromium.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from harness.browser import (  # noqa: E402
    CHROMIUM_ARGS,
    ChromiumNotFound,
    _settle,
    _Watch,
    find_chromium,
    find_pages,
    serve,
)

#: reveal.js prêt, et mis en pages pour l'impression (une .pdf-page par étape).
_JS_PRINT_READY = """() => window.Reveal && Reveal.isReady()
  && document.querySelectorAll('.pdf-page').length > 0"""


def find_decks(site: Path) -> list[str]:
    """Les pages du site qui sont des présentations reveal.js (chemins relatifs triés)."""
    return [
        page
        for page in find_pages(site)
        if 'class="reveal' in (site / page).read_text(encoding="utf-8", errors="replace")
    ]


def print_decks(
    site: Path, chromium: str | None = None, timeout_s: float = 60.0, decks: list[str] | None = None
) -> tuple[dict[str, Path], dict[str, str]]:
    """Imprime chaque deck de ``site`` en PDF à côté de son ``.html``.

    Donne ({deck: chemin du PDF}, {deck: raison de l'échec}) : un deck qui ne se met pas en
    pages (reveal.js absent, délai dépassé) n'arrête pas les autres.
    """
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import sync_playwright

    from llmlab.display import progress_bar

    executable = find_chromium(chromium)
    decks = find_decks(site) if decks is None else decks
    timeout_ms = int(timeout_s * 1000)
    written, failed = {}, {}
    with serve(site) as base_url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            # Le même garde que le contrôle du site : rien ne sort de 127.0.0.1.
            _Watch(page, base_url)
            for deck in progress_bar(decks, desc="PDF des decks", unit="decks"):
                try:
                    page.goto(f"{base_url}{deck}?print-pdf", wait_until="load", timeout=timeout_ms)
                    page.wait_for_function(_JS_PRINT_READY, timeout=timeout_ms)
                except PlaywrightError:
                    failed[deck] = (
                        f"reveal.js ne l'a pas mis en pages en {timeout_s:g} s "
                        "(script absent ou erreur JavaScript : voir check_site.py)"
                    )
                    continue
                _settle(page, timeout_ms)
                target = (site / deck).with_suffix(".pdf")
                # Le format de page vient de reveal.js (règle @page du mode d'impression).
                page.pdf(path=str(target), print_background=True, prefer_css_page_size=True)
                written[deck] = target
        finally:
            browser.close()
    return written, failed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="decks_pdf.py",
        description="Écrit le PDF de chaque deck d'un site rendu (mode d'impression de "
        "reveal.js, Chromium sans tête).",
    )
    parser.add_argument("site", type=Path, help="le dossier rendu (par exemple _site)")
    parser.add_argument(
        "--chromium",
        default=None,
        help="chemin de Chromium, ou « playwright » (comme tests/check_site.py)",
    )
    parser.add_argument(
        "--delai",
        type=float,
        default=60.0,
        help="délai maximal par deck, en secondes (défaut : 60)",
    )
    args = parser.parse_args(argv)
    if not args.site.is_dir() or not find_decks(args.site):
        print(f"Pas de deck rendu dans « {args.site} » : lancez d'abord « quarto render ».")
        return 2
    try:
        written, failed = print_decks(args.site, chromium=args.chromium, timeout_s=args.delai)
    except ChromiumNotFound as error:
        print(error)
        return 2
    for pdf in written.values():
        print(f"✓ {pdf} ({pdf.stat().st_size / 1e6:.1f} Mo)")
    for deck, reason in failed.items():
        print(f"✗ {deck} : pas de PDF, {reason}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
