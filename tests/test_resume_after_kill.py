"""Rien ne se perd quand un entraînement meurt : un vrai `llmlab entrainer`, tué par SIGKILL
au milieu (ni Ctrl-C ni `finally` : comme un noyau tué ou un portable à court de batterie),
puis repris par `--reprendre`, finit avec exactement les poids d'un entraînement d'un trait.

Petite configuration (un GRU de quelques milliers de paramètres, un fil de calcul) : l'essentiel
du temps est le démarrage de Python et de torch dans chaque processus.
"""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch

from llmlab.checkpoints import load_checkpoint

TEXT = "Le petit chat dort sur le tapis rouge ; le chien court dans le jardin. " * 150
STEPS = 300
ARGS = [
    "entrainer",
    "gru",
    "--steps",
    str(STEPS),
    "--batch-size",
    "8",
    "--block-size",
    "16",
    "--n-embd",
    "16",
    "--n-hidden",
    "32",
    "--threads",
    "1",
    "--seed",
    "3",
    "--sauvegarde",
    "0.2",
]


def start(tmp_path: Path, folder: str, *extra) -> subprocess.Popen:
    corpus = tmp_path / "corpus.txt"
    if not corpus.exists():
        corpus.write_text(TEXT, encoding="utf-8")
    env = {**os.environ, "LLMLAB_DEVICE": "cpu"}
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "llmlab.cli",
            *ARGS,
            "--corpus",
            str(corpus),
            "--dossier",
            str(tmp_path / folder),
            *extra,
        ],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def saved(folder: Path) -> Path | None:
    """Le checkpoint de ``folder`` ; s'il a été tué entre ses deux renommages, l'ancien, mis
    de côté à côté (``.nom.old-*``)."""
    for candidate in [folder, *folder.parent.glob(f".{folder.name}.old-*")]:
        if (candidate / "state.json").is_file():
            return candidate
    return None


def saved_step(folder: Path) -> int | None:
    try:
        state = saved(folder) / "state.json"
        return json.loads(state.read_text(encoding="utf-8"))["step"]
    except (TypeError, OSError, ValueError, KeyError):  # pas encore, ou en plein renommage
        return None


def finish(proc: subprocess.Popen) -> str:
    out, err = proc.communicate(timeout=600)
    assert proc.returncode == 0, out + err
    return out


def test_sigkill_mid_run_then_resume_gives_the_weights_of_an_uninterrupted_run(tmp_path):
    t0 = time.monotonic()
    reference = start(tmp_path, "trait")  # d'un trait, en même temps
    victim = start(tmp_path, "tue")
    folder = tmp_path / "tue"
    deadline = time.monotonic() + 600
    # tué après une évaluation (au pas 37) : l'historique d'avant la mort doit survivre
    while (saved_step(folder) or 0) < 50:
        assert victim.poll() is None, (
            "l'entraînement a fini avant d'être tué : " + victim.communicate()[1][-1000:]
        )
        assert time.monotonic() < deadline, "aucun checkpoint écrit en 10 minutes"
        time.sleep(0.02)
    victim.kill()  # SIGKILL : aucun code de Python ne s'exécute
    victim.communicate(timeout=60)
    if hasattr(signal, "SIGKILL"):
        assert victim.returncode == -signal.SIGKILL
    killed_at = saved_step(folder)
    assert 50 <= killed_at < STEPS, f"tué au pas {killed_at} sur {STEPS} : pas au milieu"
    before = load_checkpoint(saved(folder))["history"]["step"].tolist()
    assert before[:2] == [0, 37], before  # évaluations tous les 300 // 8 pas

    resumed = finish(start(tmp_path, "tue", "--reprendre"))
    finish(reference)
    seconds = time.monotonic() - t0

    ours, ref = load_checkpoint(folder), load_checkpoint(tmp_path / "trait")
    assert ours["state"]["step"] == ref["state"]["step"] == STEPS
    assert ours["weights"].keys() == ref["weights"].keys()
    for name, tensor in ref["weights"].items():
        assert torch.equal(ours["weights"][name], tensor), name  # bit à bit
    # l'historique d'avant la mort est gardé, celui d'après refait à l'identique
    cols = ["step", "train_loss", "val_loss"]
    assert ours["history"][cols].equals(ref["history"][cols])
    assert ours["history"]["step"].tolist()[: len(before)] == before
    assert "Pas encore de checkpoint" not in resumed
    print(f"tué au pas {killed_at}/{STEPS}, repris ; test en {seconds:.0f} s")


def test_a_run_killed_between_the_two_renames_resumes_from_the_previous_checkpoint(tmp_path):
    """SIGKILL entre « l'ancien mis de côté » et « le nouveau à sa place » : le dossier manque,
    l'ancien est à côté. La reprise le remet en place au lieu de repartir de zéro."""
    from llmlab.checkpoints import recover_checkpoint, save_checkpoint
    from llmlab.tokenizers import CharTokenizer
    from llmlab.training import TokenData, TrainConfig, train

    tok = CharTokenizer.train(TEXT)
    data = TokenData.from_text(TEXT, tok, block_size=8)
    config = TrainConfig(max_steps=6, batch_size=4, block_size=8, eval_every=3, eval_batches=1)
    model = torch.nn.Sequential(
        torch.nn.Embedding(tok.vocab_size, 8), torch.nn.Linear(8, tok.vocab_size)
    )
    path = tmp_path / "ck"
    train(
        model,
        data,
        TrainConfig(**{**config.__dict__, "max_steps": 3}),
        checkpoint_path=path,
        progress=False,
    )
    path.rename(tmp_path / ".ck.old-1234abcd")  # l'état que laisse le kill
    (tmp_path / ".ck.tmp-deadbeef").mkdir()  # et une écriture pas finie
    assert recover_checkpoint(tmp_path / "absent") is None
    result = train(model, data, config, checkpoint_path=path, resume=True, progress=False)
    assert result.history["step"].tolist() == [0, 3, 6]  # repris au pas 3, pas à 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ck"]  # restes effacés
    with pytest.raises(ValueError, match="checkpoint_seconds"):
        train(model, data, TrainConfig(checkpoint_seconds=-1, block_size=8), progress=False)
    assert save_checkpoint(path, model, step=7) == path
