"""High-level operations shared by the `smite` command and the workflow scripts."""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch

from smite.data.references import load_references
from smite.data.video import read_video
from smite.learn.checkpoint import check_backbone, load_checkpoint, save_checkpoint
from smite.learn.train import TrainResult, config_dict, load_state, train
from smite.model.backbone import Backbone, load_backbone
from smite.model.segmenter import PartSegmenter
from smite.segment import segment_frames, write_outputs

log = logging.getLogger(__name__)


def seed_everything(seed: int) -> None:
    """Seed torch and use deterministic kernels so the same seed gives the same masks."""
    torch.manual_seed(seed)
    torch.use_deterministic_algorithms(True, warn_only=True)


def backbone_for(method: dict[str, Any], name: str | None = None) -> Backbone:
    """Load the backbone named in the method config (or `name`)."""
    return load_backbone(
        name or method["backbone"]["name"], method["backbone"], method["seed"], method["device"],
        method["precision"],
    )


def train_references(
    refs_dir: str | Path,
    out: str | Path,
    method: dict[str, Any],
    train_changes: dict[str, Any],
    parts: list[str] | None = None,
    shots: int | None = None,
    backbone_name: str | None = None,
    progress: bool = True,
) -> TrainResult:
    """Train part tokens on a reference folder and write the checkpoint (atomically)."""
    from smite.config import train_config

    config = train_config(method, **train_changes)
    references = load_references(refs_dir, parts=parts, shots=shots)
    seed_everything(config.seed)
    backbone = backbone_for(method, backbone_name)
    model = PartSegmenter(backbone, references.parts, init=method["parts_init"], seed=config.seed)
    result = train(model, references, config, progress=progress)
    metadata = {
        "parts": references.parts,
        "backbone": backbone.identity,
        "backbone_name": backbone.name,
        "train": config_dict(config),
        "references": references.names,
        "best_epoch": result.best_epoch,
        "best_val_mIoU": result.best_val_miou,
        "train_seconds": result.seconds,
        "curve": result.curve,
    }
    save_checkpoint(out, result.best_state, metadata)
    log.info("best epoch %d (val mIoU %.2f) in %.1f s -> %s", result.best_epoch, result.best_val_miou,
             result.seconds, out)
    return result


def load_model(checkpoint: str | Path, method: dict[str, Any]) -> tuple[PartSegmenter, dict[str, Any]]:
    """A PartSegmenter with the checkpoint's tokens on the backbone it was trained on."""
    state, metadata = load_checkpoint(checkpoint)
    backbone = backbone_for(method, metadata.get("backbone_name"))
    check_backbone(checkpoint, metadata, backbone.identity)
    model = PartSegmenter(backbone, metadata["parts"], init="names")
    load_state(model, state)
    return model, metadata


def segment_video(
    video: str | Path,
    checkpoint: str | Path,
    out_dir: str | Path,
    method_name: str,
    method: dict[str, Any],
    progress: bool = True,
) -> dict[str, Any]:
    """Segment a video file or frame folder; write masks, overlay and parts.json; return a summary."""
    start = time.perf_counter()
    frames, fps = read_video(video)
    seed_everything(method["seed"])
    model, metadata = load_model(checkpoint, method)
    labels = segment_frames(model, frames, method_name, method["inference"], method["seed"], progress)
    info = {"method": method_name, "video": str(video), "checkpoint": str(checkpoint),
            "backbone": metadata["backbone"], "frames": int(len(frames))}
    write_outputs(out_dir, frames, labels.astype(np.int64), metadata["parts"], fps, info)
    return {**info, "seconds": time.perf_counter() - start, "out_dir": str(out_dir)}
