"""The synthetic stand-in in SLiMe's PASCAL-Part layout: still images per class and split."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from smite.atomic import atomic_output
from smite.data.pascal_part import reader as pascal_part
from smite.data.synth.common import build_atomically, check_config, item_rng, layout_manifest, plain_settings
from smite.data.synth.objects import CATEGORY_PARTS
from smite.data.synth.render import render_reference
from smite.data.video import write_image

_PASCAL = dict(zip(pascal_part.SPLITS, (5, 6, 7, 8), strict=True))


PASCAL_SPLITS = pascal_part.SPLITS


@dataclass(frozen=True)
class PascalPartSynthSettings:
    """A SLiMe PASCAL-Part-layout set: still images per category (class) and split."""

    seed: int = 0
    size: int = 64
    categories: tuple[str, ...] = ("robot", "fish")
    train_1: int = 1
    train_10: int = 10
    val: int = 3
    test: int = 6
    noise_std: float = 4.0

    def __post_init__(self) -> None:
        counts = {split: getattr(self, split) for split in PASCAL_SPLITS}
        check_config(self, [(min(counts.values()) < 1, f"every split needs at least one image, got {counts}")])


def generate_pascal_part(out_dir: str | Path, config: PascalPartSynthSettings | None = None) -> dict:
    """Write synthetic still images in SLiMe's PASCAL-Part layout (`<class>/<split>/<stem>.png|.npy`)."""
    config = config or PascalPartSynthSettings()

    def write(build: Path) -> dict:
        classes = {
            category: {
                "parts": list(CATEGORY_PARTS[category]),
                "splits": {split: _write_pascal_split(build, category, split, config) for split in PASCAL_SPLITS},
            }
            for category in config.categories
        }
        totals = {split: sum(len(entry["splits"][split]) for entry in classes.values()) for split in PASCAL_SPLITS}
        return layout_manifest("pascal_part", config, {"classes": classes, "totals": totals})

    return build_atomically(Path(out_dir), write)


def _write_pascal_split(root: Path, category: str, split: str, config: PascalPartSynthSettings) -> list[str]:
    """Still images (PNG) with int64 .npy label maps of one class's split; return their stems."""
    stems = [f"{category}_{split}_{i:02d}" for i in range(getattr(config, split))]
    for index, stem in enumerate(stems):
        rng = item_rng(config.seed, category, _PASCAL[split], index)
        image, labels = render_reference(category, rng, config.size, config.noise_std)
        write_image(pascal_part.split_dir(root, category, split) / f"{stem}.png", image)
        with atomic_output(pascal_part.split_dir(root, category, split) / f"{stem}.npy") as tmp:
            np.save(tmp, labels.astype(np.int64))
    return stems


synthetic = plain_settings(PascalPartSynthSettings, generate_pascal_part)  # the DatasetType's `synthetic`
