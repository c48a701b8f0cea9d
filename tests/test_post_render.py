"""scripts/post_render.py : Quarto le lance après le rendu ; il retire des pages le polyfill de
cdnjs que le gabarit HTML de Quarto ajoute à toute page dont les formules passent par MathJax."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "post_render.py"
sys.path.insert(0, str(SCRIPT.parent))

import post_render  # noqa: E402

# L'en-tête d'une page à formules, tel que l'écrit le gabarit de Quarto (template.html).
HEAD = """<head>
<script src="../site_libs/quarto-nav/quarto-nav.js"></script>
  <script src="https://cdnjs.cloudflare.com/polyfill/v3/polyfill.min.js?features=es6"></script>
  <script src="../assets/vendor/mathjax3/es5/tex-chtml-full.js" type="text/javascript"></script>
<script type="text/javascript">
const typesetMath = (el) => {};
</script>
</head>"""


def test_only_the_polyfill_tag_is_removed():
    cleaned = post_render.strip_polyfill(HEAD)
    assert "cdnjs" not in cleaned and "polyfill" not in cleaned
    assert cleaned == HEAD.replace(
        '  <script src="https://cdnjs.cloudflare.com/polyfill/v3/polyfill.min.js?features=es6"></script>\n',
        "",
    )
    assert post_render.strip_polyfill(cleaned) == cleaned  # une seconde fois : rien à faire


def test_quarto_runs_the_script_after_each_render():
    project = yaml.safe_load((ROOT / "_quarto.yml").read_text(encoding="utf-8"))["project"]
    scripts = project["post-render"]
    assert (scripts if isinstance(scripts, list) else [scripts]) == ["scripts/post_render.py"]


def test_the_pages_quarto_announces_are_cleaned(tmp_path):
    site = tmp_path / "_site"
    (site / "tp").mkdir(parents=True)
    page, other, deck = site / "tp" / "index.html", site / "index.html", site / "tp" / "deck.html"
    for path in (page, other, deck):
        path.write_text(HEAD, encoding="utf-8")
    listing = tmp_path / "fichiers.txt"
    listing.write_text(f"{page}\n{deck}\n", encoding="utf-8")  # index.html n'a pas été rendu
    env = {
        "PATH": "/usr/bin:/bin",
        "QUARTO_USE_FILE_FOR_PROJECT_OUTPUT_FILES": str(listing),
        "QUARTO_PROJECT_OUTPUT_DIR": str(site),
    }
    result = subprocess.run(
        [sys.executable, str(SCRIPT)],
        env=env,
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "retiré de 2 pages" in result.stdout
    assert "polyfill" not in page.read_text(encoding="utf-8")
    assert "polyfill" not in deck.read_text(encoding="utf-8")
    assert "polyfill" in other.read_text(encoding="utf-8")


def test_by_hand_the_whole_folder_is_cleaned(tmp_path, capsys):
    (tmp_path / "a").mkdir()
    for name in ("index.html", "a/page.html"):
        (tmp_path / name).write_text(HEAD, encoding="utf-8")
    assert post_render.main([str(tmp_path)]) == 0
    assert "retiré de 2 pages" in capsys.readouterr().out
    assert not [p for p in tmp_path.rglob("*.html") if "polyfill" in p.read_text(encoding="utf-8")]
