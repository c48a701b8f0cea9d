"""Encodage GPT-2 : exactitude contre tiktoken, vitesse de l'export tiktoken, débit en Python.

    uv run python bench/bpe_encode.py [--repetitions 5]

Un texte multilingue (français, anglais, allemand, accents, emoji, chinois, japonais,
coréen, code, suites d'espaces et de sauts de ligne) est encodé par :

* ``llmlab.tokenizers.load_gpt2()``, l'encodeur en Python pur du cours : ses ids doivent
  être ceux de ``tiktoken.get_encoding("gpt2")`` sur 100 % des paragraphes ;
* ``to_tiktoken(load_gpt2())``, l'export vers tiktoken : il doit tourner à au moins 0,9 fois
  la vitesse de tiktoken lui-même sur le même vocabulaire (le meilleur de plusieurs essais,
  alternés pour partager les aléas de la machine).
"""

from __future__ import annotations

import argparse
import time

import tiktoken

from llmlab import tokenizers as T
from llmlab.data import load_french_corpus, load_shakespeare

EXTRAS = [
    "Die Übergrößenträger aßen Spätzle in München ; Grüße an die Straßenbahnfahrer !",
    "机器学习模型把文本切成词元。日本語のテキストもトークンに分割されます。한국어 문장도 있습니다.",
    "Emoji : 😀👍🏽👨‍👩‍👧🇫🇷🧑🏾‍💻 — et des accents combinants : e\u0301te\u0301, n\u0303.",
    "def softmax(x):\n    e = np.exp(x - x.max())\n    return e / e.sum()  # stable\n",
    "for (let i = 0; i < n; i++) {\n\tconsole.log(`${i}`);\n}\n",
    "   espaces   multiples \n\n\n\n   et lignes vides\t\t\r\n",
    "\u00a0insécable 12 345,67 € — « guillemets » ‹ et › … ½ ² ∑ ≠ ∞",
]


def multilingual_text() -> str:
    """Environ 200 Ko : corpus français, Shakespeare, puis les extraits ci-dessus, mêlés."""
    french = load_french_corpus()
    english = load_shakespeare("hamlet")[:100_000]
    blocks = [french, english, *EXTRAS]
    blocks += [
        french[i : i + 2000] + "\n\n" + EXTRAS[i % len(EXTRAS)] for i in range(0, len(french), 2000)
    ] * 6
    return "\n\n".join(blocks)


def best_time(fn, repetitions: int) -> float:
    times = []
    for _ in range(repetitions):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def fr(x: float, decimals: int = 1) -> str:
    return f"{x:,.{decimals}f}".replace(",", " ").replace(".", ",")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repetitions", type=int, default=7)
    args = parser.parse_args()
    text = multilingual_text()
    size = len(text.encode("utf-8"))
    print(f"Texte multilingue : {fr(len(text), 0)} caractères, {fr(size / 1e6, 2)} Mo.")

    reference = tiktoken.get_encoding("gpt2")
    gpt2 = T.load_gpt2()
    start = time.perf_counter()
    ours = gpt2.encode_ordinary(text)
    t_python = time.perf_counter() - start
    start = time.perf_counter()
    gpt2.encode_ordinary(text)
    t_python_warm = time.perf_counter() - start
    expected = reference.encode_ordinary(text)
    paragraphs = text.split("\n\n")
    same = sum(gpt2.encode_ordinary(p) == reference.encode_ordinary(p) for p in paragraphs)
    share = 100 * same / len(paragraphs) if ours == expected else 0.0
    print(
        f"ids llmlab == ids tiktoken gpt2   : texte entier {'oui' if ours == expected else 'NON'}"
        f", {same}/{len(paragraphs)} paragraphes ({fr(len(expected), 0)} tokens)"
    )
    print(
        f"débit de l'encodeur Python pur    : {fr(size / 1e6 / t_python, 2)} Mo/s "
        f"(premier passage, cache vide), {fr(size / 1e6 / t_python_warm, 2)} Mo/s (morceaux déjà vus)"
    )

    exported = T.to_tiktoken(gpt2, "gpt2-llmlab")
    assert exported.encode_ordinary(text) == expected
    t_export, t_tiktoken = [], []
    for _ in range(args.repetitions):  # essais alternés
        t_tiktoken.append(best_time(lambda: reference.encode_ordinary(text), 1))
        t_export.append(best_time(lambda: exported.encode_ordinary(text), 1))
    ratio = min(t_tiktoken) / min(t_export)
    print(f"tiktoken gpt2                     : {fr(size / 1e6 / min(t_tiktoken), 1)} Mo/s")
    print(
        f"to_tiktoken(load_gpt2())          : {fr(size / 1e6 / min(t_export), 1)} Mo/s "
        f"({fr(ratio, 2)}× la vitesse de tiktoken)"
    )
    print(
        f"l'encodeur Python pur est {fr(t_python / min(t_tiktoken), 0)}× plus lent que "
        "tiktoken (premier passage)"
    )

    print(
        f"objectif ids gpt2 identiques à tiktoken : {fr(share)} % (cible 100 %) "
        f"{'✓' if share == 100 else '✗'}"
    )
    print(
        f"objectif vitesse de l'export tiktoken : {fr(ratio, 2)}× tiktoken (cible ≥ 0,9×) "
        f"{'✓' if ratio >= 0.9 else '✗'}"
    )


if __name__ == "__main__":
    main()
