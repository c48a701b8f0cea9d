"""Les diapositives d'un deck tiennent-elles dans 1050 × 700 ? Pour l'auteur d'un deck.

    uv run python tests/slidefit.py slides/tp4.qmd

Exécute le deck comme Quarto (harnais de tests : un noyau, réseau coupé), puis imprime pour
chaque diapositive son titre, sa hauteur estimée, le verdict et la raison d'un débordement.
Code de sortie 1 si une diapositive déborde. Le modèle est dans ``tests/harness/slidefit.py``.

    uv run python tests/slidefit.py tests/fixtures/slidefit/tp4-7b8438f

lit une fixture figée (source développée et sorties) au lieu d'exécuter un deck.
"""

import json
import sys
from pathlib import Path

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent
sys.path.insert(0, str(TESTS))

from harness import slidefit  # noqa: E402
from harness.kernel import KernelRunError, run_document  # noqa: E402
from harness.qmd import Line, QmdError, parse_document  # noqa: E402


def fits_of(target: Path) -> list:
    if target.is_dir():
        data = json.loads((target / "outputs.json").read_text(encoding="utf-8"))
        deck = target / "deck.qmd"
        lines = [
            Line(t, deck, i + 1)
            for i, t in enumerate(deck.read_text(encoding="utf-8").splitlines())
        ]
        return slidefit.fit_deck(
            lines, data["chunks"], execute=data["execute"], format_options=data["format_options"]
        )
    doc = parse_document(target, ROOT)
    print(f"exécution de {target} (quelques dizaines de secondes)…", file=sys.stderr)
    return slidefit.fit_document(doc, run_document(doc))


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    target = Path(argv[0]).resolve()
    if not target.exists():
        print(f"introuvable : {argv[0]}", file=sys.stderr)
        return 2
    try:
        fits = fits_of(target)
    except (QmdError, KernelRunError) as e:
        print(f"le deck ne s'exécute pas :\n{e}", file=sys.stderr)
        return 2
    print(slidefit.report(fits))
    return 1 if any(f.overflows for f in fits) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
