"""Reference-image augmentations of SLiMe/SMITE: part-preserving crop, flip, rotation, blur, dropout, zoom-out."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

import cv2
import numpy as np

from smite.settings import AugmentSettings

if TYPE_CHECKING:
    import albumentations as A


def part_preserving_crop(
    image: np.ndarray, labels: np.ndarray, config: AugmentSettings, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Random crop (side >= crop_min_ratio) that keeps >= crop_min_part_fraction of every part present.

    Written by hand: no augmentation library constrains a crop by per-part coverage. Falls back to
    the full image when no sampled crop qualifies.
    """
    height, width = labels.shape
    parts, totals = np.unique(labels[labels > 0], return_counts=True)
    for _ in range(config.crop_attempts):
        crop_h = int(round(height * rng.uniform(config.crop_min_ratio, 1.0)))
        crop_w = int(round(width * rng.uniform(config.crop_min_ratio, 1.0)))
        top = int(rng.integers(0, height - crop_h + 1))
        left = int(rng.integers(0, width - crop_w + 1))
        window = labels[top : top + crop_h, left : left + crop_w]
        kept = np.array([(window == part).sum() for part in parts])
        if len(parts) == 0 or np.all(kept >= config.crop_min_part_fraction * totals):
            return image[top : top + crop_h, left : left + crop_w], window
    return image, labels


def photometric_geometric(config: AugmentSettings, seed: int) -> A.Compose:
    """Flip, rotation, blur, coarse dropout and occasional zoom-out via albumentations.

    albumentations is imported here, not at module level: it costs 1.5 s, and jobs that only segment
    import this module through the training config without augmenting anything.
    """
    os.environ.setdefault("NO_ALBUMENTATIONS_UPDATE", "1")  # no network check at import
    import albumentations as A
    constant = {"border_mode": cv2.BORDER_CONSTANT, "fill": 0, "fill_mask": 0}
    return A.Compose(
        [
            A.HorizontalFlip(p=config.flip_p),
            A.Rotate(limit=config.rotate_limit, p=config.rotate_p, **constant),
            A.GaussianBlur(blur_limit=(3, 5), p=config.blur_p),
            A.CoarseDropout(
                num_holes_range=(1, 4), hole_height_range=(0.05, 0.15), hole_width_range=(0.05, 0.15),
                fill=0, p=config.dropout_p,
            ),
            A.Affine(scale=(config.zoom_out_min_scale, 1.0), p=config.zoom_out_p, **constant),
        ],
        seed=seed,
    )


class Augmenter:
    """Deterministic (seeded) augmentation of (image, label map) pairs."""

    def __init__(self, config: AugmentSettings, seed: int) -> None:
        self.config = config
        self.rng = np.random.default_rng(seed)
        self.transform = photometric_geometric(config, seed)

    def __call__(self, image: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        if self.rng.random() < self.config.crop_p:
            image, labels = part_preserving_crop(image, labels, self.config, self.rng)
        out = self.transform(image=np.ascontiguousarray(image), mask=np.ascontiguousarray(labels.astype(np.int32)))
        return out["image"], out["mask"].astype(np.int64)
