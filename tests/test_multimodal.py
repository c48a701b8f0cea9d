"""ViT et CLIP en petit : patchs contre torch (unfold), nombre de tokens, perte contrastive
contre l'entropie croisée de torch."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from llmlab import multimodal


def test_vit_token_counts():
    assert multimodal.vit_token_count(224, 224, 16) == 196  # ViT-B/16
    assert multimodal.vit_token_count(224, 224, 16, cls_token=True) == 197
    assert multimodal.vit_token_count(224, 224, 14) == 256  # ViT-L/14
    assert multimodal.vit_token_count(8, 12, 4) == 6
    with pytest.raises(ValueError, match="multiple de 16"):
        multimodal.vit_token_count(100, 224, 16)


@pytest.mark.parametrize("shape, patch", [((8, 8), 4), ((6, 9), 3), ((8, 12, 3), 4)])
def test_patchify_matches_torch_unfold(shape, patch):
    image = np.random.default_rng(0).normal(size=shape)
    ours = multimodal.patchify(image, patch)
    chw = torch.tensor(image if image.ndim == 3 else image[:, :, None]).permute(2, 0, 1)
    # unfold : (C·P·P, nombre de patchs), les patchs ligne par ligne, canal d'abord
    cols = F.unfold(chw[None], kernel_size=patch, stride=patch)[0].T
    c = chw.shape[0]
    theirs = cols.reshape(-1, c, patch, patch).permute(0, 2, 3, 1).reshape(len(cols), -1)
    np.testing.assert_array_equal(ours, theirs.numpy())
    assert len(ours) == multimodal.vit_token_count(shape[0], shape[1], patch)


def test_patchify_order_on_a_readable_image():
    image = np.arange(16).reshape(4, 4)
    patches = multimodal.patchify(image, 2)
    np.testing.assert_array_equal(
        patches, [[0, 1, 4, 5], [2, 3, 6, 7], [8, 9, 12, 13], [10, 11, 14, 15]]
    )
    with pytest.raises(ValueError, match="forme"):
        multimodal.patchify(np.zeros(4), 2)


def clip_loss_torch(image_emb, text_emb, temperature):
    """La formulation de l'article CLIP (pseudo-code, figure 3), en torch."""
    i = F.normalize(torch.tensor(image_emb), dim=1)
    t = F.normalize(torch.tensor(text_emb), dim=1)
    logits = i @ t.T / temperature
    labels = torch.arange(len(logits))
    return ((F.cross_entropy(logits, labels) + F.cross_entropy(logits.T, labels)) / 2).item()


@pytest.mark.parametrize("n, d, temperature", [(3, 4, 0.07), (5, 8, 1.0), (2, 3, 0.5)])
def test_clip_loss_matches_torch(n, d, temperature):
    rng = np.random.default_rng(n)
    images, texts = rng.normal(size=(n, d)), rng.normal(size=(n, d))
    ours = multimodal.clip_loss(images, texts, temperature)
    assert ours == pytest.approx(clip_loss_torch(images, texts, temperature), rel=1e-12)


def test_clip_loss_rewards_aligned_pairs():
    rng = np.random.default_rng(1)
    images = rng.normal(size=(4, 6))
    aligned = multimodal.clip_loss(images, images + 0.01 * rng.normal(size=(4, 6)))
    shuffled = multimodal.clip_loss(images, images[[1, 2, 3, 0]])
    assert aligned < 0.01 < np.log(4) < shuffled  # ln 4 : le hasard sur 4 paires
    logits = multimodal.clip_logits(images, images, temperature=0.5)
    np.testing.assert_allclose(np.diag(logits), 2.0)  # cos = 1, divisé par 0,5
    with pytest.raises(ValueError, match="autant"):
        multimodal.clip_loss(images, images[:3])
    with pytest.raises(ValueError, match="dimension"):
        multimodal.clip_logits(images, images[:, :3])
    with pytest.raises(ValueError, match="température"):
        multimodal.clip_loss(images, images, temperature=0)


def test_zero_shot_picks_the_closest_caption():
    texts = np.eye(3, 4)
    image = np.array([0.1, 0.9, 0.2, 0.0])
    probs = multimodal.zero_shot_probs(image, texts, 0.5)
    assert probs.shape == (3,) and probs.sum() == pytest.approx(1) and probs.argmax() == 1
    logits = multimodal.clip_logits(image, texts, 0.5)[0]
    np.testing.assert_allclose(probs, torch.softmax(torch.tensor(logits), 0).numpy())
    assert multimodal.zero_shot_probs(np.stack([image, image]), texts).shape == (2, 3)
