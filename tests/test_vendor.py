"""Les bibliothèques JavaScript servies par le site lui-même (``assets/vendor/``).

Sans réseau : chaque fichier du manifeste est là avec son sha256, et le vérificateur du script
``scripts/vendor_assets.py --check`` repère bien un fichier abîmé, manquant ou sans provenance.
"""

import hashlib
import importlib.util
import json
import shutil
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
MANIFEST = ROOT / "assets" / "vendor" / "manifest.json"


def load_script():
    spec = importlib.util.spec_from_file_location(
        "vendor_assets", ROOT / "scripts" / "vendor_assets.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def manifest() -> dict:
    return json.loads(MANIFEST.read_text(encoding="utf-8"))


def manifest_files():
    for package in manifest()["packages"]:
        for name, digest in package["files"].items():
            yield package, ROOT / package["destination"] / name, digest


def test_manifest_pins_exact_versions_and_archive_integrity():
    for package in manifest()["packages"]:
        version = package["version"]
        assert version.count(".") == 2 and all(part.isdigit() for part in version.split(".")), (
            f"{package['name']} : version non exacte {version!r}"
        )
        assert package["integrity"].startswith("sha512-"), package["name"]
        assert package["license"], package["name"]
        assert package["files"], package["name"]


@pytest.mark.parametrize(
    "package", manifest()["packages"], ids=lambda p: f"{p['name']}@{p['version']}"
)
def test_every_manifest_file_is_present_with_its_sha256(package):
    wrong = []
    for name, digest in package["files"].items():
        path = ROOT / package["destination"] / name
        if not path.is_file() or hashlib.sha256(path.read_bytes()).hexdigest() != digest:
            wrong.append(path.relative_to(ROOT).as_posix())
    assert not wrong, f"absents ou modifiés (uv run python scripts/vendor_assets.py) : {wrong}"


def test_reveal_fixture_is_quarto_reveal_5_1_0():
    (reveal,) = [p for p in manifest()["packages"] if p["name"] == "reveal.js"]
    assert reveal["version"] == "5.1.0"
    assert reveal["destination"] == "tests/fixtures/vendor/reveal.js"
    assert set(reveal["files"]) == {"dist/reveal.js", "dist/reveal.css", "dist/reset.css"}
    head = (ROOT / reveal["destination"] / "dist" / "reveal.js").read_text(encoding="utf-8")[:200]
    assert "reveal.js 5.1.0" in head


def copy_tree(tmp_path: Path) -> Path:
    """Une copie des fichiers du manifeste, pour les abîmer sans toucher au dépôt."""
    for _, path, _ in manifest_files():
        target = tmp_path / path.relative_to(ROOT)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
    (tmp_path / "assets" / "vendor").mkdir(parents=True, exist_ok=True)
    shutil.copyfile(MANIFEST, tmp_path / "assets" / "vendor" / "manifest.json")
    return tmp_path


def test_check_accepts_the_repository_and_flags_damage(tmp_path):
    script = load_script()
    assert script.check(ROOT) == []
    root = copy_tree(tmp_path)
    assert script.check(root) == []
    files = [path.relative_to(ROOT) for _, path, _ in manifest_files()]
    (root / files[0]).write_bytes(b"// modifie\n")
    (root / files[1]).unlink()
    (root / "assets" / "vendor" / "intrus.js").write_text("1;", encoding="utf-8")
    problems = script.check(root)
    assert len(problems) == 3, problems
    assert "empreinte" in problems[0] and files[0].as_posix() in problems[0]
    assert "manque" in problems[1] and files[1].as_posix() in problems[1]
    assert "intrus.js" in problems[2] and "aucun paquet" in problems[2]


# --- la configuration du site pointe vers ces fichiers, jamais vers un CDN ------------------

CDN_HOSTS = (
    "cdn.jsdelivr.net",
    "unpkg.com",
    "cdnjs.cloudflare.com",
    "fonts.googleapis.com",
    "fonts.gstatic.com",
    "polyfill.io",
    "esm.sh",
    "cdn.observableusercontent.com",
)


def load_yaml(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8")) or {}


def front_matter(path: Path) -> dict:
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".ipynb":
        return {}
    if not text.startswith("---"):
        return {}
    return yaml.safe_load(text.split("---", 2)[1]) or {}


def rendered_pages() -> list[Path]:
    """Les pages que Quarto rend : la liste ``render`` de _quarto.yml, sans les partiels."""
    config = load_yaml(ROOT / "_quarto.yml")
    pages, excluded = set(), []
    for pattern in config["project"]["render"]:
        if pattern.startswith("!"):
            excluded.append(pattern[1:])
        else:
            pages |= {p for p in ROOT.glob(pattern) if not p.name.startswith("_")}
    return sorted(
        p for p in pages if not any(p.relative_to(ROOT).as_posix().startswith(e) for e in excluded)
    )


def is_deck(page: Path) -> bool:
    formats = front_matter(page).get("format", {})
    return "revealjs" in (formats if isinstance(formats, (dict, list)) else [formats])


def math_url(page: Path) -> str:
    """L'URL de MathJax que Quarto donnera à Pandoc pour cette page (options de premier
    niveau : page < _metadata.yml du dossier < _quarto.yml ; format revealjs des
    metadata-files pour un deck)."""
    meta = front_matter(page)
    if is_deck(page):
        for name in meta.get("metadata-files", []):
            deck = load_yaml(page.parent / name).get("format", {}).get("revealjs", {})
            if "html-math-method" in deck:
                return deck["html-math-method"]["url"]
    for layer in (
        meta,
        load_yaml(page.parent / "_metadata.yml")
        if (page.parent / "_metadata.yml").exists()
        else {},
        load_yaml(ROOT / "_quarto.yml"),
    ):
        if "html-math-method" in layer:
            return layer["html-math-method"]["url"]
    raise AssertionError(f"{page.relative_to(ROOT)} : aucune html-math-method (CDN par défaut)")


def test_site_copies_assets_vendor():
    resources = load_yaml(ROOT / "_quarto.yml")["project"]["resources"]
    assert "assets/vendor/**" in resources


@pytest.mark.parametrize("page", rendered_pages(), ids=lambda p: p.relative_to(ROOT).as_posix())
def test_every_page_loads_mathjax_from_the_site(page):
    """L'URL est relative à la page rendue (même dossier relatif dans _site/ que la source) et
    aboutit à un fichier du manifeste : MathJax 2 pour un deck (plugin math de reveal.js),
    MathJax 3 pour une page HTML."""
    url = math_url(page)
    assert "://" not in url and not url.startswith("/"), url
    target = (page.parent / url.split("?")[0]).resolve()
    declared = {path.resolve() for _, path, _ in manifest_files()}
    assert target in declared, f"{url} ne mène à aucun fichier du manifeste"
    expected = "mathjax2/MathJax.js" if is_deck(page) else "mathjax3/es5/tex-chtml-full.js"
    assert target.as_posix().endswith(expected)
    if is_deck(page):
        assert url.endswith("?config=TeX-AMS_HTML-full")


def test_decks_and_pages_were_found():
    pages = rendered_pages()
    assert any(is_deck(p) for p in pages) and any(not is_deck(p) for p in pages)
    assert ROOT / "index.qmd" in pages


def test_no_configuration_points_to_a_cdn():
    files = [
        ROOT / "_quarto.yml",
        *ROOT.glob("**/_metadata.yml"),
        *ROOT.glob("slides/*.yml"),
        *ROOT.glob("styles/*.scss"),
        *ROOT.glob("interactif/*.qmd"),
        *rendered_pages(),
    ]
    for path in files:
        if ".venv" in path.parts:
            continue
        text = path.read_text(encoding="utf-8")
        for host in CDN_HOSTS:
            assert host not in text, f"{path.relative_to(ROOT)} cite {host}"
