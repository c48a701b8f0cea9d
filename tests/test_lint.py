"""Ruff : le code du dépôt passe le lint et reste formaté (configuration dans pyproject.toml).

Les fonctions montrées sur une diapositive (``show_source``) sont entre ``# fmt: off`` et
``# fmt: on`` : leurs lignes sont coupées à la main à 62 caractères pour tenir dans le cadre,
ce que le formateur (100 caractères) déferait."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
pytest.importorskip("ruff")


def ruff(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "ruff", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        encoding="utf-8",
    )


def test_ruff_check_passes():
    result = ruff("check", "--output-format", "concise", ".")
    assert result.returncode == 0, result.stdout + result.stderr


def test_code_is_formatted():
    result = ruff("format", "--check", ".")
    assert result.returncode == 0, (
        "fichiers à reformater (uv run ruff format) :\n" + result.stdout + result.stderr
    )


def test_ruff_finds_a_real_mistake(tmp_path):
    # Le contrôle n'est pas vide : la même configuration refuse un import inutile.
    bad = tmp_path / "mauvais.py"
    bad.write_text("import os\n", encoding="utf-8")
    result = ruff("check", "--config", str(ROOT / "pyproject.toml"), str(bad))
    assert result.returncode != 0 and "F401" in result.stdout
