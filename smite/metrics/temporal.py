"""Temporal consistency of a segmented video (the Table 4 stand-in for the paper's user study): flicker along
tracked points, flow-warped label agreement."""

from __future__ import annotations

import math

import cv2
import numpy as np


def _grid_to_label_pixels(points: np.ndarray, grid: int, height: int, width: int) -> tuple[np.ndarray, np.ndarray]:
    """Attention-grid (x, y) -> (row, col) of the label-map pixel containing the point, clipped to the map.

    Same mapping as the trajectory cache: x_pix = (x_grid + 0.5) * W / grid, so a cell centre lands in the
    pixel at the centre of its cell whatever the ratio of map size to grid size.
    """
    x = np.floor((points[..., 0] + 0.5) * width / grid).astype(np.int64)
    y = np.floor((points[..., 1] + 0.5) * height / grid).astype(np.int64)
    return np.clip(y, 0, height - 1), np.clip(x, 0, width - 1)


def _offset_index(offsets: np.ndarray, value: int) -> int | None:
    """Index of `value` in a window's offsets, or None if the window lacks it."""
    found = np.flatnonzero(np.asarray(offsets) == value)
    return int(found[0]) if len(found) else None


def flicker_rate(
    labels: np.ndarray, positions: np.ndarray, visible: np.ndarray, offsets: np.ndarray, grid: int
) -> float:
    """Fraction of tracked points whose predicted label changes from one frame to the next (lower is better).

    labels: (T, H, W) int label maps (0 = background). positions / visible / offsets: trajectories in a
    frame-offset layout (``smite.track.TrackCache.pair_layout``), positions (T, O, grid*grid, 2) in attention-grid
    coordinates.
    For every frame t < T-1 and grid point visible at offset +1, the label of frame t at the point (its
    offset-0 position) is compared with the label of frame t+1 at its tracked position. Only pairs where
    at least one of the two labels is foreground count: background-to-background pairs, the bulk of most
    frames, would otherwise dilute the rate towards 0. NaN when no pair counts.
    """
    labels = np.asarray(labels)
    positions = np.asarray(positions, dtype=np.float64)
    visible = np.asarray(visible, dtype=bool)
    if labels.ndim != 3:
        raise ValueError(f"labels must be (T, H, W), got shape {labels.shape}")
    frames, height, width = labels.shape
    expected = (frames, len(offsets), grid * grid)
    if positions.shape != (*expected, 2) or visible.shape != expected:
        raise ValueError(f"positions {positions.shape} / visible {visible.shape} do not match (T, W, N) {expected}")
    here, step = _offset_index(offsets, 0), _offset_index(offsets, 1)
    if here is None or step is None or frames < 2:
        return math.nan
    rows, cols = _grid_to_label_pixels(positions[:-1, here], grid, height, width)
    next_rows, next_cols = _grid_to_label_pixels(positions[:-1, step], grid, height, width)
    t = np.arange(frames - 1)[:, None]
    before = labels[t, rows, cols]
    after = labels[t + 1, next_rows, next_cols]
    counted = visible[:-1, step] & visible[:-1, here] & ((before != 0) | (after != 0))
    total = int(np.count_nonzero(counted))
    return float(np.count_nonzero(counted & (before != after)) / total) if total else math.nan


def warped_label_agreement(
    labels: np.ndarray, backward_flows: np.ndarray | list[np.ndarray], valid: np.ndarray | None = None
) -> float:
    """Mean over t of the agreement of frame t's labels, warped to frame t+1, with frame t+1's labels.

    labels: (T, H, W) int label maps (0 = background). backward_flows: T-1 flows (H, W, 2), flow t maps
    frame t+1 to frame t (pixel p of t+1 is at p + flow[p] in t); warping samples the nearest pixel
    (``cv2.remap`` INTER_NEAREST). valid: optional (T-1, H, W) bool mask of pixels of frame t+1 to score
    (e.g. not occluded). Per pair, the score is the fraction of valid pixels in the foreground union (warped
    or target label non-zero) whose labels are equal; pixels whose source lies outside frame t are skipped.
    Pairs with no such pixel are skipped; NaN if none is left. Higher is better.
    """
    labels = np.asarray(labels)
    if labels.ndim != 3:
        raise ValueError(f"labels must be (T, H, W), got shape {labels.shape}")
    frames, height, width = labels.shape
    if len(backward_flows) != frames - 1:
        raise ValueError(f"{len(backward_flows)} flows given for {frames} frames (need {frames - 1})")
    if valid is not None and np.shape(valid) != (frames - 1, height, width):
        raise ValueError(f"valid has shape {np.shape(valid)}, expected {(frames - 1, height, width)}")
    cols, rows = np.meshgrid(np.arange(width, dtype=np.float32), np.arange(height, dtype=np.float32))
    scores = []
    for t in range(frames - 1):
        flow = np.asarray(backward_flows[t], dtype=np.float32)
        if flow.shape != (height, width, 2):
            raise ValueError(f"flow {t} has shape {flow.shape}, expected {(height, width, 2)}")
        source = labels[t].astype(np.float32)  # exact for labels below 2**24; remap has no int64 support
        warped = cv2.remap(source, cols + flow[..., 0], rows + flow[..., 1], cv2.INTER_NEAREST,
                           borderMode=cv2.BORDER_CONSTANT, borderValue=-1.0)
        target = labels[t + 1]
        scored = (warped >= 0) & ((warped != 0) | (target != 0))
        if valid is not None:
            scored &= np.asarray(valid[t], dtype=bool)
        if scored.any():
            scores.append(float(np.mean(warped[scored] == target[scored])))
    return float(np.mean(scores)) if scores else math.nan
