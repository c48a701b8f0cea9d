"""Compter avant de calculer : FLOP, octets, mémoire, temps et coût d'un entraînement.

Des formules, aucune mesure : le nombre de FLOP d'un produit de matrices et d'un bloc
Transformer, l'intensité arithmétique (FLOP par octet), les octets par paramètre pour
entraîner (précision mixte, Adam, ZeRO), les 6·N·D FLOP d'un entraînement, ses GPU-heures
et son coût à la crête publiée d'une carte (`llmlab.hardware.GPU_PEAKS`), et le tableau des
coûts des modèles du cours (`COST_TABLE`), chaque chiffre avec sa source.
"""

from __future__ import annotations

import math

import pandas as pd

from llmlab.hardware import DTYPE_BYTES, GPU_PEAKS, gpu_key, gpu_peak_tflops, normalize_dtype

# --- Compter les FLOP ------------------------------------------------------------------------


def matmul_flops(m: int, n: int, k: int) -> int:
    """FLOP du produit (m×k) @ (k×n) : m·n sorties,
    chacune k multiplications et k additions, soit 2·m·n·k."""
    return 2 * m * n * k


def transformer_block_flops(n_embd: int, seq_len: int, batch: int = 1) -> int:
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


def arithmetic_intensity_matmul(n: int, bytes_per_element: int = 4) -> float:
    """FLOP par octet d'un produit n×n : 2n³ FLOP pour lire A
    et B et écrire C (3n² nombres), soit 2n / (3 × octets)."""
    flops = matmul_flops(n, n, n)
    return flops / (3 * n * n * bytes_per_element)


# --- Mémoire pour entraîner ------------------------------------------------------------------

#: Octets par poids stocké, calcul ou quantification : un entier de 8 bits, 1 octet ; de
#: 4 bits, un demi (les facteurs d'échelle de la quantification ajoutent quelques %).
WEIGHT_BYTES = {**DTYPE_BYTES, "int8": 1, "int4": 0.5}


def _weight_bytes(dtype: str) -> float:
    name = str(dtype).lower()
    return WEIGHT_BYTES[name] if name in ("int8", "int4") else DTYPE_BYTES[normalize_dtype(dtype)]


def model_memory(n_params: float, dtype: str = "float32") -> float:
    """Octets pour stocker les poids : 1 milliard de
    paramètres en float32 (4 octets) = 4 Go ; 175 milliards
    en float16 = 350 Go ; 7 milliards en int4 = 3,5 Go."""
    return n_params * _weight_bytes(dtype)


def max_params(memory_bytes: float, dtype: str = "float16") -> float:
    """Le plus grand nombre de paramètres dont les poids
    tiennent dans ``memory_bytes`` octets (l'inverse de
    `model_memory`). Pour générer, il faut encore de la
    place pour le cache KV et les activations."""
    return memory_bytes / _weight_bytes(dtype)


#: Octets par paramètre (poids, gradients, copie maîtresse float32) selon la précision.
PRECISIONS = {"fp32": (4, 4, 0, 4), "mixed": (2, 2, 4, 4), "bf16": (2, 2, 0, 2)}
#: États de l'optimiseur par paramètre : Adam garde deux moyennes (m et v).
OPTIMIZER_STATES = {"adam": 2, "adamw": 2, "sgd_momentum": 1, "sgd": 0}


def training_memory(
    n_params: float,
    precision: str = "mixed",
    optimizer: str = "adam",
    zero_stage: int = 0,
    n_gpus: int = 1,
    activation_bytes: float = 0,
) -> dict:
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
    _check_training_args(precision, optimizer, zero_stage, n_gpus)
    w, g, master, state = PRECISIONS[precision]
    n_states = OPTIMIZER_STATES[optimizer]
    per = {
        "weights": w * n_params,
        "gradients": g * n_params,
        "optimizer": n_states * state * n_params,
        "master_weights": master * n_params,
    }
    # ZeRO découpe entre les GPU, dans cet ordre : optimiseur
    # et copie maîtresse (stade 1), gradients (2), poids (3).
    shared = ["optimizer", "master_weights", "gradients", "weights"]
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
        raise ValueError(
            f"Précision inconnue : {precision!r}. Choisir parmi : {', '.join(PRECISIONS)}."
        )
    if optimizer not in OPTIMIZER_STATES:
        raise ValueError(
            f"Optimiseur inconnu : {optimizer!r}. Choisir parmi : {', '.join(OPTIMIZER_STATES)}."
        )
    if zero_stage not in (0, 1, 2, 3):
        raise ValueError("Le stade ZeRO vaut 0, 1, 2 ou 3.")
    if n_gpus < 1:
        raise ValueError("Il faut au moins un GPU (n_gpus ≥ 1).")


def bytes_per_parameter(
    precision: str = "mixed", optimizer: str = "adam", zero_stage: int = 0, n_gpus: int = 1
) -> float:
    """Octets par paramètre et par GPU, hors activations : 16
    avec Adam en fp32 comme en précision mixte ; 16 / N avec
    ZeRO 3 sur N GPU."""
    per = training_memory(1, precision, optimizer, zero_stage, n_gpus)
    return per["total"]


# --- FLOP, temps et coût d'un entraînement ---------------------------------------------------


def training_flops(n_params: float, n_tokens: float) -> float:
    """FLOP pour entraîner N paramètres sur D tokens : 6·N·D.

    Par token et par paramètre : 2 FLOP pour la passe avant
    (une multiplication, une addition), 4 pour la passe
    arrière (gradient des entrées et gradient des poids).
    """
    return 6.0 * n_params * n_tokens


def training_time(
    n_params: float, n_tokens: float, flops_per_s: float, utilization: float = 1.0
) -> float:
    """Secondes pour entraîner à ``flops_per_s`` FLOP/s, dont
    on n'atteint que la part ``utilization`` (le MFU : de 0,2
    à 0,5 pour les modèles de `COST_TABLE`)."""
    if flops_per_s <= 0 or not 0 < utilization <= 1:
        raise ValueError("Il faut flops_per_s > 0 et 0 < utilization ≤ 1.")
    flops = training_flops(n_params, n_tokens)
    return flops / (flops_per_s * utilization)


def inference_flops(n_params: float, n_tokens: float) -> float:
    """FLOP pour générer ``n_tokens`` tokens : 2·N par token
    (la passe avant seule), sans l'attention sur le contexte.
    Pour un mélange d'experts, N = paramètres actifs."""
    return 2.0 * n_params * n_tokens


#: Prix de location d'une heure de GPU, en dollars : l'hypothèse du rapport DeepSeek-V3
#: (DeepSeek-AI, décembre 2024 : 2 $ l'heure de H800), proche des prix de location d'un H100
#: en 2024. Un ordre de grandeur, pas un prix d'achat.
PRICE_PER_GPU_HOUR = 2.0


def training_cost(
    n_params: float,
    n_tokens: float,
    gpu: str = "H100",
    n_gpus: int = 1024,
    utilization: float = 0.4,
    price_per_gpu_hour: float = PRICE_PER_GPU_HOUR,
    dtype: str = "bfloat16",
) -> dict:
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
            f"Crête {dtype} de « {gpu} » inconnue : choisir parmi {', '.join(GPU_PEAKS)}."
        )
    if n_gpus < 1:
        raise ValueError("Il faut au moins un GPU (n_gpus ≥ 1).")
    seconds = training_time(n_params, n_tokens, peak * 1e12, utilization)
    gpu_hours = seconds / 3600
    return {
        "flops": training_flops(n_params, n_tokens),
        "peak_tflops": peak,
        "gpu_hours": gpu_hours,
        "days": gpu_hours / n_gpus / 24,
        "cost": gpu_hours * price_per_gpu_hour,
    }


def _cost_table() -> pd.DataFrame:
    """Le tableau des coûts du cours, chaque chiffre avec sa source."""
    nan = math.nan
    rows = [
        (
            "GPT-2 XL",
            2019,
            1.5e9,
            1.5e9,
            nan,
            "?",
            nan,
            "bfloat16",
            "Radford et al. 2019 (article GPT-2)",
            "non publié (WebText, 40 Go de texte)",
            "non publié : aucune source ne donne les GPU-heures de GPT-2",
            nan,
            "non publié",
        ),
        (
            "GPT-3",
            2020,
            175e9,
            175e9,
            300e9,
            "V100",
            nan,
            "float16",
            "Brown et al. 2020 (article GPT-3)",
            "Brown et al. 2020 : 300 G tokens, 3,14e23 FLOP annoncés",
            "non publié (grappe de V100 de Microsoft)",
            4.6e6,
            "estimation de Lambda Labs (2020) : 355 années de calcul d'un V100, "
            "4,6 M$ au prix de location d'un V100 ; OpenAI ne publie rien",
        ),
        (
            "LLaMA 7B",
            2023,
            6.7e9,
            6.7e9,
            1.0e12,
            "A100",
            82_432,
            "bfloat16",
            "Touvron et al. 2023 (article LLaMA) : 6,7 G",
            "Touvron et al. 2023 : 1,0 T tokens",
            "Touvron et al. 2023 : 82 432 GPU-heures A100 80 Go",
            nan,
            "non publié",
        ),
        (
            "LLaMA 65B",
            2023,
            65.2e9,
            65.2e9,
            1.4e12,
            "A100",
            1_022_362,
            "bfloat16",
            "Touvron et al. 2023 : 65,2 G",
            "Touvron et al. 2023 : 1,4 T tokens",
            "Touvron et al. 2023 : 1 022 362 GPU-heures A100 80 Go",
            nan,
            "non publié",
        ),
        (
            "GPT-4 (estimé)",
            2023,
            1.8e12,
            2.8e11,
            1.3e13,
            "A100",
            25_000 * 95 * 24,
            "bfloat16",
            "estimation non officielle (SemiAnalysis, 2023) : ~1,8 T dont ~280 G actifs "
            "par token (mélange d'experts)",
            "même estimation : ~13 T tokens",
            "même estimation : ~25 000 A100 pendant 90 à 100 jours ; OpenAI ne publie rien",
            78e6,
            "AI Index Report 2024 (Stanford HAI, d'après Epoch AI) : 78 M$ de calcul ; "
            "S. Altman (avril 2023) : l'entraînement a coûté « plus » que 100 M$",
        ),
        (
            "DeepSeek-V3",
            2024,
            671e9,
            37e9,
            14.8e12,
            "H800",
            2_788_000,
            "float8",
            "DeepSeek-AI 2024 (rapport technique) : 671 G dont 37 G actifs par token",
            "DeepSeek-AI 2024 : 14,8 T tokens",
            "DeepSeek-AI 2024 : 2,788 M GPU-heures H800, entraîné en FP8",
            5.576e6,
            "DeepSeek-AI 2024 : 5,576 M$ à 2 $ l'heure de H800, la dernière "
            "exécution seulement (sans les essais, le personnel ni les machines)",
        ),
        (
            "Llama 4 Scout",
            2025,
            109e9,
            17e9,
            40e12,
            "H100 SXM",
            5_000_000,
            "bfloat16",
            "Meta 2025 (fiche du modèle) : 109 G dont 17 G actifs par token",
            "Meta 2025 : ~40 T tokens",
            "Meta 2025 : 5,0 M GPU-heures H100 80 Go",
            nan,
            "non publié",
        ),
    ]
    df = pd.DataFrame(
        rows,
        columns=[
            "model",
            "year",
            "n_params",
            "n_active_params",
            "n_tokens",
            "gpu",
            "gpu_hours",
            "dtype",
            "source_n",
            "source_d",
            "source_gpu_hours",
            "cost_usd",
            "source_cost",
        ],
    )
    df["flops_6nd"] = [training_flops(n, d) for n, d in zip(df.n_active_params, df.n_tokens)]
    peaks = [
        (gpu_peak_tflops(g, dtype) or nan) if gpu_key(g) else nan
        for g, dtype in zip(df.gpu, df.dtype)
    ]
    df["peak_tflops"] = peaks
    df["implied_utilization"] = df.flops_6nd / (df.gpu_hours * 3600 * df.peak_tflops * 1e12)
    df["rental_cost"] = df.gpu_hours * PRICE_PER_GPU_HOUR
    return df


#: Les modèles du cours : N (paramètres, dont actifs par token pour un mélange d'experts),
#: D (tokens), GPU-heures publiées, précision du calcul (``dtype``), 6·N·D (avec les
#: paramètres actifs), la part de la crête dense dans cette précision que cela suppose
#: (``implied_utilization``, le MFU), le prix de ces GPU-heures à `PRICE_PER_GPU_HOUR`
#: (``rental_cost``) et le coût publié ou estimé par d'autres (``cost_usd``), avec ses
#: sources (``source_*``).
COST_TABLE = _cost_table()
