"""La structure du site Quarto : quelles pages existent, lesquelles sont atteignables, quels
liens et quelles images pointent dans le vide.

Règle d'atteignabilité (volontairement simple) : une page est atteignable si

* elle est ``index.qmd`` à la racine (la page d'accueil) ;
* ou ``_quarto.yml`` la cite dans ``website.navbar`` ou ``website.sidebar`` (``href``,
  ``file``, chemin nu, glob comme ``slides/*.qmd``, dossier, ou ``contents: auto``) ;
* ou une page atteignable la lie par un lien relatif (markdown, ``<a href>``, définition de
  référence ``[x]: chemin``), y compris vers le ``.html`` rendu d'un ``.qmd`` ;
* ou une page atteignable est une page de listing Quarto dont ``listing: contents:`` la couvre
  (glob relatif à la page, dossier, ``!motif`` pour exclure ; sans ``contents``, tout le
  dossier de la page).

Un lien ou une image se résout si le fichier existe (relatif au dossier de la page, ou à la
racine s'il commence par ``/``) ; un lien ``x.html`` vaut s'il existe ``x.qmd``, ``x.ipynb`` ou
``x.md``. On ignore les URL (``http:``, ``mailto:``…), les ancres ``#…`` seules, les liens qui
contiennent un shortcode, et tout ce qui est dans un bloc de code, un code en ligne ou un
commentaire HTML. Comme chez Quarto, un lien d'un fichier inclus se résout depuis le dossier
du document qui l'inclut.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

import nbformat
import yaml

from .qmd import Line, QmdError, blocks, expand, front_matter, load_yaml, metadata_files, rel

PAGE_SUFFIXES = (".qmd", ".ipynb", ".md")
SKIP_DIR_NAMES = {"node_modules", "site_libs", "venv", "env"}
URL_RE = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:|^//")
GLOB_CHARS = set("*?[")

MD_LINK_RE = re.compile(r"\]\(\s*<?([^()\s<>]+)>?")  # [texte](cible) et ![alt](cible)
REF_DEF_RE = re.compile(r"^\s{0,3}\[(?!\^)[^\]]+\]:\s*<?([^\s>]+)>?")
HTML_RE = re.compile(
    r"<(?:img|a|source|video|audio|iframe|embed)\b[^>]*?\s(?:src|href)\s*=\s*[\"']([^\"']+)[\"']",
    re.IGNORECASE,
)
BACKGROUND_RE = re.compile(
    r"\b(?:data-)?background-(?:image|video|iframe)\s*=\s*[\"']?([^\"'\s}]+)"
)
INLINE_CODE_RE = re.compile(r"(`+)(?:(?!\1).)+?\1")
FILE_KEYS = {
    "logo",
    "favicon",
    "css",
    "theme",
    "image",
    "include-in-header",
    "include-before-body",
    "include-after-body",
    "bibliography",
    "csl",
    "highlight-style",
    "template",
    "template-partials",
    "filters",
    "background-image",
    "data-background-image",
    "background-video",
    "data-background-video",
    "reference-doc",
    "metadata-file",
    "metadata-files",
}
FILE_SUBKEYS = {"file", "light", "dark", "path", "src"}
FILE_VALUE_RE = re.compile(r"^[^\s<>{}]+\.[A-Za-z0-9]{1,5}$")


# --- inventaire -----------------------------------------------------------------------------


def _walk(base: Path, suffix: str) -> list[Path]:
    """Les fichiers ``*suffix`` sous ``base``, sans descendre dans les dossiers que Quarto
    ignore (``.`` ou ``_`` en tête : ``_site``, ``.quarto``, ``_freeze``, ``.venv``…) ni les
    fichiers ``_*`` (partiels)."""
    found = []
    for folder, dirs, files in os.walk(base):
        dirs[:] = sorted(
            d for d in dirs if not d.startswith((".", "_")) and d not in SKIP_DIR_NAMES
        )
        found += [
            Path(folder) / f
            for f in sorted(files)
            if f.endswith(suffix) and not f.startswith((".", "_"))
        ]
    return found


def render_targets(root: Path, profile: str | None = None) -> set[Path] | None:
    """Les fichiers que cite ``project: render:`` de ``_quarto.yml`` (globs, dossiers,
    ``!motif`` pour exclure), ou ``None`` sans liste : Quarto rend alors tout le projet.

    Avec ``profile``, la liste de ``_quarto-<profile>.yml`` s'y ajoute, comme chez Quarto (les
    listes d'un profil s'ajoutent à celles de ``_quarto.yml``, une exclusion vaut pour tout)."""
    root = Path(root)
    config = load_yaml(root / "_quarto.yml")
    patterns = (config.get("project") or {}).get("render")
    if not isinstance(patterns, list):
        return None
    if profile is not None:
        extra = load_yaml(root / f"_quarto-{profile}.yml") or {}
        patterns = [*patterns, *((extra.get("project") or {}).get("render") or [])]
    include: set[Path] = set()
    exclude: set[Path] = set()
    for pattern in patterns:
        if not isinstance(pattern, str):
            continue
        negate = pattern.startswith("!")
        pattern = pattern.lstrip("!").strip().lstrip("/").rstrip("/")
        matches = set(root.glob(pattern)) if GLOB_CHARS & set(pattern) else {root / pattern}
        files = set()
        for match in matches:
            files |= set(match.rglob("*")) if match.is_dir() else {match}
        (exclude if negate else include).update(p.resolve() for p in files)
    return include - exclude


def site_documents(root: Path) -> list[Path]:
    """Les .qmd que Quarto rend seuls : pas les partiels ``_*.qmd`` (inclus ailleurs), rien
    sous ``_site/``, ``.quarto/``, ``_freeze/``, ``.venv/``… et, si ``_quarto.yml`` a une
    liste ``project: render:``, seulement ceux qu'elle cite."""
    documents = _walk(Path(root), ".qmd")
    targets = render_targets(root)
    return documents if targets is None else [d for d in documents if d.resolve() in targets]


def notebooks(root: Path) -> list[Path]:
    """Les notebooks de TP : ``notebooks/**/*.ipynb`` sauf ``.ipynb_checkpoints`` et
    ``notebooks/corriges/`` (corrigés générés, jamais committés)."""
    base = Path(root) / "notebooks"
    if not base.is_dir():
        return []
    return [p for p in _walk(base, ".ipynb") if p.relative_to(base).parts[0] != "corriges"]


def decks(root: Path) -> list[Path]:
    return [p for p in site_documents(root) if p.relative_to(root).parts[0] == "slides"]


def all_pages(root: Path) -> set[Path]:
    root = Path(root)
    return {p.resolve() for p in [*site_documents(root), *notebooks(root), *_walk(root, ".md")]}


def load_config(root: Path) -> dict:
    path = Path(root) / "_quarto.yml"
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if not isinstance(data, dict):
        raise ValueError(f"{path} : un dictionnaire YAML est attendu")
    return data


def config_problems(config: dict) -> list[str]:
    """Ce qui manque à ``_quarto.yml`` pour être le site du cours : un projet ``website`` en
    français (``lang: fr`` au premier niveau, ou dans chaque format)."""
    problems = []
    project = config.get("project") if isinstance(config.get("project"), dict) else {}
    if project.get("type") != "website":
        problems.append(f"project: type: website est attendu (lu : {project.get('type')!r})")
    formats = config.get("format") if isinstance(config.get("format"), dict) else {}
    in_formats = bool(formats) and all(
        isinstance(f, dict) and f.get("lang") == "fr" for f in formats.values()
    )
    if config.get("lang") != "fr" and not in_formats:
        problems.append(f"lang: fr est attendu (lu : {config.get('lang')!r})")
    if not isinstance(config.get("website"), dict):
        problems.append("une section website: (navbar, sidebar…) est attendue")
    return problems


# --- liens ----------------------------------------------------------------------------------


@dataclass
class Link:
    target: str  # tel qu'écrit
    where: str  # « slides/x.qmd, ligne 12 »
    base: Path  # dossier depuis lequel un chemin relatif se résout


def is_local(target: str) -> bool:
    return (
        bool(target)
        and not URL_RE.match(target)
        and not target.startswith("#")
        and "{{" not in target
    )


def _clean(target: str) -> str:
    return unquote(re.split(r"[#?]", target, maxsplit=1)[0])


def resolve(target: str, base: Path, root: Path) -> Path:
    target = _clean(target)
    if target.startswith("/"):
        return Path(root) / target.lstrip("/")
    return Path(base) / target


def exists(path: Path) -> bool:
    """Le fichier existe, ou c'est le ``.html`` rendu d'une source qui existe, ou le PDF d'un
    deck (``slides/x.pdf`` pour ``slides/x.qmd``, écrit après le rendu par
    ``scripts/decks_pdf.py``)."""
    if path.exists():
        return True
    if path.suffix == ".pdf":
        return path.parent.name == "slides" and path.with_suffix(".qmd").exists()
    return path.suffix == ".html" and any(path.with_suffix(s).exists() for s in PAGE_SUFFIXES)


def _text_targets(text: str) -> list[str]:
    found = MD_LINK_RE.findall(text) + HTML_RE.findall(text) + BACKGROUND_RE.findall(text)
    if m := REF_DEF_RE.match(text):
        found.append(m.group(1))
    return found


def markdown_links(lines: list[Line], base: Path, root: Path) -> list[Link]:
    """Liens et images du texte markdown (pas des blocs de code, du YAML, des commentaires)."""
    links, in_comment = [], False
    for block in blocks(lines):
        if block.kind != "text":
            continue
        line = block.lines[0]
        text, visible = line.text, []
        while text:  # enlever les commentaires HTML, même sur plusieurs lignes
            if in_comment:
                end = text.find("-->")
                if end < 0:
                    text = ""
                else:
                    text, in_comment = text[end + 3 :], False
            else:
                start = text.find("<!--")
                if start < 0:
                    visible.append(text)
                    text = ""
                else:
                    visible.append(text[:start])
                    text, in_comment = text[start + 4 :], True
        text = INLINE_CODE_RE.sub(" ", "".join(visible))
        links += [Link(t, line.where(root), base) for t in _text_targets(text) if is_local(t)]
    return links


def file_values(node) -> list[str]:
    """Les valeurs qui ressemblent à des fichiers sous une clé comme ``logo`` ou ``css``."""
    if isinstance(node, str):
        return [node] if FILE_VALUE_RE.match(node.strip()) and is_local(node.strip()) else []
    if isinstance(node, list):
        return [v for item in node for v in file_values(item)]
    if isinstance(node, dict):
        return [v for key, item in node.items() if key in FILE_SUBKEYS for v in file_values(item)]
    return []


def yaml_file_refs(node, where: str, base: Path) -> list[Link]:
    """Logo, favicon, thème, css… partout dans un arbre YAML (config ou en-tête)."""
    links = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key in FILE_KEYS:
                links += [Link(v.strip(), f"{where} ({key})", base) for v in file_values(value)]
            else:
                links += yaml_file_refs(value, where, base)
    elif isinstance(node, list):
        for item in node:
            links += yaml_file_refs(item, where, base)
    return links


def notebook_links(path: Path, root: Path) -> list[Link]:
    nb = nbformat.read(path, as_version=4)
    links = []
    for index, cell in enumerate(nb.cells, start=1):
        if cell.cell_type != "markdown":
            continue
        where = f"{rel(path, root)}, cellule n° {index}"
        lines = [Line(text, path, j) for j, text in enumerate(cell.source.splitlines(), start=1)]
        for link in markdown_links(lines, path.parent, root):
            link.where = f"{where}, ligne {link.where.rsplit('ligne ', 1)[-1]}"
            if not link.target.startswith("attachment:"):
                links.append(link)
    return links


def page_links(path: Path, root: Path) -> list[Link]:
    """Tous les liens d'une page (texte développé + fichiers de l'en-tête)."""
    path = Path(path)
    if path.suffix == ".ipynb":
        return notebook_links(path, root)
    lines = expand(path, root)
    meta = front_matter(lines, root)
    links = markdown_links(lines, path.parent, root) + yaml_file_refs(
        meta, f"{rel(path, root)}, en-tête", path.parent
    )
    for name in metadata_files(meta):
        extra = path.parent / name
        if extra.is_file():
            links += yaml_file_refs(load_yaml(extra), rel(extra, root), extra.parent)
    return links


# --- navigation -----------------------------------------------------------------------------


def _walk_nav(node):
    """Les cibles citées par une navbar ou une sidebar (chaînes, href, file, contents…)."""
    if isinstance(node, str):
        yield node
    elif isinstance(node, list):
        for item in node:
            yield from _walk_nav(item)
    elif isinstance(node, dict):
        for key in ("href", "file", "auto"):
            if isinstance(node.get(key), str):
                yield node[key]
        for key in ("left", "right", "menu", "contents"):
            yield from _walk_nav(node.get(key))


def nav_refs(config: dict) -> list[str]:
    website = config.get("website") or {}
    refs = list(_walk_nav(website.get("navbar")))
    sidebars = website.get("sidebar")
    refs += list(
        _walk_nav(sidebars if isinstance(sidebars, list) else [sidebars] if sidebars else [])
    )
    return [
        r.strip()
        for r in refs
        if r.strip()
        and is_local(r.strip())
        and not r.strip().startswith("sidebar:")
        and set(r.strip()) != {"-"}
    ]


def expand_ref(ref: str, base: Path, root: Path, pages: set[Path]) -> set[Path]:
    """Les pages que couvre une cible : fichier, ``.html`` rendu, dossier, glob ou ``auto``."""
    if ref == "auto":
        return set(pages)
    target = _clean(ref)
    origin = Path(root) if target.startswith("/") else Path(base)
    target = target.lstrip("/")
    if GLOB_CHARS & set(target):
        return {p.resolve() for p in origin.glob(target)} & pages
    path = (origin / target).resolve()
    if path.is_dir():
        return {p for p in pages if path in p.parents}
    candidates = {path} | (
        {path.with_suffix(s) for s in PAGE_SUFFIXES} if path.suffix == ".html" else set()
    )
    return candidates & pages


def listing_refs(meta: dict, page: Path, root: Path, pages: set[Path]) -> set[Path]:
    """Les pages couvertes par ``listing:`` dans l'en-tête de ``page``."""
    listings = meta.get("listing")
    if listings is None or listings is False:
        return set()
    if not isinstance(listings, list):
        listings = [listings]
    found: set[Path] = set()
    for listing in listings:
        contents = listing.get("contents") if isinstance(listing, dict) else None
        if contents is None:
            found |= {p for p in pages if page.parent.resolve() in p.parents}
            continue
        items = contents if isinstance(contents, list) else [contents]
        include, exclude = set(), set()
        for item in items:
            if isinstance(item, dict):
                for key in ("path", "href"):
                    if isinstance(item.get(key), str):
                        include |= expand_ref(item[key], page.parent, root, pages)
            elif isinstance(item, str) and item.endswith((".yml", ".yaml")):
                data = yaml.safe_load(resolve(item, page.parent, root).read_text(encoding="utf-8"))
                for entry in data if isinstance(data, list) else []:
                    if isinstance(entry, dict) and isinstance(entry.get("path"), str):
                        include |= expand_ref(entry["path"], page.parent, root, pages)
            elif isinstance(item, str) and item.startswith("!"):
                exclude |= expand_ref(item[1:], page.parent, root, pages)
            elif isinstance(item, str):
                include |= expand_ref(item, page.parent, root, pages)
        found |= include - exclude
    return found - {page.resolve()}


def reachable_pages(root: Path, config: dict | None = None) -> set[Path]:
    """Les pages atteignables depuis ``_quarto.yml`` (règle dans la docstring du module)."""
    root = Path(root).resolve()
    config = load_config(root) if config is None else config
    pages = all_pages(root)
    todo = {p for ref in nav_refs(config) for p in expand_ref(ref, root, root, pages)}
    todo |= {
        p.resolve()
        for p in (root / "index.qmd", root / "index.ipynb", root / "index.md")
        if p.exists()
    }
    seen: set[Path] = set()
    while todo:
        page = todo.pop()
        if page in seen:
            continue
        seen.add(page)
        try:
            links = page_links(page, root)
            meta = front_matter(expand(page, root), root) if page.suffix != ".ipynb" else {}
        except (QmdError, OSError, ValueError):
            continue  # le test des liens le signalera
        for link in links:
            todo |= expand_ref(link.target, link.base, root, pages)
        todo |= listing_refs(meta, page, root, pages)
    return seen


def partials(root: Path) -> list[Path]:
    """Les partiels ``_*.qmd`` (hors dossiers ignorés par Quarto)."""
    root = Path(root)
    found = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(
            d
            for d in dirs
            if not d.startswith(".")
            and d not in SKIP_DIR_NAMES
            and d not in ("_site", "_freeze", "_extensions")
        )
        found += [
            Path(folder) / f for f in sorted(files) if f.startswith("_") and f.endswith(".qmd")
        ]
    return found


def unused_partials(root: Path) -> list[Path]:
    """Les partiels qu'aucun document n'inclut : ni rendus, ni exécutés, ni testés."""
    used = set()
    for doc in site_documents(root):
        try:
            used |= {line.path.resolve() for line in expand(doc, root)}
        except QmdError:
            continue  # le test des liens le signalera
    return [p for p in partials(root) if p.resolve() not in used]


def orphans(root: Path, config: dict | None = None) -> list[Path]:
    """Decks de ``slides/`` et notebooks de ``notebooks/`` que rien n'atteint."""
    root = Path(root)
    seen = reachable_pages(root, config)
    return [p for p in [*decks(root), *notebooks(root)] if p.resolve() not in seen]


def broken_links(root: Path, config: dict | None = None) -> list[str]:
    """Chaque lien, image ou fichier de configuration qui ne se résout pas, avec son origine."""
    root = Path(root)
    config = load_config(root) if config is None else config
    links = yaml_file_refs(config, "_quarto.yml", root)
    links += [
        Link(r, "_quarto.yml (navigation)", root)
        for r in nav_refs(config)
        if r != "auto" and not GLOB_CHARS & set(r)
    ]
    folders = {root.resolve()}
    for page in [*site_documents(root), *notebooks(root)]:
        folders |= {f for f in page.resolve().parents if root.resolve() in f.parents}
    for folder in sorted(folders):
        if (folder / "_metadata.yml").is_file():
            links += yaml_file_refs(
                load_yaml(folder / "_metadata.yml"), rel(folder / "_metadata.yml", root), folder
            )
    problems = []
    for page in [*site_documents(root), *notebooks(root)]:
        try:
            links += page_links(page, root)
        except QmdError as e:
            problems.append(str(e))
    for link in links:
        path = resolve(link.target, link.base, root)
        if not exists(path):
            problems.append(f"{link.where} : « {link.target} » introuvable ({rel(path, root)})")
    return problems
