"""Weighted Accumulated Self-attention (WAS) maps: SLiMe eq. 1, SMITE appendix 7.6."""

from __future__ import annotations

import torch
import torch.nn.functional as F


def was_maps(cross_logits: torch.Tensor, self_probs: torch.Tensor) -> torch.Tensor:
    """WAS_k(x) = sum_p w_k(p) SA[p, x], with w = softmax over parts of the cross logits.

    cross_logits: (B, K, h, w) at the self-attention resolution; self_probs: (B, h*w, h*w) whose
    row p is the attention of query pixel p over all key pixels. Returns (B, K, h, w).
    """
    batch, parts, height, width = cross_logits.shape
    weights = torch.softmax(cross_logits, dim=1).reshape(batch, parts, height * width)
    return (weights @ self_probs).reshape(batch, parts, height, width)


def rescale_to_cross(was: torch.Tensor, cross_logits: torch.Tensor) -> torch.Tensor:
    """Each WAS_k min-max rescaled to the range of cross map k (authors' inference step).

    The cross map is the part-softmax of the logits, the same weights WAS is built from.
    """
    cross = torch.softmax(cross_logits, dim=1)
    lo_was, hi_was = _minmax(was)
    lo_cross, hi_cross = _minmax(cross)
    unit = (was - lo_was) / (hi_was - lo_was).clamp_min(1e-12)
    return unit * (hi_cross - lo_cross) + lo_cross


def _minmax(maps: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    flat = maps.flatten(2)
    return flat.amin(-1)[..., None, None], flat.amax(-1)[..., None, None]


def label_map(scores: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
    """Per-part scores (B, K, h, w) -> integer labels (B, H, W): bilinear upsampling, then argmax."""
    upsampled = F.interpolate(scores.float(), size=size, mode="bilinear", align_corners=False)
    return upsampled.argmax(1)
