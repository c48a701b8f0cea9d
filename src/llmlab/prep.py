"""Préparer des données avant d'entraîner : nettoyer, repérer, normaliser.

Sur Boston Housing (`llmlab.data.boston_dataframe`), chaque étape dit ce
qu'elle retire :

- **valeurs manquantes** : on les compte, puis on impute (médiane) ou on
  retire la ligne ;
- **doublons** : une même ligne deux fois pèse deux fois dans la perte ;
- **valeurs aberrantes, une variable à la fois** : le z-score
  ``(x − moyenne) / écart type`` ; au-delà de 3, la valeur est rare…
  si la variable est à peu près gaussienne ;
- **valeurs aberrantes, toutes les variables ensemble** : la distance de
  Mahalanobis, un z-score qui tient compte des corrélations ; au carré,
  elle suit une loi du χ² à p degrés de liberté pour des données
  gaussiennes, d'où le seuil ;
- **normalisation** : centrer-réduire avec les statistiques de
  l'entraînement seulement (sinon le test fuit dans l'entraînement).

La vraie table n'a ni trou ni doublon : `dirty_boston` en fabrique une
copie abîmée dont on connaît les défauts, pour vérifier que chaque étape
les retrouve. NumPy et pandas seulement ; les tests comparent à SciPy
et scikit-learn.
"""

from __future__ import annotations

import math

import numpy as np

from llmlab.data import boston_dataframe

# --------------------------------------------------------------------------
# Une copie abîmée, aux défauts connus
# --------------------------------------------------------------------------


def dirty_boston(seed: int = 0, n_missing: int = 12, n_duplicates: int = 6, n_unit_errors: int = 3):
    """``(table abîmée, défauts)`` : Boston avec des trous, des lignes
    en double et des erreurs d'unité (RM saisi en centièmes : 628 pièces
    au lieu de 6,28). ``défauts`` dit où ils sont."""
    rng = np.random.default_rng(seed)
    df = boston_dataframe()
    n, cols = len(df), [c for c in df.columns if c != "MEDV"]
    rows = rng.choice(n, size=n_unit_errors, replace=False)
    df.loc[rows, "RM"] *= 100
    holes = [(int(rng.integers(n)), str(rng.choice(cols))) for _ in range(n_missing)]
    for r, c in holes:
        df.loc[r, c] = np.nan
    copies = rng.choice(n, size=n_duplicates, replace=False)
    df = _append_rows(df, df.loc[copies])
    defects = {
        "manquantes": sorted(set(holes)),
        "doublons": sorted(int(i) for i in copies),
        "unités": sorted(int(i) for i in rows),
    }
    return df, defects


def _append_rows(df, rows):
    import pandas as pd

    return pd.concat([df, rows], ignore_index=True)


def missing_counts(df):
    """Le nombre de valeurs manquantes par colonne (celles qui en ont)."""
    counts = df.isna().sum()
    return counts[counts > 0]


def impute_median(df):
    """Remplace chaque trou par la médiane de sa colonne : robuste
    aux valeurs extrêmes, contrairement à la moyenne."""
    return df.fillna(df.median())


# --------------------------------------------------------------------------
# Valeurs aberrantes
# --------------------------------------------------------------------------


def zscores(x):
    """``(x − moyenne) / écart type``, colonne par colonne
    (écart type de la population, ddof = 0, comme ``scipy.stats.zscore``)."""
    x = np.asarray(x, dtype=float)
    return (x - x.mean(axis=0)) / x.std(axis=0)


def zscore_outliers(x, threshold: float = 3.0):
    """Les lignes où une variable au moins s'écarte de plus de ``threshold`` écarts types."""
    return (np.abs(zscores(x)) > threshold).any(axis=1)


def mahalanobis(x, mean=None, cov=None):
    """La distance de Mahalanobis de chaque ligne au centre :
    √((x − μ)ᵀ Σ⁻¹ (x − μ)). Deux variables corrélées comptent
    une fois, pas deux ; une petite variance compte plus."""
    x = np.asarray(x, dtype=float)
    mean = x.mean(axis=0) if mean is None else np.asarray(mean)
    cov = np.cov(x, rowvar=False) if cov is None else np.asarray(cov)
    d = x - mean
    return np.sqrt(np.einsum("ij,jk,ik->i", d, np.linalg.inv(cov), d))


def chi2_cdf(x: float, k: int) -> float:
    """P(χ²ₖ ≤ x) : la fonction gamma incomplète régularisée P(k/2, x/2),
    par sa série (converge pour tout x ≥ 0)."""
    if x <= 0:
        return 0.0
    a, z = k / 2, x / 2
    term = total = 1 / a
    n = 0
    while term > total * 1e-15:
        n += 1
        term *= z / (a + n)
        total += term
    return total * math.exp(-z + a * math.log(z) - math.lgamma(a))


def chi2_quantile(q: float, k: int) -> float:
    """Le x tel que P(χ²ₖ ≤ x) = q (par dichotomie)."""
    lo, hi = 0.0, k + 100.0 * math.sqrt(2 * k)
    for _ in range(200):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if chi2_cdf(mid, k) < q else (lo, mid)
    return (lo + hi) / 2


def mahalanobis_outliers(x, quantile: float = 0.999):
    """``(masque, seuil)`` : les lignes dont la distance dépasse le
    seuil qu'une loi gaussienne ne dépasse qu'avec probabilité
    ``1 − quantile`` (√ du quantile du χ² à p degrés)."""
    d = mahalanobis(x)
    limit = math.sqrt(chi2_quantile(quantile, np.shape(x)[1]))
    return d > limit, limit


# --------------------------------------------------------------------------
# Nettoyer, étape par étape
# --------------------------------------------------------------------------


def clean_boston(df, z_threshold: float = 3.0):
    """Nettoie la table abîmée et raconte chaque étape : rend
    ``(table propre, [(étape, lignes avant, lignes après, détail)])``.

    Les erreurs d'unité, énormes, sont attrapées par le z-score de
    leur colonne ; on ne le demande qu'à RM, où on sait qu'une valeur
    à |z| > 3 est impossible (une variable binaire comme CHAS serait
    entièrement « aberrante » à ce compte-là).
    """
    steps = []
    before = len(df)
    holes = int(df.isna().sum().sum())
    df = impute_median(df)
    steps.append(("valeurs manquantes (médiane)", before, len(df), f"{holes} trous remplis"))
    before = len(df)
    df = df.drop_duplicates().reset_index(drop=True)
    steps.append(("doublons", before, len(df), f"{before - len(df)} lignes retirées"))
    before = len(df)
    bad = np.abs(zscores(df[["RM"]].to_numpy()))[:, 0] > z_threshold
    df = df[~bad].reset_index(drop=True)
    steps.append(
        (f"RM : |z| > {z_threshold:g}", before, len(df), f"{int(bad.sum())} lignes retirées")
    )
    return df, steps


# --------------------------------------------------------------------------
# Normaliser
# --------------------------------------------------------------------------


def standardize(train, *others):
    """Centre-réduit ``train`` et les autres tableaux avec la moyenne et
    l'écart type de ``train`` seul (comme ``StandardScaler``)."""
    train = np.asarray(train, dtype=float)
    mean, std = train.mean(axis=0), train.std(axis=0)
    std = np.where(std == 0, 1.0, std)  # colonne constante : inchangée
    out = [(np.asarray(a, dtype=float) - mean) / std for a in (train, *others)]
    return out[0] if not others else tuple(out)


def min_max(train, *others):
    """Ramène chaque colonne de ``train`` dans [0, 1] (mêmes bornes
    pour les autres tableaux, qui peuvent en sortir)."""
    train = np.asarray(train, dtype=float)
    lo, hi = train.min(axis=0), train.max(axis=0)
    span = np.where(hi > lo, hi - lo, 1.0)
    out = [(np.asarray(a, dtype=float) - lo) / span for a in (train, *others)]
    return out[0] if not others else tuple(out)


def plot_outliers(df, x: str, y: str, ax=None, z_threshold: float = 3.0, quantile: float = 0.999):
    """Deux variables de ``df`` : points ordinaires, repérés par le
    z-score (sur ces deux variables), par Mahalanobis, ou par les deux."""
    import matplotlib.pyplot as plt

    from llmlab import style
    from llmlab.display import french_ticks

    style.use()
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 4.5), layout="constrained")
    pts = df[[x, y]].to_numpy(dtype=float)
    by_z = zscore_outliers(pts, z_threshold)
    by_m, _ = mahalanobis_outliers(pts, quantile)
    groups = [
        (~by_z & ~by_m, "ordinaires", "o", 12),
        (by_z & ~by_m, "z-score seul", "s", 40),
        (~by_z & by_m, "Mahalanobis seule", "^", 50),
        (by_z & by_m, "les deux", "D", 40),
    ]
    for mask, label, marker, size in groups:
        if mask.any():
            ax.scatter(
                pts[mask, 0],
                pts[mask, 1],
                s=size,
                marker=marker,
                label=f"{label} ({int(mask.sum())})",
                alpha=0.5 if label == "ordinaires" else 0.9,
            )
    ax.set_xlabel(x)
    ax.set_ylabel(y)
    ax.legend(fontsize="small")
    french_ticks(ax)
    return ax
