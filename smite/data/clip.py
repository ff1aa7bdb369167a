"""The unit every reader produces and every method consumes."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass
class Clip:
    """A video with sparse part annotations.

    frames: (T, H, W, 3) uint8 RGB.
    labels: annotated frame index -> (H, W) integer label map (0 = background, k = parts[k]).
    parts: part names, background first.
    """

    name: str
    frames: np.ndarray
    parts: list[str]
    labels: dict[int, np.ndarray] = field(default_factory=dict)
    category: str = ""
    fps: float = 24.0

    @property
    def num_frames(self) -> int:
        return int(self.frames.shape[0])

    @property
    def size(self) -> tuple[int, int]:
        """(height, width) of the frames."""
        return int(self.frames.shape[1]), int(self.frames.shape[2])
