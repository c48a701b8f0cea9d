# Solutions du notebook « IA générative : cycle de vie » — une section par cellule taguée
# « exercice » (id de la cellule).

# %% ex-servir
go_servir = 7e9 * 2 / 1e9          # 2 octets par paramètre en FP16, 10⁹ octets par Go

# %% ex-entrainer
poids, gradients, copie_fp32, adam = 2, 2, 4, 4 + 4
go_entrainer = 7e9 * (poids + gradients + copie_fp32 + adam) / 1e9

# %% ex-plus-grand
def plus_grand(exposant, mantisse):
    e_max = 2 ** (exposant - 1) - 1            # le biais : le code tout à 1 est réservé
    return (2 - 2.0 ** -mantisse) * 2.0 ** e_max

# %% ex-deborde
def deborde(x, fmt):
    exposant, mantisse = FORMATS_BITS[fmt]
    e_max = 2 ** (exposant - 1) - 1
    ecart = 2.0 ** (e_max - mantisse)          # entre le maximum et son voisin du dessous
    return abs(x) >= plus_grand(exposant, mantisse) + ecart / 2

# %% ex-absmax
def absmax_int8(w):
    s = np.abs(w).max() / 127
    q = np.round(w / s)                        # entiers de −127 à 127
    return q * s
