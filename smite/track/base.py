"""The point-tracker contract shared by the optical-flow and CoTracker3 trackers.

Coordinates are pixels of the frames with pixel centres at integers (OpenCV / CoTracker convention):
``x`` is the column, ``y`` the row, and the frame covers ``[-0.5, W - 0.5] x [-0.5, H - 0.5]``.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

import numpy as np


@runtime_checkable
class Tracker(Protocol):
    """Bidirectional point tracker: every query is followed forward and backward from its query frame."""

    name: str

    def track(
        self, frames: np.ndarray, queries: np.ndarray, max_steps: int | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Trajectories of `queries` through `frames`.

        frames: (T, H, W, 3) uint8 RGB. queries: (N, 3) float rows ``[t, x, y]``, ``t`` an integer frame index.
        Returns positions (T, N, 2) float32 ``(x, y)`` and visible (T, N) bool; at its query frame a point is
        exactly the query and visible. ``max_steps`` lets a tracker stop following a point more than that many
        frames away from its query frame (those frames are then reported invisible); trackers may ignore it.
        """
        ...


def check_track_inputs(frames: np.ndarray, queries: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Validate the Tracker contract's inputs; returns frames as given and queries as float64 (N, 3)."""
    frames = np.asarray(frames)
    if frames.ndim != 4 or frames.shape[-1] != 3 or frames.dtype != np.uint8 or len(frames) == 0:
        raise ValueError(f"frames must be a non-empty (T, H, W, 3) uint8 array, got {frames.shape} {frames.dtype}")
    queries = np.asarray(queries, dtype=np.float64)
    if queries.ndim != 2 or queries.shape[1] != 3:
        raise ValueError(f"queries must be (N, 3) rows [t, x, y], got shape {queries.shape}")
    if not np.isfinite(queries).all():
        raise ValueError("queries contain NaN or infinite values")
    t = queries[:, 0]
    if (t != np.round(t)).any() or (t < 0).any() or (t >= len(frames)).any():
        raise ValueError(f"query frame indices must be integers in [0, {len(frames)})")
    return frames, queries


def pin_queries(positions: np.ndarray, visible: np.ndarray, queries: np.ndarray) -> None:
    """Set every query's own frame to the query point, visible (in place): the contract's anchor."""
    index = np.arange(len(queries))
    frame = queries[:, 0].astype(np.int64)
    positions[frame, index] = queries[:, 1:3]
    visible[frame, index] = True
