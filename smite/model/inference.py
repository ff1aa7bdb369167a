"""Single-pass inference (SLiMe, SMITE's reference pass): noise at t ~ 100, one UNet forward, WAS."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import torch
from tqdm.auto import tqdm

from smite.model.segmenter import PartSegmenter, to_model_input
from smite.model.was import label_map, rescale_to_cross


def item_noise(shape: tuple[int, ...], seeds: list[int]) -> torch.Tensor:
    """One independent noise tensor per item, each from its own seed (batching-independent)."""
    return torch.stack([torch.randn(shape, generator=torch.Generator().manual_seed(s)) for s in seeds])


def frame_seeds(seed: int, indices: range | list[int]) -> list[int]:
    """Per-frame noise seeds: frame i of a video always gets the same noise, whatever the batching."""
    return [seed * 100_003 + i for i in indices]


def noise_latents(
    model: PartSegmenter, images: torch.Tensor, timestep: int, seeds: list[int]
) -> tuple[torch.Tensor, torch.Tensor]:
    """Encode images in [0, 1] and noise them to `timestep`; returns (noisy latents, timesteps)."""
    latents = model.backbone.encode_images(images)
    noise = item_noise(tuple(latents.shape[1:]), seeds).to(latents)
    steps = torch.full((latents.shape[0],), timestep, dtype=torch.long, device=latents.device)
    return model.backbone.scheduler.add_noise(latents, noise, steps), steps


@torch.no_grad()
def predict_scores(
    model: PartSegmenter, images: list[np.ndarray] | np.ndarray, timestep: int, seeds: list[int]
) -> torch.Tensor:
    """RGB uint8 images -> per-part scores (B, K, R, R): WAS rescaled to the cross-map range."""
    inputs = to_model_input(images, model.backbone.image_size)
    noisy, steps = noise_latents(model, inputs, timestep, seeds)
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
    progress: bool = False,
) -> list[np.ndarray]:
    """Label map per image at the image's own size (argmax of upsampled scores).

    Image i is noised with seed (seed, i), so results do not depend on the batch size.
    """
    labels: list[np.ndarray] = []
    chunks = list(batches(len(images), batch_size))
    for chunk in tqdm(chunks, desc="segmenting", unit="batch", disable=not progress):
        group = images[chunk]
        seeds = frame_seeds(seed, range(chunk.start, chunk.stop))
        scores = predict_scores(model, group, timestep, seeds)
        for image, score in zip(group, scores, strict=True):
            labels.append(label_map(score[None], image.shape[:2])[0].numpy().astype(np.int64))
    return labels
