"""The trajectories a video needs, planned from the inference config before anything is tracked.

A `Clip` is a span of frames and the query frames whose grid points are tracked through it. Two uses:

* ``windows`` — guided inference: every processing window (the authors' create_slices2, ``inference.window`` /
  ``overlap``) is one clip whose query frames are all its frames. This is the authors' plan: in each window their
  ``_inference`` calls ``apply_tracker_on_all_frames`` on the window's frames, one CoTracker call per query frame
  (src/inference.py, src/tracking.py). Voting inside a window reads only that window's clip, and the flicker
  metric (each frame to the next) is served by it too: consecutive frames always share a window.
* ``video`` — Baseline-II's vote over the whole video after segmentation: frame t needs the frames of its voting
  range (:func:`smite.windows.vote_range` over the video). A frame whose range lies inside one of its windows'
  clips is served by it; the others are tracked over their range, frames with the same range in one clip.

Work is counted as frames x query frames (x grid points, the same for every clip), the unit in which
CoTracker's cost and the authors' plan compare.
"""

from __future__ import annotations

from dataclasses import dataclass

from smite.windows import plan_windows, vote_range

TRACK_USES = ("windows", "video")


@dataclass(frozen=True)
class Clip:
    """Frames [start, stop) through which the grid points of each query frame (absolute indices) are tracked."""

    start: int
    stop: int
    queries: tuple[int, ...]

    def __post_init__(self) -> None:
        if not 0 <= self.start < self.stop or not self.queries:
            raise ValueError(f"a clip needs 0 <= start < stop and query frames, got {self}")
        if list(self.queries) != sorted(set(self.queries)):
            raise ValueError(f"query frames must be increasing, got {self.queries}")
        if any(not self.start <= q < self.stop for q in self.queries):
            raise ValueError(f"query frames {self.queries} lie outside the clip [{self.start}, {self.stop})")

    @property
    def frames(self) -> int:
        return self.stop - self.start

    @property
    def work(self) -> int:
        """Frames x query frames tracked (per grid point)."""
        return self.frames * len(self.queries)

    def serves(self, query: int, start: int, stop: int) -> bool:
        """Whether this clip holds `query`'s trajectories through frames [start, stop)."""
        return query in self.queries and self.start <= start and stop <= self.stop


def window_clips(frames: int, window: int, overlap: int) -> list[Clip]:
    """One clip per guided processing window, every frame of it a query frame (the authors' plan)."""
    return [Clip(w.start, w.stop, tuple(range(w.start, w.stop))) for w in plan_windows(frames, window, overlap)]


def video_clips(frames: int, vote_window: int, served: list[Clip]) -> list[Clip]:
    """Clips for the whole-video vote: each frame over its voting range, unless a clip in `served` holds it."""
    needed: dict[tuple[int, int], list[int]] = {}
    for frame in range(frames):
        start, stop = vote_range(frame, frames, vote_window)
        if not any(clip.serves(frame, start, stop) for clip in served):
            needed.setdefault((start, stop), []).append(frame)
    return [Clip(start, stop, tuple(queries)) for (start, stop), queries in needed.items()]


def track_plan(frames: int, window: int, overlap: int, vote_window: int, uses: tuple[str, ...]) -> tuple[Clip, ...]:
    """The clips a video of `frames` frames is tracked over for `uses` (a subset of TRACK_USES)."""
    unknown = set(uses) - set(TRACK_USES)
    if unknown or not uses:
        raise ValueError(f"track uses must be among {', '.join(TRACK_USES)}, got {uses}")
    clips = window_clips(frames, window, overlap) if "windows" in uses else []
    if "video" in uses:
        clips += video_clips(frames, vote_window, clips)
    return tuple(clips)


def authors_work(frames: int, window: int, overlap: int) -> tuple[int, int]:
    """(CoTracker calls, frames x query frames) of the authors' plan: per window, one call per query frame over
    the window's frames."""
    windows = plan_windows(frames, window, overlap)
    return sum(w.stop - w.start for w in windows), sum((w.stop - w.start) ** 2 for w in windows)
