"""Vérificateurs du TP 4.7 (algèbre linéaire, GPU et coût du calcul).

Les références sont des formes closes, comparées dans les tests au compteur de FLOPs de torch
(``torch.utils.flop_counter.FlopCounterMode``), à la mémoire réellement occupée par l'optimiseur
Adam de torch et aux calculateurs de ``llmlab.costs``. Erreurs classiques reconnues : oublier
le facteur 2 d'un produit (compter m·n·k), compter exactement m·n·(2k − 1), oublier l'attention,
le facteur 4 du feed-forward ou le lot ; pour la mémoire, oublier les états d'Adam, la copie
FP32 des poids ou les gradients, répondre en Go au lieu d'octets ; pour la durée, oublier le 6
de 6·N·D, les giga de GFLOP/s ou la conversion en années.
"""

from __future__ import annotations

from llmlab.exercises.core import Verdict, as_array, check_function, check_value, checker, wrong


# --- Exercice 1 : les FLOPs d'un produit de matrices ----------------------------------------
def matmul_flops(m: int, n: int, k: int) -> int:
    """FLOPs de A @ B, A de forme (m, k) et B de forme (k, n) : m·n coefficients, chacun
    une somme de k produits, soit k multiplications et k additions (une FMA par pas)."""
    return 2 * m * n * k


#: (m, n, k) : des dimensions toutes différentes, pour qu'une confusion se voie
MATMUL_CASES = [(2, 3, 4), (1, 1, 1), (5, 7, 3), (64, 32, 16), (128, 256, 512)]
MATMUL_MISTAKES = [
    (
        lambda m, n, k: m * n * k,
        "il manque le facteur 2 : chaque terme de la somme coûte une multiplication ET une "
        "addition, soit 2·m·n·k.",
    ),
    (
        lambda m, n, k: m * n * (2 * k - 1),
        "c'est le compte exact, m·n·(2k − 1) ; la convention (celle du matériel, qui fait une "
        "multiplication-addition par pas, et du compteur de PyTorch) est 2·m·n·k.",
    ),
    (
        lambda m, n, k: 2 * m * n,
        "vous comptez 2 opérations par coefficient du résultat ; chacun est une somme de k "
        "produits : 2·m·n·k.",
    ),
    (
        lambda m, n, k: (m * k) * (k * n),
        "vous multipliez les nombres d'éléments des deux matrices ; comptez plutôt, pour chacun "
        "des m·n coefficients du résultat, k multiplications et k additions.",
    ),
    (
        lambda m, n, k: 2 * m * k * k,
        "la dimension commune k n'apparaît qu'une fois : (m, k) @ (k, n) donne 2·m·n·k.",
    ),
]


@checker
def check_matmul_flops(fn) -> Verdict:
    """Exercice 1 : ``flops_produit(m, n, k)`` = 2·m·n·k."""
    return check_function(
        fn,
        matmul_flops,
        MATMUL_CASES,
        name="flops_produit",
        arg_names="m n k",
        mistakes=MATMUL_MISTAKES,
        success=f"`flops_produit` est juste sur les {len(MATMUL_CASES)} formes "
        "testées (le même compte que le compteur de FLOPs de PyTorch).",
    )


# --- Exercice 2 : les FLOPs de la passe avant d'un bloc Transformer -------------------------
def block_flops(n_embd: int, seq_len: int, batch: int = 1) -> int:
    """FLOPs des produits de matrices d'un bloc Transformer, passe avant.

    Q, K, V : 6·B·T·d² ; scores QKᵀ : 2·B·T²·d ; poids × V : 2·B·T²·d ; sortie : 2·B·T·d² ;
    feed-forward d → 4d → d : 16·B·T·d². Total 24·B·T·d² + 4·B·T²·d.
    """
    b, t, d = batch, seq_len, n_embd
    return 24 * b * t * d * d + 4 * b * t * t * d


#: (n_embd, seq_len, batch)
BLOCK_CASES = [(8, 4, 1), (16, 8, 2), (12, 100, 3), (64, 32, 2), (768, 1024, 1)]
BLOCK_MISTAKES = [
    (
        lambda d, t, b: 12 * b * t * d * d + 2 * b * t * t * d,
        "tout est divisé par 2 : un produit (m, k) @ (k, n) coûte 2·m·n·k FLOPs, pas m·n·k.",
    ),
    (
        lambda d, t, b: 24 * b * t * d * d,
        "il manque l'attention elle-même : les scores QKᵀ et le produit poids × V coûtent "
        "chacun 2·B·T²·d (ils ne dépendent pas des poids, mais ce sont des produits).",
    ),
    (
        lambda d, t, b: 24 * b * t * d * d + 2 * b * t * t * d,
        "il manque un des deux produits de l'attention : QKᵀ ET poids × V, 2·B·T²·d chacun.",
    ),
    (
        lambda d, t, b: 12 * b * t * d * d + 4 * b * t * t * d,
        "la couche cachée du feed-forward a 4·d neurones, pas d : deux produits de 8·B·T·d².",
    ),
    (
        lambda d, t, b: 8 * b * t * d * d + 4 * b * t * t * d,
        "il manque le feed-forward : deux produits, d → 4d puis 4d → d, soit 16·B·T·d².",
    ),
    (
        lambda d, t, b: 24 * b * t * d * d + 4 * b * t * d,
        "les scores forment une matrice T × T par séquence : (T, d) @ (d, T) coûte 2·T²·d, "
        "avec T au carré.",
    ),
    (
        lambda d, t, b: 24 * t * d * d + 4 * t * t * d,
        "le lot est oublié : tout se multiplie par le nombre de séquences B (argument batch).",
    ),
    (
        lambda d, t, b: 18 * b * t * d * d + 4 * b * t * t * d,
        "il manque la projection de sortie de l'attention, (B·T, d) @ (d, d) : 2·B·T·d².",
    ),
]


@checker
def check_block_flops(fn) -> Verdict:
    """Exercice 2 : ``flops_bloc(n_embd, seq_len, batch)`` = 24·B·T·d² + 4·B·T²·d."""
    return check_function(
        fn,
        block_flops,
        BLOCK_CASES,
        name="flops_bloc",
        arg_names="n_embd seq_len batch",
        mistakes=BLOCK_MISTAKES,
        success=f"`flops_bloc` est juste sur les {len(BLOCK_CASES)} formes "
        "testées, dont GPT-2 small (d = 768, T = 1 024).",
    )


# --- Exercice 3 : la mémoire pour entraîner -------------------------------------------------
#: octets par paramètre en précision mixte avec Adam, hors activations
MIXED_ADAM_BYTES = {
    "poids FP16": 2,
    "gradients FP16": 2,
    "copie FP32 des poids": 4,
    "Adam, premier moment (FP32)": 4,
    "Adam, second moment (FP32)": 4,
}


def training_bytes(n_params: float) -> float:
    """Octets pour entraîner ``n_params`` paramètres en précision mixte avec Adam, hors
    activations : 2 + 2 + 4 + 4 + 4 = 16 octets par paramètre."""
    return sum(MIXED_ADAM_BYTES.values()) * n_params


MEMORY_CASES = [(1e9,), (124e6,), (7e9,), (175e9,), (1.0,)]
MEMORY_MISTAKES = [
    (
        lambda n: 8 * n,
        "vous oubliez les états d'Adam : deux moments par paramètre, en FP32, soit 8 octets de "
        "plus (2 + 2 + 4 + 8 = 16 octets par paramètre).",
    ),
    (
        lambda n: 12 * n,
        "il manque 4 octets par paramètre : la copie FP32 des poids que garde la précision "
        "mixte pour la mise à jour, ou l'un des DEUX moments d'Adam (4 octets chacun) ?",
    ),
    (lambda n: 14 * n, "il manque les gradients : un par paramètre, en FP16 (2 octets)."),
    (
        lambda n: 4 * n,
        "4 octets par paramètre, c'est seulement STOCKER les poids en FP32 ; pour entraîner, il "
        "faut aussi les gradients, la copie FP32 et les deux moments d'Adam.",
    ),
    (
        lambda n: 2 * n,
        "2 octets par paramètre, ce sont seulement les poids en FP16 ; ajoutez les gradients, la "
        "copie FP32 et les deux moments d'Adam.",
    ),
    (
        lambda n: 16 * n / 1e9,
        "le résultat est en Go ; la fonction doit renvoyer des octets (ne divisez pas par 1e9).",
    ),
    (lambda n: 16 * n / 2**30, "le résultat est en Gio ; la fonction doit renvoyer des octets."),
    (
        lambda n: 20 * n,
        "20 octets par paramètre : poids et gradients comptés en FP32, en plus de la copie. En "
        "précision mixte, ils sont en 16 bits (2 octets) ; seuls la copie et Adam sont en FP32.",
    ),
]


@checker
def check_training_memory(fn) -> Verdict:
    """Exercice 3 : ``memoire_entrainement(n_params)``, en octets."""
    return check_function(
        fn,
        training_bytes,
        MEMORY_CASES,
        name="memoire_entrainement",
        arg_names="n_params",
        mistakes=MEMORY_MISTAKES,
        rtol=1e-6,
        success="`memoire_entrainement` est juste : 16 octets par paramètre, "
        "soit 16 Go pour un milliard, 2,8 To pour GPT-3 (hors "
        "activations).",
    )


# --- Exercice 4 : combien d'années pour entraîner GPT-3 sur son portable ? ------------------
#: GPT-3 : 175 milliards de paramètres, 300 milliards de tokens (Brown et al., 2020)
GPT3_PARAMS = 175e9
GPT3_TOKENS = 300e9
SECONDS_PER_YEAR = 365.25 * 24 * 3600


def gpt3_years(gflops: float) -> float:
    """Années pour 6·N·D FLOPs à ``gflops`` milliards de FLOP/s, sans perte."""
    return 6 * GPT3_PARAMS * GPT3_TOKENS / (gflops * 1e9) / SECONDS_PER_YEAR


@checker
def check_gpt3_years(answer, gflops) -> Verdict:
    """Exercice 4 : ``annees_gpt3``, à la vitesse mesurée ``gflops`` (GFLOP/s)."""
    speed = as_array(gflops)
    if speed is None or speed.size != 1 or not 0 < speed.item() < float("inf"):
        return wrong(
            "La vitesse mesurée `gflops_mesures` n'est pas un nombre positif de "
            "GFLOP/s : relancez la cellule de mesure."
        )
    gflops = speed.item()
    best = gpt3_years(gflops)
    mistakes = [
        (
            best / 6,
            "il manque le 6 de 6·N·D : les FLOPs d'entraînement sont 6 × paramètres "
            "× tokens (2 en avant, 4 en arrière).",
        ),
        (best / 3, "2·N·D, c'est la passe avant seule ; l'entraînement en coûte 6·N·D."),
        (best * 1e9, "les GFLOP/s sont des MILLIARDS de FLOP/s : multipliez la vitesse par 1e9."),
        (best * SECONDS_PER_YEAR, "c'est une durée en secondes ; convertissez en années."),
        (best * 365.25, "c'est une durée en jours ; divisez par 365,25."),
        (best * 365.25 * 24, "c'est une durée en heures ; convertissez en années."),
        (
            best * 1e-9,
            "il y a un facteur 1e9 de trop : la vitesse est en GFLOP/s, les FLOPs "
            "en FLOP ; convertissez une seule fois.",
        ),
    ]
    return check_value(answer, best, "annees_gpt3", mistakes, rtol=0.01)
