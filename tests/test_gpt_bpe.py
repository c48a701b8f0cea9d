"""La variante BPE du mini-GPT : perte par caractère, checkpoint, CLI, modèle livré.

Références : des formes closes (un modèle aux logits nuls perd ln V par token), la perte
de `F.cross_entropy` recalculée fenêtre par fenêtre, le tokenizer réappris sur la partie
entraînement de Shakespeare, et la perte enregistrée par la boucle d'entraînement.
"""

import json
import math

import pytest
import torch
import torch.nn.functional as F

from llmlab.checkpoints import load_checkpoint, model_from_checkpoint, tokenizer_extra
from llmlab.display import french_number
from llmlab.evaluation import nll_per_char, tokenizer_comparison, tokenizer_comparison_table
from llmlab.gpt import GPT, GPTConfig
from llmlab.tokenizers import BPETokenizer, CharTokenizer
from llmlab.training import TokenData, TrainConfig, split_text, train

TEXT = (
    "Le petit chat dort sur le tapis rouge ; le chien court dans le jardin. "
    "Été comme hiver, l'oiseau chante — toujours. "
) * 12


class ZeroLogits(torch.nn.Module):
    """Des logits nuls : chaque token a la probabilité 1/V, perte ln V par token."""

    def __init__(self, vocab_size):
        super().__init__()
        self.vocab_size = vocab_size
        self.dummy = torch.nn.Parameter(torch.zeros(1))

    def forward(self, idx):
        return torch.zeros(*idx.shape, self.vocab_size)


@pytest.fixture(scope="module")
def bpe():
    return BPETokenizer().train(TEXT, vocab_size=300)


# --- nll_per_char ------------------------------------------------------------------------------


@pytest.mark.parametrize("block_size", [5, 16, 1000])
def test_nll_per_char_with_zero_logits_is_ln_v_times_tokens_over_chars(bpe, block_size):
    ids = bpe.encode(TEXT)
    first = bpe.decode(ids[:1])
    assert TEXT.startswith(first) and len(first) > 1
    expected = math.log(bpe.vocab_size) * (len(ids) - 1) / (len(TEXT) - len(first))
    got = nll_per_char(ZeroLogits(bpe.vocab_size), bpe, TEXT, block_size, batch_size=3)
    assert got == pytest.approx(expected, rel=1e-9)
    # un token BPE couvre plusieurs caractères : moins de ln V par caractère
    assert got < math.log(bpe.vocab_size) * 0.8


def test_nll_per_char_of_a_char_model_is_the_mean_cross_entropy_of_the_same_windows():
    tok = CharTokenizer.train(TEXT)
    torch.manual_seed(0)
    model = GPT(
        GPTConfig(vocab_size=tok.vocab_size, context_length=16, n_embd=24, n_head=2, n_layer=2)
    )
    ids = torch.tensor(tok.encode(TEXT))
    T = 16
    assert (len(ids) - 1) % T != 0  # une dernière fenêtre plus courte
    losses = []
    model.eval()
    with torch.no_grad():
        for start in range(0, len(ids) - 1, T):
            x = ids[start : start + T]
            y = ids[start + 1 : start + T + 1]
            x = x[: len(y)]
            losses.append(F.cross_entropy(model(x[None])[0], y, reduction="none"))
    reference = torch.cat(losses).mean().item()
    model.train()
    got = nll_per_char(model, tok, TEXT, T, batch_size=4)
    assert got == pytest.approx(reference, rel=1e-6)
    assert model.training  # le mode d'avant est rendu
    # la taille des lots ne change que la vitesse
    assert nll_per_char(model, tok, TEXT, T, batch_size=1) == pytest.approx(got, rel=1e-6)


def test_nll_per_char_refuses_bad_input_in_french(bpe):
    model = ZeroLogits(bpe.vocab_size)
    with pytest.raises(ValueError, match="block_size doit être un entier ≥ 1"):
        nll_per_char(model, bpe, TEXT, 0)
    with pytest.raises(ValueError, match="au moins deux tokens"):
        nll_per_char(model, bpe, "Le", 8)


# --- Découpe sur le texte ----------------------------------------------------------------------


def test_split_on_text_is_the_token_split_for_chars_and_the_same_text_for_bpe(bpe):
    tok = CharTokenizer.train(TEXT)
    by_tokens = TokenData.from_text(TEXT, tok, 8)
    by_text = TokenData.from_split_text(TEXT, tok, 8)
    assert torch.equal(by_tokens.train, by_text.train)
    assert torch.equal(by_tokens.val, by_text.val)
    train_text, val_text = split_text(TEXT)
    assert train_text + val_text == TEXT and len(val_text) == round(len(TEXT) * 0.1)
    data = TokenData.from_split_text(TEXT, bpe, 8)
    assert bpe.decode(data.val.tolist()) == val_text
    assert bpe.decode(data.train.tolist()) == train_text
    with pytest.raises(ValueError, match="val_fraction"):
        split_text(TEXT, 1.0)


# --- Checkpoint --------------------------------------------------------------------------------


def test_bpe_checkpoint_round_trip_gives_the_same_tokenizer_and_logits(tmp_path, bpe):
    from llmlab.shipped import load_gpt

    model = GPT(
        GPTConfig(vocab_size=bpe.vocab_size, context_length=8, n_embd=16, n_head=2, n_layer=1)
    )
    data = TokenData.from_split_text(TEXT, bpe, 8)
    train(
        model,
        data,
        TrainConfig(max_steps=5, batch_size=4, block_size=8, eval_every=5, eval_batches=1),
        checkpoint_path=tmp_path / "ck",
        device="cpu",
        progress=False,
        extra={**tokenizer_extra(bpe), "corpus": "essai"},
    )
    again, tok, _, infos = load_gpt(tmp_path / "ck")
    assert isinstance(tok, BPETokenizer) and infos["tokenizer"] == "bpe"
    assert tok.merges == bpe.merges and tok.vocab == bpe.vocab
    new = "Un texte jamais vu : « zèbre » et 😀."
    assert tok.encode(new) == bpe.encode(new)
    idx = torch.tensor([bpe.encode("le chat dort")])
    assert torch.equal(again(idx), model.eval()(idx))


def test_checkpoint_with_a_bad_tokenizer_is_refused_in_french(tmp_path, bpe):
    from llmlab.checkpoints import load_checkpoint, save_checkpoint

    model = GPT(
        GPTConfig(vocab_size=bpe.vocab_size, context_length=8, n_embd=16, n_head=2, n_layer=1)
    )
    cases = [
        ({"tokenizer": "mots"}, "tokenizer inconnu"),
        ({"tokenizer": "bpe"}, "pas de tokenizer BPE"),
        ({"tokenizer": "bpe", "bpe": "llmlab-bpe 1\nfin\n"}, "BPE du checkpoint"),
        ({"vocab": list("abc")}, "vocabulaire de caractères"),
    ]
    for k, (extra, message) in enumerate(cases):
        folder = save_checkpoint(tmp_path / f"ck{k}", model, model_config=model.config, extra=extra)
        with pytest.raises(ValueError, match=message):
            model_from_checkpoint(load_checkpoint(folder), GPT, "gpt")
    wrong = BPETokenizer().train(TEXT, vocab_size=290)
    folder = save_checkpoint(
        tmp_path / "wrong", model, model_config=model.config, extra=tokenizer_extra(wrong)
    )
    with pytest.raises(ValueError, match="290 tokens, le modèle en attend 300"):
        model_from_checkpoint(load_checkpoint(folder), GPT, "gpt")


def test_tokenizer_comparison_agrees_with_its_parts_and_a_closed_form(bpe):
    chars = CharTokenizer.train(TEXT)
    models = {
        "car": (ZeroLogits(chars.vocab_size), chars),
        "bpe": (ZeroLogits(bpe.vocab_size), bpe),
    }
    table = tokenizer_comparison(models, TEXT, block_size=8, batch_size=3)
    assert list(table.columns) == ["car", "bpe"]
    for name, (model, tok) in models.items():
        per_token = len(TEXT) / len(tok.encode(TEXT))
        col = table[name]
        assert col["vocabulaire"] == tok.vocab_size and col["paramètres"] == 1
        assert col["caractères par token"] == pytest.approx(per_token)
        assert col["caractères lus par pas"] == pytest.approx(3 * 8 * per_token)
        assert col["contexte en caractères"] == pytest.approx(8 * per_token)
        assert col["perte par caractère (nats)"] == pytest.approx(nll_per_char(model, tok, TEXT, 8))
    # logits nuls, un token par caractère : exactement ln V par caractère
    assert table["car"]["perte par caractère (nats)"] == pytest.approx(
        math.log(chars.vocab_size), rel=1e-12
    )
    assert table["bpe"]["caractères par token"] > 1.5
    shown = tokenizer_comparison_table(
        table.loc[["vocabulaire", "perte par caractère (nats)"]]
    ).data
    assert "Perte par caractère (nats)" in shown and "Caractères par token" not in shown
    assert f"{math.log(chars.vocab_size):.2f}".replace(".", ",") in shown


# --- Ligne de commande -------------------------------------------------------------------------


def test_cli_trains_a_small_bpe_gpt_then_generates_with_it(tmp_path, capsys):
    from llmlab.cli import main

    corpus = tmp_path / "corpus.txt"
    corpus.write_text(TEXT * 3, encoding="utf-8")
    folder = tmp_path / "ck"
    code = main(
        [
            "entrainer",
            "gpt",
            "--tokenizer",
            "bpe",
            "--vocab-size",
            "280",
            "--corpus",
            str(corpus),
            "--steps",
            "6",
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
            "--dossier",
            str(folder),
            "--threads",
            "1",
        ]
    )
    out = capsys.readouterr().out
    assert code == 0
    train_chars = len(split_text(TEXT * 3)[0])
    assert f"sur les {french_number(train_chars, 0)} caractères" in out
    assert "vocabulaire de 280 tokens BPE" in out and "nll_per_char" in out
    model, tok, _, _ = model_from_checkpoint(load_checkpoint(folder), GPT, "gpt")
    nats = nll_per_char(model, tok, split_text(TEXT * 3)[1], 8)
    assert f"Par caractère de la validation : {nats:.3f}".replace(".", ",") in out
    state = json.loads((folder / "state.json").read_text("utf-8"))
    assert state["extra"]["tokenizer"] == "bpe"
    assert state["extra"]["bpe_train_chars"] == train_chars
    assert state["model_config"]["vocab_size"] == 280
    assert main(["generer", "--modele", str(folder), "--longueur", "12"]) == 0
    text = capsys.readouterr().out
    assert text.startswith("\n") and len(text) > 12  # début par défaut : saut de ligne
    assert main(["generer", "--modele", str(folder), "--debut", "Le chat", "--longueur", "5"]) == 0
    assert capsys.readouterr().out.startswith("Le chat")


def test_cli_refuses_to_resume_with_other_tokens_of_the_same_count(tmp_path, capsys):
    """Deux corpus de 10 caractères différents : même vocab_size, donc même configuration ;
    seul le tokenizer enregistré dit que les poids ne vont pas avec ces tokens."""
    from llmlab.cli import main

    small = [
        "--steps",
        "3",
        "--batch-size",
        "2",
        "--block-size",
        "8",
        "--n-embd",
        "16",
        "--n-head",
        "2",
        "--n-layer",
        "1",
        "--dossier",
        str(tmp_path / "ck"),
        "--threads",
        "1",
        "--planning",  # le cosinus interdit d'allonger un run repris
        "constant",
    ]
    first, other = tmp_path / "a.txt", tmp_path / "b.txt"
    first.write_text("abcdefgh hgfedcba\n" * 50, encoding="utf-8")
    other.write_text("ijklmnop ponmlkji\n" * 50, encoding="utf-8")
    assert len(set(first.read_text())) == len(set(other.read_text())) == 10
    assert main(["entrainer", "gpt", "--corpus", str(first), *small]) == 0
    capsys.readouterr()
    assert main(["entrainer", "gpt", "--corpus", str(other), "--reprendre", *small]) == 1
    assert "entraîné avec d'autres tokens" in capsys.readouterr().err
    more = [a if a != "3" else "5" for a in small]
    assert main(["entrainer", "gpt", "--corpus", str(first), "--reprendre", *more]) == 0
    state = json.loads((tmp_path / "ck" / "state.json").read_text("utf-8"))
    assert state["step"] == 5


@pytest.mark.parametrize("size", ["10", "256", "100000"])
def test_cli_refuses_an_absurd_vocab_size_in_french(size, capsys):
    from llmlab.cli import main

    assert main(["entrainer", "gpt", "--tokenizer", "bpe", "--vocab-size", size]) == 1
    err = capsys.readouterr().err
    assert f"--vocab-size vaut {size}" in err and "choisissez entre 257" in err


def test_cli_refuses_vocab_size_without_bpe(capsys):
    from llmlab.cli import main

    assert main(["entrainer", "gpt", "--vocab-size", "600"]) == 1
    assert "ne sert qu'avec --tokenizer bpe" in capsys.readouterr().err


# --- Le modèle livré (data/gpt-bpe) ------------------------------------------------------------


@pytest.fixture(scope="module")
def shipped():
    from llmlab.shipped import load_shipped_gpt_bpe

    return load_shipped_gpt_bpe()


def test_shipped_bpe_gpt_is_the_char_config_on_course_bpe_tokens(shipped):
    model, tok, history, infos = shipped
    assert isinstance(tok, BPETokenizer) and tok.vocab_size == 512
    assert model.cfg == GPTConfig(
        vocab_size=512, context_length=64, n_embd=128, n_head=4, n_layer=4, dropout=0.0
    )
    cfg = infos["train_config"]
    assert infos["corpus"] == "shakespeare" and infos["step"] == cfg["max_steps"] == 2000
    assert (cfg["batch_size"], cfg["block_size"], cfg["learning_rate"]) == (12, 64, 2e-3)
    assert (cfg["lr_schedule"], cfg["warmup_steps"]) == ("cosinus", 100)  # comme data/gpt
    logits = model(torch.tensor([tok.encode("ROMEO:\nWhat light through yonder")]))
    assert logits.shape[-1] == 512 and torch.isfinite(logits).all()
    # nettement appris : loin de ln(512) ≈ 6,24, la perte d'un tirage uniforme
    assert history["val_loss"].iloc[0] > math.log(512) - 0.5
    assert history["val_loss"].iloc[-1] < math.log(512) - 2
    samples = infos["samples"]
    assert 0 in samples and max(samples) == 2000 and len(set(samples.values())) == len(samples)


def test_shipped_bpe_was_learned_on_the_train_part_only(shipped):
    from llmlab.data import load_shakespeare
    from llmlab.evaluation import estimate_loss

    model, tok, history, infos = shipped
    text = load_shakespeare()
    train_text, _ = split_text(text)
    assert infos["bpe_train_chars"] == len(train_text)
    again = BPETokenizer(name=tok.name).train(train_text, 512)  # ~2 s en Python pur
    assert again.merges == tok.merges
    # même protocole que la boucle : la perte de validation enregistrée se retrouve
    cfg = infos["train_config"]
    data = TokenData.from_split_text(text, tok, cfg["block_size"])
    losses = estimate_loss(
        model,
        data,
        cfg["eval_batches"],
        cfg["batch_size"],
        "cpu",
        torch.Generator().manual_seed(cfg["seed"] + 1),
    )
    assert abs(losses["val"] - history["val_loss"].iloc[-1]) < 1e-4


def test_cli_generer_with_the_shipped_bpe_gpt(capsys):
    from llmlab._paths import DATA_DIR
    from llmlab.cli import main

    assert (
        main(
            [
                "generer",
                "--modele",
                str(DATA_DIR / "gpt-bpe"),
                "--debut",
                "ROMEO:",
                "--longueur",
                "30",
                "--graine",
                "1",
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert out.startswith("ROMEO:") and len(out) > 40  # 30 tokens : plus de 30 caractères
