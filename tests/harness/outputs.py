"""Les sorties d'un .qmd exécuté, sous une forme compacte : ce qui compte pour la mise en page.

``compact_outputs(doc, cells)`` garde, pour chaque chunk exécuté, le texte de ses sorties
(flux, Markdown, texte brut, erreurs) et les **dimensions** de ses images, pas les PNG. C'est ce
que lit ``slidefit`` pour estimer la place d'une diapositive, et ce que contient la fixture figée
``tests/fixtures/slidefit/``. Chaque chunk est repéré par le numéro (à partir de 1) de sa ligne
```` ```{python} ```` dans le texte développé du document.
"""

from __future__ import annotations

import base64
import struct

from .kernel import strip_ansi
from .qmd import Document

# Ordre de préférence des types MIME pour une sortie riche (comme Quarto pour du HTML :
# le Markdown d'IPython.display.Markdown, puis les images, puis le texte brut).
MIME_ORDER = (
    "text/markdown",
    "image/png",
    "image/jpeg",
    "image/svg+xml",
    "text/html",
    "text/plain",
)


def png_size(data: str) -> tuple[int, int]:
    """(largeur, hauteur) en pixels d'un PNG encodé en base64 (lues dans l'en-tête IHDR)."""
    raw = base64.b64decode(data[:100])
    if raw[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("ce n'est pas un PNG")
    return struct.unpack(">II", raw[16:24])


def _rich(output: dict) -> dict | None:
    data, metadata = output.get("data", {}), output.get("metadata", {})
    for mime in MIME_ORDER:
        if mime not in data:
            continue
        value = data[mime]
        if mime == "image/png":
            width, height = png_size(value)
            shown = (
                metadata.get("image/png", {}) if isinstance(metadata.get("image/png"), dict) else {}
            )
            # Une image « retina » déclare sa taille d'affichage dans les métadonnées.
            return {
                "type": "image",
                "width": int(shown.get("width", width)),
                "height": int(shown.get("height", height)),
            }
        if mime in ("image/jpeg", "image/svg+xml"):
            return {"type": "image", "width": 0, "height": 0, "mime": mime}
        text = value if isinstance(value, str) else "".join(value)
        if mime == "text/html":
            if metadata.get("ojs_define"):
                return None  # <script type="ojs-define"> : rien d'affiché
            return {"type": "html", "text": text}
        return {"type": "markdown" if mime == "text/markdown" else "text", "text": text}
    return None


def compact_cell(cell) -> list[dict]:
    outputs = []
    for out in cell.get("outputs", []):
        kind = out.get("output_type")
        if kind == "stream":
            text = strip_ansi(out.get("text", ""))
            if (
                outputs
                and outputs[-1]["type"] == "stream"
                and outputs[-1]["name"] == out.get("name")
            ):
                outputs[-1]["text"] += text  # Jupyter découpe un même flux en morceaux
            else:
                outputs.append({"type": "stream", "name": out.get("name", "stdout"), "text": text})
        elif kind in ("display_data", "execute_result"):
            if (item := _rich(out)) is not None:
                outputs.append(item)
        elif kind == "error":
            outputs.append(
                {"type": "error", "text": strip_ansi("\n".join(out.get("traceback") or []))}
            )
    return outputs


def compact_outputs(doc: Document, cells: list) -> list[dict]:
    """Une entrée par chunk exécuté (expressions en ligne exclues) : ligne et sorties."""
    index = {id(line): i for i, line in enumerate(doc.lines, start=1)}
    result = []
    for chunk, cell in zip(doc.runnable, cells):
        if chunk.inline:
            continue
        result.append({"line": index[id(chunk.start)], "outputs": compact_cell(cell)})
    return result


# Les types MIME qui font ajouter à la page, par Quarto, require.js et jQuery pris sur un CDN
# (« widgets JavaScript », src/core/jupyter/widgets.ts de quarto-cli) : tout résultat affiché
# (display_data, execute_result) qui en contient un, même à côté de text/plain ou text/markdown.
WIDGET_MIMES = ("text/html", "application/javascript", "application/vnd.jupyter.widget-view+json")


def widget_outputs(doc: Document, cells: list) -> list[str]:
    """Les chunks exécutés dont un résultat porte un de ``WIDGET_MIMES`` : « fichier, ligne :
    types ». Le HTML passe par ``llmlab.display.print_html`` dans un chunk ``output: asis``."""
    found = []
    for chunk, cell in zip(doc.runnable, cells):
        for out in cell.get("outputs", []):
            if out.get("output_type") not in ("display_data", "execute_result"):
                continue
            mimes = [m for m in WIDGET_MIMES if m in out.get("data", {})]
            if mimes:
                found.append(f"{chunk.start.where(doc.root)} : {', '.join(mimes)}")
    return found


#: Le type MIME privé des rapports de ``figure_check.py`` (graduations à point décimal).
TICKS_MIME = "application/x-llmlab-ticks+json"


def decimal_point_ticks(cells, where) -> list[str]:
    """Les figures dont une graduation garde le point décimal, une ligne par axe fautif :
    « <où> : axe y de « probabilité » : 0.2, 0.4 ». ``where(i, cell)`` nomme la cellule."""
    found = []
    for index, cell in enumerate(cells):
        for out in cell.get("outputs", []):
            for report in out.get("data", {}).get(TICKS_MIME, []):
                found.append(
                    f"{where(index, cell)} : axe {report['axis']} de "
                    f"« {report['axes']} » : {', '.join(report['labels'])}"
                )
    return found


# Les images que Quarto met dans la page : une balise <img> qui doit porter un texte alternatif.
IMAGE_MIMES = ("image/png", "image/jpeg", "image/svg+xml")


def _shown(chunk, doc: Document) -> bool:
    """Les sorties du chunk arrivent-elles dans la page (ni ``output: false``, ni
    ``include: false``, dans le chunk ou dans ``execute``) ?"""
    return all(
        chunk.options.get(key, doc.execute.get(key, True)) is not False
        for key in ("output", "include")
    )


def _alt_texts(value) -> list[str]:
    """Les textes de ``fig-alt``. Quarto (``broadcastFigureOption`` de son moteur Jupyter)
    donne une chaîne à chaque figure du chunk, et le n-ième texte d'une liste à la n-ième."""
    values = value if isinstance(value, list) else [value]
    return [v.strip() if isinstance(v, str) else "" for v in values]


def figures_without_alt(doc: Document, cells: list) -> list[str]:
    """Les chunks exécutés qui affichent une image sans ``fig-alt`` non vide pour chacune :
    « fichier, ligne : n image(s) sans fig-alt ». Un lecteur d'écran ne lit d'une figure que
    son texte alternatif (WCAG 2.1, 1.1.1)."""
    found = []
    for chunk, cell in zip(doc.runnable, cells):
        if chunk.inline or not _shown(chunk, doc):
            continue
        images = sum(
            1
            for out in cell.get("outputs", [])
            if out.get("output_type") in ("display_data", "execute_result")
            and any(m in out.get("data", {}) for m in IMAGE_MIMES)
        )
        if not images:
            continue
        texts = _alt_texts(chunk.options["fig-alt"]) if "fig-alt" in chunk.options else []
        where = chunk.start.where(doc.root)
        if not texts:
            found.append(f"{where} : {images} image(s) sans fig-alt")
        elif not all(texts):
            found.append(f"{where} : fig-alt vide")
        elif isinstance(chunk.options["fig-alt"], list) and len(texts) < images:
            found.append(f"{where} : {images} images pour une liste de {len(texts)} fig-alt")
    return found
