"""Les titres d'une page dans l'ordre : un lecteur d'écran navigue de titre en titre, et un saut
de niveau (``##`` puis ``####``) lui fait croire qu'une section manque (WCAG 2.1, 1.3.1).

On lit les titres ATX (``#`` à ``######`` suivis d'une espace) du texte Markdown, hors blocs
de code, en-tête YAML et commentaires HTML : dans un .qmd (includes développés, chaque titre
garde son fichier et sa ligne) et dans les cellules Markdown d'un notebook. Le titre d'une page
(``title:`` de l'en-tête) est un ``<h1>`` : après lui, le premier titre du texte peut être
``#`` ou ``##``, pas ``###``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import nbformat

from .qmd import blocks, expand, fence_closer, front_matter

HEADING_RE = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+(.*?))?[ \t]*$")


@dataclass(frozen=True)
class Heading:
    level: int
    text: str
    where: str  # « interactif/x.qmd, ligne 12 », « notebooks/x.ipynb, cellule 3 (id …) »


def _markdown_headings(lines: list[str]) -> list[tuple[int, int, str]]:
    """(indice de la ligne, niveau, texte) des titres ATX de ``lines``, hors blocs de code
    et commentaires HTML."""
    found, closer, in_comment = [], None, False
    for i, text in enumerate(lines):
        if closer is not None:
            if closer.match(text):
                closer = None
            continue
        if in_comment:
            in_comment = "-->" not in text
            continue
        if (closer := fence_closer(text)) is not None:
            continue
        if "<!--" in text and "-->" not in text.split("<!--", 1)[1]:
            in_comment = True
            continue
        if m := HEADING_RE.match(text):
            found.append((i, len(m.group(1)), (m.group(2) or "").strip()))
    return found


def qmd_headings(path: Path, root: Path) -> tuple[bool, list[Heading]]:
    """(la page a-t-elle un ``title:`` ?, ses titres dans l'ordre, includes compris)."""
    lines = expand(path, root)
    titled = bool(front_matter(lines, root).get("title"))
    text_lines = [line for block in blocks(lines) if block.kind == "text" for line in block.lines]
    headings = [
        Heading(level, text, text_lines[i].where(root))
        for i, level, text in _markdown_headings([line.text for line in text_lines])
    ]
    return titled, headings


def notebook_headings(path: Path, root: Path) -> tuple[bool, list[Heading]]:
    """(le notebook a-t-il un titre dans ses métadonnées ?, titres de ses cellules Markdown)."""
    nb = nbformat.read(path, as_version=4)
    name = Path(path).resolve().relative_to(Path(root).resolve()).as_posix()
    headings = []
    for number, cell in enumerate(nb.cells, start=1):
        if cell.cell_type != "markdown":
            continue
        label = f"{name}, cellule {number}" + (f" (id {cell['id']})" if cell.get("id") else "")
        headings += [
            Heading(level, text, label)
            for _, level, text in _markdown_headings(cell.source.splitlines())
        ]
    return bool(nb.metadata.get("title")), headings


def skipped_levels(headings: list[Heading], titled: bool) -> list[str]:
    """Les titres qui sautent un niveau par rapport au précédent (le ``title:`` de la page
    compte comme un premier titre de niveau 1) : « <où> : « ### Texte » après un titre de
    niveau 1 »."""
    problems, previous = [], 1 if titled else 0
    for heading in headings:
        if heading.level > previous + 1:
            before = f"un titre de niveau {previous}" if previous else "aucun titre"
            problems.append(
                f"{heading.where} : « {'#' * heading.level} {heading.text} » après {before}"
            )
        previous = heading.level
    return problems
