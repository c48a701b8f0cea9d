# Solutions du TP 4.2 — une section par cellule taguée « exercice » (id de la cellule).

# %% ex-neuron
def neuron_forward(x, w, b):
    """Sortie d'un neurone à activation sigmoïde, pour une entrée (n,) ou un lot (batch, n)."""
    z = x @ w + b                      # w₁x₁ + w₂x₂ + … + wₙxₙ + b
    return 1 / (1 + np.exp(-z))        # σ(z)

# %% ex-relu
def relu(z):
    """max(0, z), élément par élément."""
    return np.maximum(z, 0)


def relu_grad(z):
    """1 là où z > 0, sinon 0 (y compris en z = 0)."""
    return (z > 0).astype(float)

# %% ex-dense
def dense_forward(X, W, b):
    """Partie linéaire d'une couche dense : Z = X @ W + b, de forme (batch, n_out)."""
    return X @ W + b

# %% ex-backward
def dense_backward(X, W, grad_out):
    """Gradients d'une couche linéaire Z = X @ W + b, connaissant grad_out = dL/dZ."""
    dX = grad_out @ W.T            # (batch, n_out) @ (n_out, n_in) -> (batch, n_in)
    dW = X.T @ grad_out            # (n_in, batch) @ (batch, n_out) -> (n_in, n_out)
    db = grad_out.sum(axis=0)      # somme sur le lot -> (n_out,)
    return dX, dW, db

# %% ex-chain
def grad_W1(X, y, W1, b1, W2, b2):
    """dL/dW¹ pour le réseau ŷ = L²(L¹(X)) et la perte L = MSE(ŷ, y)."""
    # passage avant
    z1 = X @ W1 + b1
    a1 = nn.relu(z1)
    y_pred = a1 @ W2 + b2
    # passage arrière
    g_y = nn.mse_grad(y_pred, y)       # dL/dŷ
    g_a1 = g_y @ W2.T                  # dL/da¹
    g_z1 = g_a1 * nn.relu_grad(z1)     # dL/dz¹
    dW1 = X.T @ g_z1                   # dL/dW¹
    return dW1

# %% ex-boston
mse_1 = nn.mse(r1.model.forward(x_test), y_test)
mse_2 = nn.mse(r2.model.forward(x_test), y_test)
meilleur = 1 if mse_1 < mse_2 else 2

# %% ex-params
def dense_params(n_in, n_out):
    """Nombre de paramètres d'une couche dense n_in -> n_out."""
    return n_in * n_out + n_out


def mlp_params(sizes):
    """Nombre de paramètres d'un MLP de tailles [n0, n1, …]."""
    return sum(dense_params(a, b) for a, b in zip(sizes[:-1], sizes[1:]))
