"""Lire un .qmd comme le fait Quarto avant d'appeler le moteur Jupyter.

Trois étapes, dans l'ordre de Quarto :

1. ``expand`` développe les ``{{< include fichier >}}`` (récursivement). Chaque ligne garde son
   origine (fichier, ligne, chaîne d'inclusions) pour qu'un échec dise d'où vient le code.
   Comme Quarto, un chemin d'include relatif part du dossier du document principal (pas du
   fichier qui inclut : https://quarto.org/docs/authoring/includes.html) et un chemin qui
   commence par ``/`` part de la racine du projet. Un include dans un bloc de code n'est pas
   développé, et ``{{{< include … >}}}`` (échappé) non plus.
2. ``blocks`` découpe le texte : en-tête YAML, chunks exécutables ```` ```{python} ````, blocs
   de code non exécutables (```` ```python ````, ```` ```{.python} ````, ```` ```` ````…), texte.
3. ``parse_document`` fusionne les options ``execute`` (``_quarto.yml`` < ``_metadata.yml`` <
   en-tête du document < options ``#|`` du chunk) et décide, chunk par chunk, s'il est exécuté
   (``eval``) et si une erreur y est permise (``error``).

Les expressions en ligne `` `{python} expr` `` sont aussi évaluées, à leur place dans le texte.
"""

from __future__ import annotations

import copy
import functools
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

INCLUDE_RE = re.compile(r"""^\s*\{\{<\s*include\s+(?:"([^"]+)"|'([^']+)'|(\S+))\s*>\}\}\s*$""")
CELL_START_RE = re.compile(r"^\s*```+\s*\{([=A-Za-z]+)( *[ ,].*)?\}\s*$")  # regex de Quarto
CELL_END_RE = re.compile(r"^\s*```+\s*$")
FENCE_RE = re.compile(r"^\s{0,3}(`{3,}|~{3,})")
OPTION_RE = re.compile(r"^#\|\s?(.*)$")
INLINE_RE = re.compile(r"`\{python\}\s+([^`]+?)\s*`")
HEADER_OPTION_RE = re.compile(r"\b(eval|error)\s*=\s*(\w+)")


class QmdError(Exception):
    """Un .qmd que Quarto refuserait (include introuvable, YAML invalide…)."""


@dataclass(frozen=True)
class Line:
    """Une ligne du texte développé et son origine."""

    text: str
    path: Path
    lineno: int
    via: tuple = ()  # ((fichier, ligne de l'include), …), du document principal vers l'intérieur

    def where(self, root: Path | None = None) -> str:
        """« slides/_x.qmd, ligne 5 (inclus depuis slides/deck.qmd, ligne 12) »."""
        text = f"{rel(self.path, root)}, ligne {self.lineno}"
        for path, lineno in reversed(self.via):
            text += f" (inclus depuis {rel(path, root)}, ligne {lineno})"
        return text


def rel(path: Path, root: Path | None) -> str:
    """Chemin lisible : relatif à la racine quand c'est possible."""
    if root is not None:
        try:
            return Path(path).resolve().relative_to(Path(root).resolve()).as_posix()
        except ValueError:
            pass
    return str(path)


def fence_closer(text: str):
    """Si ``text`` ouvre un bloc de code, la regex de la ligne qui le referme ; sinon ``None``.
    Un chunk ```` ```{python} ```` se referme comme chez Quarto ; un bloc ordinaire, par le
    même caractère répété au moins autant de fois (```` ```` ```` protège ```` ``` ````)."""
    if CELL_START_RE.match(text):
        return CELL_END_RE
    if m := FENCE_RE.match(text):
        char, size = m.group(1)[0], len(m.group(1))
        return re.compile(rf"^\s*{re.escape(char)}{{{size},}}\s*$")
    return None


# --- 1. includes --------------------------------------------------------------------------


def resolve_include(target: str, main: Path, root: Path) -> Path:
    """Règle de Quarto : ``/x`` part de la racine, sinon du dossier du document principal."""
    if target.startswith("/"):
        return Path(root) / target.lstrip("/")
    return Path(main).parent / target


def expand(path: Path, root: Path, *, _main: Path | None = None, _via: tuple = ()) -> list[Line]:
    """Le texte de ``path`` avec ses includes développés, ligne par ligne."""
    path = Path(path)
    main = _main or path
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise QmdError(f"fichier introuvable : {rel(path, root)}") from None
    lines: list[Line] = []
    closer = None  # regex qui referme le bloc de code ouvert
    for lineno, raw in enumerate(text.splitlines(), start=1):
        line = Line(raw, path, lineno, _via)
        if closer is not None:
            if closer.match(raw):
                closer = None
        elif (closer := fence_closer(raw)) is not None:
            pass
        elif m := INCLUDE_RE.match(raw):
            target = next(g for g in m.groups() if g)
            child = resolve_include(target, main, root)
            chain = " -> ".join(rel(p, root) for p, _ in _via + ((path, lineno),))
            if not child.is_file():
                raise QmdError(
                    f"include introuvable : {{{{< include {target} >}}}} dans {line.where(root)} "
                    f"cherche {rel(child, root)} (Quarto résout un include relatif depuis le "
                    f"dossier du document principal {rel(main.parent, root)}/, "
                    f"ou depuis la racine du projet s'il commence par /) [chaîne : {chain}]"
                )
            if child.resolve() in {Path(p).resolve() for p, _ in _via} | {path.resolve()}:
                raise QmdError(f"include circulaire : {rel(child, root)} [chaîne : {chain}]")
            lines.extend(expand(child, root, _main=main, _via=_via + ((path, lineno),)))
            continue
        lines.append(line)
    return lines


# --- 2. découpage -------------------------------------------------------------------------


@dataclass
class Block:
    kind: str  # "yaml", "cell", "code" ou "text"
    lines: list[Line]  # toutes les lignes du bloc, délimiteurs compris
    lang: str = ""  # pour "cell" : le moteur (python, ojs, mermaid…)
    header: str = ""  # pour "cell" : ce qui suit le langage dans {python …}


def _is_mapping(lines: list[Line]) -> bool:
    try:
        return isinstance(yaml.safe_load("\n".join(line.text for line in lines)), dict)
    except yaml.YAMLError:
        return False


def blocks(lines: list[Line]) -> list[Block]:
    """Découpe en blocs. Comme pandoc, un ``---`` n'ouvre un bloc YAML que s'il est suivi
    d'une ligne non vide, précédé d'une ligne vide, et si le bloc est un dictionnaire YAML :
    sinon c'est un séparateur de diapositives revealjs ou un trait horizontal."""
    out: list[Block] = []
    i, n = 0, len(lines)
    while i < n:
        text = lines[i].text
        if (
            re.match(r"^---\s*$", text)
            and i + 1 < n
            and lines[i + 1].text.strip()
            and (i == 0 or not lines[i - 1].text.strip())
        ):
            j = i + 1
            while j < n and not re.match(r"^(---|\.\.\.)\s*$", lines[j].text):
                j += 1
            if j < n and _is_mapping(lines[i + 1 : j]):
                out.append(Block("yaml", lines[i : j + 1]))
                i = j + 1
                continue
        if (closer := fence_closer(text)) is not None:
            j = i + 1
            while j < n and not closer.match(lines[j].text):
                j += 1
            if m := CELL_START_RE.match(text):
                out.append(
                    Block("cell", lines[i : j + 1], lang=m.group(1), header=m.group(2) or "")
                )
            else:
                out.append(Block("code", lines[i : j + 1]))
            i = j + 1
            continue
        out.append(Block("text", [lines[i]]))
        i += 1
    return out


def front_matter(lines: list[Line], root: Path | None = None) -> dict:
    """L'en-tête YAML en tête de fichier (lignes vides permises avant), ou ``{}``."""
    i = 0
    while i < len(lines) and not lines[i].text.strip():
        i += 1
    if i == len(lines) or not re.match(r"^---\s*$", lines[i].text):
        return {}
    for j in range(i + 1, len(lines)):
        if re.match(r"^(---|\.\.\.)\s*$", lines[j].text):
            try:
                data = yaml.safe_load("\n".join(line.text for line in lines[i + 1 : j])) or {}
            except yaml.YAMLError as e:
                raise QmdError(f"en-tête YAML invalide ({lines[i].where(root)}) : {e}") from None
            return data if isinstance(data, dict) else {}
    raise QmdError(f"en-tête YAML jamais refermé par --- ({lines[i].where(root)})")


# --- 3. chunks et options -----------------------------------------------------------------


@dataclass
class Chunk:
    """Un chunk Python (ou une expression en ligne) et ce qu'il faut en faire."""

    code: str
    start: Line  # la ligne ```{python} (ou la ligne de texte)
    lines: list[Line] = field(default_factory=list)  # les lignes du code
    options: dict = field(default_factory=dict)
    evaluate: bool = True
    allow_error: bool = False
    inline: bool = False

    def where(self, root: Path | None = None) -> str:
        kind = "expression en ligne" if self.inline else "chunk"
        return f"{kind} {self.start.where(root)}"


@dataclass
class Document:
    path: Path
    root: Path
    lines: list[Line]
    meta: dict
    execute: dict
    workdir: Path
    chunks: list[Chunk]
    format: str = "html"  # le premier format de l'en-tête (html, revealjs…)
    format_options: dict = field(default_factory=dict)  # fig-width, fig-height… de ce format

    @property
    def runnable(self) -> list[Chunk]:
        return [c for c in self.chunks if c.evaluate]


def load_yaml(path: Path) -> dict:
    """Le contenu d'un fichier YAML (``{}`` s'il manque ou n'est pas un dictionnaire). Chaque
    document relit ``_quarto.yml`` et ses ``_metadata.yml`` : le même texte n'est analysé
    qu'une fois (PyYAML en Python pur est lent), puis copié."""
    path = Path(path)
    if not path.is_file():
        return {}
    return copy.deepcopy(_parsed_yaml(path.read_text(encoding="utf-8")))


@functools.lru_cache(maxsize=256)
def _parsed_yaml(text: str) -> dict:
    data = yaml.safe_load(text) or {}
    return data if isinstance(data, dict) else {}


def metadata_files(meta: dict) -> list[str]:
    """Les fichiers de ``metadata-file`` / ``metadata-files`` de l'en-tête."""
    names = []
    for key in ("metadata-file", "metadata-files"):
        value = meta.get(key)
        names += (
            [value] if isinstance(value, str) else [v for v in value or [] if isinstance(v, str)]
        )
    return names


def metadata_layers(path: Path, root: Path, meta: dict) -> list[dict]:
    """Les couches de métadonnées d'un document, de la plus faible à la plus forte :
    ``_quarto.yml``, les ``_metadata.yml`` de la racine jusqu'au dossier du document, l'en-tête,
    puis ses ``metadata-files`` (qui l'emportent sur l'en-tête)."""
    root, path = Path(root).resolve(), Path(path).resolve()
    layers = [load_yaml(root / "_quarto.yml")]
    try:
        parts = path.parent.relative_to(root).parts
    except ValueError:
        parts = ()
    layers += [
        load_yaml(root.joinpath(*parts[:k]) / "_metadata.yml") for k in range(len(parts) + 1)
    ]
    layers.append(meta)
    layers += [load_yaml(path.parent / name) for name in metadata_files(meta)]
    return layers


def execute_options(path: Path, root: Path, meta: dict) -> dict:
    """``execute`` de ``_quarto.yml``, puis des ``_metadata.yml`` de la racine jusqu'au dossier
    du document, puis de l'en-tête, puis de ses ``metadata-files`` : le dernier gagne, clé par
    clé (les options ``#|`` d'un chunk passent encore devant)."""
    options: dict = {}
    for layer in metadata_layers(path, root, meta):
        if isinstance(layer.get("execute"), dict):
            options.update(layer["execute"])
    return options


def output_format(meta: dict) -> str:
    """Le premier format de l'en-tête (``format: revealjs`` ou ``format: {revealjs: …}``) ;
    ``html`` par défaut, comme Quarto."""
    value = meta.get("format")
    if isinstance(value, str):
        return value.split("+")[0]
    if isinstance(value, dict) and value:
        return str(next(iter(value))).split("+")[0]
    return "html"


def format_options(path: Path, root: Path, meta: dict, fmt: str) -> dict:
    """Les options du format ``fmt`` (``fig-width``, ``fig-height``…) : ``_quarto.yml``, les
    ``_metadata.yml``, l'en-tête puis ses ``metadata-files``, chacun au niveau supérieur puis
    sous ``format: fmt:`` ; le dernier gagne, clé par clé."""
    options: dict = {}
    for layer in metadata_layers(path, root, meta):
        options.update({k: v for k, v in layer.items() if k.startswith("fig-")})
        formats = layer.get("format")
        if isinstance(formats, dict) and isinstance(formats.get(fmt), dict):
            options.update(formats[fmt])
    return options


def _header_options(header: str) -> dict:
    """Options à la knitr dans l'en-tête : ```{python eval=False}```."""
    return {k: v.lower() in ("true", "t", "1", "yes") for k, v in HEADER_OPTION_RE.findall(header)}


# Préfixe des options de cellule selon le langage : le commentaire du langage suivi de « | »
# (https://quarto.org/docs/authoring/diagrams.html : ``%%|`` pour mermaid, ``//|`` pour dot).
OPTION_PREFIXES = {"mermaid": "%%|", "dot": "//|", "ojs": "//|"}


def option_re(lang: str) -> re.Pattern:
    """La regex d'une ligne d'option de cellule pour ``lang`` (``#|`` par défaut)."""
    prefix = OPTION_PREFIXES.get(lang.lower())
    return OPTION_RE if prefix is None else re.compile(rf"^{re.escape(prefix)}\s?(.*)$")


def _chunk_options(block: Block, root: Path) -> dict:
    """Options ``#|`` (``%%|`` pour mermaid…) en tête de la cellule, après celles de l'en-tête
    ``{python eval=False}``."""
    body = block.lines[1:-1] if CELL_END_RE.match(block.lines[-1].text) else block.lines[1:]
    pattern = option_re(block.lang)
    yaml_lines = []
    for line in body:
        m = pattern.match(line.text)
        if not m:
            break
        yaml_lines.append(m.group(1))
    options = _header_options(block.header)
    if yaml_lines:
        try:
            parsed = yaml.safe_load("\n".join(yaml_lines)) or {}
        except yaml.YAMLError as e:
            raise QmdError(f"options #| invalides ({block.lines[0].where(root)}) : {e}") from None
        if not isinstance(parsed, dict):
            raise QmdError(
                f"options #| invalides ({block.lines[0].where(root)}) : "
                f"attendu « clé: valeur », lu {parsed!r}"
            )
        options.update(parsed)
    return options


def parse_document(path: Path, root: Path) -> Document:
    """Tout ce qu'il faut pour exécuter ``path`` comme Quarto."""
    path, root = Path(path), Path(root)
    lines = expand(path, root)
    meta = front_matter(lines, root)
    execute = execute_options(path, root, meta)
    enabled = execute.get("enabled", True) is not False and meta.get("engine") != "markdown"
    doc_eval = bool(execute.get("eval", True))
    doc_error = bool(execute.get("error", False))
    chunks: list[Chunk] = []
    for block in blocks(lines):
        if block.kind == "cell" and block.lang.lower() == "python":
            closed = len(block.lines) > 1 and CELL_END_RE.match(block.lines[-1].text)
            if not closed:
                raise QmdError(f"chunk jamais refermé par ``` ({block.lines[0].where(root)})")
            options = _chunk_options(block, root)
            body = block.lines[1:-1]
            chunks.append(
                Chunk(
                    code="\n".join(line.text for line in body),
                    start=block.lines[0],
                    lines=body,
                    options=options,
                    evaluate=enabled and bool(options.get("eval", doc_eval)),
                    allow_error=bool(options.get("error", doc_error)),
                )
            )
        elif block.kind == "text":
            for m in INLINE_RE.finditer(block.lines[0].text):
                chunks.append(
                    Chunk(
                        code=m.group(1),
                        start=block.lines[0],
                        lines=block.lines,
                        evaluate=enabled and doc_eval,
                        allow_error=doc_error,
                        inline=True,
                    )
                )
    project = load_yaml(root / "_quarto.yml").get("project") or {}
    workdir = root if project.get("execute-dir") == "project" else path.parent
    fmt = output_format(meta)
    return Document(
        path,
        root,
        lines,
        meta,
        execute,
        workdir,
        chunks,
        fmt,
        format_options(path, root, meta, fmt),
    )


@dataclass
class DiagramCell:
    """Une cellule non Python (mermaid, dot, ojs…) et ses options effectives."""

    lang: str
    start: Line
    options: dict  # options de la cellule seule (``%%|``…)
    echo: bool  # ``echo`` effectif : option de la cellule, sinon ``execute`` du document
    lines: tuple = ()  # les lignes de la cellule, clôtures comprises

    def where(self, root: Path | None = None) -> str:
        return f"cellule {self.lang} {self.start.where(root)}"


def language_cells(path: Path, root: Path, langs=("mermaid", "dot")) -> list[DiagramCell]:
    """Les cellules ``{mermaid}`` / ``{dot}`` de ``path`` (includes développés), avec leur
    ``echo`` effectif. Quarto n'affiche la source d'un diagramme que si ``echo`` est vrai :
    dans la cellule, sinon dans ``execute`` (document, ``metadata-files``, ``_quarto.yml``) ;
    sans réglage, il ne l'affiche pas."""
    path, root = Path(path), Path(root)
    lines = expand(path, root)
    execute = execute_options(path, root, front_matter(lines, root))
    out = []
    for block in blocks(lines):
        if block.kind == "cell" and block.lang.lower() in langs:
            options = _chunk_options(block, root)
            echo = options.get("echo", execute.get("echo", False))
            out.append(
                DiagramCell(
                    block.lang.lower(),
                    block.lines[0],
                    options,
                    echo is True or echo == "fenced",
                    tuple(block.lines),
                )
            )
    return out
