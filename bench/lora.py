"""LoRA contre affinage complet du mini-GPT livré : part entraînable, vitesse d'un pas, fusion.

    uv run python bench/lora.py [--pas 40] [--threads 1]

Deux copies du modèle livré (``data/gpt``) : l'une entière, l'autre passée par
`llmlab.lora.apply_lora` avec les réglages du cours (`llmlab.adaptation.LORA` : rang 4, α = 8,
sur ``qkv`` et ``out_proj`` de chaque bloc). Chacune a son AdamW (`llmlab.training`, fused
quand torch le permet) et fait des pas de `llmlab.training.train_step` sur les **mêmes lots**
du corpus français (lots de 12 × 64 caractères). Les pas alternent un à un, dans un ordre qui
change, et l'on compare les **médianes** des durées : la charge d'une machine partagée pèse
pareil sur les deux.

Ce qu'un pas LoRA économise : les gradients des poids gelés (le passage arrière calcule
encore les gradients des activations, à travers toutes les couches) et la mise à jour d'AdamW
sur 811 520 poids au lieu de 12 288. Le passage avant coûte un peu plus (deux petits produits
par couche adaptée).

Fusion : après les pas chronométrés (B n'est plus nul), le modèle fusionné
(`llmlab.lora.merge_lora`, W + (α/r)·B·A) doit rendre les mêmes logits que le modèle adapté,
à l'arrondi float32 près ; de même pour l'adaptateur livré dans ``data/lora``.

Une borne, pour information : le même modèle où seul l'embedding des positions apprend
(8 192 paramètres, tout en bas du réseau). Son passage arrière traverse toutes les couches
mais ne calcule aucun gradient de matrice : aucune méthode qui adapte le bas du réseau ne peut
faire un pas plus court. Ce modèle alterne avec les deux autres.

Mesuré sur la machine de développement très chargée par d'autres calculs (charge moyenne 10
à 11 sur 2 cœurs, un fil) : 1,20× puis 1,27× pour une borne de 1,3× environ ; les durées
absolues (300 à 400 ms par pas) y sont cinq fois celles d'une machine au repos.
"""

from __future__ import annotations

import argparse
import copy
import statistics
import time

import torch

from llmlab.adaptation import LORA, french_text, load_lora_model
from llmlab.display import french_number
from llmlab.lora import apply_lora, merge_lora, trainable_share
from llmlab.shipped import load_shipped_gpt
from llmlab.training import TokenData, TrainConfig, _make_optimizer, train_step


def max_gap(a, b, x) -> float:
    with torch.no_grad():
        return float((a(x) - b(x)).abs().max())


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pas", type=int, default=40, help="pas chronométrés par modèle")
    parser.add_argument("--threads", type=int, default=1, help="fils de calcul (défaut : 1)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    base, tokenizer, _, _ = load_shipped_gpt()
    tcfg = TrainConfig(batch_size=12, block_size=base.cfg.context_length, learning_rate=3e-3)
    data = TokenData.from_split_text(french_text(tokenizer), tokenizer, tcfg.block_size)
    gen = torch.Generator().manual_seed(0)
    lots = [data.get_batch("train", tcfg.batch_size, gen) for _ in range(args.pas + 2)]
    full = copy.deepcopy(base).train()
    torch.manual_seed(0)
    lora = apply_lora(copy.deepcopy(base), LORA["targets"], LORA["r"], LORA["alpha"]).train()
    trainable, total = trainable_share(lora)
    share = trainable / total
    bound = copy.deepcopy(base).requires_grad_(False).train()
    bound.pos_emb.weight.requires_grad_(True)
    models = {"full": full, "lora": lora, "bound": bound}
    opts = {name: _make_optimizer(m, tcfg, torch.device("cpu")) for name, m in models.items()}
    times = {name: [] for name in models}
    for i, (x, y) in enumerate(lots):
        for name in ("full", "lora", "bound") if i % 2 == 0 else ("bound", "lora", "full"):
            start = time.perf_counter()
            train_step(models[name], opts[name], x, y, tcfg.grad_clip)
            if i >= 2:  # deux pas d'échauffement
                times[name].append(time.perf_counter() - start)
    t_full, t_lora, t_bound = (statistics.median(times[n]) for n in ("full", "lora", "bound"))
    speedup = t_full / t_lora
    x = lots[0][0]
    lora.eval()
    gap = max_gap(merge_lora(copy.deepcopy(lora)), lora, x)
    shipped, _ = load_lora_model()
    merged, _ = load_lora_model(merge=True)
    gap_shipped = max_gap(merged, shipped, x)
    print(
        f"mini-GPT livré : {french_number(total - trainable, 0)} paramètres ; LoRA r = "
        f"{LORA['r']}, α = {french_number(LORA['alpha'], 0)} sur {', '.join(LORA['targets'])} ; "
        f"{torch.get_num_threads()} fil(s) ; {args.pas} pas chronométrés par modèle, alternés"
    )
    print(
        f"paramètres entraînables : {french_number(trainable, 0)} sur "
        f"{french_number(total, 0)} ({french_number(100 * share, 2)} %)"
    )
    print(
        f"pas d'affinage complet : {french_number(1000 * t_full, 1)} ms (médiane) ; "
        f"pas LoRA : {french_number(1000 * t_lora, 1)} ms"
    )
    print(
        f"borne (information) : seul l'embedding des positions appris, "
        f"{french_number(1000 * t_bound, 1)} ms, {french_number(t_full / t_bound, 2)}× "
        "l'affinage complet ; aucun adaptateur du bas du réseau ne peut faire mieux"
    )
    print(
        f"fusion : écart max des logits {french_number(gap, 7)} après les pas, "
        f"{french_number(gap_shipped, 7)} pour l'adaptateur livré"
    )
    print(
        f"objectif part entraînable : {french_number(100 * share, 2)} % (cible ≤ 2 %) "
        f"{'✓' if share <= 0.02 else '✗'}"
    )
    print(
        f"objectif pas LoRA plus rapide : {french_number(speedup, 2)}× l'affinage complet "
        f"(cible ≥ 1,2×) {'✓' if speedup >= 1.2 else '✗'}"
    )
    ok = max(gap, gap_shipped) <= 1e-4
    print(
        f"objectif modèle fusionné égal au modèle adapté : écart "
        f"{french_number(max(gap, gap_shipped), 7)} (cible ≤ 0,0001) {'✓' if ok else '✗'}"
    )


if __name__ == "__main__":
    main()
