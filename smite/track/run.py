"""Trajectory caching as the `smite track` command and the DAG's track jobs run it.

Kept apart from smite.api so that a tracking job loads OpenCV and numpy, not torch and diffusers (the
flow tracker needs neither; CoTracker3 imports torch itself when chosen).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path

import cv2
import numpy as np

from smite.data.video import open_video
from smite.settings import MethodSettings
from smite.tiles import tile_boxes
from smite.track.cache import TrackCache, build_track_cache, save_track_cache
from smite.track.plan import TRACK_USES
from smite.trackers import make_tracker, tracker_kind


def compute_tracks(
    frames: Iterable[np.ndarray], settings: MethodSettings, tracker: str | None = None, vote_window: int | None = None,
    progress: bool = True, grid: int | None = None, uses: tuple[str, ...] = TRACK_USES,
) -> TrackCache:
    """Trajectories of the attention-grid centres through the clips `uses` need (smite.track.plan): the windows of
    guided inference (`inference.window` / `overlap`) and/or each frame's voting range over the whole video.

    Tracked on what the model sees, as the authors track (src/tracking.py on their prepared frames): the frames
    resized to the model's square input; with tiled inference (`inference.tiles` > 1) also on every tile, the
    tile's crop of that input resized back to it.
    """
    grid = grid or settings.backbone.attention_grid()
    inference = settings.inference
    tracker = tracker or inference.tracker
    key = tracker_kind(tracker).model_key
    point_tracker = make_tracker(tracker, inference, settings.model(key) if key else None)
    plan = (inference.window, inference.overlap, vote_window or inference.vote_window, uses)
    side = settings.backbone.model_side()
    digest = hashlib.sha256()
    views = []
    for frame in frames:  # one pass over a stream: the full-size frames are not kept
        digest.update(np.ascontiguousarray(frame).tobytes())
        views.append(cv2.resize(np.ascontiguousarray(frame), (side, side), interpolation=cv2.INTER_AREA))
    view = np.stack(views)  # the model's input (smite.model.segmenter.to_model_input's resampling)
    cache = build_track_cache(view, point_tracker, grid, *plan, progress=progress)
    cache.video_sha256 = digest.hexdigest()
    if inference.tiles > 1:
        tiles = []
        for top, bottom, left, right in tile_boxes(side, inference.tiles, inference.tile_size):
            crop = resized(view[:, top:bottom, left:right], side, cv2.INTER_LINEAR)  # the crop's bilinear resize
            tiles.append(build_track_cache(crop, point_tracker, grid, *plan, progress=progress))
        cache.tiles, cache.tile_size = tuple(tiles), inference.tile_size
    return cache


def resized(frames: np.ndarray, side: int, interpolation: int) -> np.ndarray:
    """(T, H, W, 3) frames resized to side x side (a copy even when already that size)."""
    return np.stack([cv2.resize(np.ascontiguousarray(frame), (side, side), interpolation=interpolation)
                     for frame in frames])


def track_video(
    video: str | Path, out: str | Path, settings: MethodSettings, tracker: str | None = None,
    vote_window: int | None = None, progress: bool = True, uses: tuple[str, ...] = TRACK_USES,
    frames: int | None = None,
) -> TrackCache:
    """`smite track`: compute and cache (atomically) a video's trajectories (the video streamed once; its first
    `frames` only, when given)."""
    cache = compute_tracks(open_video(video, frames), settings, tracker, vote_window, progress, uses=uses)
    save_track_cache(out, cache)
    return cache
