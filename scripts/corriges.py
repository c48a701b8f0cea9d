"""Avant le rendu du site de l'enseignant : écrire les notebooks corrigés.

Déclaré en ``pre-render`` dans ``_quarto-enseignant.yml`` ; Quarto le lance avec le Python du
projet. Les corrigés vont dans ``notebooks/corriges/`` (jamais committés, jamais dans le site
des élèves), comme avec ``uv run llmlab corrige``.
"""

from __future__ import annotations

import sys

from llmlab.cli import main

if __name__ == "__main__":
    sys.exit(main(["corrige"]))
