"""Contrôler un site rendu par Quarto dans Chromium sans tête.

    uv run python tests/check_site.py _site [--captures DOSSIER] [--chromium CHEMIN]
    uv run python tests/check_site.py _site-enseignant --profil enseignant

Ouvre chaque page et chaque diapositive de ``_site/`` (servi sur 127.0.0.1), écrit une ligne
par problème (page, diapositive n°, titre, nature, mesure) puis un résumé, et enregistre une
capture par diapositive et par page, plus ``slides-measured.json`` (les dépassements mesurés de
chaque diapositive, au format des revues). Sur le site des élèves (``--profil etudiant``, le
défaut), tout corrigé et toute note de l'enseignant est aussi un problème
(``harness/leaks.py``). Avant Chromium, chaque lien ``<a href>`` relatif doit mener à un
fichier du site (``harness/links.py``). Code de sortie : 0 sans problème, 1 s'il y en a, 2 si le
contrôle n'a pas pu se faire (site absent, Chromium introuvable). Voir tests/harness/browser.py.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness.browser import ChromiumNotFound, check_site  # noqa: E402
from harness.leaks import solution_leaks  # noqa: E402
from harness.links import broken_links  # noqa: E402


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="check_site.py",
        description="Ouvre chaque page et chaque diapositive d'un site rendu dans Chromium "
        "et signale erreurs JavaScript, fichiers manquants, requêtes externes, "
        "diagrammes mermaid et maths non rendus, diapositives qui débordent, "
        "commandes inutilisables au clavier, images sans texte alternatif "
        "et liens qui ne mènent à aucun fichier.",
    )
    parser.add_argument("site", type=Path, help="le dossier rendu (par exemple _site)")
    parser.add_argument(
        "--captures",
        type=Path,
        default=Path("_site-captures"),
        help="dossier des captures d'écran (défaut : _site-captures)",
    )
    parser.add_argument(
        "--chromium",
        default=None,
        help="chemin de Chromium, ou « playwright » pour celui de Playwright "
        "(défaut : LLMLAB_CHROMIUM, /usr/bin/chromium, chromium-browser, "
        "puis Playwright)",
    )
    parser.add_argument(
        "--profil",
        choices=("etudiant", "enseignant"),
        default="etudiant",
        help="profil Quarto du site rendu : celui des élèves ne doit contenir "
        "ni corrigé ni note de l'enseignant (défaut : etudiant)",
    )
    parser.add_argument(
        "--delai",
        type=float,
        default=15.0,
        help="délai maximal d'attente par page, en secondes (défaut : 15)",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if not args.site.is_dir() or not any(args.site.rglob("*.html")):
        print(f"Pas de site rendu dans « {args.site} » : lancez d'abord « quarto render ».")
        return 2
    leaks = solution_leaks(args.site) if args.profil == "etudiant" else []
    for leak in leaks:
        print(f"corrigé visible · {leak}")
    links = broken_links(args.site)
    for link in links.broken:
        print(f"lien cassé · {link}")
    if links.note():
        print(links.note())
    try:
        report = check_site(
            args.site, captures=args.captures, chromium=args.chromium, timeout_s=args.delai
        )
    except ChromiumNotFound as error:
        print(error)
        return 2
    for problem in report.problems:
        print(problem.line())
    print(report.summary())
    measures = args.captures / "slides-measured.json"
    measures.write_text(
        json.dumps(report.measured, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
    )
    print(f"Captures d'écran : {args.captures}/ (mesures des diapositives : {measures.name})")
    if leaks:
        print(f"{len(leaks)} fuite(s) de corrigé ou de notes dans le site des élèves.")
    if links.broken:
        print(f"{len(links.broken)} lien(s) qui ne mènent à aucun fichier du site.")
    return 1 if report.problems or leaks or links.broken else 0


if __name__ == "__main__":
    sys.exit(main())
