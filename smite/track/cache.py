"""Trajectory cache for SMITE's temporal voting (paper §4.3, Alg. 1), tracked as planned by smite.track.plan.

A cache holds, for every `Clip` of the video's plan, the trajectories of the ``grid x grid`` attention-cell centres
of each of the clip's query frames through the clip's frames, in attention-grid coordinates, where cell ``(i, j)``
(row i, column j) has its centre at ``(x, y) = (j, i)``: ``x_grid = x_pixel * grid / W - 0.5`` and
``y_grid = y_pixel * grid / H - 0.5``.

Guided inference reads the clip of its processing window (:meth:`TrackCache.window_layout`): the authors track each
window's frames on their own, so a frame in two overlapping windows has two sets of trajectories, one per window.
Baseline-II's vote over the whole video and the flicker metric read, per query frame, a clip that covers the frames
they need (:meth:`TrackCache.video_layout`, :meth:`TrackCache.pair_layout`). All three hand the voting and the
metric the same (T, O, N, 2) layout over frame offsets, with frames outside the clip marked invisible.

The plan's parameters (window, overlap, vote window, uses) are part of the cache's identity: they are stored and
checked against the inference config when the cache is used.
"""

from __future__ import annotations

import hashlib
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

from smite.atomic import atomic_output
from smite.errors import SmiteInputError
from smite.track.base import Tracker
from smite.track.plan import TRACK_USES, Clip, track_plan
from smite.windows import vote_range

CACHE_FORMAT = "smite-track-cache"
CACHE_VERSION = 4
_KEYS = ("num_frames", "grid", "frame_size", "tracker", "video_sha256", "window", "overlap", "vote_window", "uses",
         "clips", "clip_queries")


@dataclass
class ClipTracks:
    """One clip's trajectories: positions (Q, F, N, 2) float32, attention-grid (x, y) in frame clip.start + f of grid
    point n = i * grid + j queried in frame clip.queries[q]; visible (Q, F, N) bool. At its query frame a point is
    exactly its cell, visible."""

    clip: Clip
    positions: np.ndarray
    visible: np.ndarray

    def rows(self, queries: np.ndarray, offsets: np.ndarray, cells: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(len(queries), O, N, 2) positions and visibility of `queries` at frame offsets `offsets`; frames outside
        the clip hold the query cell, invisible."""
        index = np.searchsorted(np.asarray(self.clip.queries), queries)
        target = queries[:, None] + offsets[None, :]  # (Q, O) absolute frames
        inside = (target >= self.clip.start) & (target < self.clip.stop)
        local = np.clip(target - self.clip.start, 0, self.clip.frames - 1)
        positions = self.positions[index[:, None], local]  # (Q, O, N, 2)
        positions = np.where(inside[..., None, None], positions, cells[None, None])
        return positions.astype(np.float32), self.visible[index[:, None], local] & inside[..., None]


@dataclass
class TrackCache:
    """Trajectories of the attention-grid centres of a video of `num_frames` frames, clip by clip.

    window / overlap / vote_window / uses: the plan they were tracked for (smite.track.plan). frame_size: (H, W) of
    the frames tracked. tracker: name of the tracker that produced them. video_sha256: digest of the decoded
    frames, so a cache is never applied to another video ("" when unknown). tiles: with tiled inference one cache
    per tile, in tile order (smite.tiles).
    """

    clips: tuple[ClipTracks, ...]
    num_frames: int
    grid: int
    frame_size: tuple[int, int]
    tracker: str
    window: int
    overlap: int
    vote_window: int
    uses: tuple[str, ...]
    video_sha256: str = ""
    tiles: tuple[TrackCache, ...] = field(default_factory=tuple)
    tile_size: float = 0.0

    @property
    def cells(self) -> np.ndarray:
        return grid_cells(self.grid)

    @property
    def work(self) -> int:
        """Frames x query frames tracked (per grid point), over the whole frame's clips."""
        return sum(tracks.clip.work for tracks in self.clips)

    @property
    def visible_fraction(self) -> float:
        total = sum(tracks.visible.size for tracks in self.clips)
        return float(sum(int(tracks.visible.sum()) for tracks in self.clips) / total) if total else 0.0

    def check_plan(self, window: int, overlap: int, vote_window: int, uses: Iterable[str],
                   source: str | Path = "track cache") -> None:
        """SmiteInputError unless the cache was tracked for these windows, this voting window and these uses."""
        missing = sorted(set(uses) - set(self.uses))
        if missing:
            raise SmiteInputError(source, f"tracked for {'/'.join(self.uses)} but needed for {'/'.join(missing)} "
                                          "too: re-run `smite track` for the method")
        if "windows" in uses and (window, overlap) != (self.window, self.overlap):
            raise SmiteInputError(source, f"tracked over windows of {self.window} frames overlapping by "
                                          f"{self.overlap}, but the inference config uses {window} and {overlap}: "
                                          "re-run `smite track`")
        if int(vote_window) != self.vote_window:
            raise SmiteInputError(source, f"tracked for a voting window of {self.vote_window} frames, but the "
                                          f"inference config votes over {vote_window}: re-run `smite track`")

    def check_tiles(self, tiles: int, tile_size: float, source: str | Path = "track cache") -> None:
        """SmiteInputError unless the cache holds the trajectories of every tile the inference config uses."""
        if tiles > 1 and (len(self.tiles) != tiles * tiles or abs(self.tile_size - tile_size) > 1e-12):
            raise SmiteInputError(source, f"holds {len(self.tiles)} tiles of size {self.tile_size}, but the inference "
                                          f"config uses {tiles} x {tiles} of size {tile_size}: re-run `smite track`")

    def window_layout(self, start: int, stop: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(positions (L, O, N, 2), visible (L, O, N), offsets (O,)) of processing window [start, stop) from its own
        clip, over the offsets its voting can reach."""
        for tracks in self.clips:
            if (tracks.clip.start, tracks.clip.stop) == (start, stop) and len(tracks.clip.queries) == stop - start:
                offsets = window_offsets(self.vote_window)
                positions, visible = tracks.rows(np.arange(start, stop), offsets, self.cells)
                return positions, visible, offsets
        raise SmiteInputError(None, f"the track cache holds no clip for window [{start}, {stop}): it was tracked "
                                    f"for windows of {self.window} overlapping by {self.overlap}")

    def video_layout(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Each frame's trajectories through its voting range over the whole video (Baseline-II), (T, O, N, 2)."""
        offsets = window_offsets(self.vote_window)
        return (*self._layout(offsets, lambda t: vote_range(t, self.num_frames, self.vote_window)), offsets)

    def pair_layout(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Each frame's trajectories to the next frame (the flicker metric): offsets (0, 1)."""
        offsets = np.array([0, 1])
        return (*self._layout(offsets, lambda t: (t, min(t + 2, self.num_frames))), offsets)

    def _layout(self, offsets: np.ndarray, needed: Callable[[int], tuple[int, int]]) -> tuple[np.ndarray, np.ndarray]:
        """Per frame t, the rows of the first clip that has t as a query frame and covers frames needed(t)."""
        count = len(self.cells)
        positions = np.empty((self.num_frames, len(offsets), count, 2), np.float32)
        visible = np.empty((self.num_frames, len(offsets), count), bool)
        chosen: dict[int, list[int]] = {}
        for frame in range(self.num_frames):
            start, stop = needed(frame)
            source = next((i for i, tracks in enumerate(self.clips) if tracks.clip.serves(frame, start, stop)), None)
            if source is None:
                raise SmiteInputError(None, f"the track cache holds no trajectories of frame {frame} through frames "
                                            f"[{start}, {stop}) (tracked for {'/'.join(self.uses)})")
            chosen.setdefault(source, []).append(frame)
        for source, frames in chosen.items():
            rows = np.array(frames)
            positions[rows], visible[rows] = self.clips[source].rows(rows, offsets, self.cells)
        return positions, visible


def grid_cells(grid: int) -> np.ndarray:
    """(N, 2) float32 grid (x, y) of the cells, row-major: where each query frame's points start, exactly."""
    rows, cols = np.mgrid[0:grid, 0:grid]
    return np.column_stack([cols.ravel(), rows.ravel()]).astype(np.float32)


def grid_queries(grid: int, height: int, width: int) -> np.ndarray:
    """(grid*grid, 2) pixel (x, y) of the attention-cell centres ((j+0.5) W/grid, (i+0.5) H/grid), row-major."""
    if grid < 1:
        raise ValueError(f"grid must be at least 1, got {grid}")
    return grid_to_pixel(grid_cells(grid), grid, height, width)


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
    overlap: int,
    vote_window: int,
    uses: tuple[str, ...] = ("windows",),
    progress: bool = False,
) -> TrackCache:
    """Track the grid centres of every clip of the plan (smite.track.plan.track_plan); see the module docstring.

    frames: (T, H, W, 3) uint8 RGB. A tracker with ``track_clips`` (the flow tracker: each frame pair's flow once
    for the whole video) gets every clip at once; any other gets one ``track`` call per clip, its query frames'
    grid points in frame order (CoTracker3 then runs them in batches of its ``max_queries``).
    """
    window_offsets(vote_window)  # rejects an even voting window
    frames = np.asarray(frames)
    if frames.ndim != 4:
        raise ValueError(f"frames must be (T, H, W, 3), got shape {frames.shape}")
    num_frames, height, width = frames.shape[:3]
    clips = track_plan(num_frames, window, overlap, vote_window, tuple(uses))
    points = grid_queries(grid, height, width)
    requests = [(clip.start, clip.stop, _clip_queries(clip, points)) for clip in clips]
    with tqdm(total=len(clips), desc=f"tracking ({tracker.name})", unit="clip", disable=not progress) as bar:
        if hasattr(tracker, "track_clips"):
            results = tracker.track_clips(frames, requests)
            bar.update(len(clips))
        else:
            results = []
            for start, stop, queries in requests:
                results.append(tracker.track(frames[start:stop], queries))
                bar.update()
    tracks = tuple(_clip_tracks(clip, positions, seen, grid, (height, width))
                   for clip, (positions, seen) in zip(clips, results, strict=True))
    return TrackCache(tracks, num_frames, grid, (height, width), tracker.name, window, overlap, vote_window,
                      tuple(uses))


def _clip_queries(clip: Clip, points: np.ndarray) -> np.ndarray:
    """(Q * N, 3) rows [local query frame, x, y]: each query frame's grid points, query frames in order."""
    return np.concatenate([np.column_stack([np.full(len(points), q - clip.start), points]) for q in clip.queries])


def _clip_tracks(clip: Clip, positions: np.ndarray, seen: np.ndarray, grid: int,
                 size: tuple[int, int]) -> ClipTracks:
    """A tracker's (F, Q * N, 2) pixel output as (Q, F, N, 2) grid positions, each query frame pinned to its cells."""
    queries, frames = len(clip.queries), clip.frames
    points = grid * grid
    positions = np.asarray(positions).reshape(frames, queries, points, 2).transpose(1, 0, 2, 3)
    grid_positions = pixel_to_grid(positions, grid, *size).astype(np.float32)
    visible = np.asarray(seen, dtype=bool).reshape(frames, queries, points).transpose(1, 0, 2).copy()
    own = np.arange(queries), np.asarray(clip.queries) - clip.start
    grid_positions[own] = grid_cells(grid)
    visible[own] = True
    return ClipTracks(clip, np.ascontiguousarray(grid_positions), visible)


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
    arrays: dict[str, np.ndarray] = {
        "num_frames": np.array(cache.num_frames, dtype=np.int64),
        "grid": np.array(cache.grid, dtype=np.int64),
        "frame_size": np.array(cache.frame_size, dtype=np.int64),
        "tracker": np.array(cache.tracker),
        "video_sha256": np.array(cache.video_sha256),
        "window": np.array(cache.window, dtype=np.int64),
        "overlap": np.array(cache.overlap, dtype=np.int64),
        "vote_window": np.array(cache.vote_window, dtype=np.int64),
        "uses": np.array(",".join(cache.uses)),
        "clips": np.array([(t.clip.start, t.clip.stop, len(t.clip.queries)) for t in cache.clips],
                          dtype=np.int64).reshape(-1, 3),
        "clip_queries": np.array([q for t in cache.clips for q in t.clip.queries], dtype=np.int64),
    }
    for index, tracks in enumerate(cache.clips):
        arrays[f"clip{index}.positions"] = np.asarray(tracks.positions, dtype=np.float32)
        arrays[f"clip{index}.visible"] = np.asarray(tracks.visible, dtype=bool)
    return arrays


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
    while f"tile{index}.clips" in arrays:
        prefix = f"tile{index}."
        tile = {key.removeprefix(prefix): value for key, value in arrays.items() if key.startswith(prefix)}
        cache.tiles += (_cache_from_arrays(path, tile),)
        index += 1
    cache.tile_size = float(arrays.get("tile_size", 0.0))
    return cache


def _cache_from_arrays(path: Path, arrays: dict[str, Any]) -> TrackCache:
    """Check one view's loaded arrays (plan, clips, shapes); build the dataclass."""
    missing = [key for key in _KEYS if key not in arrays]
    if missing:
        raise SmiteInputError(path, f"not a SMITE track cache (missing {', '.join(missing)})")
    grid, num_frames = int(arrays["grid"]), int(arrays["num_frames"])
    uses = tuple(str(arrays["uses"]).split(","))
    if set(uses) - set(TRACK_USES):
        raise SmiteInputError(path, f"unknown track uses {uses}")
    if arrays["frame_size"].shape != (2,):
        raise SmiteInputError(path, f"frame_size has shape {arrays['frame_size'].shape}, not (2,)")
    height, width = (int(v) for v in arrays["frame_size"])
    window, overlap, vote_window = (int(arrays[key]) for key in ("window", "overlap", "vote_window"))
    if vote_window < 1 or vote_window % 2 == 0:
        raise SmiteInputError(path, f"voting window {vote_window} is not a positive odd number of frames")
    spans, queries = arrays["clips"], arrays["clip_queries"]
    if spans.ndim != 2 or spans.shape[1] != 3 or int(spans[:, 2].sum()) != len(queries):
        raise SmiteInputError(path, f"clips {spans.shape} do not match {len(queries)} query frames")
    clips, first = [], 0
    for index, (start, stop, count) in enumerate(spans.tolist()):
        try:
            clip = Clip(start, stop, tuple(int(q) for q in queries[first : first + count]))
        except ValueError as error:
            raise SmiteInputError(path, f"clip {index}: {error}") from None
        first += count
        positions, visible = arrays.get(f"clip{index}.positions"), arrays.get(f"clip{index}.visible")
        expected = (count, stop - start, grid * grid)
        if positions is None or visible is None or positions.shape != (*expected, 2) or visible.shape != expected \
                or visible.dtype != bool or stop > num_frames:
            raise SmiteInputError(path, f"clip {index} [{start}, {stop}) has no trajectories of shape {expected}")
        clips.append(ClipTracks(clip, positions.astype(np.float32), visible))
    return TrackCache(tuple(clips), num_frames, grid, (height, width), str(arrays["tracker"]), window, overlap,
                      vote_window, uses, str(arrays["video_sha256"]))


def frames_digest(frames: Iterable[np.ndarray]) -> str:
    """sha256 of decoded frames (an array or a stream of them, one pass): identifies the video a cache belongs to."""
    digest = hashlib.sha256()
    for frame in frames:
        digest.update(np.ascontiguousarray(frame).tobytes())
    return digest.hexdigest()
