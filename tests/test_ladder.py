"""L'échelle de GPT : tailles contre leur forme close, mesures contre torch, une petite
échelle entraînée (reprise, processus parallèles au bit près, commande), résultats livrés."""

import math
import re

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from llmlab import ladder as LD
from llmlab import scale
from llmlab.data import load_french_corpus
from llmlab.tokenizers import CharTokenizer

TINY = LD.LadderSettings(
    tokens=2048,
    batch_size=4,
    block_size=16,
    eval_chars=800,
    evals=4,
    eval_batches=2,
    corpus="corpus_fr.txt",
)
TINY_RUNGS = ["1x8", "2x12"]


def test_rung_names_and_errors():
    assert LD.Rung.parse("3x64") == LD.Rung(3, 64) and LD.Rung(3, 64).name == "3x64"
    assert [r.name for r in LD.DEFAULT_LADDER] == ["2x24", "2x32", "2x48", "3x64", "4x96", "5x128"]
    for bad in ("3-64", "0x64", "2x30"):
        with pytest.raises(ValueError, match="Échelon"):
            LD.Rung.parse(bad)


@pytest.mark.parametrize("rung", LD.DEFAULT_LADDER)
def test_non_embedding_params_closed_form(rung):
    """Par bloc : Q, K, V et la projection (4·d² + 4·d), le MLP (8·d² + 5·d), deux
    LayerNorm (4·d) ; plus la LayerNorm finale (2·d). Sans embeddings, tête liée."""
    model = LD.build_model(rung, vocab_size=78, block_size=64, seed=0)
    d, n_layer = rung.n_embd, rung.n_layer
    assert LD.non_embedding_params(model) == n_layer * (12 * d * d + 13 * d) + 2 * d
    assert model.num_parameters() - LD.non_embedding_params(model) == (78 + 64) * d


def test_ladder_spans_ten_thousand_to_a_million():
    sizes = [
        n * (12 * d * d + 13 * d) + 2 * d
        for n, d, _ in (vars(r).values() for r in LD.DEFAULT_LADDER)
    ]
    assert 1e4 < sizes[0] < 2e4 and 9e5 < sizes[-1] < 1.1e6
    ratios = np.array(sizes[1:]) / sizes[:-1]
    assert (ratios > 1.7).all() and (ratios < 3.5).all()


def test_kaplan_learning_rate():
    assert LD.kaplan_learning_rate(1e6) == pytest.approx(0.003239 - 0.0001395 * math.log(1e6))
    assert LD.kaplan_learning_rate(1e4) > LD.kaplan_learning_rate(1e6) > 0


def test_word_counts_on_a_hand_made_case():
    target = " le chat dort."
    # positions :  0' ' 1l 2e 3' ' 4c 5h 6a 7t 8' ' 9d 10o 11r 12t 13.
    correct = [True] * 14
    predicted = list(target)
    correct[11], predicted[11] = False, "x"  # « dort » manqué au r
    predicted[8] = "s"  # « chat » continué en « chats »
    rows = {r["length"]: r for r in LD._word_counts(target, correct, predicted)}
    assert rows[2] == {"length": 2, "words": 1, "exact": 1, "letters": 1, "letters_correct": 1}
    assert rows[4] == {"length": 4, "words": 2, "exact": 0, "letters": 6, "letters_correct": 5}


def test_evaluate_text_matches_torch_cross_entropy():
    text = load_french_corpus()[:2000]
    tok = CharTokenizer.train(text)
    model = LD.build_model(LD.Rung(1, 8), tok.vocab_size, 16, seed=0)
    measures, words = LD.evaluate_text(model, tok, text, 16)
    ids = torch.tensor(tok.encode(text))
    n = (len(ids) - 1) // 16
    x, y = ids[: n * 16].view(n, 16), ids[1 : n * 16 + 1].view(n, 16)
    with torch.no_grad():
        logits = model(x)
    assert measures["loss"] == pytest.approx(
        F.cross_entropy(logits.flatten(0, 1), y.flatten()).item(), rel=1e-6
    )
    assert measures["char_accuracy"] == pytest.approx(
        (logits.argmax(-1) == y).float().mean().item()
    )
    assert (words.exact <= words.words).all() and (words.letters_correct <= words.letters).all()
    assert (words.letters == words.words * (words.length - 1)).iloc[:-1].all()


@pytest.fixture(scope="module")
def tiny_ladder(tmp_path_factory):
    folder = tmp_path_factory.mktemp("echelle")
    results = LD.run_ladder(
        load_french_corpus(), TINY_RUNGS, TINY, folder=folder, progress=False, device="cpu"
    )
    return results, folder


def test_tiny_ladder_results(tiny_ladder, tmp_path):
    results, _ = tiny_ladder
    lad = results.ladder
    assert list(lad.name) == TINY_RUNGS
    assert (lad.tokens == 2048).all() and (lad.steps == 32).all()
    np.testing.assert_allclose(lad.flops, 6 * lad.n_nonembedding * lad.tokens)
    np.testing.assert_allclose(lad.tokens_per_param, lad.tokens / lad.n_nonembedding)
    for name in TINY_RUNGS:
        h = results.history[results.history.name == name]
        assert h.tokens.iloc[0] == 0 and h.tokens.iloc[-1] == 2048
        assert len(h) == 5  # au départ, puis 4 évaluations
        np.testing.assert_array_equal(h.tokens, h.step * 4 * 16)
        assert h.val_loss.iloc[-1] < h.val_loss.iloc[0]  # il a appris
    assert set(results.words.name) == set(TINY_RUNGS)
    LD.write_results(results, tmp_path)
    again = LD.load_ladder(tmp_path)
    np.testing.assert_allclose(again.ladder.val_loss, lad.val_loss)
    assert again.settings["tokens"] == 2048 and again.settings["processes"] == 1


def test_resume_gives_the_same_ladder_without_training(tiny_ladder):
    results, folder = tiny_ladder
    again = LD.run_ladder(
        load_french_corpus(),
        TINY_RUNGS,
        TINY,
        folder=folder,
        resume=True,
        progress=False,
        device="cpu",
    )
    np.testing.assert_array_equal(again.ladder.val_loss, results.ladder.val_loss)
    np.testing.assert_array_equal(again.ladder.train_seconds, results.ladder.train_seconds)


def test_command_with_two_processes_gives_the_same_losses(tmp_path, capsys):
    """Deux processus d'un fil, les plus gros d'abord : mêmes pertes, au bit près, que le
    run en série sur un fil (chaque échelon a sa graine et ses lots, quel que soit l'ordre)."""
    from llmlab.cli import main

    corpus = tmp_path / "corpus.txt"
    corpus.write_text(load_french_corpus(), encoding="utf-8")
    settings = LD.LadderSettings(tokens=2048, batch_size=4, block_size=16, evals=2)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        serial = LD.run_ladder(
            load_french_corpus(), TINY_RUNGS, settings, progress=False, device="cpu"
        )
    finally:
        torch.set_num_threads(threads)
    assert (
        main(
            [
                "entrainer",
                "echelle",
                "--corpus",
                str(corpus),
                "--modeles",
                *TINY_RUNGS,
                "--tokens",
                "2048",
                "--batch-size",
                "4",
                "--block-size",
                "16",
                "--evaluations",
                "2",
                "--dossier",
                str(tmp_path / "out"),
                "--processus",
                "2",
            ]
        )
        == 0
    )
    captured = capsys.readouterr()
    out = captured.out
    assert "α_N" in out and "Durée totale" in out
    # Une barre pour toute l'échelle, comptée en FLOPs, qui arrive au bout ; chaque échelon
    # s'annonce quand il finit.
    flops = 6 * 32 * 4 * 16 * sum(LD.non_embedding_params(m) for m in tiny_models())
    bars = [line for line in re.split(r"[\r\n]", captured.err) if "Échelle (2 processus)" in line]
    assert bars and bars[-1].startswith("Échelle (2 processus) : 100 % |"), bars[-1:]
    total = _french_size(bars[-1])
    assert total == pytest.approx(flops, rel=0.01)
    assert all(f"Échelon {name} fini" in out for name in TINY_RUNGS)
    assert "2 échelons sur 2 processus d'un fil, les plus gros d'abord : 2x12, 1x8." in out
    parallel = LD.load_ladder(tmp_path / "out")
    assert list(parallel.ladder.name) == TINY_RUNGS and parallel.settings["processes"] == 2
    for column in ("val_loss", "train_loss", "char_accuracy", "n_nonembedding"):
        assert parallel.ladder[column].tolist() == serial.ladder[column].tolist(), column
    assert parallel.history.val_loss.tolist() == serial.history.val_loss.tolist()
    assert parallel.words.exact.tolist() == serial.words.exact.tolist()


def tiny_models():
    vocab = CharTokenizer.train(load_french_corpus()).vocab_size
    return [LD.build_model(LD.Rung.parse(r), vocab, 16, 1337) for r in TINY_RUNGS]


def _french_size(line: str) -> float:
    """Le total de la barre : « … | 6,53 MFLOP/6,53 MFLOP [ » → 6,53e6."""
    match = re.search(r"/([\d,]+) ([kMGT]?)FLOP \[", line)
    assert match, line
    return float(match[1].replace(",", ".")) * 1000 ** " kMGT".index(match[2] or " ")


def test_command_errors_in_french(capsys):
    from llmlab.cli import main

    assert main(["entrainer", "echelle", "--modeles", "3y64"]) == 1
    assert "COUCHESxLARGEUR" in capsys.readouterr().err
    assert main(["entrainer", "echelle", "--livrer", "--corpus", "x.txt"]) == 1
    assert "--livrer" in capsys.readouterr().err
    assert main(["entrainer", "echelle", "--processus", "2", "--threads", "2"]) == 1
    assert "un seul fil" in capsys.readouterr().err
    assert main(["entrainer", "echelle", "--evaluations", "0"]) == 1
    assert "--evaluations" in capsys.readouterr().err


def test_budget_errors():
    with pytest.raises(ValueError, match="moins d'un pas"):
        LD.run_ladder("abc" * 1000, ["1x8"], LD.LadderSettings(tokens=10))
    with pytest.raises(ValueError, match="différents"):
        LD.run_ladder("abc" * 1000, ["1x8", "1x8"], TINY)


def test_missing_results_say_how_to_restore(tmp_path):
    with pytest.raises(FileNotFoundError, match="entrainer echelle --livrer"):
        LD.load_ladder(tmp_path)


# --- Les résultats livrés ----------------------------------------------------------------------


def test_shipped_ladder_is_consistent():
    shipped = LD.load_ladder()
    lad = shipped.ladder
    assert list(lad.name) == [r.name for r in LD.DEFAULT_LADDER]
    assert (lad.tokens == shipped.settings["tokens"]).all()
    np.testing.assert_allclose(lad.flops, 6 * lad.n_nonembedding * lad.tokens)
    assert lad.n_nonembedding.is_monotonic_increasing
    assert lad.val_loss.iloc[-1] < lad.val_loss.iloc[0] - 0.1
    fit = scale.fit_power_law(lad.n_nonembedding, lad.val_loss)
    assert 0 < fit.alpha < 0.5
    assert set(shipped.history.name) == set(lad.name)
    assert shipped.settings["total_seconds"] < 40 * 60
