"""Region (J) and boundary (F) scores and part mIoU of a video, as the DAVIS evaluation code computes the
frame measures (``db_eval_iou``, ``seg2bmap``, ``db_eval_boundary``) and the SMITE authors aggregate them
(:func:`score_video`)."""

from __future__ import annotations

import math
from functools import lru_cache
from typing import Any

import cv2
import numpy as np


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

