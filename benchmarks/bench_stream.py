"""Peak memory of `smite segment` against video length: streamed, it must depend on the window and the frame size,
not on the number of frames (goal: 900 frames within 1.2x the 100-frame peak).

Writes a 1080p H.264 video of a textured square moving over a textured background (the longest asked for; the
shorter ones are its first frames), an untrained embedded-backbone checkpoint, then runs `smite segment` in a
fresh process per (method, length) and reads that process's peak resident set (wait4). The embedded DAG's inference
settings (config/config.yaml: 8-frame windows overlapping by 2), with one latent update at one guided timestep
(`guided_updates: 1`, `updates_per_step: 1`): the memory of a window is that of its forward and of one slice's
backward, whatever the number of updates, and so smite's 900 frames at 1080p take tens of minutes, not hours.

Example: python benchmarks/bench_stream.py --frames 100 300 900 --methods baseline1 smite
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import yaml
from common import report

from smite.config import method_settings
from smite.data.video import VideoWriter
from smite.learn.checkpoint import save_checkpoint
from smite.learn.metadata import CheckpointInfo
from smite.learn.train import model_state
from smite.model.backbone import load_backbone
from smite.model.segmenter import PartSegmenter

REPO = Path(__file__).resolve().parents[1]


def write_clip(path: Path, frames: int, height: int, width: int) -> None:
    """A moving textured square on a textured background, frame by frame (never all in memory)."""
    rng = np.random.default_rng(0)
    background = rng.integers(0, 255, (height // 8, width // 8, 3), dtype=np.uint8).repeat(8, 0).repeat(8, 1)
    square = rng.integers(0, 255, (height // 4, height // 4, 3), dtype=np.uint8)
    with VideoWriter(path, 30, "playable") as writer:
        for t in range(frames):
            frame = background.copy()
            left = (t * 7) % (width - square.shape[1])
            frame[height // 3 : height // 3 + square.shape[0], left : left + square.shape[1]] = square
            writer.write(frame)


def peak_rss_gb(command: list[str]) -> tuple[float, float]:
    """Peak resident set (GB) and wall seconds of a child process."""
    start = time.perf_counter()
    child = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - start
    if status != 0:
        raise RuntimeError(child.stderr.read().decode()[-2000:])
    return usage.ru_maxrss / 2**20, seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, nargs="+", default=[100, 300, 900])
    parser.add_argument("--methods", nargs="+", default=["baseline1", "smite"])
    parser.add_argument("--size", type=int, nargs=2, default=[1080, 1920], metavar=("HEIGHT", "WIDTH"))
    parser.add_argument("--refinement", help="inference.refinement (default: the declared one, the two-pass flow)")
    args = parser.parse_args()
    embedded = yaml.safe_load((REPO / "config" / "config.yaml").read_text())["method"]
    embedded.pop("train", None)
    embedded["inference"].update({"guided_updates": 1, "updates_per_step": 1})
    if args.refinement:
        embedded["inference"]["refinement"] = args.refinement
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        config = folder / "run.yaml"
        config.write_text(yaml.safe_dump({"method": embedded}))
        settings = method_settings(embedded)
        backbone = load_backbone("embedded", settings.backbone, settings.seed, "cpu", "fp32")
        model = PartSegmenter(backbone, ["background", "square"])
        checkpoint = folder / "model.safetensors"
        save_checkpoint(checkpoint, model_state(model), CheckpointInfo(model.parts, backbone.identity, "embedded"))
        rows = []
        for count in args.frames:
            video = folder / f"clip{count}.mp4"
            write_clip(video, count, *args.size)
            for name in args.methods:
                out = folder / f"out_{name}_{count}"
                command = [sys.executable, "-m", "smite.cli", "segment", str(video), "--model", str(checkpoint),
                           "--out", str(out), "--method", name, "--config", str(config), "--device", "cpu", "--quiet"]
                peak, seconds = peak_rss_gb(command)
                rows.append({"method": name, "refinement": settings.inference.refinement, "frames": count,
                             "size": f"{args.size[1]}x{args.size[0]}",
                             "peak_rss_gb": round(peak, 3), "seconds": round(seconds, 1)})
                print(rows[-1], flush=True)
            video.unlink()
        for name in args.methods:
            peaks = {row["frames"]: row["peak_rss_gb"] for row in rows if row["method"] == name}
            shortest, longest = min(peaks), max(peaks)
            rows.append({"method": name, f"ratio_{longest}_to_{shortest}": round(peaks[longest] / peaks[shortest], 3)})
        report({"benchmark": "smite segment peak RSS against video length (embedded, CPU)", "rows": rows})


if __name__ == "__main__":
    main()
