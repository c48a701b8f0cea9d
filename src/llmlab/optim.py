"""Les optimiseurs écrits à la main : SGD, moment, RMSprop, Adam, AdamW.

Un optimiseur transforme le gradient en pas. La descente de gradient
simple fait ``w ← w − lr·g`` ; les autres gardent une mémoire :

- le **moment** moyenne les gradients successifs : les oscillations
  d'un ravin s'annulent, la pente régulière s'accumule ;
- **RMSprop** divise par la racine d'une moyenne des ``g²`` : chaque
  poids a son propre pas, petit où la pente est raide ;
- **Adam** fait les deux, et corrige le départ à zéro des moyennes ;
- **AdamW** retire la décroissance des poids du gradient : elle
  rétrécit directement les poids (``w ← w − lr·λ·w``), au lieu de
  passer par la division d'Adam qui l'affaiblirait là où ``g²`` est
  grand.

Chaque classe suit les formules de ``torch.optim`` (mêmes
hyperparamètres, mêmes valeurs par défaut) : les tests vérifient qu'elle
fait les mêmes pas, pas après pas. Elles prennent une liste de
tenseurs torch dont ``.grad`` est rempli par ``backward()``.
"""

from __future__ import annotations

import torch

#: Les optimiseurs du cours, dans l'ordre des diapositives.
OPTIMIZERS = ("SGD", "Moment", "RMSprop", "Adam", "AdamW")


class Optimizer:
    """Ce que partagent les optimiseurs : les paramètres et le taux."""

    def __init__(self, params, lr: float):
        self.params = list(params)
        if not self.params:
            raise ValueError("L'optimiseur n'a reçu aucun paramètre.")
        if not lr > 0:
            raise ValueError(f"Le taux d'apprentissage doit être > 0 (reçu : {lr!r}).")
        self.lr = lr
        self.t = 0  # pas déjà faits

    def zero_grad(self):
        for p in self.params:
            p.grad = None

    @torch.no_grad()
    def step(self):
        self.t += 1
        for i, p in enumerate(self.params):
            if p.grad is not None:
                self.update(i, p, p.grad)

    def update(self, i, p, g):
        raise NotImplementedError


class SGD(Optimizer):
    """Descente de gradient : w ← w − lr·g."""

    def update(self, i, p, g):
        p -= self.lr * g


class Momentum(Optimizer):
    """SGD avec moment : v ← μ·v + g, puis w ← w − lr·v.

    ``v`` part du premier gradient (comme torch)."""

    def __init__(self, params, lr, momentum=0.9):
        super().__init__(params, lr)
        self.mu = momentum
        self.v = [None] * len(self.params)

    def update(self, i, p, g):
        if self.v[i] is None:
            self.v[i] = g.clone()
        else:
            self.v[i] = self.mu * self.v[i] + g
        p -= self.lr * self.v[i]


class RMSprop(Optimizer):
    """s ← α·s + (1−α)·g², puis w ← w − lr·g / (√s + ε)."""

    def __init__(self, params, lr=0.01, alpha=0.99, eps=1e-8):
        super().__init__(params, lr)
        self.alpha, self.eps = alpha, eps
        self.s = [torch.zeros_like(p) for p in self.params]

    def update(self, i, p, g):
        a = self.alpha
        self.s[i] = a * self.s[i] + (1 - a) * g * g
        p -= self.lr * g / (self.s[i].sqrt() + self.eps)


class Adam(Optimizer):
    """Moment (m) et RMSprop (v), corrigés du départ à zéro.

    ``weight_decay`` ajoute λ·w au gradient (L2 « couplé ») :
    il passe alors par la division par √v̂.
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0):
        super().__init__(params, lr)
        self.b1, self.b2 = betas
        self.eps, self.wd = eps, weight_decay
        self.m = [torch.zeros_like(p) for p in self.params]
        self.v = [torch.zeros_like(p) for p in self.params]

    def decay(self, p, g):
        """L2 couplé : λ·w s'ajoute au gradient."""
        return g + self.wd * p if self.wd else g

    # fmt: off
    def update(self, i, p, g):
        g = self.decay(p, g)
        b1, b2, t = self.b1, self.b2, self.t
        self.m[i] = b1 * self.m[i] + (1 - b1) * g
        self.v[i] = b2 * self.v[i] + (1 - b2) * g * g
        m_hat = self.m[i] / (1 - b1 ** t)   # correction du biais
        v_hat = self.v[i] / (1 - b2 ** t)
        p -= self.lr * m_hat / (v_hat.sqrt() + self.eps)
    # fmt: on


class AdamW(Adam):
    """Adam, et la décroissance des poids découplée :
    w ← w − lr·λ·w, hors du gradient (défaut de torch : λ = 0,01)."""

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.01):
        super().__init__(params, lr, betas, eps, weight_decay)

    # fmt: off
    def decay(self, p, g):
        p *= 1 - self.lr * self.wd     # les poids rétrécissent
        return g                       # le gradient reste intact
    # fmt: on


def make_optimizer(name: str, params, lr: float, **kwargs) -> Optimizer:
    """Un optimiseur choisi par son nom (``OPTIMIZERS``).

    ``make_optimizer("Adam", params, 1e-3)`` équivaut à ``Adam(params, 1e-3)``."""
    classes = {"SGD": SGD, "Moment": Momentum, "RMSprop": RMSprop, "Adam": Adam, "AdamW": AdamW}
    if name not in classes:
        raise ValueError(f"Optimiseur inconnu : « {name} » ; possibles : {', '.join(OPTIMIZERS)}.")
    return classes[name](params, lr, **kwargs)


# --------------------------------------------------------------------------
# Surfaces de perte à deux poids, pour voir les trajectoires
# --------------------------------------------------------------------------


def rosenbrock(w):
    """La vallée de Rosenbrock : un creux en banane, minimum
    0 en (1, 1). Facile à trouver, lent à parcourir."""
    x, y = w[..., 0], w[..., 1]
    return (1 - x) ** 2 + 100 * (y - x**2) ** 2


def ravine(w):
    """Un ravin : une parabole 50 fois plus raide en y qu'en x,
    minimum 0 en (0, 0)."""
    x, y = w[..., 0], w[..., 1]
    return 0.5 * x**2 + 25 * y**2


SURFACES = {"rosenbrock": rosenbrock, "ravin": ravine}


def trajectory(name: str, surface, start, lr: float, steps: int, **kwargs):
    """Les positions ``(steps + 1, 2)`` et les pertes ``(steps + 1,)``
    de l'optimiseur ``name`` parti de ``start`` sur ``surface``."""
    w = torch.tensor(start, dtype=torch.float64, requires_grad=True)
    opt = make_optimizer(name, [w], lr, **kwargs)
    points, losses = [], []
    for t in range(steps + 1):
        loss = surface(w)
        points.append(w.detach().clone())
        losses.append(float(loss.detach()))
        if t < steps:
            opt.zero_grad()
            loss.backward()
            opt.step()
    return torch.stack(points).numpy(), losses


def plot_trajectories(runs: dict, surface, ax=None, xlim=(-2, 2), ylim=(-1, 3)):
    """Lignes de niveau de ``surface`` et une trajectoire par run
    (``{nom: positions}``, les positions de `trajectory`)."""
    import matplotlib.pyplot as plt
    import numpy as np

    from llmlab import style
    from llmlab.display import french_ticks

    style.use()
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 4.5), layout="constrained")
    xs = np.linspace(*xlim, 300)
    ys = np.linspace(*ylim, 300)
    grid = np.stack(np.meshgrid(xs, ys), axis=-1)
    z = np.log1p(surface(grid))  # échelle log : le creux se voit
    ax.contour(xs, ys, z, levels=14, colors="#bbbbbb", linewidths=0.7)
    markers = "os^Dv"
    for k, (label, pts) in enumerate(runs.items()):
        ax.plot(
            pts[:, 0],
            pts[:, 1],
            marker=markers[k % 5],
            markevery=max(1, len(pts) // 12),
            markersize=4,
            linewidth=1.4,
            label=label,
        )
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    ax.set_xlabel("poids 1")
    ax.set_ylabel("poids 2")
    ax.legend(fontsize="small")
    french_ticks(ax)
    return ax


def adam_step_by_hand(w, g, m, v, t, lr=1e-3, b1=0.9, b2=0.999, eps=1e-8):
    """Un pas d'Adam sur des nombres ou des tableaux : ``(w, m, v)``
    après le pas ``t`` (compté à partir de 1). Les formules
    d'`Adam.update`."""
    m = b1 * m + (1 - b1) * g
    v = b2 * v + (1 - b2) * g * g
    m_hat = m / (1 - b1**t)
    v_hat = v / (1 - b2**t)
    return w - lr * m_hat / (v_hat**0.5 + eps), m, v
