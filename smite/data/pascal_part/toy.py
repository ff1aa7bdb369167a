"""The toy PASCAL-Part copy, in SLiMe's layout."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from smite.atomic import atomic_output
from smite.data.pascal_part import reader as pascal_part
from smite.data.toy import ToySettings, base_object, toy_image
from smite.data.video import write_image


def write(root: Path, spec: dict[str, Any], settings: ToySettings) -> None:
    """SLiMe's PASCAL-Part splits: `<class>/<split>/<stem>.png` with int64 `.npy` label maps."""
    sizes = {"train_1": 1, "train_10": 10, "val": settings.pascal_images, "test": settings.pascal_images}
    for index, (cls, entry) in enumerate(spec["classes"].items()):
        for split in pascal_part.SPLITS:
            folder = pascal_part.split_dir(root, cls, split)
            for i in range(sizes[split]):
                image, labels = toy_image(base_object(index), settings, len(entry["parts"]) - 1, cls, split, str(i))
                write_image(folder / f"{cls}_{split}_{i:02d}.png", image)
                with atomic_output(folder / f"{cls}_{split}_{i:02d}.npy") as tmp:
                    np.save(tmp, labels.astype(np.int64))
