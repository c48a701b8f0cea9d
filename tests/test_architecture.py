"""Les couches du paquet : déclarées dans pyproject.toml, vérifiées par import-linter, dessinées
dans CONTRIBUTING.md ; et les modules légers le restent (torch et Keras à la demande).

import-linter lit aussi les imports écrits dans les fonctions : un import « paresseux » qui
remonte les couches casse le contrat comme un import en tête de module.
"""

import re
import subprocess
import sys
import tomllib
from pathlib import Path

import llmlab

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = Path(llmlab.__file__).parent

#: Les modules qu'on importe sans payer torch ni Keras (une dizaine de secondes) : la commande
#: `llmlab verifier`, les données, l'affichage, les leçons en NumPy, la leçon 7 (qui n'importe
#: torch que dans les fonctions qui mesurent).
WITHOUT_TORCH = [
    "cli",
    "data",
    "vocab",
    "display",
    "style",
    "configs",
    "tokenizers",
    "bpe",
    "sampling",
    "embeddings",
    "linear",
    "nn",
    "hardware",
    "costs",
    "benchmarks",
    "environment",
    "widgets",
    "exercises",
    "scale",
    "ladder",
    "selfsup",
    "multimodal",
    "cluster",
    "lifecycle",
    "schedules",
    "prep",
    "metrics",
    "classify",
    "paradigms",
    "regularisation",
    "pool",
]


def contracts() -> list[dict]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return config["tool"]["importlinter"]["contracts"]


def layers() -> list[set[str]]:
    (contract,) = [c for c in contracts() if c["type"] == "layers"]
    return [
        {name.strip(" ()") for name in re.split(r"[|:]", layer)} for layer in contract["layers"]
    ]


def test_import_linter_contracts_hold():
    """`lint-imports` : les couches, les interdits, aucun cycle. En cas d'échec, sa sortie dit
    quel import, à quelle ligne, casse quel contrat."""
    run = subprocess.run(
        [
            sys.executable,
            "-c",
            "from importlinter.cli import lint_imports_command as c; c(['--no-cache', '--no-logo'])",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    kept = re.search(r"Contracts: (\d+) kept, (\d+) broken", run.stdout)
    assert kept and int(kept[1]) == len(contracts()) and kept[2] == "0", run.stdout


def test_every_module_of_the_package_has_a_layer():
    """`exhaustive = true` le vérifie aussi ; ici, le message dit quoi faire."""
    modules = {p.stem for p in PACKAGE.glob("*.py") if p.stem != "__init__"}
    modules |= {p.parent.name for p in PACKAGE.glob("*/__init__.py")}
    placed = set().union(*layers())
    assert modules == placed, (
        f"sans couche : {sorted(modules - placed)} ; couche sans module : "
        f"{sorted(placed - modules)}. Placez chaque module dans [tool.importlinter] de "
        "pyproject.toml et dans le dessin de CONTRIBUTING.md."
    )


def test_contributing_draws_the_declared_layers_in_order():
    text = (ROOT / "CONTRIBUTING.md").read_text(encoding="utf-8")
    block = re.search(r"<!-- couches -->\n```text\n(.*?)```", text, re.S)
    assert block, "CONTRIBUTING.md : le dessin des couches (<!-- couches -->) manque"
    drawn = [
        {name for name in line.split("  ")[0].split(" · ")}
        for line in block[1].splitlines()
        if line and line[0] not in " │"
    ]
    assert drawn == layers(), (
        "Le dessin de CONTRIBUTING.md ne suit plus les couches de pyproject.toml : "
        f"dessin {drawn}, pyproject {layers()}"
    )


def test_light_modules_do_not_import_torch_or_keras():
    code = (
        "import sys\n"
        f"for name in {WITHOUT_TORCH!r}:\n"
        "    __import__('llmlab.' + name)\n"
        "    heavy = [m for m in ('torch', 'keras') if m in sys.modules]\n"
        "    assert not heavy, f'import llmlab.{name} a importé {heavy}'\n"
    )
    run = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert run.returncode == 0, run.stderr[-2000:]


#: Au-delà, un module ne se lit plus d'une traite : son docstring dit pourquoi il est si long,
#: dans une phrase qui commence par « Taille : ».
MAX_LINES = 620


def test_long_modules_say_why_in_their_docstring():
    import ast

    unexplained = []
    for path in sorted(PACKAGE.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        lines = text.count("\n")
        doc = ast.get_docstring(ast.parse(text)) or ""
        if lines > MAX_LINES and "Taille :" not in doc:
            unexplained.append(f"{path.relative_to(PACKAGE)} ({lines} lignes)")
    assert not unexplained, (
        f"modules de plus de {MAX_LINES} lignes sans « Taille : … » dans leur docstring : "
        + ", ".join(unexplained)
    )
