"""Emplacements des dossiers du cours (données, styles), calculés une seule fois."""

import os
from pathlib import Path

#: Racine du dépôt : le paquet est installé en mode éditable depuis ``src/llmlab``.
ROOT = Path(__file__).resolve().parents[2]

#: Dossier des données hors ligne ; ``LLMLAB_DATA`` permet d'en choisir un autre.
DATA_DIR = Path(os.environ.get("LLMLAB_DATA", ROOT / "data"))

#: Dossier de la palette et des thèmes (matplotlib, site, diapositives, mermaid).
STYLES_DIR = ROOT / "styles"
