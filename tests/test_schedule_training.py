"""Le planning du taux dans la boucle (`TrainConfig.lr_schedule`) et dans la CLI :
le taux de chaque pas, la reprise au même planning, les refus en français."""

import json

import pytest
import torch

# Le texte et les petits modèles des tests de la boucle (Ctrl-C au n-ième passage compris).
from test_training import TEXT, Tiny
from test_training import InterruptAt as StopAt

from llmlab import training
from llmlab.checkpoints import CheckpointError, load_checkpoint
from llmlab.schedules import learning_rate_at
from llmlab.tokenizers import CharTokenizer
from llmlab.training import TokenData, TrainConfig, seed_everything, train


@pytest.fixture(scope="module")
def tok():
    return CharTokenizer.train(TEXT)


@pytest.fixture(scope="module")
def data(tok):
    return TokenData.from_text(TEXT, tok, block_size=8)


def cosine(**kw):
    base = dict(
        max_steps=30,
        batch_size=8,
        block_size=8,
        eval_every=10,
        eval_batches=2,
        learning_rate=2e-2,
        lr_schedule="cosinus",
        warmup_steps=5,
        min_lr=1e-3,
        weight_decay=0.1,
        seed=7,
    )
    base.update(kw)
    return TrainConfig(**base)


def fresh(tok, cls=Tiny, **kw):
    seed_everything(0)
    return cls(tok.vocab_size, **kw)


def test_each_step_uses_the_scheduled_rate(tok, data, monkeypatch):
    seen = []
    step = training.train_step

    def spy(model, optimizer, x, y, grad_clip=None):
        seen.append({g["lr"] for g in optimizer.param_groups})
        return step(model, optimizer, x, y, grad_clip)

    monkeypatch.setattr(training, "train_step", spy)
    train(fresh(tok), data, cosine(), progress=False)
    expected = [
        learning_rate_at(
            t, lr=2e-2, schedule="cosinus", warmup_steps=5, total_steps=30, min_lr=1e-3
        )
        for t in range(30)
    ]
    assert seen == [{lr} for lr in expected]
    assert expected[0] == pytest.approx(4e-3) and max(expected) == 2e-2


def test_constant_default_changes_nothing(tok, data):
    """Le planning constant par défaut donne les poids d'avant les plannings : le taux
    reste celui qu'AdamW a reçu à sa création."""
    a, b = fresh(tok), fresh(tok)
    base = dict(
        max_steps=12,
        batch_size=8,
        block_size=8,
        eval_every=6,
        eval_batches=2,
        learning_rate=1e-2,
        seed=7,
    )
    train(a, data, TrainConfig(**base), progress=False)
    train(b, data, TrainConfig(**base, lr_schedule="constant", warmup_steps=0), progress=False)
    assert all(torch.equal(x, y) for x, y in zip(a.state_dict().values(), b.state_dict().values()))


def test_interrupted_then_resumed_follows_the_same_schedule(tmp_path, tok, data):
    ref = fresh(tok)
    train(ref, data, cosine(), progress=False)
    ckpt = tmp_path / "ck"
    stopped = train(fresh(tok, StopAt, at=18), data, cosine(), checkpoint_path=ckpt, progress=False)
    assert stopped.interrupted and stopped.step == 17
    saved = load_checkpoint(ckpt)["state"]["train_config"]
    assert (saved["lr_schedule"], saved["warmup_steps"], saved["min_lr"]) == ("cosinus", 5, 1e-3)
    model = fresh(tok)
    resumed = train(model, data, cosine(), checkpoint_path=ckpt, resume=True, progress=False)
    assert resumed.step == 30
    assert all(
        torch.equal(x, y) for x, y in zip(model.state_dict().values(), ref.state_dict().values())
    )


@pytest.mark.parametrize(
    "change, word",
    [
        (dict(lr_schedule="constant"), "lr_schedule"),
        (dict(warmup_steps=2), "warmup_steps"),
        (dict(max_steps=40), "max_steps"),
    ],
)
def test_resume_with_another_schedule_is_refused(tmp_path, tok, data, change, word):
    ckpt = tmp_path / "ck"
    train(fresh(tok), data, cosine(max_steps=10), checkpoint_path=ckpt, progress=False)
    config = cosine(max_steps=10)
    for k, v in change.items():
        setattr(config, k, v)
    with pytest.raises(CheckpointError, match=word):
        train(fresh(tok), data, config, checkpoint_path=ckpt, resume=True, progress=False)


def test_old_checkpoint_without_schedule_resumes_as_constant(tmp_path, tok, data):
    ckpt = tmp_path / "ck"
    base = dict(
        max_steps=6,
        batch_size=8,
        block_size=8,
        eval_every=3,
        eval_batches=2,
        learning_rate=1e-2,
        seed=7,
    )
    train(fresh(tok), data, TrainConfig(**base), checkpoint_path=ckpt, progress=False)
    state = json.loads((ckpt / "state.json").read_text(encoding="utf-8"))
    for key in ("lr_schedule", "warmup_steps", "min_lr"):  # un checkpoint d'avant
        del state["train_config"][key]
    (ckpt / "state.json").write_text(json.dumps(state), encoding="utf-8")
    more = TrainConfig(**{**base, "max_steps": 9})
    assert (
        train(fresh(tok), data, more, checkpoint_path=ckpt, resume=True, progress=False).step == 9
    )
    with pytest.raises(CheckpointError, match="lr_schedule"):
        train(
            fresh(tok),
            data,
            TrainConfig(**{**base, "lr_schedule": "cosinus"}),
            checkpoint_path=ckpt,
            resume=True,
            progress=False,
        )


def test_bad_schedule_is_refused_before_training(tok, data):
    with pytest.raises(ValueError, match="plus court"):
        train(fresh(tok), data, cosine(warmup_steps=30), progress=False)


# --- la commande ------------------------------------------------------------------------

TINY = [
    "--steps",
    "8",
    "--batch-size",
    "4",
    "--block-size",
    "8",
    "--n-embd",
    "16",
    "--n-head",
    "2",
    "--n-layer",
    "1",
    "--threads",
    "1",
]


def test_cli_schedule_is_saved_and_resumed(tmp_path, capsys):
    from llmlab.cli import main

    corpus = tmp_path / "c.txt"
    corpus.write_text("le chat dort. le chien court. " * 40, encoding="utf-8")
    ck = tmp_path / "ck"
    common = ["entrainer", "gpt", "--corpus", str(corpus), "--dossier", str(ck), *TINY]
    assert (
        main(
            [
                *common,
                "--planning",
                "cosinus",
                "--echauffement",
                "2",
                "--lr-max",
                "3e-3",
                "--decroissance-poids",
                "0.1",
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "cosinus de 0,003 à 0,0003 en 8 pas, échauffement de 2 pas" in out
    saved = load_checkpoint(ck)["state"]["train_config"]
    assert saved["lr_schedule"] == "cosinus" and saved["min_lr"] == pytest.approx(3e-4)
    assert saved["weight_decay"] == 0.1 and saved["learning_rate"] == 3e-3
    # --reprendre sans redonner le planning : celui du checkpoint
    assert main([*common, "--reprendre"]) == 0
    assert "cosinus de 0,003 à 0,0003" in capsys.readouterr().out
    # un autre planning : refusé, en français
    assert main([*common, "--reprendre", "--planning", "constant"]) == 1
    err = capsys.readouterr().err  # dit avec les options de la commande, pas les noms Python
    assert "--planning : cosinus → constant" in err and "sans --reprendre" in err
    assert "lr_schedule" not in err and "resume=False" not in err


def test_cli_refuses_a_warmup_longer_than_training(tmp_path, capsys):
    from llmlab.cli import main

    corpus = tmp_path / "c.txt"
    corpus.write_text("abc " * 200, encoding="utf-8")
    assert (
        main(
            [
                "entrainer",
                "gpt",
                "--corpus",
                str(corpus),
                "--dossier",
                str(tmp_path / "ck"),
                *TINY,
                "--planning",
                "cosinus",
                "--echauffement",
                "8",
            ]
        )
        == 1
    )
    assert "plus court" in capsys.readouterr().err


def test_gpt_default_is_the_shipped_schedule_and_gru_stays_constant(tmp_path, capsys):
    """Sans option, `entrainer gpt` suit le planning du modèle livré (échauffement sur 5 % des
    pas jusqu'à 2e-3, cosinus jusqu'au dixième) ; le GRU garde son taux constant."""
    from llmlab.cli import main
    from llmlab.cli_train import GPT_DEFAULTS

    corpus = tmp_path / "c.txt"
    corpus.write_text("le chat dort. le chien court. " * 40, encoding="utf-8")
    steps = [a if a != "8" else "40" for a in TINY]
    gpt = ["entrainer", "gpt", "--corpus", str(corpus), "--dossier", str(tmp_path / "g")]
    assert main([*gpt, *steps]) == 0
    assert "cosinus de 0,002 à 0,0002 en 40 pas, échauffement de 2 pas" in capsys.readouterr().out
    saved = load_checkpoint(tmp_path / "g")["state"]["train_config"]
    assert (saved["lr_schedule"], saved["warmup_steps"]) == ("cosinus", 2)
    assert GPT_DEFAULTS["echauffement_part"] * GPT_DEFAULTS["steps"] == 100  # le modèle livré
    # --planning constant : l'ancien réglage, sans échauffement ni taux minimal
    old = ["entrainer", "gpt", "--corpus", str(corpus), "--dossier", str(tmp_path / "c")]
    assert main([*old, *steps, "--planning", "constant", "--lr", "1e-3"]) == 0
    saved = load_checkpoint(tmp_path / "c")["state"]["train_config"]
    assert (saved["lr_schedule"], saved["warmup_steps"], saved["min_lr"]) == ("constant", 0, 0.0)
    gru = ["entrainer", "gru", "--corpus", str(corpus), "--dossier", str(tmp_path / "r")]
    small = ["--steps", "4", "--batch-size", "4", "--block-size", "8", "--threads", "1"]
    assert main([*gru, *small]) == 0
    saved = load_checkpoint(tmp_path / "r")["state"]["train_config"]
    assert (saved["lr_schedule"], saved["warmup_steps"]) == ("constant", 0)
