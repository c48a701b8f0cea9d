# Solutions du TP 4.5 — une section par cellule taguée « exercice » (id de la cellule).

# %% ex-gru-step
def gru_step(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    """Un pas de GRU : le nouvel état h' (convention de torch.nn.GRU)."""
    gi = x @ weight_ih.T + bias_ih             # partie « entrée » des trois blocs
    gh = h @ weight_hh.T + bias_hh             # partie « état », biais compris
    i_r, i_z, i_n = gi.chunk(3, dim=-1)
    h_r, h_z, h_n = gh.chunk(3, dim=-1)
    r = torch.sigmoid(i_r + h_r)
    z = torch.sigmoid(i_z + h_z)
    n = torch.tanh(i_n + r * h_n)
    return (1 - z) * n + z * h

# %% ex-params
def nb_parametres_gru(n_in, n_h):
    """Nombre de paramètres d'une couche torch.nn.GRU."""
    return 3 * (n_in * n_h + n_h * n_h + 2 * n_h)

# %% ex-overfit
etape_surapprentissage = int(histoire.step[histoire.val_loss.idxmin()])
