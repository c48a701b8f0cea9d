"""``llmlab.tokenizers`` contre ses références : tiktoken (ids de GPT-2), un entraîneur BPE
naïf qui recompte tout à chaque fusion, et l'encodeur JavaScript exécuté par node."""

import json
import re
import shutil
import subprocess
from collections import Counter
from itertools import combinations
from pathlib import Path

import pytest
import regex
import tiktoken
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from llmlab import tokenizers as T
from llmlab.data import COURSE_BPE, DATA_DIR, load_french_corpus

ROOT = Path(__file__).resolve().parents[1]

# Des textes qui ont chacun cassé un tokenizer quelque part.
TEXTS = [
    "Bonjour mon cœur, l'arbre est là : « Où vas-tu ? »",
    "Hello world! It's 2024, isn't it? I'd've said they're right.",
    "Übergrößenträger straße — Grüße aus München.",
    "日本語のテキストと中文，한국어도.",
    "emoji 😀👍🏽 famille 👨‍👩‍👧 drapeau 🇫🇷",
    "e\u0301te\u0301 (accents combinants) et \u00e9t\u00e9",
    "nul\x00au milieu\x01\x7f",
    "def f(x):\n    return x ** 2  # carré\n\n\n\tindenté\r\n",
    "   espaces   en   tête\n\n\n   et en fin   ",
    "\ufeffBOM \u0085NEL \u2028LS \u00a0insécable 12 345,67 €",
    "x" * 300 + " " + "ab" * 150,
    "",
    " ",
    "\n",
    "'s 'll 'VE '' ''' 123456789 3.14159",
]

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
# Tout texte Unicode sauf les surrogates isolés, qui n'ont pas d'UTF-8.
unicode_text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=60)
# Des textes proches du réel : morceaux de texte assemblés au hasard.
mixed_text = st.lists(st.sampled_from(TEXTS + [" ", "\n", "  ", "é", "'", "🙂"]), max_size=6).map(
    "".join
)


@pytest.fixture(scope="module")
def gpt2():
    return T.load_gpt2()


@pytest.fixture(scope="module")
def course():
    return T.load_course_bpe()


@pytest.fixture(scope="module")
def tiktoken_gpt2():
    return tiktoken.get_encoding("gpt2")


# --- briques -----------------------------------------------------------------------------------


def test_pair_counts_and_merge():
    assert T.get_pair_counts([1, 2, 1, 2]) == {(1, 2): 2, (2, 1): 1}
    counts = T.get_pair_counts([1, 2], {(1, 2): 3})
    assert counts == {(1, 2): 4}
    assert T.merge([1, 2, 3, 1, 2], (1, 2), 9) == [9, 3, 9]
    assert T.merge([5, 5, 5], (5, 5), 9) == [9, 5]  # sans chevauchement
    assert T.merge([5, 5, 5, 5], (5, 5), 9) == [9, 9]
    assert T.merge([], (1, 2), 9) == [] and T.merge([1], (1, 2), 9) == [1]


def test_char_tokenizer():
    tok = T.CharTokenizer.train("abracadabra é")
    assert tok.vocab_size == len(set("abracadabra é"))
    assert tok.decode(tok.encode("cadré abc")) == "cadré abc"
    with pytest.raises(ValueError, match="« z »"):
        tok.encode("zèbre")


def test_word_tokenizer_splits_elision_and_punctuation():
    assert T.WordTokenizer.split("L'arbre d'Hélène, aujourd'hui : là !") == [
        "L'",
        "arbre",
        "d'",
        "Hélène",
        ",",
        "aujourd'hui",
        ":",
        "là",
        "!",
    ]
    tok = T.WordTokenizer.train("le chat et le chien. le chat dort.", max_size=4)
    assert tok.vocab_size == 4
    assert tok.words == ["<inconnu>", "le", "chat", "."]  # les plus fréquents
    ids = tok.encode("le chat mange.")
    assert ids == [1, 2, 0, 3]
    assert tok.decode(ids) == "le chat <inconnu>."
    assert T.WordTokenizer.train("l'arbre").decode([1, 2]) == "l'arbre"


# --- entraînement ------------------------------------------------------------------------------


def naive_merges(text: str, n_merges: int):
    """La référence directe (à la minbpe) : recompter toutes les paires après chaque fusion."""
    pieces = [list(c.encode()) for c in regex.findall(T.GPT2_SPLIT_PATTERN, text)]
    merges = []
    for step in range(n_merges):
        counts = {}
        for ids in pieces:
            T.get_pair_counts(ids, counts)
        pair = max(counts, key=lambda p: (counts[p], -p[0], -p[1]))
        pieces = [T.merge(ids, pair, 256 + step) for ids in pieces]
        merges.append((pair, counts[pair], sum(map(len, pieces))))
    return merges


def test_incremental_training_equals_naive_recount():
    text = load_french_corpus()[:5000]
    tok = T.BPETokenizer().train(text, 256 + 120)
    steps = T.merge_steps(text, 120)
    expected = naive_merges(text, 120)
    assert list(tok.merges) == [pair for pair, _, _ in expected]
    assert [(s["count"], s["n_tokens"]) for s in steps] == [(c, n) for _, c, n in expected]


def test_merge_steps_are_the_merges_of_train():
    text = load_french_corpus()
    tok = T.BPETokenizer().train(text, 256 + 40)
    steps = T.merge_steps(text, 40)
    assert [s["step"] for s in steps] == list(range(1, 41))
    for s, ((a, b), new) in zip(steps, tok.merges.items()):
        assert s["pair"] == (tok.decode([a]), tok.decode([b]))
        assert s["new_token"] == tok.decode([new])
    assert steps[0]["pair"] == (" ", "l")  # la fusion la plus fréquente
    # n_tokens : la longueur du texte encodé avec les fusions apprises jusque-là
    assert steps[-1]["n_tokens"] == len(tok.encode(text))
    partial = T.BPETokenizer().train(text, 256 + 10)
    assert steps[9]["n_tokens"] == len(partial.encode(text))
    counts = [s["count"] for s in steps]
    assert counts == sorted(counts, reverse=True)  # une fusion ne crée pas de paire plus fréquente


def test_training_is_deterministic_and_reproduces_shipped_file(course):
    import importlib.util

    spec = importlib.util.spec_from_file_location("train_bpe", ROOT / "scripts/train_bpe.py")
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    assert script.train().to_text() == (DATA_DIR / COURSE_BPE).read_text(encoding="utf-8")
    assert course.vocab_size == 513 and course.special_tokens == {T.ENDOFTEXT: 512}
    # le BPE du cours compresse le français bien mieux que les octets
    text = load_french_corpus()
    assert len(course.encode(text)) < 0.5 * len(text.encode())


# --- GPT-2 identique à tiktoken ----------------------------------------------------------------


def test_gpt2_table_of_bytes(gpt2):
    assert gpt2.vocab_size == 50257
    assert gpt2.byte_ids[ord("!")] == 0 and gpt2.byte_ids[ord(" ")] == 220
    assert gpt2.encode("Hello world") == [15496, 995]


@pytest.mark.parametrize("text", TEXTS)
def test_gpt2_ids_equal_tiktoken(gpt2, tiktoken_gpt2, text):
    assert gpt2.encode(text) == tiktoken_gpt2.encode(text)
    assert gpt2.decode(gpt2.encode(text)) == text


@SETTINGS
@given(st.one_of(unicode_text, mixed_text))
def test_gpt2_ids_equal_tiktoken_on_any_text(gpt2, tiktoken_gpt2, text):
    assert gpt2.encode(text) == tiktoken_gpt2.encode(text)


def test_gpt2_special_token(gpt2, tiktoken_gpt2):
    text = "fin<|endoftext|>début"
    assert gpt2.encode(text, allowed_special="all") == tiktoken_gpt2.encode(
        text, allowed_special="all"
    )
    assert 50256 in gpt2.encode(text, allowed_special={T.ENDOFTEXT})
    assert gpt2.encode(text, allowed_special="none") == tiktoken_gpt2.encode(
        text, disallowed_special=()
    )
    with pytest.raises(T.DisallowedSpecialTokenError, match="« <|endoftext|> »"):
        gpt2.encode(text)
    assert gpt2.decode(gpt2.encode(text, allowed_special="all")) == text


# --- tokens spéciaux : exactement tiktoken -----------------------------------------------------


@pytest.fixture(scope="module")
def tiktoken_cl100k():
    return tiktoken.get_encoding("cl100k_base")


@pytest.fixture(scope="module")
def cl100k(tiktoken_cl100k):
    enc = tiktoken_cl100k  # attributs que le README de tiktoken montre pour l'étendre
    return T.BPETokenizer.from_ranks(
        enc._mergeable_ranks, enc._special_tokens, pattern=enc._pat_str, name="cl100k_base"
    )


SPECIAL_TEXTS = [
    "fin<|endoftext|>début",
    "<|fim_prefix|>def f(x):<|fim_suffix|>\n    return x<|fim_middle|>",
    "<|endoftext|><|endoftext|>  <|endoftext|>  \n<|endofprompt|>",
    "<|endoftext|  <|endoftext<|endoftext|>|> <|fim_prefix|",
    "Bonjour <|fim_middle|>, pas de fin.",
    "texte sans token spécial",
    "",
]


def outcome(encode, text, **kwargs):
    """Les ids, ou ``("refusé", nom du token spécial)`` quand ``encode`` lève ValueError
    (nommé « ainsi » par llmlab, 'ainsi' par tiktoken)."""
    try:
        return encode(text, **kwargs)
    except ValueError as exc:
        found = re.search(r"token spécial « (.+?) »|special token '(.+?)'", str(exc))
        return "refusé", found.group(1) or found.group(2)


def special_arguments(enc):
    """Chaque valeur d'``allowed_special`` (toutes les parties, "all") croisée avec
    chaque ``disallowed_special`` ("all", (), un seul token)."""
    names = sorted(enc.special_tokens_set)
    allowed = [set(c) for k in range(len(names) + 1) for c in combinations(names, k)]
    disallowed = ["all", (), *({n} for n in names)]
    return [
        {"allowed_special": a, "disallowed_special": d}
        for a in [*allowed, "all"]
        for d in disallowed
    ]


@pytest.mark.parametrize("which", ["gpt2", "cl100k"])
@pytest.mark.parametrize("text", SPECIAL_TEXTS)
def test_special_tokens_exactly_as_tiktoken(request, which, text):
    ours = request.getfixturevalue(which)
    theirs = request.getfixturevalue(f"tiktoken_{which}")
    cases = special_arguments(theirs)
    assert len(cases) == (3 * 3 if which == "gpt2" else 33 * 7)
    for kwargs in [*cases, {}]:  # {} : les valeurs par défaut
        assert outcome(ours.encode, text, **kwargs) == outcome(theirs.encode, text, **kwargs), (
            kwargs
        )
    # le raccourci de llmlab : tout token spécial en texte ordinaire
    assert ours.encode(text, allowed_special="none") == theirs.encode(text, disallowed_special=())


special_mix = st.lists(
    st.sampled_from(
        [
            "<|endoftext|>",
            "<|fim_prefix|>",
            "<|fim_middle|>",
            "<|endofprompt|>",
            "<|",
            "|>",
            "endoftext",
            " ",
            "\n",
            "  ",
            "é",
            "Bonjour",
            "x=1",
            "😀",
        ]
    ),
    max_size=12,
).map("".join)


@SETTINGS
@given(special_mix, st.data())
def test_special_tokens_as_tiktoken_on_any_mix(cl100k, tiktoken_cl100k, text, data):
    kwargs = data.draw(st.sampled_from(special_arguments(tiktoken_cl100k)))
    assert outcome(cl100k.encode, text, **kwargs) == outcome(tiktoken_cl100k.encode, text, **kwargs)


def test_disallowed_special_token_message_says_how_to_encode_it(gpt2):
    with pytest.raises(ValueError) as info:
        gpt2.encode("a<|endoftext|>b", allowed_special=set())
    message = str(info.value)
    assert isinstance(info.value, T.DisallowedSpecialTokenError)
    assert info.value.token == T.ENDOFTEXT and "« <|endoftext|> »" in message
    assert "allowed_special={'<|endoftext|>'}" in message
    assert "disallowed_special=()" in message
    # et la recette donnée marche
    assert gpt2.encode("a<|endoftext|>b", allowed_special={T.ENDOFTEXT})[1] == 50256
    assert gpt2.encode("a<|endoftext|>b", disallowed_special=()) == gpt2.encode_ordinary(
        "a<|endoftext|>b"
    )


def test_special_token_arguments_are_checked(gpt2):
    with pytest.raises(ValueError, match=r"allowed_special : .*inconnu.*<\|fim_prefix\|>"):
        gpt2.encode("x", allowed_special={"<|fim_prefix|>"})
    with pytest.raises(ValueError, match=r"disallowed_special : .*inconnu"):
        gpt2.encode("x", disallowed_special={"<|endoftxt|>"})
    with pytest.raises(ValueError, match="ensemble de tokens spéciaux"):
        gpt2.encode("x", allowed_special="<|endoftext|>")
    with pytest.raises(TypeError):
        gpt2.encode("x", "all")  # comme tiktoken : arguments nommés


# --- export tiktoken ---------------------------------------------------------------------------


@SETTINGS
@given(st.one_of(unicode_text, mixed_text))
def test_to_tiktoken_encodes_like_course_bpe(course, text):
    enc = T.to_tiktoken(course)
    assert enc.encode(text) == course.encode(text)


def test_to_tiktoken_of_gpt2_is_tiktoken_gpt2(gpt2, tiktoken_gpt2):
    enc = T.to_tiktoken(gpt2, "gpt2-llmlab")
    text = "\n".join(TEXTS)
    assert enc.encode(text) == tiktoken_gpt2.encode(text)
    assert enc.n_vocab == 50257 and enc.eot_token == 50256


# --- ids des tokens spéciaux et taille du vocabulaire --------------------------------------------


def suggested_id(message):
    return int(re.search(r"par exemple (\d+)\.", message).group(1))


def test_register_special_tokens_suggests_a_free_id():
    gpt2 = T.load_gpt2()
    with pytest.raises(ValueError, match="pris par le token spécial « <|endoftext|> »") as info:
        gpt2.register_special_tokens({"<|fim_prefix|>": 50256})
    assert suggested_id(str(info.value)) == 50257
    with pytest.raises(ValueError, match="pris par le token « Hello »") as info:
        gpt2.register_special_tokens({"<|fim_prefix|>": 15496})
    free = suggested_id(str(info.value))
    gpt2.register_special_tokens({"<|fim_prefix|>": free})  # l'id proposé est libre
    assert gpt2.special_tokens == {T.ENDOFTEXT: 50256, "<|fim_prefix|>": 50257}
    # le suivant tient compte des tokens spéciaux, même lointains
    gpt2.register_special_tokens({"<|fim_middle|>": 60000})
    with pytest.raises(ValueError) as info:
        gpt2.register_special_tokens({"<|fim_suffix|>": 50257})
    assert suggested_id(str(info.value)) == 60001


def test_register_special_tokens_checks_every_token_before_adding_any(course):
    tok = T.BPETokenizer.from_text(course.to_text())
    tok.register_special_tokens({T.ENDOFTEXT: 512})  # déjà là, même id : rien ne change
    assert tok.special_tokens == {T.ENDOFTEXT: 512}
    with pytest.raises(ValueError, match="« <|b|> ».*pris par le token spécial « <|a|> »"):
        tok.register_special_tokens({"<|a|>": 600, "<|b|>": 600})
    assert tok.special_tokens == {T.ENDOFTEXT: 512}  # tout ou rien
    with pytest.raises(ValueError, match="déjà un token spécial, d'id 512"):
        tok.register_special_tokens({T.ENDOFTEXT: 513})
    for bad in (-1, "600", 600.0, True):
        with pytest.raises(ValueError, match="entier ≥ 0"):
            tok.register_special_tokens({"<|x|>": bad})
    with pytest.raises(ValueError, match="Nom de token spécial invalide"):
        tok.register_special_tokens({"": 600})
    assert tok.special_tokens == {T.ENDOFTEXT: 512}


@pytest.mark.parametrize("which", ["gpt2", "cl100k"])
def test_vocab_size_is_tiktoken_n_vocab(request, which):
    ours = request.getfixturevalue(which)
    theirs = request.getfixturevalue(f"tiktoken_{which}")
    assert ours.vocab_size == theirs.n_vocab == T.to_tiktoken(ours).n_vocab
    # cl100k : 100256 et 100261 à 100275 sont vides (<|endofprompt|> = 100276)
    assert ours.vocab_size - len(ours.vocab) - len(ours.special_tokens) == (
        0 if which == "gpt2" else 16
    )


def test_sparse_special_ids_fit_an_embedding_sized_by_vocab_size(course):
    import torch

    tok = T.BPETokenizer.from_text(course.to_text())
    tok.register_special_tokens({"<|fim_prefix|>": 100257})
    assert tok.vocab_size == T.to_tiktoken(tok).n_vocab == 100258
    ids = tok.encode("a<|fim_prefix|>b<|endoftext|>", allowed_special="all")
    assert ids[1] == 100257
    table = torch.nn.Embedding(tok.vocab_size, 2)  # comme GPT et GRULanguageModel
    assert table(torch.tensor(ids)).shape == (4, 2)
    with pytest.raises(ValueError, match="inconnu : 600.*514 ids, entre 0 et 100257"):
        tok.decode([600])


# --- aller-retour sur tout texte ---------------------------------------------------------------


@SETTINGS
@given(unicode_text)
def test_any_unicode_text_round_trips(course, text):
    assert course.decode(course.encode(text)) == text


@pytest.mark.parametrize("text", TEXTS)
def test_round_trip_on_hard_texts(course, text):
    ids = course.encode(text)
    assert course.decode(ids) == text
    assert "".join(course.tokens(text)) == text or "�" in "".join(course.tokens(text))


def test_isolated_surrogate_is_refused_with_a_clear_rule(course):
    with pytest.raises(ValueError, match=r"surrogate U\+D83D, position 3"):
        course.encode("abc\ud83d")
    with pytest.raises(ValueError, match="surrogate"):
        T.BPETokenizer().train("ab\udc00cd" * 10, 260)
    assert course.decode(course.encode("😀")) == "😀"  # la paire complète passe


# --- erreurs en français -----------------------------------------------------------------------


def test_training_errors():
    with pytest.raises(ValueError, match="au moins 256"):
        T.BPETokenizer().train("bonjour", 100)
    with pytest.raises(ValueError, match="vide"):
        T.BPETokenizer().train("", 300)
    with pytest.raises(T.NotEnoughTextError, match=r"après 2 fusions.*vocab_size ≤ 258"):
        T.BPETokenizer().train("abc", 300)
    with pytest.raises(T.NotEnoughTextError, match="que 2 fusions"):
        T.merge_steps("abc", 5)


def test_decode_unknown_id(course):
    with pytest.raises(ValueError, match="inconnu : 9999.*0 à 512"):
        course.decode([1, 9999])
    assert course.decode([]) == "" and course.encode("") == []


def test_save_load_identical(course, tmp_path):
    path = tmp_path / "bpe.txt"
    course.save(path)
    again = T.BPETokenizer.load(path)
    assert again.merges == course.merges and list(again.merges) == list(course.merges)
    assert again.vocab == course.vocab and again.special_tokens == course.special_tokens
    assert again.pattern == course.pattern and again.name == "bpe-cours"
    assert again.to_text() == course.to_text()


def test_save_load_keeps_gpt2_byte_table(gpt2, tmp_path):
    small = T.BPETokenizer.from_ranks(
        {t: i for t, i in T._gpt2_ranks().items() if i < 600}, {T.ENDOFTEXT: 600}
    )
    path = tmp_path / "gpt2-600.txt"
    small.save(path)
    again = T.BPETokenizer.load(path)
    assert again.byte_ids == gpt2.byte_ids and again.merges == small.merges
    text = "Hello there, général Kenobi !"
    assert again.encode(text) == small.encode(text)


def bad_file(tmp_path, text, name="x.txt"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_truncated_or_foreign_files_are_refused(course, tmp_path):
    text = course.to_text()
    lines = text.split("\n")
    cases = {
        "tronqué": "\n".join(lines[:100]),  # coupé au milieu
        "tronqué ou modifié": text.replace("\nfin\n", "\n"),  # sans « fin »
        "llmlab-bpe 1": "bonjour\n",  # autre format
        "vocabulaire .tiktoken": (DATA_DIR / "vocab/r50k_base.tiktoken").read_text()[:500],
        "ne correspond pas": text.replace("\t␣ + l → ␣l", "\t␣ + m → ␣m"),  # ids modifiés
        "impossible": text.replace("256 = 32 + 108", "256 = 32 + 999"),
        "mot-clé inconnu": text.replace("octets identité", "bytes identity"),
        "spécial <id> <nom>": text.replace("spécial 512", "spécial x512"),
        "expression régulière": text.replace("motif '(?:", "motif '(?:(("),
    }
    for message, content in cases.items():
        with pytest.raises(T.TokenizerFileError, match=message):
            T.BPETokenizer.load(bad_file(tmp_path, content))
    binary = tmp_path / "binaire.bin"
    binary.write_bytes(b"\xff\xfe\x00llmlab")
    with pytest.raises(ValueError, match="UTF-8"):
        T.BPETokenizer.load(binary)
    with pytest.raises(FileNotFoundError):
        T.BPETokenizer.load(tmp_path / "absent.txt")


# --- affichage et comptes ----------------------------------------------------------------------


def test_tokens_html_has_one_span_per_token_with_its_id(course):
    import html
    import re

    text = "Le <b>chat</b> & l'arbre\nsuite"
    out = T.tokens_html(text, course)
    spans = re.findall(r'<span class="llmlab-token" title="id (\d+)"[^>]*>(.*?)</span>', out, re.S)
    ids = course.encode(text)
    assert [int(i) for i, _ in spans] == ids
    assert "<b>" not in out and "&lt;" in out and "&amp;" in out
    assert "".join(html.unescape(p) for _, p in spans).replace("↵", "") == text
    others = {
        "gpt2": len(tiktoken.get_encoding("gpt2").encode(text)),
        tiktoken.get_encoding("cl100k_base"): len(
            tiktoken.get_encoding("cl100k_base").encode(text)
        ),
        T.CharTokenizer.train(text): len(text),
        T.WordTokenizer.train(text): len(T.WordTokenizer.split(text)),
    }
    for tokenizer, n in others.items():
        assert T.tokens_html(text, tokenizer).count('class="llmlab-token"') == n


def test_token_counts_are_tiktoken_counts(course):
    sentences = {
        "français": "Le chat dort sur le canapé du salon.",
        "anglais": "The cat is sleeping on the living-room sofa.",
    }
    frame = T.token_counts(sentences, ("gpt2", "cl100k_base", "o200k_base", course))
    assert list(frame.columns) == ["caractères", "gpt2", "cl100k_base", "o200k_base", "bpe-cours"]
    assert list(frame.index) == ["français", "anglais"]
    for label, text in sentences.items():
        assert frame.loc[label, "caractères"] == len(text)
        for name in ("gpt2", "cl100k_base", "o200k_base"):
            assert frame.loc[label, name] == len(tiktoken.get_encoding(name).encode(text))
        assert frame.loc[label, "bpe-cours"] == len(course.encode(text))
    # le constat du cours : GPT-2 coupe le français en plus de tokens que l'anglais
    assert frame.loc["français", "gpt2"] > frame.loc["anglais", "gpt2"]


# --- l'encodeur JavaScript ---------------------------------------------------------------------

RUNNER = """
import {loadBPE, encode, decode, tokens} from "./bpe.mjs";
import {readFileSync} from "node:fs";
const input = JSON.parse(readFileSync(process.argv[2], "utf8"));
const bpe = loadBPE(input.bpe);
console.log(JSON.stringify(input.texts.map((t) => {
  const ids = encode(bpe, t);
  return {ids, text: decode(bpe, ids), n: tokens(bpe, t).length};
})));
"""


def run_node(tmp_path, exported, texts):
    shutil.copy(ROOT / "interactif" / "bpe.js", tmp_path / "bpe.mjs")
    (tmp_path / "run.mjs").write_text(RUNNER, encoding="utf-8")
    (tmp_path / "input.json").write_text(
        json.dumps({"bpe": exported, "texts": texts}), encoding="utf-8"
    )
    done = subprocess.run(
        ["node", "run.mjs", "input.json"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.mark.skipif(shutil.which("node") is None, reason="node n'est pas installé")
@pytest.mark.parametrize("which", ["course", "gpt2"])
def test_javascript_encoder_matches_python(request, tmp_path, which):
    tok = request.getfixturevalue(which)
    texts = TEXTS + [load_french_corpus()[:3000], "<|endoftext|> reste du texte"]
    results = run_node(tmp_path, T.export_json(tok), texts)
    for text, result in zip(texts, results):
        expected = tok.encode(text, allowed_special="none")
        assert result["ids"] == expected, text
        assert result["text"] == text and result["n"] == len(expected)


@pytest.mark.skipif(shutil.which("node") is None, reason="node n'est pas installé")
@settings(
    max_examples=5,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(st.lists(st.one_of(unicode_text, mixed_text), min_size=30, max_size=30))
def test_javascript_encoder_matches_python_on_any_text(course, tmp_path, texts):
    results = run_node(tmp_path, T.export_json(course), texts)
    assert [r["ids"] for r in results] == [course.encode(t, allowed_special="none") for t in texts]


def test_export_json_is_plain_json(course):
    exported = T.export_json(course)
    assert json.loads(json.dumps(exported)) == exported
    assert len(exported["merges"]) == 256 and exported["byte_ids"] == list(range(256))
    with pytest.raises(ValueError, match="JavaScript"):
        T.export_json(T.BPETokenizer(pattern=r"\w+|\W"))


def test_hugging_face_trainer_learns_the_same_first_merges():
    """Point de comparaison : l'entraîneur BPE de Hugging Face, sur les mêmes morceaux.

    On lui donne nos morceaux déjà découpés (mots pondérés), en octets écrits avec la table
    de GPT-2 : ses premières fusions sont les nôtres tant que les comptes ne sont pas à
    égalité (ses règles d'égalité diffèrent)."""
    from tokenizers import Tokenizer, models, pre_tokenizers, trainers

    from llmlab.vocab import bytes_to_unicode

    text = load_french_corpus()
    table = bytes_to_unicode()
    chunks = Counter(c.encode() for c in regex.findall(T.GPT2_SPLIT_PATTERN, text))
    words = ["".join(table[b] for b in chunk) for chunk, n in chunks.items() for _ in range(n)]
    hf = Tokenizer(models.BPE())
    hf.pre_tokenizer = pre_tokenizers.Split("\n", behavior="removed")
    trainer = trainers.BpeTrainer(
        vocab_size=1000,
        initial_alphabet=sorted(table.values()),
        show_progress=False,
        special_tokens=[],
    )
    hf.train_from_iterator(["\n".join(words)], trainer)
    hf_merges = json.loads(hf.to_str())["model"]["merges"][:20]
    ours = T.BPETokenizer().train(text, 256 + 20)
    counts = [s["count"] for s in T.merge_steps(text, 20)]
    distinct = [i for i in range(20) if counts.count(counts[i]) == 1]
    assert len(distinct) >= 10
    for i, (a, b) in enumerate(ours.merges):
        if i not in distinct:
            continue
        pair = ["".join(table[byte] for byte in ours.vocab[part]) for part in (a, b)]
        hf_pair = hf_merges[i] if isinstance(hf_merges[i], list) else hf_merges[i].split(" ")
        assert hf_pair == pair, i
