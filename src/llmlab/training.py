"""Une seule boucle d'entraînement pour tous les modèles torch du cours.

Le GRU, le mini-GPT et les modèles des cours suivants s'entraînent ici :
un modèle n'a qu'à prendre des identifiants de tokens ``(B, T)`` et
rendre des logits ``(B, T, V)`` ; la perte (entropie croisée) est
calculée par `train`.

Ce que le module garantit, parce que c'est ce qui casse en classe :

- un run sur le processeur est répétable (`seed_everything`) ;
- un run interrompu (Ctrl-C) puis repris finit avec exactement les
  mêmes poids qu'un run d'un trait : le checkpoint garde l'étape,
  l'optimiseur et l'état de tous les générateurs aléatoires ;
- un checkpoint s'écrit atomiquement (dossier temporaire puis
  renommage) et se relit sans exécuter de code : un state dict relu par
  ``torch.load(weights_only=True)`` et un JSON ;
- une entrée invalide donne une erreur en français qui dit quoi faire.
"""
from __future__ import annotations

import base64
import json
import os
import random
import shutil
import signal
import threading
import time
import uuid
import warnings
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from llmlab.data import sha256_file

#: Marque écrite dans ``state.json`` : ce dossier est un checkpoint llmlab.
CHECKPOINT_FORMAT = "llmlab-checkpoint"
CHECKPOINT_VERSION = 1
#: Colonnes de l'historique : le pas, les pertes moyennes sur
#: ``eval_batches`` lots de chaque partie, la vitesse depuis la mesure
#: précédente et le temps d'entraînement cumulé (évaluations exclues,
#: reprises comprises). Au pas 0, la vitesse n'existe pas encore (NaN).
HISTORY_COLUMNS = ["step", "train_loss", "val_loss", "tokens_per_s",
                   "elapsed_s"]
_FILES = ("weights.pt", "optimizer.pt", "history.csv")
#: Paramètres qui changent les poids : une reprise doit les garder.
_RESUME_KEYS = ("batch_size", "block_size", "learning_rate",
                "weight_decay", "grad_clip", "seed")


class CheckpointError(ValueError):
    """Checkpoint absent, tronqué, corrompu ou d'un autre modèle."""


# --------------------------------------------------------------------------
# Appareil et graines
# --------------------------------------------------------------------------

def pick_device(allow_mps: bool = False) -> torch.device:
    """CUDA s'il est là, sinon le processeur.

    MPS (GPU Apple) seulement si ``allow_mps=True`` : sur certaines
    versions de torch, il a donné des pertes fausses dans des cours
    comparables ; on prévient donc quand on le choisit. La
    variable d'environnement ``LLMLAB_DEVICE`` (« cpu »…) force
    un choix, comme pour `llmlab.environment.pick_device`.
    """
    forced = os.environ.get("LLMLAB_DEVICE")
    if forced:
        try:
            return torch.device(forced)
        except RuntimeError:
            raise ValueError(
                f"LLMLAB_DEVICE vaut « {forced} », qui n'est pas un "
                "appareil torch : mettez « cpu », « cuda » ou « mps », "
                "ou supprimez cette variable.") from None
    if torch.cuda.is_available():
        return torch.device("cuda")
    mps = getattr(torch.backends, "mps", None)
    if allow_mps and mps is not None and mps.is_available():
        warnings.warn(
            "Entraînement sur MPS (GPU Apple) : sur certaines versions de "
            "torch, MPS a donné des pertes fausses. Si les courbes vous "
            "semblent étranges, relancez sur le processeur "
            "(pick_device() sans allow_mps).", stacklevel=2)
        return torch.device("mps")
    return torch.device("cpu")


def seed_everything(seed: int) -> None:
    """Fixe les graines de random, NumPy et torch (CPU et CUDA).

    Sur le processeur, deux runs avec la même graine donnent les mêmes
    pertes. Sur GPU, certains noyaux restent non déterministes.
    """
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)


# --------------------------------------------------------------------------
# Données de modèle de langage
# --------------------------------------------------------------------------

class TokenData:
    """Un texte tokenisé, découpé en deux parties contiguës.

    Les premiers tokens servent à l'entraînement, les derniers
    (``val_fraction``) à la validation : une découpe contiguë évite que
    des fenêtres presque identiques se retrouvent des deux côtés.
    ``n_val`` donne à la place le nombre exact de tokens de validation
    (voir `from_split_text`).
    """

    def __init__(self, ids, block_size: int, val_fraction: float = 0.1,
                 *, n_val: int | None = None):
        if isinstance(block_size, bool) or not isinstance(block_size, int) \
                or block_size < 1:
            raise ValueError(
                f"block_size doit être un entier ≥ 1 (reçu : {block_size!r}).")
        _check_val_fraction(val_fraction)
        try:
            ids = torch.as_tensor(ids, dtype=torch.long)
        except (TypeError, ValueError, RuntimeError) as exc:
            raise ValueError(
                "ids doit être une suite d'entiers (liste ou tenseur) : "
                f"{exc}") from None
        if ids.ndim != 1:
            raise ValueError(
                "ids doit être une suite à une dimension (reçu un tenseur "
                f"de forme {tuple(ids.shape)}).")
        if len(ids) and int(ids.min()) < 0:
            raise ValueError("ids contient un identifiant négatif.")
        if n_val is None:   # sinon : les n_val derniers tokens
            n_val = int(round(len(ids) * val_fraction))
        elif not 0 <= n_val <= len(ids):
            raise ValueError(f"n_val doit être entre 0 et {len(ids)} "
                             f"(reçu : {n_val!r}).")
        self.block_size = block_size
        self.train = ids[: len(ids) - n_val]
        self.val = ids[len(ids) - n_val:]
        #: Plus grand identifiant + 1 : le modèle doit en prévoir autant.
        self.min_vocab_size = int(ids.max()) + 1 if len(ids) else 0
        need = block_size + 1
        for name, part in (("d'entraînement", self.train),
                           ("de validation", self.val)):
            if len(part) < need:
                raise ValueError(
                    f"Corpus trop court : la partie {name} a {len(part)} "
                    f"tokens, il en faut au moins {need} (une fenêtre de "
                    f"block_size = {block_size}, plus le token à prédire). "
                    f"Le texte entier a {len(ids)} tokens : donnez un texte "
                    "plus long, réduisez block_size ou changez "
                    "val_fraction.")

    def __repr__(self):
        return (f"TokenData({len(self.train)} tokens d'entraînement, "
                f"{len(self.val)} de validation, "
                f"block_size={self.block_size})")

    def get_batch(self, split: str, batch_size: int,
                  generator: torch.Generator | None = None,
                  device=None):
        """Un lot de fenêtres tirées au hasard dans ``split``.

        ``y`` est ``x`` décalé d'un token : à chaque position,
        le modèle apprend à prédire le token suivant.
        """
        if split not in ("train", "val"):
            raise ValueError("split vaut « train » ou « val » "
                             f"(reçu : {split!r}).")
        data = self.train if split == "train" else self.val
        T = self.block_size
        starts = torch.randint(len(data) - T, (batch_size,),
                               generator=generator)
        x = torch.stack([data[i:i + T] for i in starts])
        y = torch.stack([data[i + 1:i + T + 1] for i in starts])
        if device is not None:
            x, y = x.to(device), y.to(device)
        return x, y

    @classmethod
    def from_text(cls, text, tokenizer, block_size,
                  val_fraction=0.1) -> "TokenData":
        """Tokenise ``text`` avec tout objet qui a ``encode(text)``
        (`CharTokenizer`, `BPETokenizer`…)."""
        return cls(tokenizer.encode(text), block_size, val_fraction)

    @classmethod
    def from_split_text(cls, text, tokenizer, block_size,
                        val_fraction=0.1) -> "TokenData":
        """Comme `from_text`, mais la découpe se fait sur le *texte* :
        la validation est faite des derniers ``val_fraction`` des
        caractères (`split_text`), quel que soit le tokenizer.

        Pour un tokenizer de caractères, c'est exactement
        `from_text`. Pour un BPE, deux modèles aux tokenizers
        différents sont ainsi validés sur le même texte.
        """
        train_text, val_text = split_text(text, val_fraction)
        train_ids = tokenizer.encode(train_text)
        val_ids = tokenizer.encode(val_text)
        return cls(list(train_ids) + list(val_ids), block_size,
                   n_val=len(val_ids))


def _check_val_fraction(val_fraction) -> None:
    if not 0 < val_fraction < 1:
        raise ValueError(
            "val_fraction doit être strictement entre 0 et 1 "
            f"(reçu : {val_fraction!r}) ; 0,1 garde 10 % du texte "
            "pour la validation.")


def split_text(text: str, val_fraction: float = 0.1) -> tuple[str, str]:
    """``(entraînement, validation)`` : les derniers ``val_fraction``
    des caractères de ``text`` sont la validation.

    Même arrondi que `TokenData` : pour un tokenizer de caractères, les
    deux découpes coïncident. Un tokenizer appris (BPE) ne doit voir que
    la première partie, sinon la validation a fuité dans le vocabulaire.
    """
    _check_val_fraction(val_fraction)
    cut = len(text) - int(round(len(text) * val_fraction))
    return text[:cut], text[cut:]


# --------------------------------------------------------------------------
# Réglages et résultat
# --------------------------------------------------------------------------

def config_from_dict(cls, d: dict, what: str = ""):
    """``cls(**d)`` pour une dataclass de réglages, mais un réglage inconnu
    donne une erreur française qui liste les réglages possibles.
    ``what`` précise le message (« pour un GPT »)."""
    known = {f.name for f in fields(cls)}
    unknown = sorted(set(d) - known)
    if unknown:
        raise ValueError(
            f"Réglage(s) inconnu(s){' ' + what if what else ''} : "
            f"{', '.join(unknown)} ; réglages possibles : "
            f"{', '.join(sorted(known))}.")
    return cls(**d)


@dataclass
class TrainConfig:
    """Les réglages d'un entraînement (enregistrés dans le checkpoint)."""

    max_steps: int = 1000
    batch_size: int = 32
    block_size: int = 64
    learning_rate: float = 3e-3
    weight_decay: float = 0.0
    grad_clip: float | None = 1.0
    eval_every: int = 100
    eval_batches: int = 20
    seed: int = 1337
    checkpoint_every: int | None = None

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d) -> "TrainConfig":
        return config_from_dict(cls, d)


@dataclass
class TrainResult:
    """Ce que rend `train` : l'historique et de quoi reprendre."""

    history: "pandas.DataFrame"  # noqa: F821
    interrupted: bool
    checkpoint: Path | None
    samples: dict[int, str] = field(default_factory=dict)
    #: Nombre de pas d'optimisation faits (reprises comprises).
    step: int = 0


# --------------------------------------------------------------------------
# Évaluation
# --------------------------------------------------------------------------

def _loss(model, x, y) -> torch.Tensor:
    """Entropie croisée entre les logits ``(B, T, V)`` et les cibles."""
    try:
        logits = model(x)
    except IndexError as exc:
        raise ValueError(
            "Un identifiant de token dépasse le vocabulaire du modèle "
            f"({exc}) : construisez le modèle avec vocab_size ≥ "
            "data.min_vocab_size, et le même tokenizer que les "
            "données.") from None
    if not isinstance(logits, torch.Tensor) or logits.ndim != 3 \
            or logits.shape[:2] != x.shape:
        shape = getattr(logits, "shape", type(logits).__name__)
        raise ValueError(
            f"model(x) doit rendre des logits de forme (B, T, V) = "
            f"({x.shape[0]}, {x.shape[1]}, V) ; reçu : {tuple(shape)}.")
    return F.cross_entropy(logits.flatten(0, 1), y.flatten())


@torch.no_grad()
def estimate_loss(model, data, batches, batch_size, device=None,
                  generator=None) -> dict[str, float]:
    """Perte moyenne sur ``batches`` lots de chaque partie.

    Sans ``generator``, les lots sont tirés avec une graine fixe : mêmes
    lots à chaque appel, et l'état aléatoire de l'entraînement n'est pas
    touché. Le modèle est mis en mode évaluation (pas de dropout), puis
    remis dans son mode d'avant.
    """
    if generator is None:
        generator = torch.Generator().manual_seed(0)
    if device is None:
        device = next(model.parameters()).device
    was_training = model.training
    model.eval()
    try:
        out = {}
        for split in ("train", "val"):
            total = 0.0
            for _ in range(batches):
                x, y = data.get_batch(split, batch_size, generator, device)
                total += _loss(model, x, y).item()
            out[split] = total / batches
    finally:
        model.train(was_training)
    return out


# --------------------------------------------------------------------------
# États aléatoires <-> JSON
# --------------------------------------------------------------------------

def _b64(t: torch.Tensor) -> str:
    return base64.b64encode(t.cpu().numpy().tobytes()).decode("ascii")


def _unb64(s: str) -> torch.Tensor:
    raw = np.frombuffer(base64.b64decode(s), dtype=np.uint8).copy()
    return torch.from_numpy(raw)


def _capture_rng(generator: torch.Generator) -> dict:
    """L'état de tous les générateurs (objets Python, pas encore JSON)."""
    state = {
        "batches": generator.get_state(),
        "torch": torch.get_rng_state(),
        "python": random.getstate(),
        "numpy": np.random.get_state(legacy=True),
    }
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def _u32_b64(values) -> str:
    """Des entiers < 2**32 en base64 : un state.json qui reste lisible."""
    return base64.b64encode(
        np.asarray(values, dtype="<u4").tobytes()).decode("ascii")


def _u32_unb64(s: str) -> np.ndarray:
    return np.frombuffer(base64.b64decode(s), dtype="<u4").astype(np.uint32)


def _rng_to_json(state: dict) -> dict:
    version, internal, gauss = state["python"]
    name, keys, pos, has_gauss, cached = state["numpy"]
    out = {
        "batches": _b64(state["batches"]),
        "torch": _b64(state["torch"]),
        "python": [version, _u32_b64(internal), gauss],
        "numpy": [name, _u32_b64(keys), int(pos), int(has_gauss),
                  float(cached)],
    }
    if "cuda" in state:
        out["cuda"] = [_b64(s) for s in state["cuda"]]
    return out


def _restore_rng(state: dict, generator: torch.Generator) -> None:
    generator.set_state(_unb64(state["batches"]))
    torch.set_rng_state(_unb64(state["torch"]))
    version, internal, gauss = state["python"]
    internal = tuple(int(v) for v in _u32_unb64(internal))
    random.setstate((version, internal, gauss))
    name, keys, pos, has_gauss, cached = state["numpy"]
    np.random.set_state((name, _u32_unb64(keys), pos, has_gauss,
                         cached))
    cuda = state.get("cuda")
    if cuda and torch.cuda.is_available() \
            and len(cuda) == torch.cuda.device_count():
        torch.cuda.set_rng_state_all([_unb64(s) for s in cuda])


# --------------------------------------------------------------------------
# Checkpoints
# --------------------------------------------------------------------------

def _is_checkpoint_dir(path: Path) -> bool:
    try:
        state = json.loads((path / "state.json").read_text("utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(state, dict) and state.get("format") == CHECKPOINT_FORMAT


def save_checkpoint(path, model, *, optimizer=None, step=0,
                    train_config=None, model_config=None, history=None,
                    rng_state=None, extra=None,
                    elapsed_s: float = 0.0) -> Path:
    """Écrit un checkpoint dans le dossier ``path`` et le renvoie.

    Tout est d'abord écrit dans un dossier temporaire voisin (nom
    commençant par un point), ``state.json`` en dernier, puis renommé :
    un enregistrement interrompu ne laisse jamais un checkpoint à moitié
    écrit sous le nom ``path``. Un dossier existant qui n'est pas un
    checkpoint llmlab n'est jamais écrasé.
    """
    import pandas as pd

    path = Path(path)
    if path.exists() and not (path.is_dir() and (
            _is_checkpoint_dir(path) or not any(path.iterdir()))):
        raise CheckpointError(
            f"« {path} » existe et n'est pas un checkpoint llmlab : il n'est "
            "pas écrasé. Choisissez un autre checkpoint_path (un dossier "
            "nouveau, par exemple « checkpoints/gru »).")
    if isinstance(train_config, TrainConfig):
        train_config = train_config.to_dict()
    state = {
        "format": CHECKPOINT_FORMAT,
        "version": CHECKPOINT_VERSION,
        "step": int(step),
        "train_config": train_config,
        "model_config": model_config,
        "rng": rng_state,
        "extra": extra,
        "elapsed_s": float(elapsed_s),
        "torch_version": torch.__version__,
        "saved_at": time.strftime("%Y-%m-%dT%H:%M:%S"),
    }
    try:
        state_text = json.dumps(state, ensure_ascii=False, indent=1)
    except (TypeError, ValueError) as exc:
        raise TypeError(
            "model_config, extra et train_config doivent être "
            f"sérialisables en JSON (nombres, textes, listes, dicts) : {exc}"
        ) from None

    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.parent / f".{path.name}.tmp-{uuid.uuid4().hex[:8]}"
    tmp.mkdir()
    try:
        weights = {k: v.detach().cpu()
                   for k, v in model.state_dict().items()}
        torch.save(weights, tmp / "weights.pt")
        torch.save(optimizer.state_dict() if optimizer else {},
                   tmp / "optimizer.pt")
        if history is None:
            history = pd.DataFrame(columns=HISTORY_COLUMNS)
        pd.DataFrame(history).to_csv(tmp / "history.csv", index=False)
        state["sha256"] = {name: sha256_file(tmp / name) for name in _FILES}
        state_text = json.dumps(state, ensure_ascii=False, indent=1)
        (tmp / "state.json").write_text(state_text, encoding="utf-8")
        # Un dossier plein ne se remplace pas d'un seul rename :
        # l'ancien est mis de côté, le nouveau prend sa place.
        old = None
        if path.exists():
            old = path.parent / f".{path.name}.old-{uuid.uuid4().hex[:8]}"
            os.replace(path, old)
        os.replace(tmp, path)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return path


def load_checkpoint(path, map_location="cpu") -> dict:
    """Relit un checkpoint : ``{"weights", "optimizer", "state",
    "history"}``.

    Rien n'y est exécuté (``torch.load(weights_only=True)``) ; les
    empreintes sha256 enregistrées détectent un fichier tronqué ou
    abîmé.
    """
    import pandas as pd

    path = Path(path)
    if not path.exists():
        hint = ""
        backups = sorted(path.parent.glob(f".{path.name}.old-*"))
        if backups:
            hint = (f" Un enregistrement a été interrompu : l'ancien "
                    f"checkpoint est dans « {backups[-1]} » ; renommez-le "
                    f"en « {path} ».")
        raise CheckpointError(
            f"Aucun checkpoint dans « {path} » : vérifiez le chemin, ou "
            "entraînez d'abord avec train(..., checkpoint_path=...)."
            + hint)
    if not path.is_dir():
        raise CheckpointError(
            f"« {path} » n'est pas un checkpoint llmlab : un checkpoint "
            "est un dossier (weights.pt, optimizer.pt, state.json, "
            "history.csv) écrit par train() ou save_checkpoint().")
    state_file = path / "state.json"
    if not state_file.exists():
        what = ("incomplet (state.json manque)"
                if (path / "weights.pt").exists()
                else "pas un checkpoint llmlab (pas de state.json)")
        raise CheckpointError(
            f"« {path} » est {what}. Relancez l'entraînement pour en "
            "écrire un nouveau.")
    try:
        state = json.loads(state_file.read_text("utf-8"))
    except (ValueError, UnicodeDecodeError):
        raise CheckpointError(
            f"« {state_file} » est tronqué ou corrompu (JSON illisible). "
            "Relancez l'entraînement pour écrire un nouveau "
            "checkpoint.") from None
    if not isinstance(state, dict) or state.get("format") != CHECKPOINT_FORMAT:
        raise CheckpointError(
            f"« {path} » n'est pas un checkpoint llmlab (state.json sans "
            f"la marque « {CHECKPOINT_FORMAT} »).")
    for name, digest in state.get("sha256", {}).items():
        file = path / name
        if not file.exists():
            raise CheckpointError(
                f"Checkpoint incomplet : « {file} » manque. Relancez "
                "l'entraînement pour en écrire un nouveau.")
        if sha256_file(file) != digest:
            raise CheckpointError(
                f"« {file} » est tronqué ou corrompu (son empreinte "
                "sha256 ne correspond plus à celle enregistrée). Relancez "
                "l'entraînement pour écrire un nouveau checkpoint.")
    out = {"state": state}
    for key in ("weights", "optimizer"):
        try:
            out[key] = torch.load(path / f"{key}.pt",
                                  map_location=map_location,
                                  weights_only=True)
        except Exception as exc:  # noqa: BLE001 - toute erreur de torch
            raise CheckpointError(
                f"« {path / (key + '.pt')} » est illisible (tronqué, "
                f"corrompu, ou pas un state dict) : {type(exc).__name__}. "
                "Relancez l'entraînement pour écrire un nouveau "
                "checkpoint.") from None
    try:
        out["history"] = pd.read_csv(path / "history.csv")
    except (OSError, ValueError):
        out["history"] = pd.DataFrame(columns=HISTORY_COLUMNS)
    return out


#: Les tokenizers qu'un checkpoint sait transporter : ``extra["tokenizer"]``.
#: Absent : « car » (les checkpoints de caractères écrits avant le BPE).
CHECKPOINT_TOKENIZERS = ("car", "bpe")


def tokenizer_extra(tokenizer) -> dict:
    """Ce que ``extra`` d'un checkpoint garde du tokenizer.

    Caractères : la liste ``vocab`` (comme avant, donc les anciens
    checkpoints restent lisibles) ; BPE : ``tokenizer = "bpe"`` et le
    fichier lisible de `BPETokenizer.to_text` dans ``bpe``.
    """
    from llmlab.tokenizers import BPETokenizer, CharTokenizer

    if isinstance(tokenizer, CharTokenizer):
        return {"vocab": tokenizer.chars}
    if isinstance(tokenizer, BPETokenizer):
        return {"tokenizer": "bpe", "bpe": tokenizer.to_text()}
    raise ValueError(
        "Un checkpoint sait garder un CharTokenizer ou un BPETokenizer, "
        f"pas un {type(tokenizer).__name__}.")


def _tokenizer_from_extra(extra: dict, vocab_size: int, kind: str):
    from llmlab.tokenizers import BPETokenizer, CharTokenizer

    name = extra.get("tokenizer", "car")
    if name not in CHECKPOINT_TOKENIZERS:
        raise ValueError(
            f"Ce checkpoint de {kind.upper()} annonce un tokenizer inconnu "
            f"(« {name} ») ; llmlab lit « car » et « bpe ». Réentraînez avec "
            f"`llmlab entrainer {kind}`.")
    if name == "bpe":
        text = extra.get("bpe")
        if not isinstance(text, str):
            raise ValueError(
                f"Ce checkpoint de {kind.upper()} n'a pas de tokenizer BPE "
                f"(extra['bpe']) : réentraînez avec `llmlab entrainer {kind} "
                "--tokenizer bpe`.")
        tokenizer = BPETokenizer.from_text(
            text, source=f"le tokenizer BPE du checkpoint de {kind.upper()}")
        if tokenizer.vocab_size != vocab_size:
            raise ValueError(
                f"Le tokenizer BPE de ce checkpoint a {tokenizer.vocab_size} "
                f"tokens, le modèle en attend {vocab_size} : checkpoint "
                "abîmé ou assemblé à la main.")
        return tokenizer
    chars = extra.get("vocab")
    if not isinstance(chars, list) or len(chars) != vocab_size:
        raise ValueError(
            f"Ce checkpoint de {kind.upper()} n'a pas de vocabulaire de caractères "
            f"utilisable (extra['vocab']) : réentraînez avec `llmlab entrainer {kind}`.")
    return CharTokenizer(chars)


def model_from_checkpoint(ckpt: dict, model_cls, kind: str):
    """``(modèle, tokenizer, historique, infos)`` d'un modèle de langage
    (GRU, GPT) depuis un checkpoint déjà lu par `load_checkpoint`.

    ``model_cls.from_config`` refuse la configuration d'un autre modèle.
    Le tokenizer voyage dans ``extra`` (voir `tokenizer_extra`) : un
    `CharTokenizer` (``extra["vocab"]``) ou un `BPETokenizer`
    (``extra["bpe"]``). Les échantillons de l'entraînement sont dans
    ``extra["samples"]``.
    """
    state = ckpt["state"]
    model = model_cls.from_config(state.get("model_config"))
    extra = state.get("extra") or {}
    tokenizer = _tokenizer_from_extra(extra, model.config["vocab_size"], kind)
    try:
        model.load_state_dict(ckpt["weights"])
    except RuntimeError:
        raise ValueError(
            "Les poids de ce checkpoint ne correspondent pas à sa configuration "
            f"{model.config} : checkpoint abîmé ou d'un autre modèle.") from None
    model.eval()
    samples = {int(k): v for k, v in (extra.get("samples") or {}).items()}
    infos = {"samples": samples, "train_config": state.get("train_config"),
             "corpus": extra.get("corpus"), "step": state.get("step"),
             "tokenizer": extra.get("tokenizer", "car")}
    if "bpe_train_chars" in extra:   # caractères sur lesquels le BPE a appris
        infos["bpe_train_chars"] = extra["bpe_train_chars"]
    return model, tokenizer, ckpt["history"], infos


# --------------------------------------------------------------------------
# Perte par caractère : comparer des tokenizers différents
# --------------------------------------------------------------------------

@torch.no_grad()
def nll_per_char(model, tokenizer, text: str, block_size: int,
                 batch_size: int = 32) -> float:
    """Log-vraisemblance négative moyenne **par caractère** de ``text``
    (en nats ; divisez par ln 2 pour des bits).

    Une perte par token ne se compare pas d'un tokenizer à l'autre : un
    token BPE couvre plusieurs caractères, il est donc plus dur à
    prédire. Ici, on additionne les pertes de tous les tokens prédits,
    puis on divise par le nombre de caractères qu'ils couvrent : deux
    modèles de tokenizers différents sont jugés sur le même texte.

    Le texte est lu par fenêtres disjointes de ``block_size`` tokens
    (chacune ne voit que son début), sans gradient. Le premier token
    n'est pas prédit : ses caractères ne comptent pas.
    """
    if isinstance(block_size, bool) or not isinstance(block_size, int) \
            or block_size < 1:
        raise ValueError(
            f"block_size doit être un entier ≥ 1 (reçu : {block_size!r}).")
    if batch_size < 1:
        raise ValueError(f"batch_size doit être ≥ 1 (reçu : {batch_size!r}).")
    ids = torch.as_tensor(tokenizer.encode(text), dtype=torch.long)
    if len(ids) < 2:
        raise ValueError(
            "Texte trop court : il faut au moins deux tokens (un lu, un "
            "prédit) pour mesurer une perte.")
    first = tokenizer.decode(ids[:1].tolist())
    # un premier token qui n'est qu'un morceau de caractère (octets) :
    # ce caractère est fini par les tokens prédits, il compte
    n_chars = len(text) - (len(first) if text.startswith(first) else 0)
    param = next(model.parameters(), None)
    device = param.device if param is not None else torch.device("cpu")
    n_pred = len(ids) - 1
    full = n_pred // block_size * block_size
    windows = []     # (entrées, cibles) de forme (n, T)
    if full:
        windows += [(ids[:full].view(-1, block_size)[i:i + batch_size],
                     ids[1:full + 1].view(-1, block_size)[i:i + batch_size])
                    for i in range(0, full // block_size, batch_size)]
    if full < n_pred:   # la dernière fenêtre, plus courte
        windows.append((ids[full:-1][None], ids[full + 1:][None]))
    was_training = model.training
    model.eval()
    total = 0.0
    try:
        for x, y in windows:
            logits = model(x.to(device)).double()   # somme exacte
            total += F.cross_entropy(logits.flatten(0, 1),
                                     y.to(device).flatten(),
                                     reduction="sum").item()
    finally:
        model.train(was_training)
    return total / n_chars


def tokenizer_comparison(models: dict, text: str, block_size: int,
                         batch_size: int):
    """Compare des modèles de tokenizers différents sur le même ``text``.

    ``models`` : ``{nom: (modèle, tokenizer)}``. Rend un DataFrame, une
    colonne par modèle : taille du vocabulaire, paramètres, caractères
    par token, caractères lus par pas d'entraînement (``batch_size`` ×
    ``block_size`` tokens), contexte en caractères, et perte par
    caractère (`nll_per_char`, en nats), la seule qui se compare.
    """
    import pandas as pd

    columns = {}
    for name, (model, tokenizer) in models.items():
        per_token = len(text) / len(tokenizer.encode(text))
        columns[name] = {
            "vocabulaire": tokenizer.vocab_size,
            "paramètres": sum(p.numel() for p in model.parameters()),
            "caractères par token": per_token,
            "caractères lus par pas": batch_size * block_size * per_token,
            "contexte en caractères": block_size * per_token,
            "perte par caractère (nats)": nll_per_char(model, tokenizer, text,
                                                       block_size),
        }
    return pd.DataFrame(columns)


def tokenizer_comparison_table(table):
    """Le DataFrame de `tokenizer_comparison` (ou quelques-unes de ses
    lignes) en tableau Markdown à la française, pour un deck."""
    from llmlab.display import french_count, french_number, markdown_table

    decimals = {"caractères par token": 2, "perte par caractère (nats)": 2}

    def cell(label, value):
        if label == "paramètres":
            return french_count(int(value))
        return french_number(value, decimals.get(label, 0))

    rows = [(label.capitalize(), *(cell(label, v) for v in table.loc[label]))
            for label in table.index]
    return markdown_table(rows, ["", *table.columns],
                          align="l" + "r" * len(table.columns))


# --------------------------------------------------------------------------
# La boucle
# --------------------------------------------------------------------------

def train_step(model, optimizer, x, y, grad_clip=None):
    """Un pas : perte, gradients, mise à jour des poids.

    Rend la perte du lot (tenseur détaché du graphe).
    """
    loss = _loss(model, x, y)       # entropie croisée
    optimizer.zero_grad(set_to_none=True)
    loss.backward()                 # rétropropagation
    if grad_clip:                   # gradients bornés
        torch.nn.utils.clip_grad_norm_(model.parameters(),
                                       grad_clip)
    optimizer.step()                # AdamW
    return loss.detach()


def _make_optimizer(model, config: TrainConfig, device: torch.device):
    """AdamW ; la décroissance des poids ne touche que les matrices."""
    params = [p for p in model.parameters() if p.requires_grad]
    groups = [
        {"params": [p for p in params if p.ndim >= 2],
         "weight_decay": config.weight_decay},
        {"params": [p for p in params if p.ndim < 2],
         "weight_decay": 0.0},
    ]
    groups = [g for g in groups if g["params"]]
    try:
        return torch.optim.AdamW(groups, lr=config.learning_rate,
                                 fused=True)
    except (RuntimeError, TypeError, ValueError):
        return torch.optim.AdamW(groups, lr=config.learning_rate)


def _load_weights(model, weights) -> None:
    try:
        model.load_state_dict(weights)
    except RuntimeError as exc:
        lines = str(exc).strip().splitlines()
        detail = " ".join(line.strip() for line in lines[1:3])
        raise CheckpointError(
            "Ce checkpoint vient d'un autre modèle : ses poids ne vont pas "
            f"dans celui-ci ({detail}). Construisez le modèle avec la "
            "configuration enregistrée (state['model_config']) ou "
            "choisissez un autre checkpoint.") from None


def load_weights(model, path, map_location="cpu") -> dict:
    """Met dans ``model`` les poids du checkpoint ``path``.

    Pour générer avec un modèle entraîné : construisez-le avec
    ``state["model_config"]``, puis chargez ses poids. Rend le
    checkpoint relu (voir `load_checkpoint`). Erreur en français si
    les poids ne vont pas dans ce modèle.
    """
    ckpt = load_checkpoint(path, map_location=map_location)
    _load_weights(model, ckpt["weights"])
    return ckpt


def _resume_into(ckpt, model, optimizer, config, model_config):
    """Vérifie que le checkpoint va avec ce run, puis le charge."""
    state = ckpt["state"]
    saved_model = state.get("model_config")
    if model_config:   # comparé tel que relu du JSON
        model_config = json.loads(json.dumps(model_config))
    if saved_model and model_config and saved_model != model_config:
        raise CheckpointError(
            "Ce checkpoint vient d'un autre modèle : configuration "
            f"enregistrée {saved_model}, modèle actuel {model_config}. "
            "Construisez le modèle avec la configuration enregistrée, ou "
            "choisissez un autre checkpoint_path.")
    saved = state.get("train_config") or {}
    diff = [k for k in _RESUME_KEYS
            if k in saved and saved[k] != getattr(config, k)]
    if diff:
        shown = ", ".join(f"{k} : {saved[k]!r} → {getattr(config, k)!r}"
                          for k in diff)
        raise CheckpointError(
            "Reprendre, c'est continuer le même run : ces réglages "
            f"diffèrent du checkpoint ({shown}). Remettez-les, ou "
            "repartez de zéro avec resume=False. (max_steps peut changer.)")
    _load_weights(model, ckpt["weights"])
    if ckpt["optimizer"]:
        optimizer.load_state_dict(ckpt["optimizer"])


class _StopRequest:
    """Ctrl-C pendant un pas : on finit le pas, puis on s'arrête.

    Un second Ctrl-C interrompt tout de suite. Seulement dans le fil
    principal (là où Python reçoit les signaux).
    """

    def __init__(self):
        self.requested = False
        self._installed = False
        self._previous = None

    def __enter__(self):
        if threading.current_thread() is threading.main_thread():
            try:
                self._previous = signal.signal(signal.SIGINT, self._handle)
                self._installed = True
            except (ValueError, OSError):
                pass
        return self

    def _handle(self, signum, frame):
        if self.requested:
            raise KeyboardInterrupt
        self.requested = True

    def __exit__(self, *exc):
        if self._installed:
            previous = self._previous
            if previous is None:   # gestionnaire posé hors de Python
                previous = signal.default_int_handler
            signal.signal(signal.SIGINT, previous)
        return False


def _fmt(x: float, digits: int = 3) -> str:
    return f"{x:.{digits}f}".replace(".", ",")


class _Run:
    """L'état d'un entraînement : ce que `train` fait avancer et ce
    qu'un checkpoint garde."""

    def __init__(self, model, data, config, checkpoint_path, device,
                 model_config, extra):
        if config.block_size != data.block_size:
            raise ValueError(
                f"config.block_size ({config.block_size}) ≠ "
                f"data.block_size ({data.block_size}) : construisez "
                "TokenData avec config.block_size.")
        if config.max_steps < 0 or config.eval_every < 1:
            raise ValueError(
                "max_steps doit être ≥ 0 et eval_every ≥ 1.")
        self.device = torch.device(device) if device else pick_device()
        self.model, self.data, self.config = model, data, config
        model.to(self.device).train()
        if model_config is None:
            model_config = getattr(model, "config", None)
        self.model_config, self.extra = model_config, extra
        self.optimizer = _make_optimizer(model, config, self.device)
        self.gen = torch.Generator().manual_seed(config.seed)
        seed_everything(config.seed)
        self.path = Path(checkpoint_path) if checkpoint_path else None
        self.step, self.elapsed, self.rows, self.samples = 0, 0.0, [], {}
        self.pending = None          # état aléatoire d'un pas commencé
        self.interrupted = False
        self.window = [0.0, 0]       # secondes, pas depuis la mesure

    def resume(self):
        if self.path is None:
            raise ValueError("resume=True demande un checkpoint_path.")
        if not self.path.exists():
            print(f"Pas encore de checkpoint dans « {self.path} » : "
                  "départ de zéro.")
            return
        ckpt = load_checkpoint(self.path, map_location=self.device)
        _resume_into(ckpt, self.model, self.optimizer, self.config,
                     self.model_config)
        state = ckpt["state"]
        self.step = int(state["step"])
        self.elapsed = float(state.get("elapsed_s") or 0.0)
        self.rows = ckpt["history"].to_dict("records")
        if state.get("rng"):
            _restore_rng(state["rng"], self.gen)

    def progress_bar(self, progress):
        from tqdm.auto import tqdm

        if not self.rows:
            self.evaluate(float("nan"))
        return tqdm(total=self.config.max_steps, initial=self.step,
                    disable=not progress, desc="entraînement",
                    unit="pas", dynamic_ncols=True)

    def begin_step(self):
        self.pending = _capture_rng(self.gen)
        self.t0 = time.perf_counter()

    def end_step(self, bar):
        self.step, self.pending = self.step + 1, None
        dt = time.perf_counter() - self.t0
        self.elapsed += dt
        self.window = [self.window[0] + dt, self.window[1] + 1]
        bar.update(1)
        c = self.config
        if self.step % c.eval_every == 0 or self.step == c.max_steps:
            seconds, steps = self.window
            self.window = [0.0, 0]
            tok_s = c.batch_size * c.block_size * steps / max(seconds, 1e-9)
            losses = self.evaluate(tok_s)
            speed = f"{tok_s:,.0f}".replace(",", " ")
            bar.set_postfix_str(
                f"perte {_fmt(losses['train'])}, "
                f"val {_fmt(losses['val'])}, {speed} tokens/s")
        every = c.checkpoint_every
        if every and self.step % every == 0 and self.step < c.max_steps:
            self.save()

    def sample(self, sample_fn, every):
        if sample_fn is not None and every and self.step % every == 0:
            self.samples[self.step] = _sample(sample_fn, self.model)

    def evaluate(self, tok_s):
        c = self.config
        gen = torch.Generator().manual_seed(c.seed + 1)
        losses = estimate_loss(self.model, self.data, c.eval_batches,
                               c.batch_size, self.device, gen)
        self.rows.append({"step": self.step, "train_loss": losses["train"],
                          "val_loss": losses["val"],
                          "tokens_per_s": tok_s, "elapsed_s": self.elapsed})
        return losses

    def history(self):
        import pandas as pd

        return pd.DataFrame(self.rows, columns=HISTORY_COLUMNS)

    def save(self):
        if self.path is None:
            return None
        # Pas commencé puis interrompu : on garde l'aléa de son début,
        # la reprise le refera à l'identique.
        rng = self.pending or _capture_rng(self.gen)
        return save_checkpoint(
            self.path, self.model, optimizer=self.optimizer,
            step=self.step, train_config=self.config,
            model_config=self.model_config, history=self.history(),
            rng_state=_rng_to_json(rng), extra=self.extra,
            elapsed_s=self.elapsed)

    def finish(self) -> TrainResult:
        checkpoint = self.save()
        if self.interrupted:
            _explain_interrupt(self.step, self.config, checkpoint)
        return TrainResult(self.history(), self.interrupted, checkpoint,
                           self.samples, self.step)


def train(model, data: TokenData, config: TrainConfig, *,
          checkpoint_path=None, resume=False, device=None,
          progress=True, sample_fn=None, sample_every=None,
          model_config=None, extra=None) -> TrainResult:
    """Entraîne ``model`` (idx -> logits B×T×V) sur ``data``.

    Pertes train/val au début, tous les ``eval_every`` pas et
    à la fin. Checkpoint à la fin, sur Ctrl-C et tous les
    ``checkpoint_every`` pas ; ``resume=True`` le reprend :
    c'est le même run, aux mêmes poids.
    """
    run = _Run(model, data, config, checkpoint_path, device,
               model_config, extra)
    if resume:
        run.resume()
    bar = run.progress_bar(progress)
    B = config.batch_size
    with bar, _StopRequest() as stop:  # Ctrl-C : finir le pas
        try:
            while run.step < config.max_steps:
                if stop.requested:
                    raise KeyboardInterrupt
                run.begin_step()
                x, y = data.get_batch("train", B, run.gen,
                                      run.device)
                train_step(model, run.optimizer, x, y,
                           config.grad_clip)
                run.end_step(bar)   # évaluation, checkpoint
                run.sample(sample_fn, sample_every)
        except KeyboardInterrupt:
            run.interrupted = True
    return run.finish()


def _sample(sample_fn, model) -> str:
    """Appelle ``sample_fn(model)`` sans toucher à l'aléa du run."""
    was_training = model.training
    model.eval()
    devices = [torch.cuda.current_device()] \
        if torch.cuda.is_available() and torch.cuda.is_initialized() \
        else []
    state = (random.getstate(), np.random.get_state())
    try:
        with torch.random.fork_rng(devices=devices), torch.no_grad():
            return sample_fn(model)
    finally:
        random.setstate(state[0])
        np.random.set_state(state[1])
        model.train(was_training)


def _explain_interrupt(step, config, checkpoint) -> None:
    print(f"Entraînement interrompu au pas {step}/{config.max_steps}.")
    if checkpoint is None:
        print("Pas de checkpoint (checkpoint_path non donné) : les poids "
              "restent dans le modèle en mémoire et l'historique est "
              "renvoyé. Pour pouvoir reprendre, donnez checkpoint_path.")
    else:
        print(f"Checkpoint écrit dans « {checkpoint} ». Pour reprendre :\n"
              f"  train(model, data, config, checkpoint_path="
              f"\"{checkpoint}\", resume=True)")


# --------------------------------------------------------------------------
# Figure
# --------------------------------------------------------------------------

def plot_history(history, ax=None):
    """Courbes des pertes d'entraînement et de validation.

    ``history`` : le DataFrame de `train` (ou le `TrainResult`).
    """
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FuncFormatter

    from llmlab import style
    from llmlab.display import french_general, french_number

    history = getattr(history, "history", history)
    style.use()
    if ax is None:
        _, ax = plt.subplots(figsize=(9, 4), layout="constrained")
    ax.plot(history["step"], history["train_loss"], label="entraînement")
    ax.plot(history["step"], history["val_loss"], label="validation",
            linestyle="--")
    ax.set_xlabel("pas d'entraînement")
    ax.set_ylabel("perte (entropie croisée)")
    # virgule décimale, espace des milliers : « 2,5 », « 10 000 »
    ax.xaxis.set_major_formatter(FuncFormatter(
        lambda v, _: french_number(v, 0)))
    ax.yaxis.set_major_formatter(FuncFormatter(
        lambda v, _: french_general(v, 3)))
    ax.legend()
    return ax
