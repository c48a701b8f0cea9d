"""Les checkpoints : un entraînement enregistré, relu, repris.

Un checkpoint est un dossier de quatre fichiers : ``weights.pt`` (les
poids), ``optimizer.pt`` (l'état d'AdamW), ``history.csv`` (les pertes)
et ``state.json`` (le pas, les réglages, l'état des générateurs
aléatoires, le tokenizer, les empreintes sha256 des trois autres).

Ce que le module garantit, parce que c'est ce qui casse en classe :

- un checkpoint s'écrit atomiquement (dossier temporaire puis
  renommage) : un arrêt brutal pendant l'écriture (``kill -9``, noyau
  mort, portable fermé) laisse le checkpoint précédent intact ;
- il se relit sans exécuter de code : un state dict relu par
  ``torch.load(weights_only=True)`` et un JSON ; une empreinte qui ne
  correspond plus signale un fichier tronqué ;
- il garde l'état de tous les générateurs aléatoires : la reprise
  refait les mêmes lots et le même dropout, donc les mêmes poids ;
- une entrée invalide donne une erreur en français qui dit quoi faire.

`llmlab.training.train` écrit et reprend ces checkpoints ;
`llmlab.shipped` en charge les modèles livrés dans ``data/``.
"""

from __future__ import annotations

import base64
import json
import os
import random
import shutil
import time
import uuid
from dataclasses import asdict, is_dataclass
from pathlib import Path

import numpy as np
import torch

from llmlab.data import sha256_file

#: Marque écrite dans ``state.json`` : ce dossier est un checkpoint llmlab.
CHECKPOINT_FORMAT = "llmlab-checkpoint"
CHECKPOINT_VERSION = 1
#: Colonnes de l'historique : le pas, les pertes moyennes sur
#: ``eval_batches`` lots de chaque partie, la vitesse depuis la mesure
#: précédente et le temps d'entraînement cumulé (évaluations exclues,
#: reprises comprises). Au pas 0, la vitesse n'existe pas encore (NaN).
HISTORY_COLUMNS = ["step", "train_loss", "val_loss", "tokens_per_s", "elapsed_s"]
_FILES = ("weights.pt", "optimizer.pt", "history.csv")
#: Paramètres qui changent les poids : une reprise doit les garder.
_RESUME_KEYS = (
    "batch_size",
    "block_size",
    "learning_rate",
    "weight_decay",
    "grad_clip",
    "seed",
    "lr_schedule",
    "warmup_steps",
    "min_lr",
)


class CheckpointError(ValueError):
    """Checkpoint absent, tronqué, corrompu ou d'un autre modèle.

    Pour une reprise refusée, ``changed`` donne les réglages qui diffèrent :
    {nom : (checkpoint, demandé)} (la ligne de commande les redit sous le nom de ses options)."""

    changed: dict | None = None


# --------------------------------------------------------------------------
# États aléatoires <-> JSON
# --------------------------------------------------------------------------


def _b64(t: torch.Tensor) -> str:
    return base64.b64encode(t.cpu().numpy().tobytes()).decode("ascii")


def _unb64(s: str) -> torch.Tensor:
    raw = np.frombuffer(base64.b64decode(s), dtype=np.uint8).copy()
    return torch.from_numpy(raw)


def capture_rng(generator: torch.Generator) -> dict:
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
    return base64.b64encode(np.asarray(values, dtype="<u4").tobytes()).decode("ascii")


def _u32_unb64(s: str) -> np.ndarray:
    return np.frombuffer(base64.b64decode(s), dtype="<u4").astype(np.uint32)


def rng_to_json(state: dict) -> dict:
    """L'état de `capture_rng` en JSON (base64 pour les octets)."""
    version, internal, gauss = state["python"]
    name, keys, pos, has_gauss, cached = state["numpy"]
    out = {
        "batches": _b64(state["batches"]),
        "torch": _b64(state["torch"]),
        "python": [version, _u32_b64(internal), gauss],
        "numpy": [name, _u32_b64(keys), int(pos), int(has_gauss), float(cached)],
    }
    if "cuda" in state:
        out["cuda"] = [_b64(s) for s in state["cuda"]]
    return out


def restore_rng(state: dict, generator: torch.Generator) -> None:
    """Remet tous les générateurs dans l'état de `rng_to_json` :
    ``generator`` (celui des lots), torch, random et NumPy."""
    generator.set_state(_unb64(state["batches"]))
    torch.set_rng_state(_unb64(state["torch"]))
    version, internal, gauss = state["python"]
    internal = tuple(int(v) for v in _u32_unb64(internal))
    random.setstate((version, internal, gauss))
    name, keys, pos, has_gauss, cached = state["numpy"]
    np.random.set_state((name, _u32_unb64(keys), pos, has_gauss, cached))
    cuda = state.get("cuda")
    if cuda and torch.cuda.is_available() and len(cuda) == torch.cuda.device_count():
        torch.cuda.set_rng_state_all([_unb64(s) for s in cuda])


# --------------------------------------------------------------------------
# Écrire et relire
# --------------------------------------------------------------------------


def _is_checkpoint_dir(path: Path) -> bool:
    try:
        state = json.loads((path / "state.json").read_text("utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(state, dict) and state.get("format") == CHECKPOINT_FORMAT


def _leftovers(path: Path, kind: str) -> list[Path]:
    """Les dossiers qu'un enregistrement tué a laissés à côté de ``path``,
    du plus ancien au plus récent : ``tmp`` (écriture pas finie) ou
    ``old`` (l'ancien checkpoint, mis de côté avant le renommage)."""
    found = path.parent.glob(f".{path.name}.{kind}-*")
    return sorted(found, key=lambda p: p.stat().st_mtime)


def recover_checkpoint(path) -> Path | None:
    """Remet en place le checkpoint mis de côté par un enregistrement
    tué entre ses deux renommages (``path`` absent, ``.nom.old-*``
    présent) ; rend le nom qu'il avait de côté, ou None s'il n'y avait
    rien à remettre."""
    path = Path(path)
    backups = _leftovers(path, "old")
    if path.exists() or not backups:
        return None
    os.replace(backups[-1], path)
    return backups[-1]


def save_checkpoint(
    path,
    model,
    *,
    optimizer=None,
    step=0,
    train_config=None,
    model_config=None,
    history=None,
    rng_state=None,
    extra=None,
    elapsed_s: float = 0.0,
) -> Path:
    """Écrit un checkpoint dans le dossier ``path`` et le renvoie.

    Tout est d'abord écrit dans un dossier temporaire voisin (nom
    commençant par un point), ``state.json`` en dernier, puis renommé :
    un enregistrement interrompu ne laisse jamais un checkpoint à moitié
    écrit sous le nom ``path``. Les restes d'un enregistrement tué
    (``kill -9``) sont effacés au suivant. Un dossier existant qui n'est
    pas un checkpoint llmlab n'est jamais écrasé.
    """
    import pandas as pd

    path = Path(path)
    if path.exists() and not (
        path.is_dir() and (_is_checkpoint_dir(path) or not any(path.iterdir()))
    ):
        raise CheckpointError(
            f"« {path} » existe et n'est pas un checkpoint llmlab : il n'est "
            "pas écrasé. Choisissez un autre dossier (--dossier en ligne de "
            "commande, checkpoint_path en Python), nouveau, par exemple "
            "« checkpoints/gru »."
        )
    if is_dataclass(train_config):  # un TrainConfig
        train_config = asdict(train_config)
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
        weights = {k: v.detach().cpu() for k, v in model.state_dict().items()}
        torch.save(weights, tmp / "weights.pt")
        torch.save(optimizer.state_dict() if optimizer else {}, tmp / "optimizer.pt")
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
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    # l'ancien, et ce qu'aurait laissé un enregistrement tué
    for leftover in _leftovers(path, "old") + _leftovers(path, "tmp"):
        shutil.rmtree(leftover, ignore_errors=True)
    return path


def load_checkpoint(path, map_location="cpu") -> dict:
    """Relit un checkpoint : un dict ``weights``, ``optimizer``, ``state``, ``history``.

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
            hint = (
                f" Un enregistrement a été interrompu : l'ancien "
                f"checkpoint est dans « {backups[-1]} » ; renommez-le "
                f"en « {path} »."
            )
        raise CheckpointError(
            f"Aucun checkpoint dans « {path} » : vérifiez le chemin, ou "
            "entraînez d'abord un modèle (uv run llmlab entrainer gru ou gpt ; "
            "en Python, train(..., checkpoint_path=...)). Modèles livrés : "
            "data/gru, data/gpt, data/gpt-bpe." + hint
        )
    if not path.is_dir():
        raise CheckpointError(
            f"« {path} » n'est pas un checkpoint llmlab : un checkpoint "
            "est un dossier (weights.pt, optimizer.pt, state.json, "
            "history.csv) écrit par train() ou save_checkpoint()."
        )
    state_file = path / "state.json"
    if not state_file.exists():
        if (path / "weights.pt").exists():
            raise CheckpointError(
                f"« {path} » est incomplet (state.json manque) : relancez "
                "l'entraînement pour en écrire un nouveau."
            )
        raise CheckpointError(
            f"« {path} » n'est pas un checkpoint llmlab (pas de state.json) : "
            "donnez le dossier d'un checkpoint, par exemple data/gpt ou checkpoints/gru."
        )
    try:
        state = json.loads(state_file.read_text("utf-8"))
    except (ValueError, UnicodeDecodeError):
        raise CheckpointError(
            f"« {state_file} » est tronqué ou corrompu (JSON illisible). "
            "Relancez l'entraînement pour écrire un nouveau "
            "checkpoint."
        ) from None
    if not isinstance(state, dict) or state.get("format") != CHECKPOINT_FORMAT:
        raise CheckpointError(
            f"« {path} » n'est pas un checkpoint llmlab (state.json sans "
            f"la marque « {CHECKPOINT_FORMAT} »)."
        )
    for name, digest in state.get("sha256", {}).items():
        file = path / name
        if not file.exists():
            raise CheckpointError(
                f"Checkpoint incomplet : « {file} » manque. Relancez "
                "l'entraînement pour en écrire un nouveau."
            )
        if sha256_file(file) != digest:
            raise CheckpointError(
                f"« {file} » est tronqué ou corrompu (son empreinte "
                "sha256 ne correspond plus à celle enregistrée). Relancez "
                "l'entraînement pour écrire un nouveau checkpoint."
            )
    out = {"state": state}
    for key in ("weights", "optimizer"):
        try:
            out[key] = torch.load(path / f"{key}.pt", map_location=map_location, weights_only=True)
        except Exception as exc:  # noqa: BLE001 - toute erreur de torch
            raise CheckpointError(
                f"« {path / (key + '.pt')} » est illisible (tronqué, "
                f"corrompu, ou pas un state dict) : {type(exc).__name__}. "
                "Relancez l'entraînement pour écrire un nouveau "
                "checkpoint."
            ) from None
    try:
        out["history"] = pd.read_csv(path / "history.csv")
    except (OSError, ValueError):
        out["history"] = pd.DataFrame(columns=HISTORY_COLUMNS)
    return out


# --------------------------------------------------------------------------
# Le tokenizer et le modèle d'un checkpoint
# --------------------------------------------------------------------------

#: Les tokenizers qu'un checkpoint sait transporter : ``extra["tokenizer"]``.
#: Absent : « car » (les checkpoints de caractères écrits avant le BPE).
CHECKPOINT_TOKENIZERS = ("car", "bpe")


def tokenizer_extra(tokenizer) -> dict:
    """Ce que ``extra`` d'un checkpoint garde du tokenizer.

    Caractères : la liste ``vocab`` (la forme des premiers checkpoints,
    qui restent lisibles) ; BPE : ``tokenizer = "bpe"`` et le
    fichier lisible de `BPETokenizer.to_text` dans ``bpe``.
    """
    from llmlab.tokenizers import BPETokenizer, CharTokenizer

    if isinstance(tokenizer, CharTokenizer):
        return {"vocab": tokenizer.chars}
    if isinstance(tokenizer, BPETokenizer):
        return {"tokenizer": "bpe", "bpe": tokenizer.to_text()}
    raise ValueError(
        "Un checkpoint sait garder un CharTokenizer ou un BPETokenizer, "
        f"pas un {type(tokenizer).__name__}."
    )


def _tokenizer_from_extra(extra: dict, vocab_size: int, kind: str):
    from llmlab.tokenizers import BPETokenizer, CharTokenizer

    name = extra.get("tokenizer", "car")
    if name not in CHECKPOINT_TOKENIZERS:
        raise ValueError(
            f"Ce checkpoint de {kind.upper()} annonce un tokenizer inconnu "
            f"(« {name} ») ; llmlab lit « car » et « bpe ». Réentraînez avec "
            f"`llmlab entrainer {kind}`."
        )
    if name == "bpe":
        text = extra.get("bpe")
        if not isinstance(text, str):
            raise ValueError(
                f"Ce checkpoint de {kind.upper()} n'a pas de tokenizer BPE "
                f"(extra['bpe']) : réentraînez avec `llmlab entrainer {kind} "
                "--tokenizer bpe`."
            )
        tokenizer = BPETokenizer.from_text(
            text, source=f"le tokenizer BPE du checkpoint de {kind.upper()}"
        )
        if tokenizer.vocab_size != vocab_size:
            raise ValueError(
                f"Le tokenizer BPE de ce checkpoint a {tokenizer.vocab_size} "
                f"tokens, le modèle en attend {vocab_size} : checkpoint "
                "abîmé ou assemblé à la main."
            )
        return tokenizer
    chars = extra.get("vocab")
    if not isinstance(chars, list) or len(chars) != vocab_size:
        raise ValueError(
            f"Ce checkpoint de {kind.upper()} n'a pas de vocabulaire de caractères "
            f"utilisable (extra['vocab']) : réentraînez avec `llmlab entrainer {kind}`."
        )
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
            f"{model.config} : checkpoint abîmé ou d'un autre modèle."
        ) from None
    model.eval()
    samples = {int(k): v for k, v in (extra.get("samples") or {}).items()}
    infos = {
        "samples": samples,
        "train_config": state.get("train_config"),
        "corpus": extra.get("corpus"),
        "step": state.get("step"),
        "tokenizer": extra.get("tokenizer", "car"),
    }
    if "bpe_train_chars" in extra:  # caractères sur lesquels le BPE a appris
        infos["bpe_train_chars"] = extra["bpe_train_chars"]
    return model, tokenizer, ckpt["history"], infos


# --------------------------------------------------------------------------
# Recharger des poids, reprendre un run
# --------------------------------------------------------------------------


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
            "choisissez un autre checkpoint."
        ) from None


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


def resume_into(ckpt, model, optimizer, config, model_config):
    """Vérifie que ``ckpt`` (relu par `load_checkpoint`) va avec ce run
    (même modèle, mêmes réglages qui changent les poids), puis met ses
    poids dans ``model`` et son état dans ``optimizer``. L'aléa se
    remet à part, avec `restore_rng`."""
    state = ckpt["state"]
    saved_model = state.get("model_config")
    if model_config:  # comparé tel que relu du JSON
        model_config = json.loads(json.dumps(model_config))
    if saved_model and model_config and saved_model != model_config:
        raise CheckpointError(
            "Ce checkpoint vient d'un autre modèle : configuration "
            f"enregistrée {saved_model}, modèle actuel {model_config}. "
            "Construisez le modèle avec la configuration enregistrée, ou "
            "choisissez un autre checkpoint_path."
        )
    saved = dict(state.get("train_config") or {})
    if saved and "lr_schedule" not in saved:  # écrit avant les plannings
        saved.update(lr_schedule="constant", warmup_steps=0, min_lr=0.0)
    diff = [k for k in _RESUME_KEYS if k in saved and saved[k] != getattr(config, k)]
    if (
        saved.get("lr_schedule") == "cosinus" == config.lr_schedule
        and saved.get("max_steps") != config.max_steps
    ):
        diff.append("max_steps")  # le cosinus finit au dernier pas
    if diff:
        changed = {k: (saved[k], getattr(config, k)) for k in diff}
        shown = ", ".join(f"{k} : {a!r} → {b!r}" for k, (a, b) in changed.items())
        error = CheckpointError(
            "Reprendre, c'est continuer le même run : ces réglages "
            f"diffèrent du checkpoint ({shown}). Remettez-les, ou "
            "repartez de zéro avec resume=False. (max_steps peut changer, "
            "sauf avec le planning cosinus, qui descend jusqu'au dernier pas.)"
        )
        error.changed = changed
        raise error
    _load_weights(model, ckpt["weights"])
    if ckpt["optimizer"]:
        optimizer.load_state_dict(ckpt["optimizer"])
