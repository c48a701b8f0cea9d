"""Reproduit depuis npm les bibliothèques JavaScript committées, et vérifie leurs empreintes.

    uv run python scripts/vendor_assets.py            # retélécharge (npm pack) et vérifie
    uv run python scripts/vendor_assets.py --check    # vérifie sans réseau les fichiers présents
    uv run python scripts/vendor_assets.py --update   # après un changement de version : réécrit
                                                      # les empreintes du manifeste

Pourquoi des fichiers committés plutôt qu'un ``package.json`` : les enseignants prévisualisent
le site sans Node ni npm, et une copie du dépôt sur clé USB contient tout ce qu'il faut pour
afficher les formules et les pages interactives hors ligne. Le manifeste
``assets/vendor/manifest.json`` dit, pour chaque paquet npm : la version exacte, l'empreinte de
l'archive publiée (``integrity``, celle de npm), le dossier de destination et, pour chaque fichier
gardé, son sha256. Ce script n'a besoin que de ``npm`` (pour ``npm pack``), et seulement pour
retélécharger ; ``--check`` n'utilise pas le réseau.
"""

from __future__ import annotations

import argparse
import fnmatch
import hashlib
import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MANIFEST = ROOT / "assets" / "vendor" / "manifest.json"
# Fichiers du dossier assets/vendor/ qui ne viennent d'aucun paquet npm.
OWN_FILES = {"manifest.json", "README.md"}


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def load_manifest(path: Path = MANIFEST) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def save_manifest(manifest: dict, path: Path = MANIFEST) -> None:
    path.write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def check(root: Path = ROOT, manifest: dict | None = None) -> list[str]:
    """Compare les fichiers présents au manifeste, sans réseau. Renvoie la liste des problèmes.

    Signale aussi un fichier de ``assets/vendor/`` qu'aucun paquet ne déclare : il serait copié
    dans le site sans provenance connue.
    """
    manifest = (
        manifest if manifest is not None else load_manifest(root / MANIFEST.relative_to(ROOT))
    )
    problems = []
    declared = set()
    for package in manifest["packages"]:
        dest = root / package["destination"]
        for name, expected in package["files"].items():
            path = dest / name
            declared.add(path.resolve())
            label = f"{package['name']}@{package['version']} : {path.relative_to(root).as_posix()}"
            if not path.is_file():
                problems.append(f"{label} manque")
            elif sha256(path) != expected:
                problems.append(f"{label} n'a pas l'empreinte du manifeste (fichier modifié ?)")
    vendor = root / "assets" / "vendor"
    if vendor.is_dir():
        for path in sorted(vendor.rglob("*")):
            if (
                path.is_file()
                and path.resolve() not in declared
                and path.relative_to(vendor).as_posix() not in OWN_FILES
            ):
                problems.append(
                    f"{path.relative_to(root).as_posix()} n'est déclaré par aucun "
                    "paquet du manifeste"
                )
    return problems


def npm_pack(name: str, version: str, workdir: Path) -> tuple[Path, str]:
    """Télécharge l'archive publiée d'un paquet (``npm pack``) ; renvoie son chemin et son empreinte npm."""
    npm = shutil.which("npm")
    if npm is None:
        sys.exit(
            "npm est introuvable : installez Node.js (qui fournit npm), ou utilisez --check "
            "pour seulement vérifier les fichiers présents."
        )
    result = subprocess.run(
        [
            npm,
            "pack",
            f"{name}@{version}",
            "--json",
            "--silent",
            "--pack-destination",
            str(workdir),
        ],
        capture_output=True,
        text=True,
        cwd=workdir,
    )
    if result.returncode != 0:
        sys.exit(f"npm pack {name}@{version} a échoué :\n{result.stderr}")
    (info,) = json.loads(result.stdout)
    return workdir / info["filename"], info["integrity"]


def selected(name: str, patterns: list[str]) -> bool:
    """``name`` est-il gardé par les motifs ``keep`` du manifeste ?

    Les motifs s'appliquent dans l'ordre, comme un .gitignore inversé : ``dossier/*`` garde
    (``*`` traverse aussi les sous-dossiers), ``!dossier/sous/*`` retire ; le dernier motif qui
    correspond l'emporte.
    """
    keep = False
    for pattern in patterns:
        if pattern.startswith("!"):
            if fnmatch.fnmatchcase(name, pattern[1:]):
                keep = False
        elif fnmatch.fnmatchcase(name, pattern):
            keep = True
    return keep


def archive_members(archive: Path) -> list[str]:
    """Les fichiers de l'archive npm, chemins relatifs au paquet."""
    with tarfile.open(archive) as tar:
        return sorted(
            info.name.removeprefix("package/")
            for info in tar.getmembers()
            if info.isfile() and info.name.startswith("package/")
        )


def extract(archive: Path, members: list[str], workdir: Path) -> Path:
    """Extrait de l'archive npm les seuls fichiers demandés (chemins relatifs au paquet)."""
    out = workdir / "extrait"
    with tarfile.open(archive) as tar:
        # Une archive npm range tout sous « package/ ».
        wanted = {f"package/{m}": m for m in members}
        found = [info for info in tar.getmembers() if info.name in wanted and info.isfile()]
        missing = set(wanted) - {info.name for info in found}
        if missing:
            sys.exit(
                f"{archive.name} ne contient pas : " + ", ".join(sorted(wanted[m] for m in missing))
            )
        for info in found:
            target = out / wanted[info.name]
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(tar.extractfile(info).read())
    return out


def fetch(manifest: dict, update: bool, only: set[str]) -> list[str]:
    """Retélécharge chaque paquet, vérifie l'archive et les fichiers, puis les met en place."""
    problems = []
    for package in manifest["packages"]:
        if only and package["name"] not in only:
            continue
        label = f"{package['name']}@{package['version']}"
        print(f"{label} : npm pack…")
        with tempfile.TemporaryDirectory() as tmp:
            archive, integrity = npm_pack(package["name"], package["version"], Path(tmp))
            if package.get("integrity") != integrity:
                if not update:
                    problems.append(
                        f"{label} : l'archive npm n'a pas l'empreinte du manifeste ({integrity})"
                    )
                    continue
                package["integrity"] = integrity
            if update and "keep" in package:
                # Motifs du manifeste -> liste explicite des fichiers (empreintes recalculées).
                names = [m for m in archive_members(archive) if selected(m, package["keep"])]
                package["files"] = {name: package["files"].get(name, "") for name in names}
            extracted = extract(archive, list(package["files"]), Path(tmp))
            for name in package["files"]:
                digest = sha256(extracted / name)
                if digest != package["files"][name]:
                    if not update:
                        problems.append(f"{label} : {name} n'a pas l'empreinte du manifeste")
                        continue
                    package["files"][name] = digest
                target = ROOT / package["destination"] / name
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(extracted / name, target)
            print(f"{label} : {len(package['files'])} fichier(s) dans {package['destination']}/")
    if update:
        save_manifest(manifest)
        print(f"Empreintes écrites dans {MANIFEST.relative_to(ROOT).as_posix()}.")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Bibliothèques JavaScript du site servies par le site lui-même "
        "(assets/vendor/manifest.json)."
    )
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument(
        "--check",
        action="store_true",
        help="vérifie sans réseau les fichiers présents contre le manifeste",
    )
    mode.add_argument(
        "--update",
        action="store_true",
        help="retélécharge et réécrit les empreintes du manifeste (après un changement de version)",
    )
    parser.add_argument(
        "--only",
        action="append",
        default=[],
        metavar="PAQUET",
        help="ne retélécharge que ce paquet npm (répétable)",
    )
    args = parser.parse_args(argv)

    manifest = load_manifest()
    if not args.check:
        problems = fetch(manifest, update=args.update, only=set(args.only))
        if problems:
            print(
                "\n".join(["Rien n'a été remplacé pour ces fichiers :", *problems]), file=sys.stderr
            )
            return 1
    problems = check(ROOT, manifest)
    if problems:
        print("\n".join(["Problèmes :", *problems]), file=sys.stderr)
        print("Pour restaurer : uv run python scripts/vendor_assets.py", file=sys.stderr)
        return 1
    count = sum(len(p["files"]) for p in manifest["packages"])
    print(
        f"Tout est en ordre : {count} fichier(s) de {len(manifest['packages'])} paquet(s) npm "
        "ont l'empreinte du manifeste."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
