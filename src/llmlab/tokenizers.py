"""Tokenizers : des caractères aux morceaux de mots appris par BPE, comme GPT-2.

Trois façons de couper un texte en nombres, pour voir pourquoi les LLM ont choisi la
troisième :

* :class:`CharTokenizer` : un identifiant par caractère. Petit vocabulaire, mais des
  séquences très longues, et tout caractère absent de l'entraînement est refusé ;
* :class:`WordTokenizer` : un identifiant par mot. Séquences courtes, mais un vocabulaire
  énorme, et chaque mot nouveau (« tokenisation ») devient ``<inconnu>`` ;
* :class:`BPETokenizer` : le *Byte Pair Encoding* au niveau des octets de GPT-2. On part
  des 256 octets (aucun texte n'est donc jamais inconnu) et on fusionne, l'une après
  l'autre, les paires de tokens voisins les plus fréquentes du corpus.

:func:`load_gpt2` construit un :class:`BPETokenizer` depuis les rangs de GPT-2 livrés dans
``data/`` : il donne exactement les identifiants de ``tiktoken.get_encoding("gpt2")``. Le BPE
lui-même (apprendre, encoder, décoder, enregistrer) est dans :mod:`llmlab.bpe` ; ses noms
s'écrivent aussi ``tokenizers.BPETokenizer``, ``tokenizers.merge``…
"""

from __future__ import annotations

import functools
import html
import re
from collections import Counter

from llmlab.bpe import (
    ENDOFTEXT,
    GPT2_SPLIT_PATTERN,
    GPT2_SPLIT_PATTERN_JS,
    BPETokenizer,
    DisallowedSpecialTokenError,
    NotEnoughTextError,
    TokenizerFileError,
    get_pair_counts,
    learn_merges,
    merge,
)
from llmlab.display import visible

#: Les noms de la leçon : ceux de ce module et ceux du BPE (:mod:`llmlab.bpe`), que les
#: diapositives et les notebooks écrivent ``tokenizers.BPETokenizer``, ``tokenizers.merge``…
__all__ = [
    "ENDOFTEXT",
    "GPT2_SPLIT_PATTERN",
    "GPT2_SPLIT_PATTERN_JS",
    "BPETokenizer",
    "DisallowedSpecialTokenError",
    "NotEnoughTextError",
    "TokenizerFileError",
    "get_pair_counts",
    "merge",
    "visible",
    "CharTokenizer",
    "WordTokenizer",
    "merge_steps",
    "load_gpt2",
    "load_course_bpe",
    "to_tiktoken",
    "export_json",
    "tokens_html",
    "show_tokens",
    "token_counts",
]


# --- Caractères et mots ----------------------------------------------------------------------


class CharTokenizer:
    """Un identifiant par caractère vu à l'entraînement (dans l'ordre de Unicode)."""

    def __init__(self, chars):
        self.chars = list(chars)
        self.ids = {c: i for i, c in enumerate(self.chars)}

    @classmethod
    def train(cls, text: str) -> CharTokenizer:
        """Le vocabulaire : les caractères distincts de ``text``, triés."""
        if not text:
            raise ValueError("Texte vide : donnez un texte d'entraînement non vide.")
        return cls(sorted(set(text)))

    @property
    def vocab_size(self) -> int:
        return len(self.chars)

    def encode(self, text: str) -> list[int]:
        """Les identifiants des caractères ; un caractère jamais vu est refusé."""
        unknown = sorted({c for c in text if c not in self.ids})
        if unknown:
            shown = ", ".join(f"« {c} » (U+{ord(c):04X})" for c in unknown[:5])
            raise ValueError(
                f"Caractère(s) absent(s) du vocabulaire : {shown}. Un tokenizer de caractères "
                "ne connaît que ceux de son texte d'entraînement : ajoutez-les à ce texte et "
                "réentraînez, ou utilisez un BPE au niveau des octets."
            )
        return [self.ids[c] for c in text]

    def decode(self, ids: list[int]) -> str:
        """Le texte des identifiants."""
        for i in ids:
            if not 0 <= i < len(self.chars):
                raise ValueError(
                    f"Identifiant inconnu : {i} (vocabulaire de 0 à {len(self.chars) - 1})."
                )
        return "".join(self.chars[i] for i in ids)


#: Élisions du français : « l'arbre » donne « l' » puis « arbre ».
_ELISION = r"(?:[cdjlmnst]|qu|jusqu|lorsqu|puisqu|quoiqu)['’](?=\w)"
_WORD_RE = re.compile(rf"{_ELISION}|\w+(?:['’-]\w+)*|[^\w\s]", re.IGNORECASE)


class WordTokenizer:
    """Un identifiant par mot ou signe de ponctuation ; ``<inconnu>`` pour le reste."""

    UNK = "<inconnu>"

    def __init__(self, words):
        self.words = [self.UNK, *(w for w in words if w != self.UNK)]
        self.ids = {w: i for i, w in enumerate(self.words)}

    @staticmethod
    def split(text: str) -> list[str]:
        """Mots et ponctuation ; l'élision est séparée (« l'arbre » -> « l' », « arbre »)."""
        return _WORD_RE.findall(text)

    @classmethod
    def train(cls, text: str, max_size: int | None = None) -> WordTokenizer:
        """Les mots les plus fréquents (à égalité, le premier vu), ``<inconnu>`` compris."""
        counts = Counter(cls.split(text))
        if not counts:
            raise ValueError("Texte sans aucun mot : donnez un texte d'entraînement.")
        if max_size is not None and max_size < 2:
            raise ValueError(
                f"max_size = {max_size} : il faut au moins 2 (« <inconnu> » et un mot)."
            )
        words = [w for w, _ in counts.most_common()]  # most_common garde l'ordre d'apparition
        return cls(words[: None if max_size is None else max_size - 1])

    @property
    def vocab_size(self) -> int:
        return len(self.words)

    def encode(self, text: str) -> list[int]:
        """Les identifiants des mots ; un mot jamais vu devient ``<inconnu>`` (id 0)."""
        return [self.ids.get(w, 0) for w in self.split(text)]

    def decode(self, ids: list[int]) -> str:
        """Les mots recollés : pas d'espace après une élision ni avant « . , ) »."""
        out = ""
        for i in ids:
            if not 0 <= i < len(self.words):
                raise ValueError(
                    f"Identifiant inconnu : {i} (vocabulaire de 0 à {len(self.words) - 1})."
                )
            word = self.words[i]
            glue = not out or out[-1] in "'’(\n" or word in {".", ",", ")", "…"}
            out += word if glue else " " + word
        return out


# --- Pour l'enseignement ---------------------------------------------------------------------


def merge_steps(text: str, n_merges: int) -> list[dict]:
    """Les ``n_merges`` premières fusions d'un entraînement, en texte lisible.

    Chaque étape : ``{"step", "pair", "new_token", "count", "n_tokens"}``, où
    ``n_tokens`` est la longueur de tout le texte en tokens après la fusion. Ce sont les
    mêmes fusions que :meth:`BPETokenizer.train`.
    """
    if not text:
        raise ValueError("Texte vide : donnez un texte pour voir les fusions.")
    tok = BPETokenizer()
    vocab = dict(tok.vocab)
    steps = []
    try:
        for step, (pair, new_id, count, n_tokens) in enumerate(
            learn_merges(Counter(tok._chunks(text)), n_merges), start=1
        ):
            vocab[new_id] = vocab[pair[0]] + vocab[pair[1]]
            steps.append(
                {
                    "step": step,
                    "pair": (
                        vocab[pair[0]].decode("utf-8", "replace"),
                        vocab[pair[1]].decode("utf-8", "replace"),
                    ),
                    "new_token": vocab[new_id].decode("utf-8", "replace"),
                    "count": count,
                    "n_tokens": n_tokens,
                }
            )
    except NotEnoughTextError as exc:
        raise NotEnoughTextError(
            f"Texte trop court : il ne permet que {exc.args[0]} fusions, pas {n_merges}. "
            "Donnez plus de texte ou demandez moins de fusions."
        ) from None
    return steps


@functools.lru_cache(maxsize=1)
def _gpt2_ranks() -> dict[bytes, int]:
    from llmlab.data import load_gpt2_ranks

    return load_gpt2_ranks()


def load_gpt2() -> BPETokenizer:
    """GPT-2 (r50k) en :class:`BPETokenizer` : mêmes ids que ``tiktoken`` ``gpt2``.

    Chez GPT-2, les 256 octets n'ont pas les ids 0 à 255 (« ! » a l'id 0) : ``byte_ids``
    garde cette table. Il y a 50 000 fusions et ``<|endoftext|>`` = 50256.
    """
    return BPETokenizer.from_ranks(_gpt2_ranks(), {ENDOFTEXT: 50256}, name="gpt2")


def load_course_bpe() -> BPETokenizer:
    """Le BPE du cours, entraîné sur le corpus français (``data/tokenizers/bpe-cours.txt``)."""
    from llmlab.data import COURSE_BPE, data_path, load_tokenizer_text

    path = data_path(COURSE_BPE)
    return BPETokenizer.from_text(load_tokenizer_text(path), source=str(path))


def to_tiktoken(tokenizer: BPETokenizer, name: str = "llmlab"):
    """Le même tokenizer en ``tiktoken.Encoding`` (le moteur en Rust d'OpenAI).

    tiktoken range chaque token par ses octets : deux tokens aux mêmes octets (possible
    avec le BPE, rare) ne peuvent pas être exportés.
    """
    import tiktoken

    ranks = {}
    for i, token in sorted(tokenizer.vocab.items()):
        if token in ranks:
            raise ValueError(
                f"Les tokens {ranks[token]} et {i} ont les mêmes octets "
                f"({token!r}) : tiktoken ne peut pas les distinguer."
            )
        ranks[token] = i
    return tiktoken.Encoding(
        name=name,
        pat_str=tokenizer.pattern,
        mergeable_ranks=ranks,
        special_tokens=dict(tokenizer.special_tokens),
    )


def export_json(tokenizer: BPETokenizer) -> dict:
    """Ce qu'il faut à ``interactif/bpe.js`` pour encoder dans le navigateur.

    Le vocabulaire n'est pas exporté : le JavaScript le reconstruit depuis les octets et
    les fusions, comme :meth:`BPETokenizer.from_text`.
    """
    if tokenizer.pattern != GPT2_SPLIT_PATTERN:
        raise ValueError(
            "export_json ne sait traduire en JavaScript que le découpage de "
            "GPT-2 (GPT2_SPLIT_PATTERN)."
        )
    return {
        "name": tokenizer.name,
        "pattern": GPT2_SPLIT_PATTERN_JS,
        "byte_ids": list(tokenizer.byte_ids),
        "merges": [[a, b, new] for (a, b), new in tokenizer.merges.items()],
        "special_tokens": dict(tokenizer.special_tokens),
    }


# --- Affichage -------------------------------------------------------------------------------


def _pieces(text: str, tokenizer) -> list[tuple[str, int]]:
    """``(morceau, id)`` pour un tokenizer du cours, un ``tiktoken.Encoding`` ou son nom."""
    if isinstance(tokenizer, str):
        import tiktoken

        tokenizer = tiktoken.get_encoding(tokenizer)
    if isinstance(tokenizer, BPETokenizer):
        ids = tokenizer.encode(text, allowed_special="all")
        return [(tokenizer.decode([i]), i) for i in ids]
    if isinstance(tokenizer, WordTokenizer):
        words = tokenizer.split(text)
        return list(zip(words, tokenizer.encode(text)))
    if isinstance(tokenizer, CharTokenizer):
        return list(zip(text, tokenizer.encode(text)))
    ids = tokenizer.encode(text, allowed_special="all")  # tiktoken.Encoding
    return [(tokenizer.decode_single_token_bytes(i).decode("utf-8", "replace"), i) for i in ids]


def tokens_html(text: str, tokenizer) -> str:
    """Le texte coupé en tokens : un fond par token, l'id au survol (``title``).

    Couleurs de la palette du cours ; un saut de ligne est marqué « ↵ ». Un token qui
    n'est qu'un morceau de caractère (emoji coupé en octets) s'affiche « � ».
    """
    from llmlab.style import read_palette

    palette = read_palette()
    backgrounds = [palette["tint"], palette["gray-1"], palette["sheet"], palette["gray-2"]]
    spans = []
    for k, (piece, i) in enumerate(_pieces(text, tokenizer)):
        shown = html.escape(piece).replace("\n", "↵\n")
        spans.append(
            f'<span class="llmlab-token" title="id {i}" style="background:'
            f"{backgrounds[k % len(backgrounds)]};border-radius:3px;padding:0 1px;"
            f'margin-right:1px">{shown}</span>'
        )
    return (
        '<div class="llmlab-tokens" style="font-family:var(--bs-font-monospace,'
        "monospace);white-space:pre-wrap;line-height:1.9;color:"
        f'{palette["ink"]}">' + "".join(spans) + "</div>"
    )


def show_tokens(text: str, tokenizer):
    """:func:`tokens_html` affiché dans un notebook ou une diapositive."""
    from IPython.display import HTML

    return HTML(tokens_html(text, tokenizer))


def token_counts(sentences: dict[str, str], encodings=("gpt2", "cl100k_base", "o200k_base")):
    """Nombre de caractères et de tokens de chaque phrase, pour chaque encodage.

    ``encodings`` : des noms tiktoken ou des :class:`BPETokenizer` (colonne : leur
    ``name``). Une ligne par phrase, indexée par son étiquette (« français »…).
    """
    import pandas as pd

    columns = {"caractères": [len(s) for s in sentences.values()]}
    for enc in encodings:
        if isinstance(enc, str):
            import tiktoken

            coder = tiktoken.get_encoding(enc)
            columns[enc] = [len(coder.encode(s, disallowed_special=())) for s in sentences.values()]
        else:
            columns[enc.name] = [
                len(enc.encode(s, allowed_special="none")) for s in sentences.values()
            ]
    return pd.DataFrame(columns, index=pd.Index(list(sentences), name="phrase"))
