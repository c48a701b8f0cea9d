"""Les liens d'un site rendu qui mènent dans le vide.

Les tests de structure (``harness/site.py``) suivent les liens des sources ; ce module relit ce
que Quarto a vraiment écrit dans ``_site/`` : les liens qu'il a réécrits (``x.qmd`` et
``x.ipynb`` deviennent ``x.html``, sauf si ``x`` n'est pas rendu), ceux qu'il ajoute lui-même
(barre de navigation, « Autres formats » d'une page de notebook, qui mène au
``x.out.ipynb`` que Quarto écrit à côté) et les PDF des decks.

Un lien ``<a href>`` relatif doit mener à un fichier du site (un dossier vaut par son
``index.html``). Un lien qui part de la racine du serveur (``/seances/…``) est cassé dès que le
site est publié dans un sous-dossier, comme sur les GitHub Pages d'un dépôt
(``https://compte.github.io/depot/``) : Quarto réécrit en chemin relatif ceux qui visent une
page du projet (``resolveProjectInputLinks``), pas les autres ; il en reste un, c'est un
problème. Ne sont pas lus : les adresses complètes (``https:``, ``mailto:``…), les ancres
seules (``#…``, dont les ``#/…`` de reveal.js) et ``site_libs/``. Les PDF des decks s'écrivent
après le rendu (``scripts/decks_pdf.py``) : tant que le site n'en a aucun, leurs liens ne sont
pas vérifiés, et ``check_site.py`` le dit sans échouer ; dès qu'il en a un, chaque lien vers un
PDF doit mener à un fichier.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlsplit

_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:|^//")


class _Anchors(HTMLParser):
    """Les ``href`` des ``<a>`` d'une page, dans l'ordre."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.hrefs: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            href = dict(attrs).get("href")
            if href is not None:
                self.hrefs.append(href)


@dataclass
class LinkReport:
    """``broken`` : une phrase par lien cassé ; ``unchecked_pdf`` : les liens vers des PDF de
    decks non vérifiés (le site n'a encore aucun PDF)."""

    broken: list[str] = field(default_factory=list)
    unchecked_pdf: int = 0

    def note(self) -> str | None:
        """La phrase à imprimer quand des liens vers des PDF n'ont pas pu être vérifiés."""
        if not self.unchecked_pdf:
            return None
        return (
            f"{self.unchecked_pdf} lien(s) vers les PDF des decks non vérifiés : le site n'a "
            "encore aucun PDF (uv run python scripts/decks_pdf.py _site, puis relancer)."
        )


def _target(site: Path, page: Path, href: str) -> PurePosixPath | None:
    """Le chemin, relatif au site, que vise ``href`` depuis ``page`` ; None s'il n'est pas à
    vérifier (adresse complète, ancre seule, lien vide)."""
    href = href.strip()
    if not href or href.startswith("#") or _SCHEME.match(href):
        return None
    path = unquote(urlsplit(href).path)
    if not path:
        return None  # « ?x=1 » seul : la page elle-même
    base = (
        PurePosixPath("/")
        if path.startswith("/")
        else PurePosixPath("/", *page.parent.relative_to(site).parts)
    )
    parts: list[str] = []
    for part in (base / path.lstrip("/")).parts[1:]:
        if part == "..":
            if not parts:
                return PurePosixPath("..")  # sort du site
            parts.pop()
        elif part != ".":
            parts.append(part)
    return PurePosixPath(*parts) if parts else PurePosixPath(".")


def _exists(site: Path, target: PurePosixPath) -> bool:
    path = site.joinpath(*target.parts)
    return path.is_file() or (path.is_dir() and (path / "index.html").is_file())


def broken_links(site: Path) -> LinkReport:
    """Relit chaque page HTML de ``site`` (hors ``site_libs/``) et rend ses liens cassés."""
    site = Path(site)
    report = LinkReport()
    has_pdf = any(site.rglob("*.pdf"))
    for page in sorted(site.rglob("*.html")):
        name = page.relative_to(site).as_posix()
        if name.startswith("site_libs/"):
            continue
        parser = _Anchors()
        parser.feed(page.read_text(encoding="utf-8", errors="replace"))
        seen: set[str] = set()
        for href in parser.hrefs:
            target = _target(site, page, href)
            if target is None or href in seen:
                continue
            seen.add(href)
            if target.parts[:1] == ("..",):
                report.broken.append(f"{name} : « {href} » sort du dossier du site")
            elif href.strip().startswith("/"):
                report.broken.append(
                    f"{name} : « {href} » part de la racine du serveur : cassé quand le site "
                    "est publié dans un sous-dossier (GitHub Pages d'un dépôt)"
                )
            elif _exists(site, target):
                continue
            elif target.suffix == ".pdf" and not has_pdf:
                report.unchecked_pdf += 1
            else:
                report.broken.append(f"{name} : « {href} » ne mène à aucun fichier ({target})")
    return report
