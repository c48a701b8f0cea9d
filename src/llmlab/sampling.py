"""Des logits aux probabilités, puis au token suivant.

Un modèle de langage ne choisit pas un mot : il donne un score (un *logit*) à chaque
token du vocabulaire. Ce module montre ce qu'on en fait, en NumPy, une distribution
par ligne (dernier axe) :

* :func:`softmax` transforme les scores en probabilités, avec une *température* ;
* :func:`top_k_filter` et :func:`top_p_filter` écartent les tokens improbables ;
* :func:`greedy` prend le plus probable, :func:`sample` tire au hasard (avec graine) ;
* :func:`cross_entropy` et :func:`perplexity` mesurent la surprise du modèle devant
  le vrai token suivant : ce sont les métriques d'entraînement d'un LLM ;
* :class:`NGramModel` compte, dans un texte, quel mot suit le ou les deux mots
  précédents : le plus simple des modèles de langage, qui donne de vraies probabilités
  à montrer en classe.

Les fonctions sont testées contre torch (``tests/test_sampling.py``) ; leurs lignes
tiennent en 62 caractères pour être montrées sur une diapositive.
"""
from __future__ import annotations

import re
from collections import Counter

import numpy as np


def _logits(logits) -> np.ndarray:
    """Les logits en tableau float64 non vide (au moins 1 dimension)."""
    z = np.asarray(logits, dtype=np.float64)
    if z.ndim == 0 or z.shape[-1] == 0:
        raise ValueError(
            "Il faut au moins un logit par distribution "
            f"(reçu un tableau de forme {z.shape}).")
    if np.isnan(z).any():
        raise ValueError("Les logits contiennent NaN.")
    return z


def _check_temperature(temperature: float) -> None:
    if not temperature > 0:
        raise ValueError(
            f"La température doit être > 0 (reçu {temperature}). "
            "Pour toujours prendre le plus probable, utilisez "
            "greedy(logits) : c'est la limite quand T tend vers 0.")


def softmax(logits, temperature: float = 1.0) -> np.ndarray:
    """Probabilités exp(z / T) / somme, sur le dernier axe.

    On soustrait le maximum avant l'exponentielle : le
    résultat est le même (le facteur se simplifie), mais
    exp ne déborde plus (exp(1000) vaut inf en float64).
    T < 1 accentue les écarts, T > 1 les aplatit.
    Un logit à -inf reçoit une probabilité nulle.
    """
    _check_temperature(temperature)
    z = _logits(logits) / temperature
    top = z.max(axis=-1, keepdims=True)
    if np.isneginf(top).any():
        raise ValueError(
            "Tous les logits d'une distribution valent "
            "-inf : aucun token ne reste possible.")
    e = np.exp(z - top)
    return e / e.sum(axis=-1, keepdims=True)


def top_k_filter(logits, k: int) -> np.ndarray:
    """Garde les k plus grands logits, met les autres à -inf.

    Comme ``transformers`` (TopKLogitsWarper), on garde tout
    logit au moins égal au k-ième : en cas d'égalité avec
    lui, il peut en rester plus de k.
    """
    integer = isinstance(k, (int, np.integer))
    if isinstance(k, bool) or not integer or k < 1:
        raise ValueError(
            f"k doit être un entier >= 1 (reçu {k!r}).")
    z = _logits(logits)
    if k >= z.shape[-1]:
        return z.copy()
    kth = np.sort(z, axis=-1)[..., -k, None]
    return np.where(z < kth, -np.inf, z)


def top_p_filter(logits, p: float) -> np.ndarray:
    """Garde le noyau : le plus petit ensemble des tokens
    les plus probables dont la masse atteint p ; les autres
    logits passent à -inf.

    On trie par probabilité décroissante et on garde un token
    tant que la masse *avant* lui est encore < p : le premier
    est donc toujours gardé.
    """
    if not 0 < p <= 1:
        raise ValueError(
            f"p doit être dans ]0, 1] (reçu {p}).")
    z = _logits(logits)
    probs = softmax(z)
    order = np.argsort(-probs, axis=-1, kind="stable")
    sorted_p = np.take_along_axis(probs, order, axis=-1)
    before = np.cumsum(sorted_p, axis=-1) - sorted_p
    keep_sorted = before < p
    keep = np.empty_like(keep_sorted)
    np.put_along_axis(keep, order, keep_sorted, axis=-1)
    return np.where(keep, z, -np.inf)


def greedy(logits) -> int:
    """Décodage glouton : l'indice du plus grand logit."""
    z = _logits(logits)
    if z.ndim != 1:
        raise ValueError(
            "greedy attend une seule distribution "
            f"(1 dimension), reçu la forme {z.shape}.")
    return int(np.argmax(z))


def sample(logits, temperature=1.0, top_k=None, top_p=None,
           rng=None) -> int:
    """Tire l'indice du token suivant.

    Dans l'ordre de ``transformers`` : température, puis
    top-k, puis top-p, puis softmax. Le tirage : un nombre u
    uniforme dans [0, 1[, et le token dont la tranche de
    probabilités cumulées contient u. ``rng`` : une graine
    (entier) ou un ``np.random.Generator``.
    """
    _check_temperature(temperature)
    z = _logits(logits)
    if z.ndim != 1:
        raise ValueError(
            "sample attend une seule distribution "
            f"(1 dimension), reçu la forme {z.shape}.")
    z = z / temperature
    if top_k is not None:
        z = top_k_filter(z, top_k)
    if top_p is not None:
        z = top_p_filter(z, top_p)
    cumulative = np.cumsum(softmax(z))
    rng = np.random.default_rng(rng)
    u = rng.random() * cumulative[-1]
    return int(np.searchsorted(cumulative, u, side="right"))


def _distribution(probs, atol: float = 1e-6) -> np.ndarray:
    """Des probabilités valides : positives, somme 1 par ligne."""
    q = np.asarray(probs, dtype=np.float64)
    if q.ndim == 0 or q.shape[-1] == 0:
        raise ValueError("Il faut au moins une probabilité.")
    if np.isnan(q).any() or (q < 0).any():
        raise ValueError(
            "Des probabilités sont négatives ou NaN : "
            "passez les logits par softmax d'abord.")
    total = q.sum(axis=-1)
    if not np.allclose(total, 1.0, rtol=0, atol=atol):
        worst = float(np.ravel(total)[
            np.argmax(np.abs(np.ravel(total) - 1))])
        raise ValueError(
            f"Les probabilités somment à {worst:.6g}, pas à 1 : "
            "ce sont peut-être des logits ; appliquez softmax.")
    return q


def cross_entropy(probs, target: int) -> float:
    """Entropie croisée -ln p[target], en nats.

    0 si le modèle donnait 1 au bon token, ln(V) s'il
    hésitait uniformément entre V tokens, +inf s'il lui
    donnait 0.
    """
    q = _distribution(probs)
    if q.ndim != 1:
        raise ValueError(
            "cross_entropy attend une seule distribution ;"
            " pour une séquence, utilisez perplexity.")
    if not 0 <= int(target) < q.shape[0]:
        raise ValueError(
            f"Token cible {target} hors du vocabulaire "
            f"(0 à {q.shape[0] - 1}).")
    with np.errstate(divide="ignore"):
        return float(-np.log(q[int(target)]))


def perplexity(probs_seq, targets) -> float:
    """exp(moyenne des entropies croisées) sur une séquence.

    Se lit comme un nombre de choix : un modèle de
    perplexité 20 est aussi surpris, en moyenne, que s'il
    hésitait uniformément entre 20 tokens.
    """
    q = _distribution(probs_seq)
    targets = np.asarray(targets).reshape(-1)
    if q.ndim != 2 or q.shape[0] != targets.shape[0]:
        raise ValueError(
            "Il faut une distribution par token cible : "
            f"forme {q.shape} pour {targets.shape[0]} "
            "cibles.")
    losses = [cross_entropy(row, t)
              for row, t in zip(q, targets)]
    return float(np.exp(np.mean(losses)))


# --- Un modèle de comptage : quel mot suit ? -------------------------------------------

#: Découpage en mots du modèle de comptage, en minuscules : « aujourd'hui » reste
#: entier ; une élision (« l' », « j' », « qu' »…) est un mot à part ; les mots à
#: trait d'union (« as-tu », « grand-mère ») restent entiers ; chaque signe de
#: ponctuation est un mot. (Le ``WordTokenizer`` de ``llmlab.tokenizers`` suit la même
#: idée ; cette regex locale garde ce module indépendant.)
WORD_PATTERN = re.compile(
    r"aujourd['’]hui|\w+['’]|\w+(?:-\w+)*|[^\w\s]")


def split_words(text: str) -> list[str]:
    """Les mots du texte, en minuscules ; l'apostrophe
    typographique devient « ' »."""
    return [w.replace("’", "'")
            for w in WORD_PATTERN.findall(text.lower())]


def join_words(words: list[str]) -> str:
    """Recolle des mots : pas d'espace après une élision
    ni avant « , . ) »."""
    text = " ".join(words)
    text = re.sub(r"' ", "'", text)
    return re.sub(r" ([,.)…])", r"\1", text)


class NGramModel:
    """Modèle de langage par comptage (n-grammes) : la
    probabilité du mot suivant est sa fréquence, dans le
    corpus, après les derniers mots du contexte.

    Il regarde au plus ``max_context`` mots (2 par défaut).
    Après « bonjour mon », il compte ce qui suit ces deux
    mots : P(cœur | bonjour, mon), un *trigramme* (trois
    mots en tout). Après « mon » seul, ce qui suit « mon » :
    P(cœur | mon), un *bigramme*. Avec ``max_context=1``,
    c'est un bigramme pour tout contexte.
    """

    def __init__(self, counts: dict, max_context: int = 2):
        self.counts = counts
        self.max_context = max_context
        self.vocab = sorted({w for c in counts.values()
                             for w in c})

    @classmethod
    def train(cls, text: str, max_context: int = 2
              ) -> NGramModel:
        """Compte, pour chaque suite de 1 à ``max_context``
        mots du texte, les mots qui la suivent."""
        if max_context < 1:
            raise ValueError(
                "max_context doit être >= 1 "
                f"(reçu {max_context}).")
        words = split_words(text)
        if len(words) < 2:
            raise ValueError(
                "Le texte doit contenir au moins deux mots.")
        counts: dict[tuple, Counter] = {}
        for i in range(1, len(words)):
            for n in range(1, max_context + 1):
                if i - n < 0:
                    break
                context = tuple(words[i - n:i])
                after = counts.setdefault(context, Counter())
                after[words[i]] += 1
        return cls(counts, max_context)

    def _followers(self, context) -> Counter:
        if isinstance(context, str):
            words = split_words(context)
        else:
            words = list(context)
        if not words:
            raise ValueError(
                "Le contexte est vide : donnez au moins un "
                "mot.")
        key = tuple(words[-self.max_context:])
        if key not in self.counts:
            raise ValueError(
                f"« {join_words(list(key))} » n'apparaît "
                "jamais dans le corpus : essayez un contexte "
                "plus court ou d'autres mots.")
        return self.counts[key]

    def next_distribution(self, context: str,
                          k: int | None = None):
        """Les mots suivants : colonnes « mot », « compte »,
        « probabilité », par compte décroissant (puis ordre
        alphabétique). ``k`` garde les k premières lignes ;
        les probabilités restent celles de tous les suivants.
        """
        import pandas as pd

        followers = self._followers(context)
        total = sum(followers.values())
        rows = sorted(followers.items(),
                      key=lambda item: (-item[1], item[0]))
        if k is not None:
            rows = rows[:k]
        return pd.DataFrame({
            "mot": [w for w, _ in rows],
            "compte": [c for _, c in rows],
            "probabilité": [c / total for _, c in rows],
        })

    def logits(self, context, smoothing: float = 0.0
               ) -> tuple[list[str], np.ndarray]:
        """``(mots, logits)`` : logits = ln(compte).

        softmax(logits) redonne les probabilités de
        next_distribution : le logarithme défait
        l'exponentielle, la somme normalise. Sans lissage,
        seuls les mots vus après le contexte sont listés ;
        avec ``smoothing`` = a > 0 (lissage de Laplace), tout
        le vocabulaire, avec le logit ln(compte + a).
        """
        if smoothing < 0:
            raise ValueError(
                "Le lissage doit être >= 0 "
                f"(reçu {smoothing}).")
        followers = self._followers(context)
        words = sorted(followers,
                       key=lambda w: (-followers[w], w))
        if smoothing > 0:
            words += [w for w in self.vocab
                      if w not in followers]
        counts = np.array(
            [followers.get(w, 0) for w in words], dtype=float)
        with np.errstate(divide="ignore"):
            return words, np.log(counts + smoothing)

    def generate(self, start: str, n_words: int = 12,
                 temperature: float = 1.0, top_k=None,
                 top_p=None, rng=None) -> str:
        """Prolonge ``start`` de ``n_words`` mots, chacun tiré
        par :func:`sample` après le contexte courant."""
        rng = np.random.default_rng(rng)
        words = split_words(start)
        for _ in range(n_words):
            candidates, z = self.logits(words)
            i = sample(z, temperature, top_k=top_k,
                       top_p=top_p, rng=rng)
            words.append(candidates[i])
        return join_words(words)


# --------------------------------------------------------------------------
# Les mêmes règles en torch, pour générer avec un modèle (GRU, GPT…)
# --------------------------------------------------------------------------

def check_sampling_options(temperature, top_k=None,
                           top_p=None) -> None:
    """Erreur en français si un réglage de tirage est hors
    de son domaine."""
    def bad_int(v):
        return isinstance(v, bool) or not isinstance(v, int)

    def bad_num(v):
        return isinstance(v, bool) or not isinstance(
            v, (int, float))

    if bad_num(temperature) or not temperature > 0:
        raise ValueError(
            "La température doit être un nombre > 0 (reçu "
            f"{temperature!r}) ; pour toujours prendre le "
            "plus probable, prenez l'argmax (glouton).")
    if top_k is not None and (bad_int(top_k) or top_k < 1):
        raise ValueError(
            f"top_k doit être un entier ≥ 1 (reçu {top_k!r})."
        )
    if top_p is not None and (bad_num(top_p)
                              or not 0 < top_p <= 1):
        raise ValueError(
            f"top_p doit être dans ]0, 1] (reçu {top_p!r}) : "
            "la masse de probabilité gardée, 0,9 par exemple."
        )


def next_token_probs(logits, temperature=1.0, top_k=None,
                     top_p=None):
    """Probabilités du token suivant (dernier axe), en torch.

    Les règles de `sample`, dans le même ordre (comme
    ``transformers``) : température, top-k, top-p, softmax ;
    en torch pour rester sur l'appareil du modèle.
    """
    import torch

    check_sampling_options(temperature, top_k, top_p)
    z = logits / temperature
    if top_k is not None and top_k < z.shape[-1]:
        kth = torch.topk(z, top_k, dim=-1).values[..., -1:]
        z = z.masked_fill(z < kth, float("-inf"))
    if top_p is not None:
        probs = torch.softmax(z, dim=-1)
        sorted_p, order = torch.sort(
            probs, dim=-1, descending=True, stable=True)
        before = sorted_p.cumsum(dim=-1) - sorted_p
        keep = torch.empty_like(before, dtype=torch.bool)
        keep.scatter_(-1, order, before < top_p)
        z = z.masked_fill(~keep, float("-inf"))
    return torch.softmax(z, dim=-1)


def generate_text(model, tokenizer, start, length, seed=0,
                  new_only=False, **options) -> str:
    """Ce qu'écrit ``model`` (GRU, GPT : tout modèle qui a
    ``generate``) après ``start`` : ``length`` tokens tirés
    avec la graine ``seed``.

    ``options`` va à ``model.generate`` (temperature,
    top_k…) ; ``new_only=True`` rend la suite seule.
    """
    import torch

    device = next(model.parameters()).device
    ids = tokenizer.encode(start)
    idx = torch.tensor([ids], dtype=torch.long, device=device)
    gen = torch.Generator(device=device).manual_seed(seed)
    out = model.generate(idx, length, generator=gen,
                         **options)
    new = out[0, len(ids):] if new_only else out[0]
    return tokenizer.decode(new.tolist())
