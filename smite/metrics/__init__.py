"""Segmentation metrics: DAVIS region (J) and boundary (F) scores and part mIoU (``region``), folders of label
PNGs scored against the ground truth (``folders``), and temporal consistency (``temporal``).

The frame-level measures reproduce the DAVIS evaluation code (``db_eval_iou``, ``seg2bmap``,
``db_eval_boundary``) so numbers are comparable with published video segmentation results.
The video-level aggregation follows the rules the SMITE authors used for their SMITE-50 tables
(see :func:`score_video`).
"""

from smite.metrics.folders import evaluate_dirs
from smite.metrics.region import boundary_f, boundary_precision_recall, jaccard, score_video, seg2bmap
from smite.metrics.temporal import flicker_rate, warped_label_agreement

__all__ = [
    "boundary_f",
    "boundary_precision_recall",
    "evaluate_dirs",
    "flicker_rate",
    "jaccard",
    "score_video",
    "seg2bmap",
    "warped_label_agreement",
]
