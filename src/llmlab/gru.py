"""Le GRU : un réseau récurrent qui lit le texte caractère par caractère.

Un GRU garde un état ``h`` (un vecteur) qu'il met à jour à chaque caractère lu. Deux
portes décident de ce qu'il garde :

* la porte de réinitialisation ``r`` choisit quelle part de l'ancien état sert à
  proposer un nouvel état ;
* la porte de mise à jour ``z`` mélange l'ancien état et l'état candidat ``n``.

:func:`gru_cell` écrit ces équations pour un pas, avec la convention de
``torch.nn.GRU`` (mêmes poids, même ordre r, z, n) : on la vérifie égale à torch.
Pour entraîner, :class:`GRULanguageModel` utilise ``torch.nn.GRU``, qui fait le même
calcul sur toute la séquence d'un coup, bien plus vite.

Ce module ne lit aucun fichier : le modèle livré se charge avec
``llmlab.shipped.load_shipped_gru()``.
"""

from __future__ import annotations

import torch
from torch import nn

from llmlab.sampling import next_token_probs


# fmt: off
def gru_cell(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    """Un pas de GRU : le nouvel état h' à partir de x et h.

    Convention de torch.nn.GRU : weight_ih empile les
    poids des portes r, z puis n (3 × taille de h lignes).

        r = σ(W_ir x + b_ir + W_hr h + b_hr)
        z = σ(W_iz x + b_iz + W_hz h + b_hz)
        n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn))
        h' = (1 − z) ⊙ n + z ⊙ h

    z proche de 1 : on garde l'ancien état h.
    """
    gi = x @ weight_ih.T + bias_ih
    gh = h @ weight_hh.T + bias_hh
    i_r, i_z, i_n = gi.chunk(3, dim=-1)
    h_r, h_z, h_n = gh.chunk(3, dim=-1)
    r = torch.sigmoid(i_r + h_r)
    z = torch.sigmoid(i_z + h_z)
    n = torch.tanh(i_n + r * h_n)
    return (1 - z) * n + z * h
# fmt: on


class GRUCell(nn.Module):
    """La cellule :func:`gru_cell` en module, paramètres nommés comme ``torch.nn.GRUCell``.

    On peut donc copier les poids d'un ``torch.nn.GRUCell`` (``load_state_dict``) ou de
    la couche 0 d'un ``torch.nn.GRU`` (``weight_ih_l0``…) et comparer les sorties.
    """

    def __init__(self, input_size: int, hidden_size: int):
        super().__init__()
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.weight_ih = nn.Parameter(torch.empty(3 * hidden_size, input_size))
        self.weight_hh = nn.Parameter(torch.empty(3 * hidden_size, hidden_size))
        self.bias_ih = nn.Parameter(torch.empty(3 * hidden_size))
        self.bias_hh = nn.Parameter(torch.empty(3 * hidden_size))
        # Même initialisation que torch : uniforme dans [-1/√H, 1/√H].
        bound = hidden_size**-0.5
        for p in self.parameters():
            nn.init.uniform_(p, -bound, bound)

    def forward(self, x, h=None):
        if h is None:
            h = x.new_zeros(*x.shape[:-1], self.hidden_size)
        return gru_cell(x, h, self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh)


class GRULanguageModel(nn.Module):
    """Modèle de langage : embedding → ``torch.nn.GRU`` → tête linéaire.

    ``forward(idx)`` renvoie les logits (B, T, V) du token suivant à chaque position.
    ``config`` contient de quoi reconstruire le modèle : ``GRULanguageModel(**config)``.
    """

    def __init__(
        self,
        vocab_size: int,
        n_embd: int = 64,
        n_hidden: int = 256,
        n_layers: int = 1,
        dropout: float = 0.0,
    ):
        super().__init__()
        self.config = {
            "model": "gru",
            "vocab_size": int(vocab_size),
            "n_embd": int(n_embd),
            "n_hidden": int(n_hidden),
            "n_layers": int(n_layers),
            "dropout": float(dropout),
        }
        self.embedding = nn.Embedding(vocab_size, n_embd)
        self.gru = nn.GRU(
            n_embd,
            n_hidden,
            num_layers=n_layers,
            batch_first=True,
            dropout=dropout if n_layers > 1 else 0.0,
        )
        # Sans dropout, rien à calculer (nn.Dropout(0) ferait quand même une copie).
        self.dropout = nn.Dropout(dropout) if dropout > 0 else nn.Identity()
        self.head = nn.Linear(n_hidden, vocab_size)

    @classmethod
    def from_config(cls, config: dict) -> GRULanguageModel:
        """Le modèle décrit par ``config`` ; refuse la config d'un autre modèle."""
        if not isinstance(config, dict) or config.get("model") != "gru":
            kind = config.get("model") if isinstance(config, dict) else None
            raise ValueError(
                f"Ce checkpoint n'est pas celui d'un GRU (modèle : {kind!r}) : "
                "chargez-le avec la classe du modèle qui l'a produit."
            )
        args = {k: v for k, v in config.items() if k != "model"}
        return cls(**args)

    def forward(self, idx, h=None, return_state: bool = False):
        out, h = self.gru(self.embedding(idx), h)
        logits = self.head(self.dropout(out))
        return (logits, h) if return_state else logits

    @torch.no_grad()
    def generate(
        self,
        idx,
        max_new_tokens: int,
        temperature: float = 1.0,
        top_k: int | None = None,
        generator: torch.Generator | None = None,
    ):
        """Prolonge ``idx`` (B, T) de ``max_new_tokens`` tokens tirés un à un.

        Le début est lu une fois ; ensuite on ne donne au GRU que le dernier token et
        son état. Le GPT du cours évite aussi de tout recalculer (son cache KV garde les
        clés et valeurs du passé), mais chaque nouveau token y relit toutes les positions
        précédentes, et le cache grandit avec le texte ; l'état du GRU garde sa taille.
        """
        if idx.ndim != 2 or idx.shape[1] == 0:
            raise ValueError("generate attend un début non vide de forme (B, T).")
        was_training = self.training
        self.eval()
        logits, h = self(idx, return_state=True)
        pieces = [idx]
        for _ in range(max_new_tokens):
            probs = next_token_probs(logits[:, -1, :], temperature, top_k)
            nxt = torch.multinomial(probs, 1, generator=generator)
            pieces.append(nxt)
            logits, h = self(nxt, h, return_state=True)
        self.train(was_training)
        return torch.cat(pieces, dim=1)
