"""Après le rendu : retirer des pages la seule requête vers l'extérieur que Quarto y met seul.

Quarto lance ce script après chaque rendu du projet (``post-render`` de ``_quarto.yml``).
Le gabarit HTML de Quarto (``src/resources/formats/html/pandoc/template.html`` dans
quarto-cli) ajoute, sur toute page dont les formules passent par MathJax, le « polyfill » de
cdnjs.cloudflare.com. Notre MathJax 3 (``assets/vendor/mathjax3``) n'en a pas besoin : les
navigateurs actuels ont tout ce qu'il remplace. Hors ligne, la requête échoue sans rien
casser, mais c'est une requête vers une autre machine sur chaque page : on retire la balise.

Les fichiers traités sont ceux que Quarto vient d'écrire (variables
``QUARTO_PROJECT_OUTPUT_FILES`` ou ``QUARTO_USE_FILE_FOR_PROJECT_OUTPUT_FILES``) ; lancé à la
main, le script prend les ``.html`` du dossier donné (par défaut ``_site``) :

    uv run python scripts/post_render.py [_site]
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

POLYFILL = re.compile(
    r'[ \t]*<script\b[^>]*\bsrc="https://cdnjs\.cloudflare\.com/polyfill/[^"]*"[^>]*>\s*</script>[ \t]*\n?'
)


def strip_polyfill(html: str) -> str:
    """Le HTML sans la balise ``<script>`` du polyfill de cdnjs (les autres restent)."""
    return POLYFILL.sub("", html)


def output_files(argv: list[str]) -> list[Path]:
    """Les pages à traiter : celles que Quarto annonce, sinon tous les ``.html`` du dossier."""
    listed = os.environ.get("QUARTO_PROJECT_OUTPUT_FILES", "")
    listing = os.environ.get("QUARTO_USE_FILE_FOR_PROJECT_OUTPUT_FILES")
    if listing and Path(listing).is_file():
        listed = Path(listing).read_text(encoding="utf-8")
    if listed.strip() and not argv:
        return [Path(line) for line in listed.splitlines() if line.strip().endswith(".html")]
    folder = Path(argv[0] if argv else os.environ.get("QUARTO_PROJECT_OUTPUT_DIR", "_site"))
    return sorted(folder.rglob("*.html"))


def main(argv: list[str] | None = None) -> int:
    changed = 0
    for path in output_files(sys.argv[1:] if argv is None else argv):
        if not path.is_file():
            continue
        text = path.read_text(encoding="utf-8")
        cleaned = strip_polyfill(text)
        if cleaned != text:
            path.write_text(cleaned, encoding="utf-8")
            changed += 1
    print(f"post-rendu : polyfill de cdnjs retiré de {changed} page{'s' if changed > 1 else ''}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
