"""CoTracker3 (offline) point tracker, the one the paper uses (§4.3; bidirectional via ``backward_tracking``).

The model code comes from the ``cotracker`` package (facebookresearch/co-tracker, CC-BY-NC 4.0; not on PyPI:
the `paper` extra installs it from its repository at a pinned commit). Its weights are `models.cotracker3`:
the checkpoint the repository's ``cotracker3_offline`` hub entry point loads, fetched by hf_hub_download at a
pinned revision (smite.hub), or a local ``.pth`` file.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from smite.errors import SmiteInputError
from smite.hub import COTRACKER_INSTALL
from smite.track.base import check_track_inputs, pin_queries

WINDOW_LEN = 60  # the offline model's temporal window in the official hub entry point
VISIBILITY_THRESHOLD = 0.5  # for models that return visibility probabilities (the predictor returns booleans)


class CoTracker3Tracker:
    """Tracker protocol on CoTracker3 offline; never falls back to another tracker.

    weights: the checkpoint file (`load_cotracker3`). model: an already built predictor (any callable with the
    ``CoTrackerPredictor`` call signature), e.g. for tests.
    max_queries: queries per model call, to bound memory (CoTracker tracks each batch jointly).
    interp_shape: see load_cotracker3. input_max: the value white gets in the video handed to the model:
    255 is the range CoTracker3's forward expects; the authors' preprocess_frames hands it [0, 1] (1).
    """

    name = "cotracker3"

    def __init__(
        self,
        weights: str | Path | None = None,
        device: str = "cpu",
        model: Callable[..., Any] | None = None,
        max_queries: int = 4096,
        interp_shape: tuple[int, int] | None = None,
        input_max: float = 255.0,
    ) -> None:
        if max_queries < 1:
            raise ValueError(f"max_queries must be at least 1, got {max_queries}")
        self.device = device
        self.input_max = float(input_max)
        self.max_queries = max_queries
        if model is None and weights is None:
            raise ValueError("CoTracker3Tracker needs its weights (a checkpoint file) or a model")
        self.model = model if model is not None else load_cotracker3(weights, device, interp_shape)

    def track(
        self, frames: np.ndarray, queries: np.ndarray, max_steps: int | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Tracker protocol. ``max_steps`` is ignored: CoTracker3 follows every point through all frames."""
        frames, queries = check_track_inputs(frames, queries)
        num_frames = len(frames)
        positions = np.repeat(queries[None, :, 1:3], num_frames, axis=0).astype(np.float32)
        visible = np.zeros((num_frames, len(queries)), dtype=bool)
        if num_frames > 1 and len(queries):
            video = video_tensor(frames, self.device, self.input_max)
            for first in range(0, len(queries), self.max_queries):
                batch = slice(first, first + self.max_queries)
                positions[:, batch], visible[:, batch] = self._run(video, queries[batch])
        pin_queries(positions, visible, queries)
        return positions, visible

    def _run(self, video: Any, queries: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """One model call: (1, T, 3, H, W) video and (N, 3) queries -> (T, N, 2) positions, (T, N) visible."""
        import torch

        query_tensor = torch.as_tensor(queries, dtype=torch.float32, device=video.device)[None]
        with torch.no_grad():
            tracks, visibility = self.model(video, queries=query_tensor, backward_tracking=True)
        return tracks_to_numpy(tracks, visibility, video.shape[1], len(queries))


def from_settings(settings: Any, weights: Path | None) -> CoTracker3Tracker:
    """The registry's factory (smite.trackers): CoTracker3 from its section (inference.cotracker3) and checkpoint."""
    return CoTracker3Tracker(weights=weights, interp_shape=settings.interp_shape, input_max=settings.input_max,
                             max_queries=settings.max_queries)


def video_tensor(frames: np.ndarray, device: str, input_max: float = 255.0) -> Any:
    """(T, H, W, 3) uint8 RGB -> (1, T, 3, H, W) float32 in 0..input_max, CoTracker's video input."""
    import torch

    video = torch.from_numpy(np.ascontiguousarray(frames)).permute(0, 3, 1, 2)[None].float()
    if input_max != 255.0:
        video = video / 255.0 * input_max
    return video.to(device)


def tracks_to_numpy(tracks: Any, visibility: Any, num_frames: int, num_queries: int) -> tuple[np.ndarray, np.ndarray]:
    """CoTracker outputs (1, T, N, 2) and (1, T, N[, 1]) -> float32 (T, N, 2) and bool (T, N), shapes checked."""
    positions = tracks.detach().float().cpu().numpy()[0]
    seen = visibility.detach().cpu().numpy()[0]
    if seen.ndim == 3 and seen.shape[-1] == 1:
        seen = seen[..., 0]
    if positions.shape != (num_frames, num_queries, 2) or seen.shape != (num_frames, num_queries):
        raise RuntimeError(f"CoTracker returned tracks {positions.shape} / visibility {seen.shape}, "
                           f"expected ({num_frames}, {num_queries}, 2) / ({num_frames}, {num_queries})")
    if seen.dtype != bool:
        seen = seen > VISIBILITY_THRESHOLD
    return positions.astype(np.float32), seen


def load_cotracker3(checkpoint: str | Path, device: str = "cpu", interp_shape: tuple[int, int] | None = None) -> Any:
    """The offline CoTracker3 predictor on `device`, with the weights of a checkpoint file.

    interp_shape: (H, W) the video is resized to inside the model; None keeps the model's own resolution
    (384 x 512, what the authors ran); smaller values only make tests on a CPU fast.
    """
    if not Path(checkpoint).is_file():
        raise SmiteInputError(checkpoint, "CoTracker3 checkpoint does not exist")
    try:
        from cotracker.predictor import CoTrackerPredictor
    except ImportError as exc:
        raise SmiteInputError(None, f"CoTracker3 is not installed: {COTRACKER_INSTALL} (or use --tracker flow)") \
            from exc
    try:
        predictor = CoTrackerPredictor(checkpoint=None, offline=True, v2=False, window_len=WINDOW_LEN)
        predictor.model.load_state_dict(_state_dict(checkpoint))
    except (RuntimeError, KeyError, ValueError) as exc:
        raise SmiteInputError(checkpoint, f"not a CoTracker3 offline checkpoint ({exc})") from exc
    if interp_shape is not None:
        predictor.interp_shape = tuple(int(side) for side in interp_shape)
    return predictor.to(device).eval()


def _state_dict(checkpoint: str | Path) -> dict[str, Any]:
    """Model weights from a checkpoint file (optionally wrapped in {"model": ...})."""
    import torch

    try:
        state = torch.load(checkpoint, map_location="cpu", weights_only=True)
    except (OSError, RuntimeError, ValueError, EOFError) as exc:
        raise SmiteInputError(checkpoint, f"cannot read the CoTracker3 checkpoint ({exc})") from exc
    if not isinstance(state, dict):
        raise SmiteInputError(checkpoint, "CoTracker3 checkpoint is not a state dict")
    return state.get("model", state)
