"""Single-pass inference (SLiMe, SMITE's reference pass): noise at t ~ U[95, 104], one UNet forward, WAS."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import torch
from tqdm.auto import tqdm

from smite.model.segmenter import PartSegmenter, resize_labels, to_model_input

TimestepRange = int | tuple[int, int] | list[int]

def item_noise(shape: tuple[int, ...], seeds: list[int]) -> torch.Tensor:
    """One independent noise tensor per item, each from its own seed (batching-independent)."""
    return torch.stack([torch.randn(shape, generator=torch.Generator().manual_seed(s)) for s in seeds])


def frame_seeds(seed: int, indices: range | list[int], stream: int = 0) -> list[int]:
    """Per-frame seeds: frame i of a video always gets the same draw, whatever the batching.

    `stream` separates independent draws of the same frame (the reference pass's noise, the guided pass's
    noise and the reference timestep are drawn independently in the authors' code).
    """
    return [(seed * 100_003 + i) * 7 + stream for i in indices]


def item_timesteps(timesteps: TimestepRange, seeds: list[int]) -> torch.Tensor:
    """One timestep per item: fixed, or uniform on the inclusive range [lo, hi] from each item's seed."""
    if isinstance(timesteps, int):
        return torch.full((len(seeds),), timesteps, dtype=torch.long)
    low, high = (int(t) for t in timesteps)
    if not 0 <= low <= high:
        raise ValueError(f"timestep range must be 0 <= lo <= hi; got {timesteps}")
    return torch.tensor([int(torch.randint(low, high + 1, (1,), generator=torch.Generator().manual_seed(s)))
                         for s in seeds], dtype=torch.long)


def noise_latents(
    model: PartSegmenter, latents: torch.Tensor, timesteps: torch.Tensor, seeds: list[int]
) -> torch.Tensor:
    """Clean latents noised to per-item timesteps with per-item seeded noise."""
    noise = item_noise(tuple(latents.shape[1:]), seeds).to(latents)
    return model.backbone.scheduler.add_noise(latents, noise, timesteps.to(latents.device))


def batches(count: int, size: int) -> Iterator[slice]:
    """Consecutive slices of at most `size` covering range(count)."""
    for start in range(0, count, size):
        yield slice(start, min(start + size, count))


@torch.no_grad()
def predict_labels(
    model: PartSegmenter,
    images: list[np.ndarray] | np.ndarray,
    timesteps: TimestepRange,
    seed: int,
    batch_size: int = 8,
    progress: bool = False,
) -> list[np.ndarray]:
    """Label map per image at the image's own size, from the authors' inference WAS at the model's image size.

    Image i gets its noise and (for a range) its timestep from seed (seed, i), so results do not depend on
    the batch size.
    """
    size = model.backbone.image_size
    labels: list[np.ndarray] = []
    for chunk in tqdm(list(batches(len(images), batch_size)), desc="segmenting", unit="batch", disable=not progress):
        group = images[chunk]
        indices = range(chunk.start, chunk.stop)
        latents = model.backbone.encode_images(to_model_input(group, size))
        steps = item_timesteps(timesteps, frame_seeds(seed, indices, stream=2))
        maps = model(noise_latents(model, latents, steps, frame_seeds(seed, indices)), steps.to(latents.device))
        for image, label in zip(group, maps.inference_was().at(size).argmax(1).cpu().numpy(), strict=True):
            labels.append(resize_labels(label, image.shape[:2]))
    return labels
