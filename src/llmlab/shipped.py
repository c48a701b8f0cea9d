"""Les modèles livrés dans ``data/`` (GRU, mini-GPT, mini-GPT BPE), prêts à servir.

Un deck ou un notebook n'entraîne pas : il charge un modèle livré, entraîné une fois par
``llmlab entrainer … --livrer`` (les commandes sont dans ``data/README.md``), et rendu
``(modèle, tokenizer, historique, infos)``. ``infos`` contient ``samples`` (pas -> texte
généré pendant l'entraînement), ``train_config``, ``corpus``, ``step`` et ``tokenizer``.

Ce module est au-dessus des modèles (`llmlab.gru`, `llmlab.gpt`) et des checkpoints
(`llmlab.checkpoints`) : c'est lui qui les assemble. Les modèles ne lisent aucun fichier,
et `llmlab.data` n'importe aucun modèle.
"""

from __future__ import annotations

from llmlab.checkpoints import load_checkpoint, model_from_checkpoint
from llmlab.data import (
    DATA_DIR,
    SHIPPED_GPT,
    SHIPPED_GPT_BPE,
    SHIPPED_GRU,
    TRAINED_FILES,
    MissingDataError,
)
from llmlab.gpt import GPT
from llmlab.gru import GRULanguageModel


def gru_from_checkpoint(ckpt: dict):
    """``(modèle, tokenizer, historique, infos)`` d'un GRU depuis un checkpoint déjà lu
    (`llmlab.checkpoints.load_checkpoint`). Refuse en français le checkpoint d'un autre
    modèle ou sans vocabulaire."""
    return model_from_checkpoint(ckpt, GRULanguageModel, "gru")


def gpt_from_checkpoint(ckpt: dict):
    """``(modèle, tokenizer, historique, infos)`` d'un mini-GPT depuis un checkpoint déjà
    lu. Le tokenizer rendu est celui de l'entraînement : caractères ou BPE (``--tokenizer
    bpe``). Refuse en français le checkpoint d'un autre modèle ou sans vocabulaire."""
    return model_from_checkpoint(ckpt, GPT, "gpt")


def _load_shipped_model(path, shipped: str, what: str, from_checkpoint):
    """Lit un checkpoint (par défaut celui livré dans ``data/<shipped>``) et le passe à
    ``from_checkpoint``."""
    if path is None:
        folder = DATA_DIR / shipped
        if not (folder / "state.json").is_file():
            command = TRAINED_FILES[f"{shipped}/weights.pt"]
            raise MissingDataError(
                f"{what} livré manquant : {folder}. Restaurez-le avec "
                f"`git checkout -- data/{shipped}` ou `{command}`."
            )
        path = folder
    return from_checkpoint(load_checkpoint(path))


def load_gru(path=None):
    """``(modèle, tokenizer, historique, infos)`` d'un GRU enregistré par ``llmlab entrainer gru``.

    ``path`` : le dossier du checkpoint (par défaut le modèle livré, ``data/gru``). Erreurs en
    français : dossier absent, checkpoint abîmé ou d'un autre modèle.
    """
    return _load_shipped_model(path, SHIPPED_GRU, "Modèle GRU", gru_from_checkpoint)


def load_shipped_gru():
    """Le GRU de caractères livré dans ``data/gru`` (entraîné sur Shakespeare) :
    ``(modèle, tokenizer, historique, infos)``, comme :func:`load_gru`."""
    return load_gru(None)


def load_gpt(path=None):
    """``(modèle, tokenizer, historique, infos)`` d'un mini-GPT enregistré par
    ``llmlab entrainer gpt`` ; mêmes ``infos`` et mêmes erreurs que :func:`load_gru`
    (par défaut le modèle livré, ``data/gpt``)."""
    return _load_shipped_model(path, SHIPPED_GPT, "Mini-GPT", gpt_from_checkpoint)


def load_shipped_gpt():
    """Le mini-GPT de caractères livré dans ``data/gpt`` (entraîné sur Shakespeare) :
    ``(modèle, tokenizer, historique, infos)``, comme :func:`load_gpt`."""
    return load_gpt(None)


def load_shipped_gpt_bpe():
    """La variante BPE du mini-GPT livré, dans ``data/gpt-bpe`` : même configuration et même
    corpus, mais des tokens d'un BPE du cours (512, réappris sur Shakespeare) au lieu de
    caractères. Rend ``(modèle, tokenizer, historique, infos)`` comme :func:`load_gpt`, avec un
    :class:`~llmlab.tokenizers.BPETokenizer` ; sa perte se compare à celle du modèle de
    caractères en nats par caractère (:func:`llmlab.evaluation.nll_per_char`)."""
    return _load_shipped_model(None, SHIPPED_GPT_BPE, "Mini-GPT BPE", gpt_from_checkpoint)


#: Caractères de validation des mesures rapides (quantification, élagage, oubli après un
#: affinage) : les 100 000 premiers des 479 675, mesurés pour chaque variante, donc appariés.
VALIDATION_CHARS = 100_000


def shakespeare_validation(chars: int | None = None) -> str:
    """Le texte de validation des modèles livrés : les 10 % de fin des pièces de
    Shakespeare, que ``llmlab entrainer`` ne montre jamais au modèle (`split_text`).
    ``chars`` : n'en garder que les premiers caractères (une mesure plus rapide)."""
    from llmlab.data import load_shakespeare
    from llmlab.training import split_text

    val = split_text(load_shakespeare())[1]
    return val if chars is None else val[:chars]


def load_model(path=None):
    """``(modèle, tokenizer, historique, infos)`` du checkpoint ``path``, GRU ou GPT selon
    sa configuration (par défaut le GRU livré) : ce que lit ``llmlab generer --modele``."""
    if path is None:
        return load_gru(None)
    ckpt = load_checkpoint(path)
    kind = (ckpt["state"].get("model_config") or {}).get("model")
    if kind == "gpt":
        return gpt_from_checkpoint(ckpt)
    return gru_from_checkpoint(ckpt)  # refuse en français tout autre modèle
