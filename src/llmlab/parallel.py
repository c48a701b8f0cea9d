"""Entraîner à plusieurs : données, tenseurs et ZeRO sur ``torch.distributed``.

Le mini-GPT du cours tient sur un portable ; un modèle de 175 milliards de
paramètres demande ~2,8 To pour s'entraîner (`llmlab.costs.training_memory`).
Ce module montre, sur un vrai moteur, les trois façons de partager le travail :

* **données** (`ddp_gradients`) : chaque processus a une copie du modèle et
  une part du lot ; `DistributedDataParallel` moyenne les gradients (un
  all-reduce), égaux à ceux d'un seul processus sur le lot entier ;
* **tenseurs** (`TensorParallelFeedForward`) : le MLP d'un bloc coupé à la
  Megatron-LM, première matrice par colonnes, seconde par lignes, un
  all-reduce par passe ; même sortie, mêmes gradients ;
* **ZeRO stade 1** (`zero_adam_state`) : `ZeroRedundancyOptimizer` ne
  garde sur chaque processus que sa part des états d'Adam (≈ 1/N).

Le pipeline et sa bulle (`bubble_fraction`), les groupes du parallélisme
3-D et le mur de la mémoire se comptent sans torch : `llmlab.cluster`.
Former le groupe de processus : `llmlab.distributed`.

Les mêmes démonstrations tournent sur une machine ou sur plusieurs ::

    uv run llmlab parallele ddp --processus 2
    uv run torchrun --nnodes 1 --nproc-per-node 2 -m llmlab.parallel ddp
    uv run torchrun --nnodes 2 --nproc-per-node 1 --rdzv-backend c10d \\
        --rdzv-endpoint HOTE:29500 --rdzv-id cours -m llmlab.parallel ddp

Sans GPU, les processus se parlent par gloo (TCP) ; avec des GPU, par NCCL.
"""

from __future__ import annotations

import json
import os
import sys
import time

import torch
import torch.distributed as dist
from torch import nn

from llmlab.cluster import bubble_fraction  # noqa: F401 (la bulle, (d))
from llmlab.distributed import device as _device
from llmlab.distributed import launch, setup, teardown
from llmlab.evaluation import batch_loss
from llmlab.gpt import GPT, FeedForward, GPTConfig
from llmlab.training import train_step

# --------------------------------------------------------------------------
# (a) Parallélisme de données
# --------------------------------------------------------------------------


def shard(batch: torch.Tensor, rank: int, world_size: int):
    """La part du rang ``rank`` : des tranches égales du lot, pour
    que la moyenne des pertes soit la perte du lot entier."""
    if batch.shape[0] % world_size:
        raise ValueError(
            f"Le lot de {batch.shape[0]} séquences ne se partage pas en "
            f"{world_size} parts égales : prenez un multiple de "
            f"{world_size}."
        )
    return batch.chunk(world_size)[rank]


def _seeded_gpt(config, seed, device):
    torch.manual_seed(seed)
    return GPT(config).to(device)


def _ddp(model):
    from torch.nn.parallel import DistributedDataParallel

    device = next(model.parameters()).device
    ids = [device.index] if device.type == "cuda" else None
    return DistributedDataParallel(model, device_ids=ids)


def ddp_gradients(config, x, y, seed: int = 0) -> dict:
    """Dans un processus du groupe : les gradients du GPT après
    une passe arrière de DDP sur sa part du lot ``(x, y)``.

    Chaque rang ne voit que B/N séquences ; pendant la passe
    arrière, DDP fait la moyenne des gradients entre rangs.
    """
    rank, world = dist.get_rank(), dist.get_world_size()
    model = _seeded_gpt(config, seed, _device())
    xs, ys = (shard(t, rank, world).to(_device()) for t in (x, y))
    ddp = _ddp(model)  # à garder : ses crochets font l'all-reduce
    batch_loss(ddp, xs, ys).backward()
    return {name: p.grad for name, p in model.named_parameters()}


def full_batch_gradients(config, x, y, seed: int = 0) -> dict:
    """La référence, dans un seul processus : les gradients du
    même GPT sur le lot entier."""
    model = _seeded_gpt(config, seed, torch.device("cpu"))
    batch_loss(model, x, y).backward()
    return {name: p.grad for name, p in model.named_parameters()}


# --------------------------------------------------------------------------
# (b) Parallélisme tensoriel (Megatron-LM)
# --------------------------------------------------------------------------


class _CopyToRanks(torch.autograd.Function):
    """f : identité à l'aller ; au retour, somme des gradients
    de x venus de chaque morceau (all-reduce)."""

    @staticmethod
    def forward(ctx, x):
        return x.view_as(x)

    @staticmethod
    def backward(ctx, grad):
        grad = grad.clone()
        dist.all_reduce(grad)
        return grad


class _SumFromRanks(torch.autograd.Function):
    """g : somme des sorties partielles à l'aller (all-reduce) ;
    identité au retour."""

    @staticmethod
    def forward(ctx, y):
        y = y.clone()
        dist.all_reduce(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        return grad


class TensorParallelFeedForward(nn.Module):
    """Le morceau ``rank`` (sur ``world_size``) d'un MLP du GPT.

    Y = GELU(X·A)·B : A est coupée par **colonnes**, B par
    **lignes**. Chaque rang calcule GELU(X·Aᵢ)·Bᵢ sans rien
    échanger ; un all-reduce somme les N morceaux. Le biais
    de B s'ajoute une fois, après la somme.
    """

    def __init__(self, mlp: FeedForward, rank: int, world_size: int):
        super().__init__()
        hidden, n_embd = mlp.fc.out_features, mlp.fc.in_features
        if hidden % world_size:
            raise ValueError(f"{hidden} colonnes ne se partagent pas entre {world_size} rangs.")
        k = hidden // world_size
        cols = slice(rank * k, (rank + 1) * k)
        self.fc = nn.Linear(n_embd, k)  # Aᵢ
        self.act = mlp.act
        self.proj = nn.Linear(k, n_embd, bias=False)  # Bᵢ
        self.bias = nn.Parameter(mlp.proj.bias.detach().clone())
        with torch.no_grad():  # nn.Linear range A en (sortie, entrée)
            self.fc.weight.copy_(mlp.fc.weight[cols])
            self.fc.bias.copy_(mlp.fc.bias[cols])
            self.proj.weight.copy_(mlp.proj.weight[:, cols])

    # fmt: off
    def forward(self, x):
        x = _CopyToRanks.apply(x)         # f
        h = self.act(self.fc(x))          # X·Aᵢ, GELU : local
        y = _SumFromRanks.apply(self.proj(h))  # g : all-reduce
        return y + self.bias
    # fmt: on


def tensor_parallel_feedforward(config, x, seed: int = 0) -> dict:
    """Dans un processus du groupe : sortie du MLP coupé et
    gradients de la perte Σ y² (entrée, morceaux de A et B,
    biais de B)."""
    rank, world = dist.get_rank(), dist.get_world_size()
    torch.manual_seed(seed)
    tp = TensorParallelFeedForward(FeedForward(config), rank, world)
    tp.to(_device())  # NCCL n'échange que des tenseurs du GPU
    x = x.to(_device()).clone().requires_grad_(True)
    y = tp(x)
    y.square().sum().backward()
    return {
        "y": y.detach(),
        "x_grad": x.grad,
        "fc_weight": tp.fc.weight.grad,
        "fc_bias": tp.fc.bias.grad,
        "proj_weight": tp.proj.weight.grad,
        "proj_bias": tp.bias.grad,
    }


def full_feedforward(config, x, seed: int = 0) -> dict:
    """La référence : le MLP entier, mêmes poids, même perte."""
    torch.manual_seed(seed)
    mlp = FeedForward(config)
    x = x.clone().requires_grad_(True)
    y = mlp(x)
    y.square().sum().backward()
    return {
        "y": y.detach(),
        "x_grad": x.grad,
        "fc_weight": mlp.fc.weight.grad,
        "fc_bias": mlp.fc.bias.grad,
        "proj_weight": mlp.proj.weight.grad,
        "proj_bias": mlp.proj.bias.grad,
    }


# --------------------------------------------------------------------------
# (c) ZeRO stade 1
# --------------------------------------------------------------------------


def optimizer_state_bytes(optimizer) -> int:
    """Octets des états gardés par un optimiseur (Adam : m, v et
    le compteur de pas de chaque paramètre). Pour ZeRO, ceux
    de l'optimiseur local de ce rang (``.optim``)."""
    inner = getattr(optimizer, "optim", optimizer)
    return sum(
        t.numel() * t.element_size()
        for state in inner.state.values()
        for t in state.values()
        if torch.is_tensor(t)
    )


def _adamw(params, lr):
    return torch.optim.AdamW(params, lr=lr, weight_decay=0.0)


def zero_optimizer(params, lr: float = 1e-3):
    """AdamW partagé par ZeRO stade 1 : chaque rang ne garde les
    états d'Adam que de sa part des paramètres, la met à jour,
    puis la diffuse aux autres."""
    from torch.distributed.optim import ZeroRedundancyOptimizer

    return ZeroRedundancyOptimizer(
        list(params), optimizer_class=torch.optim.AdamW, lr=lr, weight_decay=0.0
    )


def zero_adam_state(config, batches, seed: int = 0, lr: float = 1e-3) -> dict:
    """Dans un processus du groupe : quelques pas de DDP + ZeRO 1
    sur ``batches`` (lots entiers, partagés) ; rend les octets
    d'états d'Adam de ce rang et les poids obtenus."""
    rank, world = dist.get_rank(), dist.get_world_size()
    model = _seeded_gpt(config, seed, _device())
    ddp, opt = _ddp(model), zero_optimizer(model.parameters(), lr)
    for x, y in batches:
        xs, ys = (shard(t, rank, world).to(_device()) for t in (x, y))
        train_step(ddp, opt, xs, ys)
    return {
        "state_bytes": optimizer_state_bytes(opt),
        "n_params": sum(p.numel() for g in opt.optim.param_groups for p in g["params"]),
        "weights": {k: v.detach() for k, v in model.state_dict().items()},
    }


def adam_reference(config, batches, seed: int = 0, lr: float = 1e-3) -> dict:
    """La référence, dans un seul processus : AdamW sans partage,
    mêmes lots entiers."""
    model = _seeded_gpt(config, seed, torch.device("cpu"))
    opt = _adamw(model.parameters(), lr)
    for x, y in batches:
        train_step(model, opt, x, y)
    return {
        "state_bytes": optimizer_state_bytes(opt),
        "weights": {k: v.detach() for k, v in model.state_dict().items()},
    }


def run_checks(config, x, y, x_ff, batches, seed: int = 0) -> dict:
    """Dans un processus du groupe : DDP, MLP coupé et ZeRO 1 à la suite.

    Clés ``ddp``, ``tensor``, ``zero`` ; à comparer à leurs références dans un seul
    processus (`full_batch_gradients`, `full_feedforward`, `adam_reference`)."""
    return {
        "ddp": ddp_gradients(config, x, y, seed),
        "tensor": tensor_parallel_feedforward(config, x_ff, seed),
        "zero": zero_adam_state(config, batches, seed),
    }


# --------------------------------------------------------------------------
# Les démonstrations (llmlab parallele, torchrun -m llmlab.parallel)
# --------------------------------------------------------------------------


def shipped_gpt_config() -> GPTConfig:
    """La taille du mini-GPT livré (``data/gpt/state.json``)."""
    from llmlab.data import SHIPPED_GPT, data_path

    state = json.loads(data_path(f"{SHIPPED_GPT}/state.json").read_text(encoding="utf-8"))
    config = {k: v for k, v in state["model_config"].items() if k != "model"}
    return GPTConfig(**config)


def shakespeare_batches(n: int, batch_size: int = 12, block_size: int = 64, seed: int = 0) -> list:
    """``n`` lots de fenêtres de Shakespeare (caractères), toujours
    les mêmes pour une graine : chaque rang tire le même lot
    entier, puis en garde sa part."""
    from llmlab.data import load_shakespeare
    from llmlab.tokenizers import CharTokenizer
    from llmlab.training import TokenData

    text = load_shakespeare()
    data = TokenData.from_text(text, CharTokenizer.train(text), block_size)
    gen = torch.Generator().manual_seed(seed)
    return [data.get_batch("train", batch_size, gen) for _ in range(n)]


def _fr(x, digits=3):
    return f"{x:.{digits}g}".replace(".", ",")


def _count(n):
    return f"{n:,}".replace(",", "\u202f")


def _max_diff(a: dict, b: dict) -> float:
    """Le plus grand écart relatif : |a − b| max / |b| max, tenseur
    par tenseur (un écart de 1e-5 sur des gradients de 100 n'est
    qu'un arrondi)."""
    return max(
        float((a[k].cpu() - b[k].cpu()).abs().max()) / max(float(b[k].abs().max()), 1e-12)
        for k in a
    )


def _max_abs(a: dict, b: dict) -> float:
    return max(float((a[k].cpu() - b[k].cpu()).abs().max()) for k in a)


def demo_ddp(config, batches) -> list[str]:
    """Gradients de DDP contre un seul processus, puis des pas
    d'entraînement ; rend le compte rendu (rang 0)."""
    rank, world = dist.get_rank(), dist.get_world_size()
    x, y = batches[0]
    grads = ddp_gradients(config, x, y)
    ref = full_batch_gradients(config, x, y) if rank == 0 else grads
    diff = _max_diff(grads, ref)
    model = _seeded_gpt(config, 1, _device())
    ddp, opt = _ddp(model), _adamw(model.parameters(), 1e-3)
    losses, start = [], time.perf_counter()
    for xb, yb in batches:
        xs, ys = (shard(t, rank, world).to(_device()) for t in (xb, yb))
        loss = train_step(ddp, opt, xs, ys, 1.0)
        dist.all_reduce(loss)
        losses.append(float(loss) / world)
    seconds = time.perf_counter() - start
    tokens = sum(xb.numel() for xb, _ in batches)
    B, T = x.shape
    return [
        f"{world} processus ({dist.get_backend()}, {_device().type}, "
        f"{torch.get_num_threads()} fil chacun) ; GPT de "
        f"{_count(model.num_parameters())} paramètres, lot global de {B} "
        f"séquences de {T} tokens, {B // world} par processus.",
        "Gradient moyenné par DDP contre celui d'un seul processus sur le "
        f"lot entier : écart relatif maximal {_fr(diff)}.",
        f"{len(batches)} pas de DDP : perte {_fr(losses[0])} → "
        f"{_fr(losses[-1])} ; {_count(round(tokens / seconds))} tokens/s "
        "pour le groupe.",
    ]


def demo_tensor(config, batches) -> list[str]:
    """Le MLP coupé entre les rangs contre le MLP entier."""
    rank, world = dist.get_rank(), dist.get_world_size()
    torch.manual_seed(0)  # des activations au hasard : pas de texte
    x = torch.randn(BATCH_SIZE, config.context_length, config.n_embd)
    got = tensor_parallel_feedforward(config, x)
    ref = full_feedforward(config, x)
    k = 4 * config.n_embd // world
    cols = slice(rank * k, (rank + 1) * k)
    ref_part = {
        **ref,
        "fc_weight": ref["fc_weight"][cols],
        "fc_bias": ref["fc_bias"][cols],
        "proj_weight": ref["proj_weight"][:, cols],
    }
    diffs = [None] * world
    dist.all_gather_object(diffs, _max_diff(got, ref_part))
    own = sum(got[key].numel() for key in ("fc_weight", "fc_bias", "proj_weight"))
    total = sum(ref[key].numel() for key in ("fc_weight", "fc_bias", "proj_weight"))
    d = config.n_embd
    return [
        f"MLP {d} → {4 * d} → {d} coupé en {world} : chaque rang garde "
        f"{k} colonnes de A et {k} lignes de B, {_count(own)} des "
        f"{_count(total)} poids.",
        f"Sortie et gradients (entrée, A, B, biais) contre le MLP entier : "
        f"écart relatif maximal {_fr(max(diffs))}.",
    ]


def demo_zero(config, batches) -> list[str]:
    """Les états d'Adam de chaque rang sous ZeRO 1, contre AdamW
    sans partage ; les poids obtenus doivent être les mêmes."""
    rank, world = dist.get_rank(), dist.get_world_size()
    got = zero_adam_state(config, batches)
    per_rank = [None] * world
    dist.all_gather_object(per_rank, got["state_bytes"])
    if rank:
        return []
    ref = adam_reference(config, batches)
    start = adam_reference(config, [])["weights"]
    parts = ", ".join(
        f"rang {r} : {_fr(b / 1e6)} Mo ({_fr(100 * b / ref['state_bytes'], 3)} %)"
        for r, b in enumerate(per_rank)
    )
    return [
        f"États d'Adam (m, v, pas) sans partage : {_fr(ref['state_bytes'] / 1e6)} Mo.",
        f"ZeRO stade 1 sur {world} processus : {parts}.",
        f"Après {len(batches)} pas, les poids ont bougé de "
        f"{_fr(_max_abs(ref['weights'], start))} au plus ; écart maximal avec "
        f"AdamW sur un seul processus : {_fr(_max_abs(got['weights'], ref['weights']))}.",
    ]


#: Les démonstrations, par nom de la commande.
DEMOS = {"ddp": demo_ddp, "tenseur": demo_tensor, "zero": demo_zero}


#: Séquences par lot global, comme le mini-GPT livré.
BATCH_SIZE = 12


def _demo_lines(name, config, batches):
    return DEMOS[name](config, batches)


def _demo_batches(name, steps, config):
    """Les lots de Shakespeare d'une démonstration (aucun pour le MLP
    coupé, qui prend des activations au hasard)."""
    if name == "tenseur":
        return []
    if steps < 1:
        raise ValueError(f"--pas doit être ≥ 1 (reçu {steps}).")
    return shakespeare_batches(steps, BATCH_SIZE, config.context_length)


def run_local(
    name: str, processes: int = 2, steps: int = 20, threads: int = 1, timeout: float = 300.0
) -> list[str]:
    """Lance la démonstration ``name`` sur ``processes`` processus de
    cette machine (`launch`) ; rend le compte rendu du rang 0."""
    if name not in DEMOS:
        raise ValueError(f"Démonstration inconnue : {name!r} ; choisir parmi {', '.join(DEMOS)}.")
    config = shipped_gpt_config()
    parts = 4 * config.n_embd if name == "tenseur" else BATCH_SIZE
    if parts % processes:
        ok = ", ".join(str(d) for d in range(1, 13) if parts % d == 0)
        what = "colonnes du MLP" if name == "tenseur" else "séquences du lot"
        raise ValueError(
            f"Les {parts} {what} ne se partagent pas entre {processes} processus : essayez {ok}."
        )
    batches = _demo_batches(name, steps, config)
    return launch(
        _demo_lines, name, config, batches, world_size=processes, threads=threads, timeout=timeout
    )[0]


def main(argv=None) -> int:
    """``python -m llmlab.parallel DEMO`` : sous torchrun, rejoint le
    groupe ; sans torchrun, lance ``--processus`` processus."""
    import argparse

    class FrenchParser(argparse.ArgumentParser):
        def format_help(self):
            return super().format_help().replace("usage:", "utilisation :", 1)

        def format_usage(self):
            return super().format_usage().replace("usage:", "utilisation :", 1)

    parser = FrenchParser(
        prog="python -m llmlab.parallel",
        add_help=False,
        description="Démonstrations du parallélisme (données, tenseurs, ZeRO).",
    )
    parser.add_argument("-h", "--help", action="help", help="afficher cette aide et quitter")
    parser._positionals.title, parser._optionals.title = "arguments", "options"
    parser.add_argument("demo", choices=list(DEMOS), metavar="DEMO", help="ddp, tenseur ou zero")
    parser.add_argument(
        "--pas", type=int, default=20, metavar="N", help="pas d'entraînement (défaut : 20)"
    )
    parser.add_argument(
        "--threads",
        type=int,
        default=1,
        metavar="N",
        help="fils de calcul par processus (défaut : 1)",
    )
    parser.add_argument(
        "--processus", type=int, default=2, metavar="N", help="processus sans torchrun (défaut : 2)"
    )
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    if "RANK" not in os.environ:
        try:
            lines = run_local(args.demo, args.processus, args.pas, args.threads)
        except (ValueError, RuntimeError, TimeoutError) as exc:
            print(f"Erreur : {exc}", file=sys.stderr)
            return 1
        print("\n".join(lines))
        return 0
    setup()
    try:
        config = shipped_gpt_config()
        batches = _demo_batches(args.demo, args.pas, config)
        lines = DEMOS[args.demo](config, batches)
        rank = dist.get_rank()
        dist.barrier()
    finally:
        teardown()
    if rank == 0:
        print("\n".join(lines), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
