"""Exécuter des cellules dans un noyau Jupyter neuf, comme Quarto ou « Run All ».

Un seul noyau par fichier (pas par cellule) : l'état passe d'une cellule à l'autre, comme au
rendu, et on ne paie qu'une fois le démarrage du noyau et l'import de torch. Le noyau est
toujours le Python qui fait tourner pytest (``sys.executable``), quel que soit le noyau nommé
dans le notebook (``llmlab``, ``python3``…) ou installé ailleurs sur la machine.

Avant la première cellule, le noyau reçoit ``offline.kernel_code()`` : plus de réseau sauf le
loopback. Son environnement : celui de pytest, complété par les fichiers ``_environment`` de
Quarto à la racine, avec ``KERAS_BACKEND=torch`` par défaut et ``MPLBACKEND=Agg`` (voir
``kernel_env``). Le dossier de travail est celui du fichier,
comme chez Quarto (ou la racine si ``_quarto.yml`` dit ``execute-dir: project``).

La limite de temps par cellule vaut 600 s ; la variable ``LLMLAB_CELL_TIMEOUT`` la change.

Sous Linux, le noyau est un clone d'un processus qui a déjà importé torch, Keras et
matplotlib (``forkserver.py``) : même code, même espace de noms neuf, 3 à 8 s de moins par
noyau. ``LLMLAB_NOYAUX_NEUFS=1`` lance chaque noyau à neuf.
"""

from __future__ import annotations

import os
import re
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path

import nbformat
from ipykernel.kernelspec import make_ipkernel_cmd
from jupyter_client.kernelspec import KernelSpec, KernelSpecManager
from jupyter_client.manager import AsyncKernelManager
from jupyter_client.provisioning.local_provisioner import LocalProvisioner
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError
from traitlets import default

from . import forkserver, offline
from .qmd import Document, rel

DEFAULT_TIMEOUT = 600
TIMEOUT_VARIABLE = "LLMLAB_CELL_TIMEOUT"
FORCED_ENV = {
    "MPLBACKEND": "Agg",
    "PYDEVD_DISABLE_FILE_VALIDATION": "1",  # taire l'avertissement de debugpy au démarrage
}
QUARTO_SETUP = Path(__file__).with_name("quarto_setup.py")
REPO_ROOT = Path(__file__).resolve().parents[2]
FIGURE_CHECK = Path(__file__).with_name("figure_check.py")  # graduations à point décimal
ANSI_RE = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
MAX_STREAM_CHARS = 3000


class KernelRunError(Exception):
    """Une cellule a échoué (ou dépassé le temps, ou tué le noyau) ; le message dit tout."""


@dataclass
class Cell:
    """Ce qu'on envoie au noyau, avec de quoi écrire un message d'échec utile."""

    source: str
    where: str  # « chunk slides/x.qmd, ligne 12 », « cellule n° 7 (id …) »
    allow_error: bool = False  # error: true, ou tag raises-exception
    listing: str = ""  # le code numéroté comme dans le fichier


# --- environnement --------------------------------------------------------------------------


def cell_timeout() -> int:
    value = os.environ.get(TIMEOUT_VARIABLE, "")
    try:
        return int(value) if value.strip() else DEFAULT_TIMEOUT
    except ValueError:
        raise ValueError(
            f"{TIMEOUT_VARIABLE}={value!r} : un nombre de secondes est attendu"
        ) from None


def read_dotenv(path: Path) -> dict[str, str]:
    """Lit un fichier ``_environment`` (format dotenv : ``CLE=valeur``, ``export`` permis,
    ``#`` pour les commentaires, valeurs entre guillemets ou non)."""
    path = Path(path)
    if not path.is_file():
        return {}
    env = {}
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        m = re.match(r"^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$", line)
        if not m:
            raise ValueError(f"{path} : ligne illisible {raw!r} (attendu CLE=valeur)")
        key, value = m.groups()
        if value[:1] in ("'", '"') and value.rfind(value[0]) > 0:
            quote = value[0]
            value = value[1 : value.rindex(quote)]
            if quote == '"':
                value = value.replace("\\n", "\n")
        else:
            value = re.sub(r"\s+#.*$", "", value).strip()
        env[key] = value
    return env


def kernel_env(root: Path, extra: dict[str, str] | None = None) -> dict[str, str]:
    """L'environnement du noyau. Comme Quarto (``dotenv.ts``), ``_environment.local`` puis
    ``_environment`` ne remplissent que les variables absentes de l'environnement. Ensuite
    ``KERAS_BACKEND=torch`` par défaut et ``MPLBACKEND=Agg`` imposé (tests sans écran).
    ``LLMLAB_CORRIGE`` n'est jamais hérité de pytest : seul ``extra`` peut l'ajouter."""
    env = dict(os.environ)
    env.pop("LLMLAB_CORRIGE", None)
    for name in ("_environment.local", "_environment"):
        for key, value in read_dotenv(Path(root) / name).items():
            env.setdefault(key, value)
    env.setdefault("KERAS_BACKEND", "torch")
    env.update(FORCED_ENV)
    env.update(extra or {})
    return env


# --- noyau ----------------------------------------------------------------------------------


class VenvKernelSpecManager(KernelSpecManager):
    """Répond à tout nom de noyau par ipykernel sur ``sys.executable``."""

    def get_kernel_spec(self, kernel_name: str) -> KernelSpec:
        return KernelSpec(
            argv=make_ipkernel_cmd(),
            display_name="Python (pytest)",
            language="python",
            resource_dir=str(Path(sys.prefix)),
            metadata={},
        )


class ForkProvisioner(LocalProvisioner):
    """Lance le noyau comme clone du zygote (``forkserver``), sinon comme d'habitude."""

    async def launch_kernel(self, cmd: list[str], **kwargs):
        cwd = kwargs.get("cwd") or os.getcwd()
        env = kwargs.get("env") or dict(os.environ)
        forked = forkserver.launch(cmd, env, cwd, base_env=kernel_env(REPO_ROOT))
        if forked is None:
            return await super().launch_kernel(cmd, **kwargs)
        self.process, self.pid, self.pgid, self.cwd = forked, forked.pid, forked.pid, cwd
        return self.connection_info


class VenvKernelManager(AsyncKernelManager):
    @default("kernel_spec_manager")
    def _kernel_spec_manager_default(self) -> KernelSpecManager:
        return VenvKernelSpecManager()

    async def _async_pre_start_kernel(self, **kw):
        if self.provisioner is None:
            self.kernel_id = self.kernel_id or kw.pop("kernel_id", str(uuid.uuid4()))
            self.provisioner = ForkProvisioner(
                kernel_id=self.kernel_id, kernel_spec=self.kernel_spec, parent=self
            )
        return await super()._async_pre_start_kernel(**kw)


def strip_ansi(text: str) -> str:
    return ANSI_RE.sub("", text)


def _outputs_text(cell) -> tuple[str, str]:
    """(sorties texte, trace d'erreur) d'une cellule exécutée."""
    streams, trace = [], ""
    for out in cell.get("outputs", []):
        if out.get("output_type") == "stream":
            streams.append(out.get("text", ""))
        elif out.get("output_type") == "error":
            trace = (
                "\n".join(out.get("traceback") or []) or f"{out.get('ename')}: {out.get('evalue')}"
            )
    text = strip_ansi("".join(streams)).rstrip()
    if len(text) > MAX_STREAM_CHARS:
        text = "[…]\n" + text[-MAX_STREAM_CHARS:]
    return text, strip_ansi(trace).rstrip()


def _report(title: str, headline: str, cell_info: Cell | None, cell, cwd: Path) -> str:
    parts = [f"{title} : {headline}", f"dossier de travail du noyau : {cwd}"]
    if cell_info is not None:
        parts += ["----- code -----", cell_info.listing or cell_info.source]
    streams, trace = _outputs_text(cell)
    if streams:
        parts += ["----- sorties avant l'échec -----", streams]
    if trace:
        parts += ["----- trace du noyau -----", trace]
    return "\n".join(parts)


def run_cells(
    cells: list[Cell], *, cwd: Path, env: dict[str, str], title: str, setup: str = ""
) -> list:
    """Exécute ``cells`` dans l'ordre, dans un noyau neuf ; renvoie les cellules exécutées
    (avec leurs sorties). ``setup`` passe juste après la garde réseau, avant la première
    cellule. Lève ``KernelRunError`` au premier échec non permis."""
    cwd = Path(cwd)
    guard = nbformat.v4.new_code_cell(offline.kernel_code() + "\n" + setup)
    nb_cells = [guard] + [
        nbformat.v4.new_code_cell(
            c.source, metadata={"tags": ["raises-exception"]} if c.allow_error else {}
        )
        for c in cells
    ]
    nb = nbformat.v4.new_notebook(cells=nb_cells)
    timeout = cell_timeout()
    client = NotebookClient(
        nb,
        timeout=timeout,
        startup_timeout=120,
        kernel_name="python3",
        kernel_manager_class=VenvKernelManager,
        allow_errors=False,
        record_timing=False,
        resources={"metadata": {"path": str(cwd)}},
    )
    with client.setup_kernel(env=env, cwd=str(cwd)):
        for index, cell in enumerate(nb.cells):
            info = cells[index - 1] if index else None
            where = info.where if info else "préparation du noyau (garde réseau, puis setup)"
            try:
                client.execute_cell(cell, index, execution_count=index or None)
            except CellExecutionError:
                raise KernelRunError(_report(title, f"échec, {where}", info, cell, cwd)) from None
            except CellTimeoutError:
                raise KernelRunError(
                    _report(
                        title,
                        f"{where} dépasse {timeout} s par cellule (la variable "
                        f"{TIMEOUT_VARIABLE} change cette limite)",
                        info,
                        cell,
                        cwd,
                    )
                ) from None
            except DeadKernelError:
                raise KernelRunError(
                    _report(
                        title,
                        f"le noyau est mort pendant {where} (mémoire épuisée ? plantage "
                        "d'une bibliothèque native ?)",
                        info,
                        cell,
                        cwd,
                    )
                ) from None
    return nb.cells[1:]


# --- documents Quarto -----------------------------------------------------------------------


def chunk_cells(doc: Document) -> list[Cell]:
    cells = []
    for chunk in doc.runnable:
        if chunk.inline:
            # le point-virgule : pas d'affichage, et « _ » reste intact, comme chez Quarto
            source, listing = (
                f"({chunk.code});",
                f"{chunk.start.lineno:>5} | `{{python}} {chunk.code}`",
            )
        else:
            source = chunk.code
            listing = "\n".join(f"{line.lineno:>5} | {line.text}" for line in chunk.lines)
        cells.append(Cell(source, chunk.where(doc.root), chunk.allow_error, listing))
    return cells


# Valeurs par défaut de Quarto quand le document ne dit rien (formats html et revealjs).
FIGURE_DEFAULTS = {"revealjs": (10, 5)}
FIGURE_DEFAULT = (7, 5)
FIGURE_DPI = 96
FIGURE_FORMAT = "retina"


def figure_setup(doc: Document) -> str:
    """Le début de la cellule de préparation de Quarto (``resources/jupyter/lang/python/
    setup.py``) : taille et résolution des figures matplotlib tirées des options du format
    (``fig-width``, ``fig-height``, ``fig-dpi``, ``fig-format`` ; au niveau du document
    seulement : le moteur Jupyter ignore ces options dans un chunk). Quarto importe
    ``set_matplotlib_formats`` depuis ``IPython.display``, qui n'existe plus depuis IPython 9 :
    l'erreur est avalée et les figures restent en PNG à ``fig-dpi``, ici aussi.
    ``MPLBACKEND=Agg`` est imposé au noyau (voir ``kernel_env``) : on remet le backend
    « inline » de Jupyter, celui du rendu, pour que les figures soient bien produites."""
    width, height = FIGURE_DEFAULTS.get(doc.format, FIGURE_DEFAULT)
    options = doc.format_options
    width, height = options.get("fig-width", width), options.get("fig-height", height)
    dpi, fmt = options.get("fig-dpi", FIGURE_DPI), options.get("fig-format", FIGURE_FORMAT)
    return (
        "try:\n"
        "    import matplotlib.pyplot as _plt\n"
        "    get_ipython().run_line_magic('matplotlib', 'inline')\n"
        f"    _plt.rcParams['figure.figsize'] = ({float(width)!r}, {float(height)!r})\n"
        f"    _plt.rcParams['figure.dpi'] = {float(dpi)!r}\n"
        f"    _plt.rcParams['savefig.dpi'] = {float(dpi)!r}\n"
        "    from IPython.display import set_matplotlib_formats\n"
        f"    set_matplotlib_formats({str(fmt)!r})\n"
        "except Exception:\n"
        "    pass\n"
        "_plt = None\n"
        "del _plt\n"
    )


def run_document(doc: Document) -> list:
    """Exécute les chunks d'un .qmd comme Quarto, après sa préparation du noyau
    (``figure_setup`` puis ``quarto_setup.py`` : ``ojs_define``), et le contrôle des
    graduations des figures (``figure_check.py``, propre aux tests). Sans chunk à exécuter,
    aucun noyau n'est démarré (Quarto prendrait alors le moteur markdown)."""
    cells = chunk_cells(doc)
    if not cells:
        return []
    setup = "\n".join(
        [
            figure_setup(doc),
            QUARTO_SETUP.read_text(encoding="utf-8"),
            FIGURE_CHECK.read_text(encoding="utf-8"),
        ]
    )
    return run_cells(
        cells, cwd=doc.workdir, env=kernel_env(doc.root), title=rel(doc.path, doc.root), setup=setup
    )
