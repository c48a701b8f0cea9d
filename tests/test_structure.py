"""La structure du site : ``_quarto.yml`` valide, chaque deck et chaque notebook atteignable
depuis la navigation, chaque lien et chaque image résolus.

La règle d'atteignabilité et ce qui compte comme lien sont décrits dans ``harness/site.py`` :
en bref, un deck ou un notebook doit être cité par la navbar/sidebar de ``_quarto.yml`` (chemin,
glob, dossier) ou lié depuis une page atteignable (lien relatif, ou page de listing dont
``listing: contents:`` le couvre), en partant de ``index.qmd``.
"""

from pathlib import Path

import pytest

from harness import site

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "_quarto.yml"

pytestmark = pytest.mark.skipif(not CONFIG.exists(), reason="pas encore de _quarto.yml à la racine")


def test_quarto_config_is_a_french_website():
    problems = site.config_problems(site.load_config(ROOT))
    assert not problems, "_quarto.yml :\n  " + "\n  ".join(problems)


def test_every_deck_and_notebook_is_reachable():
    missing = site.orphans(ROOT)
    assert not missing, (
        "pages que la navigation n'atteint pas (ajoutez-les à la navbar/sidebar de _quarto.yml, "
        "ou liez-les depuis une page atteignable) :\n  "
        + "\n  ".join(p.relative_to(ROOT).as_posix() for p in missing)
    )


def test_every_partial_is_included():
    unused = site.unused_partials(ROOT)
    assert not unused, (
        "partiels _*.qmd qu'aucun document n'inclut (ni rendus ni testés) : incluez-les avec "
        "{{< include … >}} ou supprimez-les :\n  "
        + "\n  ".join(p.relative_to(ROOT).as_posix() for p in unused)
    )


def test_every_link_and_image_resolves():
    problems = site.broken_links(ROOT)
    assert not problems, "liens ou fichiers introuvables :\n  " + "\n  ".join(problems)
