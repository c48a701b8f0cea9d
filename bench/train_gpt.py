"""Vitesse d'entraînement du mini-GPT du cours contre GPTModel du livre, dans la même exécution.

    uv run python bench/train_gpt.py [--pas 100] [--pas-perte 100] [--threads N]

Les deux modèles ont la taille du modèle livré (4 couches, 4 têtes, 128 dimensions, contexte
64, vocabulaire de 78 caractères, lots de 12) et partent des **mêmes poids** : ceux d'un
`GPTModel` de `llms_from_scratch.ch04`, copiés dans notre `GPT` par `load_gptmodel_weights`
(tête non partagée, biais sur Q, K, V : exactement le même nombre de paramètres). Même
optimiseur (AdamW de `llmlab.training`, fused quand torch le permet), mêmes lots de
Shakespeare, mêmes réglages de fils de calcul. Les pas des modèles alternent un à un et on
compare les médianes de leurs durées : la charge de la machine pèse pareil sur les deux.

Ce que mesure la fin du script :

* le rapport des tokens/s (cible ≥ 1,5×) : attention fusionnée de torch, Q, K, V d'un seul
  produit matriciel, `nn.LayerNorm` et GELU de torch, contre les pièces écrites à la main ;
* l'écart des pertes après `--pas-perte` pas sur les mêmes lots : les deux modèles calculent
  la même fonction, les pertes ne doivent différer que par les arrondis ;
* la MFU (*model FLOPs utilisation*) : 6·N·tokens/s (N paramètres, 6 = 2 pour le passage
  avant + 4 pour le passage arrière, sans l'attention) divisé par le débit de
  `torch.matmul` float32 mesuré dans la même exécution, entre les essais : le meilleur d'un
  produit 1 024 × 1 024 et de celui du MLP du modèle ((B·T) × C par C × 4C). Sur une
  machine virtuelle partagée, le petit produit, qui tient dans le cache, va souvent plus vite
  que le grand (mesuré : 78 contre 42 GFLOP/s sur un fil) ; le prendre pour référence évite
  une MFU au-dessus de 100 %.

Une borne, pour information : le même GPT **sans GELU ni LayerNorm** (remplacées par
l'identité : ce n'est plus le même calcul, ce modèle ne sert qu'à chronométrer) alterne avec les
deux autres. Aucun code qui calcule vraiment GELU et LayerNorm ne peut aller plus vite que lui :
son rapport à GPTModel est le plafond de ce qu'on peut gagner en dehors des produits matriciels
et de l'attention fusionnée, qui sont les mêmes calculs dans les deux modèles.

Mesuré sur la machine de développement (2 cœurs AMD EPYC, torch 2.15, au repos) : 1,41× pour
une borne de 1,63× ; la cible 1,5× demanderait des GELU et LayerNorm 45 % moins chères que les
noyaux de torch (`F.gelu(approximate="tanh")` y passe son temps dans un tanh non vectorisé).
Essayé sans gain, les pertes restant égales : GELU écrite avec sigmoïde dans une
`autograd.Function` (plus lente en situation : plus de passes et d'allocations),
`torch.compile` de la GELU ou du modèle, attention à la main (`baddbmm`, masque additif) ou
noyau « math » de SDPA, Q, K, V contigus, autocast bf16, allocateur de la glibc réglé (variables
`MALLOC_*` : 15 % de mieux pour les deux modèles, rapport inchangé).
"""

from __future__ import annotations

import argparse
import copy
import statistics
import time

import torch

from llmlab.cli import GPT_DEFAULTS
from llmlab.display import french_number
from llmlab.gpt import GPT, GPTConfig
from llmlab.gpt_weights import load_gptmodel_weights
from llmlab.training import TrainConfig, _make_optimizer, train_step

VOCAB = 78  # les caractères de Shakespeare


def matmul_flops(m=1024, k=1024, n=1024, repeats=10) -> float:
    """Débit d'un produit float32 (m × k) par (k × n), en FLOP/s : le meilleur de
    quelques essais."""
    a, b = torch.randn(m, k), torch.randn(k, n)
    torch.matmul(a, b)
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        torch.matmul(a, b)
        best = min(best, time.perf_counter() - start)
    return 2 * m * k * n / best


def make_models(cfg: GPTConfig):
    from llms_from_scratch.ch04 import GPTModel

    torch.manual_seed(0)
    book = GPTModel(cfg.to_gptmodel_cfg())
    ours = load_gptmodel_weights(GPT(cfg), book)
    return ours, book


def without_gelu_and_layernorm(model: GPT) -> GPT:
    """Copie de ``model`` où GELU et LayerNorm sont l'identité : une borne de vitesse."""
    bound = copy.deepcopy(model)
    for block in bound.blocks:
        block.mlp.act = torch.nn.Identity()
        block.ln_1, block.ln_2 = torch.nn.Identity(), torch.nn.Identity()
    bound.ln_f = torch.nn.Identity()
    return bound


def batches(n, cfg: TrainConfig, seed=0):
    """``n`` lots de Shakespeare, toujours les mêmes."""
    from llmlab.data import load_shakespeare
    from llmlab.tokenizers import CharTokenizer
    from llmlab.training import TokenData

    text = load_shakespeare()
    data = TokenData.from_text(text, CharTokenizer.train(text), cfg.block_size)
    gen = torch.Generator().manual_seed(seed)
    return [data.get_batch("train", cfg.batch_size, gen) for _ in range(n)]


def run(model, lots, tcfg) -> tuple[float, float]:
    """(tokens/s, perte du dernier lot) pour des pas sur ``lots``."""
    opt = _make_optimizer(model, tcfg, torch.device("cpu"))
    model.train()
    train_step(model, opt, *lots[0], tcfg.grad_clip)  # échauffement
    start = time.perf_counter()
    for x, y in lots[1:]:
        loss = train_step(model, opt, x, y, tcfg.grad_clip)
    seconds = time.perf_counter() - start
    return sum(x.numel() for x, _ in lots[1:]) / seconds, float(loss)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--pas", type=int, default=100, help="pas chronométrés par modèle (alternés un à un)"
    )
    parser.add_argument(
        "--pas-perte",
        type=int,
        default=100,
        help="pas pour comparer les pertes (mêmes lots, mêmes poids de départ)",
    )
    parser.add_argument(
        "--threads",
        type=int,
        default=None,
        help="fils de calcul de torch (les mêmes pour les deux modèles)",
    )
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    d = GPT_DEFAULTS
    cfg = GPTConfig(
        vocab_size=VOCAB,
        context_length=d["block_size"],
        n_embd=d["n_embd"],
        n_head=d["n_head"],
        n_layer=d["n_layer"],
        tie_weights=False,
    )
    tcfg = TrainConfig(
        batch_size=d["batch_size"], block_size=d["block_size"], learning_rate=d["lr"]
    )
    lots = batches(max(args.pas, args.pas_perte) + 1, tcfg)
    ours, book = make_models(cfg)
    n_params = ours.num_parameters()
    print(
        f"GPT {d['n_layer']} couches, {d['n_head']} têtes, {d['n_embd']} dimensions, "
        f"contexte {d['block_size']}, lots de {d['batch_size']} ; "
        f"{french_number(n_params, 0)} paramètres ; {torch.get_num_threads()} fils ; "
        f"{args.pas} pas chronométrés par modèle"
    )

    # Vitesse : les pas des trois modèles alternent un à un (l'ordre aussi), chaque pas est
    # chronométré ; la médiane des durées résiste aux pics de charge d'une machine partagée.
    models = {"ours": ours, "book": book, "bound": without_gelu_and_layernorm(ours)}
    opts = {name: _make_optimizer(m, tcfg, torch.device("cpu")) for name, m in models.items()}
    times = {name: [] for name in models}
    mlp_shape = (d["batch_size"] * d["block_size"], d["n_embd"], 4 * d["n_embd"])
    peaks = {"1024": [], "mlp": []}
    for i in range(args.pas + 2):
        if i % 10 == 0:  # le débit matmul, mesuré entre les pas
            peaks["1024"].append(matmul_flops(repeats=3))
            peaks["mlp"].append(matmul_flops(*mlp_shape, repeats=3))
        x, y = lots[i % len(lots)]
        order = ("book", "ours", "bound") if i % 2 == 0 else ("bound", "ours", "book")
        for name in order:
            start = time.perf_counter()
            train_step(models[name], opts[name], x, y, tcfg.grad_clip)
            if i >= 2:  # deux pas d'échauffement
                times[name].append(time.perf_counter() - start)
    tokens = d["batch_size"] * d["block_size"]
    best_ours = tokens / statistics.median(times["ours"])
    best_book = tokens / statistics.median(times["book"])
    ratio = best_ours / best_book
    ratio_bound = statistics.median(times["book"]) / statistics.median(times["bound"])

    # Pertes : mêmes poids de départ, mêmes lots, même optimiseur.
    ours, book = make_models(cfg)
    _, loss_ours = run(ours, lots[: args.pas_perte + 1], tcfg)
    _, loss_book = run(book, lots[: args.pas_perte + 1], tcfg)
    gap = abs(loss_ours - loss_book)

    peak_1024, peak_mlp = max(peaks["1024"]), max(peaks["mlp"])
    peak = max(peak_1024, peak_mlp)
    mfu = 6 * n_params * best_ours / peak
    print(f"GPTModel (llms-from-scratch) : {french_number(best_book, 0)} tokens/s (médiane)")
    print(f"GPT du cours (chemin rapide) : {french_number(best_ours, 0)} tokens/s (médiane)")
    print(
        f"pertes après {args.pas_perte} pas : GPT {french_number(loss_ours, 4)}, "
        f"GPTModel {french_number(loss_book, 4)}"
    )
    m, k, n = mlp_shape
    print(
        f"matmul float32 : 1 024 × 1 024 {french_number(peak_1024 / 1e9, 1)} GFLOP/s, "
        f"{m} × {k} par {k} × {n} {french_number(peak_mlp / 1e9, 1)} GFLOP/s ; "
        f"6·N·tokens/s = {french_number(6 * n_params * best_ours / 1e9, 1)} GFLOP/s"
    )
    print(
        f"borne (information) : sans GELU ni LayerNorm, le même GPT ferait "
        f"{french_number(ratio_bound, 2)}× GPTModel ; aucun GPT qui les calcule ne peut "
        "faire mieux avec cette attention et ces produits matriciels"
    )
    print(f"MFU (information) : {french_number(100 * mfu, 1)} % du meilleur débit matmul mesuré")
    print(
        f"objectif vitesse d'entraînement du GPT : {french_number(ratio, 2)}× GPTModel "
        f"(cible ≥ 1,5×) {'✓' if ratio >= 1.5 else '✗'}"
    )
    print(
        f"objectif pertes égales après {args.pas_perte} pas : écart "
        f"{french_number(gap, 4)} (cible ≤ 0,01) {'✓' if gap <= 0.01 else '✗'}"
    )


if __name__ == "__main__":
    main()
