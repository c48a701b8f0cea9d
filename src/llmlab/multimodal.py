"""Des images dans un Transformer : ViT coupe en patchs, CLIP aligne images et textes.

* **ViT** (Dosovitskiy et al. 2021) : une image H × W est coupée en patchs P × P ; chaque
  patch, mis à plat, devient un « token » (puis un vecteur par une couche linéaire). Une
  image 224 × 224 en patchs de 16 donne 14 × 14 = 196 tokens (:func:`patchify`,
  :func:`vit_token_count`). Le reste est un Transformer ordinaire.
* **CLIP** (Radford et al. 2021) : un encodeur d'images et un encodeur de textes sont
  entraînés ensemble sur des paires (image, légende). Dans un lot de n paires, la matrice
  des similarités cosinus n × n doit avoir sa diagonale (les bonnes paires) au-dessus de
  tout le reste : une entropie croisée par ligne (l'image cherche sa légende) et par
  colonne (la légende cherche son image), moyennées (:func:`clip_loss`). Une image nouvelle
  se classe ensuite sans exemple : sa légende la plus proche (:func:`zero_shot_probs`).
"""

from __future__ import annotations

import numpy as np

from llmlab.embeddings import cosine_similarity


def vit_token_count(height: int, width: int, patch: int, cls_token: bool = False) -> int:
    """Nombre de patchs (H / P) × (W / P), plus un token [CLS]
    si ``cls_token`` : 224 × 224 en patchs de 16 → 196."""
    for name, value in (("height", height), ("width", width), ("patch", patch)):
        if not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"{name} doit être un entier ≥ 1 (reçu {value!r}).")
    if height % patch or width % patch:
        raise ValueError(
            f"Une image {height} × {width} ne se coupe pas en patchs de "
            f"{patch} × {patch} : chaque côté doit être un multiple de {patch}."
        )
    return (height // patch) * (width // patch) + int(cls_token)


def patchify(image, patch: int) -> np.ndarray:
    """Les patchs de ``image`` (H, W) ou (H, W, C), ligne par
    ligne, chacun mis à plat : forme (nombre, P·P·C).

    Le patch k couvre les lignes P·(k // (W/P)) et suivantes,
    les colonnes P·(k % (W/P)) et suivantes.
    """
    image = np.asarray(image)
    if image.ndim == 2:
        image = image[:, :, None]
    if image.ndim != 3:
        raise ValueError(f"Une image a la forme (H, W) ou (H, W, C) ; reçu {image.shape}.")
    h, w, c = image.shape
    vit_token_count(h, w, patch)  # vérifie que les patchs tombent juste
    grid = image.reshape(h // patch, patch, w // patch, patch, c)
    return grid.transpose(0, 2, 1, 3, 4).reshape(-1, patch * patch * c)


def clip_logits(image_emb, text_emb, temperature: float = 0.07) -> np.ndarray:
    """Similarités cosinus image i / texte j, divisées par la
    température (CLIP l'apprend ; elle part de 0,07)."""
    if not temperature > 0:
        raise ValueError(f"La température doit être > 0 (reçu {temperature!r}).")
    image_emb = np.atleast_2d(np.asarray(image_emb, dtype=float))
    text_emb = np.atleast_2d(np.asarray(text_emb, dtype=float))
    if image_emb.shape[1] != text_emb.shape[1]:
        raise ValueError(
            "Images et textes doivent être des vecteurs de même dimension "
            f"(reçu {image_emb.shape} et {text_emb.shape})."
        )
    return cosine_similarity(image_emb, text_emb) / temperature


def zero_shot_probs(image_emb, text_emb, temperature: float = 0.07) -> np.ndarray:
    """Probabilité de chaque légende candidate pour une image :
    la softmax de ses similarités. La classe choisie est la
    légende la plus proche, sans aucun exemple étiqueté."""
    logits = clip_logits(image_emb, text_emb, temperature)
    z = np.exp(logits - logits.max(axis=1, keepdims=True))
    probs = z / z.sum(axis=1, keepdims=True)
    return probs[0] if np.ndim(image_emb) == 1 else probs


def _cross_entropy_diagonal(logits) -> float:
    """Entropie croisée moyenne quand la bonne classe de la ligne
    i est la colonne i."""
    z = logits - logits.max(axis=1, keepdims=True)
    log_p = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    return float(-np.mean(np.diag(log_p)))


def clip_loss(image_emb, text_emb, temperature: float = 0.07) -> float:
    """La perte contrastive de CLIP : entropie croisée des
    lignes (image → légende) et des colonnes (légende →
    image), la bonne paire étant sur la diagonale, moyennées."""
    logits = clip_logits(image_emb, text_emb, temperature)
    if logits.shape[0] != logits.shape[1]:
        raise ValueError(
            "Il faut autant d'images que de légendes : la paire i est "
            f"(image i, légende i) ; reçu {logits.shape[0]} images et "
            f"{logits.shape[1]} légendes."
        )
    return (_cross_entropy_diagonal(logits) + _cross_entropy_diagonal(logits.T)) / 2


# --- Figures -----------------------------------------------------------------------------------


def plot_patches(image, patch: int, axes=None):
    """L'image avec la grille de ses patchs numérotés, puis la
    suite de tokens qu'en fait ViT : un patch mis à plat par
    ligne (:func:`patchify`)."""
    import matplotlib.pyplot as plt

    from llmlab import style

    style.use()
    accent = style.read_palette()["accent"]
    image = np.asarray(image, dtype=float)
    tokens = patchify(image, patch)
    if axes is None:
        _, axes = plt.subplots(
            1, 2, figsize=(10, 4), layout="constrained", gridspec_kw={"width_ratios": [1, 1.6]}
        )
    h, w = image.shape[:2]
    axes[0].imshow(image, cmap="gray_r", vmin=0, vmax=image.max() or 1)
    for i in range(0, h + 1, patch):
        axes[0].axhline(i - 0.5, color=accent, linewidth=2)
    for j in range(0, w + 1, patch):
        axes[0].axvline(j - 0.5, color=accent, linewidth=2)
    for k in range(len(tokens)):
        row, col = divmod(k, w // patch)
        axes[0].text(
            col * patch + patch / 2 - 0.5,
            row * patch + patch / 2 - 0.5,
            str(k),
            ha="center",
            va="center",
            color=accent,
            fontsize=18,
            fontweight="bold",
        )
    axes[0].set_title(f"image {h} × {w}, patchs {patch} × {patch}")
    axes[1].imshow(tokens, cmap="gray_r", vmin=0, vmax=image.max() or 1, aspect="auto")
    axes[1].set_yticks(range(len(tokens)))
    axes[1].set_ylabel("token")
    axes[1].set_xlabel(f"{tokens.shape[1]} pixels du patch, mis à plat")
    axes[1].set_title(f"{len(tokens)} tokens pour le Transformer")
    for ax in axes:
        ax.grid(False)
    axes[0].set_xticks([])
    axes[0].set_yticks([])
    return axes


def plot_similarity(matrix, image_labels, text_labels, ax=None, title=None):
    """Une matrice image × texte (similarités ou logits de
    CLIP), chaque case avec sa valeur ; la diagonale est celle
    des bonnes paires."""
    import matplotlib.pyplot as plt

    from llmlab import style
    from llmlab.display import french_number

    style.use()
    matrix = np.asarray(matrix, dtype=float)
    if ax is None:
        _, ax = plt.subplots(figsize=(5.5, 4.5), layout="constrained")
    ax.imshow(matrix, cmap="Greys", vmin=matrix.min() - 0.3 * np.ptp(matrix))
    for i in range(matrix.shape[0]):
        for j in range(matrix.shape[1]):
            ax.text(
                j,
                i,
                french_number(matrix[i, j], 2),
                ha="center",
                va="center",
                fontsize=14,
                color="white" if i == j else "black",
                fontweight="bold" if i == j else "normal",
            )
    ax.set_xticks(range(len(text_labels)), text_labels)
    ax.set_yticks(range(len(image_labels)), image_labels)
    ax.set_xlabel("légendes")
    ax.set_ylabel("images")
    ax.grid(False)
    if title:
        ax.set_title(title)
    return ax
