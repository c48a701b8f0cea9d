"""Débit du mini-GPT entraîné par DDP sur 2 processus × 1 fil, contre 1 processus × 1 fil.

    uv run python bench/ddp.py [--tours 10] [--pas-par-tour 10]

Le modèle a la taille du mini-GPT livré (`llmlab.parallel.shipped_gpt_config` : 4 couches,
4 têtes, 128 dimensions, contexte 64, 78 caractères), les lots sont ceux de Shakespeare,
**le même lot global de 12 séquences** pour les deux : la référence le traite entier dans un
seul processus ; DDP en donne 6 à chacun des 2 processus, qui moyennent leurs gradients par
un all-reduce gloo sur 127.0.0.1. Mêmes poids de départ, même AdamW, mêmes lots : les deux
entraînements doivent suivre la même courbe de perte, aux arrondis près.

Les deux vivent dans le même groupe de 2 processus (`llmlab.distributed.launch`) et
**alternent** par tours, dans un ordre qui change à chaque tour : pendant les pas de la
référence, le rang 0 calcule seul et le rang 1 attend à une barrière (son temps processeur
est mesuré et affiché : il ne doit presque rien consommer). On compare les médianes des
débits par tour : la charge d'une machine partagée pèse pareil sur les deux.

La cible (≥ 1,6× sur 2 cœurs) suppose une machine au repos : avec d'autres calculs en
cours, le second processus n'a pas de cœur à lui. Le script affiche la charge moyenne du
système (`os.getloadavg`) au début et à la fin.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

import torch
import torch.distributed as dist

from llmlab.display import french_general, french_number
from llmlab.distributed import launch
from llmlab.gpt import GPT
from llmlab.parallel import BATCH_SIZE, shakespeare_batches, shard, shipped_gpt_config
from llmlab.training import TrainConfig, _make_optimizer, train_step

TARGET_SPEEDUP = 1.6
TARGET_LOSS_GAP = 1e-3


def worker(config, batches, rounds, per_round):
    """Dans chaque rang : les tours alternés ; rend les durées, les pertes et le temps
    processeur du rang pendant les pas de la référence."""
    from torch.nn.parallel import DistributedDataParallel

    rank, world = dist.get_rank(), dist.get_world_size()
    tcfg = TrainConfig(learning_rate=1e-3)
    torch.manual_seed(0)
    model = GPT(config)
    ddp = DistributedDataParallel(model)
    opt = _make_optimizer(model, tcfg, torch.device("cpu"))
    torch.manual_seed(0)
    single = GPT(config)
    opt_single = _make_optimizer(single, tcfg, torch.device("cpu"))
    losses = {"single": [], "ddp": []}
    next_batch = {"single": 0, "ddp": 0}

    def steps(kind, n):
        for _ in range(n):
            x, y = batches[next_batch[kind]]
            next_batch[kind] += 1
            if kind == "single":
                if rank == 0:
                    losses["single"].append(float(train_step(single, opt_single, x, y, 1.0)))
            else:  # la perte de ce rang ; moyenne des rangs à la fin, hors chronomètre
                losses["ddp"].append(
                    train_step(ddp, opt, shard(x, rank, world), shard(y, rank, world), 1.0)
                )

    steps("single", 1)  # échauffement, non chronométré
    steps("ddp", 1)
    seconds = {"single": [], "ddp": []}
    cpu_waiting = 0.0
    for r in range(rounds):
        for kind in ("single", "ddp") if r % 2 == 0 else ("ddp", "single"):
            dist.barrier()
            start, cpu = time.perf_counter(), time.process_time()
            steps(kind, per_round)
            dist.barrier()
            seconds[kind].append(time.perf_counter() - start)
            if kind == "single" and rank == 1:
                cpu_waiting += time.process_time() - cpu
    mean = torch.stack(losses["ddp"])
    dist.all_reduce(mean)
    losses["ddp"] = (mean / world).tolist()
    return {"seconds": seconds, "losses": losses, "cpu_waiting": cpu_waiting}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--tours", type=int, default=10, help="tours alternés (un bloc de chaque par tour)"
    )
    parser.add_argument(
        "--pas-par-tour", type=int, default=10, help="pas d'entraînement de chaque bloc"
    )
    args = parser.parse_args()
    torch.set_num_threads(1)
    config = shipped_gpt_config()
    n_steps = 1 + args.tours * args.pas_par_tour
    batches = shakespeare_batches(n_steps, BATCH_SIZE, config.context_length)
    load_start = os.getloadavg()[0]
    results = launch(
        worker,
        config,
        batches,
        args.tours,
        args.pas_par_tour,
        world_size=2,
        threads=1,
        timeout=3600,
    )
    load_end = os.getloadavg()[0]
    rank0 = results[0]
    tokens = args.pas_par_tour * BATCH_SIZE * config.context_length
    speed = {
        kind: statistics.median(tokens / s for s in rank0["seconds"][kind])
        for kind in ("single", "ddp")
    }
    ratio = speed["ddp"] / speed["single"]
    single, ddp = rank0["losses"]["single"], rank0["losses"]["ddp"]
    gap = max(abs(a - b) for a, b in zip(single, ddp))
    waited = sum(rank0["seconds"]["single"])

    n_params = sum(p.numel() for p in GPT(config).parameters())
    print(
        f"Mini-GPT livré : {french_number(n_params, 0)} paramètres ; lot global de "
        f"{BATCH_SIZE} × {config.context_length} tokens ; {args.tours} tours de "
        f"{args.pas_par_tour} pas alternés ; charge de la machine (moyenne sur 1 min) : "
        f"{french_number(load_start, 2)} au début, {french_number(load_end, 2)} à la fin."
    )
    print(f"1 processus × 1 fil : {french_number(speed['single'], 0)} tokens/s (médiane des tours)")
    print(
        f"2 processus × 1 fil (DDP, gloo) : {french_number(speed['ddp'], 0)} tokens/s "
        "(médiane des tours)"
    )
    print(
        f"Pendant les pas de la référence, le rang 1 a consommé "
        f"{french_number(results[1]['cpu_waiting'], 2)} s de processeur en "
        f"{french_number(waited, 1)} s d'attente."
    )
    print(
        f"Perte après {n_steps} pas : {french_number(single[-1], 4)} (un processus), "
        f"{french_number(ddp[-1], 4)} (DDP) ; plus grand écart pas à pas : "
        f"{french_general(gap, 2)} nat."
    )
    mark = "✓" if ratio >= TARGET_SPEEDUP else "✗"
    print(
        f"objectif débit DDP 2 processus × 1 fil contre 1 × 1 : "
        f"{french_number(ratio, 2)}× (cible {french_number(TARGET_SPEEDUP, 1)}×) {mark}"
    )
    mark = "✓" if gap <= TARGET_LOSS_GAP else "✗"
    print(
        f"objectif même perte après {n_steps} pas : écart {french_general(gap, 2)} nat "
        f"(cible ≤ {french_general(TARGET_LOSS_GAP, 1)}) {mark}"
    )


if __name__ == "__main__":
    main()
