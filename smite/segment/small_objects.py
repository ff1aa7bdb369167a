"""The paper's small-object refinement (section 7.5, `inference.refinement: paper_box`): an unguided pass finds the
object, and a small one is segmented again on its crop and pasted back."""

from __future__ import annotations

import logging
from collections.abc import Callable

import numpy as np

from smite.model.segmenter import PartSegmenter
from smite.segment.segmenter import segment_frames
from smite.settings import InferenceSettings
from smite.track.cache import TrackCache

log = logging.getLogger(__name__)


def foreground_box(labels: np.ndarray, margin: float) -> tuple[int, int, int, int] | None:
    """Bounding box (top, bottom, left, right; exclusive ends) of all foreground over the video, expanded by
    `margin` of the frame size on each side (paper 7.5: 4 %); None when there is no foreground."""
    rows = np.flatnonzero((labels > 0).any(axis=(0, 2)))
    cols = np.flatnonzero((labels > 0).any(axis=(0, 1)))
    if len(rows) == 0:
        return None
    height, width = labels.shape[1:3]
    pad_y, pad_x = int(round(margin * height)), int(round(margin * width))
    return (max(0, rows[0] - pad_y), min(height, rows[-1] + 1 + pad_y),
            max(0, cols[0] - pad_x), min(width, cols[-1] + 1 + pad_x))


def paste(crop_labels: np.ndarray, box: tuple[int, int, int, int], shape: tuple[int, int]) -> np.ndarray:
    """Crop label maps (T, h, w) put back into background frames of `shape` (H, W)."""
    top, bottom, left, right = box
    full = np.zeros((len(crop_labels), *shape), dtype=crop_labels.dtype)
    full[:, top:bottom, left:right] = crop_labels
    return full


def refine_small_objects(
    model: PartSegmenter,
    frames: np.ndarray,
    method: str,
    inference: InferenceSettings,
    seed: int,
    track: Callable[[np.ndarray], TrackCache | None],
    progress: bool = False,
) -> np.ndarray:
    """Paper 7.5 crop refinement: a first pass on the whole frame without guidance finds the object; when
    its box (expanded by the margin) covers less than `crop_max_area` of the frame, the method runs again
    on the cropped video (trajectories recomputed there) and the result is pasted back."""
    first = segment_frames(model, frames, "baseline3", inference, seed, progress=progress)
    box = foreground_box(first, inference.crop_margin)
    height, width = frames.shape[1:3]
    if box is None or (box[1] - box[0]) * (box[3] - box[2]) >= inference.crop_max_area * height * width:
        return segment_frames(model, frames, method, inference, seed, track(frames), progress)
    log.info("small object: refining on the crop %s", box)
    crop = np.ascontiguousarray(frames[:, box[0]:box[1], box[2]:box[3]])
    return paste(segment_frames(model, crop, method, inference, seed, track(crop), progress), box, (height, width))
