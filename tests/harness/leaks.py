"""Ce qui ne doit pas se trouver dans le site des élèves : corrigés et notes de l'enseignant.

Le site des élèves (profil par défaut ``etudiant``) ne rend que les notebooks vierges et retire
les notes des diapositives (``filters/sans-notes.lua``) ; celui de l'enseignant
(``--profile enseignant``) a les deux. ``solution_leaks`` relit un site rendu : un fichier de
corrigé, la ligne que ``llmlab.exercises.solved_notebook`` met en tête de chaque cellule
corrigée, ou un bloc de notes reveal.js (``<aside class="notes">``) est une fuite.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

from llmlab.exercises.notebooks import SOLUTION_MARKER

#: La ligne de corrigé sans le « # » (la coloration du code le met parfois à part).
_MARKER_TEXT = SOLUTION_MARKER.lstrip("# ")
_NOTES = re.compile(r"<aside\b[^>]*\bclass=[\"'][^\"']*\bnotes\b", re.IGNORECASE)
_TAG = re.compile(r"<[^>]+>")


def solution_leaks(site: Path) -> list[str]:
    """Les fuites d'un site rendu, une phrase en français par fuite (liste vide : rien)."""
    site = Path(site)
    leaks = []
    for path in sorted(p for p in site.rglob("*") if p.is_file()):
        name = path.relative_to(site).as_posix()
        if name.startswith("site_libs/"):
            continue
        if re.search(r"(^|/)(corriges|solutions)/|-corrige\.", name):
            leaks.append(f"{name} : fichier de corrigé dans le site des élèves")
            continue
        if path.suffix not in (".html", ".ipynb", ".json", ".txt"):
            continue
        raw = path.read_text(encoding="utf-8", errors="replace")
        if _MARKER_TEXT in html.unescape(_TAG.sub("", raw)):
            leaks.append(f"{name} : contient une cellule corrigée (« {SOLUTION_MARKER} »)")
        if path.suffix == ".html" and _NOTES.search(raw):
            leaks.append(f'{name} : contient les notes de l\'enseignant (<aside class="notes">)')
    return leaks
