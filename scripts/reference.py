"""La référence de l'API de llmlab : ``reference/*.qmd`` depuis les docstrings, en français.

    uv run python scripts/reference.py

quartodoc (groupe ``dev``) lit les docstrings du paquet sans l'importer, selon la section
``quartodoc:`` de ``_quarto.yml``, et écrit une page par module. Ses intitulés sont en anglais
et nos docstrings citent les noms à la manière de Sphinx (``:func:`train```) : ``francize``
traduit les uns et réécrit les autres en code ; ``complete_summaries`` finit les résumés des
tableaux, que quartodoc coupe à la première ligne du docstring. Les pages sont committées (le site se rend sans
étape de plus) ; ``tests/test_reference.py`` les refait dans un dossier temporaire et échoue
si elles ne sont plus à jour.
"""

from __future__ import annotations

import contextlib
import re
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]

#: Intitulés de quartodoc → français (titres de sections et en-têtes de tableaux).
HEADINGS = {
    "Classes": "Classes",
    "Functions": "Fonctions",
    "Attributes": "Attributs",
    "Methods": "Méthodes",
    "Parameters": "Paramètres",
    "Returns": "Renvoie",
    "Raises": "Erreurs",
    "Examples": "Exemples",
    "Notes": "Remarques",
    "See Also": "Voir aussi",
    "Yields": "Produit",
    "Warnings": "Avertissements",
}
TABLE_WORDS = {"Name": "Nom", "Default": "Défaut", "Type": "Type", "Description": "Description"}
_HEADING = re.compile(
    r"^(#{2,6}) (" + "|".join(map(re.escape, HEADINGS)) + r")[ \t]*$", re.MULTILINE
)
_TABLE_HEADER = re.compile(r"^\|( (?:Name|Type|Description|Default) \|)+[ \t]*$", re.MULTILINE)
_ROLE = re.compile(r":(?:class|func|meth|mod|attr|data|obj|exc):`~?([^`]+)`")


def fence_doctests(text: str) -> str:
    """Les exemples ``>>>`` d'un docstring dans un bloc de code Python : laissés tels quels, les
    ``>`` en début de ligne feraient des citations imbriquées. Un exemple va jusqu'à la
    première ligne vide (ses résultats compris) ; les blocs de code existants sont sautés."""
    out, fenced, in_example = [], False, False
    for line in text.split("\n"):
        if in_example and not line.strip():
            out.append("```")
            in_example = False
        if line.startswith("```") and not in_example:
            fenced = not fenced
        elif not fenced and not in_example and line.startswith(">>> "):
            out.append("```python")
            in_example = True
        out.append(line)
    if in_example:
        out.append("```")
    return "\n".join(out)


def francize(text: str) -> str:
    """Intitulés en français ; rôles Sphinx (``:func:`x```) réécrits en code (`` `x` ``) ;
    exemples ``>>>`` en blocs de code."""
    text = fence_doctests(text)
    text = _HEADING.sub(lambda m: f"{m[1]} {HEADINGS[m[2]]}", text)
    text = _TABLE_HEADER.sub(
        lambda m: re.sub(r"\b(Name|Default)\b", lambda w: TABLE_WORDS[w[0]], m[0]), text
    )
    return _ROLE.sub(lambda m: f"`{m[1]}`", text)


def commented_constants(source: str) -> list[tuple[str, str]]:
    """Les constantes publiques d'un module documentées par un commentaire ``#:`` (à la Sphinx,
    que quartodoc ne lit pas) : [(nom, texte du commentaire)], dans l'ordre du fichier."""
    import ast

    lines = source.splitlines()
    found = []
    for node in ast.parse(source).body:
        targets = (
            node.targets
            if isinstance(node, ast.Assign)
            else ([node.target] if isinstance(node, ast.AnnAssign) else [])
        )
        flat = [e for t in targets for e in (t.elts if isinstance(t, ast.Tuple) else [t])]
        names = [t.id for t in flat if isinstance(t, ast.Name) and not t.id.startswith("_")]
        comment, row = [], node.lineno - 2
        while names and row >= 0 and lines[row].lstrip().startswith("#:"):
            comment.insert(0, lines[row].lstrip()[2:].strip())
            row -= 1
        if names and comment:
            found += [(name, " ".join(comment)) for name in names]
    return found


def add_constants(page: str, module: str, source: str) -> str:
    """Ajoute à la page d'un module une section « Constantes » (ancre ``#llmlab.module.NOM``)
    pour chaque constante commentée par ``#:`` que quartodoc n'a pas déjà documentée."""
    missing = [
        (name, text)
        for name, text in commented_constants(source)
        if f"{{ #llmlab.{module}.{name} }}" not in page
    ]
    if not missing:
        return page
    parts = [page.rstrip("\n"), "", "## Constantes", ""]
    for name, text in missing:
        parts += [
            f"### {name} {{ #llmlab.{module}.{name} }}",
            "",
            f"`{module}.{name}`",
            "",
            text,
            "",
        ]
    return "\n".join(parts)


#: Le début d'une section d'objet : son titre à ancre, puis sa signature (bloc de code) ou son
#: nom en code ; le groupe « text » est le premier paragraphe de son docstring.
_SECTION = re.compile(
    r"^#+ \S+ \{ #(?P<anchor>llmlab[\w.]*) \}[^\n]*\n\n"
    r"(?:```python\n.*?\n```\n\n|`[^`\n]+`\n\n)?"
    r"(?P<text>(?:[^\n]+\n)+)",
    re.MULTILINE | re.DOTALL,
)
_ROW = re.compile(r"^(\| \[[^\]]+\]\((?:[\w-]+\.qmd)?#(llmlab[\w.]*)\) \| )(.*?)( \|)$", re.M)
#: Au-delà, un résumé s'arrête à la fin de sa première phrase.
SUMMARY_CHARS = 220


def first_paragraphs(page: str) -> dict[str, str]:
    """{ancre : premier paragraphe du docstring, sur une ligne} pour chaque objet de la page."""
    found = {}
    for m in _SECTION.finditer(page):
        text = " ".join(line.strip() for line in m["text"].splitlines())
        if not text.startswith(("```", "|", "#", "- ", "* ")):
            found[m["anchor"]] = text
    return found


def full_summary(cut: str, paragraph: str) -> str:
    """Le résumé d'un tableau, que quartodoc coupe à la première ligne du docstring (« Les
    pertes de validation sur le français et »), complété jusqu'à la fin de la phrase."""
    if not paragraph.startswith(cut) or cut.endswith((".", "!", "?")):
        return cut
    end = re.search(r"[.!?](?=\s|$)", paragraph[len(cut) :])
    sentence = paragraph[: len(cut) + end.end()] if end else paragraph
    if len(sentence) > SUMMARY_CHARS:
        sentence = sentence[:SUMMARY_CHARS].rsplit(" ", 1)[0]
        if len(re.findall(r"`+", sentence)) % 2:  # coupé dans un bout de code : on le retire
            sentence = sentence[: sentence.rfind(re.findall(r"`+", sentence)[-1])].rstrip()
        sentence += " …"
    return re.sub(r"(?<!\\)\|", r"\\|", sentence)


def complete_summaries(pages: dict[str, str]) -> dict[str, str]:
    """Complète les résumés coupés de tous les tableaux (``pages`` : {nom : texte})."""
    paragraphs = {}
    for text in pages.values():
        paragraphs.update(first_paragraphs(text))

    def row(m: re.Match) -> str:
        cut = m[3].replace("\\|", "|")
        paragraph = paragraphs.get(m[2])
        done = full_summary(cut, paragraph) if paragraph else m[3]
        return m[1] + done + m[4]

    return {name: _ROW.sub(row, text) for name, text in pages.items()}


def config() -> dict:
    """La section ``quartodoc`` de ``_quarto.yml``."""
    return yaml.safe_load((ROOT / "_quarto.yml").read_text(encoding="utf-8"))["quartodoc"]


def build(target_root: Path = ROOT) -> list[Path]:
    """Écrit ``<target_root>/reference/*.qmd`` ; donne les pages écrites, triées."""
    from quartodoc import Builder

    cfg = dict(config(), source_dir=str(ROOT / "src"))
    builder = Builder.from_quarto_config({"quartodoc": cfg})
    folder = Path(target_root) / cfg["dir"]
    # L'inventaire des noms (liens entre sites) reste dans le dossier de la référence.
    builder.out_inventory = f"{cfg['dir']}/objects.json"
    with contextlib.chdir(Path(target_root)):
        builder.build()
    (folder / "objects.json").unlink(missing_ok=True)
    (folder / "objects.txt").unlink(missing_ok=True)
    pages = sorted(folder.glob("*.qmd"))
    texts = {}
    for page in pages:
        text = page.read_text(encoding="utf-8")
        source = ROOT / "src" / "llmlab" / f"{page.stem}.py"
        if source.is_file():
            text = add_constants(text, page.stem, source.read_text(encoding="utf-8"))
        texts[page.name] = francize(text)
    for name, text in complete_summaries(texts).items():
        (folder / name).write_text(text, encoding="utf-8")
    return pages


if __name__ == "__main__":
    written = build()
    print(f"✓ {len(written)} pages dans {ROOT / config()['dir']}")
    sys.exit(0)
