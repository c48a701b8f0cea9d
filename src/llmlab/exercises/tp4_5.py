"""Vérificateurs du TP 4.5 (entraîner un GRU).

La référence du pas de GRU est ``torch.nn.GRU`` lui-même (on lui donne les mêmes poids) ; celle
du nombre de paramètres est comparée à ``torch.nn.GRU`` par les tests. Les erreurs classiques
reconnues : un seul biais au lieu de deux, z et 1 − z échangés, porte r appliquée à l'état avant
la multiplication par les poids ou hors du biais, portes lues dans le mauvais ordre, oubli du
facteur 3, étape de validation minimale confondue avec celle de l'entraînement.
"""

from __future__ import annotations

import numpy as np

from llmlab.exercises.core import Verdict, When, check_function, check_value, checker

# --- Exercice 1 : un pas de la cellule GRU --------------------------------------------------
#: (taille de l'entrée, taille de l'état, nombre d'exemples du lot, graine)
_STEP_SHAPES = [(3, 4, 2, 0), (5, 2, 1, 1), (4, 6, 3, 2), (1, 3, 2, 3)]


def _step_case(n_in, n_h, batch, seed):
    import torch

    g = torch.Generator().manual_seed(seed)
    x, h = torch.randn(batch, n_in, generator=g), torch.randn(batch, n_h, generator=g)
    weights = [(3 * n_h, n_in), (3 * n_h, n_h), (3 * n_h,), (3 * n_h,)]  # w_ih, w_hh, b_ih, b_hh
    return (x, h, *(torch.randn(*shape, generator=g) * 0.8 for shape in weights))


def step_cases():
    """Les cas de l'exercice 1 : (x, h, weight_ih, weight_hh, bias_ih, bias_hh), en torch."""
    return [_step_case(*shape) for shape in _STEP_SHAPES]


def torch_gru_step(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    """Un pas calculé par ``torch.nn.GRU`` avec ces poids : la référence de l'exercice 1."""
    import torch

    n_h = h.shape[-1]
    layer = torch.nn.GRU(x.shape[-1], n_h, batch_first=True)
    with torch.no_grad():
        layer.weight_ih_l0.copy_(weight_ih)
        layer.weight_hh_l0.copy_(weight_hh)
        layer.bias_ih_l0.copy_(bias_ih)
        layer.bias_hh_l0.copy_(bias_hh)
        out, _ = layer(x[:, None, :], h[None])
    return out[:, 0, :]


def _step_with(mistake: str):
    """Le pas de GRU écrit à la main, avec l'erreur ``mistake``."""

    def step(x, h, w_ih, w_hh, b_ih, b_hh):
        import torch

        b_hh = 0 * b_hh if mistake == "un biais" else b_hh
        gi, gh = (x @ w_ih.T + b_ih).chunk(3, dim=-1), (h @ w_hh.T + b_hh).chunk(3, dim=-1)
        (i_r, i_z, i_n), (h_r, h_z, h_n) = gi, gh
        if mistake == "ordre":
            (i_z, i_r, _), (h_z, h_r, _) = gi, gh
        r, z = torch.sigmoid(i_r + h_r), torch.sigmoid(i_z + h_z)
        w_hn, b_hn = w_hh.chunk(3)[2], b_hh.chunk(3)[2]
        state = {
            "r hors du biais": r * (h_n - b_hn) + b_hn,
            "r avant les poids": (r * h) @ w_hn.T + b_hn,
            "sans r": h_n,
        }.get(mistake, r * h_n)
        n = torch.tanh(i_n + state)
        return {"candidat": n, "z échangé": z * n + (1 - z) * h}.get(mistake, (1 - z) * n + z * h)

    return step


STEP_MISTAKES = [
    (
        _step_with("un biais"),
        "il manque un biais : PyTorch en a DEUX par porte, bias_ih (côté entrée) ET bias_hh "
        "(côté état). Ajoutez les deux.",
    ),
    (
        _step_with("z échangé"),
        "z et 1 − z sont échangés : h' = (1 − z) · n + z · h. Avec z proche de 1, on GARDE "
        "l'ancien état h.",
    ),
    (
        _step_with("r hors du biais"),
        "la porte r multiplie (W_hn h + b_hn), biais compris : n = tanh(W_in x + b_in + "
        "r * (W_hn h + b_hn)).",
    ),
    (
        _step_with("r avant les poids"),
        "dans la convention de PyTorch, r s'applique APRÈS la multiplication par les poids : "
        "r * (W_hn h + b_hn), pas W_hn (r * h).",
    ),
    (
        _step_with("ordre"),
        "les portes sont empilées dans l'ordre r, z, n : le premier tiers des lignes est r, "
        "le deuxième z.",
    ),
    (
        _step_with("sans r"),
        "la porte r n'est pas utilisée : elle multiplie la partie « état » de l'état candidat n.",
    ),
    (
        _step_with("candidat"),
        "vous renvoyez l'état candidat n : le nouvel état mélange n et l'ancien état, "
        "h' = (1 − z) · n + z · h.",
    ),
]


@checker
def check_gru_step(fn) -> Verdict:
    """Exercice 1 : ``gru_step(x, h, weight_ih, weight_hh, bias_ih, bias_hh)`` = un pas de
    ``torch.nn.GRU``."""
    cases = step_cases()
    return check_function(
        fn,
        torch_gru_step,
        cases,
        name="gru_step",
        arg_names="x h weight_ih weight_hh bias_ih bias_hh",
        mistakes=STEP_MISTAKES,
        rtol=1e-4,
        atol=1e-5,
        advice="Ce n'est pas le même état que torch.nn.GRU : vérifiez l'ordre "
        "des blocs (r, z, n), les deux biais, r * (W_hn h + b_hn) et "
        "h' = (1 − z) · n + z · h.",
        success=f"`gru_step` donne le même état que torch.nn.GRU sur les {len(cases)} cas testés.",
    )


# --- Exercice 2 : compter les paramètres d'une couche GRU -----------------------------------
def gru_param_count(n_in: int, n_h: int) -> int:
    """Paramètres d'une couche ``torch.nn.GRU`` : 3 blocs (r, z, n) de
    n_in·n_h + n_h·n_h poids et 2·n_h biais."""
    return 3 * (n_in * n_h + n_h * n_h + 2 * n_h)


PARAM_CASES = [(64, 256), (10, 20), (1, 1), (256, 256), (78, 128)]
PARAM_MISTAKES = [
    (
        lambda i, h: i * h + h * h + 2 * h,
        "il manque le facteur 3 : trois blocs de poids, un pour chaque porte r, z et pour "
        "l'état candidat n.",
    ),
    (
        lambda i, h: 3 * (i * h + h * h + h),
        "un seul biais par bloc : PyTorch en a deux (bias_ih et bias_hh), donc 2 · n_h.",
    ),
    (
        lambda i, h: 3 * (i * h + h * h),
        "les biais manquent : ajoutez 2 · n_h par bloc (bias_ih et bias_hh).",
    ),
    (lambda i, h: 4 * (i * h + h * h + 2 * h), "4 blocs, c'est le LSTM ; le GRU en a 3 (r, z, n)."),
    (
        lambda i, h: 3 * (i * h + 2 * h),
        "il manque les poids état → état, n_h · n_h par bloc : c'est eux qui font la récurrence.",
    ),
    (
        lambda i, h: 3 * (i * h + h * h) + 2 * h,
        "les deux biais sont aussi par bloc : 3 × (n_in·n_h + n_h·n_h + 2·n_h).",
    ),
]


@checker
def check_param_count(fn) -> Verdict:
    """Exercice 2 : ``nb_parametres_gru(n_in, n_h)``."""
    return check_function(
        fn,
        gru_param_count,
        PARAM_CASES,
        name="nb_parametres_gru",
        arg_names="n_in n_h",
        mistakes=PARAM_MISTAKES,
        success=f"`nb_parametres_gru` est juste sur les {len(PARAM_CASES)} "
        "tailles testées (les mêmes nombres que torch.nn.GRU).",
    )


# --- Exercice 3 : lire le surapprentissage sur une courbe -----------------------------------
def overfit_history(seed: int = 5):
    """Un historique synthétique (colonnes de ``llmlab.training``) d'un modèle qui surapprend :
    la perte d'entraînement baisse toujours, la validation baisse puis remonte."""
    import pandas as pd

    rng = np.random.default_rng(seed)
    steps = np.arange(0, 3001, 100)
    best = 1300 + 100 * int(rng.integers(0, 5))
    train = 1.0 + 3.3 * np.exp(-steps / 450) - 0.00012 * steps
    # la validation descend, puis remonte après `best` (pente plus forte que la descente)
    after = np.maximum(steps - best, 0)
    val = 1.4 + 3.0 * np.exp(-steps / 420) + 0.0006 * after + 3e-7 * after**2
    return pd.DataFrame(
        {
            "step": steps,
            "train_loss": train,
            "val_loss": val,
            "tokens_per_s": np.nan,
            "elapsed_s": steps * 0.05,
        }
    )


@checker
def check_overfit_step(answer, history) -> Verdict:
    """Exercice 3 : l'étape où la perte de validation est la plus basse (après, elle remonte)."""
    best = int(history["step"][history["val_loss"].idxmin()])
    last = int(history["step"].iloc[-1])
    i_best = int(history["val_loss"].to_numpy().argmin())
    mistakes = [
        (
            last,
            "c'est la dernière étape : la perte d'ENTRAÎNEMENT baisse jusqu'au bout ; "
            "regardez la courbe de VALIDATION, et son minimum.",
        ),
        (
            int(history["step"][history["train_loss"].idxmin()]),
            "c'est le minimum de la perte d'entraînement ; cherchez celui de la validation.",
        ),
        (
            i_best,
            "c'est le numéro de LIGNE du minimum ; donnez la valeur de la colonne step "
            "sur cette ligne.",
        ),
        (
            int(history["step"].iloc[min(i_best + 1, len(history) - 1)]),
            "à cette étape la validation a déjà remonté : donnez l'étape juste avant, où elle est "
            "la plus basse.",
        ),
    ]
    mistakes = [(v, hint) for v, hint in mistakes if v != best]
    mistakes.append(
        (
            When(lambda got, _: abs(float(got)) < 100 and not float(got).is_integer()),
            "c'est une valeur de la perte ; donnez l'ÉTAPE (colonne step) où la perte de "
            "validation est la plus basse.",
        )
    )
    return check_value(answer, best, "etape_surapprentissage", mistakes)
