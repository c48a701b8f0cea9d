# Solutions du TP 4.1 — une section par cellule taguée « exercice » (id de la cellule).

# %% ex-mse
def mse(y_true, y_pred):
    """Erreur quadratique moyenne entre les valeurs vraies et les prédictions."""
    return np.mean((y_true - y_pred) ** 2)

# %% ex-forme-close
def least_squares(x, y):
    """Pente et ordonnée à l'origine de la droite qui minimise la MSE."""
    x_mean, y_mean = np.mean(x), np.mean(y)
    a = np.mean((x - x_mean) * (y - y_mean)) / np.mean((x - x_mean) ** 2)
    b = y_mean - a * x_mean
    return a, b

# %% ex-gradient-step
def gradient_step(w, b, x, y, lr):
    """Un pas de descente de gradient sur la MSE de la droite w·x + b."""
    error = w * x + b - y
    dw = 2 * np.mean(error * x)
    db = 2 * np.mean(error)
    return w - lr * dw, b - lr * db

# %% ex-normaliser
x_n = (x - x.mean()) / x.std()
y_n = (y - y.mean()) / y.std()

# %% ex-denormaliser
def denormalize(w_n, b_n, x_mean, x_std, y_mean, y_std):
    """Traduit la droite des données normalisées en y = a·x + b (mois, cm)."""
    a = w_n * y_std / x_std
    b = b_n * y_std + y_mean - a * x_mean
    return a, b
