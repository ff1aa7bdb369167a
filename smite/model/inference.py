"""Single-pass inference (SLiMe, SMITE's validation and image segmentation): noise at t ~ U[lo, hi], one forward.

Every random draw comes from a `smite.model.draws.Draws` provider, keyed by the image's index, so results do
not depend on the batch size.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np
import torch
from tqdm.auto import tqdm

from smite.model.backbone import LatentPosterior
from smite.model.draws import Draws
from smite.model.segmenter import PartSegmenter, resize_labels, to_model_input

TimestepRange = int | tuple[int, int] | list[int]


def posterior_latents(posterior: LatentPosterior, mode: str, draws: Draws, role: str,
                      keys: Sequence[int]) -> torch.Tensor:
    """Latents of a pass: a fresh sample of the posterior (mode "sample", the authors') or its mean ("mean")."""
    if mode == "mean":
        return posterior.latents()
    return posterior.latents(draws.normal(role, tuple(posterior.mean.shape), keys))


def item_timesteps(timesteps: TimestepRange, draws: Draws, role: str, keys: Sequence[int]) -> torch.Tensor:
    """One timestep per key: fixed, or uniform on the inclusive range [lo, hi]."""
    if isinstance(timesteps, int):
        return torch.full((len(keys),), timesteps, dtype=torch.long)
    low, high = (int(t) for t in timesteps)
    return torch.tensor([draws.integer(role, low, high, key) for key in keys], dtype=torch.long)


def noised(model: PartSegmenter, latents: torch.Tensor, timesteps: torch.Tensor, draws: Draws, role: str,
           keys: Sequence[int]) -> torch.Tensor:
    """Clean latents noised to their timesteps with noise of the given role."""
    noise = draws.normal(role, tuple(latents.shape), keys).to(latents)
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
    draws: Draws,
    posterior: str = "sample",
    batch_size: int = 8,
    progress: bool = False,
) -> list[np.ndarray]:
    """Label map per image at the image's own size, from the authors' inference WAS at the model's image size.

    As the authors' validation (training_step in mode "valid") and image segmentation (validating.py): the full
    prompt's context, a posterior sample, t and noise per image (roles "posterior", "t", "noise", key = index).
    """
    size = model.backbone.image_size
    labels: list[np.ndarray] = []
    for chunk in tqdm(list(batches(len(images), batch_size)), desc="segmenting", unit="batch", disable=not progress):
        group = images[chunk]
        keys = list(range(chunk.start, chunk.stop))
        latents = posterior_latents(model.backbone.posterior(to_model_input(group, size)), posterior, draws,
                                    "posterior", keys)
        steps = item_timesteps(timesteps, draws, "t", keys).to(latents.device)
        maps = model(noised(model, latents, steps, draws, "noise", keys), steps)
        for image, label in zip(group, maps.inference_was().at(size).argmax(1).cpu().numpy(), strict=True):
            labels.append(resize_labels(label, image.shape[:2]))
    return labels
