"""Video segmentation with a trained model, and the outputs a practitioner uses.

Methods built so far: ``baseline1`` (SLiMe per frame: 2D UNet, single pass at t = 100).
"""

from __future__ import annotations

import json
import logging
import os
import shutil
from pathlib import Path
from typing import Any

import numpy as np

from smite.data.masks import overlay, save_label_png
from smite.data.video import write_video
from smite.errors import SmiteInputError
from smite.model.inference import predict_labels
from smite.model.segmenter import PartSegmenter

log = logging.getLogger(__name__)

METHODS = ("baseline1",)


def segment_frames(
    model: PartSegmenter, frames: np.ndarray, method: str, inference: dict[str, Any], seed: int, progress: bool
) -> np.ndarray:
    """Label maps (T, H, W) at the frames' own size."""
    if method not in METHODS:
        raise ValueError(f"method {method!r} is not available; choose one of {METHODS}")
    labels = predict_labels(
        model, frames, inference["timestep"], seed, inference["batch_size"], progress=progress
    )
    return np.stack(labels)


def write_outputs(out_dir: str | Path, frames: np.ndarray, labels: np.ndarray, parts: list[str], fps: float,
                  info: dict[str, Any]) -> Path:
    """masks/NNNNN.png (palette), overlay.mp4 and parts.json, written to a temporary folder then renamed.

    An interrupted run therefore never leaves an output folder that looks complete.
    """
    out_dir = Path(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    if not os.access(out_dir.parent, os.W_OK):
        raise SmiteInputError(out_dir.parent, "output folder is not writable")
    staging = out_dir.with_name(f".{out_dir.name}.partial")
    shutil.rmtree(staging, ignore_errors=True)
    (staging / "masks").mkdir(parents=True)
    for index, label in enumerate(labels):
        save_label_png(staging / "masks" / f"{index:05d}.png", label.astype(np.uint8))
    write_video(staging / "overlay.mp4", np.stack([overlay(f, m) for f, m in zip(frames, labels, strict=True)]), fps)
    parts_info = {"parts": {str(k): name for k, name in enumerate(parts)}, **info}
    (staging / "parts.json").write_text(json.dumps(parts_info, indent=2))
    if out_dir.exists():
        shutil.rmtree(out_dir)
    os.replace(staging, out_dir)
    log.info("wrote %d masks, overlay and parts to %s", len(labels), out_dir)
    return out_dir
