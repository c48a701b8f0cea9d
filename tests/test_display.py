"""llmlab.display : ce que montrent les diapositives doit être exactement le code du paquet.

Références : ``inspect.getsource`` (la source réelle), le module ``ast`` de Python (le code
montré sans docstring se compile et a le même corps), et le texte Markdown attendu.
"""

import ast
import inspect
import json
import re
import textwrap

import pytest
from IPython.display import Markdown

from llmlab import display, linear, nn


def fenced_python(markdown: str) -> str:
    """Le contenu de l'unique bloc ```python du Markdown (la clôture peut être plus longue)."""
    m = re.fullmatch(r"(`{3,})python\n(.*)\1\n", markdown, flags=re.S)
    assert m, f"pas un seul bloc python : {markdown[:80]!r}"
    return m.group(2)


@pytest.mark.parametrize(
    "obj", [linear.least_squares, nn.Dense.backward, nn.MLP.backward, nn.Neuron]
)
def test_show_source_is_exactly_the_package_source(obj):
    shown = display.show_source(obj)
    assert isinstance(shown, Markdown)
    expected = textwrap.dedent(inspect.getsource(obj))
    assert fenced_python(shown.data) == expected.rstrip() + "\n"
    # Jupyter et Quarto le reçoivent comme du Markdown (type MIME text/markdown).
    assert shown._repr_markdown_() == shown.data


def test_method_source_is_dedented_and_compiles():
    code = fenced_python(display.source_markdown(nn.Dense.backward))
    assert code.startswith("def backward(self, grad_y):")
    ast.parse(code)  # une méthode laissée indentée ne se compilerait pas seule


def sample(x):
    """Docstring
    sur deux lignes, avec des ``` dedans."""
    text = """pas une docstring"""
    return x + len(text)


def test_without_docstring_keeps_the_same_code():
    full = display.source_code(sample)
    short = display.source_code(sample, docstring=False)
    assert short == 'def sample(x):\n    text = """pas une docstring"""\n    return x + len(text)\n'
    # même corps, docstring en moins : l'AST le confirme
    full_body = ast.parse(full).body[0].body[1:]
    short_body = ast.parse(short).body[0].body
    assert ast.dump(ast.Module(full_body, [])) == ast.dump(ast.Module(short_body, []))


def test_fence_is_longer_than_any_backtick_run_in_the_code():
    markdown = display.source_markdown(sample)  # la docstring contient ```
    assert markdown.startswith("````python\n")
    assert "sur deux lignes, avec des ``` dedans." in fenced_python(markdown)


def test_builtins_give_a_french_error():
    with pytest.raises(TypeError, match="Impossible de lire la source"):
        display.show_source(len)


def test_markdown_table():
    table = display.markdown_table(
        [("GPT-2 | small", 12), ("GPT-3", 96)], ["Modèle", "Couches"], align="lr"
    )
    assert isinstance(table, Markdown)
    assert table.data == (
        "| Modèle | Couches |\n|:-------------|------:|\n| GPT-2 \\| small | 12 |\n| GPT-3 | 96 |\n"
    )


def test_wide_table_gives_columns_widths_that_follow_their_content():
    """Un tableau de plus de 72 caractères : Pandoc (le vrai) répartit la largeur au prorata
    des tirets. La colonne des descriptions doit recevoir la plus grande part, et non un
    quart de la page comme avec « |:--|:--|:--|:--| »."""
    pypandoc = pytest.importorskip("pypandoc")
    rows = [
        ("`CRIM`", "taux de criminalité par habitant, mesuré par commune", "0,006", "0,027"),
        ("`ZN`", "part des terrains résidentiels en grandes parcelles", "18,0", "0,0"),
    ]
    table = display.table_markdown(rows, ["Variable", "Signification", "Q0", "Q1"], align="llrr")
    ast = json.loads(pypandoc.convert_text(table, "json", format="markdown"))
    colspecs = ast["blocks"][0]["c"][2]
    widths = [spec[1]["c"] for spec in colspecs]
    assert 0.9 < sum(widths) <= 1
    assert widths[1] == max(widths) and widths[1] > 0.5


@pytest.mark.parametrize(
    "value, digits, expected",
    [
        (0.012345, 4, "0,01235"),
        (2.5, 4, "2,5"),
        (40.16654, 6, "40,1665"),
        (1.5e-7, 2, "1,5e-07"),
        (1234.5, 4, "1234"),
        (float("inf"), 4, "inf"),
    ],
)
def test_french_general(value, digits, expected):
    assert display.french_general(value, digits) == expected


def test_markdown_table_escapes_dollars_outside_code():
    text = display.table_markdown(
        [("`k$`", "12 k$", r"déjà \$")], ["code", "MSE test (k$²)", "Erreur (k$)"]
    )
    assert text.splitlines()[0] == r"| code | MSE test (k\$²) | Erreur (k\$) |"
    assert text.splitlines()[2] == r"| `k$` | 12 k\$ | déjà \$ |"


def test_markdown_table_with_dollars_has_no_math_in_real_pandoc():
    # Référence : Pandoc lui-même (celui de Quarto lit le Markdown de la même façon).
    pypandoc = pytest.importorskip("pypandoc")
    import json

    table = display.table_markdown(
        [("une couche", "22,3", "4,7")], ["Réseau", "MSE test (k$²)", "Erreur typique (k$)"]
    )
    ast_json = json.loads(pypandoc.convert_text(table, "json", format="markdown"))
    dump = json.dumps(ast_json, ensure_ascii=False)
    assert '"Math"' not in dump
    assert "k$" in dump  # le dollar est bien affiché, comme texte
    # sans l'échappement, Pandoc aurait lu une formule : le test peut échouer
    raw = table.replace("\\$", "$")
    assert '"Math"' in json.dumps(json.loads(pypandoc.convert_text(raw, "json", format="markdown")))


def test_markdown_table_rejects_ragged_rows_and_bad_alignment():
    with pytest.raises(ValueError, match="2 colonnes"):
        display.table_markdown([(1, 2, 3)], ["a", "b"])
    with pytest.raises(ValueError, match="align"):
        display.table_markdown([(1, 2)], ["a", "b"], align="lx")


@pytest.mark.parametrize(
    "value, decimals, expected",
    [(22.4, 1, "22,4"), (1234567.891, 2, "1\u202f234\u202f567,89"), (-0.5, 2, "-0,50")],
)
def test_french_number(value, decimals, expected):
    assert display.french_number(value, decimals) == expected


@pytest.mark.parametrize(
    "token, expected",
    [
        (b" le", "\u2423le"),
        (b"\n\n", "\u21b5\u21b5"),
        (b"a\tb", "a\u21e5b"),
        (b"\x00", "\\u0000"),
        ("\u2028".encode(), "\\u2028"),
        ("é".encode()[:1], "\\xc3"),
        ("été".encode(), "été"),
        (b"", ""),
    ],
)
def test_visible_writes_a_token_on_one_readable_line(token, expected):
    assert display.visible(token) == expected


def test_tokenizers_and_attention_use_the_display_visible():
    from llmlab import attention, tokenizers

    assert tokenizers.visible is display.visible
    assert attention._label(" ") == "\u2423" and attention._label("") == "\u2205"


@pytest.mark.parametrize(
    "n, expected",
    [
        (124_439_808, "124 millions"),
        (8_030_261_248, "8,0 milliards"),
        (175_000_000_000, "175 milliards"),
        (70_553_706_496, "70,6 milliards"),
        (1_000, "1\u202f000"),
    ],
)
def test_french_count(n, expected):
    assert display.french_count(n) == expected


def test_ojs_script_is_a_raw_html_block_that_the_ojs_runtime_can_parse():
    import json
    import re

    from llmlab.display import ojs_script

    text = ojs_script(points=[{"age": 0.0, "taille": 50.5}], titre="fin </script> évitée")
    assert text.startswith("\n```{=html}\n") and text.endswith("\n```\n\n")
    (inner,) = re.findall(r'<script type="ojs-define">(.*?)</script>', text, re.S)
    contents = json.loads(inner)["contents"]
    assert contents == [
        {"name": "points", "value": [{"age": 0.0, "taille": 50.5}]},
        {"name": "titre", "value": "fin </script> évitée"},
    ]


def test_ojs_script_refuses_what_json_cannot_carry():
    import numpy as np

    from llmlab.display import ojs_script

    with pytest.raises(TypeError):
        ojs_script(valeurs=np.array([1.0, 2.0]))
    with pytest.raises(ValueError):
        ojs_script(valeur=float("nan"))


def test_ojs_define_prints_instead_of_displaying_html(capsys):
    from llmlab.display import ojs_define, ojs_script

    assert ojs_define(a=1) is None
    assert capsys.readouterr().out == ojs_script(a=1)


def test_html_block_is_a_pandoc_raw_block_between_blank_lines(capsys):
    from llmlab.display import html_block, print_html

    block = html_block('<span title="id 7">chat</span>')
    assert block.split("\n") == ["", "```{=html}", '<span title="id 7">chat</span>', "```", "", ""]
    print("avant", end="")
    print_html("<b>x</b>")
    assert capsys.readouterr().out == "avant" + html_block("<b>x</b>")


@pytest.mark.parametrize(
    "value, expected",
    [
        (0, "0"),
        (0.25, "0,25"),
        (-0.5, "\u22120,5"),
        (1024, "1\u202f024"),
        (-2000.0, "\u22122\u202f000"),
        (0.30000000000000004, "0,3"),
        (1.5e-7, "1,5e-07"),
    ],
)
def test_french_tick(value, expected):
    assert display.french_tick(value) == expected


def _tick_texts(axis):
    return [t.get_text() for t in axis.get_ticklabels() if t.get_text()]


def test_french_ticks_on_axes_and_colorbar():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    image = ax.imshow([[0.0, 0.5], [0.25, 1.0]])
    ax.set_xlim(-0.5, 1.5)
    bar = fig.colorbar(image, ax=ax)
    fig.canvas.draw()
    # sans rien faire, matplotlib écrit le point décimal : le test peut échouer
    assert any("." in t for t in _tick_texts(ax.xaxis) + _tick_texts(bar.ax.yaxis))
    assert display.french_ticks(ax) is ax and display.french_ticks(bar) is bar
    fig.canvas.draw()
    texts = _tick_texts(ax.xaxis) + _tick_texts(ax.yaxis) + _tick_texts(bar.ax.yaxis)
    assert texts and not any("." in t for t in texts)
    assert "0,2" in _tick_texts(bar.ax.yaxis)
    plt.close(fig)


def test_french_ticks_leaves_log_axes_and_checks_its_argument():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    ax.set_yscale("log")
    before = ax.yaxis.get_major_formatter()
    display.french_ticks(ax)
    assert ax.yaxis.get_major_formatter() is before
    with pytest.raises(ValueError, match="axis"):
        display.french_ticks(ax, axis="z")
    plt.close(fig)


# --- Barres de progression --------------------------------------------------------------------


def final_line(buffer) -> str:
    """La dernière ligne affichée par une barre tqdm (elle se réécrit après des « \\r »)."""
    lines = [line for line in re.split(r"[\r\n]", buffer.getvalue()) if line.strip()]
    return lines[-1].rstrip()


def test_progress_bar_speaks_french():
    """Pourcentage, nombres et vitesse à la française ; la barre sert d'itérateur comme tqdm."""
    import io

    buffer = io.StringIO()
    seen = list(
        display.progress_bar(
            range(1500), desc="Fusions BPE", unit="fusions", file=buffer, mininterval=0
        )
    )
    assert seen == list(range(1500))
    line = final_line(buffer)
    assert line.startswith("Fusions BPE : 100 % |"), line
    assert "1\u202f500/1\u202f500" in line, line
    rate = re.search(r", ([\d\u202f,]+) fusions/s\]$", line)
    assert rate, line
    assert "." not in line and "it/s" not in line


def test_progress_bar_update_postfix_and_unknown_total():
    import io

    buffer = io.StringIO()
    with display.progress_bar(total=4, desc="entraînement", unit="pas", file=buffer) as bar:
        bar.update(4)
        bar.set_postfix_str("perte 1,234")
    assert re.search(
        r"^entraînement : 100 % \|.*\| 4/4 \[.*pas/s, perte 1,234\]$", final_line(buffer)
    )

    buffer = io.StringIO()
    with display.progress_bar(desc="Téléchargement", unit="o", unit_scale=True, file=buffer) as bar:
        bar.update(2_500_000)
    line = final_line(buffer)
    assert line.startswith("Téléchargement : 2,50 Mo [") and "%" not in line, line


@pytest.mark.parametrize(
    "rate, unit, scale, expected",
    [
        (29.46, "pas", False, "29,5 pas/s"),
        (1234.5, "pas", False, "1\u202f234 pas/s"),
        (0.25, "pas", False, "4 s/pas"),
        (None, "pas", False, "? pas/s"),
        (1_234_567, "o", True, "1,23 Mo/s"),
        (0.0, "o", True, "? o/s"),
    ],
)
def test_french_rate(rate, unit, scale, expected):
    assert display.french_rate(rate, unit, scale) == expected


def test_every_progress_bar_goes_through_display():
    """Aucun module du paquet ni script n'appelle tqdm lui-même : sa vitesse s'écrirait
    « 29.5it/s », à l'anglaise."""
    from pathlib import Path

    root = Path(display.__file__).resolve().parents[2]
    files = [*(root / "src" / "llmlab").rglob("*.py"), *(root / "scripts").glob("*.py")]
    direct = [
        str(f.relative_to(root))
        for f in files
        if f.name != "display.py" and re.search(r"^\s*(from|import) tqdm", f.read_text(), re.M)
    ]
    assert files and not direct, direct
