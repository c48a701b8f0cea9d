"""Prédire, sans navigateur, si chaque diapositive d'un deck tient dans la diapositive 1050 × 700.

Le deck est lu comme Pandoc le découpe pour reveal.js (``slide-level: 2``) : la page de titre,
``#`` (diapositive de section), ``##`` (diapositive), ``---`` (diapositive sans titre). Classes
lues sur le titre : ``.smaller`` (texte à 70 %), ``.scrollable`` (défilement : jamais trop
haute). Les colonnes ``:::: {.columns}`` prennent leur ``width`` ; ``::: {.notes}`` n'est pas
affiché ; ``::: {.fragment}`` est compté et tout est affiché (un fragment caché garde sa place).
Les chunks suivent leurs options (``echo``, ``output``, ``include``, ``output-location``) et
leurs **sorties réelles** (texte, Markdown, taille des images), données par le harnais.

Chaque élément reçoit une hauteur et une largeur en pixels de diapositive (échelle 1) avec un
petit modèle : des constantes physiques nommées ci-dessous, tirées du thème
(``styles/slides.scss``) et de la feuille de style de Quarto pour reveal.js, puis vérifiées sur
les captures et les mesures de ``shared/review/`` (deck TP 4 au commit 7b8438f). Le modèle ne
connaît aucune diapositive en particulier. Il prévoit :

- **bas** : la somme des hauteurs (titre, blocs, marges) dépasse 700 px ;
- **droite** : une ligne qui ne se coupe pas (code, sortie, formule, diagramme) dépasse le bord.

Une ligne de code trop longue ne déborde que si elle sort de la diapositive : dans la colonne de
gauche, elle défile sous la colonne de droite sans dépasser 1050 px (c'est ce que mesure le
navigateur). Les tailles de texte sont des moyennes : voir les marges de sécurité plus bas.
"""

from __future__ import annotations

import html
import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from .qmd import CELL_END_RE, Block, Line, blocks, front_matter

# --- la diapositive ---------------------------------------------------------------------------
SLIDE_WIDTH = 1050  # width et height de reveal.js dans Quarto (document-reveal.yml)
SLIDE_HEIGHT = 700

# --- typographie (styles/slides.scss, puis formats/revealjs/quarto.scss de Quarto) -----------
FONT_SIZE = 38  # $presentation-font-size-root
LINE_HEIGHT = 1.35  # $presentation-line-height
SMALLER = 0.7  # $presentation-font-smaller : .smaller (le titre h2 n'est pas réduit)
H1_SIZE = 2.5  # $presentation-h1-font-size (défaut de Quarto)
H2_SIZE = 1.4  # $presentation-h2-font-size
H3_SIZE = 1.3  # défaut de Quarto
HEADING_LINE_HEIGHT = 1.2  # $presentation-heading-line-height
H1_EXTRA = 20  # marge du bas d'un titre de section (h1), de plus qu'un h2 : mesuré
BLOCK_MARGIN = 12  # $presentation-block-margin : marge entre deux blocs (px)
LIST_ITEM_GAP = 0.42  # espace entre deux puces (em), mesuré : 16 à 18 px à 38 px
LIST_INDENT = 1.0  # retrait d'une liste (em), thème reveal.js
CODE_SIZE = 0.6  # $code-block-font-size
CODE_PADDING = (6, 9)  # .reveal pre.sourceCode code : padding 6px 9px
CODE_BORDER = 1  # bordure de div.sourceCode
CODE_MAX_HEIGHT = 500  # .reveal pre.sourceCode code { max-height: 500px } : au-delà, ça défile
TABLE_PADDING = 0.4  # padding vertical d'une cellule (0.2em en haut et en bas)
TABLE_CELL_GAP = 1.0  # padding d'une cellule, à gauche et à droite (0.5em chacun)
COLUMN_GAP = 0.5  # .columns > .column:first-child > * { margin-right: 0.5em }
IMAGE_MAX_WIDTH = 0.95  # reveal.js : section img { max-width: 95% }
PANDOC_COLUMNS = 72  # pandoc --columns : au-delà, un tableau pipe prend ses largeurs des tirets

# --- largeurs des caractères ------------------------------------------------------------------
# Les largeurs viennent des polices que le rendu affiche (voir make_fontmetrics.py) : Liberation
# Serif pour le texte (grasse pour les titres et le **gras**), Liberation Mono pour le code,
# Liberation Sans pour mermaid. Sur les captures de la revue du 2026-12-07, une ligne de texte
# mesurée et la même ligne calculée ici diffèrent de moins de 2 px sur 1 000.
METRICS = json.loads(
    (Path(__file__).resolve().parent / "fontmetrics.json").read_text(encoding="utf-8")
)
INLINE_CODE_SCALE = 0.92  # `code` dans le texte : Liberation Mono à 92 % (0,55 em le caractère)
INLINE_CODE_PADDING = 0.5  # fond du code en ligne, de part et d'autre (em)
MATH_LOWER = 0.55  # un autre caractère de formule (em), sans la mise à l'échelle
MATH_DIGIT = 0.5  # un chiffre (romain)
MATH_SCALE = 1.09  # MathJax 2 aligne la hauteur d'x des formules sur celle du texte
MONO_CHAR = 0.6  # chasse fixe : 13,7 px à 22,8 px (ligne de 82 caractères : 133 px de trop)
LINE_NUMBER_GUTTER = 3.8  # code-line-numbers : les numéros prennent 3,8 caractères de code
# (le texte commence à 61 px du bord du bloc, padding compris)

# --- figures et sorties -------------------------------------------------------------------------
FIGURE_MARGIN = BLOCK_MARGIN  # marge de l'image au-dessus et au-dessous
DISPLAY_MATH = 1.6  # hauteur d'une formule display d'une ligne (em)
DISPLAY_MATH_FRACTION = 1.0  # de plus par \frac (em)
INLINE_FRACTION = 1.0  # une ligne de texte avec une fraction est plus haute (em)

# --- mermaid (mise en page dagre par défaut de mermaid) --------------------------------------
MERMAID_FONT = 16  # px
MERMAID_NODE_PADDING = 30  # px de plus que le texte, en largeur
MERMAID_NODE_HEIGHT = 50  # une ligne de texte (padding compris)
MERMAID_LINE = 24  # chaque ligne de plus (<br/>)
MERMAID_RANK_GAP = 50  # rankSpacing
MERMAID_NODE_GAP = 50  # nodeSpacing
MERMAID_SUBGRAPH = 30  # cadre et titre d'un subgraph, de chaque côté
MERMAID_MARGIN = 16  # marge du SVG

# --- marges de sécurité -----------------------------------------------------------------------
# Le modèle prévoit la hauteur à quelques dizaines de pixels près ; une diapositive dont la
# hauteur estimée dépasse 700 px de moins de SAFETY_BELOW px est quand même déclarée
# débordante (on préfère couper une diapositive de trop). À droite, le calcul est exact pour le
# code (chasse fixe) ; SAFETY_RIGHT ne joue que pour les formules et les diagrammes.
SAFETY_BELOW = 0
SAFETY_RIGHT = 0


# ================================================================================================
# Découpe en diapositives
# ================================================================================================

HEADING_RE = re.compile(r"^(#{1,6})\s+(.*?)\s*(\{[^}]*\})?\s*#*\s*$")
RULE_RE = re.compile(r"^\s{0,3}([-*_])(\s*\1){2,}\s*$")
DIV_OPEN_RE = re.compile(r"^\s*(:{3,})\s*(\{[^}]*\}|[\w-]+)\s*$")
DIV_CLOSE_RE = re.compile(r"^\s*(:{3,})\s*$")
OPTION_PREFIX_RE = re.compile(r"^\s*(#\||%%\|)\s?(.*)$")


def attributes(text: str | None) -> tuple[set, dict]:
    """Classes et attributs de ``{.smaller width="45%"}`` (ou d'un nom de classe seul)."""
    if not text:
        return set(), {}
    text = text.strip()
    if not text.startswith("{"):
        return {text}, {}
    inner = text.strip("{}")
    classes = set(re.findall(r"(?:^|\s)\.([\w-]+)", inner))
    pairs = {k: v1 or v2 for k, v1, v2 in re.findall(r"([\w-]+)=(?:\"([^\"]*)\"|(\S+))", inner)}
    return classes, pairs


def plain(text: str) -> str:
    """Le texte d'un titre sans balisage Markdown, avec l'apostrophe typographique de Pandoc."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"[*_`]", "", text)
    return text.replace("'", "’").strip()


@dataclass
class Slide:
    number: int
    title: str
    level: int  # 0 : page de titre, 1 : section, 2 : diapositive
    classes: set = field(default_factory=set)
    blocks: list = field(default_factory=list)  # blocs de qmd.blocks() (texte, code, cellule)
    start: Line | None = None
    fragments: int = 0  # nombre d'étapes de fragments
    title_meta: dict = field(default_factory=dict)

    @property
    def smaller(self) -> bool:
        return "smaller" in self.classes

    @property
    def scrollable(self) -> bool:
        return "scrollable" in self.classes


def split_slides(lines: list[Line]) -> list[Slide]:
    """Les diapositives d'un deck développé (``qmd.expand``), dans l'ordre de reveal.js."""
    meta = front_matter(lines)
    slides: list[Slide] = []
    if meta.get("title"):
        slides.append(Slide(1, plain(str(meta["title"])), 0, title_meta=meta))
    current: Slide | None = None
    for block in blocks(lines):
        if block.kind == "yaml":
            continue
        if block.kind == "text":
            text = block.lines[0].text
            m = HEADING_RE.match(text)
            if m and len(m.group(1)) <= 2:
                classes, _ = attributes(m.group(3))
                current = Slide(
                    len(slides) + 1,
                    plain(m.group(2)),
                    len(m.group(1)),
                    classes,
                    start=block.lines[0],
                )
                slides.append(current)
                continue
            if RULE_RE.match(text) and (current is None or _previous_blank(lines, block)):
                current = Slide(len(slides) + 1, "", 2, start=block.lines[0])
                slides.append(current)
                continue
        if current is None:
            if block.kind == "text" and not block.lines[0].text.strip():
                continue
            current = Slide(len(slides) + 1, "", 2, start=block.lines[0])
            slides.append(current)
        current.blocks.append(block)
    return slides


def _previous_blank(lines: list[Line], block: Block) -> bool:
    index = next(i for i, line in enumerate(lines) if line is block.lines[0])
    return index == 0 or not lines[index - 1].text.strip()


# ================================================================================================
# Mesure
# ================================================================================================


@dataclass
class Box:
    """Un élément posé : sa hauteur, le bord droit de son contenu (depuis le bord gauche de la
    diapositive) et ce que c'est, pour la raison d'un débordement."""

    height: float
    right: float = 0.0
    what: str = ""
    right_what: str = ""


@dataclass
class Context:
    font: float  # taille du texte courant (px)
    left: float  # bord gauche de la zone (px depuis le bord de la diapositive)
    width: float  # largeur disponible (px)
    echo: bool = True
    line_numbers: bool = True
    outputs: dict = field(default_factory=dict)  # ligne du chunk -> sorties
    counts: dict = field(default_factory=lambda: {"fragments": 0})  # partagé avec les sous-zones
    extra_slides: list = field(default_factory=list)

    def sub(self, **changes) -> Context:
        values = dict(self.__dict__)
        values.update(changes)
        return Context(**values)


# --- texte --------------------------------------------------------------------------------------

INLINE_MATH_RE = re.compile(r"(?<![\\$])\$(?!\s)([^$\n]+?)(?<!\s)\$(?!\d)")
INLINE_CODE_RE = re.compile(r"`([^`]+)`")
LINK_RE = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")


MATRIX_RE = re.compile(r"\\begin\{[pbvBV]?matrix\}(.*?)\\end\{[pbvBV]?matrix\}", re.S)
_GROUP = r"\{((?:[^{}]|\{(?:[^{}]|\{[^{}]*\})*\})*)\}"  # {…} avec deux niveaux d'accolades
FRACTION_RE = re.compile(r"\\([dt]?)frac" + _GROUP + _GROUP)
SQRT_RE = re.compile(r"\\sqrt" + _GROUP)
TEXT_RE = re.compile(r"\\(?:text|mathrm|operatorname|textbf|mathbf|textit)" + _GROUP)
SCRIPT_RE = re.compile(r"[_^](?:" + _GROUP + r"|(\\[A-Za-z]+|.))")
ENV_RE = re.compile(r"\\(?:begin|end)\{[^}]*\}")
FUNCTION_RE = re.compile(r"\\(log|ln|exp|tanh|sinh|cosh|sin|cos|tan|min|max|arg|det|dim|lim)\b")
RELATIONS = (
    r"\leftarrow",
    r"\rightarrow",
    r"\Rightarrow",
    r"\approx",
    r"\neq",
    r"\leq",
    r"\geq",
    r"\le",
    r"\ge",
    r"\to",
    r"\in",
    r"\mid",
    r"\sim",
    "=",
    "<",
    ">",
)
# Opérateurs binaires : la largeur du signe, plus deux espaces moyennes (0,222 em chacune).
OPERATORS = {
    r"\cdot": 0.278,
    r"\times": 0.778,
    r"\circ": 0.5,
    r"\odot": 0.778,
    r"\otimes": 0.778,
    r"\pm": 0.778,
    "+": 0.778,
    "-": 0.778,
    "−": 0.778,
}
WIDE_SYMBOLS = {
    r"\ldots": 1.17,
    r"\cdots": 1.17,
    r"\dots": 1.17,
    r"\infty": 1.0,
    r"\sum": 1.06,
    r"\prod": 0.94,
}
LETTER_STYLES_RE = re.compile(
    r"\\(?:mathcal|mathbb|mathit|boldsymbol|hat|bar|vec|tilde|widehat|overline)\b"
)
SPACES = {
    r"\qquad": 2.0,
    r"\quad": 1.0,
    r"\;": 0.278,
    r"\:": 0.222,
    r"\,": 0.167,
    r"\!": -0.167,
    "~": 0.333,
}
DELIMITERS = "()[]|"
# Avances des lettres italiques de la fonte TeX (cmmi10, em) : W fait deux fois i.
MATH_ITALIC = dict(
    zip(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
        (
            0.750,
            0.759,
            0.715,
            0.828,
            0.738,
            0.643,
            0.786,
            0.831,
            0.440,
            0.555,
            0.849,
            0.681,
            0.970,
            0.803,
            0.763,
            0.642,
            0.791,
            0.759,
            0.613,
            0.584,
            0.683,
            0.583,
            0.944,
            0.828,
            0.581,
            0.683,
            0.529,
            0.429,
            0.433,
            0.520,
            0.466,
            0.490,
            0.477,
            0.576,
            0.345,
            0.412,
            0.521,
            0.298,
            0.878,
            0.600,
            0.485,
            0.503,
            0.446,
            0.451,
            0.469,
            0.361,
            0.572,
            0.485,
            0.716,
            0.572,
            0.490,
            0.465,
        ),
    )
)
MATH_DELIMITER = 0.39  # ( ) [ ] | : 0,39 em
MATH_SYMBOL = 0.7  # une autre commande (lettre grecque, ∑, ∞, ⋯) : 0,7 em
MATH_ROMAN = 1.08  # texte droit (\text, \mathrm, log…) : la police TeX, 8 % plus large
MATH_SCRIPT = 0.71  # indice, exposant, membre d'une fraction en ligne
MATH_RELATION = 0.778 + 2 * 0.278  # relation et ses deux espaces épaisses


def math_em(tex: str, display: bool = False) -> float:
    """Largeur d'une formule (em), à la manière de MathJax 2 (sortie HTML-CSS) : lettres,
    chiffres, relations, opérateurs, délimiteurs et espaces de TeX avec leurs largeurs
    moyennes ; indices, exposants et membres d'une fraction en ligne à 71 % ; fractions,
    racines, texte droit (``\\text``, ``\\mathrm``, fonctions) et matrices par leur contenu ;
    le tout à l'échelle ``MATH_SCALE``. Comparé, dans ``test_slidefit.py``, aux largeurs que
    le MathJax du site donne dans Chromium aux formules des decks."""
    return _math_em(tex, display) * MATH_SCALE


def _math_em(tex: str, display: bool = False) -> float:
    width = 0.0
    for body in MATRIX_RE.findall(tex):
        rows = [_math_em(row.replace("&", r" \quad "), display) for row in body.split(r"\\")]
        width += max(rows, default=0.0) + 2 * MATH_DELIMITER
    tex = ENV_RE.sub("", MATRIX_RE.sub("", tex))
    for style, a, b in FRACTION_RE.findall(tex):
        big = style == "d" or (display and style != "t")
        width += max(_math_em(a, big), _math_em(b, big)) * (1.0 if big else MATH_SCRIPT) + 0.24
    tex = FRACTION_RE.sub("", tex)
    for body in SQRT_RE.findall(tex):
        width += _math_em(body, display) + 0.85
    tex = SQRT_RE.sub("", tex)
    for body in TEXT_RE.findall(tex):
        width += text_em(body) * MATH_ROMAN
    tex = TEXT_RE.sub("", tex)
    for name in FUNCTION_RE.findall(tex):
        width += text_em(name) * MATH_ROMAN + 0.167
    tex = FUNCTION_RE.sub("", tex)
    width += MATH_SCRIPT * sum(
        _math_em(group or single) for group, single in SCRIPT_RE.findall(tex)
    )
    tex = SCRIPT_RE.sub("", tex)
    for space, em in SPACES.items():
        width += em * tex.count(space)
        tex = tex.replace(space, " ")
    tex = re.sub(r"\\(left|right|big|Big|bigl|bigr|Bigl|Bigr)\b", "", tex)
    tex = LETTER_STYLES_RE.sub("", tex)  # \mathcal{L}, \hat y : la largeur de la lettre
    unary = re.compile(r"(^|[({\[=,])\s*[-−]")  # −∞, (−1 : un signe, sans espaces autour
    width += 0.778 * len(unary.findall(tex))
    tex = unary.sub(r"\1 ", tex)
    for table in (
        {rel: MATH_RELATION for rel in RELATIONS},
        {op: em + 2 * 0.222 for op, em in OPERATORS.items()},
        WIDE_SYMBOLS,
    ):
        for sign, em in table.items():
            # \in ne doit pas compter dans \infty, ni \to dans \top
            pattern = re.compile(re.escape(sign) + (r"(?![A-Za-z])" if sign[0] == "\\" else ""))
            width += em * len(pattern.findall(tex))
            tex = pattern.sub(" ", tex)
    width += MATH_SYMBOL * len(re.findall(r"\\[A-Za-z]+", tex))
    tex = re.sub(r"\\[A-Za-z]+", "", tex)
    tex = re.sub(r"[{}\\\s&]", "", tex)
    return width + sum(
        MATH_DELIMITER
        if c in DELIMITERS
        else 0.45
        if c == ","
        else 0.28
        if c in ".;'"
        else MATH_DIGIT
        if c.isdigit()
        else MATH_ITALIC.get(c, MATH_LOWER)
        for c in tex
    )


def char_em(char: str, style: str = "serif") -> float:
    """L'avance d'un caractère (em) dans la police du rendu ; un caractère absent de la table
    (emoji, idéogramme) compte pour 1 em."""
    table = METRICS[style]
    return table[char] / 1000 if char in table else 1.0


def text_em(text: str, style: str = "serif") -> float:
    return sum(char_em(c, style) for c in text)


# Ce que fait filters/typographie-fr.lua au rendu : ces espaces ne coupent plus la ligne.
FRENCH_SPACES = [
    (re.compile(r" ([:»])"), "\u00a0\\1"),
    (re.compile(r"« "), "«\u00a0"),
    (re.compile(r" ([;?!])"), "\u202f\\1"),
    (re.compile(r"(\d) (?=\d{3}\b)"), "\\1\u202f"),
    (
        re.compile(
            r"(\d) (?=(%|cm|mm|km|kg|g|Go|Mo|Ko|To|o|s|ms|h|W|kW|MW|GW|€|\$|k\$|M\$|G\$)(\W|$))"
        ),
        "\\1\u00a0",
    ),
]


def french_spaces(text: str) -> str:
    for pattern, replacement in FRENCH_SPACES:
        text = pattern.sub(replacement, text)
    return text


EMPHASIS_RE = re.compile(r"(\*\*|__|\*)")  # _x_ en plein mot n'est pas de l'italique


def tokens(text: str, style: str = "serif") -> list[tuple[float, bool]]:
    """Les mots d'une ligne de texte (coupés aux seules espaces sécables, comme le navigateur
    après le filtre typographique), chacun avec sa largeur en em ; ``True`` si le mot a une
    fraction (la ligne est alors plus haute). Gras et italique prennent leur police."""
    text = french_spaces(LINK_RE.sub(r"\1", text))
    words: list[list] = [[0.0, False]]
    bold = italic = False
    pos = 0
    pieces = []
    for m in re.finditer(f"{INLINE_MATH_RE.pattern}|{INLINE_CODE_RE.pattern}", text):
        pieces.append(("text", text[pos : m.start()]))
        pieces.append(("math", m.group(1)) if m.group(1) is not None else ("code", m.group(2)))
        pos = m.end()
    pieces.append(("text", text[pos:]))
    for kind, piece in pieces:
        if kind == "math":
            words[-1][0] += math_em(piece)
            words[-1][1] = words[-1][1] or "frac" in piece or "begin{" in piece
        elif kind == "code":
            words[-1][0] += text_em(piece, "mono") * INLINE_CODE_SCALE + INLINE_CODE_PADDING
        else:
            for part in EMPHASIS_RE.split(piece.replace("\\", "")):
                if part in ("**", "__"):
                    bold = not bold
                    continue
                if part == "*":
                    italic = not italic
                    continue
                font = (
                    style
                    + ("-bold" if bold else "")
                    + ("-italic" if italic and style == "serif" else "")
                )
                font = font if font in METRICS else style + ("-bold" if bold else "")
                for i, chunk in enumerate(part.split(" ")):
                    if i:
                        words.append([0.0, False])
                    words[-1][0] += text_em(chunk, font)
    return [(w, frac) for w, frac in words if w > 0]


def wrap(text: str, width_px: float, font: float, style: str = "serif") -> tuple[int, float, bool]:
    """Retour à la ligne glouton : (nombre de lignes, largeur du mot le plus long en px,
    une fraction en ligne ?)."""
    space = char_em(" ", style)
    lines, used, widest, tall = 1, 0.0, 0.0, False
    avail = width_px / font
    for w, frac in tokens(text, style):
        tall = tall or frac
        widest = max(widest, w * font)
        if used and used + space + w > avail:
            lines += 1
            used = w
        else:
            used += (space if used else 0) + w
    return lines, widest, tall


def text_height(lines: int, font: float, tall: bool = False) -> float:
    return lines * font * LINE_HEIGHT + (INLINE_FRACTION * font if tall else 0)


# --- blocs Markdown -------------------------------------------------------------------------------

LIST_RE = re.compile(r"^(\s*)([-*+]|\d+[.)]|[a-zA-Z][.)])\s+(.*)$")
TABLE_RE = re.compile(r"^\s*\|")


def paragraph(text: str, ctx: Context) -> Box:
    n, widest, tall = wrap(text, ctx.width, ctx.font)
    right = ctx.left + widest
    return Box(
        text_height(n, ctx.font, tall),
        right,
        f"paragraphe de {n} ligne(s)",
        "mot ou formule trop large",
    )


def list_box(items: list[tuple[int, str]], ctx: Context) -> Box:
    """Une liste : ``items`` = (niveau d'imbrication, texte de la puce)."""
    height, right = 0.0, 0.0
    total = 0
    for i, (depth, text) in enumerate(items):
        indent = (depth + 1) * LIST_INDENT * ctx.font
        n, widest, tall = wrap(text, ctx.width - indent, ctx.font)
        total += n
        height += text_height(n, ctx.font, tall) + (LIST_ITEM_GAP * ctx.font if i else 0)
        right = max(right, ctx.left + indent + widest)
    return Box(height, right, f"liste de {len(items)} puces ({total} lignes)", "formule trop large")


def display_math(tex: str, ctx: Context) -> Box:
    rows = [r for r in re.split(r"\\\\", tex) if r.strip()] or [tex]
    height = 0.0
    width = 0.0
    for row in rows:
        height += (DISPLAY_MATH + DISPLAY_MATH_FRACTION * min(row.count("frac"), 1)) * ctx.font
        width = max(width, math_em(row, display=True) * ctx.font)
    left = ctx.left + max(0.0, (ctx.width - width) / 2)  # une formule display est centrée
    return Box(height, left + width, "formule", f"formule de {width:.0f} px")


def code_box(lines: list[str], ctx: Context, *, numbers: bool, what: str) -> Box:
    """Un bloc de code ou de sortie : hauteur plafonnée par ``CODE_MAX_HEIGHT`` (le reste
    défile), largeur en chasse fixe."""
    font = ctx.font * CODE_SIZE
    n = max(len(lines), 1)
    inner = n * font * LINE_HEIGHT + 2 * CODE_PADDING[0]
    height = min(inner, CODE_MAX_HEIGHT) + 2 * CODE_BORDER
    longest = max((len(line.rstrip()) for line in lines), default=0)
    gutter = CODE_PADDING[1] + (LINE_NUMBER_GUTTER * font * MONO_CHAR if numbers else 0)
    right = ctx.left + gutter + longest * font * MONO_CHAR
    label = f"{what} de {n} lignes" + (
        " (plafonné à 500 px, le reste défile)" if inner > CODE_MAX_HEIGHT else ""
    )
    return Box(height, right, label, f"ligne de {what} de {longest} caractères")


def table_box(rows: list[str], ctx: Context) -> Box:
    """Un tableau pipe : largeurs des colonnes comme Pandoc (relatives aux tirets si une ligne
    dépasse 72 caractères, sinon selon le contenu), puis retour à la ligne dans chaque cellule."""
    cells = [[c.strip() for c in re.split(r"(?<!\\)\|", row.strip().strip("|"))] for row in rows]
    sep = next(
        (i for i, r in enumerate(cells) if all(re.fullmatch(r":?-+:?", c) for c in r if c)), None
    )
    if sep is None:
        return Box(text_height(len(rows), ctx.font), ctx.left, "tableau")
    body = [r for i, r in enumerate(cells) if i != sep]
    ncol = len(cells[sep])
    pad = TABLE_CELL_GAP * ctx.font
    if any(len(r) > PANDOC_COLUMNS for r in rows):
        dashes = [len(c) for c in cells[sep]]  # Pandoc compte aussi les « : »
        widths = [ctx.width * d / sum(dashes) - pad for d in dashes]
    else:
        natural = [
            max(
                (sum(w for w, _ in tokens(r[j])) + 0.25 * len(tokens(r[j])) if j < len(r) else 0)
                for r in body
            )
            * ctx.font
            for j in range(ncol)
        ]
        total = sum(natural) + ncol * pad
        scale = min(1.0, ctx.width / total) if total else 1.0
        widths = [max(w * scale, 1.0) for w in natural]
    height, lines = 0.0, 0
    for r in body:
        n = max(
            (wrap(r[j], widths[j], ctx.font)[0] if j < len(r) and r[j] else 1) for j in range(ncol)
        )
        lines += n
        height += text_height(n, ctx.font) + TABLE_PADDING * ctx.font + 1
    return Box(
        height,
        ctx.left + min(sum(widths) + ncol * pad, ctx.width),
        f"tableau de {len(body)} lignes ({lines} lignes de texte)",
    )


def image_box(width: float, height: float, ctx: Context) -> Box:
    scale = min(1.0, IMAGE_MAX_WIDTH * ctx.width / width) if width else 1.0
    return Box(
        height * scale + 2 * FIGURE_MARGIN,
        ctx.left + width * scale,
        f"figure de {height * scale:.0f} px de haut",
    )


# --- mermaid ----------------------------------------------------------------------------------

NODE_RE = re.compile(
    r"([A-Za-z_][\w]*)\s*(\[\[|\[\(|\(\[|\[|\(\(|\(|\{\{|\{|>)\s*\"?([^\]\)\}\"]*)\"?\s*[\]\)\}]+"
)
EDGE_RE = re.compile(r"\s*(?:-->|---|-\.->|==>|--[^->]*-->)\s*(?:\|[^|]*\|\s*)?")


# Directives d'accessibilité de mermaid (``accTitle: …``, ``accDescr: …`` ou
# ``accDescr { … }`` sur plusieurs lignes) : du texte pour le lecteur d'écran, que mermaid écrit
# dans le ``<title>`` et le ``<desc>`` du SVG ; ni nœud, ni arête, ni étiquette.
ACC_START_RE = re.compile(r"^\s*(accTitle|accDescr)\s*(:|\{)")
ACC_VALUE_RE = re.compile(
    r"^[ \t]*(accTitle|accDescr)[ \t]*(?::[ \t]*([^\n]*)|\{([^}]*)\})", re.MULTILINE
)


def mermaid_drawing(lines: list[str]) -> list[str]:
    """Les lignes qui dessinent : commentaires ``%%`` retirés, directives ``accTitle`` et
    ``accDescr`` vidées (bloc ``{ … }`` compris). Autant de lignes qu'en entrée, pour que
    l'appelant garde les numéros de ligne."""
    drawing, in_block = [], False
    for line in lines:
        if in_block:
            in_block = "}" not in line
            drawing.append("")
            continue
        m = ACC_START_RE.match(line)
        if m:
            in_block = m.group(2) == "{" and "}" not in line[m.end() :]
            drawing.append("")
            continue
        drawing.append(re.sub(r"%%.*$", "", line))
    return drawing


def mermaid_accessibility(source: str) -> dict[str, str]:
    """``{"accTitle": …, "accDescr": …}`` d'un diagramme (texte vide si la directive manque) :
    le nom et la description que mermaid donnera au SVG."""
    found = {"accTitle": "", "accDescr": ""}
    for m in ACC_VALUE_RE.finditer(source):
        text = m.group(2) if m.group(2) is not None else m.group(3)
        found[m.group(1)] = " ".join(text.split())
    return found


DENSE_EDGES = 24  # arêtes « tous vers tous » au-delà desquelles dagre s'emmêle (mesuré)


def dense_edges(source: str) -> int:
    """Le nombre d'arêtes « tous vers tous » d'un organigramme (``a & b --> c & d`` en compte 4).
    Sur le rendu du 2026-12-07, une seule couche dense (4 × 3 = 12 arêtes) se dessine bien ;
    trois couches enchaînées (4 × 5, 5 × 3, 3 × 4 : 47 arêtes) donnent un dessin emmêlé de
    1 008 px de haut là où le calcul par rangs en prévoit 540 : mermaid ne sait pas disposer un
    réseau entièrement connecté."""
    total = 0
    for line in mermaid_drawing(source.splitlines()):
        groups = [[n for n in part.split("&") if n.strip()] for part in EDGE_RE.split(line)]
        total += sum(
            len(a) * len(b) for a, b in zip(groups, groups[1:]) if len(a) > 1 and len(b) > 1
        )
    return total


def mermaid_size(source: str) -> tuple[float, float]:
    """Largeur et hauteur (px) d'un organigramme mermaid, par une mise en rangs simple :
    rang d'un nœud = plus long chemin depuis une source ; largeur d'un rang = son plus large
    nœud ; les subgraphs ajoutent leur cadre. ``accTitle`` et ``accDescr`` ne dessinent rien."""
    lines = [line.strip() for line in mermaid_drawing(source.splitlines())]
    lines = [line for line in lines if line]
    if not lines:
        return 0.0, 0.0
    head = lines[0].split()
    direction = head[1].upper() if len(head) > 1 else "TD"
    labels: dict[str, str] = {}
    edges: list[tuple[str, str]] = []
    subgraphs = 0
    for line in lines[1:]:
        word = line.split()[0]
        if word in ("classDef", "class", "style", "linkStyle", "click", "direction"):
            continue
        if word == "subgraph":
            subgraphs += 1
            continue
        if word == "end":
            continue
        for m in NODE_RE.finditer(line):
            labels[m.group(1)] = m.group(3)
        parts = EDGE_RE.split(NODE_RE.sub(lambda m: m.group(1), line))
        groups = [[n.strip() for n in p.split("&") if n.strip()] for p in parts]
        for node in (n for g in groups for n in g):
            labels.setdefault(node, node)
        for a, b in zip(groups, groups[1:]):
            edges += [(x, y) for x in a for y in b]
    rank = {n: 0 for n in labels}
    for _ in range(len(labels)):
        changed = False
        for a, b in edges:
            if rank[b] < rank[a] + 1:
                rank[b], changed = rank[a] + 1, True
        if not changed:
            break
    # une source qui n'alimente qu'un nœud se place juste avant lui (comme dagre)
    for n in labels:
        if not any(b == n for _, b in edges):
            targets = [rank[b] for a, b in edges if a == n]
            if targets:
                rank[n] = min(targets) - 1

    def size(n: str) -> tuple[float, float]:
        parts = re.split(r"<br\s*/?>", labels[n])
        w = max(text_em(p, "sans") for p in parts) * MERMAID_FONT + MERMAID_NODE_PADDING
        return max(w, 40.0), MERMAID_NODE_HEIGHT + MERMAID_LINE * (len(parts) - 1)

    ranks: dict[int, list[str]] = {}
    for n, r in rank.items():
        ranks.setdefault(r, []).append(n)
    along, across = 0.0, 0.0
    for members in ranks.values():
        sizes = [size(n) for n in members]
        if direction in ("LR", "RL"):
            along += max(w for w, _ in sizes)
            across = max(across, sum(h for _, h in sizes) + MERMAID_NODE_GAP * (len(sizes) - 1))
        else:
            along += max(h for _, h in sizes)
            across = max(across, sum(w for w, _ in sizes) + MERMAID_NODE_GAP * (len(sizes) - 1))
    along += MERMAID_RANK_GAP * (len(ranks) - 1)
    frame = 2 * MERMAID_SUBGRAPH if subgraphs else 0
    along += frame * min(subgraphs, len(ranks))
    across += frame
    if direction in ("LR", "RL"):
        return along + 2 * MERMAID_MARGIN, across + 2 * MERMAID_MARGIN
    return across + 2 * MERMAID_MARGIN, along + 2 * MERMAID_MARGIN


# --- chunks ------------------------------------------------------------------------------------


def cell_options(block: Block) -> tuple[dict, list[str]]:
    """Options ``#|`` / ``%%|`` d'une cellule et les lignes de code qui restent."""
    body = (
        block.lines[1:-1]
        if len(block.lines) > 1 and CELL_END_RE.match(block.lines[-1].text)
        else block.lines[1:]
    )
    yaml_lines, code = [], []
    for i, line in enumerate(body):
        m = OPTION_PREFIX_RE.match(line.text)
        if m and not code:
            yaml_lines.append(m.group(2))
        else:
            code = [entry.text for entry in body[i:]]
            break
    try:
        options = yaml.safe_load("\n".join(yaml_lines)) or {} if yaml_lines else {}
    except yaml.YAMLError:
        options = {}
    return (options if isinstance(options, dict) else {}), code


def output_boxes(outputs: list[dict], ctx: Context) -> list[Box]:
    boxes: list[Box] = []
    streams: list[str] = []

    def flush():
        if streams:
            text = "".join(streams).rstrip("\n")
            boxes.append(code_box(text.split("\n"), ctx, numbers=False, what="sortie"))
            streams.clear()

    for out in outputs:
        if out["type"] in ("stream", "error"):
            streams.append(out["text"])
            continue
        flush()
        if out["type"] == "image":
            boxes.append(image_box(out["width"], out["height"], ctx))
        elif out["type"] == "markdown":
            # Le Markdown d'une sortie est inséré tel quel dans la page : même mesure qu'à la main.
            md = [Line(t, Path("<sortie>"), i + 1) for i, t in enumerate(out["text"].splitlines())]
            boxes += flow(blocks(md), ctx, in_output=True)
        elif out["type"] == "text":
            boxes.append(code_box(out["text"].splitlines(), ctx, numbers=False, what="sortie"))
    flush()
    return boxes


def cell_boxes(block: Block, ctx: Context) -> list[Box]:
    options, code = cell_options(block)
    lang = block.lang.lower()
    if options.get("include") is False:
        return []
    echo = options.get("echo", ctx.echo)
    show_code = echo is not False and lang != "ojs"
    code_part = (
        [
            code_box(
                code,
                ctx,
                numbers=ctx.line_numbers,
                what="code mermaid affiché" if lang == "mermaid" else "code",
            )
        ]
        if show_code
        else []
    )
    if lang == "mermaid":
        if dense_edges("\n".join(code)) > DENSE_EDGES:
            return code_part + [
                Box(
                    2 * SLIDE_HEIGHT,
                    ctx.left,
                    "réseau entièrement connecté en mermaid, "
                    "que dagre ne sait pas disposer : dessinez-le avec matplotlib "
                    "(llmlab.nn.plot_network)",
                )
            ]
        width, height = mermaid_size("\n".join(code))
        # useMaxWidth de mermaid : un SVG plus large que sa zone est réduit (jamais agrandi).
        scale = min(1.0, ctx.width / width) if width else 1.0
        diagram = Box(
            height * scale + 2 * BLOCK_MARGIN,
            ctx.left + width * scale,
            f"diagramme mermaid de {height * scale:.0f} px de haut",
            f"diagramme mermaid de {width * scale:.0f} px de large",
        )
        return code_part + [diagram]
    outputs = [] if options.get("output") is False else ctx.outputs.get(id(block.lines[0]), [])
    if options.get("output") == "asis":  # ce qui est imprimé devient du Markdown de la page
        outputs = [
            {"type": "markdown", "text": o["text"]} if o["type"] == "stream" else o for o in outputs
        ]
    location = options.get("output-location", "default")
    if location in ("column", "column-fragment") and code_part:
        half = (ctx.width - COLUMN_GAP * ctx.font) / 2
        left = code_box(code, ctx.sub(width=half), numbers=ctx.line_numbers, what="code")
        right_ctx = ctx.sub(left=ctx.left + half + COLUMN_GAP * ctx.font, width=half)
        right = output_boxes(outputs, right_ctx)
        if location == "column-fragment":
            ctx.counts["fragments"] += 1
        return [combine_columns([[left], right], "code et sortie en colonnes")] if right else [left]
    out_boxes = output_boxes(outputs, ctx)
    if location == "fragment" and out_boxes:
        ctx.counts["fragments"] += 1
    if location == "slide" and out_boxes:
        ctx.extra_slides.append(out_boxes)  # Quarto met la sortie sur une nouvelle diapositive
        return code_part
    return code_part + out_boxes


def stack(boxes: list[Box]) -> Box:
    """Des blocs l'un sous l'autre, séparés par la marge de bloc."""
    if not boxes:
        return Box(0.0)
    height = sum(b.height for b in boxes) + BLOCK_MARGIN * (len(boxes) - 1)
    widest = max(boxes, key=lambda b: b.right)
    return Box(height, widest.right, "", widest.right_what)


def combine_columns(columns: list[list[Box]], what: str) -> Box:
    stacked = [stack(c) for c in columns]
    tallest = max(stacked, key=lambda b: b.height)
    widest = max(stacked, key=lambda b: b.right)
    return Box(
        tallest.height,
        widest.right,
        f"{what} (la plus haute : {tallest.height:.0f} px)",
        widest.right_what,
    )


# --- le flux d'une diapositive ----------------------------------------------------------------------


def flow(items: list[Block], ctx: Context, in_output: bool = False) -> list[Box]:
    """Les boîtes d'une suite de blocs (texte, code, cellules), dans une zone de ``ctx``."""
    boxes: list[Box] = []
    i = 0
    while i < len(items):
        block = items[i]
        if block.kind in ("code", "cell") and block.lines[0].text.strip().endswith("{=html}"):
            # HTML brut (route « output: asis ») : son texte visible, sans balises ni scripts
            raw = "\n".join(line.text for line in block.lines[1:-1])
            raw = re.sub(r"<script\b.*?</script>", "", raw, flags=re.S)
            text = html.unescape(re.sub(r"<[^>]+>", "", raw)).strip()
            if text:
                boxes += [paragraph(line, ctx) for line in text.split("\n") if line.strip()]
            i += 1
            continue
        if block.kind == "cell":
            boxes += cell_boxes(block, ctx)
            i += 1
            continue
        if block.kind == "code":
            inner = [line.text for line in block.lines[1:-1]]
            # Quarto numérote aussi les blocs de code venus d'une sortie Markdown (show_source).
            boxes.append(code_box(inner, ctx, numbers=ctx.line_numbers, what="code"))
            i += 1
            continue
        if block.kind == "yaml":
            i += 1
            continue
        text = block.lines[0].text
        if not text.strip():
            i += 1
            continue
        # divs : ::: {.notes}, ::: {.fragment}, :::: {.columns}, ::: {.column}
        if m := DIV_OPEN_RE.match(text):
            end = _div_end(items, i, len(m.group(1)))
            classes, attrs = attributes(m.group(2))
            inner = items[i + 1 : end]
            i = end + 1
            if "notes" in classes or "aside" in classes:
                continue
            if "fragment" in classes:
                ctx.counts["fragments"] += 1
            if "columns" in classes:
                boxes.append(columns_box(inner, ctx))
                continue
            boxes += flow(inner, ctx, in_output)
            continue
        # texte : on regroupe les lignes jusqu'à la prochaine ligne vide ou le prochain bloc
        j = i
        group: list[str] = []
        while (
            j < len(items)
            and items[j].kind == "text"
            and items[j].lines[0].text.strip()
            and not DIV_OPEN_RE.match(items[j].lines[0].text)
            and not DIV_CLOSE_RE.match(items[j].lines[0].text)
        ):
            group.append(items[j].lines[0].text)
            j += 1
        if not group:  # une fermeture ::: isolée
            i += 1
            continue
        boxes += text_boxes(group, ctx)
        i = j
    return boxes


def _div_end(items: list[Block], start: int, colons: int) -> int:
    depth = 0
    for k in range(start, len(items)):
        if items[k].kind != "text":
            continue
        text = items[k].lines[0].text
        if DIV_OPEN_RE.match(text):
            depth += 1
        elif DIV_CLOSE_RE.match(text):
            depth -= 1
            if depth == 0:
                return k
    return len(items) - 1


def columns_box(items: list[Block], ctx: Context) -> Box:
    columns: list[list[Box]] = []
    left = ctx.left
    k = 0
    while k < len(items):
        text = items[k].lines[0].text if items[k].kind == "text" else ""
        if m := DIV_OPEN_RE.match(text):
            end = _div_end(items, k, len(m.group(1)))
            classes, attrs = attributes(m.group(2))
            if "column" in classes:
                share = float(attrs.get("width", "50%").rstrip("%")) / 100
                width = SLIDE_WIDTH * share * (ctx.width / SLIDE_WIDTH)
                gap = COLUMN_GAP * ctx.font
                inner_left = left + (gap if columns else 0)
                inner_width = width - gap
                columns.append(
                    flow(items[k + 1 : end], ctx.sub(left=inner_left, width=inner_width))
                )
                left += width
            k = end + 1
            continue
        k += 1
    return combine_columns(columns, f"{len(columns)} colonnes") if columns else Box(0.0)


def text_boxes(group: list[str], ctx: Context) -> list[Box]:
    """Un paquet de lignes de texte : titres, listes, tableaux, formules, paragraphes."""
    boxes: list[Box] = []
    k = 0
    while k < len(group):
        line = group[k]
        if m := HEADING_RE.match(line):
            size = {3: H3_SIZE, 4: 1.0}.get(len(m.group(1)), 1.0)
            font = FONT_SIZE * size
            n, _, _ = wrap(f"**{m.group(2)}**", ctx.width, font)
            boxes.append(Box(n * font * HEADING_LINE_HEIGHT, ctx.left, "intertitre"))
            k += 1
            continue
        if TABLE_RE.match(line):
            rows = []
            while k < len(group) and TABLE_RE.match(group[k]):
                rows.append(group[k])
                k += 1
            boxes.append(table_box(rows, ctx))
            continue
        if line.strip().startswith("$$"):
            tex = [line.strip()[2:]]
            k += 1
            while k < len(group) and "$$" not in tex[-1]:
                tex.append(group[k])
                k += 1
            boxes.append(display_math(" ".join(tex).replace("$$", ""), ctx))
            continue
        if LIST_RE.match(line):
            items: list[tuple[int, str]] = []
            base = len(LIST_RE.match(line).group(1))
            while k < len(group):
                m = LIST_RE.match(group[k])
                if m and len(m.group(1)) <= base + 8:
                    depth = (
                        max(0, (len(m.group(1)) - base + 1) // 2) if len(m.group(1)) > base else 0
                    )
                    items.append((min(depth, 3), m.group(3)))
                elif items and (group[k].startswith(" ") or not TABLE_RE.match(group[k])):
                    if group[k].strip().startswith("$$"):
                        break
                    items[-1] = (items[-1][0], items[-1][1] + " " + group[k].strip())
                else:
                    break
                k += 1
            boxes.append(list_box(items, ctx))
            continue
        para = []
        while k < len(group) and not (
            TABLE_RE.match(group[k])
            or LIST_RE.match(group[k])
            or group[k].strip().startswith("$$")
            or HEADING_RE.match(group[k])
        ):
            para.append(group[k].strip())
            k += 1
        boxes.append(paragraph(" ".join(para), ctx))
    return boxes


# ================================================================================================
# Verdict
# ================================================================================================


@dataclass
class Fit:
    slide: Slide
    height: float
    right: float
    boxes: list[Box]
    below: float = 0.0
    beyond: float = 0.0
    reasons: list[str] = field(default_factory=list)

    @property
    def overflows(self) -> bool:
        return bool(self.reasons)

    @property
    def title(self) -> str:
        return self.slide.title


def title_height(slide: Slide) -> float:
    """Le titre en gras (Liberation Serif grasse), coupé comme un paragraphe sur toute la
    largeur ; un titre de section (``#``) a ``H1_EXTRA`` px de marge de plus."""
    if not slide.title:
        return 0.0
    font = FONT_SIZE * (H1_SIZE if slide.level == 1 else H2_SIZE)
    n, _, _ = wrap(f"**{slide.title}**", SLIDE_WIDTH, font)
    return n * font * HEADING_LINE_HEIGHT + BLOCK_MARGIN + (H1_EXTRA if slide.level == 1 else 0)


def title_slide_boxes(meta: dict) -> list[Box]:
    """Page de titre : titre, sous-titre, auteurs et affiliations (centrés)."""
    boxes = [Box(title_height(Slide(0, plain(str(meta.get("title", ""))), 1)))]
    if meta.get("subtitle"):
        boxes.append(Box(FONT_SIZE * LINE_HEIGHT * 1.2 + FONT_SIZE))
    authors = meta.get("author") or []
    if isinstance(authors, (str, dict)):
        authors = [authors]
    if authors:
        boxes.append(Box(FONT_SIZE * LINE_HEIGHT * 2 * math.ceil(len(authors) / 2)))
    return boxes


def fit_slide(
    slide: Slide,
    *,
    echo: bool = True,
    line_numbers: bool = True,
    outputs: dict | None = None,
    smaller: bool = False,
    scrollable: bool = False,
) -> Fit:
    font = FONT_SIZE * (SMALLER if (slide.smaller or smaller) else 1.0)
    ctx = Context(
        font=font,
        left=0.0,
        width=SLIDE_WIDTH,
        echo=echo,
        line_numbers=line_numbers,
        outputs=outputs or {},
    )
    if slide.level == 0:
        boxes = title_slide_boxes(slide.title_meta)
    else:
        boxes = [Box(title_height(slide), 0.0, "titre")] if slide.title else []
        boxes += flow(slide.blocks, ctx)
    slide.fragments = ctx.counts["fragments"]
    content = stack(boxes[1:]) if slide.title and slide.level else stack(boxes)
    height = (boxes[0].height if slide.title and slide.level else 0) + content.height
    fit = Fit(slide, height, content.right, boxes)
    fit.below = height - SLIDE_HEIGHT
    fit.beyond = content.right - SLIDE_WIDTH
    if fit.below > -SAFETY_BELOW and not (slide.scrollable or scrollable):
        fit.reasons.append(
            f"hauteur estimée {height:.0f} px > {SLIDE_HEIGHT}"
            f" ({fit.below:+.0f} px) ; le plus haut : {tallest(boxes)}"
        )
    if fit.beyond > -SAFETY_RIGHT:
        fit.reasons.append(f"{content.right_what} : {fit.beyond:.0f} px de trop à droite")
    fit.extra = ctx.extra_slides
    return fit


def tallest(boxes: list[Box]) -> str:
    body = [b for b in boxes if b.what and b.what != "titre"] or boxes
    b = max(body, key=lambda b: b.height)
    return f"{b.what} ({b.height:.0f} px)"


def outputs_by_line(chunks: list[dict], lines: list[Line]) -> dict:
    """``{ligne du chunk (à partir de 1) : sorties}`` → ``{id(Line) : sorties}``."""
    return {id(lines[c["line"] - 1]): c["outputs"] for c in chunks}


def fit_deck(
    lines: list[Line],
    chunks: list[dict],
    *,
    execute: dict | None = None,
    format_options: dict | None = None,
) -> list[Fit]:
    """Le verdict de chaque diapositive d'un deck développé, avec les sorties de ses chunks
    (``outputs.compact_outputs``). Les sorties ``output-location: slide`` donnent une
    diapositive de plus, sans titre."""
    execute = execute or {}
    fmt = format_options or {}
    outputs = outputs_by_line(chunks, lines)
    fits: list[Fit] = []
    for slide in split_slides(lines):
        fit = fit_slide(
            slide,
            echo=execute.get("echo", True) is not False,
            line_numbers=fmt.get("code-line-numbers", True) is not False,
            outputs=outputs,
            smaller=bool(fmt.get("smaller")),
            scrollable=bool(fmt.get("scrollable")),
        )
        fits.append(fit)
        for extra in fit.extra:
            # Quarto répète le titre sur la diapositive de la sortie (mesuré le 2026-12-07).
            s = Slide(0, slide.title, 2, classes=slide.classes, start=slide.start)
            content = stack(extra)
            height = title_height(s) + content.height
            f = Fit(
                s, height, content.right, extra, height - SLIDE_HEIGHT, content.right - SLIDE_WIDTH
            )
            if f.below > -SAFETY_BELOW:
                f.reasons.append(
                    f"sortie (output-location: slide) : titre et sortie de "
                    f"{height:.0f} px > {SLIDE_HEIGHT}"
                )
            if f.beyond > -SAFETY_RIGHT:
                f.reasons.append(f"{content.right_what} : {f.beyond:.0f} px de trop à droite")
            fits.append(f)
    for number, fit in enumerate(fits, start=1):
        fit.slide.number = number
    return fits


def views(fits: list[Fit]) -> list[Fit]:
    """Les vues successives de reveal.js quand on avance avec « suivant » : une diapositive à n
    étapes de fragments donne n + 1 vues (mêmes dimensions : un fragment caché garde sa place)."""
    out = []
    for fit in fits:
        out += [fit] * (1 + fit.slide.fragments)
    return out


def fit_document(doc, cells) -> list[Fit]:
    """Le verdict de chaque diapositive d'un ``qmd.Document`` exécuté par ``kernel.run_document``."""
    from .outputs import compact_outputs

    return fit_deck(
        doc.lines,
        compact_outputs(doc, cells),
        execute=doc.execute,
        format_options=doc.format_options,
    )


def report(fits: list[Fit]) -> str:
    """Un tableau lisible : numéro, titre, hauteur estimée, verdict, raison."""
    rows = [f"{'n°':>3}  {'titre':<44} {'hauteur':>8}  verdict   raison"]
    for fit in fits:
        title = fit.title or "(sans titre)"
        title = title if len(title) <= 44 else title[:43] + "…"
        verdict = "DÉBORDE" if fit.overflows else "tient"
        reason = " ; ".join(fit.reasons)
        rows.append(
            f"{fit.slide.number:>3}  {title:<44} {fit.height:>6.0f} px  {verdict:<8}  {reason}"
        )
    bad = sum(f.overflows for f in fits)
    rows.append(
        f"\n{bad} diapositive(s) sur {len(fits)} débordent (modèle de tests/harness/slidefit.py)."
    )
    return "\n".join(rows)
