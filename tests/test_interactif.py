"""Les pages interactives (``interactif/*.qmd``) : ce qui peut casser sans navigateur.

Leurs graphiques sont de l'Observable JS (OJS) que seul le navigateur exécute ; les données, elles,
viennent d'un chunk Python que Quarto exécute au rendu et transmet par ``ojs_define``. On vérifie :

1. les données transmises, contre les références (``child_height_data``, ``np.polyfit``,
   moindres carrés) — en sérialisant comme Quarto (``json.dumps``), ce qui refuse les tableaux
   NumPy ;
2. que chaque nom transmis est lu par l'OJS, et que chaque nom libre de l'OJS est soit une
   cellule de la page, soit transmis, soit fourni par le runtime (Plot, Inputs, html…) ;
3. la formule de la MSE écrite en JavaScript, exécutée par ``node``, contre ``llmlab.linear.mse``.
"""

import ast
import contextlib
import io
import json
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
import yaml

from harness.qmd import blocks, expand, parse_document

ROOT = Path(__file__).resolve().parents[1]
PAGES = {name: ROOT / "interactif" / f"{name}.qmd" for name in ("regression", "descente-gradient")}
#: Toutes les pages interactives ; PAGES sont celles de la taille d'un enfant (mêmes données).
ALL_PAGES = {
    **PAGES,
    **{
        name: ROOT / "interactif" / f"{name}.qmd"
        for name in ("tokenizer", "echantillonnage", "attention", "prediction")
    },
}

# Ce que le runtime OJS de Quarto fournit sans import, et les mots du langage.
OJS_BUILTINS = {
    "Plot",
    "Inputs",
    "html",
    "md",
    "require",
    "Math",
    "Number",
    "Array",
    "Set",
    "Object",
    "JSON",
    "String",
    "Infinity",
    "NaN",
    "undefined",
    "null",
    "true",
    "false",
    "TextEncoder",
    "URL",
    "document",
}
JS_KEYWORDS = {
    "viewof",
    "const",
    "let",
    "var",
    "function",
    "return",
    "for",
    "of",
    "in",
    "if",
    "else",
    "new",
    "typeof",
    "break",
    "import",
    "from",
}


# --- lecture des pages ----------------------------------------------------------------------


def ojs_cells(path: Path) -> list[str]:
    """Le code de chaque chunk ```{ojs}``` de la page, options ``//|`` comprises."""
    return [
        "\n".join(line.text for line in block.lines[1:-1])
        for block in blocks(expand(path, ROOT))
        if block.kind == "cell" and block.lang == "ojs"
    ]


def run_python_chunks(path: Path) -> dict:
    """Exécute les chunks Python comme au rendu ; renvoie ce que reçoit le navigateur.

    Les pages transmettent leurs données avec ``llmlab.display.ojs_define`` (chunk
    ``output: asis``), qui imprime un ``<script type="ojs-define">`` : on relit ce JSON, celui
    que le runtime OJS lira. Aucun ``ojs_define`` n'est fourni ici : une page qui utiliserait
    celui de Quarto (sortie ``text/html``, donc require.js et jQuery tirés d'un CDN) échoue.
    """
    namespace = {"__name__": "__main__"}
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        for chunk in parse_document(path, ROOT).runnable:
            exec(compile(chunk.code, f"{path.name} ({chunk.start.lineno})", "exec"), namespace)
    received = {}
    for text in re.findall(r'<script type="ojs-define">(.*?)</script>', printed.getvalue(), re.S):
        for item in json.loads(text)["contents"]:
            received[item["name"]] = item["value"]
    return received


def ojs_define_names(path: Path) -> set[str]:
    """Les noms passés à ``ojs_define(nom=...)`` dans les chunks Python (lu dans l'AST)."""
    names = set()
    for chunk in parse_document(path, ROOT).chunks:
        for node in ast.walk(ast.parse(chunk.code)):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "ojs_define":
                names |= {kw.arg for kw in node.keywords}
    return names


@pytest.fixture(scope="module")
def received():
    return {name: run_python_chunks(path) for name, path in ALL_PAGES.items()}


# --- 1. les données -------------------------------------------------------------------------


@pytest.mark.parametrize("page", PAGES)
def test_points_are_the_child_height_data(received, page):
    from llmlab.linear import child_height_data

    ages, heights = child_height_data()
    points = received[page]["points"]
    np.testing.assert_allclose([p["age"] for p in points], ages)
    np.testing.assert_allclose([p["taille"] for p in points], heights)


@pytest.mark.parametrize("page", PAGES)
def test_best_line_is_polyfit(received, page):
    from llmlab.linear import child_height_data

    ages, heights = child_height_data()
    slope, intercept = np.polyfit(ages, heights, 1)
    best = received[page]["best"]
    assert best["a"] == pytest.approx(slope, rel=1e-9)
    assert best["b"] == pytest.approx(intercept, rel=1e-9)
    residuals = heights - np.polyval([slope, intercept], ages)
    assert best["mse"] == pytest.approx(np.mean(residuals**2), rel=1e-9)


@pytest.mark.parametrize("page", ALL_PAGES)
def test_palette_is_the_course_palette(received, page):
    palette = received[page]["palette"]
    assert palette["accent"] == "#9E2A2B" and palette["ink"] == "#111111"
    used = set()
    for code in ojs_cells(ALL_PAGES[page]):
        used |= set(re.findall(r"palette\.([\w]+)", code))
        used |= set(re.findall(r"palette\[\"([\w-]+)\"\]", code))
    assert used and used <= set(palette), f"couleurs absentes de la palette : {used - set(palette)}"


def test_history_converges_to_least_squares_for_the_good_rate(received):
    history = received["descente-gradient"]["history"]
    best = received["descente-gradient"]["best"]
    last = max(d["epoch"] for d in history)
    assert last == 200
    end = {d["lr"]: d for d in history if d["epoch"] == last}
    assert end[0.1]["a"] == pytest.approx(best["a"], rel=1e-6)
    assert end[0.1]["b"] == pytest.approx(best["b"], rel=1e-6)
    assert end[0.1]["mse"] == pytest.approx(best["mse"], rel=1e-9)
    # les autres taux montrent ce que la page annonce : lent, oscillant, divergent
    assert abs(end[0.01]["a"] - best["a"]) > 0.01  # pas encore arrivé
    assert end[0.9]["a"] == pytest.approx(best["a"], rel=1e-6)
    run_09 = sorted((d for d in history if d["lr"] == 0.9), key=lambda d: d["epoch"])
    signs = [np.sign(d["a"] - best["a"]) for d in run_09[1:6]]
    assert all(s1 == -s2 for s1, s2 in zip(signs, signs[1:])), "η = 0,9 devrait osciller"
    assert end[1.02]["mse"] > 1e3 * history[0]["mse"], "η = 1,02 devrait diverger"


def test_history_matches_gradient_descent_in_original_units(received):
    """Chaque ligne (a, b, MSE) redonne la trajectoire de ``gradient_descent`` : la MSE en cm²
    vaut la MSE normalisée fois σ_y² (l'écart normalisé est l'écart divisé par σ_y)."""
    from llmlab.linear import child_height_data, gradient_descent, normalize

    ages, heights = child_height_data()
    ages_n, _, _ = normalize(ages)
    heights_n, _, height_std = normalize(heights)
    run = gradient_descent(ages_n, heights_n, lr=0.1, epochs=200)
    rows = sorted(
        (d for d in received["descente-gradient"]["history"] if d["lr"] == 0.1),
        key=lambda d: d["epoch"],
    )
    assert [d["epoch"] for d in rows] == list(range(201))
    np.testing.assert_allclose([d["mse"] for d in rows], run.loss * height_std**2, rtol=1e-9)
    # epoch 0 : droite horizontale à la hauteur moyenne
    assert rows[0]["a"] == 0 and rows[0]["b"] == pytest.approx(np.mean(heights))


# --- 2. les noms échangés entre Python et OJS ------------------------------------------------


def strip_js(code: str) -> str:
    """Le code sans commentaires ni texte des chaînes ; le code des ``${…}`` des gabarits reste.

    Suffisant pour l'OJS de ces pages (pas d'expression régulière littérale, pas de ``//``
    dans une chaîne)."""
    out, i, n = [], 0, len(code)
    stack = ["code"]  # "code", "tpl" (texte d'un gabarit) ou [profondeur] (code dans ${…})
    while i < n:
        top, c = stack[-1], code[i]
        if top == "tpl":
            if c == "\\":
                i += 2
                continue
            if c == "`":
                stack.pop()
                out.append(" ")
            elif code.startswith("${", i):
                stack.append([0])
                out.append(" ")
                i += 1
            else:
                out.append("\n" if c == "\n" else " ")
            i += 1
            continue
        if code.startswith("//", i):
            while i < n and code[i] != "\n":
                i += 1
            continue
        if code.startswith("/*", i):
            i = code.index("*/", i) + 2
            continue
        if c in "\"'":
            j = i + 1
            while code[j] != c:
                j += 2 if code[j] == "\\" else 1
            out.append(" ")
            i = j + 1
            continue
        if c == "`":
            stack.append("tpl")
            out.append(" ")
            i += 1
            continue
        if isinstance(top, list):
            if c == "{":
                top[0] += 1
            elif c == "}":
                if top[0] == 0:
                    stack.pop()
                    out.append(" ")
                    i += 1
                    continue
                top[0] -= 1
        out.append(c)
        i += 1
    return "".join(out)


def cell_names(code: str) -> set[str]:
    """Les noms que définissent les cellules OJS (``x = …``, ``viewof x = …``, ``function x``,
    ``import {a, b} from "…"``)."""
    names = set(re.findall(r"^(?:viewof\s+)?([A-Za-z_$][\w$]*)\s*=(?!=)", code, re.M))
    for group in re.findall(r"^import\s*\{([^}]*)\}\s*from", code, re.M):
        names |= {name.split(" as ")[-1].strip() for name in group.split(",") if name.strip()}
    return names | set(re.findall(r"^function\s+([A-Za-z_$][\w$]*)", code, re.M))


def local_names(code: str) -> set[str]:
    """Variables locales : ``const/let/var``, paramètres des fonctions et des fonctions fléchées."""
    names = set(re.findall(r"\b(?:const|let|var)\s+([A-Za-z_$][\w$]*)", code))
    params = re.findall(r"\(([^()]*)\)\s*=>", code) + re.findall(
        r"function\s*[\w$]*\s*\(([^)]*)\)", code
    )
    names |= {p.split("=")[0].strip() for group in params for p in group.split(",") if p.strip()}
    return names | set(re.findall(r"\b([A-Za-z_$][\w$]*)\s*=>", code))


def used_names(code: str) -> set[str]:
    """Identifiants lus : ni propriété (``.x``), ni clé d'objet (``{x: …}``, ``, x: …``)."""
    names = set()
    for m in re.finditer(r"(?<![.\w$])([A-Za-z_$][\w$]*)", code):
        before = code[: m.start()].rstrip()
        is_key = before.endswith(("{", ",")) and re.match(r"\s*:", code[m.end() :])
        if not is_key:
            names.add(m.group(1))
    return names


@pytest.mark.parametrize("page", ALL_PAGES)
def test_ojs_reads_every_defined_name_and_nothing_undefined(page):
    code = "\n".join(strip_js(cell) for cell in ojs_cells(ALL_PAGES[page]))
    defined_by_python = ojs_define_names(ALL_PAGES[page])
    cells = cell_names(code)
    used = used_names(code) - JS_KEYWORDS
    free = used - cells - local_names(code) - OJS_BUILTINS
    assert defined_by_python, "aucun ojs_define(...) dans les chunks Python"
    assert not defined_by_python & cells, "un nom est défini à la fois par Python et par l'OJS"
    assert free - defined_by_python == set(), "noms OJS définis nulle part"
    assert defined_by_python - free == set(), "noms transmis par ojs_define mais jamais lus"


def test_name_analysis_catches_a_typo():
    """L'analyse ci-dessus voit bien une faute de frappe (sinon le test précédent ne prouve rien)."""
    code = strip_js('Plot.dot(point, {x: "age", y: (d) => a * d.age + b, fill: palette.ink})')
    free = used_names(code) - local_names(code) - OJS_BUILTINS - JS_KEYWORDS
    assert free == {"point", "a", "b", "palette"}


# --- 3. la formule de la MSE en JavaScript ------------------------------------------------------


def js_function(cells: list[str], name: str) -> str:
    """Le texte de la cellule ``function name(...) { ... }`` (jusqu'à l'accolade de colonne 0)."""
    for code in cells:
        if m := re.search(rf"^function {name}\(.*?^\}}", code, re.M | re.S):
            return m.group(0)
    raise AssertionError(f"pas de cellule « function {name}(…) » dans l'OJS")


@pytest.mark.skipif(shutil.which("node") is None, reason="node n'est pas installé")
def test_javascript_mse_matches_python(received):
    from llmlab.linear import mse

    points = received["regression"]["points"]
    source = js_function(ojs_cells(PAGES["regression"]), "mse")
    lines = [(1.5, 60.0), (2.4, 40.0), (0.0, 0.0), (-1.0, 100.5)]
    script = (
        f"const points = {json.dumps(points)};\n{source}\n"
        f"console.log(JSON.stringify({json.dumps(lines)}.map(([a, b]) => mse(a, b))));"
    )
    result = subprocess.run(["node", "-e", script], capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr
    ages = np.array([p["age"] for p in points])
    heights = np.array([p["taille"] for p in points])
    expected = [mse(heights, a * ages + b) for a, b in lines]
    np.testing.assert_allclose(json.loads(result.stdout), expected, rtol=1e-12)


# --- 4. hors ligne : rien d'un CDN ------------------------------------------------------------


@pytest.mark.parametrize("page", ALL_PAGES)
def test_data_chunk_prints_raw_html_instead_of_a_widget_output(page):
    """Le chunk qui appelle ``ojs_define`` imprime du Markdown brut (``output: asis``) avec la
    fonction de llmlab : aucune sortie ``text/html``, donc pas de require.js ni de jQuery."""
    chunks = [c for c in parse_document(ALL_PAGES[page], ROOT).chunks if "ojs_define(" in c.code]
    assert chunks, "aucun chunk n'appelle ojs_define"
    for chunk in chunks:
        assert chunk.options.get("output") == "asis", chunk.where(ROOT)
        assert "from llmlab.display import ojs_define" in chunk.code, chunk.where(ROOT)


@pytest.mark.parametrize("page", ALL_PAGES)
def test_page_takes_plot_inputs_d3_from_the_site(page):
    """Plot, Inputs et d3 sont redéfinis par le partiel commun, vers assets/vendor/ ; Inputs y
    passe par ``accessible-inputs.js``, qui nomme ses commandes pour un lecteur d'écran."""
    code = "\n".join(ojs_cells(ALL_PAGES[page]))
    for name, target in (
        ("Plot", "../assets/vendor/plot/"),
        ("rawInputs", "../assets/vendor/inputs/"),
        ("d3", "d3@7.9.0/dist/d3.min.js"),
    ):
        match = re.search(rf"^{name} = requireLocal\(\"([^\"]+)\"\)", code, re.M)
        assert match and match.group(1).startswith(target), name
    assert re.search(r'^accessibleModule = import\(new URL\("accessible-inputs\.js"', code, re.M)
    assert re.search(r"^Inputs = accessibleModule\.accessibleInputs\(rawInputs\)$", code, re.M)
    assert "cdn.jsdelivr" not in code and "https://" not in code


@pytest.mark.parametrize("page", ALL_PAGES)
def test_javascript_modules_of_the_page_are_served_by_the_site(page):
    """Un module chargé par ``import(new URL("x.js", document.baseURI))`` est à côté de la
    page et déclaré dans ``resources`` de _quarto.yml : Quarto ne voit pas un import()
    et ne le copierait pas dans _site/."""
    resources = yaml.safe_load((ROOT / "_quarto.yml").read_text(encoding="utf-8"))["project"][
        "resources"
    ]
    code = "\n".join(ojs_cells(ALL_PAGES[page]))
    modules = re.findall(r'import\(new URL\("([\w.-]+\.js)", document\.baseURI\)', code)
    assert "accessible-inputs.js" in modules
    for module in modules:
        assert (ROOT / "interactif" / module).is_file(), module
        assert f"interactif/{module}" in resources, module


# --- 5. pages du TP 4.3 et 4.4 ------------------------------------------------------------------


def test_tokenizer_page_sends_the_course_bpe_and_true_openai_tokens(received):
    import tiktoken

    from llmlab import tokenizers

    data = received["tokenizer"]
    bpe = tokenizers.load_course_bpe()
    assert data["bpe"] == json.loads(json.dumps(tokenizers.export_json(bpe)))
    assert data["vocab_size"] == bpe.vocab_size
    for example in data["examples"]:
        phrase, rows = example["phrase"], example["rows"]
        assert [t["id"] for t in rows[0]["tokens"]] == bpe.encode(phrase)
        for row, name in zip(rows[1:], ("gpt2", "cl100k_base", "o200k_base")):
            assert name in row["nom"]
            assert [t["id"] for t in row["tokens"]] == tiktoken.get_encoding(name).encode(phrase)
    french = data["examples"][1]["rows"]
    # un vocabulaire plus grand découpe moins le français
    assert len(french[3]["tokens"]) < len(french[1]["tokens"])


def test_sampling_page_sends_the_ngram_logits(received):
    from llmlab.data import load_french_corpus
    from llmlab.sampling import NGramModel, softmax

    contexts = {c["contexte"]: c for c in received["echantillonnage"]["contexts"]}
    first = contexts["bonjour mon"]
    # les vrais comptes du corpus : cœur 6, ami 5, trésor 3… sur 20
    assert first["mots"][:3] == ["cœur", "ami", "trésor"]
    np.testing.assert_allclose(softmax(np.array(first["logits"]))[:3], [0.30, 0.25, 0.15])
    model = NGramModel.train(load_french_corpus())
    for name, context in contexts.items():
        words, logits = model.logits(name)
        assert context["mots"] == list(words)
        np.testing.assert_allclose(context["logits"], logits)


def _run_js(cells: list[str], names: list[str], calls: str, prelude: str = "") -> object:
    source = "\n".join(js_function(cells, name) for name in names)
    script = f"{prelude}\n{source}\nconsole.log(JSON.stringify({calls}));"
    result = subprocess.run(["node", "-e", script], capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.replace("null", "-1e308"))


@pytest.mark.skipif(shutil.which("node") is None, reason="node n'est pas installé")
def test_javascript_sampling_matches_python():
    """softmax, top-k et top-p de la page, exécutés par node, contre llmlab.sampling."""
    from llmlab import sampling

    cells = ojs_cells(ALL_PAGES["echantillonnage"])
    rng = np.random.default_rng(7)
    cases = [rng.normal(scale=2, size=n).round(6).tolist() for n in (5, 12, 30)]
    calls = (
        "["
        + ", ".join(
            f"[softmax({z}), topK({z}, 3).map((x) => x === -Infinity ? null : x),"
            f" topP({z}, 0.7).map((x) => x === -Infinity ? null : x),"
            f" topP({z}, 0.05).map((x) => x === -Infinity ? null : x)]"
            for z in cases
        )
        + "]"
    )
    results = _run_js(cells, ["softmax", "topK", "topP"], calls)
    for z, (soft, top_k, top_p, top_p_small) in zip(cases, results, strict=True):
        z = np.array(z)
        np.testing.assert_allclose(soft, sampling.softmax(z), rtol=1e-12)
        for got, expected in (
            (top_k, sampling.top_k_filter(z, 3)),
            (top_p, sampling.top_p_filter(z, 0.7)),
            (top_p_small, sampling.top_p_filter(z, 0.05)),
        ):
            got = np.array(got)
            assert np.array_equal(got > -1e300, np.isfinite(expected))
            np.testing.assert_allclose(got[got > -1e300], expected[np.isfinite(expected)])
    # grands logits : la soustraction du maximum évite exp(1000) = Infinity
    big = _run_js(cells, ["softmax"], "softmax([1000, 999, 998])")
    np.testing.assert_allclose(big, sampling.softmax(np.array([1000.0, 999.0, 998.0])), rtol=1e-12)


# --- 6. pages de la partie 6 : le mini-GPT livré -------------------------------------------------


@pytest.fixture(scope="module")
def shipped_gpt():
    from llmlab.shipped import load_shipped_gpt

    return load_shipped_gpt()


def test_attention_page_sends_the_shipped_model_weights(received, shipped_gpt):
    """Chaque ligne transmise est la partie causale d'une ligne de ``attention_maps`` (arrondie
    au millième) ; la partie cachée, non transmise, est bien nulle dans le modèle."""
    import torch

    model, tokenizer, _, _ = shipped_gpt
    phrases = received["attention"]["phrases"]
    assert len(phrases) >= 3
    for phrase in phrases:
        text = phrase["texte"]
        assert len(text) <= 40
        assert "".join(phrase["caracteres"]) == text
        with torch.no_grad():
            maps = model.attention_maps(torch.tensor([tokenizer.encode(text)])).numpy()
        n_layer, n_head, T, _ = maps.shape
        assert (n_layer, n_head, T) == (model.config["n_layer"], model.config["n_head"], len(text))
        sent = phrase["poids"]
        assert [len(layer) for layer in sent] == [n_head] * n_layer
        for layer in range(n_layer):
            for head in range(n_head):
                rows = sent[layer][head]
                assert [len(r) for r in rows] == list(range(1, T + 1))
                lower = np.concatenate(rows)
                np.testing.assert_allclose(lower, maps[layer, head][np.tril_indices(T)], atol=5e-4)
                assert np.all(maps[layer, head][np.triu_indices(T, 1)] == 0)
        np.testing.assert_allclose(maps.sum(-1), 1, atol=1e-5)


def test_attention_page_first_layer_recomputed_by_hand(received, shipped_gpt):
    """Couche 1, toutes les têtes, refaites avec les opérations de torch à partir des poids du
    modèle : embeddings, LayerNorm, projection qkv, softmax(QKᵀ/√d_k) masqué."""
    import torch
    import torch.nn.functional as F

    model, tokenizer, _, _ = shipped_gpt
    phrase = received["attention"]["phrases"][0]
    ids = torch.tensor(tokenizer.encode(phrase["texte"]))
    T, n_head = len(ids), model.config["n_head"]
    block = model.blocks[0]
    with torch.no_grad():
        x = model.tok_emb(ids) + model.pos_emb(torch.arange(T))
        h = F.layer_norm(x, x.shape[-1:], block.ln_1.weight, block.ln_1.bias, block.ln_1.eps)
        q, k, _ = block.attn.qkv(h).split(x.shape[-1], dim=-1)
        q, k = (t.view(T, n_head, -1).transpose(0, 1) for t in (q, k))
        scores = q @ k.transpose(-2, -1) / q.shape[-1] ** 0.5
        hidden = torch.ones(T, T, dtype=torch.bool).triu(1)
        weights = scores.masked_fill(hidden, float("-inf")).softmax(-1).numpy()
    for head in range(n_head):
        np.testing.assert_allclose(
            np.concatenate(phrase["poids"][0][head]), weights[head][np.tril_indices(T)], atol=6e-4
        )


def test_prediction_page_sends_the_logits_of_the_shipped_model(received, shipped_gpt):
    """Au pas 0, le top 10 que calcule la page est celui de ``top_next`` ; chaque pas suivant
    ajoute le caractère le plus probable, et ses logits sont ceux du modèle sur ce texte."""
    import torch

    from llmlab.gpt import top_next
    from llmlab.sampling import softmax

    model, tokenizer, _, _ = shipped_gpt
    data = received["prediction"]
    chars = data["vocabulaire"]
    assert chars == tokenizer.chars
    for entry in data["debuts"]:
        prompt, steps = entry["debut"], entry["logits"]
        assert all(len(z) == len(chars) for z in steps)
        probs = softmax(np.array(steps[0]))
        order = np.argsort(-probs, kind="stable")[:10]
        expected = top_next(model, tokenizer, prompt, k=10)
        assert [chars[i] for i in order] == list(expected["token"])
        np.testing.assert_allclose(probs[order], expected["probabilite"], atol=1e-4)
        text = prompt
        for z in steps:
            with torch.no_grad():
                ref = model(torch.tensor([tokenizer.encode(text)]))[0, -1].numpy()
            np.testing.assert_allclose(z, ref, atol=1e-4)
            text += chars[int(np.argmax(ref))]


@pytest.mark.skipif(shutil.which("node") is None, reason="node n'est pas installé")
def test_javascript_prediction_matches_python():
    """softmax à température et top 10 de la page, exécutés par node, contre llmlab.sampling."""
    from llmlab import sampling

    cells = ojs_cells(ALL_PAGES["prediction"])
    rng = np.random.default_rng(3)
    z = rng.normal(scale=3, size=40).round(6).tolist()
    chars = [chr(ord("A") + i) for i in range(40)]
    for T in (0.3, 1.0, 2.5):
        probs, top = _run_js(
            cells,
            ["softmax", "topTen"],
            f"[softmax({z}, {T}), topTen(softmax({z}, {T}), {json.dumps(chars)})]",
        )
        expected = sampling.softmax(np.array(z), temperature=T)
        np.testing.assert_allclose(probs, expected, rtol=1e-12)
        order = np.argsort(-expected)[:10]
        assert [d["caractere"] for d in top] == [chars[i] for i in order]
        np.testing.assert_allclose([d["p"] for d in top], expected[order], rtol=1e-12)
    big = _run_js(cells, ["softmax"], "softmax([1000, 999, 998], 0.5)")
    np.testing.assert_allclose(big, sampling.softmax(np.array([1000.0, 999, 998]), 0.5), rtol=1e-12)


@pytest.mark.skipif(shutil.which("node") is None, reason="node n'est pas installé")
def test_javascript_attention_cells_and_labels():
    """Les cases de la carte : (requête, clé, poids) du triangle inférieur, dans l'ordre de
    ``np.tril_indices`` ; espace et retour à la ligne deviennent visibles."""
    cells = ojs_cells(ALL_PAGES["attention"])
    rows = [[1.0], [0.25, 0.75], [0.5, 0.125, 0.375]]
    got, labels = _run_js(
        cells, ["cells", "visible"], f'[cells({json.dumps(rows)}), ["a", " ", "\\n"].map(visible)]'
    )
    q, k = np.tril_indices(3)
    assert [(d["q"], d["k"]) for d in got] == list(zip(q.tolist(), k.tolist()))
    assert [d["w"] for d in got] == [w for row in rows for w in row]
    assert labels == ["a", "␣", "↵"]


# --- ce que la page montre -----------------------------------------------------------------------


def hidden_code_cells(path: Path) -> list[str]:
    """Les cellules OJS dont le code s'afficherait (echo vrai, le défaut) dans une cellule que
    ``output: false`` masque en entier : Quarto donne alors la classe ``hidden`` à toute la
    cellule, code compris (rendu du 2026-12-07 : quatre pages annonçaient « voici ces
    calculs : » et ne montraient rien)."""
    found = []
    for cell in ojs_cells(path):
        options = dict(re.findall(r"^//\|\s*([\w-]+):\s*(.+)$", cell, re.M))
        if options.get("output") == "false" and options.get("echo", "true") != "false":
            found.append(cell.split("\n")[-1][:40])
    return found


@pytest.mark.parametrize(
    "page", sorted(Path(ROOT / "interactif").glob("*.qmd")), ids=lambda p: p.stem
)
def test_shown_code_is_not_in_a_hidden_cell(page):
    assert hidden_code_cells(page) == []


def test_hidden_code_cells_are_found(tmp_path):
    page = tmp_path / "page.qmd"
    page.write_text(
        "---\ntitle: essai\n---\n\nVoici le calcul :\n\n```{ojs}\n//| output: false\n"
        "function f(x) { return x; }\n```\n\n```{ojs}\n//| echo: false\n//| output: false\n"
        "g = 1\n```\n",
        encoding="utf-8",
    )
    assert hidden_code_cells(page) == ["function f(x) { return x; }"]


# --- au clavier et pour un lecteur d'écran --------------------------------------------------------

INTERACTIVE_QMD = sorted(Path(ROOT / "interactif").glob("*.qmd"))


def inputs_calls(code: str) -> list[tuple[str, str]]:
    """Chaque ``Inputs.<sorte>(…)`` d'un code passé par ``strip_js`` : (sorte, arguments)."""
    return [
        (match.group(1), call_args(code, match.end()))
        for match in re.finditer(r"\bInputs\.(\w+)\s*\(", code)
    ]


def call_args(code: str, start: int) -> str:
    """Les arguments d'un appel dont la parenthèse ouvrante précède ``start``."""
    depth, i = 1, start
    while depth and i < len(code):
        depth += {"(": 1, ")": -1}.get(code[i], 0)
        i += 1
    return code[start : i - 1]


def unlabeled_inputs(cells: list[str]) -> list[str]:
    """Les commandes d'Inputs sans ``label`` : leur ``<label>`` est le nom que lit un lecteur
    d'écran (et qu'``accessible-inputs.js`` recopie sur le curseur d'Inputs.range). Un
    ``Inputs.button("texte")`` se nomme par son texte."""
    found = []
    for cell in cells:
        stripped = strip_js(cell)
        buttons_with_text = len(re.findall(r"\bInputs\.button\(\s*([\"'`])(?!\1)", cell))
        for kind, args in inputs_calls(stripped):
            if re.search(r"(^|[{,\s])label\s*:", args):
                continue
            if kind == "button" and buttons_with_text:
                buttons_with_text -= 1
                continue
            found.append(f"Inputs.{kind}({' '.join(args.split())[:40]})")
    return found


@pytest.mark.parametrize("page", INTERACTIVE_QMD, ids=lambda p: p.stem)
def test_every_inputs_control_has_a_label(page):
    assert unlabeled_inputs(ojs_cells(page)) == []


def test_unlabeled_inputs_are_found():
    cells = [
        'viewof a = Inputs.range([0, 5], {value: 1, label: "Pente a"})\n'
        "viewof b = Inputs.range([20, 80], {value: 60, step: 0.5})\n"
        'viewof c = Inputs.select(["x", "y"], {format: (t) => t.replace("(", "")})',
        'viewof t = Inputs.button("Tirer")\nviewof u = Inputs.button(html`<i></i>`)',
    ]
    found = unlabeled_inputs(cells)
    assert [call.split("(")[0] for call in found] == [
        "Inputs.range",
        "Inputs.select",
        "Inputs.button",
    ]
    assert found[0].startswith("Inputs.range([20, 80]") and found[2] == "Inputs.button(html)"


# Un gestionnaire de souris, et ce qui le rend utilisable au clavier.
_MOUSE = re.compile(
    r"""addEventListener\(\s*["'](?:click|dblclick|mousedown|mouseup|pointerdown|pointerup)["']"""
    r"""|\bon(?:click|dblclick|mousedown|mouseup|pointerdown|pointerup)\s*="""
    r"""|\.on\(\s*["'](?:click|dblclick|mousedown|mouseup|pointerdown|pointerup)\b"""
)
_KEYBOARD = re.compile(r"\b(?:on)?key(?:down|up|press)\b")


def _on_a_button(code: str, start: int) -> bool:
    """L'attribut qui commence à ``start`` est-il dans une balise ``<button …>`` ?"""
    tag = code.rfind("<", 0, start)
    return tag >= 0 and code.startswith("<button", tag) and ">" not in code[tag:start]


def mouse_only_cells(cells: list[str]) -> list[str]:
    """Les cellules OJS qui réagissent à la souris sans rien pour le clavier (la première ligne
    de chacune). Un ``onclick`` sur un ``<button>`` est permis : Entrée et Espace le
    déclenchent ; mieux vaut ``Inputs.button``."""
    found = []
    for cell in cells:
        code = re.sub(r"(^|\s)//.*$", "", cell, flags=re.M)  # commentaires, options //|
        mouse = [m for m in _MOUSE.finditer(code) if not _on_a_button(code, m.start())]
        if mouse and not _KEYBOARD.search(code):
            found.append(next(line for line in code.splitlines() if line.strip())[:60])
    return found


@pytest.mark.parametrize("page", INTERACTIVE_QMD, ids=lambda p: p.stem)
def test_no_ojs_cell_answers_the_mouse_only(page):
    assert mouse_only_cells(ojs_cells(page)) == []


def test_mouse_only_cells_are_found():
    cells = [
        "carte = {\n  const d = html`<div>?</div>`;\n"
        '  d.addEventListener("click", () => d.remove());\n  return d;\n}',
        'points = d3.select(svg).selectAll("circle").on("click", choisir)',
        "bouton = html`<button onclick=${() => n++}>Suivant</button>`",
        "deux = html`<button onclick=${f}>A</button><div onclick=${g}>B</div>`",
        "jeton = html`<span tabindex=0 onclick=${f} onkeydown=${g}>a</span>`",
        '// d.addEventListener("click", f) : un commentaire ne compte pas\nx = 1',
    ]
    assert mouse_only_cells(cells) == [
        "carte = {",
        'points = d3.select(svg).selectAll("circle").on("click", choi',
        "deux = html`<button onclick=${f}>A</button><div onclick=${g}",
    ]


def object_keys(code: str, start: int) -> list[str]:
    """Les clés de premier niveau de l'objet littéral dont l'accolade ouvrante précède
    ``start`` (code passé par ``strip_js`` : plus de chaînes)."""
    depth, i, own = 1, start, []
    while depth and i < len(code):
        depth += {"(": 1, "[": 1, "{": 1, ")": -1, "]": -1, "}": -1}.get(code[i], 0)
        own.append(code[i] if depth == 1 else " ")
        i += 1
    return re.findall(r"(?:^|,)\s*([A-Za-z_$][\w$]*)\s*(?=:|,|$)", "".join(own[:-1]))


def plot_calls_without_aria_label(cells: list[str]) -> list[str]:
    """Les ``Plot.plot({…})`` sans ``ariaLabel`` parmi leurs options : le svg dessiné n'a
    alors aucun nom et un lecteur d'écran n'en dit rien (le contrôle du site le signale)."""
    found = []
    for cell in cells:
        code = strip_js(cell)
        for match in re.finditer(r"\bPlot\.plot\(\s*\{", code):
            if "ariaLabel" not in object_keys(code, match.end()):
                found.append(" ".join(code[match.start() : match.start() + 60].split()))
    return found


@pytest.mark.parametrize("page", INTERACTIVE_QMD, ids=lambda p: p.stem)
def test_every_plot_has_an_aria_label(page):
    assert plot_calls_without_aria_label(ojs_cells(page)) == []


def test_plots_without_aria_label_are_found():
    cells = [
        'Plot.plot({\n  ariaLabel: `Nuage de ${n} points`,\n  marks: [Plot.dot(d, {x: "a"})]\n})',
        'Plot.plot({\n  height: 360,\n  marks: [Plot.dot(d, {ariaLabel: "points", x: "a"})]\n})',
    ]
    assert plot_calls_without_aria_label(cells) == [
        "Plot.plot({ height: 360, marks: [Plot.dot(d, {ariaLabel:"
    ]
    assert object_keys(strip_js(cells[0]), len("Plot.plot({")) == ["ariaLabel", "marks"]


# --- ce qu'une infobulle montre, au clavier aussi -------------------------------------------------

#: Sur chaque page qui a des infobulles, ce qui en donne le contenu sans souris : la commande
#: (un ``viewof … = Inputs.…``) qui le règle, et la valeur qu'une cellule affichée montre.
#: Une infobulle (``title``, ``tip`` de Plot) n'apparaît qu'au survol : le clavier ne la fait
#: pas paraître, et un lecteur d'écran la lit mal ou pas du tout.
HOVER_EQUIVALENTS = {
    # les ids écrits sous chaque token, case « Afficher les ids »
    "tokenizer": ("montrerIds", "montrerIds"),
    # les cinq plus grands poids de la « Position qui regarde », en barres et dans l'ariaLabel
    "attention": ("requete", "regards"),
}

_PLOT_MARK = re.compile(r"\bPlot\.(?!plot\b)(\w+)\s*\(")
_HOVER_KEY = re.compile(r"(?:^|[{,\s])(title|tip)\s*:")


def hover_only_spots(cells: list[str]) -> list[str]:
    """Ce qui ne se lit qu'au survol dans des cellules OJS : canal ``title`` ou option ``tip``
    d'une marque de Plot (l'option ``title`` de ``Plot.plot``, un titre affiché, n'en est pas),
    marque ``Plot.tip`` ou transformation ``Plot.pointer``, attribut HTML ``title``, élément
    SVG ``<title>``."""
    found = []
    for cell in cells:
        code = strip_js(cell)
        for match in _PLOT_MARK.finditer(code):
            mark = match.group(1)
            if mark == "tip" or mark.startswith("pointer"):
                found.append(f"Plot.{mark}")
                continue
            args = call_args(code, match.end())
            found += [f"Plot.{mark} : {key}" for key in _HOVER_KEY.findall(args)]
        raw = re.sub(r"(^|\s)//.*$", "", cell, flags=re.M)  # commentaires, options //|
        found += ["attribut title"] * len(re.findall(r"\stitle=[\"'$]", raw))
        found += ["<title> SVG"] * len(re.findall(r"<title\b", raw))
        found += ["setAttribute title"] * len(re.findall(r"setAttribute\(\s*[\"']title", raw))
    return found


def top_level_statements(cells: list[str]) -> list[tuple[str | None, str, str]]:
    """Les cellules de premier niveau d'une page : (nom ou None, code, cellule d'origine).

    Une cellule commence en colonne 0 par un identifiant (``x = …``, ``viewof x = …``,
    ``function x``, ``Plot.plot(…)``) ; le code vient de ``strip_js`` (plus de chaînes ni de
    commentaires), si bien qu'une ligne d'un gabarit n'en commence pas une."""
    statements = []
    for cell in cells:
        code = strip_js(cell)
        starts = [m.start() for m in re.finditer(r"^[A-Za-z_$]", code, re.M)] + [len(code)]
        for start, end in zip(starts, starts[1:]):
            text = code[start:end]
            names = cell_names(text)
            statements.append((names.pop() if names else None, text, cell))
    return statements


def depends_on(statements, name: str, control: str) -> bool:
    """``name`` se calcule-t-il (directement ou par d'autres cellules) à partir de ``control`` ?"""
    bodies = {n: text for n, text, _ in statements if n}
    seen, todo = set(), [name]
    while todo:
        current = todo.pop()
        if current == control:
            return True
        if current in seen or current not in bodies:
            continue
        seen.add(current)
        body = bodies[current].split("=", 1)[1] if "=" in bodies[current] else bodies[current]
        todo += used_names(body) & set(bodies)
    return False


def is_shown(cell: str) -> bool:
    options = dict(re.findall(r"^//\|\s*([\w-]+):\s*(.+)$", cell, re.M))
    return options.get("output") != "false"


@pytest.mark.parametrize("page", INTERACTIVE_QMD, ids=lambda p: p.stem)
def test_nothing_is_only_behind_a_hover(page):
    """Chaque page à infobulles a son équivalent au clavier (HOVER_EQUIVALENTS) : une commande
    d'Inputs affichée, et une valeur, réglée par cette commande, lue par une cellule affichée."""
    cells = ojs_cells(page)
    spots = hover_only_spots(cells)
    if not spots:
        assert page.stem not in HOVER_EQUIVALENTS, "plus d'infobulle : retirez la page du tableau"
        return
    assert page.stem in HOVER_EQUIVALENTS, f"infobulles sans équivalent au clavier : {spots}"
    control, shown = HOVER_EQUIVALENTS[page.stem]
    statements = top_level_statements(cells)
    controls = [
        cell
        for name, text, cell in statements
        if name == control and re.match(rf"viewof\s+{control}\s*=\s*Inputs\.\w+\(", text)
    ]
    assert controls, f"pas de cellule « viewof {control} = Inputs.… »"
    assert all(is_shown(cell) for cell in controls), f"la commande {control} est masquée"
    # « viewof x » lit la commande, pas sa valeur : Inputs.bind(…, viewof x) ne montre rien.
    readers = [
        text
        for name, text, cell in statements
        if is_shown(cell)
        and name != shown
        and shown in used_names(re.sub(r"\bviewof\s+[\w$]+", " ", text))
    ]
    assert readers, f"aucune cellule affichée ne montre {shown}"
    assert depends_on(statements, shown, control), f"{shown} ne dépend pas de {control}"


def test_hover_only_spots_are_found():
    cells = [
        "Plot.plot({\n  title: `Titre affiché`,\n  ariaLabel: `Carte`,\n  marks: [\n"
        '    Plot.cell(d, {x: "k", fill: "w", title: (d) => `${d.w} %`}),\n'
        '    Plot.dot(d, {x: "a", tip: true}),\n    Plot.tip(d, Plot.pointer({x: "a"})),\n'
        '    Plot.text(d, {x: "a", text: "title"})\n  ]\n})',
        'html`<span title="${w} %">a</span><svg><rect><title>b</title></rect></svg>`',
        '// html`<span title="commentaire">`\nx = 1\nel.setAttribute("title", "c")',
        'viewof t = Inputs.select(["a"], {label: "title"})',
    ]
    assert hover_only_spots(cells) == [
        "Plot.cell : title",
        "Plot.dot : tip",
        "Plot.tip",
        "Plot.pointer",
        "attribut title",
        "<title> SVG",
        "setAttribute title",
    ]


def test_equivalent_must_follow_its_control():
    """Le tableau ne suffit pas : la valeur montrée doit venir de la commande, et être lue."""
    cells = [
        '//| panel: input\nviewof k = Inputs.range([1, 9], {label: "Position"})',
        "//| output: false\nligne = f(k)\nregards = g(ligne)\nautre = h(3)\n"
        "function f(x) {\n  return x;\n}",
        "Plot.plot({\n  ariaLabel: `${regards}`,\n  marks: []\n})",
    ]
    statements = top_level_statements(cells)
    assert [name for name, _, _ in statements] == ["k", "ligne", "regards", "autre", "f", None]
    assert depends_on(statements, "regards", "k")
    assert not depends_on(statements, "autre", "k")
    assert [is_shown(cell) for cell in cells] == [True, False, True]


@pytest.mark.skipif(shutil.which("node") is None, reason="node n'est pas installé")
def test_token_ids_are_written_under_each_token(received):
    """showTokens (page tokenizer), exécutée par node avec un ``html`` qui concatène : l'id de
    chaque token est dans une infobulle et, ids affichés, écrit sous le token."""
    cells = ojs_cells(ALL_PAGES["tokenizer"])
    tokens = received["tokenizer"]["examples"][0]["rows"][0]["tokens"][:4]
    fake_html = (
        "const html = (s, ...v) => s.reduce((a, x, i) => a + x + "
        '(i < v.length ? [].concat(v[i]).join("") : ""), "");\n'
        f"const palette = {json.dumps(received['tokenizer']['palette'])};\n"
    )
    hidden, shown = _run_js(
        cells,
        ["showTokens"],
        f"[showTokens({json.dumps(tokens)}, false), showTokens({json.dumps(tokens)}, true)]",
        prelude=fake_html,
    )
    ids = [str(t["id"]) for t in tokens]
    assert re.findall(r'title="id (\d+)"', hidden) == ids == re.findall(r'title="id (\d+)"', shown)
    assert "<small" not in hidden
    assert re.findall(r">(\d+)</small>", shown) == ids


@pytest.mark.skipif(shutil.which("node") is None, reason="node n'est pas installé")
def test_attention_ranking_matches_numpy(received):
    """rankPositions (page attention), exécutée par node : l'ordre de ``np.argsort`` stable sur
    les poids décroissants, égalités comprises ; ses cinq premiers sont les cinq plus grands."""
    cells = ojs_cells(ALL_PAGES["attention"])
    rows = [[0.25, 0.5, 0.25], [1.0]]
    rows += [received["attention"]["phrases"][0]["poids"][0][h][-1] for h in range(4)]
    got = _run_js(cells, ["rankPositions"], f"{json.dumps(rows)}.map(rankPositions)")
    for row, ranking in zip(rows, got, strict=True):
        order = np.argsort(-np.array(row), kind="stable")
        assert [d["k"] for d in ranking] == order.tolist()
        assert [d["w"] for d in ranking] == [row[k] for k in order]
