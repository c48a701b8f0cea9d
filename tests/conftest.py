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

# Sous pytest-xdist, un processus de test par cœur : chacun (et les noyaux qu'il lance, qui
# héritent de l'environnement) calcule sur un seul fil. Sinon chaque torch prend tous les
# cœurs, les fils se disputent la machine et la suite va plus lentement qu'en série.
if os.environ.get("PYTEST_XDIST_WORKER"):
    for _variable in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        os.environ.setdefault(_variable, "1")


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


#: Portées de fixture qui font grouper les tests d'un fichier : sur un même processus, la
#: fixture ne tourne qu'une fois (les fixtures de session, elles, tournent une fois par
#: processus quoi qu'on fasse).
SHARED_SCOPES = {"module", "class", "package"}


def _document(item) -> str | None:
    """Le document (deck, page) qu'un test lit par ``document_runs``, sinon None."""
    params = getattr(getattr(item, "callspec", None), "params", {})
    document = params.get("qmd") or params.get("deck")
    if "document_runs" in getattr(item, "fixturenames", ()) and document is not None:
        return Path(document).resolve().relative_to(ROOT).as_posix()
    return None


def _shares_a_fixture(item) -> bool:
    """Le test lit-il une fixture de module (ou de classe) ?"""
    info = getattr(item, "_fixtureinfo", None)
    for defs in getattr(info, "name2fixturedefs", {}).values():
        if defs and defs[-1].scope in SHARED_SCOPES:
            return True
    return False


#: Fichiers dont les tests lancent des processus (Chromium, torchrun, entraînements tués,
#: commandes) : quelques secondes à une demi-minute chacun, sans être ``slow``. Ils passent
#: juste après les tests lents, avant la masse des tests rapides qui remplit la fin.
HEAVY_FILES = {
    "test_browser_check.py",
    "test_vendor_browser.py",
    "test_resume_after_kill.py",
    "test_parallel.py",
    "test_ladder.py",
    "test_environment.py",
}


def _cost(item) -> int:
    """Une estimation grossière du temps d'un test lent : la taille du document ou du notebook
    qu'il exécute, parties incluses (``slides/tp4/`` pour ``slides/tp4.qmd``) ; les plus gros
    d'abord. Puis 1 pour ceux de ``HEAVY_FILES``, 0 pour les autres."""
    if not item.get_closest_marker("slow"):
        return 1 if item.path.name in HEAVY_FILES else 0
    params = getattr(getattr(item, "callspec", None), "params", {})
    for value in params.values():
        if isinstance(value, Path) and value.is_file():
            parts = value.with_suffix("")
            included = parts.glob("*.qmd") if parts.is_dir() else ()
            return value.stat().st_size + sum(f.stat().st_size for f in included)
    return 1


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    """Les groupes de pytest-xdist (``--dist loadgroup``) et l'ordre des tests.

    ``tryfirst`` : pytest-xdist lit les marques ``xdist_group`` dans son propre
    ``pytest_collection_modifyitems`` (3.8, sans ``trylast``) ; s'il passait avant ce hook, il ne
    verrait aucune des marques posées ici (``tests/test_harness.py`` le vérifie).

    * les tests qui lisent ``document_runs`` : un groupe par document, pour qu'il ne soit
      exécuté qu'une fois (``test_slides.py`` et ``test_slidefit.py`` partagent l'exécution) ;
    * les tests qui lisent une fixture de module : un groupe par fichier (elle ne tourne
      qu'une fois) ;
    * les autres ne sont pas groupés : chacun va au premier processus libre.

    Puis les tests lents passent devant, les plus coûteux d'abord (``--no-loadscope-reorder``
    dans pyproject.toml garde cet ordre) : sinon xdist trie les groupes par nombre de tests et
    le plus long notebook part en dernier, seul sur un processus pendant que l'autre attend.
    """
    for item in items:
        if item.get_closest_marker("xdist_group"):
            continue
        document = _document(item)
        if document is not None:
            item.add_marker(pytest.mark.xdist_group(f"document:{document}"))
        elif _shares_a_fixture(item):
            item.add_marker(pytest.mark.xdist_group(item.path.name))
    # tri stable : l'ordre des fichiers et des tests est gardé à coût égal
    items.sort(key=lambda item: -_cost(item))


# --- noyaux clonés : un bilan en fin de suite (harness/forkserver.py) -----------------------

_kernel_counts: list[dict] = []


def pytest_sessionfinish(session):
    from harness import forkserver

    if hasattr(session.config, "workeroutput"):  # processus de test de xdist : au contrôleur
        session.config.workeroutput["noyaux"] = forkserver.counts
    else:
        _kernel_counts.append(forkserver.counts)


@pytest.hookimpl(optionalhook=True)  # hook de pytest-xdist
def pytest_testnodedown(node, error):
    counts = getattr(node, "workeroutput", {}).get("noyaux")
    if counts:
        _kernel_counts.append(counts)


def pytest_terminal_summary(terminalreporter):
    from harness import forkserver

    if any(c["clonés"] or c["à neuf"] for c in _kernel_counts):
        terminalreporter.write_line(forkserver.summary(_kernel_counts))
