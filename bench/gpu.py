"""Débit d'un GPU CUDA : produits de matrices et pas d'entraînement du mini-GPT, rapportés à
la crête dense publiée de la carte.

    uv run python bench/gpu.py [--tailles 1024 2048 4096 8192] [--pas 20]

1. `llmlab.benchmarks.matmul_benchmark` en float32, bfloat16 et float16 (minutage par
   `torch.cuda.Event`, médiane des répétitions) : TFLOPS atteints et fraction de la crête.
2. Si `llmlab.gpt` existe : un pas d'entraînement complet (avant, arrière, AdamW) du GPT
   du cours en précision mixte, pour la config « portable » livrée et pour la taille de
   GPT-2 small ; FLOP du pas = 3 × FLOP des produits de la passe avant
   (`transformer_block_flops` × couches + tête), d'où les TFLOPS et le MFU.

Sans GPU CUDA, le script le dit et sort avec le code 0. `--appareil cpu` fait un essai de
fumée du même code sur le processeur (petites tailles conseillées).
"""

from __future__ import annotations

import argparse
import statistics
import sys

import torch
import torch.nn.functional as F

from llmlab import benchmarks, costs
from llmlab import hardware as H
from llmlab.display import french_general, french_number

#: Les deux GPT mesurés : la config « portable » du modèle livré, puis GPT-2 small.
GPT_RUNS = {
    "mini-GPT du cours (4 × 128, contexte 64)": dict(
        vocab_size=78, context_length=64, n_embd=128, n_head=4, n_layer=4, batch=12
    ),
    "taille GPT-2 small (12 × 768, contexte 1024)": dict(
        vocab_size=50257, context_length=1024, n_embd=768, n_head=12, n_layer=12, batch=8
    ),
}


def step_flops(cfg: dict) -> int:
    """FLOP d'un pas d'entraînement : la passe arrière coûte deux passes avant."""
    B, T, d = cfg["batch"], cfg["context_length"], cfg["n_embd"]
    forward = cfg["n_layer"] * costs.transformer_block_flops(d, T, B) + costs.matmul_flops(
        B * T, cfg["vocab_size"], d
    )
    return 3 * forward


def gpt_step_tflops(cfg: dict, device: str, amp_dtype, steps: int) -> float:
    """TFLOPS atteints par des pas d'entraînement du GPT du cours (médiane)."""
    from llmlab.gpt import GPT, GPTConfig

    sizes = {k: v for k, v in cfg.items() if k != "batch"}
    model = GPT(GPTConfig(**sizes, dropout=0.0)).to(device)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-4)
    scaler = torch.amp.GradScaler(device.split(":")[0], enabled=amp_dtype == torch.float16)
    gen = torch.Generator().manual_seed(0)
    shape = (cfg["batch"], cfg["context_length"])
    x = torch.randint(0, cfg["vocab_size"], shape, generator=gen).to(device)
    y = torch.randint(0, cfg["vocab_size"], shape, generator=gen).to(device)

    def step():
        with torch.autocast(device.split(":")[0], dtype=amp_dtype):
            logits = model(x)
        loss = F.cross_entropy(logits.float().flatten(0, 1), y.flatten())
        opt.zero_grad(set_to_none=True)
        scaler.scale(loss).backward()
        scaler.step(opt)
        scaler.update()

    try:
        for _ in range(3):  # échauffement : allocation, choix des noyaux cuBLAS
            step()
        times = [benchmarks.time_calls(step, device) for _ in range(steps)]
    finally:
        del model, opt, x, y
        benchmarks.free_device_memory(device)
    return step_flops(cfg) / statistics.median(times) / 1e12


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tailles", type=int, nargs="+", default=[1024, 2048, 4096, 8192])
    parser.add_argument("--pas", type=int, default=20, help="pas d'entraînement chronométrés")
    parser.add_argument("--appareil", default="cuda", help="cuda (défaut) ou cpu (fumée)")
    args = parser.parse_args()
    device = args.appareil
    if device.startswith("cuda") and not torch.cuda.is_available():
        print(
            "Pas de GPU CUDA sur cette machine : rien à mesurer ici. "
            "`uv run llmlab mesurer` mesure le processeur."
        )
        return 0
    name = H.device_name(device)
    key = H.gpu_key(name) if device != "cpu" else None
    print(
        f"Appareil : {device}, {name}"
        + (f" ; crêtes publiées : {H.GPU_PEAKS[key]['source']}" if key else "")
    )

    df = benchmarks.matmul_benchmark(
        args.tailles,
        ("float32", "bfloat16", "float16"),
        [device],
        repeats=10,
        warmup=3,
        max_seconds=180,
    )
    print(benchmarks.format_benchmark(df))
    best = {}
    for dtype, part in df.dropna(subset=["gflops"]).groupby("dtype", sort=False):
        row = part.loc[part.gflops.idxmax()]
        best[dtype] = row
        frac = (
            "crête inconnue"
            if row.isna()["fraction_of_peak"]
            else f"{french_number(100 * row['fraction_of_peak'], 1)} % de la crête dense "
            f"publiée ({french_number(row['peak_gflops'] / 1000, 1)} TFLOPS)"
        )
        print(
            f"{dtype} : {french_general(row['gflops'] / 1000, 3)} TFLOPS au mieux "
            f"(n = {row['n']}), {frac}"
        )

    amp = torch.bfloat16 if "bfloat16" in best else torch.float16
    amp_name = str(amp).replace("torch.", "")
    mfu = {}
    try:
        import llmlab.gpt  # noqa: F401  (branche gpt-lib : peut manquer)
    except ImportError:
        print("llmlab.gpt absent : pas de mesure du pas d'entraînement du mini-GPT.")
    else:
        peak, _ = H.device_peak_gflops(device, amp_name)
        for label, cfg in GPT_RUNS.items():
            if device == "cpu" and cfg["n_layer"] > 4:
                continue  # GPT-2 small sur CPU : trop long pour un essai de fumée
            try:
                tflops = gpt_step_tflops(cfg, device, amp, args.pas)
            except torch.cuda.OutOfMemoryError:
                print(f"{label} : mémoire du GPU insuffisante, mesure sautée.")
                benchmarks.free_device_memory(device)
                continue
            mfu[label] = tflops * 1000 / peak if peak else None
            share = (
                f", MFU {french_number(100 * mfu[label], 1)} % de la crête {amp_name} dense"
                if peak
                else ""
            )
            print(f"{label}, {amp_name} mixte : {french_general(tflops, 3)} TFLOPS{share}")

    fractions = df.fraction_of_peak.dropna()
    top = fractions.max() if len(fractions) else float("nan")
    ok = bool(len(fractions)) and top <= 1.05
    print(
        f"objectif minutage synchronisé : fraction de la crête ≤ 1 pour toutes les "
        f"mesures (max {french_number(top, 2)}) {'✓' if ok else '✗'}"
    )
    half = best.get("bfloat16", best.get("float16"))
    if half is not None and not half.isna()["fraction_of_peak"]:
        f = half["fraction_of_peak"]
        print(
            f"objectif produit {half['dtype']} : {french_number(f, 2)} de la crête dense "
            f"(cible ≥ 0,5) {'✓' if f >= 0.5 else '✗'}"
        )
    gpt2 = [v for k, v in mfu.items() if "GPT-2" in k and v is not None]
    if gpt2:
        print(
            f"objectif pas d'entraînement taille GPT-2 small : MFU {french_number(gpt2[0], 2)} "
            f"(cible ≥ 0,2) {'✓' if gpt2[0] >= 0.2 else '✗'}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
