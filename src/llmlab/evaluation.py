"""Évaluer un modèle de langage : sa perte, par token puis par caractère.

`batch_loss` est la perte que `llmlab.training.train` fait descendre
(entropie croisée des logits contre le token suivant) ; `estimate_loss`
la moyenne sur quelques lots, sans toucher à l'aléa de l'entraînement.

Une perte par token ne se compare pas d'un tokenizer à l'autre.
`nll_per_char` la ramène au caractère : c'est la leçon de la
comparaison caractères / BPE des decks (TP 4, partie 6 ; « Construire
un LLM », partie 2), dont `tokenizer_comparison` et
`tokenizer_comparison_table` font le tableau.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

# --------------------------------------------------------------------------
# La perte sur des lots
# --------------------------------------------------------------------------


def batch_loss(model, x, y) -> torch.Tensor:
    """Entropie croisée moyenne entre les logits ``model(x)``,
    de forme ``(B, T, V)``, et les cibles ``y`` ``(B, T)``."""
    try:
        logits = model(x)
    except IndexError as exc:
        raise ValueError(
            "Un identifiant de token dépasse le vocabulaire du modèle "
            f"({exc}) : construisez le modèle avec vocab_size ≥ "
            "data.min_vocab_size, et le même tokenizer que les "
            "données."
        ) from None
    if not isinstance(logits, torch.Tensor) or logits.ndim != 3 or logits.shape[:2] != x.shape:
        shape = getattr(logits, "shape", type(logits).__name__)
        raise ValueError(
            f"model(x) doit rendre des logits de forme (B, T, V) = "
            f"({x.shape[0]}, {x.shape[1]}, V) ; reçu : {tuple(shape)}."
        )
    return F.cross_entropy(logits.flatten(0, 1), y.flatten())


@torch.no_grad()
def estimate_loss(
    model, data, batches, batch_size, device=None, generator=None
) -> dict[str, float]:
    """Perte moyenne sur ``batches`` lots de chaque partie.

    Sans ``generator``, les lots sont tirés avec une graine fixe : mêmes
    lots à chaque appel, et l'état aléatoire de l'entraînement n'est pas
    touché. Le modèle est mis en mode évaluation (pas de dropout), puis
    remis dans son mode d'avant.
    """
    if generator is None:
        generator = torch.Generator().manual_seed(0)
    if device is None:
        device = next(model.parameters()).device
    was_training = model.training
    model.eval()
    try:
        out = {}
        for split in ("train", "val"):
            total = 0.0
            for _ in range(batches):
                x, y = data.get_batch(split, batch_size, generator, device)
                total += batch_loss(model, x, y).item()
            out[split] = total / batches
    finally:
        model.train(was_training)
    return out


# --------------------------------------------------------------------------
# Perte par caractère : comparer des tokenizers différents
# --------------------------------------------------------------------------


@torch.no_grad()
def nll_per_char(model, tokenizer, text: str, block_size: int, batch_size: int = 32) -> float:
    """Log-vraisemblance négative moyenne **par caractère** de ``text``
    (en nats ; divisez par ln 2 pour des bits).

    Une perte par token ne se compare pas d'un tokenizer à l'autre : un
    token BPE couvre plusieurs caractères, il est donc plus dur à
    prédire. Ici, on additionne les pertes de tous les tokens prédits,
    puis on divise par le nombre de caractères qu'ils couvrent : deux
    modèles de tokenizers différents sont jugés sur le même texte.

    Le texte est lu par fenêtres disjointes de ``block_size`` tokens
    (chacune ne voit que son début), sans gradient. Le premier token
    n'est pas prédit : ses caractères ne comptent pas.
    """
    if isinstance(block_size, bool) or not isinstance(block_size, int) or block_size < 1:
        raise ValueError(f"block_size doit être un entier ≥ 1 (reçu : {block_size!r}).")
    if batch_size < 1:
        raise ValueError(f"batch_size doit être ≥ 1 (reçu : {batch_size!r}).")
    ids = torch.as_tensor(tokenizer.encode(text), dtype=torch.long)
    if len(ids) < 2:
        raise ValueError(
            "Texte trop court : il faut au moins deux tokens (un lu, un "
            "prédit) pour mesurer une perte."
        )
    first = tokenizer.decode(ids[:1].tolist())
    # un premier token qui n'est qu'un morceau de caractère (octets) :
    # ce caractère est fini par les tokens prédits, il compte
    n_chars = len(text) - (len(first) if text.startswith(first) else 0)
    param = next(model.parameters(), None)
    device = param.device if param is not None else torch.device("cpu")
    n_pred = len(ids) - 1
    full = n_pred // block_size * block_size
    windows = []  # (entrées, cibles) de forme (n, T)
    if full:
        windows += [
            (
                ids[:full].view(-1, block_size)[i : i + batch_size],
                ids[1 : full + 1].view(-1, block_size)[i : i + batch_size],
            )
            for i in range(0, full // block_size, batch_size)
        ]
    if full < n_pred:  # la dernière fenêtre, plus courte
        windows.append((ids[full:-1][None], ids[full + 1 :][None]))
    was_training = model.training
    model.eval()
    total = 0.0
    try:
        for x, y in windows:
            logits = model(x.to(device)).double()  # somme exacte
            total += F.cross_entropy(
                logits.flatten(0, 1), y.to(device).flatten(), reduction="sum"
            ).item()
    finally:
        model.train(was_training)
    return total / n_chars


# --------------------------------------------------------------------------
# Le tableau des decks
# --------------------------------------------------------------------------


def tokenizer_comparison(models: dict, text: str, block_size: int, batch_size: int):
    """Compare des modèles de tokenizers différents sur le même ``text``.

    ``models`` : ``{nom: (modèle, tokenizer)}``. Rend un DataFrame, une
    colonne par modèle : taille du vocabulaire, paramètres, caractères
    par token, caractères lus par pas d'entraînement (``batch_size`` ×
    ``block_size`` tokens), contexte en caractères, et perte par
    caractère (`nll_per_char`, en nats), la seule qui se compare.
    """
    import pandas as pd

    columns = {}
    for name, (model, tokenizer) in models.items():
        per_token = len(text) / len(tokenizer.encode(text))
        columns[name] = {
            "vocabulaire": tokenizer.vocab_size,
            "paramètres": sum(p.numel() for p in model.parameters()),
            "caractères par token": per_token,
            "caractères lus par pas": batch_size * block_size * per_token,
            "contexte en caractères": block_size * per_token,
            "perte par caractère (nats)": nll_per_char(model, tokenizer, text, block_size),
        }
    return pd.DataFrame(columns)


def tokenizer_comparison_table(table):
    """Le DataFrame de `tokenizer_comparison` (ou quelques-unes de ses
    lignes) en tableau Markdown à la française, pour un deck."""
    from llmlab.display import french_count, french_number, markdown_table

    decimals = {"caractères par token": 2, "perte par caractère (nats)": 2}

    def cell(label, value):
        if label == "paramètres":
            return french_count(int(value))
        return french_number(value, decimals.get(label, 0))

    rows = [
        (label.capitalize(), *(cell(label, v) for v in table.loc[label])) for label in table.index
    ]
    return markdown_table(rows, ["", *table.columns], align="l" + "r" * len(table.columns))
