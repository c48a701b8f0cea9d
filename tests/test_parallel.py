"""Le parallélisme sur un vrai moteur : deux processus gloo sur 127.0.0.1, contre les
références calculées ici, dans un seul processus.

Un seul groupe de deux processus fait les trois vérifications (`parallel.run_checks`) :
sous Linux, ce sont des copies (fork) du processus de pytest, prêtes en une fraction de
seconde. Le test de `torchrun` lance de vrais nouveaux interpréteurs (chacun recharge
torch) : il est marqué ``slow``.
"""

import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import torch

from llmlab import distributed, parallel
from llmlab.evaluation import batch_loss
from llmlab.gpt import GPT, GPTConfig

ROOT = Path(__file__).resolve().parents[1]
TINY = GPTConfig(vocab_size=16, context_length=8, n_embd=32, n_head=2, n_layer=2)
WORLD = 2


def _tokens(seed, batch=4):
    gen = torch.Generator().manual_seed(seed)
    return (
        torch.randint(TINY.vocab_size, (batch, TINY.context_length), generator=gen),
        torch.randint(TINY.vocab_size, (batch, TINY.context_length), generator=gen),
    )


X, Y = _tokens(0)
X_FF = torch.randn(3, 5, TINY.n_embd, generator=torch.Generator().manual_seed(1))
BATCHES = [_tokens(seed) for seed in (2, 3, 4)]


@pytest.fixture(scope="module")
def checks():
    """Les résultats des deux rangs : (a), (b) et (c) dans un seul groupe."""
    return distributed.launch(
        parallel.run_checks, TINY, X, Y, X_FF, BATCHES, world_size=WORLD, timeout=300
    )


def _close(a, b, atol=1e-6):
    np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-5, atol=atol)


# --- (a) données --------------------------------------------------------------------------


def test_ddp_averaged_gradients_equal_the_full_batch_gradient(checks):
    results = checks
    ref = parallel.full_batch_gradients(TINY, X, Y)
    assert len(ref) == len(results[0]["ddp"]) > 20
    for rank in range(WORLD):
        for name, grad in ref.items():
            _close(results[rank]["ddp"][name], grad)


def test_one_shard_alone_does_not_give_the_full_batch_gradient():
    """Sans la moyenne de DDP, la part d'un rang donne un autre gradient : le test
    précédent vérifie bien quelque chose."""
    torch.manual_seed(0)
    model = GPT(TINY)
    batch_loss(model, parallel.shard(X, 0, WORLD), parallel.shard(Y, 0, WORLD)).backward()
    ref = parallel.full_batch_gradients(TINY, X, Y)
    gap = max(float((p.grad - ref[n]).abs().max()) for n, p in model.named_parameters())
    assert gap > 1e-3


def test_shard_refuses_unequal_parts():
    with pytest.raises(ValueError, match="parts égales"):
        parallel.shard(torch.zeros(5, 3), 0, 2)


# --- (b) tenseurs -------------------------------------------------------------------------


def test_tensor_parallel_mlp_equals_the_whole_mlp(checks):
    results = checks
    ref = parallel.full_feedforward(TINY, X_FF)
    parts = [r["tensor"] for r in results]
    hidden = 4 * TINY.n_embd
    assert parts[0]["fc_weight"].shape == (hidden // WORLD, TINY.n_embd)  # A par colonnes
    assert parts[0]["proj_weight"].shape == (TINY.n_embd, hidden // WORLD)  # B par lignes
    for part in parts:  # chaque rang a la sortie entière et le gradient entier de x
        _close(part["y"], ref["y"])
        _close(part["x_grad"], ref["x_grad"])
        _close(part["proj_bias"], ref["proj_bias"])
    _close(np.concatenate([p["fc_weight"] for p in parts]), ref["fc_weight"])
    _close(np.concatenate([p["fc_bias"] for p in parts]), ref["fc_bias"])
    _close(np.concatenate([p["proj_weight"] for p in parts], axis=1), ref["proj_weight"])


def test_without_the_all_reduce_one_rank_gets_only_a_partial_output():
    """La sortie d'un seul morceau n'est pas celle du MLP : l'all-reduce est nécessaire."""
    from llmlab.gpt import FeedForward

    torch.manual_seed(0)
    mlp = FeedForward(TINY)
    k = 4 * TINY.n_embd // WORLD
    with torch.no_grad():
        h = mlp.act(X_FF @ mlp.fc.weight[:k].T + mlp.fc.bias[:k])
        partial = h @ mlp.proj.weight[:, :k].T + mlp.proj.bias
        assert float((partial - mlp(X_FF)).abs().max()) > 1e-3


# --- (c) ZeRO 1 ---------------------------------------------------------------------------


def test_zero_stage_1_keeps_about_half_of_adam_states_per_rank(checks):
    results = checks
    ref = parallel.adam_reference(TINY, BATCHES)
    per_rank = [r["zero"]["state_bytes"] for r in results]
    assert sum(per_rank) == ref["state_bytes"]  # chaque état sur un seul rang
    for b in per_rank:
        assert abs(b / ref["state_bytes"] - 1 / WORLD) < 0.05
    n_params = sum(p.numel() for p in GPT(TINY).parameters())
    assert ref["state_bytes"] >= 2 * 4 * n_params  # m et v en float32
    assert sum(r["zero"]["n_params"] for r in results) == n_params


def test_zero_training_gives_the_weights_of_plain_adam(checks):
    results = checks
    ref = parallel.adam_reference(TINY, BATCHES)
    start = parallel.adam_reference(TINY, [])["weights"]
    moved = max(float((ref["weights"][k] - start[k]).abs().max()) for k in start)
    assert moved > 1e-4  # trois pas ont changé les poids
    for rank in range(WORLD):
        for name, w in ref["weights"].items():
            _close(results[rank]["zero"]["weights"][name], w, atol=1e-5)


def test_optimizer_state_bytes_counts_adam_moments():
    model = torch.nn.Linear(10, 3)
    opt = torch.optim.AdamW(model.parameters())
    assert parallel.optimizer_state_bytes(opt) == 0
    model(torch.ones(10)).sum().backward()
    opt.step()
    # m et v : 33 nombres float32 chacun ; un compteur de pas par tenseur
    steps = sum(s["step"].numel() * s["step"].element_size() for s in opt.state.values())
    assert parallel.optimizer_state_bytes(opt) == 2 * 33 * 4 + steps


# --- le lancement -------------------------------------------------------------------------


def test_launch_reports_the_error_of_a_rank():
    with pytest.raises(RuntimeError, match=r"(?s)rang \d a échoué.*parts égales"):
        distributed.launch(parallel.shard, torch.zeros(3, 2), 0, 2, timeout=60)


def test_launch_stops_a_group_that_hangs():
    start = time.perf_counter()
    with pytest.raises(TimeoutError, match="n'a pas fini en 1 s"):
        distributed.launch(time.sleep, 60, timeout=1)
    assert time.perf_counter() - start < 20


def test_setup_without_torchrun_says_what_to_do(monkeypatch):
    for name in ("RANK", "WORLD_SIZE", "MASTER_ADDR", "MASTER_PORT"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(RuntimeError, match="torchrun"):
        distributed.setup()


def test_llmlab_parallele_runs_the_tensor_demo(capsys):
    from llmlab import cli

    assert cli.main(["parallele", "tenseur", "--processus", "2"]) == 0
    out = capsys.readouterr().out
    assert "coupé en 2" in out
    gap = float(out.split("écart relatif maximal ")[1].split(".\n")[0].replace(",", "."))
    assert gap < 1e-5


@pytest.mark.slow
def test_the_module_runs_under_torchrun(tmp_path):
    """La commande du README, sur une machine : torchrun, rendez-vous c10d sur
    127.0.0.1, deux processus, DDP sur le mini-GPT livré."""
    port = distributed.free_port()
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "torch.distributed.run",
            "--nnodes",
            "1",
            "--nproc-per-node",
            "2",
            "--rdzv-backend",
            "c10d",
            "--rdzv-endpoint",
            f"127.0.0.1:{port}",
            "-m",
            "llmlab.parallel",
            "ddp",
            "--pas",
            "2",
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert "2 processus (gloo, cpu" in run.stdout
    gap = float(run.stdout.split("écart relatif maximal ")[1].split(".\n")[0].replace(",", "."))
    assert gap < 1e-5
