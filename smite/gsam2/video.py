"""GSAM2 on a whole video: grounding, then propagation, then the project's outputs."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import torch

from smite.data.video import read_video
from smite.errors import SmiteInputError
from smite.gsam2.grounding import ground_parts
from smite.gsam2.loading import load_gsam2
from smite.gsam2.models import Detection, GSAM2Models
from smite.gsam2.propagation import track_parts
from smite.model.backbone import resolve_device
from smite.model.precision import PRECISIONS
from smite.segment import write_outputs
from smite.settings import TINY_RANDOM, Gsam2Settings, MethodSettings


def segment_gsam2(frames: np.ndarray, parts: list[str], models: GSAM2Models, settings: Gsam2Settings,
                  progress: bool = True) -> np.ndarray:
    """Label maps (T, H, W) of a (T, H, W, 3) uint8 RGB video: ground the part names (background first) on the
    prompt frame, track the boxes with SAM 2; parts without a box are absent everywhere."""
    return _segment(frames, parts, models, settings, progress)[0]


def _segment(frames: np.ndarray, parts: list[str], models: GSAM2Models, settings: Gsam2Settings,
             progress: bool) -> tuple[np.ndarray, dict[int, Detection]]:
    prompt_frame = settings.prompt_frame
    if not 0 <= prompt_frame < len(frames):
        raise SmiteInputError(None, f"gsam2 prompt_frame {prompt_frame} is outside the video's {len(frames)} frames")
    detections = ground_parts(frames[prompt_frame], parts, models, settings)
    return track_parts(frames, len(parts) - 1, detections, models, prompt_frame, progress), detections


def run_gsam2_video(video: str | Path, out_dir: str | Path, parts: list[str], settings: MethodSettings,
                    progress: bool = True, frames: int | None = None) -> Path:
    """GSAM2 on a video file or frame folder: masks/, overlay.mp4 and parts.json in out_dir (as `smite segment`).

    `settings`: the method settings (their gsam2 section, models, device, seed). CPU runs in fp32; other devices
    in gsam2.precision. `frames`: its first that many frames only.
    """
    start = time.perf_counter()
    gsam2 = settings.gsam2
    frames, fps = read_video(video, frames)
    target = resolve_device(settings.device)
    dtype = torch.float32 if target.type == "cpu" else PRECISIONS[gsam2.precision]
    pretrained = gsam2.models != TINY_RANDOM
    models = load_gsam2(gsam2, settings.model("grounding_dino") if pretrained else None,
                        settings.model("sam2") if pretrained else None, target, dtype, settings.seed)
    labels, detections = _segment(frames, parts, models, gsam2, progress)
    info = {
        "method": "gsam2",
        "video": str(video),
        "frames": int(len(frames)),
        **models.identity,
        "box_threshold": gsam2.box_threshold, "text_threshold": gsam2.text_threshold,
        "prompt_frame": gsam2.prompt_frame,
        "detections": {parts[k]: {"box": list(d.box), "score": d.score, "phrase": d.phrase}
                       for k, d in detections.items()},
        "seconds": round(time.perf_counter() - start, 3),
    }
    return write_outputs(out_dir, frames, labels, parts, fps, info)


