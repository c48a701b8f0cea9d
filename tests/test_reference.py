"""La référence de l'API (``reference/*.qmd``, ``scripts/reference.py``) : à jour, en français,
complète pour les modules du paquet et pour chaque nom de llmlab qu'un deck utilise."""

from __future__ import annotations

import importlib
import inspect
import re
import sys
import types
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ROOT / "reference"
sys.path.insert(0, str(ROOT / "scripts"))
import reference  # noqa: E402

pytest.importorskip("quartodoc")

#: Modules qui ne sont pas une API à consulter : l'interface en ligne de commande, les
#: vérificateurs des notebooks, les chemins internes.
NOT_DOCUMENTED = {"cli", "cli_train", "exercises", "_paths", "__init__"}


def documented_modules() -> set[str]:
    config = yaml.safe_load((ROOT / "_quarto.yml").read_text(encoding="utf-8"))["quartodoc"]
    return {name for section in config["sections"] for name in section["contents"]}


def test_every_module_of_the_package_is_in_the_reference():
    package = {p.stem for p in (ROOT / "src" / "llmlab").glob("*.py")} - NOT_DOCUMENTED
    assert documented_modules() == package


def test_the_committed_pages_are_what_the_script_writes_today(tmp_path):
    written = reference.build(tmp_path)
    committed = sorted(REFERENCE.glob("*.qmd"))
    assert [p.name for p in written] == [p.name for p in committed], (
        "reference/ n'est plus à jour : uv run python scripts/reference.py"
    )
    stale = [
        p.name
        for p in committed
        if p.read_text(encoding="utf-8")
        != (tmp_path / "reference" / p.name).read_text(encoding="utf-8")
    ]
    assert not stale, f"pages à refaire (uv run python scripts/reference.py) : {stale}"


def test_pages_have_french_headings_and_no_sphinx_roles():
    for page in REFERENCE.glob("*.qmd"):
        text = page.read_text(encoding="utf-8")
        assert not re.search(
            r"^#+ (Functions|Methods|Parameters|Returns|Attributes)\s*$", text, re.MULTILINE
        ), page.name
        assert "| Name |" not in text and not re.search(r":(func|class|mod|meth):`", text)


def test_francize_translates_headings_tables_and_roles():
    text = "## Functions\n\n| Name | Description |\n\n#### Parameters\n\nVoir :func:`train`."
    assert reference.francize(text) == (
        "## Fonctions\n\n| Nom | Description |\n\n#### Paramètres\n\nVoir `train`."
    )


def test_doctests_become_python_code_blocks():
    """Un exemple ``>>>`` laissé en texte serait rendu en citations imbriquées (« > »)."""
    text = (
        "Un nombre.\n\n>>> f(1)\n'1'\n>>> f(2), f(3)\n('2', '3')\n\nSuite.\n\n"
        "```python\n>>> déjà(1)\n```\n\n>>> fin()"
    )
    assert reference.fence_doctests(text) == (
        "Un nombre.\n\n```python\n>>> f(1)\n'1'\n>>> f(2), f(3)\n('2', '3')\n```\n\n"
        "Suite.\n\n```python\n>>> déjà(1)\n```\n\n```python\n>>> fin()\n```"
    )
    for page in REFERENCE.glob("*.qmd"):
        fenced = False
        for line in page.read_text(encoding="utf-8").splitlines():
            fenced ^= line.startswith("```")
            assert fenced or not line.startswith(">"), (page.name, line)


def test_cut_summaries_are_completed_to_the_end_of_their_sentence():
    """quartodoc résume un objet par la première ligne de son docstring, coupée où le
    docstring passe à la ligne : le script complète la phrase depuis la section de l'objet."""
    page = (
        "| Nom | Description |\n| --- | --- |\n"
        "| [losses](#llmlab.m.losses) | Pertes sur le français et |\n"
        "| [f](#llmlab.m.f) | Une phrase finie. |\n\n"
        "### losses { #llmlab.m.losses }\n\n```python\nm.losses(x)\n```\n\n"
        "Pertes sur le français et\nsur ``a | b``. Deuxième phrase.\n\nSuite.\n"
    )
    done = reference.complete_summaries({"m.qmd": page})["m.qmd"]
    assert "| Pertes sur le français et sur ``a \\| b``. |" in done
    assert "| Une phrase finie. |" in done
    long = "Début " + "mot " * 80 + "``code coupé`` fin."
    cut = reference.full_summary("Début", long)
    assert cut.endswith(" …") and len(cut) <= reference.SUMMARY_CHARS + 2
    assert cut.count("`") % 2 == 0


def test_reference_tables_have_complete_cells():
    """Chaque cellule des tableaux : des accents graves appariés (sinon Pandoc ouvre un bout de
    code qui avale la suite du tableau), et presque toutes finissent leur phrase."""
    rows = [
        (page.name, m[1])
        for page in REFERENCE.glob("*.qmd")
        for m in re.finditer(r"^\| \[[^\]]+\]\([^)]*\) \| (.*) \|$", page.read_text(), re.M)
    ]
    assert len(rows) > 500
    assert not [r for r in rows if len(re.findall(r"`+", r[1])) % 2], "accents graves impairs"
    unfinished = [r for r in rows if not re.search(r"[.!?»)…]$", r[1].rstrip())]
    assert len(unfinished) < 0.05 * len(rows), unfinished


def test_commented_constants_are_read_from_sphinx_comments():
    source = (
        "#: La taille.\n#: En octets.\nSIZE = 3\n\nOTHER = 4\n#: Privé.\n_HIDDEN = 1\n"
        "#: Deux sorts.\nA, _B, C = 1, 2, 3\ndef f():\n    pass\n"
    )
    assert reference.commented_constants(source) == [
        ("SIZE", "La taille. En octets."),
        ("A", "Deux sorts."),
        ("C", "Deux sorts."),
    ]


_IMPORT = re.compile(r"^[ \t]*from llmlab(?:\.(\w+))? import (\([^)]*\)|[^\n]+)", re.MULTILINE)


def names_used_in(text: str) -> set[tuple[str, str]]:
    """Les (module, nom) de llmlab qu'un texte de deck utilise : importés depuis un module,
    ou lus comme attribut d'un module importé (``tokenizers.load_gpt2``)."""
    pairs, aliases = set(), {}
    for module, names in _IMPORT.findall(text):
        for item in names.strip("()").split(","):
            words = item.split("#")[0].split()
            if not words:
                continue
            name, alias = words[0], words[-1]
            if module:
                pairs.add((module, name))
            else:
                aliases[alias] = name
    for match in re.finditer(r"\bimport llmlab\.(\w+) as (\w+)", text):
        aliases[match[2]] = match[1]
    for match in re.finditer(r"\bllmlab\.(\w+)\.(\w+)", text):
        pairs.add((match[1], match[2]))
    for alias, module in aliases.items():
        pairs |= {(module, m[1]) for m in re.finditer(rf"(?<![\w.]){alias}\.(\w+)", text)}
    return pairs


def test_names_used_reads_imports_aliases_and_attributes():
    text = (
        "from llmlab.display import (french_number,\n    markdown_table)\n"
        "from llmlab import hardware as hw, tokenizers\n"
        "x = hw.MACHINES\ny = tokenizers.load_gpt2()\nz = llmlab.gpt.GPT2_124M\n"
    )
    assert names_used_in(text) == {
        ("display", "french_number"),
        ("display", "markdown_table"),
        ("hardware", "MACHINES"),
        ("tokenizers", "load_gpt2"),
        ("gpt", "GPT2_124M"),
    }


def test_every_public_name_a_deck_uses_has_its_section():
    used = set()
    for deck in sorted((ROOT / "slides").rglob("*.qmd")):
        used |= names_used_in(deck.read_text(encoding="utf-8"))
    assert len(used) > 50
    missing = []
    for module, name in sorted(used):
        if name.startswith("_") or module in NOT_DOCUMENTED:
            continue
        obj = getattr(importlib.import_module(f"llmlab.{module}"), name, None)
        if obj is None or isinstance(obj, types.ModuleType):
            continue
        home = (
            getattr(obj, "__module__", "")
            if (inspect.isfunction(obj) or inspect.isclass(obj))
            else ""
        )
        home = home if home.startswith("llmlab.") else f"llmlab.{module}"
        page = REFERENCE / f"{home.split('.', 1)[1]}.qmd"
        if not page.is_file() or f"{{ #{home}.{name} }}" not in page.read_text(encoding="utf-8"):
            missing.append(f"{module}.{name} (section attendue dans {page.name})")
    assert not missing, missing
