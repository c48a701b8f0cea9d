"""Les workflows GitHub Actions : mêmes tests que .ci/run, rendu Quarto, publication Pages."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from llmlab._paths import ROOT

WORKFLOWS = ROOT / ".github" / "workflows"


def load(name: str) -> dict:
    workflow = yaml.safe_load((WORKFLOWS / name).read_text(encoding="utf-8"))
    # PyYAML lit la clé « on: » comme le booléen True (YAML 1.1).
    if True in workflow:
        workflow["on"] = workflow.pop(True)
    return workflow


def steps(workflow: dict) -> list[dict]:
    return [step for job in workflow["jobs"].values() for step in job.get("steps", [])]


def commands(workflow: dict) -> list[str]:
    return [
        line.strip()
        for step in steps(workflow)
        for line in step.get("run", "").splitlines()
        if line.strip() and not line.strip().startswith("#")
    ]


def uses(workflow: dict) -> list[str]:
    return [step["uses"].split("@")[0] for step in steps(workflow) if "uses" in step]


def ci_test_commands() -> list[str]:
    """Les commandes `uv run ...` de .ci/run : la commande de test du README."""
    script = ROOT / ".ci" / "run"
    if not script.exists():
        pytest.skip(".ci/run n'existe pas encore")
    lines = [line.strip() for line in script.read_text(encoding="utf-8").splitlines()]
    found = [line for line in lines if line.startswith("uv run")]
    assert found, ".ci/run ne lance aucune commande « uv run »"
    return found


def test_tests_workflow_runs_the_ci_command_on_three_systems():
    workflow = load("tests.yml")
    assert {"push", "pull_request"} <= set(workflow["on"])
    (job,) = workflow["jobs"].values()
    assert set(job["strategy"]["matrix"]["os"]) == {
        "ubuntu-latest",
        "macos-latest",
        "windows-latest",
    }
    assert "astral-sh/setup-uv" in uses(workflow)
    setup_uv = next(
        s for s in steps(workflow) if s.get("uses", "").startswith("astral-sh/setup-uv")
    )
    assert setup_uv["with"]["enable-cache"] is True
    for command in ci_test_commands():
        assert command in commands(workflow)


def test_site_workflow_renders_with_quarto_and_publishes_pages():
    workflow = load("site.yml")
    assert workflow["on"]["push"]["branches"] == ["main"]
    used = uses(workflow)
    for action in (
        "actions/checkout",
        "quarto-dev/quarto-actions/setup",
        "astral-sh/setup-uv",
        "actions/upload-pages-artifact",
        "actions/deploy-pages",
    ):
        assert action in used, action
    run = commands(workflow)
    assert any(c.startswith("uv sync") for c in run)
    assert "uv run quarto render" in run
    # L'ordre compte : l'environnement existe avant le rendu, le rendu avant le téléversement.
    order = [
        s.get("uses", s.get("run", "")).split("@")[0] for s in workflow["jobs"]["build"]["steps"]
    ]
    assert (
        order.index("uv sync --locked")
        < order.index("uv run quarto render")
        < order.index("actions/upload-pages-artifact")
    )


def test_site_artifact_is_the_quarto_output_dir():
    config = yaml.safe_load((ROOT / "_quarto.yml").read_text(encoding="utf-8"))
    upload = next(
        s
        for s in steps(load("site.yml"))
        if s.get("uses", "").startswith("actions/upload-pages-artifact")
    )
    assert Path(upload["with"]["path"]) == Path(config["project"]["output-dir"])


def test_pages_deploy_job_has_the_required_permissions():
    deploy = load("site.yml")["jobs"]["deploy"]
    assert deploy["needs"] == "build"
    assert deploy["permissions"] == {"pages": "write", "id-token": "write"}
    assert deploy["environment"]["name"] == "github-pages"


def test_site_renders_with_the_project_python():
    build = load("site.yml")["jobs"]["build"]
    assert build["env"]["QUARTO_PYTHON"].endswith(".venv/bin/python")
    assert build["env"]["KERAS_BACKEND"] == "torch"


def test_site_workflow_checks_the_rendered_site_in_chromium():
    build = load("site.yml")["jobs"]["build"]["steps"]
    order = [s.get("uses", s.get("run", "")).split("@")[0] for s in build]
    install = "uv run playwright install --with-deps chromium"
    check = next(c for c in order if c.startswith("uv run python tests/check_site.py _site"))
    # Après le rendu, avant la publication : un site cassé n'est pas publié.
    assert (
        order.index("uv run quarto render")
        < order.index(install)
        < order.index(check)
        < order.index("actions/upload-pages-artifact")
    )
    upload = next(s for s in build if s.get("uses", "").startswith("actions/upload-artifact"))
    assert upload["uses"] == "actions/upload-artifact@v4"
    assert order.index(check) < build.index(upload)
    # Les captures sont téléversées même quand le contrôle échoue.
    assert upload["if"].replace(" ", "") in {
        "${{!cancelled()}}",
        "${{always()}}",
        "always()",
        "!cancelled()",
    }
    captures = (
        check.split("--captures")[1].split()[0] if "--captures" in check else "_site-captures"
    )
    assert Path(upload["with"]["path"]) == Path(captures)


def test_site_workflow_renders_and_checks_both_profiles_and_ships_pdfs_and_a_zip():
    build = load("site.yml")["jobs"]["build"]["steps"]
    runs = [" ".join(s.get("run", s.get("uses", "")).split()) for s in build]

    def index(prefix: str) -> int:
        return next(i for i, r in enumerate(runs) if r.startswith(prefix))

    publish = index("actions/upload-pages-artifact")
    teacher = index("uv run quarto render --profile enseignant")
    assert index("uv run quarto render") < teacher
    # Le site de l'enseignant est contrôlé (sans la règle des corrigés) mais jamais publié.
    check = index("uv run python tests/check_site.py _site-enseignant --profil enseignant")
    assert teacher < check < publish
    assert not any("_site-enseignant" in str(s.get("with", {})) for s in build)
    # Les PDF sont écrits dans _site avant le contrôle (qui vérifie que leurs liens y mènent)
    # et avant la publication ; le contrôle tourne même si un PDF a échoué. Le zip est joint.
    student = index("uv run python tests/check_site.py _site ")
    assert index("uv run python scripts/decks_pdf.py _site") < student < publish
    assert build[student]["if"].replace(" ", "") == "${{!cancelled()}}"
    zipping = index("uv run python scripts/site_zip.py _site")
    attach = next(
        i for i, s in enumerate(build) if s.get("with", {}).get("name") == "module-ia-hors-ligne"
    )
    assert zipping < attach and build[attach]["with"]["path"] in runs[zipping]


def test_site_workflow_times_both_renders_in_the_run_summary():
    """Les durées des deux rendus (que l'issue 20 demande, mesurées par la CI) sont écrites
    dans le résumé du run : un chronomètre avant chaque rendu, une ligne après."""
    build = load("site.yml")["jobs"]["build"]["steps"]
    runs = [s.get("run", s.get("uses", "")) for s in build]
    student = runs.index("uv run quarto render")
    teacher = runs.index("uv run quarto render --profile enseignant")
    assert "DEBUT_RENDU=$(date +%s)" in runs[student - 1]
    for after, who in ((student + 1, "élèves"), (teacher + 1, "enseignant")):
        assert "GITHUB_STEP_SUMMARY" in runs[after] and who in runs[after]
        assert "$(( $(date +%s) - DEBUT_RENDU ))" in runs[after]
    assert "DEBUT_RENDU=$(date +%s)" in runs[student + 1]  # repart pour le second rendu


def test_site_workflow_renders_with_the_quarto_of_the_lock_file():
    """Le Quarto de la CI est celui que `uv run --group site quarto preview` installe chez
    l'enseignant : une nouvelle version de Quarto n'arrive qu'en changeant uv.lock."""
    import tomllib

    lock = tomllib.loads((ROOT / "uv.lock").read_text(encoding="utf-8"))
    locked = next(p["version"] for p in lock["package"] if p["name"] == "quarto-cli")
    setup = [s for s in steps(load("site.yml")) if s.get("uses", "").startswith("quarto-dev/")]
    assert setup and all(str(s.get("with", {}).get("version")) == locked for s in setup), (
        f"site.yml doit installer Quarto {locked} (uv.lock) : with: version: {locked}"
    )
