"""Une seule boucle d'entraînement pour tous les modèles torch du cours.

Le GRU, le mini-GPT et les modèles des cours suivants s'entraînent ici :
un modèle n'a qu'à prendre des identifiants de tokens ``(B, T)`` et
rendre des logits ``(B, T, V)`` ; la perte (entropie croisée,
`llmlab.evaluation.batch_loss`) est calculée par `train`.

Ce que le module garantit, parce que c'est ce qui casse en classe :

- un run sur le processeur est répétable (`seed_everything`) ;
- rien ne se perd quand un run meurt : avec un ``checkpoint_path``,
  `train` enregistre à chaque évaluation et au moins toutes les
  minutes (``TrainConfig.checkpoint_seconds``), à la fin et sur
  Ctrl-C ; un noyau tué, un portable fermé ou un ``kill -9`` coûtent
  au plus une minute de calcul ;
- un run interrompu puis repris (``resume=True``) finit avec exactement
  les mêmes poids qu'un run d'un trait : le checkpoint garde le pas,
  l'optimiseur et l'état de tous les générateurs aléatoires ;
- une entrée invalide donne une erreur en français qui dit quoi faire.

Le format des checkpoints et la reprise sont dans `llmlab.checkpoints`,
les pertes mesurées dans `llmlab.evaluation` : ce module est la boucle.
"""
from __future__ import annotations

import os
import random
import signal
import threading
import time
import warnings
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import torch

from llmlab.checkpoints import (
    HISTORY_COLUMNS,
    capture_rng,
    load_checkpoint,
    recover_checkpoint,
    restore_rng,
    resume_into,
    rng_to_json,
    save_checkpoint,
)
from llmlab.configs import config_from_dict
from llmlab.display import french_number, progress_bar
from llmlab.evaluation import batch_loss, estimate_loss
from llmlab.hardware import forced_device
from llmlab.schedules import check_schedule, learning_rate_at

#: L'horloge des enregistrements périodiques (remplacée dans les tests).
_now = time.monotonic


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
        return forced_device(forced)
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
                  val_fraction=0.1) -> TokenData:
        """Tokenise ``text`` avec tout objet qui a ``encode(text)``
        (`CharTokenizer`, `BPETokenizer`…)."""
        return cls(tokenizer.encode(text), block_size, val_fraction)

    @classmethod
    def from_split_text(cls, text, tokenizer, block_size,
                        val_fraction=0.1) -> TokenData:
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

@dataclass
class TrainConfig:
    """Les réglages d'un entraînement (enregistrés dans le checkpoint).

    Avec un ``checkpoint_path``, `train` enregistre à chaque
    évaluation (tous les ``eval_every`` pas), tous les
    ``checkpoint_every`` pas si on le donne, et dès que
    ``checkpoint_seconds`` secondes ont passé depuis le dernier
    enregistrement (None : jamais pour cette raison). Ces deux
    réglages ne changent pas les poids : une reprise peut les changer.

    ``learning_rate`` est le taux maximal ; ``lr_schedule``
    (« constant » ou « cosinus »), ``warmup_steps`` et ``min_lr`` le
    font varier au fil des pas (`llmlab.schedules`). Le cosinus
    descend jusqu'au pas ``max_steps``.
    """

    max_steps: int = 1000
    batch_size: int = 32
    block_size: int = 64
    learning_rate: float = 3e-3
    lr_schedule: str = "constant"
    warmup_steps: int = 0
    min_lr: float = 0.0
    weight_decay: float = 0.0
    grad_clip: float | None = 1.0
    eval_every: int = 100
    eval_batches: int = 20
    seed: int = 1337
    checkpoint_every: int | None = None
    checkpoint_seconds: float | None = 60.0

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d) -> TrainConfig:
        return config_from_dict(cls, d)


@dataclass
class TrainResult:
    """Ce que rend `train` : l'historique et de quoi reprendre."""

    history: pandas.DataFrame  # noqa: F821
    interrupted: bool
    checkpoint: Path | None
    samples: dict[int, str] = field(default_factory=dict)
    #: Nombre de pas d'optimisation faits (reprises comprises).
    step: int = 0


# --------------------------------------------------------------------------
# La boucle
# --------------------------------------------------------------------------

def train_step(model, optimizer, x, y, grad_clip=None):
    """Un pas : perte, gradients, mise à jour des poids.

    Rend la perte du lot (tenseur détaché du graphe).
    """
    loss = batch_loss(model, x, y)  # entropie croisée
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
        check_schedule(config.lr_schedule, config.warmup_steps,
                       config.max_steps, config.learning_rate,
                       config.min_lr)
        seconds = config.checkpoint_seconds
        if seconds is not None and not seconds >= 0:
            raise ValueError(
                "checkpoint_seconds doit être ≥ 0, ou None pour ne pas "
                f"enregistrer selon le temps (reçu : {seconds!r}).")
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
        self.saved_at = _now()   # dernier enregistrement

    def resume(self):
        if self.path is None:
            raise ValueError("resume=True demande un checkpoint_path.")
        backup = recover_checkpoint(self.path)
        if backup is not None:
            print(f"Un enregistrement avait été tué en cours : le "
                  f"checkpoint précédent (« {backup.name} ») est remis "
                  f"en place dans « {self.path} ».")
        if not self.path.exists():
            print(f"Pas encore de checkpoint dans « {self.path} » : "
                  "départ de zéro.")
            return
        ckpt = load_checkpoint(self.path, map_location=self.device)
        resume_into(ckpt, self.model, self.optimizer, self.config,
                     self.model_config)
        state = ckpt["state"]
        self.step = int(state["step"])
        self.elapsed = float(state.get("elapsed_s") or 0.0)
        self.rows = ckpt["history"].to_dict("records")
        if state.get("rng"):
            restore_rng(state["rng"], self.gen)

    def progress_bar(self, progress):
        if not self.rows:
            self.evaluate(float("nan"))
        return progress_bar(total=self.config.max_steps, initial=self.step,
                            disable=not progress, desc="entraînement",
                            unit="pas", dynamic_ncols=True)

    def begin_step(self):
        self.pending = capture_rng(self.gen)
        self.t0 = time.perf_counter()
        lr = self.learning_rate()
        for group in self.optimizer.param_groups:
            group["lr"] = lr

    def learning_rate(self) -> float:
        """Le taux du pas qui commence : une fonction du seul numéro
        de pas, donc une reprise le retrouve sans rien enregistrer."""
        c = self.config
        return learning_rate_at(
            self.step, lr=c.learning_rate, schedule=c.lr_schedule,
            warmup_steps=c.warmup_steps, total_steps=c.max_steps,
            min_lr=c.min_lr)

    def end_step(self, bar):
        self.step, self.pending = self.step + 1, None
        dt = time.perf_counter() - self.t0
        self.elapsed += dt
        self.window = [self.window[0] + dt, self.window[1] + 1]
        bar.update(1)
        c = self.config
        evaluated = (self.step % c.eval_every == 0
                     or self.step == c.max_steps)
        if evaluated:
            seconds, steps = self.window
            self.window = [0.0, 0]
            tok_s = c.batch_size * c.block_size * steps / max(seconds, 1e-9)
            losses = self.evaluate(tok_s)
            speed = f"{tok_s:,.0f}".replace(",", " ")
            bar.set_postfix_str(
                f"perte {_fmt(losses['train'])}, "
                f"val {_fmt(losses['val'])}, {speed} tokens/s")
        if self.step < c.max_steps and self.save_due(evaluated):
            self.save()        # la fin s'enregistre dans finish()

    def save_due(self, evaluated: bool) -> bool:
        """Enregistrer maintenant ?

        Oui après une évaluation, tous les ``checkpoint_every``
        pas, et quand ``checkpoint_seconds`` ont passé depuis le
        dernier enregistrement."""
        c = self.config
        every, seconds = c.checkpoint_every, c.checkpoint_seconds
        late = seconds is not None \
            and _now() - self.saved_at >= seconds
        return evaluated or late or bool(every and self.step % every == 0)

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
        rng = self.pending or capture_rng(self.gen)
        path = save_checkpoint(
            self.path, self.model, optimizer=self.optimizer,
            step=self.step, train_config=self.config,
            model_config=self.model_config, history=self.history(),
            rng_state=rng_to_json(rng), extra=self.extra,
            elapsed_s=self.elapsed)
        self.saved_at = _now()
        return path

    def finish(self, resume_hint=None) -> TrainResult:
        checkpoint = self.save()
        if self.interrupted:
            _explain_interrupt(self.step, self.config, checkpoint,
                               resume_hint)
        return TrainResult(self.history(), self.interrupted, checkpoint,
                           self.samples, self.step)


def train(model, data: TokenData, config: TrainConfig, *,
          checkpoint_path=None, resume=False, device=None,
          progress=True, sample_fn=None, sample_every=None,
          model_config=None, extra=None,
          resume_hint=None, on_step=None) -> TrainResult:
    """Entraîne ``model`` (idx -> logits B×T×V) sur ``data``.

    Pertes train/val au début, tous les ``eval_every`` pas
    et à la fin. Avec ``checkpoint_path`` : un checkpoint à
    chaque évaluation, au moins toutes les minutes (voir
    `TrainConfig`), à la fin et sur Ctrl-C ; ``resume=True``
    le reprend : c'est le même run, aux mêmes poids.
    ``resume_hint`` : ce qu'il faut taper pour reprendre après
    un Ctrl-C (une commande, pour la ligne de commande) ; par
    défaut, l'appel Python. ``on_step(step)``, si donnée, est
    appelée après chaque pas : suivre un entraînement lancé
    dans un autre processus (`llmlab.pool`).
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
                if on_step is not None:
                    on_step(run.step)
        except KeyboardInterrupt:
            run.interrupted = True
    return run.finish(resume_hint)


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


def _explain_interrupt(step, config, checkpoint, hint=None) -> None:
    print(f"Entraînement interrompu au pas {step} sur "
          f"{french_number(config.max_steps, 0)}.")
    if checkpoint is None:
        print("Pas de checkpoint (checkpoint_path non donné) : les poids "
              "restent dans le modèle en mémoire et l'historique est "
              "renvoyé. Pour pouvoir reprendre, donnez checkpoint_path.")
    else:
        call = hint or (f"train(model, data, config, checkpoint_path="
                        f"\"{checkpoint}\", resume=True)")
        print(f"Checkpoint écrit dans « {checkpoint} ». Pour reprendre :"
              f"\n  {call}")


# --------------------------------------------------------------------------
# Figure
# --------------------------------------------------------------------------

def plot_history(history, ax=None):
    """Courbes des pertes d'entraînement et de validation.

    ``history`` : le DataFrame de `train` (ou le `TrainResult`).
    """
    import matplotlib.pyplot as plt

    from llmlab import style
    from llmlab.display import french_ticks

    history = getattr(history, "history", history)
    style.use()
    if ax is None:
        _, ax = plt.subplots(figsize=(9, 4), layout="constrained")
    ax.plot(history["step"], history["train_loss"], label="entraînement")
    ax.plot(history["step"], history["val_loss"], label="validation",
            linestyle="--")
    ax.set_xlabel("pas d'entraînement")
    ax.set_ylabel("perte (entropie croisée)")
    french_ticks(ax)   # virgule décimale, espace des milliers : « 2,5 », « 10 000 »
    ax.legend()
    return ax
