"""Chaque .qmd du site s'exécute comme au rendu Quarto : tous ses chunks Python, dans l'ordre,
dans un seul noyau Jupyter neuf, réseau coupé (voir ``harness/kernel.py`` et ``harness/qmd.py``).

Un échec nomme le fichier (et le fichier inclus), la ligne du chunk, son code et la trace du
noyau. Les partiels ``_*.qmd`` sont testés à travers le document qui les inclut.
"""

from pathlib import Path

import pytest

from harness import site
from harness.kernel import KernelRunError
from harness.outputs import widget_outputs
from harness.qmd import QmdError

ROOT = Path(__file__).resolve().parents[1]
DOCUMENTS = site.site_documents(ROOT)


def _params():
    if not DOCUMENTS:
        return [
            pytest.param(
                None,
                marks=pytest.mark.skip(
                    reason="aucun .qmd dans le dépôt pour l'instant (hors _site/, _freeze/, partiels _*.qmd)"
                ),
            )
        ]
    return [pytest.param(p, id=p.relative_to(ROOT).as_posix()) for p in DOCUMENTS]


@pytest.mark.slow
@pytest.mark.parametrize("qmd", _params())
def test_qmd_runs_like_quarto(qmd, document_runs):
    try:
        doc, cells = document_runs.get(qmd)  # exécution partagée avec test_slidefit.py
    except (QmdError, KernelRunError) as e:
        pytest.fail(str(e), pytrace=False)
    # chaque chunk à évaluer a bien été exécuté par le noyau (aucun sauté en silence)
    assert len(cells) == len(doc.runnable)
    assert all(c.get("execution_count") for c in cells)


@pytest.mark.slow
@pytest.mark.parametrize("qmd", _params())
def test_no_output_pulls_require_js_or_jquery(qmd, document_runs):
    """Un résultat text/html (ou JavaScript, ou widget) fait ajouter par Quarto require.js et
    jQuery pris sur un CDN : hors ligne, « define is not defined » (rendu du 2026-12-07, deck
    TP 4). Le HTML d'une page ou d'une diapositive passe par ``llmlab.display.print_html``
    dans un chunk ``#| output: asis``."""
    try:
        doc, cells = document_runs.get(qmd)
    except (QmdError, KernelRunError) as e:
        pytest.fail(
            f"le document ne s'exécute pas (voir test_qmd_runs_like_quarto) :\n{e}", pytrace=False
        )
    found = widget_outputs(doc, cells)
    assert not found, (
        "résultats qui ajouteraient require.js et jQuery d'un CDN ; imprimez le HTML "
        "avec llmlab.display.print_html dans un chunk « #| output: asis » :\n  "
        + "\n  ".join(found)
    )


@pytest.mark.slow
@pytest.mark.parametrize("qmd", _params())
def test_figure_ticks_have_decimal_commas(qmd, document_runs):
    """Le formateur de matplotlib écrit « 0.25 » quelle que soit la langue : une figure du
    site qui a des graduations décimales passe par ``llmlab.display.french_ticks``
    (le contrôle : ``harness/figure_check.py``)."""
    from harness.outputs import decimal_point_ticks

    try:
        doc, cells = document_runs.get(qmd)
    except (QmdError, KernelRunError) as e:
        pytest.fail(
            f"le document ne s'exécute pas (voir test_qmd_runs_like_quarto) :\n{e}", pytrace=False
        )
    found = decimal_point_ticks(cells, lambda i, _: doc.runnable[i].start.where(doc.root))
    assert not found, (
        "graduations à point décimal ; appelez llmlab.display.french_ticks(ax) "
        "(ou sur la barre de couleur) :\n  " + "\n  ".join(found)
    )


@pytest.mark.slow
@pytest.mark.parametrize("qmd", _params())
def test_every_figure_has_alt_text(qmd, document_runs):
    """Un lecteur d'écran ne lit d'une figure que son texte alternatif : tout chunk qui
    affiche une image porte ``#| fig-alt: "…"`` (ce que montre la figure et ce qu'il faut y
    voir ; la forme plutôt que des nombres qui changeraient avec les données)."""
    from harness.outputs import figures_without_alt

    try:
        doc, cells = document_runs.get(qmd)
    except (QmdError, KernelRunError) as e:
        pytest.fail(
            f"le document ne s'exécute pas (voir test_qmd_runs_like_quarto) :\n{e}", pytrace=False
        )
    found = figures_without_alt(doc, cells)
    assert not found, (
        "figures sans texte alternatif ; ajoutez au chunk "
        '« #| fig-alt: "…" » :\n  ' + "\n  ".join(found)
    )
