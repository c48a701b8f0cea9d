"""Apprendre dans le contexte : ce qu'un petit modèle peut en montrer.

L'apprentissage en contexte (ICL) est la capacité d'un grand modèle
à faire une tâche nouvelle à partir d'exemples placés dans l'invite,
sans qu'aucun poids ne change. On le relie à un mécanisme simple,
mesurable : **recopier ce qui a déjà été vu** dans le contexte. Les
« têtes d'induction » (Olsson et al., 2022) trouvent le passage
précédent qui commence comme la fin du texte et prédisent ce qui
l'a suivi ; elles apparaissent d'un coup pendant l'entraînement,
en même temps que l'ICL.

Le test, sur un modèle quelconque : un passage de ``L`` tokens
écrit deux fois de suite. Un modèle qui sait recopier prédit la
seconde copie presque sans erreur ; un modèle qui ne lit que les
quelques tokens précédents la prédit comme la première.
`repeat_test` mesure la perte à chaque position des deux copies.
Sur le mini-GPT livré, la seconde copie n'est pas plus facile : il
ne recopie pas (mesuré, voir le deck « Modèles fondateurs »).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F


@torch.no_grad()
def token_losses(model, ids) -> torch.Tensor:
    """Perte (−ln p, en nats) de chaque token de ``ids`` sachant
    ceux d'avant, dans une seule fenêtre : un tenseur de
    ``len(ids) − 1`` valeurs (le premier token n'est pas prédit)."""
    device = next(model.parameters()).device
    idx = torch.as_tensor(ids, dtype=torch.long, device=device)
    was_training = model.training
    model.eval()
    try:
        logits = model(idx[None, :-1])[0].double()
    finally:
        model.train(was_training)
    return F.cross_entropy(logits, idx[1:], reduction="none").cpu()


@torch.no_grad()
def continuation_logprob(model, tokenizer, context: str, continuation: str) -> float:
    """ln P(continuation | context) : la somme des log-probabilités
    des tokens de la suite, en un seul passage avant."""
    ctx = tokenizer.encode(context)
    cont = tokenizer.encode(continuation)
    if not ctx or not cont:
        raise ValueError("Le contexte et la suite doivent contenir au moins un token chacun.")
    return -float(token_losses(model, ctx + cont)[len(ctx) - 1 :].sum())


def random_chunks(text: str, length: int = 32, n: int = 200, seed: int = 0) -> list[str]:
    """``n`` passages de ``length`` caractères pris au hasard
    (graine ``seed``) dans ``text``."""
    if len(text) <= length:
        raise ValueError(
            f"Texte trop court ({len(text)} caractères) pour des passages de {length}."
        )
    gen = torch.Generator().manual_seed(seed)
    starts = torch.randint(len(text) - length, (n,), generator=gen)
    return [text[s : s + length] for s in starts.tolist()]


def random_letters(
    length: int = 32, n: int = 200, seed: int = 0, alphabet: str = "abcdefghijklmnopqrstuvwxyz "
):
    """``n`` suites de ``length`` caractères tirés au hasard dans
    ``alphabet`` : rien à deviner, tout à recopier."""
    gen = torch.Generator().manual_seed(seed)
    picks = torch.randint(len(alphabet), (n, length), generator=gen)
    return ["".join(alphabet[i] for i in row) for row in picks.tolist()]


def repeat_test(model, tokenizer, chunks):
    """Perte moyenne à chaque position de « passage + passage ».

    Rend un DataFrame : ``position`` dans le passage (1 à L − 1
    pour la première copie, 0 à L − 1 pour la seconde),
    ``copy_no`` (1 ou 2) et ``loss`` (nats, moyenne sur les passages). Le
    passage répété doit tenir dans le contexte du modèle.
    """
    import pandas as pd

    total, length = None, None
    for chunk in chunks:
        ids = tokenizer.encode(chunk)
        if length is None:
            length = len(ids)
        elif len(ids) != length:
            raise ValueError("Les passages doivent avoir le même nombre de tokens.")
        losses = token_losses(model, ids + ids)
        total = losses if total is None else total + losses
    mean = (total / len(chunks)).tolist()  # cible = token t + 1
    rows = [{"position": t + 1, "copy_no": 1, "loss": mean[t]} for t in range(length - 1)]
    rows += [
        {"position": t + 1 - length, "copy_no": 2, "loss": mean[t]}
        for t in range(length - 1, 2 * length - 1)
    ]
    return pd.DataFrame(rows)


def repeat_summary(table) -> tuple[float, float]:
    """(perte moyenne de la première copie, de la seconde)."""
    means = table.groupby("copy_no")["loss"].mean()
    return float(means[1]), float(means[2])


def plot_repeat_test(tables: dict, ax=None):
    """La perte à chaque position, première copie en trait plein,
    seconde en tirets ; ``tables`` : {étiquette: repeat_test}."""
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FuncFormatter

    from llmlab import style
    from llmlab.display import french_number

    style.use()
    if ax is None:
        _, ax = plt.subplots(figsize=(9, 3.6), layout="constrained")
    for i, (label, table) in enumerate(tables.items()):
        color = f"C{i}"
        for copy, line in ((1, "-"), (2, "--")):
            part = table[table["copy_no"] == copy]
            ax.plot(
                part["position"], part["loss"], line, color=color, label=f"{label}, copie {copy}"
            )
    ax.set_xlabel("position dans le passage (caractères)")
    ax.set_ylabel("perte (nats)")
    ax.set_ylim(bottom=0)
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: french_number(v, 0)))
    ax.legend(ncols=2)
    return ax
