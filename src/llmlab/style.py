"""Le style matplotlib « ars-typographica » du cours, tiré de la palette unique.

Les couleurs ne sont pas recopiées ici : elles sont lues dans ``styles/_palette.scss``, le
fichier Sass qui colore aussi le site, les diapositives et les diagrammes mermaid. Changer
une couleur là-bas la change partout, figures comprises.

`import llmlab` enregistre le style ; ensuite, comme pour n'importe quel style matplotlib ::

    import matplotlib.pyplot as plt
    plt.style.use("ars-typographica")

ou, en une ligne : ``llmlab.style.use()``.

Le style ne fixe ni la taille des figures ni leur résolution : Quarto les règle pour les
diapositives (``fig-width``, ``fig-height``) et le style ne doit pas les écraser.
"""

from __future__ import annotations

import re
import warnings
from pathlib import Path

from cycler import cycler

from llmlab._paths import STYLES_DIR

#: Nom sous lequel le style est enregistré dans matplotlib.
STYLE_NAME = "ars-typographica"

#: Le fichier Sass de la palette : la seule source des couleurs.
PALETTE_FILE = STYLES_DIR / "_palette.scss"

# Une couleur par ligne : « $ars-nom: #RRGGBB; » (commentaire final permis).
_COLOR_LINE = re.compile(r"^\s*\$ars-([a-z0-9-]+)\s*:\s*(#[0-9A-Fa-f]{6})\s*;")

#: Couleurs des courbes successives : du noir au gris clair, en alternant foncé et clair
#: pour que deux courbes voisines restent distinctes, même imprimées en noir et blanc.
CYCLE = ("ink", "gray-3", "gray-4", "gray-2")

#: Polices sans empattement, de la préférée à la plus sûre (DejaVu Sans vient avec matplotlib).
SANS_SERIF = [
    "Source Sans Pro",
    "Source Sans 3",
    "Helvetica Neue",
    "Helvetica",
    "Arial",
    "DejaVu Sans",
]


def read_palette(path: Path | str | None = None) -> dict[str, str]:
    """Lit la palette Sass : ``{"ink": "#111111", ...}`` (noms sans le préfixe ``ars-``).

    Seules les lignes ``$ars-nom: #RRGGBB;`` sont des couleurs ; les polices et commentaires
    du fichier sont ignorés. Par défaut : `PALETTE_FILE`.
    """
    path = Path(PALETTE_FILE if path is None else path)
    if not path.exists():
        raise FileNotFoundError(
            f"Palette introuvable : {path}. Le style « {STYLE_NAME} » lit ses couleurs dans "
            "styles/_palette.scss, à la racine du dossier du cours."
        )
    palette = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        match = _COLOR_LINE.match(line)
        if match:
            name, color = match.groups()
            if name in palette:
                raise ValueError(f"Couleur « $ars-{name} » définie deux fois dans {path}.")
            palette[name] = color.upper()
    if not palette:
        raise ValueError(f"Aucune couleur « $ars-nom: #RRGGBB; » trouvée dans {path}.")
    return palette


def rc_params(palette: dict[str, str] | None = None) -> dict:
    """Les réglages matplotlib du style : fond papier, encre noire, grille légère, gris en cycle.

    Les tailles de police visent une figure de diapositive (environ 10 × 5 pouces) lue de loin.
    """
    p = read_palette() if palette is None else palette
    return {
        # Fond et encre
        "figure.facecolor": p["paper"],
        "figure.edgecolor": p["paper"],
        "savefig.facecolor": p["paper"],
        "savefig.edgecolor": p["paper"],
        "axes.facecolor": p["paper"],
        "text.color": p["ink"],
        "axes.labelcolor": p["ink"],
        "axes.titlecolor": p["ink"],
        "xtick.color": p["muted"],
        "ytick.color": p["muted"],
        "xtick.labelcolor": p["ink"],
        "ytick.labelcolor": p["ink"],
        # Axes : deux filets seulement (gauche, bas), comme un tableau imprimé
        "axes.edgecolor": p["gray-4"],
        "axes.linewidth": 0.8,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.grid": True,
        "axes.axisbelow": True,
        "grid.color": p["tint"],
        "grid.linewidth": 0.8,
        "grid.linestyle": "-",
        "axes.prop_cycle": cycler(color=[p[name] for name in CYCLE]),
        # Traits et marqueurs
        "lines.linewidth": 1.8,
        "lines.markersize": 5,
        "scatter.edgecolors": "face",
        "patch.edgecolor": p["ink"],
        "patch.facecolor": p["gray-3"],
        "image.cmap": "Greys",
        "errorbar.capsize": 3,
        # Typographie
        "font.family": "sans-serif",
        "font.sans-serif": SANS_SERIF,
        "font.size": 13,
        "axes.titlesize": 15,
        "axes.titleweight": "bold",
        "axes.titlelocation": "left",
        "axes.titlepad": 10,
        "axes.labelsize": 13,
        "xtick.labelsize": 12,
        "ytick.labelsize": 12,
        "legend.fontsize": 12,
        "legend.frameon": False,
        "figure.titlesize": 16,
        "figure.titleweight": "bold",
        "mathtext.fontset": "dejavusans",
    }


def register(name: str = STYLE_NAME) -> bool:
    """Ajoute le style à la bibliothèque de matplotlib, sans importer pyplot.

    Appelée par `import llmlab`. Sans effet visible tant qu'on n'a pas fait
    ``plt.style.use("ars-typographica")`` (ou `use()`). Si la palette manque (paquet copié
    hors du dossier du cours), avertit au lieu d'empêcher `import llmlab` ; renvoie `False`.
    """
    import matplotlib.style

    try:
        params = rc_params()
    except FileNotFoundError as exc:
        warnings.warn(f"{exc} Le style « {name} » n'est pas disponible.", stacklevel=2)
        return False
    matplotlib.style.library[name] = params
    if name not in matplotlib.style.available:
        matplotlib.style.available.append(name)
        matplotlib.style.available.sort()
    return True


def use() -> None:
    """Active le style pour les figures suivantes (raccourci de ``plt.style.use``)."""
    import matplotlib.style

    params = rc_params()  # erreur claire si la palette manque
    matplotlib.style.library[STYLE_NAME] = params
    matplotlib.style.use(STYLE_NAME)
