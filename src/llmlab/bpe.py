"""Le BPE au niveau des octets de GPT-2 : apprendre les fusions, encoder, décoder.

On part des 256 octets (aucun texte n'est donc jamais inconnu) et on fusionne, l'une après
l'autre, les paires de tokens voisins les plus fréquentes du corpus ; :class:`BPETokenizer`
range ces fusions, encode et décode comme ``tiktoken`` (mêmes ids sur les rangs de GPT-2,
tokens spéciaux compris), s'enregistre et se relit. La leçon qui l'utilise, avec les
tokenizers de caractères et de mots et l'affichage des tokens, est :mod:`llmlab.tokenizers`.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from pathlib import Path

import regex

from llmlab.display import visible

#: Découpage préalable de GPT-2, celui de tiktoken (``r50k_pat_str``) : contractions
#: anglaises, lettres précédées d'au plus une espace, chiffres, ponctuation, espaces.
#: Une fusion BPE ne traverse jamais la frontière de deux morceaux.
GPT2_SPLIT_PATTERN = (
    r"""'(?:[sdmt]|ll|ve|re)| ?\p{L}++| ?\p{N}++| ?[^\s\p{L}\p{N}]++"""
    r"""|\s++$|\s+(?!\S)|\s"""
)

#: Le même découpage écrit pour les expressions régulières de JavaScript (drapeaux ``gu``) :
#: ni quantificateurs possessifs (sans effet ici), et ``\s`` remplacé par
#: ``\p{White_Space}``, car le ``\s`` de JavaScript compte U+FEFF et oublie U+0085.
GPT2_SPLIT_PATTERN_JS = (
    r"""'(?:[sdmt]|ll|ve|re)| ?\p{L}+| ?\p{N}+"""
    r"""| ?[^\p{White_Space}\p{L}\p{N}]+"""
    r"""|\p{White_Space}+(?!\P{White_Space})|\p{White_Space}"""
)

#: Le token spécial qui sépare deux documents chez GPT-2.
ENDOFTEXT = "<|endoftext|>"


# --- Les deux briques du BPE -----------------------------------------------------------------


def get_pair_counts(ids: list[int], counts: dict | None = None) -> dict[tuple[int, int], int]:
    """Compte chaque paire de tokens voisins.

    ``[1, 2, 1, 2]`` donne ``{(1, 2): 2, (2, 1): 1}``.
    ``counts`` accumule les comptes de plusieurs morceaux.
    """
    counts = {} if counts is None else counts
    for pair in zip(ids, ids[1:]):
        counts[pair] = counts.get(pair, 0) + 1
    return counts


def merge(ids: list[int], pair: tuple[int, int], new_id: int) -> list[int]:
    """Remplace chaque ``pair`` par ``new_id``.

    De gauche à droite, sans chevauchement :
    ``merge([5, 5, 5], (5, 5), 9)`` donne ``[9, 5]``.
    """
    out, i = [], 0
    while i < len(ids):
        if i + 1 < len(ids) and ids[i] == pair[0] and ids[i + 1] == pair[1]:
            out.append(new_id)
            i += 2
        else:
            out.append(ids[i])
            i += 1
    return out


# --- BPE au niveau des octets ----------------------------------------------------------------


class NotEnoughTextError(ValueError):
    """Le texte d'entraînement n'a plus aucune paire à fusionner."""


def _check_text(text: str) -> bytes:
    """Le texte en UTF-8 ; refuse une moitié de paire de substitution (« surrogate »).

    Un surrogate isolé (U+D800 à U+DFFF, seul) n'est pas un caractère : il n'a pas
    d'encodage UTF-8. On le refuse au lieu de le remplacer en silence par « � ».
    """
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError as exc:
        bad = ord(text[exc.start])
        raise ValueError(
            f"Le texte contient un demi-caractère isolé (surrogate U+{bad:04X}, position "
            f"{exc.start}), qui n'existe pas en UTF-8. Il vient souvent d'un emoji coupé en "
            "deux ou d'un fichier mal décodé : relisez le fichier en UTF-8, ou nettoyez le "
            "texte avec texte.encode('utf-8', 'replace').decode('utf-8')."
        ) from None


def learn_merges(chunks: Counter, n_merges: int, first_id: int = 256, progress=False):
    """Apprend ``n_merges`` fusions, une à une.

    Produit ``(paire, nouvel id, compte, nb de tokens)``.
    ``chunks`` compte les morceaux du découpage (en octets) :
    « ␣de », vu 200 fois, n'est traité qu'une fois, pondéré.
    On ne recompte pas tout après chaque fusion : ``where[p]``
    garde les morceaux qui contiennent la paire ``p`` ; seuls
    ceux-là changent. Égalité : la plus petite paire gagne.
    """
    pieces = [list(chunk) for chunk in chunks]
    freqs = list(chunks.values())
    counts: dict[tuple[int, int], int] = defaultdict(int)
    where: dict[tuple[int, int], set[int]] = defaultdict(set)
    for w, ids in enumerate(pieces):
        for pair in zip(ids, ids[1:]):
            counts[pair] += freqs[w]
            where[pair].add(w)
    n_tokens = sum(len(ids) * f for ids, f in zip(pieces, freqs))
    steps = range(n_merges)
    if progress:
        from llmlab.display import progress_bar

        steps = progress_bar(steps, desc="Fusions BPE", unit="fusions")
    for step in steps:
        if not counts:
            raise NotEnoughTextError(step)
        pair = max(counts, key=lambda p: (counts[p], -p[0], -p[1]))
        count, new_id = counts[pair], first_id + step
        for w in where.pop(pair):
            old, f = pieces[w], freqs[w]
            new = merge(old, pair, new_id)
            if len(new) == len(old):
                continue  # déjà changé par une fusion passée
            for p in zip(old, old[1:]):  # ôter l'ancien…
                counts[p] -= f
                if counts[p] == 0:
                    del counts[p]
            for p in zip(new, new[1:]):  # … mettre le neuf
                counts[p] += f
                where[p].add(w)
            n_tokens -= (len(old) - len(new)) * f
            pieces[w] = new
        yield pair, new_id, count, n_tokens


class TokenizerFileError(ValueError):
    """Un fichier de tokenizer illisible, tronqué ou d'un autre format."""


class DisallowedSpecialTokenError(ValueError):
    """Le texte contient un token spécial que ``encode`` n'a pas le droit de reconnaître."""

    def __init__(self, token: str):
        self.token = token
        super().__init__(
            f"Le texte contient le token spécial « {token} », non autorisé. Pour l'encoder "
            f"comme token spécial : allowed_special={{{token!r}}} (ou 'all') ; pour l'encoder "
            "comme du texte ordinaire : disallowed_special=() (ou allowed_special='none')."
        )


def _first_special(names, text: str, start: int = 0):
    """La première occurrence d'un des tokens spéciaux ``names`` (le plus long d'abord
    à une même position), ou ``None``."""
    if not names:
        return None
    alternatives = sorted(names, key=lambda s: (-len(s), s))
    return re.compile("|".join(map(re.escape, alternatives))).search(text, start)


_FORMAT = "llmlab-bpe 1"
_MERGE_LINE = re.compile(r"(\d+) = (\d+) \+ (\d+)(?:\t(.*))?")


class BPETokenizer:
    """BPE au niveau des octets avec le découpage de GPT-2.

    * ``vocab[id]`` : les octets du token ; ``byte_ids[b]`` : l'id du token de l'octet
      ``b`` (``b`` lui-même pour un BPE entraîné ici ; pas chez GPT-2) ;
    * ``merges[(gauche, droite)] = nouvel_id``, dans l'ordre d'apprentissage : un id plus
      petit a été appris plus tôt, il est donc appliqué d'abord à l'encodage ;
    * ``special_tokens`` : les tokens spéciaux (``<|endoftext|>``), jamais issus d'une
      fusion, reconnus seulement si ``encode`` le permet.
    """

    def __init__(self, pattern: str = GPT2_SPLIT_PATTERN, name: str = "bpe"):
        self.name = name
        self.pattern = pattern
        self._split = regex.compile(pattern)
        self.byte_ids = list(range(256))
        self.vocab: dict[int, bytes] = {i: bytes([i]) for i in range(256)}
        self.merges: dict[tuple[int, int], int] = {}
        self.special_tokens: dict[str, int] = {}
        self._cache: dict[bytes, list[int]] = {}

    def __repr__(self):
        return (
            f"BPETokenizer(name={self.name!r}, vocab_size={self.vocab_size}, "
            f"fusions={len(self.merges)})"
        )

    @property
    def vocab_size(self) -> int:
        """Plus grand id + 1, comme ``n_vocab`` de tiktoken : la taille d'une table
        d'embeddings qui reçoit tous les ids.

        C'est le nombre de tokens quand les ids se suivent (un BPE entraîné ici, GPT-2) ;
        un token spécial à l'id lointain laisse des ids vides (cl100k : 100 277 pour
        100 261 tokens).
        """
        return max([max(self.vocab), *self.special_tokens.values()]) + 1

    # -- apprentissage --

    def _chunks(self, text: str) -> list[bytes]:
        return [c.encode("utf-8") for c in self._split.findall(text)]

    def train(self, text: str, vocab_size: int, *, progress: bool = False) -> BPETokenizer:
        """Apprend ``vocab_size - 256`` fusions sur ``text`` ; renvoie le tokenizer.

        Repart de zéro (les 256 octets) ; les tokens spéciaux s'ajoutent ensuite avec
        :meth:`register_special_tokens`. À chaque étape, la paire de tokens voisins la plus
        fréquente est fusionnée ; à égalité, la plus petite paire d'ids ``(gauche, droite)``
        l'emporte : l'entraînement est déterministe.
        """
        if vocab_size < 256:
            raise ValueError(
                f"vocab_size = {vocab_size} : un BPE au niveau des octets a au moins 256 "
                "tokens (un par octet). Demandez 256 + le nombre de fusions voulu."
            )
        if not text:
            raise ValueError("Texte d'entraînement vide : donnez du texte au tokenizer.")
        _check_text(text)
        self.__init__(self.pattern, self.name)
        chunks = Counter(self._chunks(text))
        try:
            for pair, new_id, _, _ in learn_merges(chunks, vocab_size - 256, progress=progress):
                self.merges[pair] = new_id
                self.vocab[new_id] = self.vocab[pair[0]] + self.vocab[pair[1]]
        except NotEnoughTextError as exc:
            done = exc.args[0]
            raise NotEnoughTextError(
                f"Texte trop court : après {done} fusions, plus aucune paire de tokens "
                f"voisins n'est à fusionner ({vocab_size - 256} demandées). Donnez plus de "
                f"texte, ou demandez vocab_size ≤ {256 + done}."
            ) from None
        return self

    def register_special_tokens(self, tokens: dict[str, int]) -> None:
        """Ajoute des tokens spéciaux, par ex. ``{ENDOFTEXT: 1024}``.

        Chaque id doit être libre (ni octet, ni fusion, ni autre token spécial) ;
        redonner un token déjà là avec son id ne change rien. Tout ou rien : sur une
        erreur, aucun token n'est ajouté.
        """
        new = dict(self.special_tokens)
        for name, i in tokens.items():
            self._check_special_token(name, i, new)
            new[name] = i
        self.special_tokens = new

    def _check_special_token(self, name, i, specials: dict[str, int]) -> None:
        """Refuse un nom vide, un id qui n'est pas un entier ≥ 0 ou un id déjà pris
        (l'erreur propose alors le premier id libre après tous les autres)."""
        if not isinstance(name, str) or not name:
            raise ValueError(
                f"Nom de token spécial invalide : {name!r} (un texte non "
                "vide, par ex. « <|endoftext|> »)."
            )
        if not isinstance(i, int) or isinstance(i, bool) or i < 0:
            raise ValueError(f"L'id de « {name} » doit être un entier ≥ 0 (reçu {i!r}).")
        if specials.get(name, i) != i:
            raise ValueError(f"« {name} » est déjà un token spécial, d'id {specials[name]}.")
        owner = next((s for s, j in specials.items() if j == i and s != name), None)
        if i in self.vocab or owner is not None:
            free = max([max(self.vocab), *specials.values()]) + 1
            taken = (
                f"le token spécial « {owner} »"
                if owner is not None
                else f"le token « {visible(self.vocab[i])} »"
            )
            raise ValueError(
                f"L'id {i} de « {name} » est déjà pris par {taken} : "
                f"choisissez un id libre, par exemple {free}."
            )

    # -- encodage et décodage --

    def _encode_chunk(self, chunk: bytes) -> list[int]:
        """Fusionne un morceau, la plus ancienne fusion d'abord.

        Un morceau déjà vu est pris dans le cache.
        """
        ids = self._cache.get(chunk)
        if ids is None:
            ids = [self.byte_ids[b] for b in chunk]
            while len(ids) >= 2:
                pair = min(zip(ids, ids[1:]), key=lambda p: self.merges.get(p, float("inf")))
                if pair not in self.merges:
                    break  # plus aucune paire connue
                ids = merge(ids, pair, self.merges[pair])
            if len(self._cache) > 100_000:
                self._cache.clear()
            self._cache[chunk] = ids
        return list(ids)

    def encode_ordinary(self, text: str) -> list[int]:
        """Encode ``text`` sans reconnaître de token spécial."""
        _check_text(text)
        ids = []
        for chunk in self._chunks(text):
            ids.extend(self._encode_chunk(chunk))
        return ids

    def encode(
        self, text: str, *, allowed_special=frozenset(), disallowed_special="all"
    ) -> list[int]:
        """Les identifiants des tokens de ``text``, comme ``tiktoken.Encoding.encode``.

        * ``allowed_special`` : les tokens spéciaux reconnus comme tels, un ensemble de
          noms ou ``"all"`` ; ``"none"`` (propre à llmlab) encode tout token spécial
          comme du texte ordinaire, comme ``disallowed_special=()`` ;
        * ``disallowed_special`` : ceux dont la présence lève
          :class:`DisallowedSpecialTokenError` ; ``"all"`` (par défaut) : tous ceux
          qui ne sont pas autorisés ; ``()`` : aucun, ils deviennent du texte ordinaire.

        Par défaut, un token spécial dans le texte est donc une erreur : on n'insère
        jamais par accident une fin de document au milieu d'un texte. Plus strict que
        tiktoken : un nom qui n'est pas un token spécial de ce tokenizer est refusé
        (faute de frappe ?), et un surrogate isolé aussi (tiktoken le change en « � »).
        """
        _check_text(text)
        allowed, disallowed = self._special_sets(allowed_special, disallowed_special)
        found = _first_special(disallowed, text)
        if found:
            raise DisallowedSpecialTokenError(found.group())
        if not allowed:
            return self.encode_ordinary(text)
        return self._encode_with_special(text, allowed)

    def _special_sets(self, allowed_special, disallowed_special) -> tuple[set, set]:
        """``(autorisés, interdits)``, selon les règles de tiktoken."""
        if isinstance(allowed_special, str) and allowed_special == "none":
            allowed_special = ()
            if isinstance(disallowed_special, str) and disallowed_special == "all":
                disallowed_special = ()
        allowed = self._special_names(allowed_special, "allowed_special")
        if isinstance(disallowed_special, str) and disallowed_special == "all":
            return allowed, set(self.special_tokens) - allowed
        return allowed, self._special_names(disallowed_special, "disallowed_special")

    def _special_names(self, names, argument: str) -> set[str]:
        """``names`` (``"all"`` ou des noms) en ensemble ; refuse un nom inconnu."""
        if isinstance(names, str) and names == "all":
            return set(self.special_tokens)
        if isinstance(names, (str, bytes)) or not hasattr(names, "__iter__"):
            choices = "'all', 'none'" if argument == "allowed_special" else "'all', ()"
            raise ValueError(
                f"{argument} = {names!r} : choisissez {choices} ou un ensemble "
                "de tokens spéciaux, par ex. {'<|endoftext|>'}."
            )
        unknown = set(names) - set(self.special_tokens)
        if unknown:
            raise ValueError(
                f"{argument} : token(s) spécial(aux) inconnu(s) "
                f"{sorted(unknown)} ; ce tokenizer connaît "
                f"{sorted(self.special_tokens)}."
            )
        return set(names)

    def _encode_with_special(self, text: str, allowed: set[str]) -> list[int]:
        """Comme le cœur de tiktoken : on cherche le prochain token spécial, on saute
        ceux qui ne sont pas autorisés, et le texte d'entre deux est encodé ordinaire."""
        ids, start, find = [], 0, 0
        while True:
            match = _first_special(self.special_tokens, text, find)
            while match and match.group() not in allowed:
                match = _first_special(self.special_tokens, text, match.start() + 1)
            end = match.start() if match else len(text)
            ids.extend(self.encode_ordinary(text[start:end]))
            if match is None:
                return ids
            ids.append(self.special_tokens[match.group()])
            start = find = match.end()

    def decode_bytes(self, ids: list[int]) -> bytes:
        """Les octets des tokens, mis bout à bout."""
        inverse = {i: s.encode("utf-8") for s, i in self.special_tokens.items()}
        out = []
        for i in ids:
            if i in self.vocab:
                out.append(self.vocab[i])
            elif i in inverse:
                out.append(inverse[i])
            else:
                raise ValueError(
                    f"Identifiant de token inconnu : {i!r}. Ce tokenizer "
                    f"connaît {self._known_ids()} : ces ids viennent-ils "
                    "d'un autre tokenizer ?"
                )
        return b"".join(out)

    def _known_ids(self) -> str:
        """« les ids 0 à 512 », ou, s'il y a des trous, combien d'ids et entre quoi."""
        n, top = len(self.vocab) + len(self.special_tokens), self.vocab_size - 1
        return f"les ids 0 à {top}" if n == top + 1 else f"{n} ids, entre 0 et {top}"

    def decode(self, ids: list[int]) -> str:
        """Le texte des tokens.

        Une suite d'octets UTF-8 incomplète devient « � ».
        """
        data = self.decode_bytes(ids)
        return data.decode("utf-8", errors="replace")

    def tokens(self, text: str) -> list[str]:
        """Les morceaux de ``text``, un par token (« � » pour un morceau de caractère)."""
        return [self.decode([i]) for i in self.encode(text, allowed_special="all")]

    # -- fichier lisible --

    def to_text(self) -> str:
        """Le contenu du fichier de :meth:`save` (format ``llmlab-bpe 1``)."""
        identity = self.byte_ids == list(range(256))
        lines = [
            _FORMAT,
            "# Tokenizer BPE au niveau des octets (llmlab.tokenizers.BPETokenizer).",
            "# Les ids 0 à 255 sont les octets ; puis une fusion par ligne, dans l'ordre",
            "# d'apprentissage : « nouvel id = id gauche + id droit », puis les tokens lisibles",
            "# (« ␣ » : espace, « ↵ » : saut de ligne, \\xNN : morceau de caractère).",
            f"nom {self.name}",
            f"motif {self.pattern}",
            "octets identité" if identity else "octets " + " ".join(map(str, self.byte_ids)),
            *(f"spécial {i} {s}" for s, i in self.special_tokens.items()),
            f"fusions {len(self.merges)}",
        ]
        for (a, b), new in self.merges.items():
            shown = (
                f"{visible(self.vocab[a])} + {visible(self.vocab[b])} → {visible(self.vocab[new])}"
            )
            lines.append(f"{new} = {a} + {b}\t{shown}")
        lines.append("fin")
        return "\n".join(lines) + "\n"

    def save(self, path) -> None:
        """Écrit le tokenizer en texte UTF-8 : une fusion par ligne, dans l'ordre."""
        Path(path).write_text(self.to_text(), encoding="utf-8", newline="\n")

    @classmethod
    def from_text(cls, text: str, source: str = "le fichier") -> BPETokenizer:
        """Relit le format de :meth:`to_text` ; toute incohérence est une erreur."""

        def fail(why: str):
            raise TokenizerFileError(f"{source} : {why}")

        lines = text.split("\n")
        if lines[0].strip() != _FORMAT:
            if re.fullmatch(r"[A-Za-z0-9+/=]+ \d+", lines[0].strip()):
                fail(
                    "c'est un vocabulaire .tiktoken (rangs), pas un fichier llmlab-bpe : "
                    "pour GPT-2, utilisez load_gpt2()."
                )
            fail(
                f"ce n'est pas un tokenizer llmlab (la première ligne doit être « {_FORMAT} »,"
                f" elle vaut « {lines[0][:40]} »)."
            )
        header, n_merges, body = {}, None, []
        rest = iter(enumerate(lines[1:], start=2))
        for number, line in rest:
            if line.startswith("#") or not line:
                continue
            key, _, value = line.partition(" ")
            if key == "fusions":
                if not value.isdigit():
                    fail(f"ligne {number} : « fusions » doit être suivi d'un nombre.")
                n_merges = int(value)
                body = [(n, line) for n, line in rest]
                break
            if key == "spécial":
                i, _, name = value.partition(" ")
                if not i.isdigit() or not name:
                    fail(f"ligne {number} : attendu « spécial <id> <nom> ».")
                header.setdefault("spécial", {})[name] = int(i)
            elif key in ("nom", "motif", "octets"):
                header[key] = value
            else:
                fail(f"ligne {number} : mot-clé inconnu « {key} ».")
        for key in ("motif", "octets"):
            if key not in header:
                fail(f"la ligne « {key} … » manque.")
        if n_merges is None:
            fail("la ligne « fusions N » manque : le fichier est tronqué.")
        body = [(n, line) for n, line in body if line]
        if not body or body[-1][1] != "fin" or len(body) - 1 != n_merges:
            found = sum(1 for _, line in body if _MERGE_LINE.fullmatch(line))
            fail(
                f"fichier tronqué ou modifié : {n_merges} fusions annoncées, {found} lues"
                f"{'' if body and body[-1][1] == 'fin' else ', et pas de ligne « fin »'}. "
                "Régénérez-le (uv run python scripts/train_bpe.py pour celui du cours)."
            )
        try:
            tok = cls(header["motif"], header.get("nom", "bpe"))
        except regex.error as exc:
            fail(f"le motif de découpage n'est pas une expression régulière valide ({exc}).")
        if header["octets"] != "identité":
            byte_ids = header["octets"].split()
            if len(byte_ids) != 256 or not all(b.isdigit() for b in byte_ids):
                fail("la ligne « octets » doit donner 256 ids.")
            tok.byte_ids = [int(b) for b in byte_ids]
            tok.vocab = {i: bytes([b]) for b, i in enumerate(tok.byte_ids)}
            if len(tok.vocab) != 256:
                fail("la ligne « octets » donne deux fois le même id.")
        for number, line in body[:-1]:
            m = _MERGE_LINE.fullmatch(line)
            if not m:
                fail(f"ligne {number} illisible : « {line[:60]} » (attendu « 300 = 101 + 32 »).")
            new, a, b = (int(g) for g in m.group(1, 2, 3))
            if a not in tok.vocab or b not in tok.vocab or new in tok.vocab:
                fail(
                    f"ligne {number} : fusion {new} = {a} + {b} impossible (un id gauche ou "
                    "droit pas encore défini, ou un nouvel id déjà pris)."
                )
            if tok.merges and new < max(tok.merges.values()):
                fail(
                    f"ligne {number} : les ids des fusions doivent croître (ordre d'apprentissage)."
                )
            tok.merges[(a, b)] = new
            tok.vocab[new] = tok.vocab[a] + tok.vocab[b]
            shown = f"{visible(tok.vocab[a])} + {visible(tok.vocab[b])} → {visible(tok.vocab[new])}"
            if m.group(4) is not None and m.group(4) != shown:
                fail(
                    f"ligne {number} : le texte lisible « {m.group(4)} » ne correspond pas aux "
                    f"ids (attendu « {shown} »)."
                )
        try:
            tok.register_special_tokens(header.get("spécial", {}))
        except ValueError as exc:
            fail(str(exc))
        return tok

    @classmethod
    def load(cls, path) -> BPETokenizer:
        """Relit un fichier écrit par :meth:`save`."""
        from llmlab.data import load_tokenizer_text

        return cls.from_text(load_tokenizer_text(path), source=str(path))

    @classmethod
    def from_ranks(
        cls,
        ranks: dict[bytes, int],
        special_tokens: dict[str, int] | None = None,
        pattern: str = GPT2_SPLIT_PATTERN,
        name: str = "bpe",
    ) -> BPETokenizer:
        """Un tokenizer depuis des rangs tiktoken (token en octets -> id).

        Chaque token de plus d'un octet est né d'une fusion de deux tokens plus anciens :
        :func:`llmlab.vocab.recover_merges` les retrouve.
        """
        from llmlab.vocab import recover_merges

        tok = cls(pattern, name)
        tok.byte_ids = [ranks[bytes([b])] for b in range(256)]
        tok.vocab = {i: token for token, i in ranks.items()}
        tok.merges = {(ranks[a], ranks[b]): ranks[a + b] for a, b in recover_merges(ranks)}
        tok.register_special_tokens(special_tokens or {})
        return tok
