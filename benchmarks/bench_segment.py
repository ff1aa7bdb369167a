"""Seconds per frame and peak memory of `smite segment --method smite` (the project's speed targets).

Paper 7.5: 26 s per frame and 60 GB on the GPU for a whole video; target <= 2.6 s per frame, <= 16 GB on
one H100. The SD 2.1 architecture with random weights (`--backbone sd21_random`) costs what the real
model costs. Example: python benchmarks/bench_segment.py --frames 32 --device cuda --precision fp16
"""

from __future__ import annotations

import argparse

import numpy as np
import torch
from common import peak_memory_gb, report, settings_for, timed

from smite.api import compute_tracks
from smite.config import inference_settings, override
from smite.model.backbone import load_backbone
from smite.model.segmenter import PartSegmenter
from smite.segment import segment_frames


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=16, help="video length (default 16)")
    parser.add_argument("--backbone", default="sd21_random", help="sd21_random (default) | embedded | sd21")
    parser.add_argument("--device", default="auto", help="auto | cpu | cuda")
    parser.add_argument("--precision", default="fp16", choices=["fp32", "fp16", "bf16"])
    parser.add_argument("--method", default="smite", help="smite (default) | baseline1 | baseline2 | baseline3")
    parser.add_argument("--no-tracking", action="store_true", help="exclude trajectory caching from the time")
    parser.add_argument("--window", type=int, help="frames per window (default: paper, 16)")
    parser.add_argument("--overlap", type=int, help="default: paper, 8")
    parser.add_argument("--updates", type=int, help="latent updates per guided step (default: paper, 15)")
    parser.add_argument("--guided-steps", type=int, help="guided steps with updates (default: paper, 3)")
    parser.add_argument("--guided-timesteps", type=int, help="denoising timesteps (default: paper, 4)")
    parser.add_argument("--guidance-slice", type=int, help="frames per update forward (paper: 4)")
    parser.add_argument("--image-size", type=int, help="frame side in pixels (default: the backbone's, 512 for SD 2.1)")
    args = parser.parse_args()
    inference = {k: v for k, v in {"window": args.window, "overlap": args.overlap, "updates_per_step": args.updates,
                                   "guided_updates": args.guided_steps,
                                   "guided_timesteps": args.guided_timesteps,
                                   "guidance_slice": args.guidance_slice}.items() if v is not None}
    settings = settings_for(args.backbone, args.device, args.precision, inference)
    if args.image_size:
        settings = override(settings, {"backbone": {args.backbone: {"image_size": args.image_size}}})
    backbone = load_backbone(args.backbone, settings.backbone, 0, settings.device, args.precision)
    device = backbone.device
    model = PartSegmenter(backbone, ["background", "head", "neck+torso", "leg", "tail"])
    size = backbone.image_size
    inference = inference_settings(settings)
    frames = np.random.default_rng(0).integers(0, 255, (args.frames, size, size, 3), dtype=np.uint8)
    results = {"backbone": args.backbone, "device": str(torch.cuda.get_device_name(device)) if device.type == "cuda"
               else "cpu", "precision": backbone.precision, "frames": args.frames, "method": args.method,
               "image_size": size,
               **{k: getattr(inference, k) for k in ("window", "overlap", "guided_timesteps", "guided_updates",
                                                     "updates_per_step", "guidance_slice")}}
    with timed(results, "track_s", device):
        tracks = compute_tracks(frames, settings, progress=False, grid=backbone.latent_size)
    with timed(results, "segment_s", device):
        segment_frames(model, frames, args.method, inference, 0, tracks)
    total = results["segment_s"] + (0 if args.no_tracking else results["track_s"])
    results["s_per_frame"] = round(total / args.frames, 3)
    results["peak_memory_gb"] = round(peak_memory_gb(device), 2)
    results["paper_s_per_frame"], results["paper_memory_gb"] = 26, 60
    report(results)


if __name__ == "__main__":
    main()
