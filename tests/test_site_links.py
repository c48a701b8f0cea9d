"""Les liens du site rendu (``harness/links.py``, lancé par ``tests/check_site.py``) : chaque
lien relatif mène à un fichier du site, sur un petit site écrit comme Quarto l'écrit."""

from pathlib import Path

from harness.links import broken_links


def write(site: Path, name: str, body: str = "") -> None:
    path = site / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"<!DOCTYPE html><html><body>{body}</body></html>", encoding="utf-8")


def links(*hrefs: str) -> str:
    return "".join(f'<a href="{h}">lien</a>' for h in hrefs)


def small_site(tmp_path: Path) -> Path:
    site = tmp_path / "_site"
    for name in ("index.html", "slides/tp4.html", "notebooks/tp4-0.html", "reference/index.html"):
        write(site, name)
    (site / "notebooks" / "tp4-0.out.ipynb").write_text("{}", encoding="utf-8")
    write(site, "pages/été.html")
    return site


def test_links_that_lead_to_a_file_pass(tmp_path):
    site = small_site(tmp_path)
    write(
        site,
        "seances/semaine-26.html",
        links(
            "../index.html",
            "./../slides/tp4.html#/la-formule",  # ancre de reveal.js après le fichier
            "../notebooks/tp4-0.html?x=1",
            "../notebooks/tp4-0.out.ipynb",  # « Autres formats » : le notebook de Quarto
            "../reference/",  # un dossier vaut par son index.html
            "../pages/%C3%A9t%C3%A9.html",
            "#sur-cette-page",
            "#/2",
            "",
            "https://quarto.org/",
            "//cdn.example.org/x.js",
            "mailto:prof@example.org",
            "javascript:void(0)",
        ),
    )
    report = broken_links(site)
    assert report.broken == []
    assert report.unchecked_pdf == 0 and report.note() is None


def test_a_link_to_nothing_is_reported_once_with_its_page(tmp_path):
    site = small_site(tmp_path)
    write(
        site,
        "seances/semaine-26.html",
        links(
            "../notebooks/tp4-9.html",
            "../notebooks/tp4-9.html",  # le même lien deux fois : une ligne
            "../tp/absent.qmd",  # une source que Quarto n'a pas rendue garde son .qmd
            "../lectures/",  # dossier sans index.html
            "../../ailleurs.html",
            "/slides/tp4.html",  # le fichier existe, mais pas sous https://compte.github.io/depot/
        ),
    )
    assert broken_links(site).broken == [
        "seances/semaine-26.html : « ../notebooks/tp4-9.html » ne mène à aucun fichier "
        "(notebooks/tp4-9.html)",
        "seances/semaine-26.html : « ../tp/absent.qmd » ne mène à aucun fichier (tp/absent.qmd)",
        "seances/semaine-26.html : « ../lectures/ » ne mène à aucun fichier (lectures)",
        "seances/semaine-26.html : « ../../ailleurs.html » sort du dossier du site",
        "seances/semaine-26.html : « /slides/tp4.html » part de la racine du serveur : cassé "
        "quand le site est publié dans un sous-dossier (GitHub Pages d'un dépôt)",
    ]


def test_quarto_s_own_libraries_are_not_read(tmp_path):
    site = small_site(tmp_path)
    write(site, "site_libs/bootstrap/page.html", links("absent.html"))
    assert broken_links(site).broken == []


def test_deck_pdfs_are_checked_once_the_site_has_one(tmp_path):
    site = small_site(tmp_path)
    write(site, "slides/index.html", links("tp4.pdf", "construire-un-llm.pdf"))
    # Juste après quarto render : aucun PDF encore, les liens sont comptés, pas signalés.
    before = broken_links(site)
    assert before.broken == [] and before.unchecked_pdf == 2
    assert "scripts/decks_pdf.py" in before.note()
    # Après scripts/decks_pdf.py : chaque lien doit mener à son PDF.
    (site / "slides" / "tp4.pdf").write_bytes(b"%PDF-1.4\n")
    after = broken_links(site)
    assert after.unchecked_pdf == 0
    assert after.broken == [
        "slides/index.html : « construire-un-llm.pdf » ne mène à aucun fichier "
        "(slides/construire-un-llm.pdf)"
    ]
