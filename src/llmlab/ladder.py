"""L'échelle de GPT du cours : six mini-GPT de 14 000 à 1 million de paramètres, un même budget.

Pour voir une loi d'échelle, il faut des modèles de tailles très différentes entraînés de la
même façon. Chaque échelon est un `llmlab.gpt.GPT` (4 têtes, contexte de 64 caractères)
entraîné par `llmlab.training.train` sur les données du mini-GPT livré (Shakespeare, un
token par caractère, validation sur les 10 % de fin), avec le **même nombre de tokens** D,
les mêmes lots dans le même ordre (même graine) et le taux d'apprentissage que Kaplan et
al. (2020, éq. D.1) donnent pour chaque taille.

Après l'entraînement, on mesure sur le début de la validation :

* la perte (nats par caractère), la grandeur des lois d'échelle ;
* la justesse du caractère suivant (le plus probable est-il le bon ?) ;
* la complétion exacte d'un mot : donné sa première lettre, le modèle écrit-il tout le mot
  (chaque lettre la plus probable, puis la fin du mot) ? Une métrique « tout ou rien »,
  celle du débat sur l'émergence (Schaeffer et al., 2023).

``uv run llmlab entrainer echelle --livrer`` refait les résultats livrés dans
``data/scaling`` (``ladder.csv``, ``history.csv``, ``words.csv``, ``ladder.json``) ;
:func:`load_ladder` les lit, les ajustements sont dans `llmlab.scale`.
"""

from __future__ import annotations

import json
import math
import re
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import NamedTuple

from llmlab.data import DATA_DIR, SCALING_FILES, SHIPPED_SCALING, MissingDataError
from llmlab.display import french_general, french_number

#: Les fichiers de résultats, dans l'ordre où `write_results` les écrit.
RESULT_FILES = SCALING_FILES

#: Budget par défaut : 409 600 tokens (caractères) pour chaque échelon, 400 pas de 16 × 64,
#: soit un dixième d'époque de Shakespeare : environ une demi-heure sur un CPU à deux cœurs
#: (`--processus 2`). Le plus grand échelon voit moins d'un token par paramètre.
DEFAULT_TOKENS = 409_600
DEFAULT_BATCH, DEFAULT_BLOCK, DEFAULT_SEED = 16, 64, 1337
#: Caractères du début de la validation pour les mesures finales (2 000 fenêtres de 64).
EVAL_CHARS = 128_000
#: Évaluations (pertes train et val) par échelon pendant l'entraînement : les points des
#: courbes de L(C).
N_EVALS = 30
#: Mots plus longs : regroupés à cette longueur.
MAX_WORD_LENGTH = 12


@dataclass(frozen=True)
class Rung:
    """Un échelon : ``n_layer`` blocs de largeur ``n_embd``."""

    n_layer: int
    n_embd: int
    n_head: int = 4

    @property
    def name(self) -> str:
        return f"{self.n_layer}x{self.n_embd}"

    @classmethod
    def parse(cls, text: str) -> Rung:
        """« 3x64 » : 3 blocs de 64 dimensions (4 têtes)."""
        match = re.fullmatch(r"\s*(\d+)\s*[xX×]\s*(\d+)\s*", text)
        if not match:
            raise ValueError(
                f"Échelon « {text} » illisible : écrivez COUCHESxLARGEUR, par exemple 3x64."
            )
        n_layer, n_embd = int(match[1]), int(match[2])
        if n_layer < 1 or n_embd < 4 or n_embd % 4:
            raise ValueError(
                f"Échelon « {text} » : il faut au moins une couche et une "
                "largeur multiple de 4 (4 têtes)."
            )
        return cls(n_layer, n_embd)


#: L'échelle livrée : de 14 000 à 990 000 paramètres hors embeddings, un facteur 2 à 3
#: d'un échelon au suivant. Pas d'échelon à une seule couche : Kaplan note que ces
#: modèles sortent de la tendance.
DEFAULT_LADDER = (Rung(2, 24), Rung(2, 32), Rung(2, 48), Rung(3, 64), Rung(4, 96), Rung(5, 128))


def kaplan_learning_rate(n_params: float) -> float:
    """Le taux que Kaplan et al. (2020, éq. D.1) trouvent bon
    pour N paramètres : 0,003239 − 0,0001395·ln N.
    Un petit modèle supporte un pas plus grand."""
    return 0.003239 - 0.0001395 * math.log(n_params)


def non_embedding_params(model) -> int:
    """Les paramètres hors embeddings (tokens et positions) :
    le N de Kaplan. La tête liée à l'embedding ne compte pas."""
    total = model.num_parameters()
    embeddings = model.tok_emb.weight.numel() + model.pos_emb.weight.numel()
    if model.lm_head.weight is not model.tok_emb.weight:
        embeddings += model.lm_head.weight.numel()
    return total - embeddings


def build_model(rung: Rung, vocab_size: int, block_size: int, seed: int):
    """Le GPT d'un échelon, initialisé par la graine ``seed``
    (même tirage quel que soit l'ordre des échelons)."""
    import torch

    from llmlab.gpt import GPT, GPTConfig

    torch.manual_seed(seed)
    return GPT(
        GPTConfig(
            vocab_size=vocab_size,
            context_length=block_size,
            n_embd=rung.n_embd,
            n_head=rung.n_head,
            n_layer=rung.n_layer,
        )
    )


# --- Mesures finales ---------------------------------------------------------------------------

_WORD = re.compile(r"[A-Za-z]+")


def evaluate_text(model, tokenizer, text: str, block_size: int, device="cpu"):
    """``(mesures, mots)`` sur ``text`` coupé en fenêtres disjointes.

    ``mesures`` : ``loss`` (nats par caractère) et
    ``char_accuracy`` ; ``mots`` : par longueur de mot, combien
    de mots, combien complétés exactement à partir de leur
    première lettre, et la justesse des lettres 2 à k.
    """
    import pandas as pd
    import torch
    import torch.nn.functional as F

    ids = torch.tensor(tokenizer.encode(text), dtype=torch.long)
    n = (len(ids) - 1) // block_size
    if n < 1:
        raise ValueError(f"Texte trop court pour une fenêtre de {block_size} tokens.")
    x = ids[: n * block_size].view(n, block_size)
    y = ids[1 : n * block_size + 1].view(n, block_size)
    was_training = model.training
    model.eval()
    total, preds = 0.0, []
    try:
        with torch.no_grad():
            for start in range(0, n, 64):
                logits = model(x[start : start + 64].to(device)).float().cpu()
                yb = y[start : start + 64]
                total += F.cross_entropy(logits.flatten(0, 1), yb.flatten(), reduction="sum").item()
                preds.append(logits.argmax(-1).flatten())
    finally:
        model.train(was_training)
    pred = torch.cat(preds)
    correct = (pred == y.flatten()).tolist()
    predicted = [tokenizer.decode([int(i)]) for i in pred]
    target = text[1 : n * block_size + 1]
    measures = {"loss": total / (n * block_size), "char_accuracy": sum(correct) / len(correct)}
    return measures, pd.DataFrame(_word_counts(target, correct, predicted))


def _word_counts(target: str, correct: list, predicted: list) -> list[dict]:
    """Pour chaque longueur : mots, complétions exactes, lettres
    2 à k justes. Un mot est complété si ses lettres 2 à k sont
    les plus probables et qu'ensuite le modèle finit le mot
    (pas de lettre) : c'est ce qu'écrirait un décodage glouton."""
    rows = {
        k: {"length": k, "words": 0, "exact": 0, "letters": 0, "letters_correct": 0}
        for k in range(2, MAX_WORD_LENGTH + 1)
    }
    for match in _WORD.finditer(target):
        start, end = match.span()
        # le caractère avant le mot doit faire partie du texte mesuré, celui après aussi
        if start == 0 or end >= len(target) or target[start - 1].isalpha() or end - start < 2:
            continue
        row = rows[min(end - start, MAX_WORD_LENGTH)]
        letters = correct[start + 1 : end]
        row["words"] += 1
        row["letters"] += len(letters)
        row["letters_correct"] += sum(letters)
        row["exact"] += all(letters) and not predicted[end].isalpha()
    return list(rows.values())


# --- Entraîner l'échelle -----------------------------------------------------------------------


class LadderResults(NamedTuple):
    """Les résultats d'une échelle : un rang par modèle
    (``ladder``), les courbes (``history``), les mots par
    longueur (``words``) et les réglages (``settings``)."""

    ladder: pandas.DataFrame  # noqa: F821
    history: pandas.DataFrame  # noqa: F821
    words: pandas.DataFrame  # noqa: F821
    settings: dict


@dataclass(frozen=True)
class LadderSettings:
    """Ce qui est commun à tous les échelons d'une échelle."""

    tokens: int = DEFAULT_TOKENS
    batch_size: int = DEFAULT_BATCH
    block_size: int = DEFAULT_BLOCK
    seed: int = DEFAULT_SEED
    eval_chars: int = EVAL_CHARS
    evals: int = N_EVALS
    eval_batches: int = 20
    corpus: str = ""

    @property
    def steps(self) -> int:
        per_step = self.batch_size * self.block_size
        if self.batch_size < 1 or self.block_size < 1:
            raise ValueError("La taille des lots et le contexte doivent être ≥ 1.")
        if self.tokens < per_step:
            raise ValueError(
                f"Budget de {self.tokens} tokens : moins d'un pas de "
                f"{self.batch_size} × {self.block_size} = {per_step} tokens."
            )
        return self.tokens // per_step


def train_rung(
    rung: Rung,
    text: str,
    settings: LadderSettings,
    *,
    folder=None,
    resume: bool = False,
    device=None,
    progress: bool = True,
    threads=None,
    on_step=None,
):
    """Entraîne et mesure un échelon.

    Rend ``(rang du tableau, historique, mots par longueur)``.
    ``threads`` fixe les fils de torch (1 dans un processus de
    `run_ladder`) ; ``on_step`` va à `llmlab.training.train`."""
    import torch

    from llmlab.checkpoints import tokenizer_extra
    from llmlab.costs import training_flops
    from llmlab.tokenizers import CharTokenizer
    from llmlab.training import TokenData, TrainConfig, split_text, train

    if threads:
        torch.set_num_threads(threads)
    s, steps = settings, settings.steps
    tokenizer = CharTokenizer.train(text)
    data = TokenData.from_split_text(text, tokenizer, s.block_size)
    model = build_model(rung, tokenizer.vocab_size, s.block_size, s.seed)
    n = non_embedding_params(model)
    config = TrainConfig(
        max_steps=steps,
        batch_size=s.batch_size,
        block_size=s.block_size,
        learning_rate=round(kaplan_learning_rate(n), 6),
        eval_every=max(1, steps // s.evals),
        eval_batches=s.eval_batches,
        seed=s.seed,
    )
    if progress:
        print(
            f"Échelon {rung.name} : {french_number(n, 0)} paramètres hors embeddings, "
            f"{french_number(steps, 0)} pas, taux {french_general(config.learning_rate, 2)}",
            flush=True,
        )
    path = Path(folder) / rung.name if folder else None
    started, cpu = time.perf_counter(), time.process_time()
    result = train(
        model,
        data,
        config,
        checkpoint_path=path,
        resume=resume and path is not None,
        device=device,
        progress=progress,
        extra={**tokenizer_extra(tokenizer), "corpus": s.corpus},
        resume_hint="uv run llmlab entrainer echelle --reprendre (avec les mêmes options), "
        "ou resume=True en Python",
        on_step=on_step,
    )
    if result.interrupted:
        raise KeyboardInterrupt
    val_text = split_text(text)[1][: s.eval_chars]
    measures, per_length = evaluate_text(
        model, tokenizer, val_text, s.block_size, next(model.parameters()).device
    )
    used = steps * s.batch_size * s.block_size
    history = result.history.assign(name=rung.name)
    history["tokens"] = history.step * s.batch_size * s.block_size
    last = history.iloc[-1]
    row = {
        "name": rung.name,
        "n_layer": rung.n_layer,
        "n_embd": rung.n_embd,
        "n_head": rung.n_head,
        "n_params": model.num_parameters(),
        "n_nonembedding": n,
        "tokens": used,
        "flops": training_flops(n, used),
        "tokens_per_param": used / n,
        "learning_rate": config.learning_rate,
        "steps": steps,
        "train_loss": float(last.train_loss),
        "val_loss": measures["loss"],
        "char_accuracy": measures["char_accuracy"],
        "train_seconds": float(last.elapsed_s),
        "wall_seconds": time.perf_counter() - started,
        "cpu_seconds": time.process_time() - cpu,
    }
    return row, history, per_length.assign(name=rung.name)


def run_ladder(
    text: str,
    rungs=DEFAULT_LADDER,
    settings: LadderSettings = LadderSettings(),
    *,
    folder=None,
    resume: bool = False,
    device=None,
    progress: bool = True,
    processes: int = 1,
) -> LadderResults:
    """Entraîne et mesure chaque échelon (:func:`train_rung`).

    ``folder`` garde un checkpoint par échelon : ``resume=True``
    reprend une échelle interrompue. Avec ``processes`` > 1, un
    échelon par processus, chacun sur un fil, les plus gros
    d'abord (`llmlab.pool`) : deux processus d'un fil occupent
    deux cœurs mieux qu'un processus de deux fils. Mêmes
    résultats, au bit près.
    """
    import pandas as pd
    import torch

    rungs = [Rung.parse(r) if isinstance(r, str) else r for r in rungs]
    if not rungs or len({r.name for r in rungs}) != len(rungs):
        raise ValueError("Donnez au moins un échelon, et des échelons tous différents.")
    _ = settings.steps  # vérifie le budget avant de lancer quoi que ce soit
    if processes < 1:
        raise ValueError("processes doit être ≥ 1.")
    start = time.perf_counter()
    options = {"folder": folder, "resume": resume, "device": device}
    if processes == 1:
        done = {r.name: train_rung(r, text, settings, progress=progress, **options) for r in rungs}
    else:
        done = _run_in_processes(rungs, text, settings, processes, progress, options)
    rows, histories, words = zip(*(done[r.name] for r in rungs))
    info = {
        **asdict(settings),
        "tokens": rows[0]["tokens"],
        "chars": len(text),
        "steps": settings.steps,
        "eval_every": max(1, settings.steps // settings.evals),
        "device": str(device or "auto"),
        "processes": processes,
        "threads": 1 if processes > 1 else torch.get_num_threads(),
        "torch": torch.__version__,
        "total_seconds": time.perf_counter() - start,
    }
    columns = ["name", "tokens", "step", "train_loss", "val_loss", "tokens_per_s", "elapsed_s"]
    return LadderResults(
        pd.DataFrame(list(rows)),
        pd.concat(histories)[columns].reset_index(drop=True),
        pd.concat(words)[
            ["name", "length", "words", "exact", "letters", "letters_correct"]
        ].reset_index(drop=True),
        info,
    )


def _run_in_processes(rungs, text, settings, processes, progress, options) -> dict:
    """Un échelon par processus d'un fil (`llmlab.pool`), les plus
    gros d'abord pour finir ensemble. La barre compte les FLOPs
    d'entraînement (6·N·tokens) : un pas du plus gros échelon
    pèse cent fois un pas du plus petit."""
    from llmlab.costs import training_flops
    from llmlab.pool import Job, run_in_processes
    from llmlab.tokenizers import CharTokenizer

    by_size = sorted(rungs, key=lambda r: r.n_layer * r.n_embd**2, reverse=True)
    vocab_size = CharTokenizer.train(text).vocab_size
    tokens = settings.batch_size * settings.block_size
    jobs = []
    for r in by_size:
        model = build_model(r, vocab_size, settings.block_size, settings.seed)
        kwargs = {"progress": False, "threads": 1, **options}
        cost = training_flops(non_embedding_params(model), tokens)
        jobs.append(Job(r.name, (r, text, settings), kwargs, settings.steps, cost))
    if progress:
        print(
            f"{len(by_size)} échelons sur {processes} processus d'un fil, les plus gros "
            f"d'abord : {', '.join(r.name for r in by_size)}.",
            flush=True,
        )

    def announce(name, result):
        row = result[0]
        return (
            f"Échelon {name} fini : perte de validation {french_number(row['val_loss'], 3)}, "
            f"{french_number(row['train_seconds'], 0)} s de pas."
        )

    return run_in_processes(
        train_rung,
        jobs,
        processes,
        progress=progress,
        desc=f"Échelle ({processes} processus)",
        unit="FLOP",
        unit_scale=True,
        announce=announce,
    )


# --- Écrire et relire --------------------------------------------------------------------------


def write_results(results: LadderResults, folder) -> list[Path]:
    """Écrit les quatre fichiers de ``results`` dans ``folder``."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = [folder / name for name in RESULT_FILES]
    results.ladder.to_csv(paths[0], index=False)
    results.history.to_csv(paths[1], index=False)
    results.words.to_csv(paths[2], index=False)
    paths[3].write_text(
        json.dumps(results.settings, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    return paths


def load_ladder(folder=None) -> LadderResults:
    """Les résultats livrés dans ``data/scaling`` (ou ceux de
    ``folder``, écrits par ``llmlab entrainer echelle``)."""
    import pandas as pd

    folder = Path(folder) if folder else DATA_DIR / SHIPPED_SCALING
    missing = [name for name in RESULT_FILES if not (folder / name).is_file()]
    if missing:
        raise MissingDataError(
            f"Résultats de l'échelle absents de {folder} ({', '.join(missing)}). "
            "Restaurez-les avec `git checkout -- data/scaling` ou refaites-les avec "
            "`uv run llmlab entrainer echelle --livrer`."
        )
    settings = json.loads((folder / "ladder.json").read_text(encoding="utf-8"))
    return LadderResults(
        pd.read_csv(folder / "ladder.csv"),
        pd.read_csv(folder / "history.csv"),
        pd.read_csv(folder / "words.csv"),
        settings,
    )


def exact_match(words, min_length: int = 2, max_length: int = MAX_WORD_LENGTH):
    """Par modèle : part des mots de ``min_length`` à
    ``max_length`` lettres complétés exactement, et justesse de
    leurs lettres 2 à k (la métrique continue)."""
    part = words[(words.length >= min_length) & (words.length <= max_length)]
    sums = part.groupby("name", sort=False)[["words", "exact", "letters", "letters_correct"]].sum()
    return sums.assign(
        exact_match=sums.exact / sums.words, letter_accuracy=sums.letters_correct / sums.letters
    )[["words", "exact_match", "letter_accuracy"]]


def plot_emergence(results: LadderResults, min_length: int = 8, axes=None):
    """Trois vues de la même échelle contre N : la perte, la
    justesse des lettres (lisses) et la complétion exacte des
    mots d'au moins ``min_length`` lettres, avec ce que
    prédirait p^(k − 1) lettre par lettre."""
    import matplotlib.pyplot as plt
    import numpy as np
    from matplotlib.ticker import FuncFormatter

    from llmlab import style
    from llmlab.display import french_general
    from llmlab.scale import percent_axis

    style.use()
    if axes is None:
        _, axes = plt.subplots(1, 3, figsize=(12, 3.6), layout="constrained")
    lad = results.ladder
    n = lad.n_nonembedding.to_numpy()
    long = exact_match(results.words, min_length).reindex(lad.name)
    words = results.words[results.words.length >= min_length]
    predicted = []
    for name in lad.name:  # moyenne de p^(k − 1) sur les mots, p : justesse des lettres
        w = words[words.name == name]
        p = w.letters_correct.sum() / w.letters.sum()
        predicted.append((w.words * p ** (w.length - 1)).sum() / w.words.sum())
    panels = [
        (axes[0], lad.val_loss, "perte de validation", None),
        (
            axes[1],
            long.letter_accuracy,
            f"justesse des lettres\n(mots de {min_length}+ lettres)",
            None,
        ),
        (
            axes[2],
            long.exact_match,
            f"mots de {min_length}+ lettres\ncomplétés exactement",
            np.array(predicted),
        ),
    ]
    for ax, values, title, guess in panels:
        ax.plot(n, values, marker="o", label="mesure")
        if guess is not None:
            ax.plot(n, guess, linestyle=":", label="p^(k − 1)")
            ax.legend(fontsize=11)
        ax.set_xscale("log")
        ax.set_title(title, fontsize=13)
        ax.set_xlabel("paramètres N")
    axes[0].yaxis.set_major_formatter(FuncFormatter(lambda v, _: french_general(v, 3)))
    for ax in axes[1:]:
        ax.set_ylim(0, max(0.05, ax.get_ylim()[1]))
        percent_axis(ax)
    return axes
