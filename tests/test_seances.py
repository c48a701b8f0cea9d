"""Une page par séance du planning : le planning y mène, et chaque notebook cité se lit en ligne,
se télécharge (format ipynb des pages de notebooks) et s'ouvre dans VS Code par sa commande."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
SEANCES = ROOT / "seances"


def planning_weeks() -> dict[str, str]:
    """{semaine : cible du lien} pour chaque ligne numérotée du planning."""
    text = (ROOT / "slides" / "_planning.qmd").read_text(encoding="utf-8")
    rows = re.findall(r"^\| *(\S[^|]*?) *\|", text, re.MULTILINE)
    weeks = {}
    for cell in rows:
        match = re.fullmatch(r"\[(\d+)\]\(([^)]+)\)", cell)
        assert match or not re.search(r"\d", cell), f"semaine sans page : {cell}"
        if match:
            weeks[match[1]] = match[2]
    return weeks


def test_every_week_of_the_planning_links_to_its_session_page():
    weeks = planning_weeks()
    assert set(weeks) == {"23", "24", "25", "26", "27", "29"}
    for week, target in weeks.items():
        assert target == f"/seances/semaine-{week}.qmd"
        assert (ROOT / target.lstrip("/")).is_file()
    index = (SEANCES / "index.qmd").read_text(encoding="utf-8")
    assert set(re.findall(r"\(semaine-(\d+)\.qmd\)", index)) == set(weeks)


def test_every_notebook_of_a_session_is_readable_and_opens_in_vs_code():
    pages = sorted(SEANCES.glob("semaine-*.qmd"))
    cited = set()
    for page in pages:
        text = page.read_text(encoding="utf-8")
        linked = set(re.findall(r"\(\.\./notebooks/([\w-]+)\.ipynb\)", text))
        commands = set(re.findall(r"`notebooks/([\w-]+)\.ipynb`", text))  # le fichier à ouvrir
        assert linked == commands, page.name
        for name in linked:
            assert (ROOT / "notebooks" / f"{name}.ipynb").is_file(), (page.name, name)
        if linked:
            assert "{{< include _ouvrir-un-notebook.qmd >}}" in text, page.name
        cited |= linked
    # Chaque notebook du cours appartient à une séance.
    assert cited == {p.stem for p in (ROOT / "notebooks").glob("*.ipynb")}


def test_notebook_pages_offer_the_notebook_for_download():
    metadata = yaml.safe_load((ROOT / "notebooks" / "_metadata.yml").read_text(encoding="utf-8"))
    assert "html" in metadata["format"] and "ipynb" in metadata["format"]
