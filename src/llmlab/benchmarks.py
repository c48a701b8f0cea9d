"""Chronométrer la machine : produits de matrices, bande passante, Python contre NumPy.

Un réseau de neurones, c'est surtout des produits de matrices. `matmul_benchmark` les
chronomètre sur la machine de l'élève (CPU, et CUDA ou MPS s'ils sont là) et compare
chaque mesure à la crête de `llmlab.hardware` ; `memory_bandwidth` mesure le débit de la
mémoire, le toit du « roofline » (`plot_roofline`) ; `python_vs_numpy_vs_torch` fait le
même produit en Python pur, NumPy et torch.

Règle de toute mesure ici : synchroniser l'appareil avant de lire l'horloge (`time_calls`),
chauffer avant de mesurer, garder la médiane, ne jamais dépasser le temps alloué ni la
mémoire libre. torch n'est importé que dans les fonctions qui mesurent.
"""

from __future__ import annotations

import gc
import math
import statistics
import time

import pandas as pd

from llmlab.costs import matmul_flops
from llmlab.display import french_number, progress_bar
from llmlab.hardware import (
    DTYPE_BYTES,
    available_devices,
    check_memory,
    device_peak_gflops,
    machine_label,
    normalize_dtype,
)

# --- Chronométrer sur CPU, CUDA, MPS -------------------------------------------------------


def synchronize(device: str) -> None:
    """Attend la fin des calculs lancés.

    CUDA et MPS rendent la main avant d'avoir calculé : sans
    synchronisation, un chronomètre ne mesure que le lancement."""
    import torch

    if device.startswith("cuda"):
        torch.cuda.synchronize(torch.device(device))
    elif device == "mps":
        torch.mps.synchronize()


def free_device_memory(device: str) -> None:
    """Rend au système la mémoire gardée par torch."""
    import torch

    gc.collect()
    if device.startswith("cuda"):
        if torch.cuda.is_available():
            torch.cuda.empty_cache()
    elif device == "mps" and hasattr(torch, "mps"):
        torch.mps.empty_cache()


def time_calls(fn, device: str, calls: int = 1) -> float:
    """Secondes pour ``calls`` appels de ``fn``, synchronisés.

    Sur CUDA, deux `torch.cuda.Event` encadrent les appels
    dans la file du GPU ; ailleurs, on synchronise puis on lit
    l'horloge.
    """
    import torch

    if device.startswith("cuda"):
        start = torch.cuda.Event(enable_timing=True)
        end = torch.cuda.Event(enable_timing=True)
        synchronize(device)
        start.record()
        for _ in range(calls):
            fn()
        end.record()
        end.synchronize()
        return start.elapsed_time(end) / 1000  # ms → s
    synchronize(device)
    t0 = time.perf_counter()
    for _ in range(calls):
        fn()
    synchronize(device)
    return time.perf_counter() - t0


def dtype_unsupported(device: str, dtype: str) -> str | None:
    """None si ``device`` sait multiplier des matrices ``dtype``, sinon une
    note en français qui dit pourquoi (jamais d'exception)."""
    import torch

    tdtype = getattr(torch, dtype)
    if device.startswith("cuda") and dtype == "bfloat16":
        try:
            ok = torch.cuda.is_bf16_supported(including_emulation=False)
        except TypeError:  # torch plus ancien : pas d'option d'émulation
            ok = torch.cuda.is_bf16_supported()
        if not ok:
            return (
                "bfloat16 non pris en charge par ce GPU (il faut une carte "
                "Ampere ou plus récente) : ligne sautée"
            )
    try:
        a = torch.ones(4, 4, dtype=tdtype, device=device)
        (a @ a).sum().item()
    except (RuntimeError, TypeError) as exc:
        reason = str(exc).splitlines()[0][:80] if str(exc) else type(exc).__name__
        return f"{dtype} non pris en charge sur {device} ({reason}) : ligne sautée"
    return None


def _measure_matmul(device, dtype, n, repeats, warmup, budget):
    """(secondes médianes par produit, répétitions faites) pour un produit n×n."""
    import torch

    tdtype = getattr(torch, dtype)
    gen = torch.Generator(device="cpu").manual_seed(0)
    a = torch.randn(n, n, generator=gen).to(device=device, dtype=tdtype)
    b = torch.randn(n, n, generator=gen).to(device=device, dtype=tdtype)
    c = torch.empty(n, n, device=device, dtype=tdtype)

    def product():
        torch.matmul(a, b, out=c)

    # Échauffement (threads, caches, choix du noyau de calcul) : le premier
    # appel dit aussi combien coûte un produit, pour tenir dans ``budget``.
    t0 = time.perf_counter()
    once = time_calls(product, device)
    for _ in range(warmup - 1):
        if time.perf_counter() - t0 + once > budget / 2:
            break
        once = time_calls(product, device)
    left = budget - (time.perf_counter() - t0)
    # Les petits produits durent quelques µs : on en enchaîne assez pour ~10 ms.
    inner = max(1, min(1000, int(0.01 / max(once, 1e-7))))
    done = max(1, min(repeats, int(left / max(once * inner, 1e-9))))
    times = [time_calls(product, device, inner) / inner for _ in range(done)]
    return statistics.median(times), done


#: Les types que `matmul_benchmark` sait chronométrer (des types de tenseurs torch).
BENCH_DTYPES = ("float64", "float32", "bfloat16", "float16")


def matmul_benchmark(
    sizes=(128, 256, 512, 1024, 2048),
    dtypes=("float32", "bfloat16", "float16"),
    devices=None,
    repeats: int = 5,
    warmup: int = 2,
    progress: bool = True,
    max_seconds: float = 40.0,
) -> pd.DataFrame:
    """Chronomètre C = A @ B (matrices n×n) par appareil, type et taille.

    Une ligne par mesure : ``device``, ``dtype``, ``n``, ``seconds`` (médiane
    des répétitions), ``gflops`` (2n³ / secondes / 10⁹), ``peak_gflops``,
    ``fraction_of_peak`` et ``note``. Un type que l'appareil ne sait pas
    calculer, une taille qui ne tient pas en mémoire ou qui dépasserait le
    temps alloué (``max_seconds`` en tout) donnent une ligne vide avec une
    note, pas une exception. La mémoire des appareils est libérée au retour.
    """
    devices = available_devices() if devices is None else list(devices)
    dtypes = [normalize_dtype(d) for d in dtypes]
    if set(dtypes) - set(BENCH_DTYPES):
        raise ValueError(f"Types mesurables : {', '.join(BENCH_DTYPES)}.")
    sizes = sorted(int(n) for n in sizes)
    if any(n < 1 for n in sizes):
        raise ValueError("Les tailles doivent être des entiers positifs.")
    present = available_devices()
    rows, start = [], time.perf_counter()
    total = len(devices) * len(dtypes) * len(sizes)
    bar = progress_bar(
        total=total, desc="Produits de matrices", unit="mesures", disable=not progress
    )
    try:
        for device in devices:
            for dtype in dtypes:
                if device.split(":")[0] not in present:
                    skip = f"appareil {device} absent de cette machine : ligne sautée"
                else:
                    skip = dtype_unsupported(device, dtype)
                peak, peak_note = (None, "") if skip else device_peak_gflops(device, dtype)
                last = None  # (n, secondes) de la taille précédente
                for n in sizes:
                    row = {
                        "device": device,
                        "dtype": dtype,
                        "n": n,
                        "seconds": math.nan,
                        "gflops": math.nan,
                        "peak_gflops": peak if peak else math.nan,
                        "fraction_of_peak": math.nan,
                        "note": skip or peak_note,
                    }
                    left = total - len(rows)
                    share = max(0.0, max_seconds - (time.perf_counter() - start)) / left
                    # Durée prévue d'un produit, d'après la taille précédente. On
                    # compte n² et non n³ : les petites tailles paient surtout des
                    # frais fixes, une prévision en n³ serait trop pessimiste.
                    guess = last[1] * (n / last[0]) ** 2 if last else 0.0
                    if skip:
                        pass
                    elif guess * 3 > share:
                        row["note"] = (
                            f"sautée : environ {french_number(guess, 1)} s par "
                            "produit, plus que le temps alloué (max_seconds)"
                        )
                    else:
                        try:
                            check_memory(
                                device,
                                3 * n * n * DTYPE_BYTES[dtype],
                                f"trois matrices {n} × {n} en {dtype}",
                            )
                            seconds, done = _measure_matmul(
                                device, dtype, n, repeats, warmup, share
                            )
                        except MemoryError as exc:
                            row["note"] = str(exc)
                        else:
                            last = (n, seconds)
                            row["seconds"] = seconds
                            row["gflops"] = matmul_flops(n, n, n) / seconds / 1e9
                            if peak:
                                row["fraction_of_peak"] = row["gflops"] / peak
                            if done < repeats:
                                extra = f"{done} répétition(s) sur {repeats} (temps alloué)"
                                row["note"] = "; ".join(filter(None, [row["note"], extra]))
                    rows.append(row)
                    bar.update()
    finally:
        bar.close()
        for device in devices:
            if device.split(":")[0] in present:
                free_device_memory(device)
    df = pd.DataFrame(
        rows,
        columns=[
            "device",
            "dtype",
            "n",
            "seconds",
            "gflops",
            "peak_gflops",
            "fraction_of_peak",
            "note",
        ],
    )
    df.attrs["machine"] = machine_label(devices)
    return df


def memory_bandwidth(device: str | None = None, megabytes: int = 256, repeats: int = 5) -> float:
    """Bande passante mémoire en Go/s : on copie un tableau de
    ``megabytes`` Mo ; chaque octet est lu puis écrit, soit
    2 × taille par copie. ``device`` : « cpu » par défaut (la
    mémoire vive), « cuda » ou « mps »."""
    import torch

    device = device or "cpu"
    nbytes = int(megabytes * 2**20)
    check_memory(device, 2 * nbytes, f"deux tableaux de {megabytes} Mo")
    try:
        src = torch.ones(nbytes // 4, device=device)
        dst = torch.empty_like(src)

        def copy():
            dst.copy_(src)

        copy()  # échauffement
        times = [time_calls(copy, device) for _ in range(max(1, repeats))]
        return 2 * src.nbytes / statistics.median(times) / 1e9
    finally:
        src = dst = None
        free_device_memory(device)


# --- Figures ---------------------------------------------------------------------------------


def _plain_log_ticks(ax, sizes=None):
    """Axes logarithmiques lisibles : « 64 », « 0,1 », « 1 000 »
    au lieu de 2⁶ ou 10², et les tailles mesurées sur l'axe x."""
    from matplotlib.ticker import FuncFormatter, NullFormatter

    from llmlab.display import french_tick

    plain = FuncFormatter(lambda v, _: french_tick(v, 3))  # « 1 024 », « 0,1 »
    if sizes is not None:
        ax.set_xticks(sorted(set(int(n) for n in sizes)))
    for axis in (ax.xaxis, ax.yaxis):
        axis.set_major_formatter(plain)
        axis.set_minor_formatter(NullFormatter())


def plot_matmul_benchmark(df: pd.DataFrame, ax=None):
    """GFLOP/s en fonction de n, une courbe par appareil et type, et la
    crête de chaque courbe en pointillés quand elle est connue."""
    import matplotlib.pyplot as plt

    from llmlab import style

    style.use()
    if ax is None:
        _, ax = plt.subplots(figsize=(8, 4.5))
    for (device, dtype), part in df.dropna(subset=["gflops"]).groupby(
        ["device", "dtype"], sort=False
    ):
        (line,) = ax.plot(part["n"], part["gflops"], marker="o", label=f"{device} {dtype}")
        peak = part["peak_gflops"].dropna()
        if len(peak):
            ax.axhline(peak.iloc[0], color=line.get_color(), linestyle=":", linewidth=1)
    ax.set_xscale("log", base=2)
    measured = df["gflops"].dropna()
    # Moins d'un facteur 20 entre les mesures (un seul appareil) : une
    # échelle linéaire depuis 0 montre mieux la distance à la crête.
    if len(measured) and measured.max() < 20 * measured.min():
        ax.set_ylim(bottom=0)
    else:
        ax.set_yscale("log")
    _plain_log_ticks(ax, df["n"])
    ax.set_xlabel("taille n des matrices n × n")
    ax.set_ylabel("GFLOP/s")
    ax.legend(title="pointillés : crête")
    if df.attrs.get("machine"):
        ax.set_title(df.attrs["machine"], fontsize="medium")
    return ax


def plot_roofline(peak_gflops: float, bandwidth_gbs: float, points=None, ax=None):
    """Le « toit » de la machine : GFLOP/s atteignables = min(crête,
    bande passante × intensité arithmétique). À gauche du coude, la mémoire
    limite ; à droite, le calcul. ``points`` : [(nom, FLOP/octet, GFLOP/s)]."""
    import matplotlib.pyplot as plt
    import numpy as np

    from llmlab import style

    style.use()
    if ax is None:
        _, ax = plt.subplots(figsize=(8, 4.5))
    ridge = peak_gflops / bandwidth_gbs
    x = np.logspace(math.log10(min(ridge / 64, 0.05)), math.log10(max(ridge * 64, 500)), 200)
    ax.plot(x, np.minimum(peak_gflops, bandwidth_gbs * x), color="black")
    ax.axvline(ridge, linestyle=":", color="gray", linewidth=1)
    # en bas du pointillé : le haut est pour les points mesurés
    ax.annotate(
        f"coude : {french_number(ridge, 1)} FLOP/octet",
        (ridge, 0.04),
        xycoords=ax.get_xaxis_transform(),
        xytext=(6, 0),
        textcoords="offset points",
        fontsize="small",
    )
    for name, intensity, gflops in points or []:
        ax.plot(intensity, gflops, marker="o", linestyle="none")
        ax.annotate(
            name, (intensity, gflops), xytext=(6, 4), textcoords="offset points", fontsize="small"
        )
    ax.set_xscale("log")
    ax.set_yscale("log")
    _plain_log_ticks(ax)
    ax.set_xlabel("intensité arithmétique (FLOP par octet lu ou écrit)")
    ax.set_ylabel("GFLOP/s")
    ax.set_title(
        f"crête {french_number(peak_gflops, 0)} GFLOP/s, "
        f"bande passante {french_number(bandwidth_gbs, 1)} Go/s",
        fontsize="medium",
    )
    return ax


# --- Python, NumPy, torch : le même produit ---------------------------------------------------


def matmul_python(a: list, b: list) -> list:
    """Le produit de matrices en Python pur, trois boucles."""
    n, k, m = len(a), len(b), len(b[0])
    c = [[0.0] * m for _ in range(n)]
    for i in range(n):
        for j in range(m):
            total = 0.0
            for p in range(k):
                total += a[i][p] * b[p][j]
            c[i][j] = total
    return c


def _best_time(fn, min_seconds: float = 0.05, rounds: int = 5) -> float:
    """Meilleur temps par appel : on répète ``fn`` assez pour durer ``min_seconds``."""
    fn()  # échauffement (threads, caches)
    t0 = time.perf_counter()
    fn()
    once = time.perf_counter() - t0
    calls = max(1, int(min_seconds / max(once, 1e-7)))
    if once > min_seconds:  # déjà lent (Python pur) : une mesure suffit
        return once
    best = math.inf
    for _ in range(rounds):
        t0 = time.perf_counter()
        for _ in range(calls):
            fn()
        best = min(best, (time.perf_counter() - t0) / calls)
    return best


def python_vs_numpy_vs_torch(sizes=(16, 32, 64, 128), progress: bool = True) -> pd.DataFrame:
    """Le même produit n×n en Python pur, NumPy et torch (float64 sur CPU).

    Colonnes : ``n``, ``implementation``, ``seconds``, ``gflops``. Python pur
    est des milliers de fois plus lent : chaque multiplication passe par
    l'interpréteur, quand NumPy et torch appellent une bibliothèque (BLAS)
    qui utilise les registres SIMD et tous les cœurs.
    """
    import numpy as np
    import torch

    rng = np.random.default_rng(0)
    rows = []
    for n in progress_bar(
        list(sizes), desc="Python, NumPy, torch", unit="tailles", disable=not progress
    ):
        a, b = rng.standard_normal((n, n)), rng.standard_normal((n, n))
        la, lb = a.tolist(), b.tolist()
        ta, tb = torch.from_numpy(a), torch.from_numpy(b)
        for name, fn in (
            ("Python pur", lambda la=la, lb=lb: matmul_python(la, lb)),
            ("NumPy", lambda a=a, b=b: a @ b),
            ("torch", lambda ta=ta, tb=tb: ta @ tb),
        ):
            seconds = _best_time(fn)
            rows.append(
                {
                    "n": n,
                    "implementation": name,
                    "seconds": seconds,
                    "gflops": matmul_flops(n, n, n) / seconds / 1e9,
                }
            )
    return pd.DataFrame(rows, columns=["n", "implementation", "seconds", "gflops"])


def plot_python_vs_numpy_vs_torch(df: pd.DataFrame, ax=None):
    """GFLOP/s (échelle log) en fonction de n, une courbe par implémentation,
    avec le rapport torch / Python pur à la plus grande taille."""
    import matplotlib.pyplot as plt

    from llmlab import style

    style.use()
    if ax is None:
        _, ax = plt.subplots(figsize=(8, 4.5))
    for name, part in df.groupby("implementation", sort=False):
        ax.plot(part["n"], part["gflops"], marker="o", label=name)
    n = df["n"].max()
    last = df[df["n"] == n].set_index("implementation")["gflops"]
    if {"Python pur", "torch"} <= set(last.index):
        ratio = last["torch"] / last["Python pur"]
        ax.annotate(
            f"torch : × {french_number(ratio, 0)}",
            (n, last["torch"]),
            xytext=(-10, -18),
            textcoords="offset points",
            ha="right",
        )
    ax.set_xscale("log", base=2)
    ax.set_yscale("log")
    _plain_log_ticks(ax, df["n"])
    ax.set_xlabel("taille n des matrices n × n")
    ax.set_ylabel("GFLOP/s (échelle log)")
    ax.legend()
    return ax


# --- Affichage -----------------------------------------------------------------------------


def _fr(x, decimals: int) -> str:
    return "—" if x is None or pd.isna(x) else french_number(x, decimals)


def format_benchmark(df: pd.DataFrame) -> str:
    """Le tableau de `matmul_benchmark` en texte aligné, à la française
    (virgule décimale, temps en millisecondes, fraction de la crête en %)."""
    headers = [
        "appareil",
        "type",
        "n",
        "temps (ms)",
        "GFLOP/s",
        "crête GFLOP/s",
        "fraction",
        "note",
    ]
    rows = [
        [
            r.device,
            r.dtype,
            str(r.n),
            _fr(r.seconds * 1000, 3),
            _fr(r.gflops, 1),
            _fr(r.peak_gflops, 0),
            "—" if pd.isna(r.fraction_of_peak) else f"{_fr(100 * r.fraction_of_peak, 1)} %",
            r.note,
        ]
        for r in df.itertuples()
    ]
    widths = [max(len(str(x)) for x in col) for col in zip(headers, *rows)]
    right = {2, 3, 4, 5, 6}
    lines = []
    for row in [headers] + rows:
        cells = [
            str(x).rjust(w) if i in right else str(x).ljust(w)
            for i, (x, w) in enumerate(zip(row[:-1], widths))
        ]
        lines.append("  ".join(cells + [str(row[-1])]).rstrip())
    return "\n".join(lines)
