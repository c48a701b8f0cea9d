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

ROOT = Path(__file__).resolve().parents[1]
MANIFEST = ROOT / "assets" / "vendor" / "manifest.json"


def load_script():
    spec = importlib.util.spec_from_file_location("vendor_assets", ROOT / "scripts" / "vendor_assets.py")
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
        assert version.count(".") == 2 and all(part.isdigit() for part in version.split(".")), \
            f"{package['name']} : version non exacte {version!r}"
        assert package["integrity"].startswith("sha512-"), package["name"]
        assert package["license"], package["name"]
        assert package["files"], package["name"]


@pytest.mark.parametrize("package, path, digest",
                         [pytest.param(p, f, d, id=f.relative_to(ROOT).as_posix())
                          for p, f, d in manifest_files()])
def test_every_manifest_file_is_present_with_its_sha256(package, path, digest):
    assert path.is_file(), f"{path.relative_to(ROOT)} manque : uv run python scripts/vendor_assets.py"
    assert hashlib.sha256(path.read_bytes()).hexdigest() == digest


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
