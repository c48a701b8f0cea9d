"""Fabrique ``fontmetrics.json`` : la largeur de chaque caractère dans les polices du rendu.

    uv run python tests/harness/make_fontmetrics.py [DOSSIER_DES_POLICES]

Le rendu relu dans Chromium (revue du 2026-12-07) affiche le texte des diapositives en
Liberation Serif (celle que Debian donne pour « Times »), les titres en Liberation Serif grasse,
le code en Liberation Mono et les diagrammes mermaid en Liberation Sans : les largeurs mesurées
sur les captures y correspondent au pixel près. Ce script lit ces polices (paquet Debian
``fonts-liberation``, dossier par défaut ``/usr/share/fonts/truetype/liberation``) avec Pillow
et écrit, pour chaque style, l'avance de chaque caractère en millièmes d'em. Le fichier est
committé : le modèle ``slidefit`` n'a pas besoin des polices pour tourner.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from PIL import ImageFont

OUT = Path(__file__).resolve().parent / "fontmetrics.json"
FONTS = {
    "serif": "LiberationSerif-Regular.ttf",
    "serif-bold": "LiberationSerif-Bold.ttf",
    "serif-italic": "LiberationSerif-Italic.ttf",
    "serif-bolditalic": "LiberationSerif-BoldItalic.ttf",
    "sans": "LiberationSans-Regular.ttf",
    "sans-bold": "LiberationSans-Bold.ttf",
    "mono": "LiberationMono-Regular.ttf",
}
# ASCII, Latin-1, Latin étendu A, et les signes du cours (typographie, flèches, maths, « ␣ »…).
EXTRA = "‘’‚“”„«»‹›–—―…•·×÷−±≈≠≤≥→←↔⇒↵␣€°µΔΣΩαβγδεθλμπσφψω√∞∑∏∫∂∇⊙∘ⁿ⁰¹²³⁴⁵⁶⁷⁸⁹₀₁₂₃₄₅₆₇₈₉ŷ\u00a0\u202f\u2009"
CHARS = (
    "".join(chr(c) for c in range(0x20, 0x7F)) + "".join(chr(c) for c in range(0xA0, 0x180)) + EXTRA
)
SIZE = 1000  # une police de 1 000 px : une avance en px vaut des millièmes d'em


def widths(path: Path) -> dict[str, int]:
    font = ImageFont.truetype(str(path), SIZE)
    return {c: round(font.getlength(c)) for c in dict.fromkeys(CHARS)}


def main(folder: str = "/usr/share/fonts/truetype/liberation") -> Path:
    base = Path(folder)
    table = {style: widths(base / name) for style, name in FONTS.items()}
    table["_source"] = {style: name for style, name in FONTS.items()}
    OUT.write_text(
        json.dumps(table, ensure_ascii=False, indent=0, sort_keys=True) + "\n", encoding="utf-8"
    )
    print(f"{OUT} : {len(CHARS)} caractères × {len(FONTS)} styles", file=sys.stderr)
    return OUT


if __name__ == "__main__":
    main(*sys.argv[1:2])
