"""La copie hors ligne du site : un zip de ``_site/`` avec une note de deux lignes.

    uv run python scripts/site_zip.py _site [module-ia-hors-ligne.zip]

Le site a besoin d'un petit serveur local (ses pages chargent des modules JavaScript, que les
navigateurs refusent d'ouvrir depuis un simple fichier) : la note ``LISEZMOI.txt``, à la racine
du zip, dit la commande à lancer sous Windows, macOS et Linux. Le workflow de publication joint
ce zip au site publié (``.github/workflows/site.yml``).
"""

from __future__ import annotations

import sys
import zipfile
from pathlib import Path

README_NAME = "LISEZMOI.txt"
README = (
    "Pour ouvrir le site sans internet, lancez dans ce dossier : « py -m http.server » (Windows) "
    "ou « python3 -m http.server » (macOS, Linux).\n"
    "Puis ouvrez http://localhost:8000 dans le navigateur ; Ctrl+C dans le terminal arrête le "
    "serveur.\n"
)


def build_zip(site: Path, target: Path) -> Path:
    """Écrit ``target`` : tout ``site`` (sauf un zip précédent) et la note ``LISEZMOI.txt``."""
    site, target = Path(site), Path(target)
    if not (site / "index.html").is_file():
        raise FileNotFoundError(
            f"Pas de site rendu dans « {site} » (index.html manquant) : "
            "lancez d'abord « quarto render »."
        )
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(README_NAME, README)
        for path in sorted(site.rglob("*")):
            if path.is_file() and path.resolve() != target.resolve():
                archive.write(path, path.relative_to(site).as_posix())
    return target


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if not argv:
        print("Usage : uv run python scripts/site_zip.py _site [module-ia-hors-ligne.zip]")
        return 2
    site = Path(argv[0])
    target = Path(argv[1]) if len(argv) > 1 else Path("module-ia-hors-ligne.zip")
    try:
        build_zip(site, target)
    except FileNotFoundError as error:
        print(error)
        return 2
    print(f"✓ {target} ({target.stat().st_size / 1e6:.1f} Mo)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
