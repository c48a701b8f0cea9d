"""La boucle d'entraînement commune (`llmlab.training`), ses checkpoints
(`llmlab.checkpoints`) et sa perte (`llmlab.evaluation`).

Petits modèles (embedding, dropout, linéaire) : quelques secondes en tout.
Références : un run d'un trait pour la reprise, deux runs pour la
répétabilité, les données elles-mêmes (identifiants = positions) pour
les lots.
"""

import json
import os
import signal
import warnings

import pandas as pd
import pytest
import torch

from llmlab import checkpoints, training
from llmlab.checkpoints import CheckpointError, load_checkpoint, save_checkpoint
from llmlab.display import source_code
from llmlab.evaluation import estimate_loss
from llmlab.tokenizers import BPETokenizer, CharTokenizer
from llmlab.training import (
    TokenData,
    TrainConfig,
    pick_device,
    plot_history,
    seed_everything,
    train,
)

TEXT = "le petit chat dort sur le tapis rouge. " * 60


class Tiny(torch.nn.Module):
    """Embedding -> dropout -> linéaire : le dropout exerce l'aléa de torch."""

    def __init__(self, vocab_size, n_embd=16, dropout=0.1):
        super().__init__()
        self.config = {"vocab_size": vocab_size, "n_embd": n_embd}
        self.emb = torch.nn.Embedding(vocab_size, n_embd)
        self.drop = torch.nn.Dropout(dropout)
        self.head = torch.nn.Linear(n_embd, vocab_size)

    def forward(self, idx):
        return self.head(self.drop(self.emb(idx)))


class InterruptAt(Tiny):
    """Lève KeyboardInterrupt au n-ième passage d'entraînement (avant
    la mise à jour : au milieu d'un pas)."""

    def __init__(self, vocab_size, at):
        super().__init__(vocab_size)
        self.at, self.calls = at, 0

    def forward(self, idx):
        if torch.is_grad_enabled():
            self.calls += 1
            if self.calls == self.at:
                raise KeyboardInterrupt
        return super().forward(idx)


@pytest.fixture(scope="module")
def tok():
    return CharTokenizer.train(TEXT)


@pytest.fixture(scope="module")
def data(tok):
    return TokenData.from_text(TEXT, tok, block_size=8)


def config(**kw):
    base = dict(
        max_steps=30,
        batch_size=8,
        block_size=8,
        eval_every=10,
        eval_batches=2,
        learning_rate=1e-2,
        seed=7,
    )
    base.update(kw)
    return TrainConfig(**base)


def fresh(tok, seed=0, cls=Tiny, **kw):
    seed_everything(seed)
    return cls(tok.vocab_size, **kw)


def same_weights(a, b):
    sa, sb = a.state_dict(), b.state_dict()
    return sa.keys() == sb.keys() and all(torch.equal(sa[k], sb[k]) for k in sa)


@pytest.fixture(scope="module")
def reference(tok, data):
    """Le run d'un trait auquel on compare les runs interrompus."""
    model = fresh(tok)
    result = train(model, data, config(), progress=False)
    return model, result


# --- données ------------------------------------------------------------------------------


def test_split_is_contiguous_and_batches_are_shifted_windows():
    ids = list(range(1000))
    d = TokenData(ids, block_size=5, val_fraction=0.1)
    assert d.train.tolist() == ids[:900] and d.val.tolist() == ids[900:]
    g = torch.Generator().manual_seed(0)
    x, y = d.get_batch("train", 64, generator=g)
    assert x.shape == y.shape == (64, 5) and x.dtype == torch.long
    # identifiant = position : chaque ligne est une fenêtre contiguë,
    # y est x décalé d'un, et la fenêtre reste dans sa partie
    assert torch.equal(x[:, 1:] - x[:, :-1], torch.ones(64, 4, dtype=torch.long))
    assert torch.equal(y, x + 1)
    assert int(y.max()) < 900
    xv, yv = d.get_batch("val", 64, generator=g)
    assert int(xv.min()) >= 900 and int(yv.max()) <= 999
    # fenêtres tirées au hasard : pas toutes au même endroit
    assert len(set(x[:, 0].tolist())) > 10


def test_batches_follow_the_generator():
    d = TokenData(list(range(500)), block_size=4)
    a = d.get_batch("train", 8, torch.Generator().manual_seed(3))
    b = d.get_batch("train", 8, torch.Generator().manual_seed(3))
    c = d.get_batch("train", 8, torch.Generator().manual_seed(4))
    assert torch.equal(a[0], b[0]) and not torch.equal(a[0], c[0])


def test_from_text_with_the_course_tokenizers(tok):
    d = TokenData.from_text(TEXT, tok, block_size=8, val_fraction=0.2)
    ids = tok.encode(TEXT)
    assert torch.cat([d.train, d.val]).tolist() == ids
    assert d.min_vocab_size == tok.vocab_size
    bpe = BPETokenizer().train(TEXT, vocab_size=270)
    d = TokenData.from_text(TEXT, bpe, block_size=4)
    assert torch.cat([d.train, d.val]).tolist() == bpe.encode(TEXT)


@pytest.mark.parametrize(
    "n, block, why",
    [
        (50, 8, "validation a 5 tokens"),  # 45 | 5 : la validation est trop courte
        (5, 8, "entraînement"),
    ],
)
def test_text_shorter_than_a_window_says_what_to_do(n, block, why):
    with pytest.raises(ValueError, match="Corpus trop court") as info:
        TokenData(list(range(n)), block_size=block)
    assert why in str(info.value) and "block_size" in str(info.value)


def test_other_data_errors():
    with pytest.raises(ValueError, match="val_fraction"):
        TokenData(list(range(100)), 4, val_fraction=0)
    with pytest.raises(ValueError, match="une dimension"):
        TokenData([[1, 2], [3, 4]], 1)
    with pytest.raises(ValueError, match="« train » ou « val »"):
        TokenData(list(range(100)), 4).get_batch("test", 2)


# --- appareil, graines, réglages ----------------------------------------------------------


def test_pick_device_cpu_then_mps_only_on_request(monkeypatch):
    monkeypatch.delenv("LLMLAB_DEVICE", raising=False)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert pick_device() == torch.device("cpu")
    with pytest.warns(UserWarning, match="MPS.*pertes fausses"):
        assert pick_device(allow_mps=True) == torch.device("mps")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert pick_device(allow_mps=True) == torch.device("cuda")
    monkeypatch.setenv("LLMLAB_DEVICE", "cpu")
    assert pick_device(allow_mps=True) == torch.device("cpu")
    monkeypatch.setenv("LLMLAB_DEVICE", "gpu-rapide")
    with pytest.raises(ValueError, match="LLMLAB_DEVICE"):
        pick_device()


def test_a_forced_device_missing_from_the_machine_is_a_french_error(monkeypatch):
    # Sans ce contrôle, torch échouait au premier tenseur, en anglais et avec une trace.
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: False)
    for name, what in (("cuda", "GPU NVIDIA"), ("cuda:1", "GPU NVIDIA"), ("mps", "GPU Apple")):
        monkeypatch.setenv("LLMLAB_DEVICE", name)
        with pytest.raises(ValueError, match=f"ne trouve pas de {what}.*LLMLAB_DEVICE=cpu"):
            pick_device()
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setenv("LLMLAB_DEVICE", "cuda")
    assert pick_device() == torch.device("cuda")


def test_config_round_trip_and_unknown_key():
    c = config(grad_clip=None, checkpoint_every=5)
    assert TrainConfig.from_dict(json.loads(json.dumps(c.to_dict()))) == c
    with pytest.raises(ValueError, match="inconnu.*lr"):
        TrainConfig.from_dict({"lr": 0.1})


def test_block_size_must_match_the_data(tok, data):
    with pytest.raises(ValueError, match="block_size"):
        train(Tiny(tok.vocab_size), data, config(block_size=16), progress=False)


def test_vocabulary_too_small_is_explained(tok, data):
    with pytest.raises(ValueError, match="vocabulaire du modèle") as info:
        train(Tiny(tok.vocab_size - 3), data, config(), progress=False)
    assert info.value.__cause__ is None and info.value.__suppress_context__


def test_wrong_output_shape_is_explained(data):
    class Flat(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.lin = torch.nn.Linear(8, 3)

        def forward(self, idx):
            return self.lin(idx.float())

    with pytest.raises(ValueError, match=r"\(B, T, V\)"):
        train(Flat(), data, config(), progress=False)


# --- la boucle ----------------------------------------------------------------------------


def test_training_lowers_the_loss_and_records_history(reference, tok):
    model, result = reference
    h = result.history
    assert list(h.columns) == ["step", "train_loss", "val_loss", "tokens_per_s", "elapsed_s"]
    assert h["step"].tolist() == [0, 10, 20, 30]
    # au départ, la perte d'un modèle au hasard est proche de ln(V)
    assert abs(h["val_loss"].iloc[0] - torch.log(torch.tensor(tok.vocab_size))) < 0.5
    assert h["val_loss"].iloc[-1] < h["val_loss"].iloc[0] - 0.5
    assert (h["tokens_per_s"].iloc[1:] > 0).all() and h["elapsed_s"].is_monotonic_increasing
    assert not result.interrupted and result.checkpoint is None and result.step == 30


def test_two_cpu_runs_give_the_same_losses(reference, tok, data):
    _, first = reference
    model = fresh(tok)
    again = train(model, data, config(), progress=False)
    cols = ["step", "train_loss", "val_loss"]
    pd.testing.assert_frame_equal(again.history[cols], first.history[cols])
    assert same_weights(model, reference[0])
    other = train(fresh(tok), data, config(seed=8), progress=False)
    assert other.history["val_loss"].iloc[-1] != first.history["val_loss"].iloc[-1]


def test_estimate_loss_leaves_the_run_alone(tok, data):
    model = fresh(tok)
    model.train()
    before = torch.get_rng_state()
    a = estimate_loss(model, data, batches=3, batch_size=4)
    b = estimate_loss(model, data, batches=3, batch_size=4)
    assert a == b and set(a) == {"train", "val"}  # mêmes lots, pas de dropout
    assert torch.equal(torch.get_rng_state(), before) and model.training


def test_progress_bar_shows_losses_and_speed(tok, data, capsys):
    train(fresh(tok), data, config(max_steps=10, eval_every=5), progress=True)
    err = capsys.readouterr().err
    assert "perte" in err and "val" in err and "tokens/s" in err


def test_samples_at_several_stages_do_not_change_the_run(reference, tok, data):
    def sample(model):
        torch.rand(100)  # l'échantillonnage consomme de l'aléa…
        assert not model.training
        return f"échantillon {torch.randint(10, (1,)).item()}"

    model = fresh(tok)
    result = train(model, data, config(), progress=False, sample_fn=sample, sample_every=10)
    assert sorted(result.samples) == [10, 20, 30]
    assert all(s.startswith("échantillon") for s in result.samples.values())
    assert same_weights(model, reference[0])  # …sans changer l'entraînement


# --- reprise : un run interrompu puis repris = un run d'un trait ---------------------------


def resume_and_compare(tmp_path, tok, data, reference, interrupted):
    ckpt = tmp_path / "ckpt"
    assert interrupted.interrupted and interrupted.checkpoint == ckpt
    model = fresh(tok, seed=123)  # autre initialisation : écrasée par la reprise
    resumed = train(model, data, config(), checkpoint_path=ckpt, resume=True, progress=False)
    assert not resumed.interrupted and resumed.step == 30
    assert same_weights(model, reference[0])
    ref = reference[1].history
    assert resumed.history["val_loss"].iloc[-1] == ref["val_loss"].iloc[-1]
    assert resumed.history["step"].tolist() == ref["step"].tolist()
    return resumed


def test_interrupt_mid_step_then_resume_is_bit_identical(tmp_path, tok, data, reference, capsys):
    model = fresh(tok, cls=InterruptAt, at=17)
    result = train(model, data, config(), checkpoint_path=tmp_path / "ckpt", progress=False)
    assert result.step == 16 and result.history["step"].tolist() == [0, 10]
    out = capsys.readouterr().out
    assert "interrompu au pas 16 sur 30" in out and "resume=True" in out
    assert load_checkpoint(tmp_path / "ckpt")["state"]["step"] == 16
    resume_and_compare(tmp_path, tok, data, reference, result)


def test_the_command_line_says_its_own_way_to_resume(tmp_path, tok, data, capsys):
    # Interrompu depuis « llmlab entrainer », on reprend par la commande, pas par train(...).
    model = fresh(tok, cls=InterruptAt, at=5)
    hint = "uv run llmlab entrainer gru --reprendre (avec les mêmes options)"
    train(model, data, config(), checkpoint_path=tmp_path / "c", progress=False, resume_hint=hint)
    out = capsys.readouterr().out
    assert hint in out and "resume=True" not in out


def test_interrupt_in_sample_fn_then_resume(tmp_path, tok, data, reference):
    def sample(model):
        raise KeyboardInterrupt

    result = train(
        fresh(tok),
        data,
        config(checkpoint_every=5),
        checkpoint_path=tmp_path / "ckpt",
        progress=False,
        sample_fn=sample,
        sample_every=20,
    )
    assert result.step == 20
    resume_and_compare(tmp_path, tok, data, reference, result)


def test_real_ctrl_c_finishes_the_step_then_stops(tmp_path, tok, data, reference):
    class CtrlC(Tiny):
        calls = 0

        def forward(self, idx):
            if torch.is_grad_enabled():
                self.calls += 1
                if self.calls == 12:
                    os.kill(os.getpid(), signal.SIGINT)
            return super().forward(idx)

    # Le gestionnaire d'avant est rendu tel quel (sous pytest-xdist, un processus de test peut
    # avoir SIG_IGN au lieu de celui de Python).
    before = signal.getsignal(signal.SIGINT)
    result = train(
        fresh(tok, cls=CtrlC), data, config(), checkpoint_path=tmp_path / "ckpt", progress=False
    )
    assert result.step == 12  # le pas commencé est fini, pas un de plus
    resume_and_compare(tmp_path, tok, data, reference, result)
    assert signal.getsignal(signal.SIGINT) is before


def test_resume_can_extend_max_steps(tmp_path, tok, data):
    ckpt = tmp_path / "ckpt"
    model = fresh(tok)
    train(model, data, config(max_steps=10), checkpoint_path=ckpt, progress=False)
    longer = train(
        model, data, config(max_steps=20), checkpoint_path=ckpt, resume=True, progress=False
    )
    assert longer.history["step"].tolist() == [0, 10, 20]
    assert load_checkpoint(ckpt)["state"]["step"] == 20


def test_resume_without_checkpoint_starts_from_scratch(tmp_path, tok, data, capsys):
    result = train(
        fresh(tok),
        data,
        config(max_steps=5),
        checkpoint_path=tmp_path / "new",
        resume=True,
        progress=False,
    )
    assert result.step == 5 and "départ de zéro" in capsys.readouterr().out


# --- enregistrer sans qu'on le demande : à chaque évaluation, et selon le temps -------------


def saves_of(monkeypatch, tok, data, clock=None, **kw):
    """Les pas où `train` enregistre, avec une horloge qui avance de ``clock`` s par lecture."""
    steps, real = [], training.save_checkpoint

    def spy(path, model, **kwargs):
        steps.append(kwargs["step"])
        return real(path, model, **kwargs)

    monkeypatch.setattr(training, "save_checkpoint", spy)
    if clock is not None:
        now = iter(range(0, 10**6, clock))
        monkeypatch.setattr(training, "_now", lambda: float(next(now)))
    path = kw.pop("path")
    train(fresh(tok), data, config(**kw), checkpoint_path=path, progress=False)
    return steps


def test_a_checkpoint_at_every_evaluation_and_at_the_end(tmp_path, tok, data, monkeypatch):
    assert TrainConfig().checkpoint_seconds == 60.0  # une minute par défaut
    assert saves_of(monkeypatch, tok, data, path=tmp_path / "c", checkpoint_seconds=None) == [
        10,
        20,
        30,
    ]


def test_a_checkpoint_when_a_minute_has_passed(tmp_path, tok, data, monkeypatch):
    # 21 s par lecture de l'horloge : une lecture par pas, une de plus après chaque
    # enregistrement ; les 60 s sont passées au 3e pas après le dernier enregistrement
    assert saves_of(
        monkeypatch, tok, data, clock=21, path=tmp_path / "c", max_steps=10, eval_every=100
    ) == [3, 6, 9, 10]


def test_checkpoint_seconds_zero_saves_every_step(tmp_path, tok, data, monkeypatch):
    assert saves_of(
        monkeypatch,
        tok,
        data,
        path=tmp_path / "c",
        max_steps=5,
        eval_every=100,
        checkpoint_seconds=0,
    ) == [1, 2, 3, 4, 5]


# --- format et atomicité des checkpoints --------------------------------------------------


def test_checkpoint_format_loads_without_code(tmp_path, tok, data):
    model = fresh(tok)
    result = train(
        model,
        data,
        config(max_steps=5),
        checkpoint_path=tmp_path / "c",
        progress=False,
        extra={"chars": tok.chars},
    )
    path = result.checkpoint
    assert sorted(p.name for p in path.iterdir()) == [
        "history.csv",
        "optimizer.pt",
        "state.json",
        "weights.pt",
    ]
    weights = torch.load(path / "weights.pt", weights_only=True)
    assert weights.keys() == model.state_dict().keys()
    torch.load(path / "optimizer.pt", weights_only=True)
    state = json.loads((path / "state.json").read_text("utf-8"))
    assert state["step"] == 5 and state["model_config"] == model.config
    assert state["extra"] == {"chars": tok.chars}
    assert TrainConfig.from_dict(state["train_config"]) == config(max_steps=5)
    ckpt = load_checkpoint(path)
    assert ckpt["history"]["step"].tolist() == [0, 5]
    # pour générer : un modèle neuf, reconstruit depuis la configuration
    again = Tiny(**state["model_config"])
    assert not same_weights(again, model)
    assert checkpoints.load_weights(again, path)["state"]["step"] == 5
    assert same_weights(again, model.cpu())
    with pytest.raises(CheckpointError, match="autre modèle"):
        checkpoints.load_weights(Tiny(tok.vocab_size + 1), path)


def test_interrupted_save_keeps_the_previous_checkpoint(tmp_path, tok, monkeypatch):
    model = Tiny(tok.vocab_size)
    path = save_checkpoint(tmp_path / "c", model, step=1)
    real_save = torch.save

    def crash(obj, f, *a, **kw):
        if str(f).endswith("optimizer.pt"):
            raise KeyboardInterrupt  # Ctrl-C pendant l'écriture
        return real_save(obj, f, *a, **kw)

    monkeypatch.setattr(torch, "save", crash)
    with pytest.raises(KeyboardInterrupt):
        save_checkpoint(path, model, step=2)
    assert load_checkpoint(path)["state"]["step"] == 1
    assert [p.name for p in tmp_path.iterdir()] == ["c"]  # pas de reste temporaire
    monkeypatch.setattr(torch, "save", real_save)
    save_checkpoint(path, model, step=3)
    assert [p.name for p in tmp_path.iterdir()] == ["c"]
    assert load_checkpoint(path)["state"]["step"] == 3


def test_a_temporary_folder_is_never_taken_for_a_checkpoint(tmp_path, tok, monkeypatch):
    model = Tiny(tok.vocab_size)
    seen = []
    real_replace = os.replace

    def crash_before_rename(src, dst):
        seen.append(src)
        raise KeyboardInterrupt  # tout écrit, pas encore renommé

    monkeypatch.setattr(checkpoints.os, "replace", crash_before_rename)
    with pytest.raises(KeyboardInterrupt):
        save_checkpoint(tmp_path / "c", model)
    monkeypatch.setattr(checkpoints.os, "replace", real_replace)
    assert seen and seen[0].name.startswith(".c.tmp-")
    with pytest.raises(CheckpointError, match="Aucun checkpoint"):
        load_checkpoint(tmp_path / "c")
    # un dossier temporaire laissé par un plantage brutal (sans state.json)
    tmp = tmp_path / ".c.tmp-dead"
    tmp.mkdir()
    torch.save(model.state_dict(), tmp / "weights.pt")
    with pytest.raises(CheckpointError, match="incomplet"):
        load_checkpoint(tmp)


def test_never_overwrites_a_folder_that_is_not_a_checkpoint(tmp_path, tok):
    (tmp_path / "notes.txt").write_text("à garder")
    with pytest.raises(CheckpointError, match="n'est pas un checkpoint llmlab"):
        save_checkpoint(tmp_path, Tiny(tok.vocab_size))
    assert (tmp_path / "notes.txt").read_text() == "à garder"


# --- erreurs de chargement : en français, sans trace de torch -----------------------------


@pytest.fixture
def saved(tmp_path, tok):
    return save_checkpoint(
        tmp_path / "c",
        Tiny(tok.vocab_size),
        step=4,
        model_config={"vocab_size": tok.vocab_size, "n_embd": 16},
    )


def french(excinfo, *words):
    msg = str(excinfo.value)
    assert excinfo.value.__cause__ is None, "la trace de torch ne doit pas suivre"
    for w in words:
        assert w in msg, msg


def test_missing_checkpoint(tmp_path):
    with pytest.raises(CheckpointError) as info:
        load_checkpoint(tmp_path / "absent")
    french(info, "Aucun checkpoint", "checkpoint_path")


def test_truncated_weights(saved):
    w = saved / "weights.pt"
    w.write_bytes(w.read_bytes()[:100])
    with pytest.raises(CheckpointError) as info:
        load_checkpoint(saved)
    french(info, "tronqué ou corrompu", "weights.pt")


def test_corrupt_weights_without_recorded_digest(saved):
    state = json.loads((saved / "state.json").read_text("utf-8"))
    del state["sha256"]
    (saved / "state.json").write_text(json.dumps(state), encoding="utf-8")
    (saved / "weights.pt").write_bytes(b"pas un fichier torch")
    with pytest.raises(CheckpointError) as info:
        load_checkpoint(saved)
    french(info, "illisible", "weights.pt")


def test_corrupt_state_json(saved):
    (saved / "state.json").write_text('{"format": "llmlab-che', encoding="utf-8")
    with pytest.raises(CheckpointError) as info:
        load_checkpoint(saved)
    french(info, "JSON illisible")


@pytest.mark.parametrize("make", ["file", "foreign_json", "empty_dir"])
def test_not_a_llmlab_checkpoint(tmp_path, make):
    target = tmp_path / "x"
    if make == "file":
        torch.save({"w": torch.zeros(2)}, target)
    else:
        target.mkdir()
        if make == "foreign_json":
            (target / "state.json").write_text('{"step": 3}', encoding="utf-8")
    with pytest.raises(CheckpointError) as info:
        load_checkpoint(target)
    french(info, "pas un checkpoint llmlab")


def test_checkpoint_of_another_model(tmp_path, tok, data):
    ckpt = tmp_path / "c"
    train(fresh(tok), data, config(max_steps=3), checkpoint_path=ckpt, progress=False)
    # même configuration déclarée, autres formes : les poids ne vont pas
    bigger = Tiny(tok.vocab_size, n_embd=32)
    bigger.config = None
    with pytest.raises(CheckpointError) as info:
        train(bigger, data, config(), checkpoint_path=ckpt, resume=True, progress=False)
    french(info, "autre modèle", "size mismatch")
    # configuration déclarée différente : refusée avant même les poids
    with pytest.raises(CheckpointError) as info:
        train(
            Tiny(tok.vocab_size, n_embd=32),
            data,
            config(),
            checkpoint_path=ckpt,
            resume=True,
            progress=False,
        )
    french(info, "autre modèle", "'n_embd': 32")


def test_resume_with_other_settings_is_refused(tmp_path, tok, data):
    ckpt = tmp_path / "c"
    train(fresh(tok), data, config(max_steps=3), checkpoint_path=ckpt, progress=False)
    with pytest.raises(CheckpointError) as info:
        train(
            fresh(tok),
            data,
            config(learning_rate=0.5),
            checkpoint_path=ckpt,
            resume=True,
            progress=False,
        )
    french(info, "learning_rate", "resume=False")
    assert info.value.changed == {"learning_rate": (config().learning_rate, 0.5)}


# --- figure et largeur des sources montrables ---------------------------------------------


def test_plot_history(reference):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ax = plot_history(reference[1])
    labels = [line.get_label() for line in ax.get_lines()]
    assert labels == ["entraînement", "validation"]
    assert ax.get_lines()[1].get_ydata().tolist() == reference[1].history["val_loss"].tolist()
    assert "perte" in ax.get_ylabel()
    assert ax.yaxis.get_major_formatter()(2.5, 0) == "2,5"
    assert ax.xaxis.get_major_formatter()(10000, 0) == "10\u202f000"
    plt.close(ax.figure)


@pytest.mark.parametrize("obj", [train, TokenData.get_batch, training.train_step])
def test_functions_a_deck_would_show_fit_the_slide(obj):
    too_long = [line for line in source_code(obj).splitlines() if len(line) > 62]
    assert not too_long, too_long
