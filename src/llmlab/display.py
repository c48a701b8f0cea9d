"""Affichage dans les diapositives et les notebooks : le vrai code du paquet, des tableaux nets.

Une diapositive n'écrit jamais le code qu'elle enseigne : elle l'importe de ``llmlab``. Pour le
*montrer*, `show_source` affiche la source d'une fonction du paquet, telle qu'elle s'exécute,
dans un bloc de code Python. `markdown_table` remplace un mur de ``print`` par un vrai tableau.

Les deux renvoient un ``IPython.display.Markdown`` : Jupyter l'affiche mis en forme, et Quarto
insère ce Markdown dans la page (type MIME ``text/markdown``), comme s'il était écrit à la main.
Dans un chunk, ``#| echo: false`` cache l'appel pour ne garder que le résultat.

Le reste met en forme pour un lecteur français : `visible` écrit un token sur une ligne
(« ␣ », « ↵ »), `french_number` et ses voisines écrivent les nombres avec une virgule.
"""

from __future__ import annotations

import ast
import inspect
import json
import re
import textwrap
import unicodedata

from IPython.display import Markdown


def fence_for(text: str) -> str:
    """La clôture d'un bloc de code pour ``text`` : au moins trois accents graves, un de plus
    que la plus longue suite d'accents graves du texte.

    Le bloc ne peut donc pas se refermer au milieu du code montré."""
    longest, run = 0, 0
    for char in text:
        run = run + 1 if char == "`" else 0
        longest = max(longest, run)
    return "`" * max(3, longest + 1)


def _without_docstring(source: str) -> str:
    """Retire la docstring de la fonction ou de la classe ``source`` (lignes entières).

    On repère la docstring avec ``ast`` (pas avec une expression régulière) : une chaîne
    entre triples guillemets ailleurs dans le corps n'est pas touchée.
    """
    node = ast.parse(source).body[0]
    body = getattr(node, "body", [])
    if not (
        body
        and isinstance(body[0], ast.Expr)
        and isinstance(body[0].value, ast.Constant)
        and isinstance(body[0].value.value, str)
    ):
        return source
    first, last = body[0].lineno, body[0].end_lineno  # numéros de ligne à partir de 1
    lines = source.splitlines(keepends=True)
    return "".join(lines[: first - 1] + lines[last:])


def source_code(obj, docstring: bool = True) -> str:
    """La source de ``obj`` (fonction, méthode, classe), désindentée, sans ligne vide finale.

    Une méthode est indentée dans sa classe : on la ramène à la marge pour la lire seule.
    ``docstring=False`` la montre sans sa docstring, pour gagner de la place sur une diapositive.
    """
    try:
        source = textwrap.dedent(inspect.getsource(obj))
    except (TypeError, OSError) as exc:
        raise TypeError(
            f"Impossible de lire la source de {obj!r} : show_source attend une fonction, une "
            "méthode ou une classe écrite en Python (pas une fonction intégrée)."
        ) from exc
    if not docstring:
        source = _without_docstring(source)
    return source.rstrip() + "\n"


def source_markdown(obj, docstring: bool = True) -> str:
    """Le texte Markdown d'un bloc de code Python qui contient la source de ``obj``."""
    code = source_code(obj, docstring)
    fence = fence_for(code)
    return f"{fence}python\n{code}{fence}\n"


def show_source(obj, docstring: bool = True) -> Markdown:
    """Montre la source de ``obj`` comme un bloc de code Python (le code qui s'exécute vraiment).

    Dans un chunk Quarto : ``#| echo: false`` puis ``show_source(llmlab.nn.Dense.backward)``.
    """
    return Markdown(source_markdown(obj, docstring))


# --- Tableaux ---------------------------------------------------------------------------------

_ALIGN = {"l": ":--", "r": "--:", "c": ":-:"}


_CODE_SPAN = re.compile(r"(`+)(.+?)\1")
_DOLLAR = re.compile(r"(?<!\\)\$")


def _escape_dollars(text: str) -> str:
    """``$`` → ``\\$`` hors des bouts de code : sinon Pandoc lit « k$ … k$ » comme une formule
    (« MSE (k$²) | Erreur (k$) » devenait des maths). Un ``\\$`` déjà protégé reste tel quel."""
    out, last = [], 0
    for m in _CODE_SPAN.finditer(text):
        out += [_DOLLAR.sub(r"\\$", text[last : m.start()]), m.group(0)]
        last = m.end()
    out.append(_DOLLAR.sub(r"\\$", text[last:]))
    return "".join(out)


def _cell(value) -> str:
    """Une cellule de tableau Markdown : sur une ligne, avec les | et les $ protégés."""
    return _escape_dollars(" ".join(str(value).split()).replace("|", r"\|"))


def table_markdown(rows, headers, align: str | None = None) -> str:
    """Le texte d'un tableau Markdown (« pipe table ») ; ``align`` : une lettre l, r ou c par
    colonne (par défaut : à gauche). Les nombres se formatent avant, dans ``rows``."""
    headers = list(headers)
    align = align or "l" * len(headers)
    if len(align) != len(headers) or set(align) - set(_ALIGN):
        raise ValueError(
            f"align doit avoir une lettre l, r ou c par colonne ({len(headers)}) ; reçu {align!r}."
        )
    body = []
    for row in rows:
        row = list(row)
        if len(row) != len(headers):
            raise ValueError(f"Ligne de {len(row)} cellules pour {len(headers)} colonnes : {row!r}")
        body.append([_cell(v) for v in row])
    head = [_cell(h) for h in headers]
    # Un tableau plus large que 72 caractères prend la largeur de la page, et Pandoc partage
    # alors les colonnes au prorata des tirets de la ligne de séparation : autant de tirets
    # que la plus longue cellule, pour qu'une colonne de descriptions ne soit pas coincée
    # dans un quart de la largeur (et ne s'étale pas sur trois lignes).
    widths = [max(len(cell) for cell in column) for column in zip(head, *body)]
    rule = [_ALIGN[a][0] + "-" * max(1, w - 2) + _ALIGN[a][-1] for a, w in zip(align, widths)]
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join(rule) + "|"]
    lines += ["| " + " | ".join(cells) + " |" for cells in body]
    return "\n".join(lines) + "\n"


def markdown_table(rows, headers, align: str | None = None) -> Markdown:
    """Affiche ``rows`` comme un tableau, mis en forme par le thème des diapositives."""
    return Markdown(table_markdown(rows, headers, align))


# --- Un token lisible ------------------------------------------------------------------------


def visible(token: bytes) -> str:
    """Un token lisible sur une ligne : « ␣ » pour l'espace, « ↵ » pour le saut de ligne.

    Un octet qui n'est pas de l'UTF-8 complet (morceau d'emoji…) s'écrit ``\\xNN`` ; les
    autres caractères de contrôle s'écrivent ``\\uNNNN``.
    """
    text = token.decode("utf-8", errors="backslashreplace")
    out = []
    for c in text:
        if c == " ":
            out.append("␣")
        elif c == "\n":
            out.append("↵")
        elif c == "\t":
            out.append("⇥")
        elif unicodedata.category(c) in ("Cc", "Zl", "Zp"):
            out.append(f"\\u{ord(c):04x}")
        else:
            out.append(c)
    return "".join(out)


# --- Nombres à la française -----------------------------------------------------------------


def french_number(x: float, decimals: int = 1) -> str:
    """Un nombre à la française : virgule décimale, espace fine insécable pour les milliers.

    >>> french_number(1234567.891, 2)
    '1 234 567,89'
    """
    text = f"{x:,.{decimals}f}"
    return text.replace(",", "\u202f").replace(".", ",")


def french_general(x: float, digits: int = 4) -> str:
    """Comme le format ``g`` de Python (``digits`` chiffres significatifs), virgule décimale :
    pour les valeurs d'échelles très différentes (une MSE qui diverge, un taux d'apprentissage).

    >>> french_general(0.012345), french_general(2.5), french_general(1.5e-7, 2)
    ('0,01235', '2,5', '1,5e-07')
    """
    return f"{x:.{digits}g}".replace(".", ",")


def french_tick(x: float, digits: int = 3) -> str:
    """Une graduation d'axe à la française : « 1 024 », « 0,25 », « −0,5 », « 1,5e-07 ».

    Un entier s'écrit en entier, avec l'espace des milliers ; sinon ``digits`` chiffres
    significatifs (`french_general`). Le signe moins est le vrai « − », comme matplotlib.
    """
    if x == 0:
        return "0"
    text = french_number(x, 0) if float(x).is_integer() else french_general(x, digits)
    return text.replace("-", "\u2212") if text.startswith("-") else text


def french_ticks(ax, axis: str = "both", digits: int = 3):
    """Met la virgule décimale sur les graduations d'une figure matplotlib.

    ``ax`` : des axes (``plt.subplots``) ou une barre de couleur (``fig.colorbar(...)``) ;
    ``axis`` : « x », « y » ou « both ». Le formateur de matplotlib écrit « 0.25 » quelle
    que soit la langue : toute figure du cours qui a des graduations décimales passe par
    ici. Les échelles logarithmiques gardent leurs puissances de 10, sans virgule à
    mettre. Rend ``ax``.
    """
    from matplotlib.ticker import FuncFormatter

    if axis not in ("x", "y", "both"):
        raise ValueError(f"axis vaut « x », « y » ou « both » (reçu {axis!r}).")
    target = getattr(ax, "ax", ax) if not hasattr(ax, "xaxis") else ax  # Colorbar → ses axes
    formatter = FuncFormatter(lambda value, _: french_tick(value, digits))
    for name in ("x", "y"):
        part = getattr(target, f"{name}axis")
        if axis in (name, "both") and part.get_scale() == "linear":
            part.set_major_formatter(formatter)
    return ax


def french_count(n: int) -> str:
    """Un grand nombre en mots, arrondi : « 124 millions », « 8,0 milliards », « 175 milliards »."""
    if n >= 1e9:
        billions = n / 1e9
        return f"{french_number(billions, 0 if billions >= 100 else 1)} milliards"
    if n >= 1e6:
        return f"{french_number(n / 1e6, 0)} millions"
    return french_number(n, 0)


def html_block(html: str) -> str:
    """Un bloc HTML brut de Pandoc (bloc de code marqué ``{=html}``), recopié tel quel.

    C'est la seule route du HTML vers une page ou une diapositive : un résultat ``text/html``
    (``IPython.display.HTML``) ferait ajouter par Quarto require.js et jQuery, pris sur un CDN
    (voir :func:`ojs_define`). Le bloc est entouré de lignes vides pour rester un bloc.
    """
    return "\n```{=html}\n" + html + "\n```\n\n"


def print_html(html: str) -> None:
    """Imprime le bloc HTML brut de :func:`html_block`, pour un chunk en sortie « asis ».

    Le chunk doit porter l'option ``#| output: asis`` : Quarto recopie alors le bloc tel quel.
    """
    print(html_block(html), end="")


def ojs_script(**values) -> str:
    """Le bloc HTML brut qui transmet ``values`` aux cellules ``{ojs}`` d'une page.

    Même contenu que la fonction ``ojs_define`` que Quarto met dans le noyau : un élément
    ``<script type="ojs-define">`` dont le JSON liste ``{"name": …, "value": …}``, lu par le
    runtime OJS au chargement de la page. Une valeur que JSON refuse (tableau NumPy, NaN) lève
    une erreur ici, au rendu, plutôt que de casser la page dans le navigateur. « </ » est écrit
    « <\\/ » (même valeur en JSON) pour qu'une chaîne ne puisse pas fermer la balise.
    """
    payload = {"contents": [{"name": name, "value": value} for name, value in values.items()]}
    text = json.dumps(payload, ensure_ascii=False, allow_nan=False).replace("</", "<\\/")
    return html_block('<script type="ojs-define">' + text + "</script>")


def ojs_define(**values) -> None:
    """Transmet des valeurs Python aux cellules ``{ojs}``, sans rien tirer d'un CDN.

    Remplace la fonction ``ojs_define`` de Quarto dans un chunk marqué ``#| output: asis``.
    Celle de Quarto affiche un résultat ``text/html`` ; or Quarto ajoute à toute page dont un
    chunk produit du ``text/html`` les scripts des « widgets JavaScript » : require.js et
    jQuery, pris sur le CDN jsDelivr (``src/core/jupyter/widgets.ts`` dans quarto-cli). Hors
    ligne, ils manquent et le ``define('jquery', …)`` qui suit échoue. Ici, le même
    ``<script type="ojs-define">`` est *imprimé* comme Markdown brut : Quarto le recopie dans
    la page sans y voir de widget.
    """
    print(ojs_script(**values), end="")


# --- Barres de progression ------------------------------------------------------------------

#: La ligne d'une barre : ``Fusions BPE : 45 % |████▌     | 90/200 [00:03<00:04, 29,5 fusions/s]``.
BAR_FORMAT = "{desc} : {percentage:3.0f} % |{bar}| {n_fr}/{total_fr} [{elapsed}<{remaining}, {rate_fr}{postfix}]"
#: Sans total connu, ni pourcentage ni barre : ``Téléchargement : 1,23 Mo [00:02, 600 ko/s]``.
COUNT_FORMAT = "{desc} : {n_fr} [{elapsed}, {rate_fr}{postfix}]"


def _size(x: float, unit: str, unit_scale: bool) -> str:
    """« 1 234 » ; avec ``unit_scale``, « 1,23 Mo » (préfixes k, M, G… de tqdm)."""
    if not unit_scale:
        return french_number(x, 0) if float(x).is_integer() else french_number(x, 1)
    if x == 0:
        return f"0 {unit}"
    from tqdm import tqdm

    text = tqdm.format_sizeof(x).replace(".", ",")
    number, prefix = (text[:-1], text[-1]) if text[-1].isalpha() else (text, "")
    return f"{number} {prefix}{unit}"


def french_rate(rate: float | None, unit: str, unit_scale: bool = False) -> str:
    """Une vitesse de barre de progression à la française.

    >>> french_rate(29.46, "pas"), french_rate(0.25, "pas"), french_rate(None, "pas")
    ('29,5 pas/s', '4 s/pas', '? pas/s')
    >>> french_rate(1_234_567, "o", unit_scale=True)
    '1,23 Mo/s'
    """
    if not rate:
        return f"? {unit}/s"
    if unit_scale:
        return f"{_size(rate, unit, True)}/s"
    if rate < 1:
        return f"{french_general(1 / rate, 3)} s/{unit}"
    return f"{french_number(rate, 1 if rate < 100 else 0)} {unit}/s"


_FRENCH_TQDM = None


def _french_tqdm():
    """La classe ``tqdm.auto.tqdm`` (terminal ou notebook) qui écrit ses nombres en français."""
    global _FRENCH_TQDM
    if _FRENCH_TQDM is None:
        from tqdm.auto import tqdm

        class FrenchTqdm(tqdm):
            @property
            def format_dict(self):
                values = super().format_dict
                unit, scale = values.get("unit") or "", bool(values.get("unit_scale"))
                rate, elapsed = values.get("rate"), values.get("elapsed")
                if rate is None and elapsed:  # comme tqdm : la moyenne depuis le début
                    rate = (values["n"] - values.get("initial", 0)) / elapsed
                total = values.get("total")
                values["rate_fr"] = french_rate(rate, unit, scale)
                values["n_fr"] = _size(values["n"], unit, scale)
                values["total_fr"] = "?" if total is None else _size(total, unit, scale)
                return values

        _FRENCH_TQDM = FrenchTqdm
    return _FRENCH_TQDM


def progress_bar(iterable=None, *, desc: str, unit: str, total=None, disable=False, **options):
    """Une barre de progression ``tqdm`` qui parle français : « 45 % », « 29,5 pas/s ».

    Même usage que ``tqdm`` (un itérable, ou ``total`` et ``update``) ; ``unit`` s'écrit au
    pluriel (« pas », « fusions », « mesures »). Dans un notebook, c'est la barre de Jupyter ;
    dans un terminal, une ligne de texte. ``disable=True`` n'affiche rien.
    """
    if total is None and hasattr(iterable, "__len__"):
        total = len(iterable)
    return _french_tqdm()(
        iterable,
        desc=desc,
        unit=unit,
        total=total,
        disable=disable,
        bar_format=COUNT_FORMAT if total is None else BAR_FORMAT,
        **options,
    )
