"""Evaluation of a segmented video beyond the annotated frames: temporal consistency (no torch needed)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from smite.data.masks import read_label_png
from smite.data.video import read_video
from smite.errors import SmiteInputError
from smite.metrics import flicker_rate, warped_label_agreement
from smite.track.cache import load_track_cache
from smite.track.flow import backward_flows


def read_masks(masks_dir: str | Path) -> np.ndarray:
    """All label PNGs of a masks/ folder, in frame order: (T, H, W)."""
    paths = sorted(Path(masks_dir).glob("*.png"))
    if not paths:
        raise SmiteInputError(masks_dir, "no mask PNGs")
    return np.stack([read_label_png(path) for path in paths])


def temporal_scores(masks_dir: str | Path, video: str | Path, tracks: str | Path,
                    frames_read: int | None = None) -> dict[str, float]:
    """Flicker along the cached trajectories and flow-warped label agreement of a segmented video (of its first
    `frames_read` frames, when given)."""
    frames, _ = read_video(video, frames_read)
    labels = read_masks(masks_dir)
    if labels.shape[:3] != frames.shape[:3]:
        raise SmiteInputError(masks_dir, f"masks {labels.shape[:3]} do not match the video's frames {frames.shape[:3]}")
    cache = load_track_cache(tracks)
    return {
        "flicker": flicker_rate(labels, *cache.pair_layout(), cache.grid),
        "warped_agreement": warped_label_agreement(labels, backward_flows(frames)),
    }
