"""Single-pass inference (SLiMe, SMITE's reference pass): noise at t ~ 100, one UNet forward, WAS."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import torch

from smite.model.segmenter import PartSegmenter, to_model_input
from smite.model.was import label_map, rescale_to_cross


def noise_latents(
    model: PartSegmenter, images: torch.Tensor, timestep: int, generator: torch.Generator
) -> tuple[torch.Tensor, torch.Tensor]:
    """Encode images in [0, 1] and noise them to `timestep`; returns (noisy latents, timesteps)."""
    latents = model.backbone.encode_images(images)
    noise = torch.randn(latents.shape, generator=generator, dtype=torch.float32).to(latents)
    steps = torch.full((latents.shape[0],), timestep, dtype=torch.long, device=latents.device)
    return model.backbone.scheduler.add_noise(latents, noise, steps), steps


@torch.no_grad()
def predict_scores(
    model: PartSegmenter, images: list[np.ndarray] | np.ndarray, timestep: int, generator: torch.Generator
) -> torch.Tensor:
    """RGB uint8 images -> per-part scores (B, K, R, R): WAS rescaled to the cross-map range."""
    inputs = to_model_input(images, model.backbone.image_size)
    noisy, steps = noise_latents(model, inputs, timestep, generator)
    maps = model(noisy, steps)
    return rescale_to_cross(maps.was, maps.cross_logits).cpu()


def batches(count: int, size: int) -> Iterator[slice]:
    """Consecutive slices of at most `size` covering range(count)."""
    for start in range(0, count, size):
        yield slice(start, min(start + size, count))


def predict_labels(
    model: PartSegmenter,
    images: list[np.ndarray] | np.ndarray,
    timestep: int,
    seed: int,
    batch_size: int = 8,
) -> list[np.ndarray]:
    """Label map per image at the image's own size (argmax of upsampled scores).

    The noise comes from one generator seeded once, so results are deterministic for a given
    batch size.
    """
    generator = torch.Generator().manual_seed(seed)
    labels: list[np.ndarray] = []
    for chunk in batches(len(images), batch_size):
        group = images[chunk]
        scores = predict_scores(model, group, timestep, generator)
        for image, score in zip(group, scores, strict=True):
            labels.append(label_map(score[None], image.shape[:2])[0].numpy().astype(np.int64))
    return labels
