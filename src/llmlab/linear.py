"""Leçon 1 : la régression linéaire, de la formule exacte au neurone Keras.

On ajuste une droite (ou un hyperplan) de trois façons qui doivent donner le même résultat :
la forme close des moindres carrés, une descente de gradient écrite à la main en NumPy, et un
neurone Keras entraîné par SGD. Comparer les trois montre ce que fait un « entraînement ».
"""

from dataclasses import dataclass

import numpy as np

from llmlab.data import load_boston_housing

# Données jouet : taille (cm) d'un enfant selon son âge (mois), droite vraie + bruit.
TRUE_SLOPE = 2.5
TRUE_INTERCEPT = 40


def child_height_data(n=7, seed=42):
    """Renvoie (âges en mois, tailles en cm) : n mesures entre 0 et 36 mois.

    Le bruit gaussien (écart type 5 cm) imite des mesures réelles ; la graine fixe le tirage
    pour que tout le monde obtienne les mêmes points que dans les diapositives.
    """
    rng = np.random.default_rng(seed)
    x = np.linspace(0, 36, n)
    y = TRUE_SLOPE * x + TRUE_INTERCEPT + rng.normal(0, 5, n)
    return x, y


# --- Forme close -----------------------------------------------------------------------------


# fmt: off
def least_squares(x, y):
    """Pente et ordonnée à l'origine qui minimisent la MSE,
    pour une seule variable.

    En annulant les dérivées de la MSE, on trouve :
    pente = cov(x, y) / var(x), et la droite passe par le
    point moyen (x̄, ȳ).
    """
    x_mean, y_mean = np.mean(x), np.mean(y)
    cov = np.mean((x - x_mean) * (y - y_mean))
    var = np.mean((x - x_mean) ** 2)
    slope = cov / var
    intercept = y_mean - slope * x_mean
    return slope, intercept
# fmt: on


def least_squares_multi(X, y):
    """Poids et biais des moindres carrés pour plusieurs variables (une colonne par variable).

    On ajoute une colonne de 1 pour le biais, puis on résout les équations normales
    AᵀA·θ = Aᵀy (le gradient de la MSE y vaut zéro). On résout le système plutôt que d'inverser
    AᵀA : c'est plus précis et plus rapide. Cette formule est celle du cours ; elle suffit
    pour 13 variables normalisées, mais `np.linalg.lstsq` (décomposition SVD) reste plus
    stable quand les colonnes sont presque dépendantes.
    """
    A = np.column_stack([X, np.ones(len(X))])
    theta = np.linalg.solve(A.T @ A, A.T @ y)
    return theta[:-1], theta[-1]


def mse(y_true, y_pred):
    """Erreur quadratique moyenne : pénalise fortement les grosses erreurs."""
    return np.mean((np.asarray(y_true) - np.asarray(y_pred)) ** 2)


def mae(y_true, y_pred):
    """Erreur absolue moyenne : dans l'unité de y (des milliers de dollars), plus facile à lire."""
    return np.mean(np.abs(np.asarray(y_true) - np.asarray(y_pred)))


# --- Normalisation ---------------------------------------------------------------------------


def normalize(v):
    """Centre et réduit v (colonne par colonne) ; renvoie (v_n, moyenne, écart type).

    Des données de moyenne 0 et d'écart type 1 rendent la descente de gradient rapide et
    stable ; on garde moyenne et écart type pour revenir aux unités d'origine.
    """
    v = np.asarray(v, dtype=float)
    mean, std = v.mean(axis=0), v.std(axis=0)
    return (v - mean) / std, mean, std


def denormalize_line(w_n, b_n, x_mean, x_std, y_mean, y_std):
    """Traduit la droite y_n = w_n·x_n + b_n en y = a·x + b dans les unités d'origine.

    On remplace x_n = (x - x̄)/σx et y_n = (y - ȳ)/σy puis on isole y.
    """
    a = w_n * y_std / x_std
    b = b_n * y_std + y_mean - a * x_mean
    return a, b


# --- Descente de gradient en NumPy -----------------------------------------------------------


def mse_gradient(x, y, w, b):
    """Gradient de la MSE de la droite w·x + b, calculé à la main.

    MSE = moyenne((w·x + b - y)²), donc dMSE/dw = 2·moyenne(erreur·x)
    et dMSE/db = 2·moyenne(erreur).
    """
    error = w * x + b - y
    return 2 * np.mean(error * x), 2 * np.mean(error)


@dataclass
class History:
    """Trajectoire d'un entraînement ; l'indice 0 est l'état initial, l'indice k après k pas."""

    loss: np.ndarray
    slope: np.ndarray
    intercept: np.ndarray


def gradient_descent(x, y, lr=0.01, epochs=200, w0=0.0, b0=0.0):
    """Descente de gradient sur tout le jeu de données (un pas par epoch).

    À chaque pas on recule dans la direction du gradient, d'autant plus que le taux
    d'apprentissage lr est grand : trop petit, c'est lent ; trop grand, ça diverge.
    """
    w, b = float(w0), float(b0)
    loss, slope, intercept = [mse(y, w * x + b)], [w], [b]
    for _ in range(epochs):
        dw, db = mse_gradient(x, y, w, b)
        w, b = w - lr * dw, b - lr * db
        loss.append(mse(y, w * x + b))
        slope.append(w)
        intercept.append(b)
    return History(np.array(loss), np.array(slope), np.array(intercept))


# --- Le même neurone avec Keras --------------------------------------------------------------


def make_one_neuron(learning_rate=0.01, seed=42):
    """Un neurone sans activation (ŷ = w·x + b), entraîné par SGD sur la MSE.

    Keras tire le poids initial au hasard ; la graine rend ce tirage reproductible.
    Avec 7 points et le batch_size par défaut (32), une epoch fait un seul pas sur tout
    le jeu de données : c'est exactement `gradient_descent`.
    """
    import keras  # à la demande : Keras et torch mettent une dizaine de secondes à se charger

    if seed is not None:
        keras.utils.set_random_seed(seed)
    # keras.Input remplace l'ancien Dense(1, input_shape=(1,)), déconseillé dans Keras 3.
    model = keras.Sequential([keras.Input(shape=(1,)), keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=learning_rate), loss="mse")
    return model


def normalized_child_height():
    """Données jouet normalisées en colonnes pour Keras, et les statistiques pour revenir."""
    x, y = child_height_data()
    x_n, x_mean, x_std = normalize(x)
    y_n, y_mean, y_std = normalize(y)
    return x_n.reshape(-1, 1), y_n.reshape(-1, 1), (x_mean, x_std, y_mean, y_std)


def neuron_line(model, stats):
    """Lit (w, b) du neurone et les ramène en (a, b) en mois et centimètres."""
    w_n, b_n = model.layers[0].get_weights()
    a, b = denormalize_line(w_n[0, 0], b_n[0], *stats)
    return float(a), float(b)


def keras_training_table(epochs=200, every=20, learning_rate=0.01, seed=42):
    """Entraîne le neurone par tranches de `every` epochs ; renvoie (epoch, MSE, a, b).

    La MSE est celle des données normalisées, que Keras mesure pendant la dernière epoch
    (donc juste avant son pas) ; a et b sont en mois et cm, pour les comparer à 2,5 et 40.
    """
    x_n, y_n, stats = normalized_child_height()
    model = make_one_neuron(learning_rate, seed)
    rows = []
    for done in range(every, epochs + 1, every):
        history = model.fit(x_n, y_n, epochs=every, verbose=0)
        a, b = neuron_line(model, stats)
        rows.append((done, float(history.history["loss"][-1]), a, b))
    return rows


def format_training_table(rows):
    """Met en forme les lignes de `keras_training_table` comme un tableau à imprimer,
    avec la virgule décimale (comme le reste du cours)."""
    from llmlab.display import french_number

    lines = [f"{'Epoch':>5}  {'Erreur (MSE)':>12}  {'a estimé':>10}  {'b estimé':>10}", "-" * 46]
    for epoch, loss, a, b in rows:
        loss, a, b = (french_number(v, 4) for v in (loss, a, b))
        lines.append(f"{epoch:>5}  {loss:>12}  {a:>10}  {b:>10}")
    return "\n".join(lines)


def keras_regression_lines(epochs_display=(1, 5, 20, 50, 200), learning_rate=0.01, seed=42):
    """Droites (epoch, a, b) atteintes après chaque nombre d'epochs, pour voir la droite bouger."""
    x_n, y_n, stats = normalized_child_height()
    model = make_one_neuron(learning_rate, seed)
    lines, done = [], 0
    for n_epochs in epochs_display:
        model.fit(x_n, y_n, epochs=n_epochs - done, verbose=0)
        done = n_epochs
        lines.append((n_epochs, *neuron_line(model, stats)))
    return lines


def keras_loss_history(epochs=200, learning_rate=0.01, seed=42):
    """MSE (données normalisées) de chaque epoch : la courbe d'apprentissage."""
    x_n, y_n, _ = normalized_child_height()
    model = make_one_neuron(learning_rate, seed)
    history = model.fit(x_n, y_n, epochs=epochs, verbose=0)
    return np.array(history.history["loss"])


# --- Régression multiple : Boston Housing ----------------------------------------------------


def boston_closed_form(data=None):
    """Régression des prix de Boston (milliers de dollars) par les moindres carrés, 13 variables.

    Moyenne et écart type viennent du train seul : le test doit rester des données que le
    modèle n'a jamais vues. `data` remplace au besoin le découpage de Keras.
    Renvoie poids, biais, MSE train et test, et MAE test.
    """
    (x_train, y_train), (x_test, y_test) = data or load_boston_housing()
    x_train_n, mean, std = normalize(x_train)
    x_test_n = (x_test - mean) / std
    weights, bias = least_squares_multi(x_train_n, y_train)
    train_pred, test_pred = x_train_n @ weights + bias, x_test_n @ weights + bias
    return {
        "weights": weights,
        "bias": bias,
        "train_mse": mse(y_train, train_pred),
        "test_mse": mse(y_test, test_pred),
        "test_mae": mae(y_test, test_pred),
    }


def boston_keras(epochs=40, optimizer="sgd", learning_rate=0.01, batch_size=32, seed=42, data=None):
    """Le même modèle linéaire (Dense(1), 13 entrées) appris par Keras ; mêmes erreurs test.

    Sans normalisation, des variables comme TAX (≈ 400) écraseraient NOX (≈ 0,5) et SGD
    divergerait ou ramperait : on normalise donc avec les statistiques du train.
    """
    import keras

    (x_train, y_train), (x_test, y_test) = data or load_boston_housing()
    x_train_n, mean, std = normalize(x_train)
    x_test_n = (x_test - mean) / std
    if seed is not None:
        keras.utils.set_random_seed(seed)
    model = keras.Sequential([keras.Input(shape=(x_train.shape[1],)), keras.layers.Dense(1)])
    opt = {"sgd": keras.optimizers.SGD, "adam": keras.optimizers.Adam}[optimizer]
    model.compile(optimizer=opt(learning_rate=learning_rate), loss="mse", metrics=["mae"])
    history = model.fit(x_train_n, y_train, epochs=epochs, batch_size=batch_size, verbose=0)
    train_mse, _ = model.evaluate(x_train_n, y_train, verbose=0)
    test_mse, test_mae = model.evaluate(x_test_n, y_test, verbose=0)
    kernel, bias = model.layers[0].get_weights()
    return {
        "weights": kernel[:, 0],
        "bias": float(bias[0]),
        "train_mse": float(train_mse),
        "test_mse": float(test_mse),
        "test_mae": float(test_mae),
        "loss": np.array(history.history["loss"]),
    }
