"""La commande `llmlab` : vérifier l'installation, enregistrer le noyau, produire les corrigés.

    uv run llmlab verifier        # rapport de l'installation, code de sortie ≠ 0 si problème
    uv run llmlab noyau           # enregistre le noyau Jupyter « llmlab » (une seule fois)
    uv run llmlab corrige         # notebooks avec solutions dans notebooks/corriges/
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from llmlab import environment
from llmlab._paths import ROOT


def cmd_verifier(args: argparse.Namespace) -> int:
    checks = environment.run_checks()
    print(environment.format_report(checks))
    failed = [c for c in checks if c.failed or (args.strict and c.status == environment.WARNING)]
    return 1 if failed else 0


def cmd_noyau(args: argparse.Namespace) -> int:
    from ipykernel.kernelspec import install

    # Le noyau porte KERAS_BACKEND pour que `import keras` marche dans n'importe quelle cellule.
    path = install(user=not args.sys_prefix, prefix=sys.prefix if args.sys_prefix else None,
                   kernel_name=args.nom, display_name=args.titre,
                   env={"KERAS_BACKEND": "torch"})
    print(f"Noyau « {args.titre} » enregistré dans {path}.")
    print("Dans VS Code : « Select Kernel » en haut à droite du notebook, puis ce noyau.")
    return 0


def cmd_corrige(args: argparse.Namespace) -> int:
    import nbformat

    from llmlab.exercises import solved_notebook, solutions_path

    notebooks = [Path(p) for p in args.notebooks] or sorted(
        p for p in (ROOT / "notebooks").glob("*.ipynb") if solutions_path(p).exists())
    if not notebooks:
        print("Aucun notebook avec solutions trouvé dans notebooks/.", file=sys.stderr)
        return 1
    out_dir = Path(args.dossier)
    out_dir.mkdir(parents=True, exist_ok=True)
    for notebook in notebooks:
        try:
            nb = solved_notebook(notebook)
        except (OSError, ValueError) as exc:
            print(f"✗ {notebook} : {exc}", file=sys.stderr)
            return 1
        target = out_dir / f"{notebook.stem}-corrige.ipynb"
        nbformat.write(nb, target)
        print(f"✓ {target}")
    return 0


_ARGPARSE_FR = {
    "invalid choice": "choix invalide",
    "choose from": "choisir parmi",
    "the following arguments are required": "arguments obligatoires manquants",
    "unrecognized arguments": "arguments inconnus",
    "expected one argument": "une valeur est attendue",
}


class _FrenchParser(argparse.ArgumentParser):
    """argparse avec ses titres et son aide en français."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, add_help=False, **kwargs)
        self._positionals.title = "arguments"
        self._optionals.title = "options"
        self.add_argument("-h", "--help", action="help", help="afficher cette aide et quitter")

    def format_usage(self) -> str:
        return super().format_usage().replace("usage:", "utilisation :", 1)

    def format_help(self) -> str:
        return super().format_help().replace("usage:", "utilisation :", 1)

    def error(self, message: str):
        for english, french in _ARGPARSE_FR.items():
            message = message.replace(english, french)
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog} : erreur : {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _FrenchParser(prog="llmlab", description="Outils du cours llmlab.")
    sub = parser.add_subparsers(dest="commande", metavar="COMMANDE", required=True,
                                parser_class=_FrenchParser)

    p = sub.add_parser("verifier", help="vérifier l'installation (versions, données, noyau)")
    p.add_argument("--strict", action="store_true", help="échouer aussi sur les avertissements")
    p.set_defaults(func=cmd_verifier)

    p = sub.add_parser("noyau", help="enregistrer le noyau Jupyter du cours")
    p.add_argument("--nom", default=environment.KERNEL_NAME, help="nom technique du noyau")
    p.add_argument("--titre", default=environment.KERNEL_DISPLAY_NAME, help="nom affiché")
    p.add_argument("--sys-prefix", action="store_true",
                   help="l'enregistrer dans le .venv au lieu du dossier de l'utilisateur")
    p.set_defaults(func=cmd_noyau)

    p = sub.add_parser("corrige", help="écrire les notebooks avec leurs solutions")
    p.add_argument("notebooks", nargs="*", help="notebooks à corriger (par défaut : tous)")
    p.add_argument("--dossier", default=str(ROOT / "notebooks" / "corriges"),
                   help="dossier de sortie (défaut : notebooks/corriges)")
    p.set_defaults(func=cmd_corrige)
    return parser


def main(argv: list[str] | None = None) -> int:
    if hasattr(sys.stdout, "reconfigure"):  # consoles Windows : pas de plantage sur ✓
        sys.stdout.reconfigure(errors="replace")
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    raise SystemExit(main())
