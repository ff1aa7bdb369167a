"""Table 5's dataset statistics, read from the ground truth present: videos, parts per video, multi-part videos.

What the datasets' `statistics` (in their packages) share. Only annotation files are read (never frames), so a
full real dataset takes seconds to minutes.
A video's parts are the distinct non-background labels in the union of its annotated frames.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np


def part_count(label_maps: list[np.ndarray]) -> int:
    """Distinct foreground labels over a video's annotated frames."""
    present = set().union(*(np.unique(labels).tolist() for labels in label_maps)) if label_maps else set()
    return len(present - {0})


def summary(training: int, parts_per_video: list[int]) -> dict[str, Any]:
    """A dataset's row of Table 5 from its training-video count and each test video's part count."""
    return {
        "training videos": training,
        "testing videos": len(parts_per_video),
        "avg parts per video": float(np.mean(parts_per_video)) if parts_per_video else None,
        "multi-part videos": sum(count > 1 for count in parts_per_video),
        "parts per video": parts_per_video,
    }


def annotation_labels(folder: Path, read: Callable[[Path], np.ndarray]) -> list[np.ndarray]:
    """Every annotation PNG of a sequence folder, read as a label map."""
    return [read(path) for path in sorted(folder.glob("*.png"))]


