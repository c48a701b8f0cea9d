"""Refait les entraînements du cours « Entraîner un LLM » et leurs tableaux livrés.

    uv run python scripts/entrainer_un_llm.py planning          # runs du planning du taux
    uv run python scripts/entrainer_un_llm.py surapprentissage  # mini-GPT sur le corpus français
    uv run python scripts/entrainer_un_llm.py affinage          # affiner le mini-GPT livré

Les deux premiers lancent `llmlab entrainer gpt` (un processus par run, `--threads 1`) dans
``--dossier`` (défaut : ``checkpoints/entrainement``) ; un run déjà fini dans ce dossier n'est
pas refait : ``--dossier`` sert aussi à rassembler des runs faits à la main. Chaque tableau
est écrit dans ``data/entrainement/`` ; son empreinte est affichée pour
``llmlab.data.DATA_FILES``. Durées (machine à 2 cœurs au repos) : environ 2 à 3 minutes par
run du mini-GPT, une minute pour l'affinage ; sur une machine chargée, bien plus.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd

from llmlab import data as D
from llmlab._paths import DATA_DIR
from llmlab.display import french_general

OUT = DATA_DIR / D.RUNS_DIR

#: Les runs du planning, dans l'ordre où ils ont été faits : (nom, options de la commande).
#: Même modèle, mêmes données, même graine, mêmes 2 000 pas de 12 fenêtres : seul le taux
#: change. Le premier est l'ancien modèle livré (taux maximal de nanoGPT, 1e-3, gardé
#: constant ; validation 1,869) ; le second, le modèle livré aujourd'hui (`data/gpt`,
#: 1,782), dont le planning est devenu le défaut de `llmlab entrainer gpt`. Un run à `--threads 1` redonne les mêmes
#: poids qu'un `--livrer` : on peut donc aussi copier le `state.json` et l'`history.csv`
#: d'un modèle livré dans ``--dossier``/<run>.
PLANNING_RUNS = [
    ("constant-1e-3", ["--planning", "constant", "--lr", "1e-3"]),
    ("cosinus-2e-3", ["--planning", "cosinus", "--echauffement", "100", "--lr", "2e-3"]),
]

#: Le mini-GPT sur le petit corpus français : sans, puis avec dropout (taux constant : le
#: surapprentissage se voit mieux quand le taux ne baisse pas).
_FRENCH = ["--corpus", "data/corpus_fr.txt", "--steps", "800", "--planning", "constant"]
OVERFIT_RUNS = [
    ("dropout-0", [*_FRENCH, "--lr", "1e-3"]),
    ("dropout-0.2", [*_FRENCH, "--lr", "1e-3", "--dropout", "0.2"]),
]


def run_all(runs, folder: Path) -> dict[str, Path]:
    """Lance chaque run qui n'est pas déjà fini dans ``folder`` ; rend leurs dossiers."""
    out = {}
    for name, options in runs:
        target = folder / name
        state = target / "state.json"
        done = (
            state.exists()
            and json.loads(state.read_text("utf-8"))["step"]
            == json.loads(state.read_text("utf-8"))["train_config"]["max_steps"]
        )
        if not done:
            cmd = [
                sys.executable,
                "-m",
                "llmlab.cli",
                "entrainer",
                "gpt",
                "--threads",
                "1",
                "--dossier",
                str(target),
                "--reprendre",
                *options,
            ]
            print("$", " ".join(cmd[2:]), flush=True)
            t0 = time.perf_counter()
            subprocess.run(cmd, check=True)
            print(f"  {time.perf_counter() - t0:.0f} s", flush=True)
        out[name] = target
    return out


def histories(folders: dict[str, Path]) -> pd.DataFrame:
    frames = []
    for name, folder in folders.items():
        h = pd.read_csv(folder / "history.csv")
        frames.append(h.assign(run=name)[["run", "step", "train_loss", "val_loss", "elapsed_s"]])
    return pd.concat(frames, ignore_index=True)


def summary(runs, folders: dict[str, Path]) -> pd.DataFrame:
    rows = []
    for name, options in runs:
        state = json.loads((folders[name] / "state.json").read_text("utf-8"))
        c = state["train_config"]
        h = pd.read_csv(folders[name] / "history.csv")
        rows.append(
            {
                "run": name,
                "planning": c.get("lr_schedule", "constant"),
                "lr_max": c["learning_rate"],
                "echauffement": c.get("warmup_steps", 0),
                "lr_min": c.get("min_lr", 0.0),
                "decroissance": c["weight_decay"],
                "pas": int(h.step.iloc[-1]),
                "val_finale": h.val_loss.iloc[-1],
                "secondes": h.elapsed_s.iloc[-1],
                "options": " ".join(options) or "(défaut)",
            }
        )
    return pd.DataFrame(rows)


def write(frame: pd.DataFrame, name: str) -> None:
    OUT.mkdir(exist_ok=True)
    path = OUT / f"{name}.csv"
    frame.to_csv(path, index=False, float_format="%.6g")
    print(f"{path.relative_to(DATA_DIR)} : {D.sha256_file(path)}")


def cmd_planning(args) -> None:
    folders = run_all(PLANNING_RUNS, Path(args.dossier))
    write(histories(folders), "planning")
    write(summary(PLANNING_RUNS, folders), "planning-runs")


def cmd_surapprentissage(args) -> None:
    folders = run_all(OVERFIT_RUNS, Path(args.dossier))
    write(histories(folders), "surapprentissage")


def cmd_affinage(args) -> None:
    import torch

    from llmlab.finetune import finetune, to_vocabulary
    from llmlab.sampling import generate_text
    from llmlab.shipped import load_shipped_gpt
    from llmlab.training import TokenData

    torch.set_num_threads(1)
    rows, texts = [], []
    for lr in (1e-3, 1e-4):
        model, tok, _, _ = load_shipped_gpt()
        french, dropped = to_vocabulary(D.load_french_corpus(), tok.chars)
        old = TokenData.from_split_text(D.load_shakespeare(), tok, 64)
        new = TokenData.from_split_text(french, tok, 64)
        before = generate_text(model, tok, "Bonjour mon ", 120, seed=0, temperature=0.8)
        t0 = time.perf_counter()
        for row in finetune(model, old, new, stages=(25, 50, 100, 200, 400), lr=lr):
            rows.append({"lr": lr, **row})
        print(
            f"taux {french_general(lr)} : {time.perf_counter() - t0:.0f} s ({dropped} caractères "
            "hors du vocabulaire ramenés ou retirés)",
            flush=True,
        )
        after = generate_text(model, tok, "Bonjour mon ", 120, seed=0, temperature=0.8)
        texts += [
            {"lr": lr, "moment": "avant", "texte": before},
            {"lr": lr, "moment": "après", "texte": after},
        ]
    write(pd.DataFrame(rows), "affinage")
    write(pd.DataFrame(texts), "affinage-textes")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="quoi", required=True)
    for name, func in (
        ("planning", cmd_planning),
        ("surapprentissage", cmd_surapprentissage),
        ("affinage", cmd_affinage),
    ):
        p = sub.add_parser(name)
        p.add_argument(
            "--dossier",
            default="checkpoints/entrainement",
            help="dossier des checkpoints des runs (défaut : checkpoints/entrainement)",
        )
        p.set_defaults(func=func)
    args = parser.parse_args()
    args.func(args)


if __name__ == "__main__":
    main()
