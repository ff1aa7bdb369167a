"""Trajectory caching time against video length (must be linear: the authors' per-frame calls are quadratic).

Example: python benchmarks/bench_track.py --frames 16 32 64 --size 512 --grid 64
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from common import report

from smite.track.cache import build_track_cache
from smite.track.flow import FlowTracker


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, nargs="+", default=[16, 32, 64])
    parser.add_argument("--size", type=int, default=512, help="frame side in pixels (default 512)")
    parser.add_argument("--grid", type=int, default=64, help="attention grid (default 64, SD 2.1)")
    parser.add_argument("--window", type=int, default=15, help="voting window (default 15)")
    parser.add_argument("--tracker", default="flow", choices=["flow", "cotracker3"])
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    texture = rng.integers(0, 255, (args.size + 4 * max(args.frames), args.size + 4 * max(args.frames), 3),
                           dtype=np.uint8)
    rows = []
    for count in args.frames:
        frames = np.stack([texture[2 * t:2 * t + args.size, 3 * t:3 * t + args.size] for t in range(count)])
        if args.tracker == "flow":
            tracker = FlowTracker()
        else:
            from smite.track.cotracker import CoTracker3Tracker

            tracker = CoTracker3Tracker()
        start = time.perf_counter()
        build_track_cache(frames, tracker, args.grid, args.window)
        seconds = time.perf_counter() - start
        rows.append({"frames": count, "seconds": round(seconds, 2), "s_per_frame": round(seconds / count, 3)})
    report({"tracker": args.tracker, "size": args.size, "grid": args.grid, "window": args.window, "runs": rows})


if __name__ == "__main__":
    main()
