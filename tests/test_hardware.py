"""La leçon 7 : `llmlab.costs` (formules contre formes closes et compteur de FLOP de torch,
chiffres publiés : GPT-3, ZeRO), `llmlab.hardware` (crêtes, fiches NVIDIA, détection du
processeur), `llmlab.benchmarks` (colonnes, notes, refus mémoire, types non pris en charge,
synchronisation CUDA/MPS par injection) et la CLI `llmlab mesurer`.

Aucun seuil de vitesse : la machine de test est partagée ; une mesure se compare à une
autre mesure indépendante, à un ordre de grandeur près."""

import math
import statistics
import time
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
import torch
from torch.utils.flop_counter import FlopCounterMode

from llmlab import benchmarks as B
from llmlab import costs as C
from llmlab import hardware as H
from llmlab.cli import main

COLUMNS = ["device", "dtype", "n", "seconds", "gflops", "peak_gflops", "fraction_of_peak", "note"]


def counted_flops(fn) -> int:
    """FLOP comptés par torch lui-même (torch.utils.flop_counter)."""
    with FlopCounterMode(display=False) as counter:
        fn()
    return counter.get_total_flops()


# --- FLOP -------------------------------------------------------------------------------------


@pytest.mark.parametrize("m, n, k", [(1, 1, 1), (3, 5, 7), (64, 32, 128)])
def test_matmul_flops_is_2mnk_as_counted_by_torch(m, n, k):
    a, b = torch.randn(m, k), torch.randn(k, n)
    assert C.matmul_flops(m, n, k) == 2 * m * n * k == counted_flops(lambda: a @ b)


@pytest.mark.parametrize("d, T, B", [(64, 16, 2), (48, 10, 1)])
def test_transformer_block_flops_match_torch_on_a_reference_block(d, T, B):
    from llms_from_scratch.ch04 import TransformerBlock

    cfg = {"emb_dim": d, "context_length": T, "n_heads": 4, "drop_rate": 0.0, "qkv_bias": False}
    block = TransformerBlock(cfg)
    x = torch.randn(B, T, d)
    expected = 24 * B * T * d * d + 4 * B * T * T * d
    assert C.transformer_block_flops(d, T, B) == expected == counted_flops(lambda: block(x))


def test_training_flops_6nd_forward_and_backward_of_a_linear_layer():
    layer = torch.nn.Linear(32, 8, bias=False)  # N = 256 paramètres
    x = torch.randn(100, 32, requires_grad=True)  # D = 100 tokens

    def step():
        layer(x).sum().backward()

    assert C.training_flops(32 * 8, 100) == counted_flops(step) == 6 * 256 * 100


def test_gpt3_training_flops():
    flops = C.training_flops(175e9, 300e9)
    assert flops == pytest.approx(3.15e23)
    assert flops == pytest.approx(3.14e23, rel=0.01)  # chiffre de l'article GPT-3


def test_arithmetic_intensity_closed_form():
    assert C.arithmetic_intensity_matmul(1024) == pytest.approx(2 * 1024 / 12)
    assert C.arithmetic_intensity_matmul(1024, 2) == pytest.approx(2 * 1024 / 6)
    n = 300
    assert C.arithmetic_intensity_matmul(n) == pytest.approx(
        C.matmul_flops(n, n, n) / (3 * n * n * 4)
    )


# --- Mémoire d'entraînement --------------------------------------------------------------------


def test_seed_memory_figures():
    assert C.model_memory(1e9, "float32") == 4e9  # 4 Go par milliard (seed 002)
    assert C.model_memory(175e9, "float16") == 350e9  # 350 Go (seed 001)
    assert C.model_memory(1e9, "bf16") == 2e9  # moitié du float32
    mixed = C.training_memory(1e9, "mixed", "adam")
    assert (mixed["weights"], mixed["gradients"]) == (2e9, 2e9)
    assert mixed["optimizer"] + mixed["master_weights"] == 12e9
    assert mixed["total"] == 16e9
    assert C.bytes_per_parameter("mixed") == C.bytes_per_parameter("fp32") == 16
    assert 175e9 * C.bytes_per_parameter() == pytest.approx(2.8e12)  # ≈ 2,8 To (seed 001)
    # Les ~24 Go du seed 002 pour 1 G paramètres : 16 o/param + ~8 Go d'activations et
    # de mémoire de travail.
    assert C.training_memory(1e9, "fp32", activation_bytes=8e9)["total"] == 24e9


def test_zero_stages_reproduce_the_zero_paper():
    # Rajbhandari et al. 2019, figure 1 : 7,5 G paramètres, 64 GPU, Adam en précision
    # mixte (K = 12) : 120 Go, puis 31,4 / 16,6 / 1,9 Go par GPU.
    psi = 7.5e9
    totals = [C.training_memory(psi, zero_stage=s, n_gpus=64)["total"] / 1e9 for s in (0, 1, 2, 3)]
    assert totals[0] == pytest.approx(120)
    assert totals[1] == pytest.approx(31.4, abs=0.05)
    assert totals[2] == pytest.approx(16.6, abs=0.05)
    assert totals[3] == pytest.approx(1.9, abs=0.05)


@pytest.mark.parametrize(
    "stage, divided",
    [
        (1, {"optimizer", "master_weights"}),
        (2, {"optimizer", "master_weights", "gradients"}),
        (3, {"optimizer", "master_weights", "gradients", "weights"}),
    ],
)
def test_each_zero_stage_divides_what_it_should(stage, divided):
    one = C.training_memory(1e9, zero_stage=0, n_gpus=8)
    zero = C.training_memory(1e9, zero_stage=stage, n_gpus=8)
    for key in ("weights", "gradients", "optimizer", "master_weights"):
        assert zero[key] == (one[key] / 8 if key in divided else one[key]), key


def test_adam_state_bytes_match_torch():
    layer = torch.nn.Linear(100, 30)
    n = sum(p.numel() for p in layer.parameters())
    opt = torch.optim.Adam(layer.parameters())
    layer(torch.randn(4, 100)).sum().backward()
    opt.step()
    state_bytes = sum(
        t.numel() * t.element_size()
        for s in opt.state.values()
        for name, t in s.items()
        if name != "step"
    )
    assert C.training_memory(n, "fp32", "adam")["optimizer"] == state_bytes
    assert C.training_memory(n, "fp32", "sgd")["optimizer"] == 0


def test_training_memory_refuses_bad_input_in_french():
    with pytest.raises(ValueError, match="Précision inconnue"):
        C.training_memory(1e9, precision="fp12")
    with pytest.raises(ValueError, match="Optimiseur inconnu"):
        C.training_memory(1e9, optimizer="lion")
    with pytest.raises(ValueError, match="stade ZeRO"):
        C.training_memory(1e9, zero_stage=4)


# --- Temps et coût -----------------------------------------------------------------------------


def test_training_time_and_cost():
    seconds = C.training_time(1e9, 1e10, 1e12, utilization=0.5)
    assert seconds == pytest.approx(6e19 / 5e11)
    cost = C.training_cost(
        175e9, 300e9, gpu="H100", n_gpus=1000, utilization=0.5, price_per_gpu_hour=2.0
    )
    hours = 3.15e23 / (989.4e12 * 0.5) / 3600
    assert cost["flops"] == pytest.approx(3.15e23)
    assert cost["gpu_hours"] == pytest.approx(hours)
    assert cost["days"] == pytest.approx(hours / 1000 / 24)
    assert cost["cost"] == pytest.approx(2 * hours)
    with pytest.raises(ValueError, match="inconnue"):
        C.training_cost(1e9, 1e9, gpu="Voodoo 2")
    with pytest.raises(ValueError, match="utilization"):
        C.training_time(1e9, 1e9, 1e12, utilization=1.5)


def test_cost_table_figures_and_sources():
    t = C.COST_TABLE.set_index("model")
    assert t.loc["GPT-3", "flops_6nd"] == pytest.approx(3.15e23)
    assert t.loc["LLaMA 7B", "gpu_hours"] == 82_432
    assert t.loc["DeepSeek-V3", "gpu_hours"] * 2 == pytest.approx(5.576e6)  # 2 $/h
    assert t.loc["DeepSeek-V3", "flops_6nd"] == pytest.approx(6 * 37e9 * 14.8e12)
    for col in ("source_n", "source_d", "source_gpu_hours", "source_cost"):
        assert t[col].str.len().min() > 8, col
    assert "seed" not in " ".join(t.filter(like="source").to_numpy().ravel())
    # Ce que les GPU-heures publiées supposent de la crête dense : un MFU plausible.
    mfu = t["implied_utilization"].dropna()
    assert len(mfu) >= 4 and mfu.between(0.1, 0.7).all()
    # DeepSeek-V3 calcule en FP8 : sa part se mesure à la crête FP8 dense du H800
    # (1 979 TFLOPS), pas à celle du BF16 (989), qui la doublerait.
    assert t.loc["DeepSeek-V3", "peak_tflops"] == pytest.approx(3958 / 2, abs=1)
    assert t.loc["DeepSeek-V3", "implied_utilization"] == pytest.approx(
        6 * 37e9 * 14.8e12 / (2.788e6 * 3600 * 1978.9e12)
    )
    assert 0.16 < t.loc["DeepSeek-V3", "implied_utilization"] < 0.17
    assert 0.22 < t.loc["Llama 4 Scout", "implied_utilization"] < 0.24
    # Les dollars : les GPU-heures au prix de location, et les estimations publiées.
    assert t.loc["LLaMA 65B", "rental_cost"] == 1_022_362 * C.PRICE_PER_GPU_HOUR
    assert t.loc["DeepSeek-V3", "rental_cost"] == pytest.approx(t.loc["DeepSeek-V3", "cost_usd"])
    assert t.loc["GPT-3", "cost_usd"] == 4.6e6 and "Lambda" in t.loc["GPT-3", "source_cost"]
    assert t["cost_usd"].isna().sum() == (t["source_cost"] == "non publié").sum()


def test_weights_memory_and_the_largest_model_that_fits():
    assert C.model_memory(7e9, "int4") == 3.5e9 and C.model_memory(7e9, "int8") == 7e9
    assert C.model_memory(7e9, "fp16") == 14e9
    for memory in (8e9, 24e9, 80e9):
        for dtype, per in (("float16", 2), ("int4", 0.5), ("float32", 4)):
            n = C.max_params(memory, dtype)
            assert n == memory / per
            assert C.model_memory(n, dtype) == pytest.approx(memory)
    assert C.max_params(24e9, "int4") == 48e9
    with pytest.raises(ValueError, match="Type inconnu"):
        C.max_params(8e9, "int3")


def test_inference_flops_is_the_forward_pass_of_6nd():
    assert C.inference_flops(1e9, 1000) == 2e12
    assert C.inference_flops(7e9, 1) * 3 == C.training_flops(7e9, 1)


def test_the_compared_machines_are_in_gpu_peaks_with_sources():
    for key, machine in H.MACHINES.items():
        assert key in H.GPU_PEAKS and H.gpu_key(key) == key
        assert len(machine["source"]) > 20 and machine["cooling"] and machine["ai_use"]
        assert H.GPU_PEAKS[key]["memory_gb"] > 0
    low, high = H.MACHINES["H100 SXM"]["price_usd"]
    assert low < high <= H.MACHINES["H100 SXM"]["resale_usd"]
    assert H.gpu_peak_tflops("Apple M5 Max", "float32") is None  # non publié
    assert H.gpu_peak_tflops("H100 SXM", "fp8") == pytest.approx(
        2 * H.gpu_peak_tflops("H100 SXM", "bf16"), rel=1e-3
    )


# --- Crêtes ------------------------------------------------------------------------------------


def test_gpu_peaks_are_dense_figures():
    # Fiche H100 SXM : 1 979 TFLOPS FP16 avec sparsité 2:4 → moitié en dense.
    assert H.gpu_peak_tflops("NVIDIA H100 80GB HBM3", "float16") == pytest.approx(1979 / 2, abs=1)
    assert H.gpu_peak_tflops("NVIDIA H100 PCIe", "bf16") == pytest.approx(1513 / 2, abs=1)
    assert H.gpu_peak_tflops("NVIDIA A100-SXM4-80GB", "bfloat16") == 312
    assert H.gpu_peak_tflops("NVIDIA GeForce RTX 4090", "fp16") == pytest.approx(165.2)
    assert H.gpu_peak_tflops("Tesla T4", "bfloat16") is None  # Turing : pas de bf16
    assert H.gpu_peak_tflops("Tesla T4", "float16") == 65
    assert H.gpu_peak_tflops("Apple M1 Max", "float32") == 10.4
    assert H.gpu_peak_tflops("Apple M1", "float32") == 2.6
    assert H.gpu_peak_tflops("Intel Arc A770", "float32") is None
    for key, peaks in H.GPU_PEAKS.items():
        assert len(peaks["source"]) > 20, key
        assert H.gpu_key(key) == key


def _info(**kw):
    base = {
        "name": "x",
        "vendor": "GenuineIntel",
        "family": 6,
        "flags": set(),
        "cores": 4,
        "cores_source": "test",
        "ghz": 3.0,
        "ghz_source": "test",
        "ghz_is_max": True,
        "arch": "x86_64",
        "system": "Linux",
    }
    return {**base, **kw}


@pytest.mark.parametrize(
    "info, dtype, per_cycle",
    [
        (_info(flags={"avx", "avx2", "fma"}), "float32", 32),  # 8 × 2 FLOP × 2 unités
        (_info(flags={"avx", "avx2", "fma"}), "float64", 16),
        (_info(flags={"avx2", "fma", "avx512f"}), "float32", 64),
        (
            _info(flags={"avx2", "fma", "avx512f"}, vendor="AuthenticAMD", family=25),
            "float32",
            32,
        ),  # Zen 4 : 2 × 256 bits
        (_info(flags={"avx2", "fma", "avx512f", "avx512_bf16"}), "bfloat16", 128),
        (_info(flags={"avx2", "fma"}), "float16", 32),  # converti : crête float32
        (_info(flags={"avx"}), "float32", 16),  # sans FMA : mul + add
        (_info(arch="aarch64", flags={"asimd"}), "float32", 16),
        (_info(arch="arm64", system="Darwin"), "float32", 32),  # Apple : 4 unités NEON
    ],
)
def test_cpu_peak_formula(info, dtype, per_cycle):
    peak = H.cpu_peak_gflops(dtype, info=info)
    assert peak["flops_per_cycle"] == per_cycle
    assert peak["gflops"] == pytest.approx(4 * 3.0 * per_cycle)
    assert "4 cœurs" in peak["method"] and "3,00 GHz" in peak["method"]


def test_cpu_peak_unknown_says_why():
    no_freq = H.cpu_peak_gflops("float32", info=_info(flags={"avx2", "fma"}, ghz=None))
    assert no_freq["gflops"] is None and "fréquence" in no_freq["method"]
    no_simd = H.cpu_peak_gflops("float32", info=_info(arch="riscv64"))
    assert no_simd["gflops"] is None and "inconnu" in no_simd["method"]
    amx = H.cpu_peak_gflops("bfloat16", info=_info(flags={"avx512f", "amx_bf16"}))
    assert amx["gflops"] is None and "AMX" in amx["method"]
    with pytest.raises(ValueError, match="Type inconnu"):
        H.cpu_peak_gflops("int3")


def test_cpu_info_reads_proc_cpuinfo_and_lscpu(monkeypatch):
    block = (
        "processor\t: {p}\nvendor_id\t: GenuineIntel\ncpu family\t: 6\n"
        "model name\t: Intel(R) Xeon(R) CPU E5-2680 v4 @ 2.40GHz\n"
        "physical id\t: {s}\ncore id\t\t: {c}\nflags\t\t: sse2 avx avx2 fma\n\n"
    )
    # 2 sockets × 2 cœurs × 2 threads : 8 processeurs logiques, 4 cœurs physiques.
    text = "".join(
        block.format(p=4 * s + 2 * c + t, s=s, c=c)
        for s in range(2)
        for c in range(2)
        for t in range(2)
    )
    monkeypatch.setattr(H.platform, "system", lambda: "Linux")
    monkeypatch.setattr(H.platform, "machine", lambda: "x86_64")
    monkeypatch.setattr(H, "_read", lambda path: text if path == "/proc/cpuinfo" else "")
    monkeypatch.setattr(H, "_run", lambda cmd: "")
    info = H.cpu_info()
    assert info["cores"] == 4 and info["ghz"] == 2.4
    assert {"avx2", "fma"} <= info["flags"]
    assert H.cpu_peak_gflops("float32", info)["gflops"] == pytest.approx(4 * 2.4 * 32)


def _fake_linux(monkeypatch, tmp_path, name, max_khz):
    """Un Linux dont /proc/cpuinfo dit ``name`` (2 cœurs, AVX2 + FMA) et dont le faux
    /sys (dans ``tmp_path``) donne ``max_khz`` par cœur (None : pas de cpufreq, comme
    dans beaucoup de machines virtuelles)."""
    block = (
        f"processor\t: {{p}}\nvendor_id\t: GenuineIntel\ncpu family\t: 6\n"
        f"model name\t: {name}\nphysical id\t: 0\ncore id\t\t: {{p}}\n"
        "cpu MHz\t\t: 1200.000\nflags\t\t: sse2 avx avx2 fma\n\n"
    )
    text = "".join(block.format(p=p) for p in range(2))
    sysfs = tmp_path / "sys" / "devices" / "system" / "cpu"
    for i, khz in enumerate(max_khz or []):
        folder = sysfs / f"cpu{i}" / "cpufreq"
        folder.mkdir(parents=True)
        (folder / "cpuinfo_max_freq").write_text(f"{khz}\n")
    (sysfs / "cpu0").mkdir(parents=True, exist_ok=True)
    monkeypatch.setattr(H, "SYSFS_CPU", str(sysfs))
    monkeypatch.setattr(H.platform, "system", lambda: "Linux")
    monkeypatch.setattr(H.platform, "machine", lambda: "x86_64")
    real_read = H._read
    monkeypatch.setattr(
        H,
        "_read",
        lambda path: (
            text
            if path == "/proc/cpuinfo"
            else real_read(path)
            if path.startswith(str(tmp_path))
            else ""
        ),
    )
    monkeypatch.setattr(H, "_run", lambda cmd: "")


def test_cpu_peak_uses_the_turbo_frequency_of_a_fake_sys(monkeypatch, tmp_path):
    # Deux cœurs, l'un plus rapide (processeur hybride) : on prend le plus rapide, pas
    # la fréquence de base du nom (2,40 GHz) ni celle du moment (1,2 GHz).
    _fake_linux(monkeypatch, tmp_path, "Intel(R) Core(TM) i7 @ 2.40GHz", [3_500_000, 4_200_000])
    info = H.cpu_info()
    assert info["ghz"] == pytest.approx(4.2) and info["ghz_is_max"]
    assert "maximale" in info["ghz_source"] and "/sys" in info["ghz_source"]
    assert H.cpu_peak_gflops("float32", info)["gflops"] == pytest.approx(2 * 4.2 * 32)
    assert "fréquence maximale" in H.over_peak_reason("cpu", info)


def test_without_cpufreq_the_base_clock_is_used_and_said(monkeypatch, tmp_path):
    _fake_linux(monkeypatch, tmp_path, "Intel(R) Xeon(R) CPU @ 2.60GHz", None)
    info = H.cpu_info()
    assert info["ghz"] == pytest.approx(2.6) and not info["ghz_is_max"]
    assert "base" in info["ghz_source"] and "turbo" in info["ghz_source"]
    reason = H.over_peak_reason("cpu", info)
    assert "2,60 GHz" in reason and "turbo" in reason
    # sans fréquence dans le nom : celle du moment, et le même avertissement
    _fake_linux(monkeypatch, tmp_path / "b", "AMD EPYC", None)
    info = H.cpu_info()
    assert info["ghz"] == pytest.approx(1.2) and not info["ghz_is_max"]
    assert "turbo" in info["ghz_source"]


def test_over_peak_reason_for_a_gpu_and_an_unknown_clock():
    assert "GPU_PEAKS" in H.over_peak_reason("cuda")
    assert "inconnue" in H.over_peak_reason("cpu", _info(ghz=None))


def test_cpu_info_falls_back_to_numpy_and_psutil(monkeypatch):
    # Windows : ni /proc ni sysctl ; NumPy voit les drapeaux, psutil les cœurs.
    psutil = pytest.importorskip("psutil")
    monkeypatch.setattr(H.platform, "system", lambda: "Windows")
    monkeypatch.setattr(H.platform, "machine", lambda: "AMD64")
    monkeypatch.setattr(psutil, "cpu_count", lambda logical=True: 6)
    monkeypatch.setattr(psutil, "cpu_freq", lambda: SimpleNamespace(current=2100.0, max=3500.0))
    import numpy._core._multiarray_umath as umath

    monkeypatch.setattr(umath, "__cpu_features__", {"AVX2": True, "FMA3": True, "AVX512F": False})
    info = H.cpu_info()
    assert info["flags"] == {"avx2", "fma"}
    assert (info["cores"], info["ghz"]) == (6, 3.5)
    assert H.cpu_peak_gflops("float32", info)["gflops"] == pytest.approx(6 * 3.5 * 32)


def test_cpu_peak_of_this_machine_is_consistent():
    peak = H.cpu_peak_gflops()
    assert set(peak) == {"gflops", "method", "cores", "ghz", "flops_per_cycle"}
    assert peak["method"]
    if peak["gflops"] is not None:
        assert peak["gflops"] == pytest.approx(
            peak["cores"] * peak["ghz"] * peak["flops_per_cycle"]
        )


# --- Benchmark ---------------------------------------------------------------------------------


def test_benchmark_columns_notes_and_fraction():
    df = B.matmul_benchmark(
        sizes=(32, 64), dtypes=("float32",), devices=["cpu"], repeats=2, warmup=1, progress=False
    )
    assert list(df.columns) == COLUMNS and len(df) == 2
    assert df.seconds.notna().all() and (df.seconds > 0).all()
    assert df.gflops.to_numpy() == pytest.approx(2 * df.n.to_numpy() ** 3 / df.seconds / 1e9)
    measured = df.dropna(subset=["peak_gflops"])
    assert measured.fraction_of_peak.to_numpy() == pytest.approx(
        (measured.gflops / measured.peak_gflops).to_numpy()
    )
    assert "cœurs" in df.attrs["machine"]


def test_fraction_of_peak_uses_the_device_peak(monkeypatch):
    monkeypatch.setattr(B, "device_peak_gflops", lambda device, dtype: (100.0, ""))
    df = B.matmul_benchmark(
        sizes=(32,), dtypes=("float32",), devices=["cpu"], repeats=1, progress=False
    )
    assert df.peak_gflops.iloc[0] == 100.0
    assert df.fraction_of_peak.iloc[0] == pytest.approx(df.gflops.iloc[0] / 100)


@pytest.fixture
def one_thread():
    """Un seul fil de calcul : sur une machine partagée, un produit multi-fils attend
    parfois un cœur occupé, et deux mesures voisines ne se comparent plus."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def test_gflops_agree_with_an_independent_timing(one_thread):
    n = 256
    df = B.matmul_benchmark(
        sizes=(n,), dtypes=("float32",), devices=["cpu"], repeats=5, progress=False
    )
    a, b = torch.randn(n, n), torch.randn(n, n)
    a @ b
    times = []
    for _ in range(5):
        t0 = time.perf_counter()
        for _ in range(10):
            a @ b
        times.append((time.perf_counter() - t0) / 10)
    independent = 2 * n**3 / statistics.median(times) / 1e9
    ratio = df.gflops.iloc[0] / independent
    assert 1 / 10 < ratio < 10, (df.gflops.iloc[0], independent)  # ordre de grandeur


def test_memory_refusal_before_allocation(monkeypatch):
    monkeypatch.setattr(H, "available_memory", lambda device: 1_000_000)

    def must_not_allocate(*args, **kwargs):
        raise AssertionError("allocation tentée")

    monkeypatch.setattr(B, "_measure_matmul", must_not_allocate)
    df = B.matmul_benchmark(sizes=(512,), dtypes=("float32",), devices=["cpu"], progress=False)
    note = df.note.iloc[0]
    assert note.startswith("Refusé avant allocation") and "Go libres" in note
    assert math.isnan(df.gflops.iloc[0])
    with pytest.raises(MemoryError, match="Refusé avant allocation"):
        H.check_memory("cpu", 10**9, "un test")
    with pytest.raises(MemoryError, match="Refusé"):
        B.memory_bandwidth("cpu", megabytes=64)


def test_unsupported_dtype_is_skipped_with_a_note(monkeypatch):
    real = torch.Tensor.__matmul__

    def no_half(self, other):
        if self.dtype == torch.float16:
            raise RuntimeError("\"addmm_impl_cpu_\" not implemented for 'Half'")
        return real(self, other)

    monkeypatch.setattr(torch.Tensor, "__matmul__", no_half)
    df = B.matmul_benchmark(
        sizes=(32, 64), dtypes=("float32", "float16"), devices=["cpu"], repeats=1, progress=False
    )
    half = df[df.dtype == "float16"]
    assert half.gflops.isna().all()
    assert half.note.str.contains("float16 non pris en charge sur cpu").all()
    assert df[df.dtype == "float32"].gflops.notna().all()


def test_bf16_on_an_old_gpu_is_refused_without_touching_it(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda **kw: False)
    note = B.dtype_unsupported("cuda", "bfloat16")
    assert "bfloat16 non pris en charge" in note and "Ampere" in note


def test_absent_device_gives_a_note(monkeypatch):
    monkeypatch.setattr(B, "available_devices", lambda: ["cpu"])
    df = B.matmul_benchmark(sizes=(32,), dtypes=("float32",), devices=["cuda"], progress=False)
    assert "absent" in df.note.iloc[0] and df.gflops.isna().all()


def test_time_budget_skips_sizes_that_would_not_fit(monkeypatch):
    monkeypatch.setattr(B, "_measure_matmul", lambda *a: (1.0, 5))  # 1 s par produit
    df = B.matmul_benchmark(
        sizes=(64, 4096), dtypes=("float32",), devices=["cpu"], progress=False, max_seconds=5
    )
    assert df.seconds.iloc[0] == 1.0
    assert "sautée" in df.note.iloc[1] and math.isnan(df.seconds.iloc[1])


def test_benchmark_rejects_bad_input():
    with pytest.raises(ValueError, match="Types mesurables"):
        B.matmul_benchmark(sizes=(8,), dtypes=("tf32",), devices=["cpu"], progress=False)
    with pytest.raises(ValueError, match="positifs"):
        B.matmul_benchmark(sizes=(0,), devices=["cpu"], progress=False)


def test_device_memory_is_freed_on_return(monkeypatch):
    freed = []
    monkeypatch.setattr(B, "free_device_memory", freed.append)
    B.matmul_benchmark(sizes=(16,), dtypes=("float32",), devices=["cpu"], progress=False)
    assert freed == ["cpu"]
    # Sur CUDA, libérer = torch.cuda.empty_cache().
    monkeypatch.undo()
    calls = []
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "empty_cache", lambda: calls.append("vide"))
    B.free_device_memory("cuda")
    assert calls == ["vide"]


# --- Synchronisation CUDA/MPS, par injection ---------------------------------------------------


def test_mps_timing_synchronizes_before_and_after(monkeypatch):
    log = []
    monkeypatch.setattr(B, "synchronize", lambda device: log.append(("sync", device)))
    B.time_calls(lambda: log.append("calcul"), "mps", calls=2)
    assert log == [("sync", "mps"), "calcul", "calcul", ("sync", "mps")]


def test_cuda_timing_uses_events(monkeypatch):
    log = []

    class FakeEvent:
        def __init__(self, enable_timing=False):
            assert enable_timing
            self.name = "début" if not any(isinstance(x, FakeEvent) for x in log) else "fin"
            log.append(self)

        def record(self):
            log.append(f"record {self.name}")

        def synchronize(self):
            log.append(f"attente {self.name}")

        def elapsed_time(self, other):
            return 250.0  # millisecondes

    monkeypatch.setattr(torch.cuda, "Event", FakeEvent)
    monkeypatch.setattr(B, "synchronize", lambda device: log.append("sync"))
    seconds = B.time_calls(lambda: log.append("calcul"), "cuda", calls=3)
    assert seconds == 0.25
    steps = [x for x in log if isinstance(x, str)]
    assert steps == [
        "sync",
        "record début",
        "calcul",
        "calcul",
        "calcul",
        "record fin",
        "attente fin",
    ]


def test_cuda_peak_uses_tf32_when_torch_allows_it(monkeypatch):
    monkeypatch.setattr(H, "device_name", lambda device: "NVIDIA A100-SXM4-80GB")
    monkeypatch.setattr(torch.backends.cuda, "matmul", SimpleNamespace(allow_tf32=False))
    monkeypatch.setattr(torch, "get_float32_matmul_precision", lambda: "highest")
    assert H.device_peak_gflops("cuda", "float32") == (19_500, "")
    assert H.device_peak_gflops("cuda", "bfloat16") == (312_000, "")
    monkeypatch.setattr(torch, "get_float32_matmul_precision", lambda: "high")
    peak, note = H.device_peak_gflops("cuda", "float32")
    assert peak == 156_000 and "TF32" in note


# --- Bande passante, Python contre NumPy contre torch ------------------------------------------


def test_memory_bandwidth_agrees_with_numpy_copy(one_thread):
    ours = B.memory_bandwidth("cpu", megabytes=64, repeats=3)
    src = np.ones(64 * 2**20 // 4, dtype=np.float32)
    dst = np.empty_like(src)
    np.copyto(dst, src)
    times = []
    for _ in range(3):
        t0 = time.perf_counter()
        np.copyto(dst, src)
        times.append(time.perf_counter() - t0)
    independent = 2 * src.nbytes / min(times) / 1e9
    assert ours > 0 and 1 / 10 < ours / independent < 10, (ours, independent)


def test_python_loop_matches_numpy():
    rng = np.random.default_rng(1)
    a, b = rng.standard_normal((5, 3)), rng.standard_normal((3, 4))
    assert np.allclose(B.matmul_python(a.tolist(), b.tolist()), a @ b)


def test_python_vs_numpy_vs_torch_table():
    df = B.python_vs_numpy_vs_torch(sizes=(8, 32), progress=False)
    assert list(df.columns) == ["n", "implementation", "seconds", "gflops"]
    assert set(df.implementation) == {"Python pur", "NumPy", "torch"} and len(df) == 6
    assert df.gflops.to_numpy() == pytest.approx(2 * df.n.to_numpy() ** 3 / df.seconds / 1e9)
    last = df[df.n == 32].set_index("implementation").seconds
    assert last["NumPy"] < last["Python pur"]


# --- Figures et affichage ----------------------------------------------------------------------


def test_roofline_is_the_minimum_of_the_two_roofs():
    import matplotlib.pyplot as plt

    ax = B.plot_roofline(100.0, 10.0, points=[("produit 64", 10.7, 30.0)])
    x, y = ax.lines[0].get_data()
    assert np.allclose(y, np.minimum(100.0, 10.0 * x))
    assert any("produit 64" in t.get_text() for t in ax.texts)
    assert any("10,0 FLOP/octet" in t.get_text() for t in ax.texts)  # le coude
    plt.close(ax.figure)


def test_plots_of_the_benchmark_and_of_python_vs_torch():
    import matplotlib.pyplot as plt

    df = pd.DataFrame(
        {
            "device": ["cpu"] * 2,
            "dtype": ["float32"] * 2,
            "n": [64, 128],
            "seconds": [1e-4, 5e-4],
            "gflops": [5.2, 8.4],
            "peak_gflops": [100.0, 100.0],
            "fraction_of_peak": [0.052, 0.084],
            "note": ["", ""],
        }
    )
    ax = B.plot_matmul_benchmark(df.assign(n=[64, 1024]))
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["cpu float32"]
    ax.figure.canvas.draw()
    # les tailles mesurées, écrites en clair (pas « 2¹⁰ » ni « 1,02e+03 »)
    assert [t.get_text() for t in ax.get_xticklabels()] == ["64", "1\u202f024"]
    assert ax.get_yscale() == "linear" and ax.get_ylim()[0] == 0  # un seul appareil
    plt.close(ax.figure)
    wide = df.assign(device=["cpu", "cuda"], gflops=[5.2, 5000.0])
    ax = B.plot_matmul_benchmark(wide)
    assert ax.get_yscale() == "log"  # CPU et GPU : trois décades
    plt.close(ax.figure)
    pv = pd.DataFrame(
        {
            "n": [16, 16, 16],
            "implementation": ["Python pur", "NumPy", "torch"],
            "seconds": [1.0, 0.001, 0.0005],
            "gflops": [0.008, 8.0, 16.0],
        }
    )
    ax = B.plot_python_vs_numpy_vs_torch(pv)
    assert any("× 2" in t.get_text() for t in ax.texts)  # 16 / 0,008 = 2 000
    plt.close(ax.figure)


def test_format_benchmark_in_french():
    df = pd.DataFrame(
        {
            "device": ["cpu", "cpu"],
            "dtype": ["float32", "float16"],
            "n": [1024, 2048],
            "seconds": [0.0125, math.nan],
            "gflops": [171.8, math.nan],
            "peak_gflops": [343.6, 343.6],
            "fraction_of_peak": [0.5, math.nan],
            "note": ["", "sautée"],
        }
    )
    text = B.format_benchmark(df)
    assert "temps (ms)" in text and "12,500" in text and "171,8" in text
    assert "50,0 %" in text and "—" in text and text.splitlines()[2].endswith("sautée")


# --- CLI ---------------------------------------------------------------------------------------


def test_cli_mesurer(capsys):
    code = main(
        [
            "mesurer",
            "--tailles",
            "32",
            "64",
            "--dtypes",
            "float32",
            "--appareil",
            "cpu",
            "--repetitions",
            "2",
            "--sans-barre",
            "--sans-bande-passante",
        ]
    )
    out = capsys.readouterr().out
    assert code == 0
    assert "Machine :" in out and "GFLOP/s" in out and "fraction" in out
    assert "crête cpu float32" in out
    assert len([line for line in out.splitlines() if line.startswith("cpu ")]) == 2


def test_cli_mesurer_explains_a_fraction_above_100_percent(capsys, monkeypatch):
    # Crête calculée avec une fréquence trop basse (celle de base, sans turbo) :
    # la mesure la dépasse, et la commande dit pourquoi au lieu de laisser « 130 % ».
    real = H.cpu_peak_gflops

    def low_peak(dtype="float32"):
        info = dict(real(dtype))
        info["gflops"] = 1e-3
        return info

    monkeypatch.setattr(H, "cpu_peak_gflops", low_peak)
    base = _info(ghz=2.6, ghz_source="fréquence de base du nom du modèle", ghz_is_max=False)
    monkeypatch.setattr(H, "cpu_info", lambda: base)
    assert (
        main(
            [
                "mesurer",
                "--tailles",
                "64",
                "--dtypes",
                "float32",
                "--appareil",
                "cpu",
                "--repetitions",
                "2",
                "--sans-barre",
                "--sans-bande-passante",
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "Plus de 100 % : la crête est calculée à 2,60 GHz (fréquence de base" in out
    assert "turbo" in out


def test_cli_mesurer_refuses_in_french(capsys, monkeypatch):
    monkeypatch.setattr(H, "available_devices", lambda: ["cpu"])
    assert main(["mesurer", "--appareil", "cuda"]) == 1
    assert "appareil « cuda » absent" in capsys.readouterr().err
    assert main(["mesurer", "--dtypes", "int7"]) == 1
    assert "Type inconnu" in capsys.readouterr().err
    assert main(["mesurer", "--tailles", "0"]) == 1
    monkeypatch.setattr(H, "available_memory", lambda device: 10**6)
    assert main(["mesurer", "--tailles", "4096", "--dtypes", "float32", "--sans-barre"]) == 0
    out = capsys.readouterr().out
    assert "Refusé avant allocation" in out and "Go libres" in out


# --- bench/gpu.py ------------------------------------------------------------------------------


def load_bench_gpu(repo_root):
    import importlib.util

    spec = importlib.util.spec_from_file_location("bench_gpu", repo_root / "bench" / "gpu.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_bench_gpu_step_flops_match_torch(repo_root):
    from llms_from_scratch.ch04 import GPTModel

    bench = load_bench_gpu(repo_root)
    cfg = dict(vocab_size=50, context_length=16, n_embd=32, n_head=4, n_layer=2, batch=3)
    model = GPTModel(
        {
            "vocab_size": 50,
            "context_length": 16,
            "emb_dim": 32,
            "n_heads": 4,
            "n_layers": 2,
            "drop_rate": 0.0,
            "qkv_bias": False,
        }
    )
    x = torch.randint(0, 50, (3, 16))

    def step():
        logits = model(x)
        torch.nn.functional.cross_entropy(logits.flatten(0, 1), x.flatten()).backward()

    assert bench.step_flops(cfg) == counted_flops(step)  # 3 × passe avant


def test_bench_gpu_without_gpu_says_so_and_exits_0(repo_root, monkeypatch, capsys):
    bench = load_bench_gpu(repo_root)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr("sys.argv", ["gpu.py"])
    assert bench.main() == 0
    assert "Pas de GPU CUDA" in capsys.readouterr().out


def test_peak_description_names_the_source(monkeypatch):
    monkeypatch.setattr(H, "device_name", lambda device: "NVIDIA H100 80GB HBM3")
    text = H.peak_description("cuda", "bfloat16")
    assert "989" in text and "H100 SXM" in text and "sparsité" in text
    assert H.peak_description("cpu", "float32").startswith("crête cpu float32")
