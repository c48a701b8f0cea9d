"""Entraîne le BPE du cours et l'écrit dans ``data/tokenizers/bpe-cours.txt``.

    uv run python scripts/train_bpe.py              # réécrit le fichier, affiche son sha256
    uv run python scripts/train_bpe.py --verifier   # compare seulement au fichier livré

Recette : le corpus français du cours (``data/corpus_fr.txt``, 14 016 octets), découpage
de GPT-2, 256 fusions (vocabulaire de 512 tokens), puis ``<|endoftext|>`` = 512. Au-delà,
les fusions de ce petit corpus ne voient plus que des mots entiers répétés 5 fois ou moins.
L'entraînement est déterministe : même corpus, même fichier, octet pour octet.
"""

from __future__ import annotations

import argparse
import hashlib
import sys

from llmlab.data import COURSE_BPE, DATA_DIR, load_french_corpus
from llmlab.tokenizers import ENDOFTEXT, BPETokenizer

VOCAB_SIZE = 512


def train() -> BPETokenizer:
    """Le BPE du cours, tel que ``data/tokenizers/bpe-cours.txt`` le contient."""
    tok = BPETokenizer(name="bpe-cours").train(load_french_corpus(), VOCAB_SIZE)
    tok.register_special_tokens({ENDOFTEXT: VOCAB_SIZE})
    return tok


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--verifier",
        action="store_true",
        help="ne rien écrire ; dire si le fichier livré est à jour",
    )
    args = parser.parse_args(argv)
    text = train().to_text().encode("utf-8")
    path = DATA_DIR / COURSE_BPE
    if args.verifier:
        same = path.is_file() and path.read_bytes() == text
        print(f"{path} : {'à jour' if same else 'différent ou absent'}")
        return 0 if same else 1
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text)
    print(f"{path} : {len(text)} octets, sha256 {hashlib.sha256(text).hexdigest()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
