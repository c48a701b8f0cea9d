"""Lois d'échelle : la perte baisse comme une puissance de la taille et du calcul.

Kaplan et al. (2020) ont mesuré, sur des Transformers de 768 à 1,5 milliard de paramètres,
que la perte de validation suit une loi de puissance du nombre N de paramètres hors
embeddings, ``L(N) = (N_c / N)^α_N`` avec α_N ≈ 0,076, et du calcul C dépensé au mieux,
``L(C) = (C_c / C)^α_C`` avec α_C ≈ 0,050. Sur un graphique log-log, une loi de puissance
est une droite : la pente, c'est l'exposant.

Hoffmann et al. (2022, « Chinchilla ») ont corrigé la conclusion pratique : à calcul donné,
il faut grandir N et le nombre de tokens D ensemble, environ 20 tokens par paramètre. Avec
C ≈ 6·N·D (`llmlab.costs.training_flops`), cela donne N = √(C / 120) et D = 20·N
(:func:`compute_optimal`).

Ce module n'entraîne rien : il ajuste des lois de puissance sur des pertes mesurées (celles
de l'échelle de GPT du cours, `llmlab.ladder`), extrait la frontière du calcul et dessine.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from llmlab.costs import training_flops

#: Kaplan et al. 2020, « Scaling Laws for Neural Language Models », équations 1.1 à 1.3 :
#: exposants et échelles de L(N), L(D) et L(C_min). Pertes en nats par token BPE de WebText2 :
#: seuls les exposants se comparent à nos pertes par caractère.
KAPLAN = {
    "alpha_N": 0.076,
    "N_c": 8.8e13,
    "alpha_D": 0.095,
    "D_c": 5.4e13,
    "alpha_C": 0.050,
    "C_c_pf_days": 3.1e8,
}

#: Un pétaflop/s-jour, l'unité de calcul de Kaplan : 10¹⁵ FLOP/s pendant 86 400 s.
PF_DAY = 1e15 * 86_400

#: Hoffmann et al. 2022 (« Chinchilla ») : 70 milliards de paramètres, 1,4 billion de tokens,
#: pour le budget de Gopher, 5,76·10²³ FLOP.
CHINCHILLA = {"N": 70e9, "D": 1.4e12, "C": 5.76e23}

#: La règle tirée de Chinchilla : environ 20 tokens d'entraînement par paramètre.
TOKENS_PER_PARAM = 20


# --- Le calcul optimal de Chinchilla -----------------------------------------------------------


# fmt: off
def compute_optimal(compute, tokens_per_param=20):
    """``(N, D)`` optimaux pour ``compute`` FLOP.

    C = 6·N·D et D = 20·N donnent C = 120·N², donc
    N = √(C / 120) et D = 20·N. Chinchilla :
    5,76·10²³ FLOP → 69 milliards et 1,4 billion.
    """
    c = _check_budget(compute, tokens_per_param)
    flops_per_param = training_flops(1, tokens_per_param)
    n = np.sqrt(c / flops_per_param)   # C = 6·20·N²
    d = tokens_per_param * n
    if n.ndim == 0:
        return float(n), float(d)
    return n, d
# fmt: on


def _check_budget(compute, tokens_per_param) -> np.ndarray:
    c = np.asarray(compute, dtype=float)
    if np.any(~np.isfinite(c)) or np.any(c <= 0):
        raise ValueError(f"Le budget de calcul doit être un nombre de FLOP > 0 (reçu {compute!r}).")
    if not tokens_per_param > 0:
        raise ValueError("tokens_per_param doit être > 0 (Chinchilla : 20).")
    return c


# --- Ajuster une loi de puissance --------------------------------------------------------------


@dataclass(frozen=True)
class PowerLaw:
    """``L(x) = E + (x_c / x)^α`` : E est la perte irréductible
    (l'entropie du texte), nulle dans la loi de Kaplan."""

    alpha: float
    x_c: float
    irreducible: float = 0.0

    def __call__(self, x):
        x = np.asarray(x, dtype=float)
        return self.irreducible + (self.x_c / x) ** self.alpha


def _positive_pairs(x, loss):
    x = np.asarray(x, dtype=float)
    loss = np.asarray(loss, dtype=float)
    if x.shape != loss.shape or x.ndim != 1:
        raise ValueError(
            "x et les pertes doivent être deux listes de même longueur "
            f"(reçu {x.shape} et {loss.shape})."
        )
    if len(x) < 2:
        raise ValueError("Il faut au moins deux points pour ajuster une loi de puissance.")
    if np.any(~np.isfinite(x)) or np.any(x <= 0) or np.any(~np.isfinite(loss)) or np.any(loss <= 0):
        raise ValueError(
            "Une loi de puissance s'ajuste sur des tailles et des pertes "
            "finies et > 0 (le logarithme de 0 n'existe pas)."
        )
    return x, loss


def _line(log_x, log_y):
    """(pente, ordonnée à l'origine) des moindres carrés."""
    slope, intercept = np.polyfit(log_x, log_y, 1)
    return float(slope), float(intercept)


def fit_power_law(x, loss) -> PowerLaw:
    """La droite des moindres carrés en log-log.

    log L = α·log x_c − α·log x : la pente vaut −α.
    Refuse une perte qui ne baisse pas quand x grandit.
    """
    x, loss = _positive_pairs(x, loss)
    slope, intercept = _line(np.log(x), np.log(loss))
    if not slope < 0:
        raise ValueError(
            "La perte ne baisse pas quand x grandit (pente "
            f"{slope:+.3f} en log-log) : pas de loi de puissance à ajuster."
        )
    alpha = -slope
    return PowerLaw(alpha, math.exp(intercept / alpha))


def fit_power_law_offset(x, loss, grid: int = 400) -> PowerLaw:
    """``L = E + (x_c / x)^α``, E cherché entre 0 et la plus petite perte.

    Pour chaque E essayé, L − E est une droite en log-log
    (:func:`fit_power_law`) ; on garde le E dont l'erreur sur
    log L est la plus petite, puis on affine autour. Avec peu de
    points, E et α se compensent : ne pas trop croire l'un seul.
    """
    x, loss = _positive_pairs(x, loss)
    if len(x) < 3:
        raise ValueError("Il faut au moins trois points pour ajuster trois nombres (E, x_c et α).")
    log_x, log_l = np.log(x), np.log(loss)

    def error(e):
        slope, intercept = _line(log_x, np.log(loss - e))
        if not slope < 0:
            return math.inf, None
        pred = e + np.exp(intercept + slope * log_x)
        law = PowerLaw(-slope, math.exp(intercept / -slope), float(e))
        return float(np.sum((log_l - np.log(pred)) ** 2)), law

    low, high = 0.0, float(loss.min())
    best = (math.inf, None)
    for _ in range(3):  # une grille, puis deux grilles plus fines autour du meilleur E
        candidates = np.linspace(low, high, grid, endpoint=False)
        results = [error(e) for e in candidates]
        i = int(np.argmin([r[0] for r in results]))
        if results[i][0] < best[0]:
            best = results[i]
        step = candidates[1] - candidates[0]
        low, high = max(0.0, candidates[i] - step), min(float(loss.min()), candidates[i] + step)
    if best[1] is None:
        raise ValueError("La perte ne baisse pas quand x grandit : pas de loi de puissance.")
    return best[1]


def compute_frontier(compute, loss):
    """Indices des points de la frontière : ceux qu'aucun point
    moins coûteux ne bat. C'est L(C) de Kaplan : à chaque
    budget, la meilleure perte parmi tous les modèles."""
    compute = np.asarray(compute, dtype=float)
    loss = np.asarray(loss, dtype=float)
    order = np.argsort(compute, kind="stable")
    keep, best = [], math.inf
    for i in order:
        if loss[i] < best:
            keep.append(int(i))
            best = loss[i]
    return np.array(keep, dtype=int)


def exact_match_from_accuracy(accuracy, n_tokens):
    """Taux de réponses exactes de ``n_tokens`` tokens si chacun
    est juste avec la probabilité ``accuracy``, indépendamment :
    p^k. Une justesse qui monte en douceur donne un taux de
    réponses exactes qui reste à 0 puis décolle : le « mirage »
    de Schaeffer."""
    return np.asarray(accuracy, dtype=float) ** np.asarray(n_tokens)


# --- Figures -----------------------------------------------------------------------------------


def _log_axes(ax, xlabel, ylabel):
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    from llmlab.display import french_general

    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    # des pertes entre 1 et 3 : des graduations lisibles, virgule décimale
    ax.yaxis.set_major_locator(LogLocator(base=10, subs=(1.0, 1.2, 1.5, 2.0, 2.5, 3.0, 4.0)))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: french_general(v, 2)))
    ax.yaxis.set_minor_formatter(NullFormatter())


def _new_axes(ax, figsize):
    import matplotlib.pyplot as plt

    from llmlab import style

    style.use()
    if ax is None:
        _, ax = plt.subplots(figsize=figsize, layout="constrained")
    return ax


def plot_loss_vs_params(
    n_params, loss, fit: PowerLaw | None = None, labels=None, kaplan: bool = True, ax=None
):
    """Perte finale contre N, en log-log : les mesures, la loi
    ajustée, et une droite de pente α_N de Kaplan passant par
    la mesure du milieu, pour comparer les pentes."""
    from llmlab.display import french_number

    n_params = np.asarray(n_params, dtype=float)
    loss = np.asarray(loss, dtype=float)
    ax = _new_axes(ax, (10, 4.2))
    ax.plot(n_params, loss, "o", markersize=8, label="nos GPT (mesure)", zorder=3)
    if labels is not None:
        for x, y, text in zip(n_params, loss, labels):
            ax.annotate(text, (x, y), textcoords="offset points", xytext=(6, 6), fontsize=11)
    xs = np.geomspace(n_params.min() / 1.5, n_params.max() * 1.5, 100)
    if fit is not None:
        ax.plot(xs, fit(xs), label=f"ajustement : α = {french_number(fit.alpha, 3)}")
    if kaplan:
        mid = len(n_params) // 2
        ref = loss[mid] * (n_params[mid] / xs) ** KAPLAN["alpha_N"]
        ax.plot(
            xs,
            ref,
            linestyle=":",
            label=f"pente de Kaplan : α = {french_number(KAPLAN['alpha_N'], 3)}",
        )
    _log_axes(ax, "paramètres hors embeddings N", "perte de validation (nats / caractère)")
    ax.legend()
    return ax


def plot_loss_vs_compute(history, n_params: dict, fit: PowerLaw | None = None, ax=None):
    """Chaque courbe d'apprentissage contre le calcul C = 6·N·D
    dépensé jusque-là, et la frontière (le meilleur modèle à
    chaque budget) avec sa loi ajustée.

    ``history`` : colonnes ``name``, ``tokens``, ``val_loss`` ;
    ``n_params`` : nom -> N hors embeddings."""
    from llmlab.display import french_number

    ax = _new_axes(ax, (10, 4.2))
    h = history[history.tokens > 0]
    compute = np.array([training_flops(n_params[n], t) for n, t in zip(h.name, h.tokens)])
    for name in n_params:
        part = (h.name == name).to_numpy()
        ax.plot(
            compute[part],
            h.val_loss[part],
            linewidth=1.2,
            alpha=0.8,
            label=f"{name} ({french_number(n_params[name] / 1e3, 0)} k)",
        )
    front = compute_frontier(compute, h.val_loss.to_numpy())
    ax.plot(compute[front], h.val_loss.to_numpy()[front], "k.", markersize=5, label="frontière")
    if fit is not None:
        xs = np.geomspace(compute[front].min(), compute[front].max(), 100)
        ax.plot(xs, fit(xs), "k--", label=f"ajustement : α_C = {french_number(fit.alpha, 3)}")
    _log_axes(ax, "calcul dépensé C = 6·N·D (FLOP)", "perte de validation")
    ax.legend(fontsize=10, ncols=2)
    return ax


def plot_compute_optimal(
    ax=None, low: float = 1e18, high: float = 1e26, tokens_per_param: float = TOKENS_PER_PARAM
):
    """N et D optimaux contre le budget C (:func:`compute_optimal`),
    en log-log, avec Chinchilla (mesuré) pour repère."""
    from llmlab.display import french_count

    ax = _new_axes(ax, (10, 4.2))
    cs = np.geomspace(low, high, 100)
    n, d = compute_optimal(cs, tokens_per_param)
    ax.plot(cs, n, label="paramètres N = √(C / 120)")
    ax.plot(cs, d, label="tokens D = 20·N", linestyle="--")
    c = CHINCHILLA["C"]
    ax.plot([c, c], [CHINCHILLA["N"], CHINCHILLA["D"]], "o", color="k", zorder=3)
    ax.annotate(
        f"Chinchilla : {french_count(CHINCHILLA['N'])} de paramètres,\n"
        f"{french_count(CHINCHILLA['D'])} de tokens",
        (c, CHINCHILLA["N"]),
        textcoords="offset points",
        xytext=(-240, 20),
        fontsize=12,
    )
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("budget de calcul C (FLOP)")
    ax.set_ylabel("N ou D optimal")
    ax.legend()
    return ax


def plot_mirage(n_params, accuracy, lengths=(1, 4, 8), ax=None):
    """Taux de réponses exactes p^k sur k tokens contre N, pour
    une justesse p par token mesurée (ou supposée) à chaque N :
    plus k est grand, plus la courbe ressemble à un saut."""

    n_params = np.asarray(n_params, dtype=float)
    accuracy = np.asarray(accuracy, dtype=float)
    ax = _new_axes(ax, (10, 4.2))
    for k in lengths:
        label = "justesse par token p" if k == 1 else f"réponse exacte sur {k} tokens : p^{k}"
        ax.plot(n_params, exact_match_from_accuracy(accuracy, k), marker="o", label=label)
    ax.set_xscale("log")
    ax.set_ylim(-0.03, 1.03)
    ax.set_xlabel("paramètres N")
    ax.set_ylabel("score")
    percent_axis(ax)
    ax.legend()
    return ax


def percent_axis(ax):
    """Graduations en pour cent, virgule décimale."""
    from matplotlib.ticker import FuncFormatter

    from llmlab.display import french_number

    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{french_number(100 * v, 0)} %"))
