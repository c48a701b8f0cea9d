"""La machine et ses crêtes : ce que l'ordinateur de l'élève sait faire, sur le papier.

Combien de cœurs, quelle fréquence, quelles instructions SIMD : de quoi calculer la crête
théorique du processeur (`cpu_peak_gflops`). Pour les cartes graphiques, le catalogue des
crêtes **publiées** (`GPU_PEAKS`, chaque chiffre avec sa source). Enfin, la mémoire libre,
pour refuser un calcul *avant* d'allouer ce qui ne tiendrait pas (`check_memory`).

Ce module ne chronomètre rien : les mesures sont dans `llmlab.benchmarks`, qui les compare
aux crêtes d'ici ; les calculatrices (FLOP, mémoire, temps et coût d'un entraînement) dans
`llmlab.costs`. torch n'est importé que dans les fonctions qui interrogent un appareil.

Taille : près de 200 lignes sont le catalogue des cartes (`GPU_PEAKS`, `MACHINES`), une ligne
par chiffre publié avec sa source ; le code lui-même tient en 500 lignes.
"""

from __future__ import annotations

import os
import platform
import re
import subprocess
from pathlib import Path

from llmlab.display import french_number

DTYPE_BYTES = {"float64": 8, "float32": 4, "tf32": 4, "bfloat16": 2, "float16": 2, "float8": 1}

_DTYPE_ALIASES = {
    "fp64": "float64",
    "double": "float64",
    "fp32": "float32",
    "float": "float32",
    "bf16": "bfloat16",
    "fp16": "float16",
    "half": "float16",
    "fp8": "float8",
}


def forced_device(name: str):
    """L'appareil que force ``LLMLAB_DEVICE``, s'il existe vraiment
    sur cette machine ; sinon une ``ValueError`` qui dit quoi faire
    (plutôt que l'erreur de torch au premier tenseur). Rend un
    ``torch.device``."""
    import torch

    try:
        device = torch.device(name)
    except RuntimeError:
        raise ValueError(
            f"LLMLAB_DEVICE vaut « {name} », qui n'est pas un "
            "appareil torch : mettez « cpu », « cuda » ou « mps », "
            "ou supprimez cette variable."
        ) from None
    mps = getattr(torch.backends, "mps", None)
    present = {
        "cuda": (torch.cuda.is_available(), "de GPU NVIDIA (CUDA)"),
        "mps": (bool(mps and mps.is_available()), "de GPU Apple (MPS)"),
    }
    found, what = present.get(device.type, (True, ""))
    if not found:
        raise ValueError(
            f"LLMLAB_DEVICE vaut « {name} », mais torch ne trouve pas "
            f"{what} sur cette machine : supprimez cette variable "
            "ou mettez LLMLAB_DEVICE=cpu."
        )
    return device


def normalize_dtype(dtype) -> str:
    """Le nom canonique d'un type (« fp16 », torch.float16 → « float16 »)."""
    name = str(dtype).replace("torch.", "").lower()
    name = _DTYPE_ALIASES.get(name, name)
    if name not in DTYPE_BYTES:
        raise ValueError(
            f"Type inconnu : « {dtype} » ; choisissez parmi : {', '.join(DTYPE_BYTES)}."
        )
    return name


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


#: Où Linux décrit les cœurs (cpufreq) ; les tests le remplacent par un faux /sys.
SYSFS_CPU = "/sys/devices/system/cpu"


def _max_freq_khz() -> int | None:
    """La plus haute fréquence maximale (kHz) des cœurs dans /sys, ou None.

    On prend le maximum sur tous les cœurs : sur un processeur hybride (cœurs
    performants et économes), cpu0 n'est pas toujours le plus rapide. Une machine
    virtuelle n'a souvent pas de cpufreq du tout.
    """
    values = []
    for path in sorted(Path(SYSFS_CPU).glob("cpu[0-9]*/cpufreq/cpuinfo_max_freq")):
        text = _read(str(path)).strip()
        if text.isdigit() and int(text) > 0:
            values.append(int(text))
    return max(values) if values else None


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
    khz = _max_freq_khz()
    nominal = re.search(r"@\s*([\d.]+)\s*GHz", info["name"] or "")
    if khz:
        info["ghz"], info["ghz_source"] = khz / 1e6, "fréquence maximale (turbo) lue dans /sys"
        info["ghz_is_max"] = True
    elif lscpu.get("CPU max MHz"):
        info["ghz"], info["ghz_source"] = (
            float(lscpu["CPU max MHz"].replace(",", ".")) / 1000,
            "fréquence maximale (turbo) selon lscpu",
        )
        info["ghz_is_max"] = True
    elif nominal:
        info["ghz"], info["ghz_source"] = (
            float(nominal.group(1)),
            "fréquence de base du nom du modèle, le turbo peut la dépasser",
        )
    elif fields.get("cpu mhz"):
        info["ghz"], info["ghz_source"] = (
            float(fields["cpu mhz"]) / 1000,
            "fréquence du moment lue dans /proc/cpuinfo, le turbo peut la dépasser",
        )
    elif fields.get("bogomips") and info["arch"] in ("x86_64", "amd64", "i686"):
        info["ghz"] = float(fields["bogomips"]) / 2000
        info["ghz_source"] = "BogoMIPS / 2, fréquence de base : le turbo peut la dépasser"


def _macos_cpu(info: dict) -> None:
    """Complète ``info`` avec sysctl (macOS)."""

    def sysctl(name):
        return _run(["sysctl", "-n", name]).strip()

    info["name"] = sysctl("machdep.cpu.brand_string") or info["name"]
    info["vendor"] = sysctl("machdep.cpu.vendor")
    perf = sysctl("hw.perflevel0.physicalcpu")  # puces Apple : les cœurs performants
    cores = perf or sysctl("hw.physicalcpu")
    if cores.isdigit():
        info["cores"] = int(cores)
        info["cores_source"] = "performants, selon sysctl" if perf else "selon sysctl"
    features = sysctl("machdep.cpu.features") + " " + sysctl("machdep.cpu.leaf7_features")
    info["flags"] = {f.lower().replace(".", "_") for f in features.split()}
    hz = sysctl("hw.cpufrequency_max") or sysctl("hw.cpufrequency")
    if hz.isdigit():
        info["ghz"], info["ghz_source"] = (
            int(hz) / 1e9,
            "selon sysctl (sur un Mac Intel, la fréquence de base : le turbo peut la dépasser)",
        )


#: Noms de NumPy (``__cpu_features__``) → drapeaux de /proc/cpuinfo.
_NUMPY_FLAGS = {
    "SSE2": "sse2",
    "AVX": "avx",
    "AVX2": "avx2",
    "FMA3": "fma",
    "AVX512F": "avx512f",
    "AVX512BF16": "avx512_bf16",
    "AVX512FP16": "avx512_fp16",
    "ASIMD": "asimd",
}


def _fallback_cpu(info: dict) -> None:
    """Ce que /proc et sysctl n'ont pas dit (Windows, par exemple) :
    drapeaux détectés par NumPy, cœurs et fréquence selon psutil."""
    if not info["flags"]:
        try:
            from numpy._core._multiarray_umath import __cpu_features__
        except ImportError:
            __cpu_features__ = {}
        info["flags"] = {flag for name, flag in _NUMPY_FLAGS.items() if __cpu_features__.get(name)}
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
        info["ghz_source"] = (
            "selon psutil (sous Windows, la fréquence de base : le turbo peut la dépasser)"
        )


def cpu_info() -> dict:
    """Ce que la machine dit de son processeur : nom, fabricant, drapeaux
    (avx2, fma…), cœurs physiques, fréquence, et d'où vient chaque chiffre.

    ``ghz_is_max`` : la fréquence est la maximale (turbo) déclarée par le système.
    Sinon (fréquence de base, ou du moment), une mesure peut dépasser la crête.
    """
    info = {
        "name": platform.processor() or platform.machine(),
        "vendor": "",
        "family": None,
        "flags": set(),
        "cores": None,
        "cores_source": "",
        "ghz": None,
        "ghz_source": "",
        "ghz_is_max": False,
        "arch": platform.machine().lower(),
        "system": platform.system(),
    }
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
    fait une multiplication et une addition) × unités FMA par cœur (2,
    l'hypothèse courante ; 4 pour les cœurs performants des puces Apple).
    Sans FMA : une multiplication et une addition par cycle.
    ``info`` : le résultat de `cpu_info()` (par défaut, cette machine).
    Renvoie ``gflops`` à None quand la machine ne dit pas de quoi calculer.
    """
    dtype = normalize_dtype(dtype)
    info = cpu_info() if info is None else info
    result = {
        "gflops": None,
        "method": "",
        "cores": info["cores"],
        "ghz": info["ghz"],
        "flops_per_cycle": None,
    }
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
            result["method"] = (
                f"Crête {dtype} inconnue : les unités AMX (matrices) ne "
                "suivent pas la formule des registres SIMD."
            )
            return result
        if native in flags:
            element_bits = 16  # produits scalaires de paires : deux fois plus de FLOP
            extra = f", instructions {native}"
        else:
            extra = (
                f", pas d'instruction {dtype} : on compare à la crête float32 "
                "(le processeur convertit)"
            )
    lanes = width // element_bits
    # Cœurs performants des puces Apple : 4 unités NEON avec FMA.
    units = 4 if info["system"] == "Darwin" and info["arch"] == "arm64" else 2
    per_cycle = lanes * 2 * units if fma else lanes * 2
    result["flops_per_cycle"] = per_cycle
    if not info["ghz"]:
        result["method"] = (
            f"Crête inconnue : la machine ne déclare pas sa fréquence "
            f"({simd}, {per_cycle} FLOP/cycle/cœur)."
        )
        return result
    result["gflops"] = info["cores"] * info["ghz"] * per_cycle
    how = (
        f"{lanes} × 2 FLOP (FMA) × {units} unités"
        if fma
        else f"{lanes} × (1 multiplication + 1 addition)"
    )
    if units == 4:
        extra += (
            "; le coprocesseur matriciel d'Apple (AMX), que torch "
            "peut utiliser, n'est pas compté : la fraction peut dépasser 1"
        )
    result["method"] = (
        f"{info['cores']} cœurs ({info['cores_source']}) × "
        f"{french_number(info['ghz'], 2)} GHz ({info['ghz_source']}) × "
        f"{per_cycle} FLOP/cycle ({simd} : {how}{extra})"
    )
    return result


# --- Les crêtes publiées des GPU -------------------------------------------------------------

#: Crêtes **denses** publiées, en TFLOPS (10¹² FLOP/s), par type de calcul. Les fiches
#: NVIDIA donnent souvent en gros le chiffre « avec sparsité » 2:4, qui double la crête :
#: on divise par deux. « tf32 » : float32 sur les cœurs tensoriels (si torch l'autorise).
#: Les GeForce calculent à demi-vitesse quand elles accumulent en float32, ce que fait torch.
GPU_PEAKS = {
    "H100 SXM": {
        "float32": 67.0,
        "tf32": 494.7,
        "bfloat16": 989.4,
        "float16": 989.4,
        "float8": 1978.9,
        "memory_gb": 80,
        "bandwidth_gbs": 3350,
        "source": "NVIDIA, fiche H100 : 1 979 TFLOPS FP16/BF16 « avec sparsité », "
        "soit 989 dense ; 3 958 en FP8 avec sparsité, soit 1 979 dense ; "
        "67 TFLOPS FP32 ; 3,35 To/s",
    },
    "H100 PCIe": {
        "float32": 51.0,
        "tf32": 378.0,
        "bfloat16": 756.0,
        "float16": 756.0,
        "float8": 1513.0,
        "memory_gb": 80,
        "bandwidth_gbs": 2000,
        "source": "NVIDIA, fiche H100 : 1 513 TFLOPS FP16 avec sparsité, "
        "756 dense ; 3 026 en FP8 avec sparsité, 1 513 dense ; "
        "51 TFLOPS FP32",
    },
    "H800 SXM": {
        "float32": 67.0,
        "tf32": 494.7,
        "bfloat16": 989.4,
        "float16": 989.4,
        "float8": 1978.9,
        "memory_gb": 80,
        "bandwidth_gbs": 3350,
        "source": "NVIDIA, fiche H800 : calcul du H100 SXM, liaison NVLink "
        "bridée (400 Go/s au lieu de 900) pour l'export vers la Chine",
    },
    "A100": {
        "float32": 19.5,
        "tf32": 156.0,
        "bfloat16": 312.0,
        "float16": 312.0,
        "memory_gb": 80,
        "bandwidth_gbs": 2039,
        "source": "NVIDIA, fiche A100 80 Go : 624 TFLOPS FP16 avec sparsité, "
        "312 dense ; 19,5 TFLOPS FP32",
    },
    "V100": {
        "float32": 15.7,
        "float16": 125.0,
        "memory_gb": 32,
        "bandwidth_gbs": 900,
        "source": "NVIDIA, fiche V100 SXM2 : 125 TFLOPS tensoriels FP16 ; "
        "pas de bfloat16 (architecture Volta)",
    },
    "RTX 5090": {
        "float32": 104.8,
        "bfloat16": 209.5,
        "float16": 209.5,
        "memory_gb": 32,
        "bandwidth_gbs": 1792,
        "source": "NVIDIA, livre blanc RTX Blackwell : FP16 tensoriel dense à "
        "accumulation FP32 ; 104,8 TFLOPS FP32 (pas 125)",
    },
    "RTX 4090": {
        "float32": 82.6,
        "bfloat16": 165.2,
        "float16": 165.2,
        "memory_gb": 24,
        "bandwidth_gbs": 1008,
        "source": "NVIDIA, livre blanc Ada Lovelace : FP16 tensoriel dense à "
        "accumulation FP32 (330 avec accumulation FP16)",
    },
    "L4": {
        "float32": 30.3,
        "tf32": 60.0,
        "bfloat16": 121.0,
        "float16": 121.0,
        "memory_gb": 24,
        "bandwidth_gbs": 300,
        "source": "NVIDIA, fiche L4 : 242 TFLOPS FP16 avec sparsité, 121 dense",
    },
    "T4": {
        "float32": 8.1,
        "float16": 65.0,
        "memory_gb": 16,
        "bandwidth_gbs": 320,
        "source": "NVIDIA, fiche T4 : 65 TFLOPS FP16 (précision mixte) ; "
        "pas de bfloat16 (architecture Turing)",
    },
    "Apple M5 Max": {
        "memory_gb": 128,
        "bandwidth_gbs": 614,
        "source": "Apple, annonce du 3 mars 2026 : jusqu'à 128 Go de mémoire "
        "unifiée, 614 Go/s ; pas de TFLOPS publiés",
    },
    "Apple M1 Ultra": {
        "float32": 21.0,
        "memory_gb": 128,
        "bandwidth_gbs": 800,
        "source": "Apple, annonce du M1 Ultra (mars 2022) : 21 TFLOPS",
    },
    "Apple M1 Max": {
        "float32": 10.4,
        "memory_gb": 64,
        "bandwidth_gbs": 400,
        "source": "Apple, annonce des M1 Pro et M1 Max (octobre 2021)",
    },
    "Apple M1 Pro": {
        "float32": 5.2,
        "memory_gb": 32,
        "bandwidth_gbs": 200,
        "source": "Apple, annonce des M1 Pro et M1 Max (octobre 2021)",
    },
    "Apple M1": {
        "float32": 2.6,
        "memory_gb": 16,
        "bandwidth_gbs": 68,
        "source": "Apple, annonce du M1 (novembre 2020) : 2,6 TFLOPS",
    },
    "Apple M2": {
        "float32": 3.6,
        "memory_gb": 24,
        "bandwidth_gbs": 100,
        "source": "Apple, annonce du M2 (juin 2022) : 3,6 TFLOPS",
    },
}

#: Les trois machines comparées dans le cours (clés de `GPU_PEAKS`, qui donne leurs crêtes,
#: leur mémoire et leur bande passante) : ce qu'aucune crête ne dit, chaque chiffre avec sa
#: source. Prix en dollars : ``price_usd`` (une valeur ou un intervalle), None s'il n'est
#: pas publié pour la puce seule.
MACHINES = {
    "Apple M5 Max": {
        "year": 2026,
        "where": "portable",
        "memory_kind": "unifiée",
        "units": "40 cœurs GPU",
        "power": "non publiée",
        "cooling": "ventilateurs du portable",
        "price_usd": None,
        "price": "le portable entier : des milliers de francs",
        "ai_use": "LLM moyens en local",
        "source": "Apple, annonce du 3 mars 2026 ; la puce ne se vend pas seule",
    },
    "RTX 5090": {
        "year": 2025,
        "where": "PC de bureau",
        "memory_kind": "GDDR7",
        "units": "21 760 cœurs CUDA",
        "power": "575 W",
        "cooling": "ventilateurs de la carte",
        "price_usd": 1999,
        "price": "1 999 $ au lancement",
        "ai_use": "LLM en local, petits affinages",
        "source": "NVIDIA, annonce du CES (janvier 2025) et livre blanc RTX Blackwell",
    },
    "H100 SXM": {
        "year": 2022,
        "where": "centre de données",
        "memory_kind": "HBM3",
        "units": "16 896 cœurs CUDA",
        "power": "jusqu'à 700 W",
        "cooling": "serveur ventilé, ou liquide",
        "price_usd": (25_000, 40_000),
        "resale_usd": 40_000,
        "price": "25 000 à 40 000 $ (presse)",
        "ai_use": "entraîner et servir, par milliers",
        "source": "NVIDIA, fiche H100 (700 W, module SXM pour serveurs) ; prix : estimations "
        "de la presse, NVIDIA ne publie pas de prix ; revente : plus de 40 000 $ "
        "sur eBay en avril 2023 (CNBC), au plus fort de la pénurie",
    },
}

# Nom déclaré (torch.cuda.get_device_name, nom de la puce Apple) → clé de GPU_PEAKS.
# Le plus précis d'abord : « H100 PCIe » avant « H100 ».
_GPU_PATTERNS = [
    ("H100 PCIe", r"H100.*PCIE"),
    ("H800 SXM", r"H800"),
    ("H100 SXM", r"H100"),
    ("A100", r"A100"),
    ("V100", r"V100"),
    ("RTX 5090", r"5090"),
    ("RTX 4090", r"4090"),
    ("L4", r"\bL4\b"),
    ("T4", r"\bT4\b"),
    ("Apple M5 Max", r"M5 MAX"),
    ("Apple M1 Ultra", r"M1 ULTRA"),
    ("Apple M1 Max", r"M1 MAX"),
    ("Apple M1 Pro", r"M1 PRO"),
    ("Apple M1", r"\bM1\b(?! (PRO|MAX|ULTRA))"),
    ("Apple M2", r"\bM2\b(?! (PRO|MAX|ULTRA))"),
]


def gpu_key(name: str) -> str | None:
    """La clé de `GPU_PEAKS` pour un nom de carte (« NVIDIA A100-SXM4-80GB » → « A100 »)."""
    upper = str(name).upper()
    for key, pattern in _GPU_PATTERNS:
        if re.search(pattern, upper):
            return key
    return None


def gpu_peak_tflops(name: str, dtype: str = "bfloat16") -> float | None:
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
    try:  # macOS, Windows : psutil (installé avec Jupyter)
        import psutil

        return int(psutil.virtual_memory().available)
    except ImportError:
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def check_memory(device: str, nbytes: int, what: str = "") -> None:
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
            "taille plus petite."
        )


# --- Les appareils présents ----------------------------------------------------------------


def available_devices() -> list[str]:
    """Les appareils de calcul présents : « cpu », puis « cuda » et « mps » s'ils existent."""
    import torch

    devices = ["cpu"]
    if torch.cuda.is_available():
        devices.append("cuda")
    if getattr(torch.backends, "mps", None) and torch.backends.mps.is_available():
        devices.append("mps")
    return devices


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
    if (
        device.startswith("cuda")
        and dtype == "float32"
        and (
            matmul.allow_tf32
            or getattr(matmul, "fp32_precision", "") == "tf32"
            or torch.get_float32_matmul_precision() != "highest"
        )
    ):
        kind = "tf32"  # torch autorise les cœurs tensoriels en TF32
    tflops = gpu_peak_tflops(name, kind)
    if tflops is None:
        return None, f"crête {kind} de « {name} » inconnue (absente de GPU_PEAKS)"
    return tflops * 1000, ("float32 calculé en TF32 : crête TF32" if kind == "tf32" else "")


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


def over_peak_reason(device: str = "cpu", info: dict | None = None) -> str:
    """Pourquoi une mesure sur ``device`` peut dépasser la crête calculée ici.

    Processeur : la crête est calculée à la fréquence que déclare le système ; si ce
    n'est pas la fréquence maximale (turbo), le processeur va plus vite qu'elle.
    ``info`` : le résultat de `cpu_info()` (par défaut, cette machine).
    """
    if device != "cpu":
        return (
            "le chiffre publié de GPU_PEAKS est peut-être celui d'une autre version de "
            "la carte, ou d'une autre précision que celle utilisée par torch"
        )
    info = cpu_info() if info is None else info
    if not info["ghz"]:
        return "la machine ne déclare pas sa fréquence : la crête est inconnue"
    ghz = french_number(info["ghz"], 2)
    if not info["ghz_is_max"]:
        return (
            f"la crête est calculée à {ghz} GHz ({info['ghz_source']}) ; en turbo, le "
            "processeur va plus vite, et la vraie crête est au moins la mesure"
        )
    return (
        f"la crête est calculée à la fréquence maximale déclarée ({ghz} GHz) ; une unité "
        "que la formule ne compte pas (les unités matricielles AMX) peut aller au-delà"
    )


def peak_description(device: str, dtype: str) -> str:
    """D'où vient la crête de ``device`` pour ``dtype`` : la formule du CPU
    ou la source du chiffre publié de la carte."""
    if device == "cpu":
        peak = cpu_peak_gflops(dtype)
        value = f"{french_number(peak['gflops'], 1)} GFLOP/s = " if peak["gflops"] else ""
        return f"crête cpu {dtype} : {value}{peak['method']}"
    name = device_name(device) if device != "mps" else cpu_info()["name"]
    key = gpu_key(name)
    peak, note = device_peak_gflops(device, dtype)
    if peak is None:
        return f"crête {device} {dtype} : {note}"
    return (
        f"crête {device} {dtype} : {french_number(peak, 0)} GFLOP/s, chiffre dense publié "
        f"pour {key} ({GPU_PEAKS[key]['source']})"
    )
