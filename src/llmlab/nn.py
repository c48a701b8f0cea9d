"""Réseau de neurones en NumPy, avec une rétropropagation écrite à la main.

Leçon 1 : un neurone, une couche dense, un réseau à plusieurs couches (MLP).
Tout est calculé avec NumPy pour voir ce que Keras et PyTorch font en coulisse ;
les tests comparent chaque gradient à celui de PyTorch (autograd) et l'entraînement
sur Boston Housing à celui de Keras.

Convention : un lot de données ``x`` a la forme (batch, n_in), une ligne par exemple.
"""

import math
from typing import NamedTuple

import numpy as np

from llmlab.display import progress_bar

# ---------------------------------------------------------------------------
# Activations : h(z) et sa dérivée h'(z), élément par élément
# ---------------------------------------------------------------------------


def identity(z):
    """Pas d'activation : le neurone reste linéaire (régression)."""
    return z


def identity_grad(z):
    return np.ones_like(z)


def sigmoid(z):
    """1 / (1 + e^-z), écrite avec tanh (formule égale) pour ne jamais calculer e^1000."""
    return 0.5 * (1.0 + np.tanh(0.5 * z))


def sigmoid_grad(z):
    s = sigmoid(z)
    return s * (1.0 - s)


def tanh(z):
    """Comme la sigmoïde, mais centrée en 0 : sorties entre -1 et 1."""
    return np.tanh(z)


def tanh_grad(z):
    return 1.0 - np.tanh(z) ** 2


def relu(z):
    """max(0, z) : laisse passer le positif, coupe le négatif. Simple et rapide."""
    return np.maximum(z, 0.0)


def relu_grad(z):
    """1 si z > 0, sinon 0 (en z = 0 on choisit 0, comme PyTorch)."""
    return (z > 0).astype(float)


_erf = np.vectorize(math.erf, otypes=[float])  # math.erf, appliquée à chaque nombre


def _normal_cdf(z):
    """Φ(z) : probabilité qu'une variable normale centrée réduite soit ≤ z."""
    return 0.5 * (1.0 + _erf(z / math.sqrt(2.0)))


def gelu(z):
    """GELU exacte : z·Φ(z). Une ReLU « adoucie », utilisée dans les Transformers.

    Même calcul que ``torch.nn.functional.gelu(z)`` (``approximate='none'``).
    """
    return z * _normal_cdf(z)


def gelu_grad(z):
    """(z·Φ(z))' = Φ(z) + z·φ(z), où φ est la densité de la loi normale."""
    density = np.exp(-0.5 * z**2) / math.sqrt(2.0 * math.pi)
    return _normal_cdf(z) + z * density


def gelu_tanh(z):
    """GELU approchée avec tanh, la version de GPT-2 (plus rapide que erf à l'époque).

    Même calcul que ``torch.nn.functional.gelu(z, approximate='tanh')``.
    """
    u = math.sqrt(2.0 / math.pi) * (z + 0.044715 * z**3)
    return 0.5 * z * (1.0 + np.tanh(u))


def gelu_tanh_grad(z):
    c = math.sqrt(2.0 / math.pi)
    t = np.tanh(c * (z + 0.044715 * z**3))
    return 0.5 * (1.0 + t) + 0.5 * z * (1.0 - t**2) * c * (1.0 + 3 * 0.044715 * z**2)


#: Nom -> (h, h'). Les couches choisissent leur activation par son nom.
ACTIVATIONS = {
    "identity": (identity, identity_grad),
    "sigmoid": (sigmoid, sigmoid_grad),
    "tanh": (tanh, tanh_grad),
    "relu": (relu, relu_grad),
    "gelu": (gelu, gelu_grad),
    "gelu_tanh": (gelu_tanh, gelu_tanh_grad),
}

#: Nom -> étiquette française, pour les légendes des figures (le nom reste l'identifiant).
ACTIVATION_LABELS = {
    "identity": "identité",
    "sigmoid": "sigmoïde",
    "tanh": "tanh",
    "relu": "ReLU",
    "gelu": "GELU",
    "gelu_tanh": "GELU (approx. tanh)",
}


def get_activation(name):
    """(h, h') pour un nom d'activation, avec un message clair si le nom est inconnu."""
    if name not in ACTIVATIONS:
        raise ValueError(f"Activation inconnue : {name!r}. Choix : {', '.join(ACTIVATIONS)}.")
    return ACTIVATIONS[name]


# ---------------------------------------------------------------------------
# Fonctions de coût (pertes) et leur gradient par rapport à la sortie du réseau
# ---------------------------------------------------------------------------


def mse(y_pred, y):
    """Erreur quadratique moyenne : moyenne de (ŷ - y)² sur toutes les valeurs.

    y est remis à la forme de ŷ : sinon (N, 1) - (N,) donnerait un tableau (N, N).
    """
    y = np.reshape(y, np.shape(y_pred))
    return float(np.mean((y_pred - y) ** 2))


def mse_grad(y_pred, y):
    """dL/dŷ = 2(ŷ - y) / N, où N est le nombre de valeurs (la moyenne divise par N)."""
    y = np.reshape(y, np.shape(y_pred))
    return 2.0 * (y_pred - y) / y.size


def softmax(logits):
    """Scores (logits) -> probabilités qui somment à 1 sur chaque ligne.

    On retire d'abord le maximum de la ligne : le résultat ne change pas
    (e^-max se simplifie en haut et en bas) et e^z ne peut plus déborder.
    """
    e = np.exp(logits - logits.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def cross_entropy(logits, targets):
    """Entropie croisée moyenne : -log(probabilité donnée à la bonne classe).

    logits : (N, C) scores bruts ; targets : (N,) numéros des bonnes classes.
    Le log des probabilités est calculé directement (log-sum-exp), sans log(0).
    """
    z = logits - logits.max(axis=1, keepdims=True)
    log_probs = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    return float(-log_probs[np.arange(len(targets)), targets].mean())


def cross_entropy_grad(logits, targets):
    """dL/dlogits = (softmax - onehot) / N : probabilités prédites moins les vraies."""
    grad = softmax(logits)
    grad[np.arange(len(targets)), targets] -= 1.0
    return grad / len(targets)


#: Nom -> (L, dL/dŷ), pour ``MLP.fit``.
LOSSES = {
    "mse": (mse, mse_grad),
    "cross_entropy": (cross_entropy, cross_entropy_grad),
}

# ---------------------------------------------------------------------------
# Un neurone, une couche, un réseau
# ---------------------------------------------------------------------------


class Neuron:
    """Un neurone : y = h(w₁·x₁ + w₂·x₂ + … + wₙ·xₙ + b).

    Le biais b est un poids de plus, branché sur une entrée qui vaut toujours 1 :
    c'est pourquoi le cours peut l'omettre et écrire simplement h(θ·X).
    """

    def __init__(self, w, b=0.0, activation="identity"):
        self.w = np.asarray(w, dtype=float)
        self.b = float(b)
        self.h, _ = get_activation(activation)

    def forward(self, x):
        """x : une entrée (n,) ou un lot (batch, n) ; somme pondérée puis activation."""
        return self.h(np.asarray(x, dtype=float) @ self.w + self.b)


def init_weights(n_in, n_out, activation, rng):
    """Poids de départ tirés au hasard, ni trop grands ni trop petits.

    But : que les signaux gardent à peu près la même taille d'une couche à l'autre.

    - He (ReLU, GELU) : écart type √(2 / n_in) ; le 2 compense la moitié des
      valeurs que ReLU met à zéro.
    - Xavier/Glorot (identité, sigmoïde, tanh) : écart type √(2 / (n_in + n_out)),
      un compromis entre le passage avant et le passage arrière.
    """
    if activation in ("relu", "gelu", "gelu_tanh"):
        std = math.sqrt(2.0 / n_in)
    else:
        std = math.sqrt(2.0 / (n_in + n_out))
    return rng.normal(0.0, std, size=(n_in, n_out))


class Dense:
    """Couche dense : n_out neurones, chacun relié aux n_in entrées.

    y = h(x @ W + b), avec x (batch, n_in), W (n_in, n_out), b (n_out,).
    Le cours écrit f_θ(X) = h(θ·Xᵀ) avec θ de forme (n_out, n_in), une ligne par
    neurone. Ici W = θᵀ, donc x @ W = (θ·xᵀ)ᵀ : mêmes nombres, mais une ligne par
    exemple, ce qui traite un lot entier d'un coup. Keras range ses poids ainsi.
    """

    def __init__(self, n_in, n_out, activation="identity", seed=None):
        rng = np.random.default_rng(seed)  # un entier, ou un générateur déjà créé
        self.activation = activation
        self.h, self.h_grad = get_activation(activation)
        self.W = init_weights(n_in, n_out, activation, rng)
        self.b = np.zeros(n_out)
        self.dW = np.zeros_like(self.W)
        self.db = np.zeros_like(self.b)

    def forward(self, x):
        """Calcule la sortie et garde x et z = x @ W + b : le backward en a besoin."""
        self.x = x
        self.z = x @ self.W + self.b
        return self.h(self.z)

    # fmt: off
    def backward(self, grad_y):
        """Reçoit dL/dy, remplit dW et db, renvoie dL/dx.

        Règle de chaîne, en deux pas :

            y = h(z) :      dL/dz = dL/dy · h'(z)  (terme à terme)
            z = x @ W + b : dL/dW = xᵀ @ dL/dz
                            dL/db = Σ_lot dL/dz
                            dL/dx = dL/dz @ Wᵀ
        """
        grad_z = grad_y * self.h_grad(self.z)
        self.dW = self.x.T @ grad_z
        self.db = grad_z.sum(axis=0)
        return grad_z @ self.W.T
    # fmt: on


class MLP:
    """Réseau de couches denses empilées (perceptron multicouche).

    MLP([13, 16, 1], ["relu", "identity"]) : 13 entrées -> 16 neurones cachés
    (ReLU) -> 1 sortie linéaire. Avec trois couches, le réseau est la composée
    f_θ = L³ ∘ L² ∘ L¹ : L¹ (poids θ¹) s'applique en premier, L³ (poids θ³) en dernier.
    """

    def __init__(self, sizes, activations, seed=None):
        if isinstance(activations, str):
            activations = [activations] * (len(sizes) - 1)
        if len(activations) != len(sizes) - 1:
            raise ValueError(f"{len(sizes) - 1} couche(s) mais {len(activations)} activation(s)")
        rng = np.random.default_rng(seed)
        self.layers = [
            Dense(n_in, n_out, act, rng)
            for n_in, n_out, act in zip(sizes[:-1], sizes[1:], activations)
        ]

    def forward(self, x):
        """Passage avant : la sortie d'une couche est l'entrée de la suivante."""
        for layer in self.layers:
            x = layer.forward(x)
        return x

    __call__ = forward

    # fmt: off
    def backward(self, grad):
        """Passage arrière : de la dernière couche à la première.

        La règle de chaîne, avec a¹ = L¹(x), a² = L²(a¹) et
        y = L³(a²) :

            dL/dθ¹ = dL/dy · ∂y/∂a² · ∂a²/∂a¹ · ∂a¹/∂θ¹.

        Chaque couche multiplie le gradient reçu par sa propre
        dérivée et passe le résultat à la couche précédente.
        """
        for layer in reversed(self.layers):
            grad = layer.backward(grad)
        return grad
    # fmt: on

    def parameters(self):
        """[W¹, b¹, W², b², …] : les tableaux eux-mêmes (modifiés sur place)."""
        return [p for layer in self.layers for p in (layer.W, layer.b)]

    def gradients(self):
        """[dW¹, db¹, dW², db², …], dans le même ordre que ``parameters``."""
        return [g for layer in self.layers for g in (layer.dW, layer.db)]

    def n_params(self):
        """Nombre de paramètres : pour chaque couche n_in·n_out poids + n_out biais."""
        return sum(p.size for p in self.parameters())

    # fmt: off
    def step(self, lr):
        """Un pas de descente de gradient : θ <- θ - lr·∇θL."""
        for p, g in zip(self.parameters(), self.gradients()):
            p -= lr * g  # sur place : le tableau du réseau change
    # fmt: on

    def fit(self, X, y, epochs=100, lr=0.01, batch_size=None, loss="mse", seed=0, progress=False):
        """Entraîne par descente de gradient ; renvoie la perte de chaque epoch.

        batch_size=None : un pas par epoch sur tout le jeu (plein lot, comme au cours).
        Sinon des mini-lots, mélangés à chaque epoch. La perte d'une epoch est la
        moyenne des pertes mesurées avant chaque pas, comme l'historique de Keras.
        """
        loss_fn, loss_grad = LOSSES[loss]
        X, y = np.asarray(X, dtype=float), np.asarray(y)
        n = len(X)
        batch_size = batch_size or n
        rng = np.random.default_rng(seed)
        history = []
        for _ in progress_bar(
            range(epochs), desc="Entraînement", unit="epochs", disable=not progress
        ):
            order = rng.permutation(n) if batch_size < n else np.arange(n)
            total = 0.0
            for start in range(0, n, batch_size):
                idx = order[start : start + batch_size]
                y_pred = self.forward(X[idx])
                total += loss_fn(y_pred, y[idx]) * len(idx)
                self.backward(loss_grad(y_pred, y[idx]))
                self.step(lr)
            history.append(total / n)
        return history


# ---------------------------------------------------------------------------
# Vérification des gradients par différences finies
# ---------------------------------------------------------------------------


def numerical_gradient(f, params, eps=1e-6):
    """Gradient de f() par différences finies centrées : (f(θ+ε) - f(θ-ε)) / 2ε.

    f ne prend pas d'argument : elle relit les tableaux ``params``, que l'on
    modifie sur place, un nombre à la fois. Lent (deux appels par paramètre),
    mais sans aucune dérivée écrite à la main : c'est l'arbitre du backward.
    """
    grads = []
    for p in params:
        g = np.zeros_like(p)
        for i in np.ndindex(p.shape):
            old = p[i]
            p[i] = old + eps
            f_plus = f()
            p[i] = old - eps
            f_minus = f()
            p[i] = old
            g[i] = (f_plus - f_minus) / (2 * eps)
        grads.append(g)
    return grads


def relative_error(a, b):
    """‖a - b‖ / (‖a‖ + ‖b‖) : 1e-8 ou moins = d'accord ; proche de 1 = rien à voir."""
    scale = np.linalg.norm(a) + np.linalg.norm(b)
    return 0.0 if scale == 0 else float(np.linalg.norm(a - b) / scale)


def gradient_check(f, params, grads, eps=1e-6):
    """Plus grande erreur relative entre les gradients ``grads`` (rétropropagation)
    et ceux des différences finies. En float64, un backward juste donne ~1e-8 ou moins."""
    numeric = numerical_gradient(f, params, eps)
    return max(relative_error(g, n) for g, n in zip(grads, numeric))


# ---------------------------------------------------------------------------
# Boston Housing : la même régression en NumPy et en Keras
# ---------------------------------------------------------------------------


class TrainResult(NamedTuple):
    model: object  # le réseau entraîné (MLP NumPy ou modèle Keras)
    history: list  # perte (MSE du train) à chaque epoch
    test_mse: float  # MSE sur le jeu de test, en (k$)²


def boston_data(data=None):
    """Boston Housing, entrées normalisées avec la moyenne et l'écart type du train.

    Le test est normalisé avec les chiffres du train : il doit rester « jamais vu ».
    Les prix restent en milliers de dollars, pour lire la MSE en (k$)².
    ``data`` permet de passer d'autres données de la même forme.
    """
    if data is None:
        from llmlab.data import load_boston_housing

        data = load_boston_housing()
    (x_train, y_train), (x_test, y_test) = data
    mean, std = x_train.mean(axis=0), x_train.std(axis=0)
    return ((x_train - mean) / std, y_train), ((x_test - mean) / std, y_test)


def boston_mlp(n_in=13, hidden=None, seed=0):
    """Le réseau de Boston Housing : sans couche cachée, ou avec ``hidden`` neurones ReLU.

    hidden=None : une couche, un seul neurone linéaire (la régression linéaire).
    hidden=16 : deux couches, 16 neurones cachés (ReLU) puis un neurone linéaire."""
    if hidden is None:
        return MLP([n_in, 1], ["identity"], seed)
    return MLP([n_in, hidden, 1], ["relu", "identity"], seed)


def train_boston_numpy(hidden=None, epochs=500, lr=0.01, seed=0, data=None):
    """Entraîne notre MLP NumPy en plein lot ; renvoie modèle, historique, MSE test.

    Les prix n'étant pas normalisés, la perte de départ vaut ~570 (k$)² :
    un pas plus grand que lr ≈ 0,01 peut faire diverger le réseau à deux couches.
    """
    (x_train, y_train), (x_test, y_test) = boston_data(data)
    model = boston_mlp(x_train.shape[1], hidden, seed)
    history = model.fit(x_train, y_train, epochs=epochs, lr=lr)
    return TrainResult(model, history, mse(model.forward(x_test), y_test))


#: Nos noms d'activation -> ceux de Keras.
KERAS_ACTIVATIONS = {"identity": "linear", "sigmoid": "sigmoid", "tanh": "tanh", "relu": "relu"}


def to_keras(mlp):
    """Le même réseau en Keras (``keras.Input`` + ``Dense``), avec les mêmes poids.

    Keras range aussi W en (n_in, n_out) : ``set_weights`` copie nos tableaux tels quels.
    """
    import keras  # llmlab a déjà choisi le backend torch

    layers = [keras.Input(shape=(mlp.layers[0].W.shape[0],))]
    for layer in mlp.layers:
        act = KERAS_ACTIVATIONS[layer.activation]
        layers.append(keras.layers.Dense(layer.W.shape[1], activation=act))
    model = keras.Sequential(layers)
    model.set_weights([p.astype("float32") for p in mlp.parameters()])
    return model


def train_boston_keras(hidden=None, epochs=500, lr=0.01, seed=0, data=None):
    """Le même entraînement en Keras : mêmes données, mêmes poids de départ,
    même SGD plein lot. Les pertes doivent coïncider avec ``train_boston_numpy``."""
    import keras

    (x_train, y_train), (x_test, y_test) = boston_data(data)
    model = to_keras(boston_mlp(x_train.shape[1], hidden, seed))
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=lr), loss="mse")
    fit = model.fit(
        x_train, y_train, epochs=epochs, batch_size=len(x_train), shuffle=False, verbose=0
    )
    test_mse = model.evaluate(x_test, y_test, batch_size=len(x_test), verbose=0)
    return TrainResult(model, fit.history["loss"], float(test_mse))


# ---------------------------------------------------------------------------
# La taille des vrais modèles
# ---------------------------------------------------------------------------


class ModelSize(NamedTuple):
    name: str
    n_layers: int  # nombre de blocs Transformer empilés
    d_model: int  # dimension cachée : taille du vecteur qui passe de couche en couche
    n_params: int  # nombre total de paramètres


#: Tailles de quelques LLM. Les nombres de paramètres se recomptent à partir
#: de l'architecture publiée (voir tests/test_nn.py), sauf GPT-3 : 175 milliards
#: est le chiffre arrondi de l'article (Brown et al., 2020).
#: GPT-2 : 124 M suppose que la tête de sortie partage les poids de l'embedding.
MODEL_SIZES = [
    ModelSize("GPT-2 small", 12, 768, 124_439_808),
    ModelSize("GPT-2 large", 36, 1280, 774_030_080),
    ModelSize("GPT-3", 96, 12288, 175_000_000_000),
    ModelSize("LLaMA 3 8B", 32, 4096, 8_030_261_248),
    ModelSize("LLaMA 3 70B", 80, 8192, 70_553_706_496),
]


# ---------------------------------------------------------------------------
# Dessiner un réseau dense : une colonne par couche, toutes les connexions
# ---------------------------------------------------------------------------


def layer_labels(sizes):
    """Les étiquettes des colonnes : « entrées x », « couche 1 »…, la dernière couche
    donnant les sorties ŷ."""
    n = len(sizes) - 1
    if n == 1:
        return ["entrées x", "couche dense\nsorties ŷ"]
    return ["entrées x", *(f"couche {i}" for i in range(1, n)), f"couche {n}\nsorties ŷ"]


def plot_network(sizes, ax=None, labels=None):
    """Dessine un réseau dense à partir de la taille de ses couches.

    ``sizes`` : le nombre de valeurs de chaque couche, entrées d'abord (``[4, 5, 3, 4]`` :
    4 entrées, puis des couches de 5, 3 et 4 neurones, les 4 derniers donnant ŷ). Chaque
    neurone est un disque foncé (un calcul), chaque entrée un disque clair (une donnée), et
    chaque poids un trait : entre deux couches de n et m valeurs, n × m traits. Renvoie
    l'``Axes``. Mermaid ne sait pas disposer tant de croisements : d'où ce dessin.
    """
    import matplotlib.pyplot as plt

    from llmlab.style import read_palette

    if len(sizes) < 2 or min(sizes) < 1:
        raise ValueError(f"il faut au moins deux couches d'au moins un neurone, pas {list(sizes)}")
    colors = read_palette()
    if ax is None:
        _, ax = plt.subplots(figsize=(10, 3.6))
    gap, radius = 3.0, 0.3
    columns = [[(k * gap, (n - 1) / 2 - i) for i in range(n)] for k, n in enumerate(sizes)]
    for left, right in zip(columns, columns[1:]):
        for x0, y0 in left:
            for x1, y1 in right:
                ax.plot([x0, x1], [y0, y1], color=colors["rule"], linewidth=0.8, zorder=1)
    last = len(sizes) - 1
    for k, column in enumerate(columns):
        for i, (cx, cy) in enumerate(column, start=1):
            text = f"x{_subscript(i)}" if k == 0 else f"ŷ{_subscript(i)}" if k == last else "h"
            ax.add_patch(
                plt.Circle(
                    (cx, cy),
                    radius,
                    zorder=2,
                    facecolor=colors["sheet"] if k == 0 else colors["ink"],
                    edgecolor=colors["rule"] if k == 0 else colors["ink"],
                )
            )
            ax.text(
                cx,
                cy,
                text,
                ha="center",
                va="center",
                zorder=3,
                fontsize=12,
                color=colors["ink"] if k == 0 else colors["paper"],
            )
        ax.text(
            k * gap,
            -(max(sizes) - 1) / 2 - 0.7,
            (labels or layer_labels(sizes))[k],
            ha="center",
            va="top",
            color=colors["muted"],
            fontsize=13,
        )
    half = (max(sizes) - 1) / 2
    ax.set_xlim(-gap / 2, last * gap + gap / 2)
    ax.set_ylim(-half - 1.4, half + 0.5)
    ax.set_aspect("equal")
    ax.axis("off")
    return ax


def _subscript(n):
    return str(n).translate(str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉"))
