"""Palette unique et style « ars-typographica » : une seule source de couleurs pour tout le cours.

Références : les gris du deck de l'enseignant (seed 000), le fichier Sass lui-même (lu ici
par une autre méthode que `llmlab.style`), les variables mermaid documentées par Quarto et
les seuils de contraste WCAG 2.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import warnings
from pathlib import Path

import matplotlib as mpl
import matplotlib.colors as mcolors
import pytest
import yaml

from llmlab import style
from llmlab._paths import ROOT, STYLES_DIR

PALETTE = STYLES_DIR / "_palette.scss"
THEMES = [STYLES_DIR / "site.scss", STYLES_DIR / "slides.scss"]
MERMAID_THEME = STYLES_DIR / "_mermaid-theme.scss"

#: Les gris des diagrammes et des figures du deck de l'enseignant (seed 000).
SEED_GRAYS = {
    "#111111",
    "#F5F5F5",
    "#EBEBEB",
    "#666666",
    "#AAAAAA",
    "#FAFAFA",
    "#DDDDDD",
    "#BBBBBB",
    "#999999",
    "#555555",
    "#CCCCCC",
}

#: Variables mermaid de Quarto (« Diagrams › Customizing the Mermaid Theme »).
QUARTO_MERMAID_VARIABLES = {
    "mermaid-bg-color",
    "mermaid-edge-color",
    "mermaid-node-fg-color",
    "mermaid-fg-color",
    "mermaid-fg-color--lighter",
    "mermaid-fg-color--lightest",
    "mermaid-font-family",
    "mermaid-font-weight",
    "mermaid-label-bg-color",
    "mermaid-label-fg-color",
    "mermaid-node-bg-color",
}

HEX = re.compile(r"#[0-9A-Fa-f]{6}\b|#[0-9A-Fa-f]{3}\b")


def scss_declarations(path: Path) -> dict[str, str]:
    """Toutes les déclarations « $nom: valeur; » d'un fichier Sass, commentaires ôtés."""
    text = re.sub(r"/\*.*?\*/", "", path.read_text(encoding="utf-8"), flags=re.S)
    text = re.sub(r"//[^\n]*", "", text)
    return {m[1]: m[2].strip() for m in re.finditer(r"\$([\w-]+)\s*:\s*([^;]+);", text)}


def sections(path: Path) -> dict[str, str]:
    """Les sections /*-- scss:xxx --*/ d'un thème Quarto."""
    parts = re.split(
        r"^/\*--\s*scss:(\w+)\s*--\*/\s*$", path.read_text(encoding="utf-8"), flags=re.M
    )
    return dict(zip(parts[1::2], parts[2::2]))


def luminance(color: str) -> float:
    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in mcolors.to_rgb(color))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


# --- la palette ------------------------------------------------------------------------------


def test_palette_read_by_python_is_exactly_the_scss_colors():
    declared = {
        name.removeprefix("ars-"): value.upper()
        for name, value in scss_declarations(PALETTE).items()
        if HEX.fullmatch(value)
    }
    assert style.read_palette() == declared


def test_palette_is_the_seed_grays_plus_at_most_one_accent():
    colors = set(style.read_palette().values())
    assert SEED_GRAYS <= colors
    extra = colors - SEED_GRAYS
    assert len(extra) <= 1
    for accent in extra:  # un accent sobre : peu saturé, lisible sur le papier
        assert mcolors.rgb_to_hsv(mcolors.to_rgb(accent))[2] < 0.7


@pytest.mark.parametrize(
    "text, background",
    [
        ("ink", "paper"),
        ("ink", "sheet"),
        ("muted", "paper"),
        ("muted", "tint"),
        ("paper", "ink"),
        ("accent", "paper"),
    ],
)
def test_text_colors_are_readable(text, background):
    """WCAG 2, niveau AA : contraste d'au moins 4,5:1 pour du texte courant."""
    palette = style.read_palette()
    assert contrast(palette[text], palette[background]) >= 4.5


def test_read_palette_reports_missing_file_in_french(tmp_path):
    with pytest.raises(FileNotFoundError, match="Palette introuvable"):
        style.read_palette(tmp_path / "absente.scss")


def test_read_palette_rejects_duplicates(tmp_path):
    path = tmp_path / "_palette.scss"
    path.write_text("$ars-ink: #111111;\n$ars-ink: #222222;\n", encoding="utf-8")
    with pytest.raises(ValueError, match="deux fois"):
        style.read_palette(path)


def test_register_warns_instead_of_breaking_import(monkeypatch, tmp_path):
    monkeypatch.setattr(style, "PALETTE_FILE", tmp_path / "absente.scss")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert style.register("ars-essai") is False
    assert any("Palette introuvable" in str(w.message) for w in caught)
    assert "ars-essai" not in mpl.style.library


# --- le style matplotlib ---------------------------------------------------------------------


def test_style_available_after_import_in_fresh_process():
    code = (
        "import json, llmlab, sys\n"
        "assert 'matplotlib.pyplot' not in sys.modules, 'import llmlab a importé pyplot'\n"
        "import matplotlib.pyplot as plt\n"
        "assert 'ars-typographica' in plt.style.available\n"
        "plt.style.use('ars-typographica')\n"
        "rc = plt.rcParams\n"
        "print(json.dumps({'cycle': rc['axes.prop_cycle'].by_key()['color'],\n"
        "                  'face': rc['axes.facecolor'], 'text': rc['text.color']}))\n"
    )
    env = {**os.environ, "MPLBACKEND": "Agg"}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=ROOT, timeout=120
    )
    assert out.returncode == 0, out.stderr
    used = json.loads(out.stdout.strip().splitlines()[-1])
    palette = style.read_palette()
    assert used["cycle"] == [palette[name] for name in style.CYCLE]
    assert mcolors.to_hex(used["face"]).upper() == palette["paper"]
    assert mcolors.to_hex(used["text"]).upper() == palette["ink"]


def test_every_color_of_the_style_comes_from_the_palette():
    palette_colors = set(style.read_palette().values())
    params = style.rc_params()
    colors = {
        key: value
        for key, value in params.items()
        if isinstance(value, str)
        and mcolors.is_color_like(value)
        and key not in {"image.cmap", "scatter.edgecolors"}
    }
    colors["cycle"] = params["axes.prop_cycle"].by_key()["color"]
    assert len(colors) >= 10
    for key, value in colors.items():
        for color in value if isinstance(value, list) else [value]:
            assert mcolors.to_hex(color).upper() in palette_colors, key


def test_style_is_valid_for_matplotlib_and_keeps_quarto_figure_size():
    params = style.rc_params()
    # Quarto fixe fig-width / fig-height avant le code : le style ne doit pas les écraser.
    assert not {"figure.figsize", "figure.dpi", "savefig.dpi"} & params.keys()
    with mpl.rc_context():
        figsize = list(mpl.rcParams["figure.figsize"])
        style.use()  # lève une erreur si une clé ou une valeur est refusée par matplotlib
        assert mpl.rcParams["axes.facecolor"] == style.read_palette()["paper"]
        assert list(mpl.rcParams["figure.figsize"]) == figsize


def test_palette_change_flows_into_the_style(tmp_path):
    text = PALETTE.read_text(encoding="utf-8").replace("#FAFAFA", "#FFFFFF")
    other = tmp_path / "_palette.scss"
    other.write_text(text, encoding="utf-8")
    params = style.rc_params(style.read_palette(other))
    assert params["figure.facecolor"] == "#FFFFFF"


# --- les thèmes Sass du site, des diapositives et de mermaid ---------------------------------


@pytest.mark.parametrize("theme", THEMES, ids=lambda p: p.name)
def test_theme_imports_the_palette_before_using_it(theme):
    parts = sections(theme)
    assert {"defaults", "rules"} <= parts.keys()
    defaults = parts["defaults"]
    imports = re.findall(r'@import\s+"([^"]+)"', defaults)
    assert imports[:2] == ["palette", "mermaid-theme"]
    for name in imports:  # Sass trouve « palette » dans styles/_palette.scss (load path)
        assert (STYLES_DIR / f"_{name}.scss").exists()
    first_use = defaults.find("$ars-")
    assert defaults.find('@import "palette"') < first_use


@pytest.mark.parametrize("theme", [*THEMES, MERMAID_THEME], ids=lambda p: p.name)
def test_theme_uses_only_palette_variables_and_no_raw_color(theme):
    defined = set(scss_declarations(PALETTE))
    text = re.sub(r"//[^\n]*", "", theme.read_text(encoding="utf-8"))
    used = set(re.findall(r"\$(ars-[\w-]+)", text))
    assert used, "le thème n'utilise pas la palette"
    assert used <= defined, sorted(used - defined)
    assert not HEX.findall(text), "couleur écrite en dur : la mettre dans _palette.scss"


def test_mermaid_theme_sets_only_quarto_mermaid_variables():
    names = set(scss_declarations(MERMAID_THEME))
    assert names <= QUARTO_MERMAID_VARIABLES, sorted(names - QUARTO_MERMAID_VARIABLES)
    assert {"mermaid-node-bg-color", "mermaid-edge-color", "mermaid-fg-color--lightest"} <= names


def theme_layers() -> dict[str, list[Path]]:
    """Les fichiers de thème du site et des decks, dans l'ordre de la configuration."""
    config = yaml.safe_load((ROOT / "_quarto.yml").read_text(encoding="utf-8"))
    shared = yaml.safe_load((ROOT / "slides" / "_revealjs.yml").read_text(encoding="utf-8"))
    as_list = lambda v: v if isinstance(v, list) else [v]  # noqa: E731
    return {
        "site": [(ROOT / f).resolve() for f in as_list(config["format"]["html"]["theme"])],
        "slides": [
            (ROOT / "slides" / f).resolve() for f in as_list(shared["format"]["revealjs"]["theme"])
        ],
    }


def test_site_and_slides_point_to_the_themes():
    layers = theme_layers()
    assert layers["site"] == [STYLES_DIR / "site.scss", PALETTE]
    assert layers["slides"] == [STYLES_DIR / "slides.scss", PALETTE]
    shared = yaml.safe_load((ROOT / "slides" / "_revealjs.yml").read_text(encoding="utf-8"))
    # Un thème mermaid intégré remplacerait les couleurs de la palette.
    assert "theme" not in shared["format"]["revealjs"].get("mermaid", {})


@pytest.mark.parametrize("target", ["site", "slides"])
def test_assembled_defaults_declare_each_palette_color_before_its_use(target):
    """Comme Quarto (src/core/sass.ts, mergeLayers) : les « defaults » d'une liste de thèmes
    sont assemblés du dernier fichier au premier. Son analyseur ne suit pas les @import
    (quarto-cli #11824) : chaque $ars-* doit être déclarée en clair avant son premier usage,
    sinon le rendu affiche « variable used before declaration » pour chacune."""
    bundle = "\n".join(
        sections(path).get("defaults", "") for path in reversed(theme_layers()[target])
    )
    bundle = re.sub(r"//[^\n]*", "", bundle)
    declared = {}
    for m in re.finditer(r"\$(ars-[\w-]+)\s*:", bundle):
        declared.setdefault(m[1], m.start())
    uses = [(m[1], m.start()) for m in re.finditer(r"\$(ars-[\w-]+)(?![\w-]|\s*:)", bundle)]
    assert uses
    late = sorted({name for name, at in uses if name not in declared or declared[name] > at})
    assert not late, f"utilisées avant leur déclaration : {late}"


def test_mermaid_diagrams_use_palette_colors_only():
    palette_colors = set(style.read_palette().values())
    diagrams = []
    for qmd in sorted((ROOT / "slides").rglob("*.qmd")):
        blocks = re.findall(r"```\{mermaid\}(.*?)```", qmd.read_text(encoding="utf-8"), flags=re.S)
        diagrams += [(qmd, block) for block in blocks]
    assert diagrams, "aucun diagramme mermaid dans slides/"
    for qmd, block in diagrams:
        for color in HEX.findall(block):
            assert color.upper() in palette_colors, f"{qmd.name} : {color} hors palette"
