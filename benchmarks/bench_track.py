"""Trajectory caching: CoTracker calls and frames x query frames per video beside the authors' plan, and seconds
per frame.

The authors track every processing window on its own (src/inference.py: apply_tracker_on_all_frames on the
window's frames, windows of 16 overlapping by 8), one CoTracker call per query frame with its 4096 grid points.
The cache tracks exactly what the windows need (smite.track.plan), so its "windows" counts must equal theirs
(ratio 1.00); "windows+video" adds Baseline-II's whole-video vote where the run has Baseline-II. The previous
cache (format 3) tracked chunks of 32 query frames over w - 1 frames either side; its counts are printed for
comparison. Calls assume `inference.cotracker3.max_queries` grid points per call (default 4096 = one query frame).
Seconds are measured with the chosen tracker (the flow tracker by default; cotracker3 needs `--weights`).

Example: python benchmarks/bench_track.py --frames 16 32 48 100 300 --time 16 48
"""

from __future__ import annotations

import argparse
import math
import time

import numpy as np
from common import report

from smite.track.cache import build_track_cache
from smite.track.flow import FlowTracker
from smite.track.plan import authors_work, track_plan


def previous_plan(frames: int, vote_window: int, chunk: int = 32) -> tuple[int, int]:
    """(calls of one query frame's grid, frames x query frames) of the format-3 cache: chunks of `chunk` query
    frames, each tracked over the chunk and vote_window - 1 frames either side (CoTracker follows every query
    through every frame of the call)."""
    half, calls, work = vote_window - 1, 0, 0
    for first in range(0, frames, chunk):
        last = min(frames, first + chunk)
        calls += last - first
        work += (min(frames, last + half) - max(0, first - half)) * (last - first)
    return calls, work


def counts(frames: int, args: argparse.Namespace) -> dict:
    """One video length's counts: the authors', the cache's for each use, the previous cache's."""
    authors_calls, authors_frames = authors_work(frames, args.window, args.overlap)
    row = {"frames": frames, "authors_calls": authors_calls, "authors_frames_x_queries": authors_frames}
    points = args.grid**2
    for name, uses in (("windows", ("windows",)), ("windows+video", ("windows", "video"))):
        clips = track_plan(frames, args.window, args.overlap, args.vote_window, uses)
        calls = sum(math.ceil(len(clip.queries) * points / args.max_queries) for clip in clips)
        work = sum(clip.work for clip in clips)
        row.update({f"{name}_calls": calls, f"{name}_frames_x_queries": work,
                    f"{name}_ratio": round(work / authors_frames, 3)})
    old_calls, old_work = previous_plan(frames, args.vote_window)
    row.update({"previous_calls": old_calls, "previous_frames_x_queries": old_work,
                "previous_ratio": round(old_work / authors_frames, 3)})
    return row


def timing(frames: int, args: argparse.Namespace) -> dict:
    """Seconds per frame of caching a translating texture at `args.size` px for the windows (and the video vote)."""
    rng = np.random.default_rng(0)
    side = args.size + 4 * frames
    texture = rng.integers(0, 255, (side, side, 3), dtype=np.uint8)
    video = np.stack([texture[2 * t : 2 * t + args.size, 3 * t : 3 * t + args.size] for t in range(frames)])
    if args.tracker == "flow":
        tracker = FlowTracker()
    else:
        from smite.track.cotracker import CoTracker3Tracker

        tracker = CoTracker3Tracker(weights=args.weights, max_queries=args.max_queries)
    start = time.perf_counter()
    build_track_cache(video, tracker, args.grid, args.window, args.overlap, args.vote_window, ("windows", "video"))
    seconds = time.perf_counter() - start
    return {"frames": frames, "seconds": round(seconds, 2), "s_per_frame": round(seconds / frames, 3)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, nargs="+", default=[16, 32, 48, 100, 300])
    parser.add_argument("--time", type=int, nargs="*", default=[16, 48], help="video lengths to time (none: skip)")
    parser.add_argument("--size", type=int, default=512, help="frame side in pixels (default 512, SD 2.1's input)")
    parser.add_argument("--grid", type=int, default=64, help="attention grid (default 64, SD 2.1)")
    parser.add_argument("--window", type=int, default=16, help="processing window (default 16, the authors')")
    parser.add_argument("--overlap", type=int, default=8, help="window overlap (default 8, the authors')")
    parser.add_argument("--vote-window", type=int, default=15, help="voting window (default 15, the authors')")
    parser.add_argument("--max-queries", type=int, default=4096, help="grid points per CoTracker call")
    parser.add_argument("--tracker", default="flow", choices=["flow", "cotracker3"])
    parser.add_argument("--weights", help="CoTracker3 checkpoint (scaled_offline.pth) for --tracker cotracker3")
    args = parser.parse_args()
    report({"grid": args.grid, "window": args.window, "overlap": args.overlap, "vote_window": args.vote_window,
            "counts": [counts(frames, args) for frames in args.frames],
            "timing": {"tracker": args.tracker, "size": args.size,
                       "runs": [timing(frames, args) for frames in args.time]}})


if __name__ == "__main__":
    main()
