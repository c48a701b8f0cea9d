"""La commande `llmlab` : vérifier l'installation, enregistrer le noyau, produire les corrigés.

uv run llmlab verifier        # rapport de l'installation, code de sortie ≠ 0 si problème
uv run llmlab noyau           # enregistre le noyau Jupyter « llmlab » (une seule fois)
uv run llmlab corrige         # notebooks avec solutions dans notebooks/corriges/
uv run llmlab entrainer gru   # un GRU de caractères (environ une minute sur CPU)
uv run llmlab entrainer gpt   # un mini-GPT de caractères (quelques minutes sur CPU)
uv run llmlab entrainer gpt --tokenizer bpe   # le même, sur des tokens BPE du cours
uv run llmlab entrainer echelle   # six GPT de tailles croissantes, même budget de tokens
uv run llmlab entrainer gpt --planning cosinus --echauffement 100   # taux planifié
uv run llmlab generer         # du texte avec le GRU livré (ou --modele DOSSIER)
uv run llmlab mesurer         # GFLOP/s des produits de matrices, crête, bande passante
uv run llmlab parallele ddp   # DDP, tenseurs ou ZeRO sur 2 processus (torch.distributed)
"""

from __future__ import annotations

import argparse
import re
import sys
import warnings
from pathlib import Path

from llmlab import environment
from llmlab._paths import ROOT
from llmlab.cli_train import (  # noqa: F401 (réexportés : llmlab.cli.GPT_DEFAULTS…)
    BPE_VOCAB_DEFAULT,
    BPE_VOCAB_MAX,
    BPE_VOCAB_MIN,
    GPT_DEFAULTS,
    GRU_DEFAULTS,
    _fail,
    _start_text,
    add_train_parser,
)
from llmlab.display import french_number


def cmd_verifier(args: argparse.Namespace) -> int:
    checks = environment.run_checks()
    print(environment.format_report(checks))
    failed = [c for c in checks if c.failed or (args.strict and c.status == environment.WARNING)]
    return 1 if failed else 0


def cmd_noyau(args: argparse.Namespace) -> int:
    from ipykernel.kernelspec import install

    # Le noyau porte KERAS_BACKEND pour que `import keras` marche dans n'importe quelle cellule.
    path = install(
        user=not args.sys_prefix,
        prefix=sys.prefix if args.sys_prefix else None,
        kernel_name=args.nom,
        display_name=args.titre,
        env={"KERAS_BACKEND": "torch"},
    )
    print(f"Noyau « {args.titre} » enregistré dans {path}.")
    print("Dans VS Code : « Select Kernel » en haut à droite du notebook, puis ce noyau.")
    return 0


def cmd_corrige(args: argparse.Namespace) -> int:
    import nbformat

    from llmlab.exercises import solutions_path, solved_notebook

    notebooks = [Path(p) for p in args.notebooks] or sorted(
        p for p in (ROOT / "notebooks").glob("*.ipynb") if solutions_path(p).exists()
    )
    if not notebooks:
        print("Aucun notebook avec solutions trouvé dans notebooks/.", file=sys.stderr)
        return 1
    out_dir = Path(args.dossier)
    out_dir.mkdir(parents=True, exist_ok=True)
    for notebook in notebooks:
        if not notebook.exists():
            print(
                f"✗ {notebook} : fichier introuvable ; donnez le chemin d'un notebook, "
                "par exemple notebooks/tp4-0-prise-en-main.ipynb.",
                file=sys.stderr,
            )
            return 1
        try:
            nb = solved_notebook(notebook)
        except nbformat.reader.NotJSONError:
            print(f"✗ {notebook} : ce n'est pas un notebook Jupyter (.ipynb).", file=sys.stderr)
            return 1
        except (OSError, ValueError) as exc:
            print(f"✗ {notebook} : {exc}", file=sys.stderr)
            return 1
        target = out_dir / f"{notebook.stem}-corrige.ipynb"
        nbformat.write(nb, target)
        print(f"✓ {target}")
    return 0


def cmd_generer(args: argparse.Namespace) -> int:
    from llmlab.sampling import generate_text
    from llmlab.shipped import load_model

    try:
        model, tokenizer, _, _ = load_model(args.modele)
        start = args.debut if args.debut is not None else _start_text(tokenizer)
        if not start:
            return _fail("le début (--debut) est vide : donnez au moins un caractère.")
        if args.longueur < 0:
            return _fail("--longueur doit être positive ou nulle.")
        if not args.temperature > 0:
            return _fail(
                f"--temperature doit être > 0 (reçu {args.temperature}) ; une "
                "température basse, 0.2 par exemple, choisit presque toujours "
                "le caractère le plus probable."
            )
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            text = generate_text(
                model,
                tokenizer,
                start,
                args.longueur,
                seed=args.graine,
                temperature=args.temperature,
                top_k=args.top_k,
            )
        for w in caught:
            print(f"Attention : {w.message}", file=sys.stderr)
    except (OSError, ValueError) as exc:
        return _fail(exc)
    print(text)
    return 0


def cmd_mesurer(args: argparse.Namespace) -> int:
    from llmlab import benchmarks as B
    from llmlab import hardware as H

    try:
        dtypes = [H.normalize_dtype(d) for d in args.dtypes]
    except ValueError as exc:
        return _fail(exc)
    if set(dtypes) - set(B.BENCH_DTYPES):
        return _fail(f"types mesurables : {', '.join(B.BENCH_DTYPES)}.")
    if any(n < 1 for n in args.tailles):
        return _fail("les tailles (--tailles) doivent être des entiers positifs.")
    present = H.available_devices()
    devices = args.appareil or present
    for device in devices:
        if device.split(":")[0] not in present:
            return _fail(
                f"appareil « {device} » absent de cette machine (présents : {', '.join(present)})."
            )
    print(f"Machine : {H.machine_label(devices)}")
    df = B.matmul_benchmark(
        args.tailles,
        dtypes,
        devices,
        repeats=args.repetitions,
        progress=not args.sans_barre,
        max_seconds=args.max_secondes,
    )
    print(B.format_benchmark(df))
    for device in devices:
        for dtype in dtypes:
            if df[(df.device == device) & (df.dtype == dtype)].gflops.notna().any():
                print(H.peak_description(device, dtype))
    measured = df.dropna(subset=["fraction_of_peak"])
    if len(measured):
        best = measured.loc[measured.fraction_of_peak.idxmax()]
        print(
            f"Meilleure fraction de la crête : {best['device']} {best['dtype']}, "
            f"n = {french_number(best['n'], 0)} : {french_number(best['gflops'], 1)} GFLOP/s, "
            f"{french_number(100 * best['fraction_of_peak'], 1)} % de la crête."
        )
        if best["fraction_of_peak"] > 1.05:
            print(f"Plus de 100 % : {H.over_peak_reason(best['device'].split(':')[0])}.")
    if not args.sans_bande_passante:
        for device in devices:
            try:
                gbs = B.memory_bandwidth(device)
            except MemoryError as exc:
                print(exc)
            else:
                print(
                    f"Bande passante mémoire ({device}, copie de 256 Mo) : "
                    f"{french_number(gbs, 1)} Go/s."
                )
    return 0


def cmd_parallele(args: argparse.Namespace) -> int:
    from llmlab import parallel

    for name in ("processus", "pas", "threads"):
        if getattr(args, name) < 1:
            return _fail(f"--{name} doit être un entier ≥ 1.")
    try:
        lines = parallel.run_local(args.demo, args.processus, args.pas, args.threads)
    except (ValueError, RuntimeError, TimeoutError, OSError) as exc:
        return _fail(exc)
    print("\n".join(lines))
    return 0


#: Ce que montre l'aide de `llmlab parallele` : la même démonstration sur plusieurs machines.
PARALLEL_EPILOG = """\
Sur une machine, sans cette commande :
  uv run torchrun --nnodes 1 --nproc-per-node 2 -m llmlab.parallel ddp

Sur deux machines (même dossier du cours, même uv.lock), lancez sur chacune :
  uv run torchrun --nnodes 2 --nproc-per-node 1 --rdzv-backend c10d \\
      --rdzv-endpoint HOTE:29500 --rdzv-id cours -m llmlab.parallel ddp
où HOTE est l'adresse de l'une des deux machines (port 29500 ouvert)."""


_ARGPARSE_FR = {
    "invalid choice": "choix invalide",
    "choose from": "choisir parmi",
    "the following arguments are required": "arguments obligatoires manquants",
    "unrecognized arguments": "arguments inconnus",
    "expected one argument": "une valeur est attendue",
    "expected at least one argument": "au moins une valeur est attendue",
    "invalid float value": "nombre invalide",
    "invalid int value": "entier invalide",
    "ambiguous option": "option ambiguë",
    " could match ": " peut être ",
}
#: Ajouté quand un nombre a été tapé avec une virgule, l'erreur la plus probable.
_DECIMAL_COMMA = "écrivez les nombres décimaux avec un point : 0.6 et non 0,6"


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
        comma = re.search(r"invalid (?:float|int) value: '[^']*,", message) is not None
        for english, french in _ARGPARSE_FR.items():
            message = message.replace(english, french)
        message = re.sub(r"(?<=\S): ", " : ", message)  # « : » à la française
        if comma:
            message += f" ; {_DECIMAL_COMMA}"
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog} : erreur : {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _FrenchParser(prog="llmlab", description="Outils du cours llmlab.")
    sub = parser.add_subparsers(
        dest="commande", metavar="COMMANDE", required=True, parser_class=_FrenchParser
    )

    p = sub.add_parser("verifier", help="vérifier l'installation (versions, données, noyau)")
    p.add_argument("--strict", action="store_true", help="échouer aussi sur les avertissements")
    p.set_defaults(func=cmd_verifier)

    p = sub.add_parser("noyau", help="enregistrer le noyau Jupyter du cours")
    p.add_argument("--nom", default=environment.KERNEL_NAME, help="nom technique du noyau")
    p.add_argument("--titre", default=environment.KERNEL_DISPLAY_NAME, help="nom affiché")
    p.add_argument(
        "--sys-prefix",
        action="store_true",
        help="l'enregistrer dans le .venv au lieu du dossier de l'utilisateur",
    )
    p.set_defaults(func=cmd_noyau)

    p = sub.add_parser("corrige", help="écrire les notebooks avec leurs solutions")
    p.add_argument("notebooks", nargs="*", help="notebooks à corriger (par défaut : tous)")
    p.add_argument(
        "--dossier",
        default=str(ROOT / "notebooks" / "corriges"),
        help="dossier de sortie (défaut : notebooks/corriges)",
    )
    p.set_defaults(func=cmd_corrige)

    add_train_parser(sub, _FrenchParser)

    p = sub.add_parser("generer", help="générer du texte avec un GRU ou un GPT entraîné")
    p.add_argument(
        "--modele",
        metavar="DOSSIER",
        help="dossier d'un checkpoint (écrit par `llmlab entrainer gru` ou `gpt`) ou d'un "
        "modèle livré : data/gru, data/gpt, data/gpt-bpe (défaut : data/gru)",
    )
    p.add_argument("--debut", metavar="TEXTE", help="début du texte (défaut : un saut de ligne)")
    p.add_argument(
        "--longueur",
        type=int,
        default=300,
        metavar="N",
        help="tokens à générer : des caractères, ou des tokens BPE pour un "
        "modèle BPE (défaut : 300)",
    )
    p.add_argument(
        "--temperature",
        type=float,
        default=0.8,
        metavar="T",
        help="température, > 0 (défaut : 0.8)",
    )
    p.add_argument(
        "--top-k",
        type=int,
        default=None,
        metavar="K",
        help="ne tirer que parmi les K tokens les plus probables",
    )
    p.add_argument("--graine", type=int, default=0, help="graine du tirage (défaut : 0)")
    p.set_defaults(func=cmd_generer)

    p = sub.add_parser(
        "mesurer",
        help="mesurer les GFLOP/s des produits de matrices",
        description="Chronomètre des produits de matrices n × n sur chaque "
        "appareil (CPU, CUDA, MPS) et compare à la crête de la machine.",
    )
    p.add_argument(
        "--tailles",
        type=int,
        nargs="+",
        default=[128, 256, 512, 1024, 2048],
        metavar="N",
        help="tailles n (défaut : 128 256 512 1024 2048)",
    )
    p.add_argument(
        "--dtypes",
        nargs="+",
        default=["float32", "bfloat16", "float16"],
        metavar="TYPE",
        help="types (défaut : float32 bfloat16 float16)",
    )
    p.add_argument(
        "--appareil",
        nargs="+",
        metavar="APPAREIL",
        help="cpu, cuda, mps (défaut : tous ceux présents)",
    )
    p.add_argument(
        "--repetitions",
        type=int,
        default=5,
        metavar="R",
        help="mesures par taille, on garde la médiane (défaut : 5)",
    )
    p.add_argument(
        "--max-secondes",
        type=float,
        default=40.0,
        metavar="S",
        help="temps total alloué aux mesures (défaut : 40)",
    )
    p.add_argument("--sans-barre", action="store_true", help="sans barre de progression")
    p.add_argument(
        "--sans-bande-passante",
        action="store_true",
        help="ne pas mesurer la bande passante mémoire",
    )
    p.set_defaults(func=cmd_mesurer)

    p = sub.add_parser(
        "parallele",
        help="entraîner à plusieurs processus : données (DDP), tenseurs (Megatron), ZeRO",
        description="Lance N processus sur cette machine (gloo, 127.0.0.1) et "
        "compare chaque technique à un seul processus. ddp : gradients moyennés "
        "et quelques pas du mini-GPT ; tenseur : le MLP d'un bloc coupé entre "
        "les processus ; zero : les états d'Adam partagés (ZeRO stade 1).",
        epilog=PARALLEL_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "demo", choices=["ddp", "tenseur", "zero"], metavar="DEMO", help="ddp, tenseur ou zero"
    )
    p.add_argument(
        "--processus", type=int, default=2, metavar="N", help="nombre de processus (défaut : 2)"
    )
    p.add_argument(
        "--pas",
        type=int,
        default=20,
        metavar="N",
        help="pas d'entraînement pour ddp et zero (défaut : 20)",
    )
    p.add_argument(
        "--threads",
        type=int,
        default=1,
        metavar="N",
        help="fils de calcul par processus (défaut : 1)",
    )
    p.set_defaults(func=cmd_parallele)
    return parser


def main(argv: list[str] | None = None) -> int:
    if hasattr(sys.stdout, "reconfigure"):  # consoles Windows : pas de plantage sur ✓
        sys.stdout.reconfigure(errors="replace")
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    raise SystemExit(main())
