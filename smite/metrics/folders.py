"""Scoring a folder of predicted label PNGs against a folder of ground-truth ones (the frames both hold)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import cv2
import numpy as np

from smite.data.masks import read_label_png
from smite.errors import SmiteInputError
from smite.metrics.region import score_video


def _frame_index(path: Path) -> int | None:
    try:
        return int(path.stem)
    except ValueError:
        return None


def _gt_files(gt_dir: Path) -> dict[int, Path]:
    """Ground-truth PNGs by frame index; every PNG stem must be an integer, no index twice."""
    if not gt_dir.is_dir():
        raise SmiteInputError(gt_dir, "ground-truth directory does not exist")
    files: dict[int, Path] = {}
    for path in sorted(gt_dir.glob("*.png")):
        index = _frame_index(path)
        if index is None:
            raise SmiteInputError(path, "ground-truth file name is not a frame index")
        if index in files:
            raise SmiteInputError(path, f"frame {index} also given by {files[index].name}")
        files[index] = path
    if not files:
        raise SmiteInputError(gt_dir, "no ground-truth PNG files")
    return files


def _pred_files(pred_dir: Path) -> dict[int, Path]:
    """Prediction PNGs by frame index; PNGs whose stem is not an integer are ignored."""
    if not pred_dir.is_dir():
        raise SmiteInputError(pred_dir, "prediction directory does not exist")
    files: dict[int, Path] = {}
    for path in sorted(pred_dir.glob("*.png")):
        index = _frame_index(path)
        if index is not None:
            files.setdefault(index, path)
    return files


def _check_labels(path: Path, labels: np.ndarray, num_parts: int) -> None:
    if labels.min() < 0:
        raise SmiteInputError(path, f"negative label {int(labels.min())}")
    if labels.max() >= num_parts:
        raise SmiteInputError(path, f"label {int(labels.max())} outside the {num_parts} parts")


def at_score_size(labels: np.ndarray, size: int) -> np.ndarray:
    """A label map resized to size x size by nearest neighbour, as the authors bring their ground truth to 512 x 512
    (utils/gt_extractor.py process_frame: cv2.resize(..., INTER_NEAREST))."""
    if labels.shape == (size, size):
        return labels
    return cv2.resize(labels.astype(np.int32), (size, size), interpolation=cv2.INTER_NEAREST).astype(labels.dtype)


def evaluate_dirs(
    pred_dir: str | Path,
    gt_dir: str | Path,
    num_parts: int | None = None,
    part_names: list[str] | None = None,
    score_size: int = 0,
) -> dict[str, Any]:
    """Score a directory of predicted label PNGs against ground-truth label PNGs.

    Files are named by frame index (``00012.png`` or ``12.png``); every ground-truth frame needs
    a prediction of the same size, or, with ``score_size``, both are brought to score_size square
    (`at_score_size`; a prediction already at that size is scored as it is: SMITE's scored/ labels).
    ``num_parts`` defaults to ``len(part_names)``, else to the largest ground-truth label + 1. Returns
    :func:`score_video`'s dict plus ``num_parts`` and ``score_size`` (0: at the frames' size).
    """
    pred_dir, gt_dir = Path(pred_dir), Path(gt_dir)
    gt_paths = _gt_files(gt_dir)
    pred_paths = _pred_files(pred_dir)
    gts = {index: read_label_png(path) for index, path in gt_paths.items()}
    if score_size:
        gts = {index: at_score_size(gt, score_size) for index, gt in gts.items()}
    if num_parts is None and part_names is not None:
        num_parts = len(part_names)
    elif num_parts is None:
        num_parts = max(int(g.max()) for g in gts.values()) + 1
    preds: dict[int, np.ndarray] = {}
    for index, gt_path in gt_paths.items():
        _check_labels(gt_path, gts[index], num_parts)
        pred_path = pred_paths.get(index, pred_dir / f"{index:05d}.png")
        if index not in pred_paths:
            raise SmiteInputError(pred_path, f"prediction for frame {index} is missing")
        pred = read_label_png(pred_path)
        if score_size:
            pred = at_score_size(pred, score_size)
        if pred.shape != gts[index].shape:
            (ph, pw), (gh, gw) = pred.shape, gts[index].shape
            raise SmiteInputError(pred_path, f"size {ph}x{pw} differs from ground truth {gh}x{gw}")
        preds[index] = pred
    return {**score_video(preds, gts, num_parts, part_names), "num_parts": num_parts, "score_size": score_size}

