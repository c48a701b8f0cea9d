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


class DocumentRuns:
    """Chaque .qmd n'est exécuté qu'une fois par session : ``tests/test_slides.py`` vérifie
    qu'il tourne, ``tests/test_slidefit.py`` que ses diapositives tiennent, sur la même
    exécution. Une erreur (``QmdError``, ``KernelRunError``) est gardée et relevée à chaque
    demande."""

    def __init__(self):
        self._runs: dict[Path, tuple] = {}

    def get(self, path: Path):
        """``(document, cellules exécutées)`` de ``path`` ; relève l'erreur de l'exécution."""
        from harness.kernel import KernelRunError, run_document
        from harness.qmd import QmdError, parse_document

        path = Path(path).resolve()
        if path not in self._runs:
            try:
                doc = parse_document(path, ROOT)
                self._runs[path] = (doc, run_document(doc), None)
            except (QmdError, KernelRunError) as e:
                self._runs[path] = (None, None, e)
        doc, cells, error = self._runs[path]
        if error is not None:
            raise error
        return doc, cells


@pytest.fixture(scope="session")
def document_runs() -> DocumentRuns:
    return DocumentRuns()
