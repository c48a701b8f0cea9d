"""Le matériel du calcul : FLOP/s, octets/s, mémoire et coût d'un entraînement.

Un réseau de neurones, c'est surtout des produits de matrices. Ce module les chronomètre
sur la machine de l'élève (CPU, et CUDA ou MPS s'ils sont là), les compare à la crête que
la machine peut atteindre, mesure la bande passante mémoire (le toit du « roofline ») et
fournit les calculatrices de l'entraînement : octets par paramètre (précision mixte, Adam,
ZeRO), FLOP d'un entraînement (6·N·D), GPU-heures et coût.

torch n'est importé que dans les fonctions qui mesurent : les calculatrices restent légères.
"""
from __future__ import annotations

import gc
import math
import os
import platform
import re
import statistics
import subprocess
import time
from pathlib import Path

import pandas as pd

from llmlab.display import french_number

#: Octets par nombre pour chaque type de flottant.
DTYPE_BYTES = {"float64": 8, "float32": 4, "tf32": 4, "bfloat16": 2, "float16": 2,
               "float8": 1}

_DTYPE_ALIASES = {"fp64": "float64", "double": "float64", "fp32": "float32",
                  "float": "float32", "bf16": "bfloat16", "fp16": "float16",
                  "half": "float16", "fp8": "float8"}


def normalize_dtype(dtype) -> str:
    """Le nom canonique d'un type (« fp16 », torch.float16 → « float16 »)."""
    name = str(dtype).replace("torch.", "").lower()
    name = _DTYPE_ALIASES.get(name, name)
    if name not in DTYPE_BYTES:
        raise ValueError(f"Type inconnu : {dtype!r}. Choisir parmi : "
                         f"{', '.join(DTYPE_BYTES)}.")
    return name


# --- Compter les FLOP ------------------------------------------------------------------------

def matmul_flops(m: int, n: int, k: int) -> int:
    """FLOP du produit (m×k) @ (k×n) : m·n sorties,
    chacune k multiplications et k additions, soit 2·m·n·k."""
    return 2 * m * n * k


def transformer_block_flops(n_embd: int, seq_len: int,
                            batch: int = 1) -> int:
    """FLOP des produits d'un bloc Transformer, passe avant.

    B = batch, T = seq_len, d = n_embd :
    - Q, K, V : 3 produits (BT×d)@(d×d)      → 6·B·T·d²
    - projection de sortie (BT×d)@(d×d)     → 2·B·T·d²
    - MLP d → 4d → d : 2 produits de 4·d²   → 16·B·T·d²
    - scores Q·Kᵀ, toutes têtes réunies     → 2·B·T²·d
    - poids @ V                             → 2·B·T²·d
    Total : 24·B·T·d² + 4·B·T²·d. Softmax, LayerNorm, GELU :
    quelques FLOP par nombre, négligeables.
    """
    B, T, d = batch, seq_len, n_embd
    return 24 * B * T * d * d + 4 * B * T * T * d


def arithmetic_intensity_matmul(
        n: int, bytes_per_element: int = 4) -> float:
    """FLOP par octet d'un produit n×n : 2n³ FLOP pour lire A
    et B et écrire C (3n² nombres), soit 2n / (3 × octets)."""
    flops = matmul_flops(n, n, n)
    return flops / (3 * n * n * bytes_per_element)


# --- Ce que la machine déclare ---------------------------------------------------------------

def _run(cmd: list[str]) -> str:
    """Sortie d'une commande système, ou « » si elle n'existe pas ou échoue."""
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=5)
    except (OSError, subprocess.SubprocessError):
        return ""
    return out.stdout if out.returncode == 0 else ""


def _read(path: str) -> str:
    try:
        return Path(path).read_text(errors="replace")
    except OSError:
        return ""


def _linux_cpu(info: dict) -> None:
    """Complète ``info`` avec /proc/cpuinfo, lscpu et /sys (Linux)."""
    text = _read("/proc/cpuinfo")
    fields: dict[str, str] = {}
    cores = set()
    physical = None
    for line in text.splitlines():
        key, _, value = line.partition(":")
        key, value = key.strip().lower(), value.strip()
        if not key:
            continue
        fields.setdefault(key, value)
        if key == "physical id":
            physical = value
        elif key == "core id":
            cores.add((physical, value))
    info["name"] = fields.get("model name") or fields.get("hardware") or info["name"]
    info["vendor"] = fields.get("vendor_id", "")
    if fields.get("cpu family", "").isdigit():
        info["family"] = int(fields["cpu family"])
    info["flags"] = set((fields.get("flags") or fields.get("features") or "").split())
    if cores:
        info["cores"], info["cores_source"] = len(cores), "lus dans /proc/cpuinfo"
    lscpu = dict(line.split(":", 1) for line in _run(["lscpu"]).splitlines() if ":" in line)
    lscpu = {k.strip(): v.strip() for k, v in lscpu.items()}
    if info["cores"] is None:
        try:
            info["cores"] = int(lscpu["Core(s) per socket"]) * int(lscpu.get("Socket(s)", 1))
            info["cores_source"] = "selon lscpu"
        except (KeyError, ValueError):
            pass
    # Fréquence : la plus haute que la machine déclare (turbo), sinon la nominale.
    khz = _read("/sys/devices/system/cpu/cpu0/cpufreq/cpuinfo_max_freq").strip()
    nominal = re.search(r"@\s*([\d.]+)\s*GHz", info["name"] or "")
    if khz.isdigit():
        info["ghz"], info["ghz_source"] = int(khz) / 1e6, "fréquence maximale lue dans /sys"
    elif lscpu.get("CPU max MHz"):
        info["ghz"], info["ghz_source"] = (float(lscpu["CPU max MHz"].replace(",", "."))
                                           / 1000, "fréquence maximale selon lscpu")
    elif nominal:
        info["ghz"], info["ghz_source"] = float(nominal.group(1)), "fréquence nominale du nom du modèle"
    elif fields.get("cpu mhz"):
        info["ghz"], info["ghz_source"] = (float(fields["cpu mhz"]) / 1000,
                                           "fréquence du moment lue dans /proc/cpuinfo, "
                                           "le turbo peut la dépasser")
    elif fields.get("bogomips") and info["arch"] in ("x86_64", "amd64", "i686"):
        info["ghz"] = float(fields["bogomips"]) / 2000
        info["ghz_source"] = ("BogoMIPS / 2, fréquence de base : "
                              "le turbo peut la dépasser")


def _macos_cpu(info: dict) -> None:
    """Complète ``info`` avec sysctl (macOS)."""
    def sysctl(name):
        return _run(["sysctl", "-n", name]).strip()

    info["name"] = sysctl("machdep.cpu.brand_string") or info["name"]
    info["vendor"] = sysctl("machdep.cpu.vendor")
    perf = sysctl("hw.perflevel0.physicalcpu")   # puces Apple : les cœurs performants
    cores = perf or sysctl("hw.physicalcpu")
    if cores.isdigit():
        info["cores"] = int(cores)
        info["cores_source"] = "performants, selon sysctl" if perf else "selon sysctl"
    features = (sysctl("machdep.cpu.features") + " " + sysctl("machdep.cpu.leaf7_features"))
    info["flags"] = {f.lower().replace(".", "_") for f in features.split()}
    hz = sysctl("hw.cpufrequency_max") or sysctl("hw.cpufrequency")
    if hz.isdigit():
        info["ghz"], info["ghz_source"] = int(hz) / 1e9, "sysctl hw.cpufrequency"


#: Noms de NumPy (``__cpu_features__``) → drapeaux de /proc/cpuinfo.
_NUMPY_FLAGS = {"SSE2": "sse2", "AVX": "avx", "AVX2": "avx2", "FMA3": "fma",
                "AVX512F": "avx512f", "AVX512BF16": "avx512_bf16",
                "AVX512FP16": "avx512_fp16", "ASIMD": "asimd"}


def _fallback_cpu(info: dict) -> None:
    """Ce que /proc et sysctl n'ont pas dit (Windows, par exemple) :
    drapeaux détectés par NumPy, cœurs et fréquence selon psutil."""
    if not info["flags"]:
        try:
            from numpy._core._multiarray_umath import __cpu_features__
        except ImportError:
            __cpu_features__ = {}
        info["flags"] = {flag for name, flag in _NUMPY_FLAGS.items()
                         if __cpu_features__.get(name)}
    try:
        import psutil
    except ImportError:
        return
    if info["cores"] is None and psutil.cpu_count(logical=False):
        info["cores"] = psutil.cpu_count(logical=False)
        info["cores_source"] = "selon psutil"
    freq = psutil.cpu_freq() if info["ghz"] is None else None
    if freq and (freq.max or freq.current):
        info["ghz"] = (freq.max or freq.current) / 1000
        info["ghz_source"] = "selon psutil"


def cpu_info() -> dict:
    """Ce que la machine dit de son processeur : nom, fabricant, drapeaux
    (avx2, fma…), cœurs physiques, fréquence, et d'où vient chaque chiffre."""
    info = {"name": platform.processor() or platform.machine(), "vendor": "",
            "family": None, "flags": set(), "cores": None, "cores_source": "",
            "ghz": None, "ghz_source": "", "arch": platform.machine().lower(),
            "system": platform.system()}
    if info["system"] == "Linux":
        _linux_cpu(info)
    elif info["system"] == "Darwin":
        _macos_cpu(info)
    _fallback_cpu(info)
    if info["cores"] is None:
        info["cores"] = os.cpu_count() or 1
        info["cores_source"] = "os.cpu_count(), cœurs logiques (hyperthreading compris)"
    return info


def _simd(info: dict) -> tuple[int | None, bool, str]:
    """(largeur SIMD en bits, FMA présent, explication) d'après les drapeaux."""
    flags, arch = info["flags"], info["arch"]
    if arch in ("arm64", "aarch64"):
        return 128, True, "NEON 128 bits avec FMA"
    if "avx512f" in flags:
        if info.get("vendor") == "AuthenticAMD" and info.get("family") == 25:
            return 256, True, "AVX-512 exécuté en deux moitiés de 256 bits (AMD Zen 4)"
        return 512, True, "AVX-512 avec FMA"
    if "avx2" in flags and "fma" in flags:
        return 256, True, "AVX2 avec FMA"
    if "avx" in flags:
        return 256, False, "AVX sans FMA"
    if "sse2" in flags:
        return 128, False, "SSE2 sans FMA"
    return None, False, "jeu d'instructions SIMD inconnu"


def cpu_peak_gflops(dtype: str = "float32", info: dict | None = None) -> dict:
    """Crête théorique du processeur : cœurs physiques × GHz × FLOP par cycle.

    FLOP par cycle et par cœur = (nombres par registre SIMD) × 2 (une FMA
    fait une multiplication et une addition) × 2 unités FMA (hypothèse
    courante). Sans FMA : une multiplication et une addition par cycle.
    ``info`` : le résultat de `cpu_info()` (par défaut, cette machine).
    Renvoie ``gflops`` à None quand la machine ne dit pas de quoi calculer.
    """
    dtype = normalize_dtype(dtype)
    info = cpu_info() if info is None else info
    result = {"gflops": None, "method": "", "cores": info["cores"], "ghz": info["ghz"],
              "flops_per_cycle": None}
    width, fma, simd = _simd(info)
    if width is None:
        result["method"] = f"Crête inconnue : {simd} pour « {info['name']} »."
        return result
    flags = info["flags"]
    element_bits, extra = 32, ""
    if dtype == "float64":
        element_bits = 64
    elif dtype in ("bfloat16", "float16"):
        native = {"bfloat16": "avx512_bf16", "float16": "avx512_fp16"}[dtype]
        amx = {"bfloat16": "amx_bf16", "float16": "amx_fp16"}[dtype]
        if amx in flags:
            result["method"] = (f"Crête {dtype} inconnue : les unités AMX (matrices) ne "
                                "suivent pas la formule des registres SIMD.")
            return result
        if native in flags:
            element_bits = 16   # produits scalaires de paires : deux fois plus de FLOP
            extra = f", instructions {native}"
        else:
            extra = (f", pas d'instruction {dtype} : on compare à la crête float32 "
                     "(le processeur convertit)")
    lanes = width // element_bits
    # Cœurs performants des puces Apple : 4 unités NEON avec FMA.
    units = 4 if info["system"] == "Darwin" and info["arch"] == "arm64" else 2
    per_cycle = lanes * 2 * units if fma else lanes * 2
    result["flops_per_cycle"] = per_cycle
    if not info["ghz"]:
        result["method"] = (f"Crête inconnue : la machine ne déclare pas sa fréquence "
                            f"({simd}, {per_cycle} FLOP/cycle/cœur).")
        return result
    result["gflops"] = info["cores"] * info["ghz"] * per_cycle
    how = (f"{lanes} × 2 FLOP (FMA) × {units} unités" if fma
           else f"{lanes} × (1 multiplication + 1 addition)")
    if units == 4:
        extra += ("; le coprocesseur matriciel d'Apple (AMX), que torch "
                  "peut utiliser, n'est pas compté : la fraction peut dépasser 1")
    result["method"] = (
        f"{info['cores']} cœurs ({info['cores_source']}) × "
        f"{french_number(info['ghz'], 2)} GHz ({info['ghz_source']}) × "
        f"{per_cycle} FLOP/cycle ({simd} : {how}{extra})")
    return result


# --- Les crêtes publiées des GPU -------------------------------------------------------------

#: Crêtes **denses** publiées, en TFLOPS (10¹² FLOP/s), par type de calcul. Les fiches
#: NVIDIA donnent souvent en gros le chiffre « avec sparsité » 2:4, qui double la crête :
#: on divise par deux. « tf32 » : float32 sur les cœurs tensoriels (si torch l'autorise).
#: Les GeForce calculent à demi-vitesse quand elles accumulent en float32, ce que fait torch.
GPU_PEAKS = {
    "H100 SXM": {"float32": 67.0, "tf32": 494.7, "bfloat16": 989.4, "float16": 989.4,
                 "memory_gb": 80, "bandwidth_gbs": 3350,
                 "source": "NVIDIA, fiche H100 : 1 979 TFLOPS FP16/BF16 « avec sparsité », "
                           "soit 989 dense ; 67 TFLOPS FP32 ; 3,35 To/s"},
    "H100 PCIe": {"float32": 51.0, "tf32": 378.0, "bfloat16": 756.0, "float16": 756.0,
                  "memory_gb": 80, "bandwidth_gbs": 2000,
                  "source": "NVIDIA, fiche H100 : 1 513 TFLOPS FP16 avec sparsité, "
                            "756 dense ; 51 TFLOPS FP32"},
    "H800 SXM": {"float32": 67.0, "tf32": 494.7, "bfloat16": 989.4, "float16": 989.4,
                 "memory_gb": 80, "bandwidth_gbs": 3350,
                 "source": "NVIDIA, fiche H800 : calcul du H100 SXM, liaison NVLink "
                           "bridée (400 Go/s au lieu de 900) pour l'export vers la Chine"},
    "A100": {"float32": 19.5, "tf32": 156.0, "bfloat16": 312.0, "float16": 312.0,
             "memory_gb": 80, "bandwidth_gbs": 2039,
             "source": "NVIDIA, fiche A100 80 Go : 624 TFLOPS FP16 avec sparsité, "
                       "312 dense ; 19,5 TFLOPS FP32"},
    "V100": {"float32": 15.7, "float16": 125.0, "memory_gb": 32, "bandwidth_gbs": 900,
             "source": "NVIDIA, fiche V100 SXM2 : 125 TFLOPS tensoriels FP16 ; "
                       "pas de bfloat16 (architecture Volta)"},
    "RTX 5090": {"float32": 104.8, "bfloat16": 209.5, "float16": 209.5,
                 "memory_gb": 32, "bandwidth_gbs": 1792,
                 "source": "NVIDIA, livre blanc RTX Blackwell : FP16 tensoriel dense à "
                           "accumulation FP32 ; 104,8 TFLOPS FP32 (pas 125)"},
    "RTX 4090": {"float32": 82.6, "bfloat16": 165.2, "float16": 165.2,
                 "memory_gb": 24, "bandwidth_gbs": 1008,
                 "source": "NVIDIA, livre blanc Ada Lovelace : FP16 tensoriel dense à "
                           "accumulation FP32 (330 avec accumulation FP16)"},
    "L4": {"float32": 30.3, "tf32": 60.0, "bfloat16": 121.0, "float16": 121.0,
           "memory_gb": 24, "bandwidth_gbs": 300,
           "source": "NVIDIA, fiche L4 : 242 TFLOPS FP16 avec sparsité, 121 dense"},
    "T4": {"float32": 8.1, "float16": 65.0, "memory_gb": 16, "bandwidth_gbs": 320,
           "source": "NVIDIA, fiche T4 : 65 TFLOPS FP16 (précision mixte) ; "
                     "pas de bfloat16 (architecture Turing)"},
    "Apple M1 Ultra": {"float32": 21.0, "memory_gb": 128, "bandwidth_gbs": 800,
                       "source": "Apple, annonce du M1 Ultra (mars 2022) : 21 TFLOPS"},
    "Apple M1 Max": {"float32": 10.4, "memory_gb": 64, "bandwidth_gbs": 400,
                     "source": "Apple, annonce des M1 Pro et M1 Max (octobre 2021)"},
    "Apple M1 Pro": {"float32": 5.2, "memory_gb": 32, "bandwidth_gbs": 200,
                     "source": "Apple, annonce des M1 Pro et M1 Max (octobre 2021)"},
    "Apple M1": {"float32": 2.6, "memory_gb": 16, "bandwidth_gbs": 68,
                 "source": "Apple, annonce du M1 (novembre 2020) : 2,6 TFLOPS"},
    "Apple M2": {"float32": 3.6, "memory_gb": 24, "bandwidth_gbs": 100,
                 "source": "Apple, annonce du M2 (juin 2022) : 3,6 TFLOPS"},
}

# Nom déclaré (torch.cuda.get_device_name, nom de la puce Apple) → clé de GPU_PEAKS.
# Le plus précis d'abord : « H100 PCIe » avant « H100 ».
_GPU_PATTERNS = [
    ("H100 PCIe", r"H100.*PCIE"), ("H800 SXM", r"H800"), ("H100 SXM", r"H100"),
    ("A100", r"A100"), ("V100", r"V100"), ("RTX 5090", r"5090"), ("RTX 4090", r"4090"),
    ("L4", r"\bL4\b"), ("T4", r"\bT4\b"), ("Apple M1 Ultra", r"M1 ULTRA"),
    ("Apple M1 Max", r"M1 MAX"), ("Apple M1 Pro", r"M1 PRO"),
    ("Apple M1", r"\bM1\b(?! (PRO|MAX|ULTRA))"), ("Apple M2", r"\bM2\b(?! (PRO|MAX|ULTRA))"),
]


def gpu_key(name: str) -> str | None:
    """La clé de `GPU_PEAKS` pour un nom de carte (« NVIDIA A100-SXM4-80GB » → « A100 »)."""
    upper = str(name).upper()
    for key, pattern in _GPU_PATTERNS:
        if re.search(pattern, upper):
            return key
    return None


def gpu_peak_tflops(name: str,
                    dtype: str = "bfloat16") -> float | None:
    """Crête dense publiée (TFLOPS) de la carte ``name`` pour
    ``dtype`` ; None si elle n'est pas dans `GPU_PEAKS`."""
    key = gpu_key(name)
    if str(dtype).lower() != "tf32":
        dtype = normalize_dtype(dtype)
    return GPU_PEAKS[key].get(dtype) if key else None


# --- La mémoire disponible -------------------------------------------------------------------

def available_memory(device: str = "cpu") -> int | None:
    """Octets libres sur ``device`` (None si on ne peut pas le savoir)."""
    import torch

    if device.startswith("cuda"):
        return int(torch.cuda.mem_get_info(torch.device(device))[0])
    if device == "mps":
        try:
            return int(torch.mps.recommended_max_memory() - torch.mps.driver_allocated_memory())
        except (AttributeError, RuntimeError):
            return None
    for line in _read("/proc/meminfo").splitlines():
        if line.startswith("MemAvailable:"):
            return int(line.split()[1]) * 1024
    try:   # macOS, Windows : psutil (installé avec Jupyter)
        import psutil

        return int(psutil.virtual_memory().available)
    except ImportError:
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def check_memory(device: str, nbytes: int,
                 what: str = "") -> None:
    """Refuse *avant* d'allouer ``nbytes`` octets qui ne
    tiendraient pas dans 80 % de la mémoire libre de
    ``device`` : une MemoryError qui dit quoi faire."""
    free = available_memory(device)
    if free is not None and nbytes > 0.8 * free:
        need = french_number(nbytes / 1e9, 2)
        have = french_number(free / 1e9, 2)
        raise MemoryError(
            f"Refusé avant allocation : il faudrait {need} "
            f"Go sur {device} pour {what or 'ce calcul'}, or "
            f"il n'y a que {have} Go libres. Choisissez une "
            "taille plus petite.")


# --- Chronométrer sur CPU, CUDA, MPS ---------------------------------------------------------

def available_devices() -> list[str]:
    """Les appareils de calcul présents : « cpu », puis « cuda » et « mps » s'ils existent."""
    import torch

    devices = ["cpu"]
    if torch.cuda.is_available():
        devices.append("cuda")
    if getattr(torch.backends, "mps", None) and torch.backends.mps.is_available():
        devices.append("mps")
    return devices


def synchronize(device: str) -> None:
    """Attend la fin des calculs lancés. CUDA et MPS rendent
    la main avant d'avoir calculé : sans synchronisation, un
    chronomètre ne mesure que le lancement."""
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
        return start.elapsed_time(end) / 1000   # ms → s
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
        except TypeError:   # torch plus ancien : pas d'option d'émulation
            ok = torch.cuda.is_bf16_supported()
        if not ok:
            return ("bfloat16 non pris en charge par ce GPU (il faut une carte "
                    "Ampere ou plus récente) : ligne sautée")
    try:
        a = torch.ones(4, 4, dtype=tdtype, device=device)
        (a @ a).sum().item()
    except (RuntimeError, TypeError) as exc:
        reason = str(exc).splitlines()[0][:80] if str(exc) else type(exc).__name__
        return f"{dtype} non pris en charge sur {device} ({reason}) : ligne sautée"
    return None


def device_name(device: str) -> str:
    """Le nom de la puce derrière ``device`` (« NVIDIA A100… », « AMD EPYC »)."""
    import torch

    if device.startswith("cuda"):
        return torch.cuda.get_device_name(torch.device(device))
    return cpu_info()["name"] or platform.machine()


def device_peak_gflops(device: str, dtype: str) -> tuple[float | None, str]:
    """(crête en GFLOP/s, note) pour ``dtype`` sur ``device`` : formule
    pour le CPU, chiffre publié (`GPU_PEAKS`) pour CUDA et MPS."""
    if device == "cpu":
        peak = cpu_peak_gflops(dtype)
        return peak["gflops"], ("" if peak["gflops"] else peak["method"])
    import torch

    name, kind = device_name(device), dtype
    matmul = torch.backends.cuda.matmul
    if device.startswith("cuda") and dtype == "float32" and (
            matmul.allow_tf32 or getattr(matmul, "fp32_precision", "") == "tf32"
            or torch.get_float32_matmul_precision() != "highest"):
        kind = "tf32"   # torch autorise les cœurs tensoriels en TF32
    tflops = gpu_peak_tflops(name, kind)
    if tflops is None:
        return None, f"crête {kind} de « {name} » inconnue (absente de GPU_PEAKS)"
    return tflops * 1000, ("float32 calculé en TF32 : crête TF32" if kind == "tf32" else "")


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


def matmul_benchmark(sizes=(128, 256, 512, 1024, 2048),
                     dtypes=("float32", "bfloat16", "float16"), devices=None,
                     repeats: int = 5, warmup: int = 2, progress: bool = True,
                     max_seconds: float = 40.0) -> pd.DataFrame:
    """Chronomètre C = A @ B (matrices n×n) par appareil, type et taille.

    Une ligne par mesure : ``device``, ``dtype``, ``n``, ``seconds`` (médiane
    des répétitions), ``gflops`` (2n³ / secondes / 10⁹), ``peak_gflops``,
    ``fraction_of_peak`` et ``note``. Un type que l'appareil ne sait pas
    calculer, une taille qui ne tient pas en mémoire ou qui dépasserait le
    temps alloué (``max_seconds`` en tout) donnent une ligne vide avec une
    note, pas une exception. La mémoire des appareils est libérée au retour.
    """
    from tqdm.auto import tqdm

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
    bar = tqdm(total=total, desc="Produits de matrices", unit="mesure", disable=not progress)
    try:
        for device in devices:
            for dtype in dtypes:
                if device.split(":")[0] not in present:
                    skip = f"appareil {device} absent de cette machine : ligne sautée"
                else:
                    skip = dtype_unsupported(device, dtype)
                peak, peak_note = (None, "") if skip else device_peak_gflops(device, dtype)
                last = None   # (n, secondes) de la taille précédente
                for n in sizes:
                    row = {"device": device, "dtype": dtype, "n": n, "seconds": math.nan,
                           "gflops": math.nan, "peak_gflops": peak if peak else math.nan,
                           "fraction_of_peak": math.nan, "note": skip or peak_note}
                    left = total - len(rows)
                    share = max(0.0, max_seconds - (time.perf_counter() - start)) / left
                    # Durée prévue d'un produit, d'après la taille précédente. On
                    # compte n² et non n³ : les petites tailles paient surtout des
                    # frais fixes, une prévision en n³ serait trop pessimiste.
                    guess = last[1] * (n / last[0]) ** 2 if last else 0.0
                    if skip:
                        pass
                    elif guess * 3 > share:
                        row["note"] = (f"sautée : environ {french_number(guess, 1)} s par "
                                       "produit, plus que le temps alloué (max_seconds)")
                    else:
                        try:
                            check_memory(device, 3 * n * n * DTYPE_BYTES[dtype],
                                         f"trois matrices {n} × {n} en {dtype}")
                            seconds, done = _measure_matmul(device, dtype, n, repeats,
                                                            warmup, share)
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
    df = pd.DataFrame(rows, columns=["device", "dtype", "n", "seconds", "gflops",
                                     "peak_gflops", "fraction_of_peak", "note"])
    df.attrs["machine"] = machine_label(devices)
    return df


def machine_label(devices=None) -> str:
    """Une étiquette lisible de la machine : « AMD EPYC, 2 cœurs » (+ GPU)."""
    info = cpu_info()
    parts = [f"{info['name']}, {info['cores']} cœurs"]
    for device in devices or []:
        if device.startswith("cuda"):
            try:
                parts.append(device_name(device))
            except (RuntimeError, AssertionError):
                pass
        elif device == "mps":
            parts.append("GPU Apple (MPS)")
    return " + ".join(parts)


def memory_bandwidth(device: str | None = None,
                     megabytes: int = 256,
                     repeats: int = 5) -> float:
    """Bande passante mémoire en Go/s : on copie un tableau de
    ``megabytes`` Mo ; chaque octet est lu puis écrit, soit
    2 × taille par copie. ``device`` : « cpu » par défaut (la
    mémoire vive), « cuda » ou « mps »."""
    import torch

    device = device or "cpu"
    nbytes = int(megabytes * 2**20)
    check_memory(device, 2 * nbytes,
                 f"deux tableaux de {megabytes} Mo")
    try:
        src = torch.ones(nbytes // 4, device=device)
        dst = torch.empty_like(src)

        def copy():
            dst.copy_(src)

        copy()   # échauffement
        times = [time_calls(copy, device)
                 for _ in range(max(1, repeats))]
        return 2 * src.nbytes / statistics.median(times) / 1e9
    finally:
        src = dst = None
        free_device_memory(device)


# --- Figures ---------------------------------------------------------------------------------

def _plain_log_ticks(ax, sizes=None):
    """Axes logarithmiques lisibles : « 64 », « 0,1 », « 1 000 »
    au lieu de 2⁶ ou 10², et les tailles mesurées sur l'axe x."""
    from matplotlib.ticker import FuncFormatter, NullFormatter

    from llmlab.display import french_general, french_number

    def label(v, _):
        if v >= 1 and float(v).is_integer():
            return french_number(v, 0)          # « 1 024 »
        return french_general(v, 3)             # « 0,1 »

    plain = FuncFormatter(label)
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
    for (device, dtype), part in df.dropna(subset=["gflops"]).groupby(["device", "dtype"],
                                                                      sort=False):
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
    ax.annotate(f"coude : {french_number(ridge, 1)} FLOP/octet", (ridge, 0.04),
                xycoords=ax.get_xaxis_transform(), xytext=(6, 0),
                textcoords="offset points", fontsize="small")
    for name, intensity, gflops in points or []:
        ax.plot(intensity, gflops, marker="o", linestyle="none")
        ax.annotate(name, (intensity, gflops), xytext=(6, 4), textcoords="offset points",
                    fontsize="small")
    ax.set_xscale("log")
    ax.set_yscale("log")
    _plain_log_ticks(ax)
    ax.set_xlabel("intensité arithmétique (FLOP par octet lu ou écrit)")
    ax.set_ylabel("GFLOP/s")
    ax.set_title(f"crête {french_number(peak_gflops, 0)} GFLOP/s, "
                 f"bande passante {french_number(bandwidth_gbs, 1)} Go/s", fontsize="medium")
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
    fn()                            # échauffement (threads, caches)
    t0 = time.perf_counter()
    fn()
    once = time.perf_counter() - t0
    calls = max(1, int(min_seconds / max(once, 1e-7)))
    if once > min_seconds:          # déjà lent (Python pur) : une mesure suffit
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
    from tqdm.auto import tqdm

    rng = np.random.default_rng(0)
    rows = []
    for n in tqdm(list(sizes), desc="Python, NumPy, torch", unit="taille", disable=not progress):
        a, b = rng.standard_normal((n, n)), rng.standard_normal((n, n))
        la, lb = a.tolist(), b.tolist()
        ta, tb = torch.from_numpy(a), torch.from_numpy(b)
        for name, fn in (("Python pur", lambda: matmul_python(la, lb)),
                         ("NumPy", lambda: a @ b), ("torch", lambda: ta @ tb)):
            seconds = _best_time(fn)
            rows.append({"n": n, "implementation": name, "seconds": seconds,
                         "gflops": matmul_flops(n, n, n) / seconds / 1e9})
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
        ax.annotate(f"torch : × {french_number(ratio, 0)}", (n, last["torch"]),
                    xytext=(-10, -18), textcoords="offset points", ha="right")
    ax.set_xscale("log", base=2)
    ax.set_yscale("log")
    _plain_log_ticks(ax, df["n"])
    ax.set_xlabel("taille n des matrices n × n")
    ax.set_ylabel("GFLOP/s (échelle log)")
    ax.legend()
    return ax


# --- Mémoire pour entraîner ------------------------------------------------------------------

def model_memory(n_params: float,
                 dtype: str = "float32") -> float:
    """Octets pour stocker les poids : 1 milliard de
    paramètres en float32 (4 octets) = 4 Go ; 175 milliards
    en float16 = 350 Go."""
    return n_params * DTYPE_BYTES[normalize_dtype(dtype)]


#: Octets par paramètre (poids, gradients, copie maîtresse float32) selon la précision.
PRECISIONS = {"fp32": (4, 4, 0, 4), "mixed": (2, 2, 4, 4), "bf16": (2, 2, 0, 2)}
#: États de l'optimiseur par paramètre : Adam garde deux moyennes (m et v).
OPTIMIZER_STATES = {"adam": 2, "adamw": 2, "sgd_momentum": 1, "sgd": 0}


def training_memory(n_params: float,
                    precision: str = "mixed",
                    optimizer: str = "adam",
                    zero_stage: int = 0, n_gpus: int = 1,
                    activation_bytes: float = 0) -> dict:
    """Octets par GPU pour entraîner ``n_params`` paramètres.

    ``precision`` : « fp32 » (tout en 4 octets) ; « mixed »
    (poids et gradients en 16 bits, copie maîtresse et états
    d'Adam en float32 : 2 + 2 + 4 + 8 = 16 octets) ;
    « bf16 » (tout en 16 bits). ZeRO sur ``n_gpus`` : le
    stade 1 partage l'optimiseur (copie maîtresse comprise),
    le stade 2 aussi les gradients, le stade 3 aussi les
    poids. Les activations dépendent du lot :
    ``activation_bytes`` s'ajoute tel quel.
    """
    _check_training_args(precision, optimizer, zero_stage,
                         n_gpus)
    w, g, master, state = PRECISIONS[precision]
    n_states = OPTIMIZER_STATES[optimizer]
    per = {"weights": w * n_params,
           "gradients": g * n_params,
           "optimizer": n_states * state * n_params,
           "master_weights": master * n_params}
    # ZeRO découpe entre les GPU, dans cet ordre : optimiseur
    # et copie maîtresse (stade 1), gradients (2), poids (3).
    shared = ["optimizer", "master_weights", "gradients",
              "weights"]
    n_shared = {0: 0, 1: 2, 2: 3, 3: 4}[zero_stage]
    for key in shared[:n_shared]:
        per[key] /= n_gpus
    per["activations"] = activation_bytes
    per["total"] = sum(per.values())
    return per


def _check_training_args(precision, optimizer, zero_stage, n_gpus):
    """Refuse en français une précision, un optimiseur, un stade
    ZeRO ou un nombre de GPU impossibles."""
    if precision not in PRECISIONS:
        raise ValueError(f"Précision inconnue : {precision!r}. "
                         f"Choisir parmi : {', '.join(PRECISIONS)}.")
    if optimizer not in OPTIMIZER_STATES:
        raise ValueError(f"Optimiseur inconnu : {optimizer!r}. Choisir "
                         f"parmi : {', '.join(OPTIMIZER_STATES)}.")
    if zero_stage not in (0, 1, 2, 3):
        raise ValueError("Le stade ZeRO vaut 0, 1, 2 ou 3.")
    if n_gpus < 1:
        raise ValueError("Il faut au moins un GPU (n_gpus ≥ 1).")


def bytes_per_parameter(precision: str = "mixed",
                        optimizer: str = "adam",
                        zero_stage: int = 0,
                        n_gpus: int = 1) -> float:
    """Octets par paramètre et par GPU, hors activations : 16
    avec Adam en fp32 comme en précision mixte ; 16 / N avec
    ZeRO 3 sur N GPU."""
    per = training_memory(1, precision, optimizer, zero_stage,
                          n_gpus)
    return per["total"]


# --- FLOP, temps et coût d'un entraînement ---------------------------------------------------

def training_flops(n_params: float, n_tokens: float) -> float:
    """FLOP pour entraîner N paramètres sur D tokens : 6·N·D.

    Par token et par paramètre : 2 FLOP pour la passe avant
    (une multiplication, une addition), 4 pour la passe
    arrière (gradient des entrées et gradient des poids).
    """
    return 6.0 * n_params * n_tokens


def training_time(n_params: float, n_tokens: float,
                  flops_per_s: float,
                  utilization: float = 1.0) -> float:
    """Secondes pour entraîner à ``flops_per_s`` FLOP/s, dont
    on n'atteint que la part ``utilization`` (le MFU : 0,3 à
    0,5 sur un grand GPU)."""
    if flops_per_s <= 0 or not 0 < utilization <= 1:
        raise ValueError("Il faut flops_per_s > 0 et "
                         "0 < utilization ≤ 1.")
    flops = training_flops(n_params, n_tokens)
    return flops / (flops_per_s * utilization)


def training_cost(n_params: float, n_tokens: float,
                  gpu: str = "H100", n_gpus: int = 1024,
                  utilization: float = 0.4,
                  price_per_gpu_hour: float = 2.0,
                  dtype: str = "bfloat16") -> dict:
    """Ordre de grandeur d'un entraînement sur ``n_gpus``
    cartes ``gpu``, à leur crête dense ``dtype`` ×
    ``utilization``. Prix par défaut : 2 $ la GPU-heure,
    l'hypothèse du rapport DeepSeek-V3 (location d'un H800).
    Renvoie ``flops``, ``peak_tflops``, ``gpu_hours``,
    ``days`` (durée réelle sur ``n_gpus`` cartes) et
    ``cost`` (dollars).
    """
    peak = gpu_peak_tflops(gpu, dtype)
    if peak is None:
        raise ValueError(
            f"Crête {dtype} de « {gpu} » inconnue : choisir "
            f"parmi {', '.join(GPU_PEAKS)}.")
    if n_gpus < 1:
        raise ValueError("Il faut au moins un GPU "
                         "(n_gpus ≥ 1).")
    seconds = training_time(n_params, n_tokens, peak * 1e12,
                            utilization)
    gpu_hours = seconds / 3600
    return {"flops": training_flops(n_params, n_tokens),
            "peak_tflops": peak, "gpu_hours": gpu_hours,
            "days": gpu_hours / n_gpus / 24,
            "cost": gpu_hours * price_per_gpu_hour}


def _cost_table() -> pd.DataFrame:
    """Le tableau des coûts du cours, chaque chiffre avec sa source."""
    nan = math.nan
    rows = [
        ("GPT-2 XL", 2019, 1.5e9, 1.5e9, nan, "?", nan,
         "Radford et al. 2019 (article GPT-2)",
         "non publié (WebText, 40 Go de texte)",
         "non publié : les ~300 GPU-heures du seed n'ont pas de source"),
        ("GPT-3", 2020, 175e9, 175e9, 300e9, "V100", nan,
         "Brown et al. 2020 (article GPT-3)",
         "Brown et al. 2020 : 300 G tokens, 3,14e23 FLOP annoncés",
         "non publié (grappe de V100 de Microsoft)"),
        ("LLaMA 7B", 2023, 6.7e9, 6.7e9, 1.0e12, "A100", 82_432,
         "Touvron et al. 2023 (article LLaMA) : 6,7 G",
         "Touvron et al. 2023 : 1,0 T tokens",
         "Touvron et al. 2023 : 82 432 GPU-heures A100 80 Go"),
        ("LLaMA 65B", 2023, 65.2e9, 65.2e9, 1.4e12, "A100", 1_022_362,
         "Touvron et al. 2023 : 65,2 G",
         "Touvron et al. 2023 : 1,4 T tokens",
         "Touvron et al. 2023 : 1 022 362 GPU-heures A100 80 Go"),
        ("GPT-4 (estimé)", 2023, 1.8e12, 2.8e11, 1.3e13, "A100", 25_000 * 95 * 24,
         "estimation non officielle (SemiAnalysis, 2023) : ~1,8 T dont ~280 G actifs "
         "par token (mélange d'experts)",
         "même estimation : ~13 T tokens",
         "même estimation : ~25 000 A100 pendant 90 à 100 jours ; OpenAI ne publie rien"),
        ("DeepSeek-V3", 2024, 671e9, 37e9, 14.8e12, "H800", 2_788_000,
         "DeepSeek-AI 2024 (rapport technique) : 671 G dont 37 G actifs par token",
         "DeepSeek-AI 2024 : 14,8 T tokens",
         "DeepSeek-AI 2024 : 2,788 M GPU-heures H800 (5,576 M$ à 2 $/h), "
         "entraîné en FP8"),
        ("Llama 4 Scout", 2025, 109e9, 17e9, 40e12, "H100 SXM", 5_000_000,
         "Meta 2025 (fiche du modèle) : 109 G dont 17 G actifs par token",
         "Meta 2025 : ~40 T tokens",
         "Meta 2025 : 5,0 M GPU-heures H100 80 Go"),
    ]
    df = pd.DataFrame(rows, columns=["model", "year", "n_params", "n_active_params",
                                     "n_tokens", "gpu", "gpu_hours", "source_n",
                                     "source_d", "source_gpu_hours"])
    df["flops_6nd"] = [training_flops(n, d) for n, d in zip(df.n_active_params, df.n_tokens)]
    peaks = [(gpu_peak_tflops(g, "bfloat16") or gpu_peak_tflops(g, "float16") or nan)
             if gpu_key(g) else nan for g in df.gpu]
    df["implied_utilization"] = df.flops_6nd / (df.gpu_hours * 3600 * pd.Series(peaks) * 1e12)
    return df


#: Les modèles du cours : N (paramètres, dont actifs par token pour un mélange d'experts),
#: D (tokens), GPU-heures publiées, 6·N·D (avec les paramètres actifs) et la part de la
#: crête bf16/fp16 dense que cela suppose (``implied_utilization``).
COST_TABLE = _cost_table()


# --- Affichage -------------------------------------------------------------------------------

def _fr(x, decimals: int) -> str:
    return "—" if x is None or pd.isna(x) else french_number(x, decimals)


def format_benchmark(df: pd.DataFrame) -> str:
    """Le tableau de `matmul_benchmark` en texte aligné, à la française
    (virgule décimale, temps en millisecondes, fraction de la crête en %)."""
    headers = ["appareil", "type", "n", "temps (ms)", "GFLOP/s", "crête GFLOP/s",
               "fraction", "note"]
    rows = [[r.device, r.dtype, str(r.n), _fr(r.seconds * 1000, 3), _fr(r.gflops, 1),
             _fr(r.peak_gflops, 0),
             "—" if pd.isna(r.fraction_of_peak) else f"{_fr(100 * r.fraction_of_peak, 1)} %",
             r.note] for r in df.itertuples()]
    widths = [max(len(str(x)) for x in col) for col in zip(headers, *rows)]
    right = {2, 3, 4, 5, 6}
    lines = []
    for row in [headers] + rows:
        cells = [str(x).rjust(w) if i in right else str(x).ljust(w)
                 for i, (x, w) in enumerate(zip(row[:-1], widths))]
        lines.append("  ".join(cells + [str(row[-1])]).rstrip())
    return "\n".join(lines)


def peak_description(device: str, dtype: str) -> str:
    """D'où vient la crête de ``device`` pour ``dtype`` : la formule du CPU
    ou la source du chiffre publié de la carte."""
    if device == "cpu":
        peak = cpu_peak_gflops(dtype)
        value = f"{_fr(peak['gflops'], 1)} GFLOP/s = " if peak["gflops"] else ""
        return f"crête cpu {dtype} : {value}{peak['method']}"
    name = device_name(device) if device != "mps" else cpu_info()["name"]
    key = gpu_key(name)
    peak, note = device_peak_gflops(device, dtype)
    if peak is None:
        return f"crête {device} {dtype} : {note}"
    return (f"crête {device} {dtype} : {_fr(peak, 0)} GFLOP/s, chiffre dense publié "
            f"pour {key} ({GPU_PEAKS[key]['source']})")
