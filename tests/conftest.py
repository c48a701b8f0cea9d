"""Réglages communs à toute la suite.

Le dossier ``tests/`` est mis dans ``sys.path`` pour que ``from harness import …`` marche quel
que soit le mode d'import de pytest. Le réseau est coupé par pytest-socket (``addopts`` de
pyproject.toml) ; les noyaux Jupyter le sont par ``harness/offline.py``.
"""
import os
import sys
from pathlib import Path

import pytest

TESTS_DIR = Path(__file__).resolve().parent
ROOT = TESTS_DIR.parent

if str(TESTS_DIR) not in sys.path:
    sys.path.insert(0, str(TESTS_DIR))

# Comme dans les noyaux : Keras sur torch, matplotlib sans écran.
os.environ.setdefault("KERAS_BACKEND", "torch")
os.environ.setdefault("MPLBACKEND", "Agg")


@pytest.fixture(scope="session")
def repo_root() -> Path:
    """La racine du dépôt (là où vivent ``_quarto.yml`` et ``pyproject.toml``)."""
    return ROOT
