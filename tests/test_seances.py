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


def planning_rows() -> dict[str, list[str]]:
    """{semaine : [cours du mardi, TP du jeudi, lecture]} pour chaque ligne numérotée du
    planning (sans gras)."""
    text = (ROOT / "slides" / "_planning.qmd").read_text(encoding="utf-8")
    rows = re.findall(r"^\| *\[(\d+)\]\([^)]*\) *\|(.*)\|$", text, re.MULTILINE)
    return {week: [cell.strip().strip("*") for cell in cells.split("|")] for week, cells in rows}


def planning_courses() -> dict[str, str]:
    """{semaine : cours du mardi} pour chaque ligne numérotée du planning."""
    return {week: cells[0] for week, cells in planning_rows().items()}


def test_session_pages_carry_the_course_of_their_week():
    """Le planning, la liste des séances et le titre de chaque page disent le même cours."""
    courses = planning_courses()
    assert set(courses) == set(planning_weeks())
    index = (SEANCES / "index.qmd").read_text(encoding="utf-8")
    listed = dict(re.findall(r"^\| *(\d+) *\| *\[([^\]]+)\]\(semaine-\1\.qmd\)", index, re.M))
    assert listed == courses
    for week, course in courses.items():
        page = SEANCES / f"semaine-{week}.qmd"
        title = yaml.safe_load(page.read_text(encoding="utf-8").split("---")[1])["title"]
        assert title == f"Semaine {week} · {course}", page.name


def test_the_home_page_and_the_deck_share_one_planning():
    """Un seul planning : l'accueil et le deck TP 4 incluent le même fichier."""
    home = (ROOT / "index.qmd").read_text(encoding="utf-8")
    deck = (ROOT / "slides" / "tp4.qmd").read_text(encoding="utf-8")
    assert "{{< include slides/_planning.qmd >}}" in home
    assert "{{< include _planning.qmd >}}" in deck
    assert "| Semaine |" not in home  # pas de second tableau recopié à la main


def test_each_session_page_names_the_reading_of_its_week():
    for week, (_, _, reading) in planning_rows().items():
        text = (SEANCES / f"semaine-{week}.qmd").read_text(encoding="utf-8")
        assert reading.lower() in text.lower(), (week, reading)
