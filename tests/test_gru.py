"""Le GRU du cours : cellule écrite contre torch.nn.GRU, modèle, génération, CLI, modèle livré."""

import os
import subprocess
import sys

import numpy as np
import pytest
import torch

from llmlab import sampling
from llmlab.gru import GRUCell, GRULanguageModel, gru_cell, next_token_probs


def run_cli(*args, cwd=None):
    return subprocess.run(
        [sys.executable, "-m", "llmlab.cli", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        env=dict(os.environ),
    )


# --- La cellule écrite à la main -------------------------------------------------------------


@pytest.mark.parametrize("layers", [1, 2])
def test_gru_cell_matches_torch_gru_over_a_sequence(layers):
    torch.manual_seed(0)
    ref = torch.nn.GRU(5, 7, num_layers=layers, batch_first=True).double()
    x = torch.randn(3, 11, 5, dtype=torch.float64)
    h0 = torch.randn(layers, 3, 7, dtype=torch.float64)
    expected, h_n = ref(x, h0)
    inputs = x
    for layer in range(layers):
        weights = [
            getattr(ref, f"{name}_l{layer}")
            for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")
        ]
        h, outs = h0[layer], []
        for t in range(x.shape[1]):
            h = gru_cell(inputs[:, t], h, *weights)
            outs.append(h)
        inputs = torch.stack(outs, dim=1)
        torch.testing.assert_close(h, h_n[layer], atol=1e-12, rtol=0)
    torch.testing.assert_close(inputs, expected, atol=1e-12, rtol=0)


def test_gru_cell_module_loads_torch_gru_cell_weights_and_agrees_in_float32():
    torch.manual_seed(1)
    ref = torch.nn.GRUCell(4, 6)
    ours = GRUCell(4, 6)
    ours.load_state_dict(ref.state_dict())  # mêmes noms, mêmes formes
    x, h = torch.randn(8, 4), torch.randn(8, 6)
    torch.testing.assert_close(ours(x, h), ref(x, h), atol=1e-6, rtol=0)
    torch.testing.assert_close(ours(x), ref(x), atol=1e-6, rtol=0)  # h0 = 0 par défaut


def test_update_gate_near_one_keeps_the_old_state():
    # b_iz très grand : z ≈ 1, donc h' ≈ h quel que soit x.
    cell = GRUCell(3, 4)
    with torch.no_grad():
        cell.bias_ih[4:8] = 50.0
    h = torch.randn(2, 4)
    torch.testing.assert_close(cell(torch.randn(2, 3), h), h, atol=1e-6, rtol=0)


# --- Le tirage du token suivant --------------------------------------------------------------


@pytest.mark.parametrize(
    "temperature, top_k", [(1.0, None), (0.7, None), (1.5, 3), (1.0, 1), (0.5, 10)]
)
def test_next_token_probs_equals_llmlab_sampling(temperature, top_k):
    rng = np.random.default_rng(0)
    z = rng.normal(size=(4, 10))
    z[0, :3] = 2.0  # égalités : top_k_filter garde tout logit égal au k-ième
    expected = z / temperature
    if top_k is not None:
        expected = sampling.top_k_filter(expected, top_k)
    expected = sampling.softmax(expected)
    got = next_token_probs(torch.tensor(z), temperature, top_k).numpy()
    np.testing.assert_allclose(got, expected, atol=1e-12)


@pytest.mark.parametrize("kwargs", [{"temperature": 0}, {"top_k": 0}, {"top_k": 2.5}])
def test_next_token_probs_refuses_bad_settings_in_french(kwargs):
    with pytest.raises(ValueError, match="doit être"):
        next_token_probs(torch.zeros(5), **kwargs)


# --- Le modèle de langage --------------------------------------------------------------------


def test_model_shapes_config_and_rebuild():
    model = GRULanguageModel(20, n_embd=8, n_hidden=16, n_layers=2)
    logits = model(torch.randint(0, 20, (3, 9)))
    assert logits.shape == (3, 9, 20)
    assert isinstance(model.gru, torch.nn.GRU)  # l'entraînement passe par le GRU fusionné
    rebuilt = GRULanguageModel.from_config(model.config)
    assert {k: v.shape for k, v in rebuilt.state_dict().items()} == {
        k: v.shape for k, v in model.state_dict().items()
    }
    with pytest.raises(ValueError, match="pas celui d'un GRU"):
        GRULanguageModel.from_config({"model": "transformer", "vocab_size": 20})


def test_generate_carries_the_state_instead_of_rereading():
    torch.manual_seed(0)
    model = GRULanguageModel(12, n_embd=8, n_hidden=16)
    prompt = torch.randint(0, 12, (2, 5))
    out = model.generate(prompt, 6, top_k=1)  # top-k 1 : le plus probable, sans hasard
    assert torch.equal(out[:, :5], prompt) and out.shape == (2, 11)
    # Relire toute la séquence à chaque pas donne les mêmes choix.
    seq = prompt
    for _ in range(6):
        seq = torch.cat([seq, model(seq)[:, -1].argmax(-1, keepdim=True)], dim=1)
    assert torch.equal(out, seq)


def test_generate_is_repeatable_with_a_generator_and_respects_top_k():
    torch.manual_seed(0)
    model = GRULanguageModel(30, n_embd=8, n_hidden=16)
    prompt = torch.zeros(1, 1, dtype=torch.long)
    a = model.generate(prompt, 50, generator=torch.Generator().manual_seed(3))
    b = model.generate(prompt, 50, generator=torch.Generator().manual_seed(3))
    assert torch.equal(a, b)
    assert len(set(a[0, 1:].tolist())) > 5  # T = 1 : du hasard, pas toujours le même
    # Avec top_k = 2, chaque token tiré est l'un des deux plus probables à son pas.
    out = model.generate(prompt, 30, top_k=2, generator=torch.Generator().manual_seed(4))
    logits = model(out[:, :-1])[0]
    top2 = logits.topk(2, dim=-1).indices
    assert all(tok in top2[t].tolist() for t, tok in enumerate(out[0, 1:].tolist()))


def test_a_few_steps_of_training_learn_a_repeating_text():
    torch.manual_seed(0)
    model = GRULanguageModel(3, n_embd=8, n_hidden=32)
    seq = torch.tensor([[0, 1, 2] * 10])
    opt = torch.optim.AdamW(model.parameters(), lr=1e-2)
    for _ in range(150):
        loss = torch.nn.functional.cross_entropy(model(seq[:, :-1])[0], seq[0, 1:])
        opt.zero_grad()
        loss.backward()
        opt.step()
    assert loss.item() < 0.05  # ln 3 ≈ 1,1 au départ


# --- Les commandes `llmlab entrainer gru` et `llmlab generer` --------------------------------

from llmlab.cli import main  # noqa: E402

TINY = [
    "--steps",
    "12",
    "--batch-size",
    "4",
    "--block-size",
    "8",
    "--n-embd",
    "8",
    "--n-hidden",
    "16",
]


@pytest.fixture(scope="module")
def tiny_checkpoint(tmp_path_factory):
    folder = tmp_path_factory.mktemp("gru")
    corpus = folder / "corpus.txt"
    corpus.write_text("le chat dort. le chien court. " * 40, encoding="utf-8")
    assert (
        main(["entrainer", "gru", "--corpus", str(corpus), "--dossier", str(folder / "ck"), *TINY])
        == 0
    )
    return folder / "ck"


def test_entrainer_then_generer_with_the_trained_checkpoint(tiny_checkpoint, capsys):
    from llmlab.shipped import load_gru

    model, tokenizer, history, infos = load_gru(tiny_checkpoint)
    assert model.config["n_hidden"] == 16 and tokenizer.vocab_size == len(
        set("le chat dort. chien court")
    )
    assert history["step"].iloc[-1] == 12 and infos["corpus"] == "corpus.txt"
    capsys.readouterr()
    args = ["generer", "--modele", str(tiny_checkpoint), "--debut", "le ", "--longueur", "25"]
    assert main([*args, "--graine", "5"]) == 0
    first = capsys.readouterr().out
    assert first.startswith("le ") and len(first.rstrip("\n")) == 28
    assert set(first.rstrip("\n")) <= set(tokenizer.chars)
    assert main([*args, "--graine", "5"]) == 0
    assert capsys.readouterr().out == first  # même graine, même texte


def test_generer_refuses_an_unknown_character_in_french(tiny_checkpoint, capsys):
    code = main(["generer", "--modele", str(tiny_checkpoint), "--debut", "Zèbre"])
    err = capsys.readouterr().err
    assert code == 1 and err.startswith("Erreur : ") and "« Z »" in err and "« è »" in err


def test_generer_refuses_another_models_checkpoint(tmp_path, capsys):
    from llmlab.checkpoints import save_checkpoint

    other = torch.nn.Linear(3, 3)
    save_checkpoint(tmp_path / "autre", other, model_config={"model": "transformer"})
    assert main(["generer", "--modele", str(tmp_path / "autre")]) == 1
    assert "pas celui d'un GRU" in capsys.readouterr().err


def test_missing_model_and_missing_corpus_give_french_errors_without_traceback(tmp_path):
    result = run_cli("generer", "--modele", str(tmp_path / "absent"))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.startswith("Erreur : Aucun checkpoint")
    result = run_cli("entrainer", "gru", "--corpus", str(tmp_path / "absent.txt"))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "Corpus introuvable" in result.stderr


def test_help_is_in_french():
    result = run_cli("entrainer", "gru", "--help")
    assert result.returncode == 0
    assert "utilisation :" in result.stdout and "--corpus FICHIER" in result.stdout
    assert "afficher cette aide" in result.stdout and "usage:" not in result.stdout


# --- Le modèle livré (data/gru) --------------------------------------------------------------


def test_shipped_gru_reloads_and_gives_back_its_recorded_validation_loss():
    from llmlab.data import load_shakespeare
    from llmlab.evaluation import estimate_loss
    from llmlab.shipped import load_shipped_gru
    from llmlab.training import TokenData

    model, tokenizer, history, infos = load_shipped_gru()
    cfg = infos["train_config"]
    assert infos["corpus"] == "shakespeare" and infos["step"] == cfg["max_steps"]
    data = TokenData.from_text(load_shakespeare(), tokenizer, cfg["block_size"])
    # Même protocole que la boucle : mêmes lots de validation (graine seed + 1).
    losses = estimate_loss(
        model,
        data,
        cfg["eval_batches"],
        cfg["batch_size"],
        "cpu",
        torch.Generator().manual_seed(cfg["seed"] + 1),
    )
    recorded = history["val_loss"].iloc[-1]
    assert abs(losses["val"] - recorded) < 1e-4
    assert recorded <= 2.0  # l'objectif de l'issue : perte de validation caractère ≤ 2


def test_shipped_gru_has_samples_from_several_stages():
    from llmlab.shipped import load_shipped_gru

    _, tokenizer, history, infos = load_shipped_gru()
    samples = infos["samples"]
    assert len(samples) >= 4 and 0 in samples and max(samples) == history["step"].iloc[-1]
    assert len(set(samples.values())) == len(samples)
    assert all(set(text) <= set(tokenizer.chars) for text in samples.values())
