"""Table 5's dataset statistics, read from the ground truth present: videos, parts per video, multi-part videos.

Only annotation files are read (never frames), so a full real dataset takes seconds to minutes.
A video's parts are the distinct non-background labels in the union of its annotated frames.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from smite.data import davis, pumavos, smite50
from smite.data.masks import read_label_png
from smite.data.references import PARTS_FILE, read_parts


def _part_count(label_maps: list[np.ndarray]) -> int:
    """Distinct foreground labels over a video's annotated frames."""
    present = set().union(*(np.unique(labels).tolist() for labels in label_maps)) if label_maps else set()
    return len(present - {0})


def _summary(training: int, parts_per_video: list[int]) -> dict[str, Any]:
    return {
        "training videos": training,
        "testing videos": len(parts_per_video),
        "avg parts per video": float(np.mean(parts_per_video)) if parts_per_video else None,
        "multi-part videos": sum(count > 1 for count in parts_per_video),
        "parts per video": parts_per_video,
    }


def smite50_statistics(root: str | Path) -> dict[str, Any]:
    """Every video of every category: SMITE-50 trains on images, so it has no training videos."""
    counts = []
    for category in smite50.list_categories(root):
        num_parts = len(read_parts(smite50.reference_dir(root, category) / PARTS_FILE))
        for video in smite50.list_videos(root, category):
            counts.append(_part_count(list(smite50.load_ground_truth(root, category, video, num_parts).values())))
    return _summary(0, counts)


def _annotation_labels(folder: Path, read: Callable[[Path], np.ndarray]) -> list[np.ndarray]:
    """Every annotation PNG of a sequence folder, read as a label map."""
    return [read(path) for path in sorted(folder.glob("*.png"))]


def pumavos_statistics(root: str | Path) -> dict[str, Any]:
    """Every sequence is a test video (XMem++ trains on DAVIS / YouTube-VOS, not on PUMaVOS)."""
    counts = [_part_count(_annotation_labels(pumavos.annotations_dir(root, seq), read_label_png))
              for seq in pumavos.list_sequences(root)]
    return _summary(0, counts)


def davis_statistics(root: str | Path) -> dict[str, Any]:
    """Train and val sequences of ImageSets/480p; the val ones are the test videos."""
    train = davis.read_split(root, "train")
    counts = [_part_count(_annotation_labels(davis.annotations_dir(root, seq), davis.read_object_mask))
              for seq in davis.read_split(root, "val")]
    return _summary(len(train), counts)
