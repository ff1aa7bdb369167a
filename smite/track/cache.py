"""Trajectory cache for SMITE's temporal voting (paper §4.3, Alg. 1).

For every frame t, the centres of the ``grid x grid`` attention grid are tracked over the frames
``t + offsets`` (``offsets = -(w-1) .. w-1`` for a voting window of w frames) and stored in attention-grid
coordinates, where cell
``(i, j)`` (row i, column j) has its centre at ``(x, y) = (j, i)``:
``x_grid = x_pixel * grid / W - 0.5`` and ``y_grid = y_pixel * grid / H - 0.5``.

The span is ``w - 1`` frames each side, not ``w // 2``: the authors' voting window always holds w frames
and is shifted, not cut, near the ends of the processed frames (``determine_window`` in their
src/tracking.py), so frame t may vote with frames up to ``w - 1`` away. The window is part of the cache's
identity: it is stored and checked against the inference config when the cache is used.

Query frames are processed in chunks: one tracker call per chunk, on that chunk's frames plus ``w - 1``
frames each side, so the work grows linearly with the video length (the authors' one call per frame over
the whole video is quadratic).
"""

from __future__ import annotations

import hashlib
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from tqdm import tqdm

from smite.data.video import atomic_output
from smite.errors import SmiteInputError
from smite.track.base import Tracker

CACHE_FORMAT = "smite-track-cache"
CACHE_VERSION = 3
_KEYS = ("positions", "visible", "offsets", "vote_window", "grid", "frame_size", "tracker", "video_sha256")


@dataclass
class TrackCache:
    """Trajectories of the attention-grid centres around every frame.

    positions: (T, O, N, 2) float32, attention-grid coordinates (x, y) in frame t + offsets[k] of grid
    point n = i * grid + j queried in frame t; visible: (T, O, N) bool, False for frames outside the
    video (whose positions hold the query cell). offsets: (O,) int, -(w-1) .. w-1 for the voting window
    vote_window = w (O = 2w - 1). frame_size: (H, W) of the frames
    tracked. tracker: name of the tracker that produced them. video_sha256: digest of the decoded frames, so
    a cache is never applied to another video ("" when unknown).
    """

    positions: np.ndarray
    visible: np.ndarray
    offsets: np.ndarray
    vote_window: int
    grid: int
    frame_size: tuple[int, int]
    tracker: str
    video_sha256: str = ""
    tiles: tuple[TrackCache, ...] = ()  # with tiled inference: one cache per tile, in tile order (smite.tiles)
    tile_size: float = 0.0

    def check_window(self, vote_window: int, source: str | Path = "track cache") -> None:
        """SmiteInputError unless the cache was tracked for this voting window."""
        if int(vote_window) != self.vote_window:
            raise SmiteInputError(source, f"tracked for a voting window of {self.vote_window} frames, but the "
                                          f"inference config votes over {vote_window}: re-run `smite track`")


    def check_tiles(self, tiles: int, tile_size: float, source: str | Path = "track cache") -> None:
        """SmiteInputError unless the cache holds the trajectories of every tile the inference config uses."""
        if tiles > 1 and (len(self.tiles) != tiles * tiles or abs(self.tile_size - tile_size) > 1e-12):
            raise SmiteInputError(source, f"holds {len(self.tiles)} tiles of size {self.tile_size}, but the inference "
                                          f"config uses {tiles} x {tiles} of size {tile_size}: re-run `smite track`")


def grid_queries(grid: int, height: int, width: int) -> np.ndarray:
    """(grid*grid, 2) pixel (x, y) of the attention-cell centres ((j+0.5) W/grid, (i+0.5) H/grid), row-major."""
    if grid < 1:
        raise ValueError(f"grid must be at least 1, got {grid}")
    rows, cols = np.mgrid[0:grid, 0:grid]
    cells = np.stack([cols.ravel(), rows.ravel()], axis=1).astype(np.float64)
    return grid_to_pixel(cells, grid, height, width)


def pixel_to_grid(points: np.ndarray, grid: int, height: int, width: int) -> np.ndarray:
    """Pixel (x, y) -> attention-grid (x, y), cell centres at integers; any leading shape."""
    scale = np.array([grid / width, grid / height])
    return np.asarray(points, dtype=np.float64) * scale - 0.5


def grid_to_pixel(points: np.ndarray, grid: int, height: int, width: int) -> np.ndarray:
    """Attention-grid (x, y) -> pixel (x, y); inverse of :func:`pixel_to_grid`."""
    scale = np.array([width / grid, height / grid])
    return (np.asarray(points, dtype=np.float64) + 0.5) * scale


def window_offsets(window: int) -> np.ndarray:
    """Frame offsets -(window-1) .. window-1 that a shifted voting window of `window` (odd) frames can reach."""
    if window < 1 or window % 2 == 0:
        raise ValueError(f"the voting window must be a positive odd number of frames, got {window}")
    return np.arange(-(window - 1), window)


def build_track_cache(
    frames: np.ndarray,
    tracker: Tracker,
    grid: int,
    window: int,
    progress: bool = False,
    chunk: int = 32,
) -> TrackCache:
    """Track the grid centres of every frame over its voting window; see the module docstring.

    frames: (T, H, W, 3) uint8 RGB. chunk: query frames per tracker call (bounds memory; the overhead is
    ``2 (window - 1)`` extra frames per call).
    """
    offsets = window_offsets(window)
    if chunk < 1:
        raise ValueError(f"chunk must be at least 1, got {chunk}")
    frames = np.asarray(frames)
    if frames.ndim != 4:
        raise ValueError(f"frames must be (T, H, W, 3), got shape {frames.shape}")
    num_frames, height, width = frames.shape[:3]
    cells = pixel_to_grid(grid_queries(grid, height, width), grid, height, width).round()  # exact integers
    span = len(offsets)
    positions = np.broadcast_to(cells, (num_frames, span, grid * grid, 2)).astype(np.float32)
    visible = np.zeros((num_frames, span, grid * grid), dtype=bool)
    with tqdm(total=num_frames, desc=f"tracking ({tracker.name})", unit="frame", disable=not progress) as bar:
        for first in range(0, num_frames, chunk):
            last = min(num_frames, first + chunk)
            _track_chunk(frames, tracker, grid, offsets, (first, last), positions, visible)
            bar.update(last - first)
    centre = span // 2  # offsets[centre] == 0: the query frame is its own cell, exactly
    positions[:, centre] = cells
    visible[:, centre] = True
    return TrackCache(positions, visible, offsets, window, grid, (height, width), tracker.name)


def _track_chunk(
    frames: np.ndarray,
    tracker: Tracker,
    grid: int,
    offsets: np.ndarray,
    span: tuple[int, int],
    positions: np.ndarray,
    visible: np.ndarray,
) -> None:
    """One tracker call for query frames [first, last); writes their rows of positions/visible in place."""
    first, last = span
    num_frames, height, width = frames.shape[:3]
    half = len(offsets) // 2
    points = grid_queries(grid, height, width)
    lo, hi = max(0, first - half), min(num_frames, last + half)
    query_frames = np.arange(first, last)
    queries = np.concatenate(
        [np.column_stack([np.full(len(points), t - lo), points]) for t in query_frames]
    )
    tracked, seen = tracker.track(frames[lo:hi], queries, max_steps=half)
    tracked = tracked.reshape(hi - lo, len(query_frames), len(points), 2)
    seen = seen.reshape(hi - lo, len(query_frames), len(points))
    target = query_frames[:, None] + offsets[None, :]  # (C, window) absolute frames
    inside = (target >= 0) & (target < num_frames)
    local = np.clip(target, lo, hi - 1) - lo
    column = np.arange(len(query_frames))[:, None]
    chunk_positions = pixel_to_grid(tracked[local, column], grid, height, width)  # (C, window, N, 2)
    rows = slice(first, last)
    positions[rows] = np.where(inside[..., None, None], chunk_positions, positions[rows])
    visible[rows] = seen[local, column] & inside[..., None]


def save_track_cache(path: str | Path, cache: TrackCache) -> None:
    """Write `cache` to `path` as .npz, atomically (temporary file in the same folder, then renamed).

    The file lands exactly at `path`: it is written through a file object, so numpy appends no ``.npz``.
    """
    arrays = {"format": np.array(CACHE_FORMAT), "version": np.array(CACHE_VERSION),
              "tile_size": np.array(cache.tile_size, dtype=np.float64), **_arrays(cache)}
    for index, tile in enumerate(cache.tiles):
        arrays.update({f"tile{index}.{key}": value for key, value in _arrays(tile).items()})
    with atomic_output(path) as tmp, open(tmp, "wb") as handle:
        np.savez(handle, **arrays)


def _arrays(cache: TrackCache) -> dict[str, np.ndarray]:
    """The arrays of one view's trajectories (the frame, or a tile)."""
    return {
        "positions": np.asarray(cache.positions, dtype=np.float32),
        "visible": np.asarray(cache.visible, dtype=bool),
        "offsets": np.asarray(cache.offsets, dtype=np.int64),
        "vote_window": np.array(cache.vote_window, dtype=np.int64),
        "grid": np.array(cache.grid, dtype=np.int64),
        "frame_size": np.array(cache.frame_size, dtype=np.int64),
        "tracker": np.array(cache.tracker),
        "video_sha256": np.array(cache.video_sha256),
    }


def load_track_cache(path: str | Path) -> TrackCache:
    """Read a cache written by :func:`save_track_cache`; SmiteInputError if missing, corrupt or foreign."""
    path = Path(path)
    if not path.is_file():
        raise SmiteInputError(path, "track cache does not exist")
    try:
        with np.load(path, allow_pickle=False) as data:
            arrays = {key: data[key] for key in data.files}
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as exc:
        raise SmiteInputError(path, f"not a readable .npz track cache ({exc})") from exc
    if str(arrays.get("format", "")) != CACHE_FORMAT:
        raise SmiteInputError(path, "not a SMITE track cache (no format marker)")
    if int(arrays.get("version", -1)) != CACHE_VERSION:
        raise SmiteInputError(path, f"not a version-{CACHE_VERSION} SMITE track cache: re-run `smite track`")
    cache = _cache_from_arrays(path, arrays)
    index = 0
    while f"tile{index}.positions" in arrays:
        prefix = f"tile{index}."
        tile = {key.removeprefix(prefix): value for key, value in arrays.items() if key.startswith(prefix)}
        cache.tiles += (_cache_from_arrays(path, tile),)
        index += 1
    cache.tile_size = float(arrays.get("tile_size", 0.0))
    return cache


def _cache_from_arrays(path: Path, arrays: dict[str, np.ndarray]) -> TrackCache:
    """Check one view's loaded arrays (shapes, window); build the dataclass."""
    missing = [key for key in _KEYS if key not in arrays]
    if missing:
        raise SmiteInputError(path, f"not a SMITE track cache (missing {', '.join(missing)})")
    positions, visible, offsets = arrays["positions"], arrays["visible"], arrays["offsets"]
    grid = int(arrays["grid"])
    if positions.ndim != 4 or positions.shape[1:] != (len(offsets), grid * grid, 2):
        raise SmiteInputError(path, f"positions have shape {positions.shape}, not (T, {len(offsets)}, {grid**2}, 2)")
    if visible.shape != positions.shape[:3] or visible.dtype != bool:
        raise SmiteInputError(path, f"visible is {visible.shape} {visible.dtype}, not {positions.shape[:3]} bool")
    vote_window = int(arrays["vote_window"])
    if vote_window < 1 or vote_window % 2 == 0 or not np.array_equal(offsets, window_offsets(vote_window)):
        raise SmiteInputError(path, f"offsets {offsets.tolist()} do not span a voting window of {vote_window} frames")
    if arrays["frame_size"].shape != (2,):
        raise SmiteInputError(path, f"frame_size has shape {arrays['frame_size'].shape}, not (2,)")
    height, width = (int(v) for v in arrays["frame_size"])
    return TrackCache(positions.astype(np.float32), visible, offsets, vote_window, grid, (height, width),
                      str(arrays["tracker"]), str(arrays["video_sha256"]))


def frames_digest(frames: Iterable[np.ndarray]) -> str:
    """sha256 of decoded frames (an array or a stream of them, one pass): identifies the video a cache belongs to."""
    digest = hashlib.sha256()
    for frame in frames:
        digest.update(np.ascontiguousarray(frame).tobytes())
    return digest.hexdigest()
