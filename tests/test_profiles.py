"""Les deux sites : celui des élèves (profil par défaut) sans corrigé ni notes, celui de
l'enseignant avec ; le PDF de chaque deck lié depuis la liste des présentations.

Sans Quarto : la configuration est lue comme Quarto la fusionne (les listes d'un profil
s'ajoutent à celles de ``_quarto.yml``), le filtre des notes passe par le vrai Pandoc, et le
contrôle des fuites (``harness/leaks.py``, lancé par ``tests/check_site.py`` sur le vrai rendu)
est essayé sur de petits sites fabriqués ici.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import nbformat
import pytest
import yaml

from harness import site
from harness.leaks import solution_leaks
from llmlab.exercises import solutions_path, solved_notebook
from llmlab.exercises.notebooks import SOLUTION_MARKER, exercise_cells

ROOT = Path(__file__).resolve().parents[1]


def config(name: str) -> dict:
    return yaml.safe_load((ROOT / name).read_text(encoding="utf-8")) or {}


def solved_sources() -> list[Path]:
    return sorted(p for p in (ROOT / "notebooks").glob("*.ipynb") if solutions_path(p).exists())


def test_the_student_profile_is_the_default_of_a_two_profile_group():
    assert config("_quarto.yml")["profile"]["group"] == [["etudiant", "enseignant"]]
    for name in ("etudiant", "enseignant"):
        assert (ROOT / f"_quarto-{name}.yml").is_file()


def test_the_student_site_renders_no_solution_and_the_teacher_site_adds_them():
    student = site.render_targets(ROOT, profile="etudiant")
    teacher = site.render_targets(ROOT, profile="enseignant")
    corriges = ROOT / "notebooks" / "corriges"
    solutions = ROOT / "notebooks" / "solutions"
    for path in student:
        assert corriges not in path.parents and solutions not in path.parents, path
        assert "enseignant" not in path.relative_to(ROOT).parts, path
    assert (ROOT / "enseignant" / "index.qmd").resolve() in teacher
    assert student < teacher
    patterns = config("_quarto-enseignant.yml")["project"]["render"]
    assert "notebooks/corriges/*.ipynb" in patterns
    # Le dossier de sortie du site de l'enseignant n'écrase pas celui des élèves.
    assert (
        config("_quarto-enseignant.yml")["project"]["output-dir"]
        != config("_quarto.yml")["project"]["output-dir"]
    )


def test_the_teacher_site_writes_its_solutions_before_rendering():
    assert config("_quarto-enseignant.yml")["project"]["pre-render"] == "scripts/corriges.py"
    script = (ROOT / "scripts" / "corriges.py").read_text(encoding="utf-8")
    assert 'main(["corrige"])' in script


def test_notes_are_removed_only_by_the_student_profile():
    base = config("_quarto.yml")["filters"]
    student = config("_quarto-etudiant.yml")["filters"]
    assert "filters/sans-notes.lua" in student and "filters/sans-notes.lua" not in base
    assert "filters" not in config("_quarto-enseignant.yml")


def test_the_notes_filter_drops_notes_and_keeps_every_other_block():
    pypandoc = pytest.importorskip("pypandoc")
    source = (
        "## Titre\n\nTexte visible.\n\n::: {.notes}\nNote secrète.\n:::\n\n"
        "::: {.callout-note}\nEncadré.\n:::\n"
    )
    html = subprocess.run(
        [
            pypandoc.get_pandoc_path(),
            "--lua-filter",
            str(ROOT / "filters" / "sans-notes.lua"),
            "-f",
            "markdown",
            "-t",
            "html",
        ],
        input=source,
        capture_output=True,
        text=True,
        encoding="utf-8",
        check=True,
    ).stdout
    assert "Note secrète" not in html and "notes" not in html
    assert "Texte visible" in html and "Encadré" in html and "callout-note" in html


def test_every_solved_cell_starts_with_the_marker_and_no_blank_notebook_has_it():
    sources = solved_sources()
    assert sources
    for path in sources:
        assert SOLUTION_MARKER not in path.read_text(encoding="utf-8"), path
        cells = exercise_cells(solved_notebook(path))
        assert cells and all(c.source.splitlines()[0] == SOLUTION_MARKER for c in cells), path


def test_the_teacher_page_links_every_solved_notebook():
    page = (ROOT / "enseignant" / "index.qmd").read_text(encoding="utf-8")
    links = set(re.findall(r"\(\.\./notebooks/corriges/([\w-]+)-corrige\.ipynb\)", page))
    assert links == {p.stem for p in solved_sources()}


def test_the_deck_list_links_the_pdf_of_every_deck():
    page = (ROOT / "slides" / "index.qmd").read_text(encoding="utf-8")
    linked = set(re.findall(r"\]\(([\w-]+)\.pdf\)", page))
    assert linked == {d.stem for d in site.decks(ROOT) if d.stem != "index"}


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def test_the_leak_check_finds_solutions_and_notes_in_a_rendered_site(tmp_path):
    clean = tmp_path / "propre"
    _write(clean / "index.html", "<p>Un corrigé sera distribué plus tard.</p>")
    _write(
        clean / "slides" / "tp4.html",
        '<section><h2>Titre</h2><aside class="footer">pied</aside></section>',
    )
    _write(clean / "notebooks" / "tp4-1.ipynb", nbformat.writes(nbformat.v4.new_notebook()))
    assert solution_leaks(clean) == []

    leaky = tmp_path / "fuites"
    _write(leaky / "notebooks" / "corriges" / "tp4-1-corrige.html", "<p>rien</p>")
    # Comme la coloration de Quarto l'écrit : commentaire dans un span, apostrophe échappée.
    marker = SOLUTION_MARKER.replace("'", "&#39;")
    _write(leaky / "notebooks" / "tp4-2.html", f'<span class="co">{marker}</span>')
    _write(leaky / "slides" / "tp4.html", '<aside class="notes"><p>Dire ceci.</p></aside>')
    leaks = solution_leaks(leaky)
    assert len(leaks) == 3
    assert any("corriges/tp4-1-corrige.html" in leak for leak in leaks)
    assert any(
        leak.startswith("notebooks/tp4-2.html") and "cellule corrigée" in leak for leak in leaks
    )
    assert any(leak.startswith("slides/tp4.html") and "notes" in leak for leak in leaks)


def test_the_offline_copy_holds_the_whole_site_and_says_how_to_open_it(tmp_path):
    import sys
    import zipfile

    sys.path.insert(0, str(ROOT / "scripts"))
    import site_zip

    rendered = tmp_path / "_site"
    _write(rendered / "index.html", "<p>Accueil</p>")
    _write(rendered / "slides" / "tp4.html", "<p>Deck</p>")
    target = site_zip.build_zip(rendered, tmp_path / "copie.zip")
    with zipfile.ZipFile(target) as archive:
        names = set(archive.namelist())
        note = archive.read(site_zip.README_NAME).decode("utf-8")
    assert names == {"index.html", "slides/tp4.html", site_zip.README_NAME}
    assert len(note.strip().splitlines()) == 2
    assert "py -m http.server" in note and "python3 -m http.server" in note
    assert "localhost:8000" in note
    with pytest.raises(FileNotFoundError, match="quarto render"):
        site_zip.build_zip(tmp_path / "absent", tmp_path / "x.zip")


#: Ce qui mène aux solutions : leur dossier, les corrigés, la commande qui les écrit.
SOLUTION_POINTERS = re.compile(r"notebooks/(?:solutions|corriges)|-corrige\.ipynb|llmlab corrige")


def test_no_student_page_points_to_the_solutions():
    """Le site des élèves ne lie ni ne nomme les solutions (texte et includes compris) : le
    contrôle du site rendu trouve un corrigé rendu, pas une phrase qui dit où le prendre."""
    from harness.qmd import expand

    found = []
    for path in sorted(site.render_targets(ROOT, profile="etudiant")):
        if path.suffix == ".qmd":
            lines = [(line.where(ROOT), line.text) for line in expand(path, ROOT)]
        elif path.suffix == ".ipynb":
            lines = [(path.relative_to(ROOT).as_posix(), path.read_text(encoding="utf-8"))]
        else:
            continue
        found += [
            f"{where} : {m[0]}" for where, text in lines for m in SOLUTION_POINTERS.finditer(text)
        ]
    assert not found, "\n".join(found)


def test_only_the_teacher_profile_adds_the_teacher_page_to_the_navbar():
    def hrefs(name: str) -> list[str]:
        navbar = (config(name).get("website") or {}).get("navbar") or {}
        return [item.get("href", "") for item in navbar.get("left", [])]

    assert not any("enseignant" in href for href in hrefs("_quarto.yml"))
    assert not any("enseignant" in href for href in hrefs("_quarto-etudiant.yml"))
    assert "enseignant/index.qmd" in hrefs("_quarto-enseignant.yml")


def test_every_link_of_the_teacher_page_resolves():
    """La page de l'enseignant n'est pas dans le site des élèves, donc pas dans le test des
    liens de test_structure.py. Un corrigé n'existe qu'après ``llmlab corrige`` : il vaut si
    son notebook vierge a ses solutions."""
    page = ROOT / "enseignant" / "index.qmd"
    solved = {p.stem for p in solved_sources()}
    problems = []
    for link in site.page_links(page, ROOT):
        path = site.resolve(link.target, link.base, ROOT).resolve()
        if path.parent == (ROOT / "notebooks" / "corriges").resolve():
            ok = (
                path.name.endswith("-corrige.ipynb")
                and path.name[: -len("-corrige.ipynb")] in solved
            )
        else:
            ok = site.exists(path)
        if not ok:
            problems.append(f"{link.where} : {link.target}")
    assert not problems, "\n".join(problems)
