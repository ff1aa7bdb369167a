"""Segmentation metrics for SMITE-50: DAVIS region (J) and boundary (F) scores, and part mIoU.

The frame-level measures reproduce the DAVIS evaluation code (``db_eval_iou``, ``seg2bmap``,
``db_eval_boundary``) so numbers are comparable with published video segmentation results.
The video-level aggregation follows the rules the SMITE authors used for their SMITE-50 tables
(see :func:`score_video`).
"""

from __future__ import annotations

import math
from functools import lru_cache
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from smite.data.masks import read_label_png
from smite.errors import SmiteInputError

__all__ = [
    "boundary_f",
    "boundary_precision_recall",
    "evaluate_dirs",
    "jaccard",
    "score_video",
    "seg2bmap",
]


def _check_same_shape(pred: np.ndarray, gt: np.ndarray) -> None:
    if pred.shape != gt.shape:
        raise ValueError(f"prediction shape {pred.shape} differs from ground truth {gt.shape}")


def jaccard(pred: np.ndarray, gt: np.ndarray) -> float:
    """Region similarity |P∩G| / |P∪G| of two binary masks (DAVIS ``db_eval_iou``).

    Two empty masks agree perfectly, so an empty union scores 1.0.
    """
    pred = np.asarray(pred).astype(bool)
    gt = np.asarray(gt).astype(bool)
    _check_same_shape(pred, gt)
    union = np.count_nonzero(pred | gt)
    if union == 0:
        return 1.0
    return float(np.count_nonzero(pred & gt) / union)


def seg2bmap(seg: np.ndarray) -> np.ndarray:
    """Boundary map of a binary mask at the same size, exactly as DAVIS/BSDS ``seg2bmap``.

    A pixel is boundary when it differs from its east, south or south-east neighbour. As in
    DAVIS, the last row only compares with the east neighbour, the last column only with the
    south neighbour (both zero beyond the border), and the bottom-right pixel is never boundary.
    Non-zero input values count as foreground.
    """
    seg = np.asarray(seg).astype(bool)
    if seg.ndim != 2:
        raise ValueError(f"seg2bmap needs a 2-D mask, got shape {seg.shape}")
    east = np.zeros_like(seg)
    south = np.zeros_like(seg)
    south_east = np.zeros_like(seg)
    east[:, :-1] = seg[:, 1:]
    south[:-1, :] = seg[1:, :]
    south_east[:-1, :-1] = seg[1:, 1:]
    bmap = (seg ^ east) | (seg ^ south) | (seg ^ south_east)
    bmap[-1, :] = seg[-1, :] ^ east[-1, :]
    bmap[:, -1] = seg[:, -1] ^ south[:, -1]
    bmap[-1, -1] = False
    return bmap


@lru_cache(maxsize=32)
def _disk_kernel(radius: int) -> np.ndarray:
    from skimage.morphology import disk  # imported on first use: 0.5 s that segmentation jobs do not need

    return disk(radius).astype(np.uint8)


def _dilate(mask: np.ndarray, radius: int) -> np.ndarray:
    """Binary dilation by a disk (cv2 for speed; same result as skimage ``binary_dilation``)."""
    return cv2.dilate(mask.astype(np.uint8), _disk_kernel(radius)).astype(bool)


def _bound_pixels(shape: tuple[int, ...], bound_th: float) -> int:
    """Tolerance radius: ``bound_th`` pixels if >= 1, else that fraction of the image diagonal."""
    if bound_th >= 1:
        return math.ceil(bound_th)
    return math.ceil(bound_th * float(np.linalg.norm(shape)))


def boundary_precision_recall(
    pred: np.ndarray, gt: np.ndarray, bound_th: float = 0.008
) -> tuple[float, float]:
    """Boundary precision and recall of two binary masks (DAVIS ``db_eval_boundary``).

    A boundary pixel is matched if a boundary pixel of the other mask lies within a disk of
    ``bound_pix`` pixels. Empty boundaries follow DAVIS: none predicted but some expected gives
    P=1, R=0; some predicted but none expected gives P=0, R=1; both empty gives P=R=1.
    """
    pred = np.asarray(pred).astype(bool)
    gt = np.asarray(gt).astype(bool)
    _check_same_shape(pred, gt)
    radius = _bound_pixels(gt.shape, bound_th)
    fg_boundary = seg2bmap(pred)
    gt_boundary = seg2bmap(gt)
    n_fg = int(np.count_nonzero(fg_boundary))
    n_gt = int(np.count_nonzero(gt_boundary))
    if n_fg == 0 and n_gt > 0:
        return 1.0, 0.0
    if n_fg > 0 and n_gt == 0:
        return 0.0, 1.0
    if n_fg == 0 and n_gt == 0:
        return 1.0, 1.0
    fg_match = np.count_nonzero(fg_boundary & _dilate(gt_boundary, radius))
    gt_match = np.count_nonzero(gt_boundary & _dilate(fg_boundary, radius))
    return float(fg_match / n_fg), float(gt_match / n_gt)


def boundary_f(pred: np.ndarray, gt: np.ndarray, bound_th: float = 0.008) -> float:
    """Boundary F-measure 2PR/(P+R) of two binary masks (DAVIS ``db_eval_boundary``).

    ``bound_th`` >= 1 is a tolerance in pixels; below 1 it is a fraction of the image diagonal
    (DAVIS default 0.008). F is 0 when P+R is 0.
    """
    precision, recall = boundary_precision_recall(pred, gt, bound_th)
    if precision + recall == 0:
        return 0.0
    return float(2 * precision * recall / (precision + recall))


def _mean_or_none(values: list[float]) -> float | None:
    """Mean as a plain float, or None (JSON-friendly NaN) when there is nothing to average."""
    return float(np.mean(values)) if values else None


def _part_keys(num_parts: int, part_names: list[str] | None) -> list[str]:
    if part_names is None:
        return [str(k) for k in range(num_parts)]
    if len(part_names) != num_parts:
        raise ValueError(f"{len(part_names)} part names given for {num_parts} parts")
    return list(part_names)


def score_video(
    preds: dict[int, np.ndarray],
    gts: dict[int, np.ndarray],
    num_parts: int,
    part_names: list[str] | None = None,
) -> dict[str, Any]:
    """Score one video's part label maps (0 = background, 1..K-1 parts) with the SMITE-50 rules.

    The rules are those of the authors' ``calculate_metrics`` (src/metrics.py of their code; checked
    against golden values computed by it). Only frames with a ground truth are evaluated; each needs a
    prediction of the same shape.

    * ``J`` and ``F`` (fractions in [0, 1]): the foreground parts scored are those present in the
      ground truth of *any* evaluated frame (background excluded). Every frame scores every one of
      them with :func:`jaccard` / :func:`boundary_f` of ``pred == k`` vs ``gt == k`` -- in a frame
      whose ground truth lacks part k this is 1 if the prediction lacks it too, else 0 (J), and 1 or
      0 by DAVIS's empty-boundary rules (F: 0 when the prediction draws a boundary for it) -- and
      the frame's score is their mean; J and F are the means over frames. None when no foreground
      part appears in the video (the authors' code raises an error there).
    * ``mIoU`` (percent): for every part k in 0..K-1, background included, the mean IoU of
      ``pred == k`` vs ``gt == k`` over the frames whose ground truth contains k; a part never
      present in this video's ground truth scores 0. mIoU is the mean over all K parts times 100.
    * ``per_part``: keyed by part name (or ``str(k)``): ``IoU`` (percent, as used in mIoU: 0.0 for a
      part never present), ``frames_present`` (ground-truth frames containing the part; 0 marks a
      never-present part), and ``J`` / ``F``: the part's per-frame scores averaged over all
      evaluated frames, so that the video's J and F are their mean over the scored parts (None for
      background and for never-present parts).
    * ``frames``: number of evaluated frames.

    Predicted labels outside 0..K-1 simply match no part; a ground-truth label outside 0..K-1,
    a missing prediction or a shape mismatch raises ValueError naming the frame.
    """
    if num_parts < 1:
        raise ValueError(f"num_parts must be at least 1, got {num_parts}")
    keys = _part_keys(num_parts, part_names)
    frames = sorted(gts)
    pairs: list[tuple[np.ndarray, np.ndarray]] = []
    present: set[int] = set()
    for frame in frames:
        if frame not in preds:
            raise ValueError(f"frame {frame} has a ground truth but no prediction")
        gt = np.asarray(gts[frame])
        pred = np.asarray(preds[frame])
        if pred.shape != gt.shape:
            raise ValueError(
                f"frame {frame}: prediction shape {pred.shape} differs from ground truth {gt.shape}"
            )
        labels = np.unique(gt).tolist()
        for k in labels:
            if not 0 <= k < num_parts:
                raise ValueError(f"frame {frame}: label {k} outside the {num_parts} parts")
        present.update(labels)
        pairs.append((pred, gt))
    ious: list[list[float]] = [[] for _ in range(num_parts)]
    part_j: dict[int, list[float]] = {k: [] for k in sorted(present - {0})}
    part_f: dict[int, list[float]] = {k: [] for k in part_j}
    for pred, gt in pairs:
        for k in range(num_parts):
            gt_k, pred_k = gt == k, pred == k
            in_gt = bool(gt_k.any())
            if not in_gt and k not in part_j:
                continue
            iou = jaccard(pred_k, gt_k)
            if in_gt:
                ious[k].append(iou)
            if k in part_j:
                part_j[k].append(iou)
                part_f[k].append(boundary_f(pred_k, gt_k))
    part_miou = [float(np.mean(v)) if v else 0.0 for v in ious]
    scored = list(part_j)
    frame_j = [float(np.mean([part_j[k][i] for k in scored])) for i in range(len(pairs))] if scored else []
    frame_f = [float(np.mean([part_f[k][i] for k in scored])) for i in range(len(pairs))] if scored else []
    per_part = {
        keys[k]: {
            "IoU": 100.0 * part_miou[k],
            "J": _mean_or_none(part_j.get(k, [])),
            "F": _mean_or_none(part_f.get(k, [])),
            "frames_present": len(ious[k]),
        }
        for k in range(num_parts)
    }
    return {
        "mIoU": 100.0 * float(np.mean(part_miou)),
        "J": _mean_or_none(frame_j),
        "F": _mean_or_none(frame_f),
        "per_part": per_part,
        "frames": len(gts),
    }


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


def evaluate_dirs(
    pred_dir: str | Path,
    gt_dir: str | Path,
    num_parts: int | None = None,
    part_names: list[str] | None = None,
) -> dict[str, Any]:
    """Score a directory of predicted label PNGs against ground-truth label PNGs.

    Files are named by frame index (``00012.png`` or ``12.png``); every ground-truth frame needs
    a prediction of the same size. ``num_parts`` defaults to ``len(part_names)``, else to the
    largest ground-truth label + 1. Returns :func:`score_video`'s dict plus ``num_parts``.
    """
    pred_dir, gt_dir = Path(pred_dir), Path(gt_dir)
    gt_paths = _gt_files(gt_dir)
    pred_paths = _pred_files(pred_dir)
    gts = {index: read_label_png(path) for index, path in gt_paths.items()}
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
        if pred.shape != gts[index].shape:
            (ph, pw), (gh, gw) = pred.shape, gts[index].shape
            raise SmiteInputError(pred_path, f"size {ph}x{pw} differs from ground truth {gh}x{gw}")
        preds[index] = pred
    return {**score_video(preds, gts, num_parts, part_names), "num_parts": num_parts}


# ---------------------------------------------------------------- temporal consistency (Table 4 stand-in)

__all__ += ["flicker_rate", "warped_label_agreement"]


def _grid_to_label_pixels(points: np.ndarray, grid: int, height: int, width: int) -> tuple[np.ndarray, np.ndarray]:
    """Attention-grid (x, y) -> (row, col) of the label-map pixel containing the point, clipped to the map.

    Same mapping as the trajectory cache: x_pix = (x_grid + 0.5) * W / grid, so a cell centre lands in the
    pixel at the centre of its cell whatever the ratio of map size to grid size.
    """
    x = np.floor((points[..., 0] + 0.5) * width / grid).astype(np.int64)
    y = np.floor((points[..., 1] + 0.5) * height / grid).astype(np.int64)
    return np.clip(y, 0, height - 1), np.clip(x, 0, width - 1)


def _offset_index(offsets: np.ndarray, value: int) -> int | None:
    """Index of `value` in a window's offsets, or None if the window lacks it."""
    found = np.flatnonzero(np.asarray(offsets) == value)
    return int(found[0]) if len(found) else None


def flicker_rate(
    labels: np.ndarray, positions: np.ndarray, visible: np.ndarray, offsets: np.ndarray, grid: int
) -> float:
    """Fraction of tracked points whose predicted label changes from one frame to the next (lower is better).

    labels: (T, H, W) int label maps (0 = background). positions / visible / offsets: trajectories in a
    frame-offset layout (``smite.track.TrackCache.pair_layout``), positions (T, O, grid*grid, 2) in attention-grid
    coordinates.
    For every frame t < T-1 and grid point visible at offset +1, the label of frame t at the point (its
    offset-0 position) is compared with the label of frame t+1 at its tracked position. Only pairs where
    at least one of the two labels is foreground count: background-to-background pairs, the bulk of most
    frames, would otherwise dilute the rate towards 0. NaN when no pair counts.
    """
    labels = np.asarray(labels)
    positions = np.asarray(positions, dtype=np.float64)
    visible = np.asarray(visible, dtype=bool)
    if labels.ndim != 3:
        raise ValueError(f"labels must be (T, H, W), got shape {labels.shape}")
    frames, height, width = labels.shape
    expected = (frames, len(offsets), grid * grid)
    if positions.shape != (*expected, 2) or visible.shape != expected:
        raise ValueError(f"positions {positions.shape} / visible {visible.shape} do not match (T, W, N) {expected}")
    here, step = _offset_index(offsets, 0), _offset_index(offsets, 1)
    if here is None or step is None or frames < 2:
        return math.nan
    rows, cols = _grid_to_label_pixels(positions[:-1, here], grid, height, width)
    next_rows, next_cols = _grid_to_label_pixels(positions[:-1, step], grid, height, width)
    t = np.arange(frames - 1)[:, None]
    before = labels[t, rows, cols]
    after = labels[t + 1, next_rows, next_cols]
    counted = visible[:-1, step] & visible[:-1, here] & ((before != 0) | (after != 0))
    total = int(np.count_nonzero(counted))
    return float(np.count_nonzero(counted & (before != after)) / total) if total else math.nan


def warped_label_agreement(
    labels: np.ndarray, backward_flows: np.ndarray | list[np.ndarray], valid: np.ndarray | None = None
) -> float:
    """Mean over t of the agreement of frame t's labels, warped to frame t+1, with frame t+1's labels.

    labels: (T, H, W) int label maps (0 = background). backward_flows: T-1 flows (H, W, 2), flow t maps
    frame t+1 to frame t (pixel p of t+1 is at p + flow[p] in t); warping samples the nearest pixel
    (``cv2.remap`` INTER_NEAREST). valid: optional (T-1, H, W) bool mask of pixels of frame t+1 to score
    (e.g. not occluded). Per pair, the score is the fraction of valid pixels in the foreground union (warped
    or target label non-zero) whose labels are equal; pixels whose source lies outside frame t are skipped.
    Pairs with no such pixel are skipped; NaN if none is left. Higher is better.
    """
    labels = np.asarray(labels)
    if labels.ndim != 3:
        raise ValueError(f"labels must be (T, H, W), got shape {labels.shape}")
    frames, height, width = labels.shape
    if len(backward_flows) != frames - 1:
        raise ValueError(f"{len(backward_flows)} flows given for {frames} frames (need {frames - 1})")
    if valid is not None and np.shape(valid) != (frames - 1, height, width):
        raise ValueError(f"valid has shape {np.shape(valid)}, expected {(frames - 1, height, width)}")
    cols, rows = np.meshgrid(np.arange(width, dtype=np.float32), np.arange(height, dtype=np.float32))
    scores = []
    for t in range(frames - 1):
        flow = np.asarray(backward_flows[t], dtype=np.float32)
        if flow.shape != (height, width, 2):
            raise ValueError(f"flow {t} has shape {flow.shape}, expected {(height, width, 2)}")
        source = labels[t].astype(np.float32)  # exact for labels below 2**24; remap has no int64 support
        warped = cv2.remap(source, cols + flow[..., 0], rows + flow[..., 1], cv2.INTER_NEAREST,
                           borderMode=cv2.BORDER_CONSTANT, borderValue=-1.0)
        target = labels[t + 1]
        scored = (warped >= 0) & ((warped != 0) | (target != 0))
        if valid is not None:
            scored &= np.asarray(valid[t], dtype=bool)
        if scored.any():
            scores.append(float(np.mean(warped[scored] == target[scored])))
    return float(np.mean(scores)) if scores else math.nan
