"""Weighted Accumulated Self-attention (WAS) maps: SLiMe eq. 1, SMITE appendix 7.6.

Training and inference build them differently, as the authors' code does: training weights the
self-attention maps by the softmax over parts of the cross logits (`was_maps`); inference by the raw
logits with the background thresholded, then rescales each map to its logit map's range (`InferenceWas`).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F


def was_maps(cross_logits: torch.Tensor, self_probs: torch.Tensor) -> torch.Tensor:
    """Training WAS: WAS_k(x) = sum_p w_k(p) SA[p, x], with w = softmax over parts of the cross logits.

    cross_logits: (B, K, h, w) at the self-attention resolution; self_probs: (B, h*w, h*w) whose
    row p is the attention of query pixel p over all key pixels. Returns (B, K, h, w).
    """
    batch, parts, height, width = cross_logits.shape
    weights = torch.softmax(cross_logits, dim=1).reshape(batch, parts, height * width)
    return (weights @ self_probs).reshape(batch, parts, height, width)


def inference_weights(cross_logits: torch.Tensor) -> torch.Tensor:
    """The authors' inference weights: the raw part logits, background zeroed where not above its mean.

    cross_logits (B, K, h, w) -> (B, K, h * w). src/was_attention.py: calculate_was_mask (their inference
    passes the logits without a softmax: run.py sets apply_softmax=False).
    """
    weights = cross_logits.flatten(2)
    background = weights[:, :1]
    kept = torch.where(background > background.mean(-1, keepdim=True), background, torch.zeros_like(background))
    return torch.cat([kept, weights[:, 1:]], dim=1)


@dataclass
class InferenceWas:
    """WAS at inference before its rescaling: sum_p w_k(p) SA_p with inference_weights, and the range of each
    raw logit map k, which every WAS_k is min-max rescaled to (calculate_was_mask).

    raw: (B, K, h, w); low, high: (B, K). Kept apart so the same maps give S at the attention resolution
    (guidance, voting) and at the image size (the output labels), both as the authors compute them.
    """

    raw: torch.Tensor
    low: torch.Tensor
    high: torch.Tensor

    @classmethod
    def from_maps(cls, cross_logits: torch.Tensor, self_probs: torch.Tensor) -> InferenceWas:
        batch, parts, height, width = cross_logits.shape
        raw = (inference_weights(cross_logits) @ self_probs).reshape(batch, parts, height, width)
        low, high = _minmax(cross_logits)
        return cls(raw, low[..., 0, 0], high[..., 0, 0])

    def at(self, size: int) -> torch.Tensor:
        """WAS (B, K, size, size): bilinearly resized, then each map rescaled to its logit map's range."""
        was = self.raw
        if was.shape[-1] != size or was.shape[-2] != size:
            was = F.interpolate(was, size=(size, size), mode="bilinear", align_corners=False)
        lo_was, hi_was = _minmax(was)
        span = (self.high - self.low)[..., None, None]
        return (was - lo_was) / (hi_was - lo_was).clamp_min(1e-12) * span + self.low[..., None, None]

    def __getitem__(self, index: slice | int) -> InferenceWas:
        if isinstance(index, int):
            index = slice(index, index + 1)
        return InferenceWas(self.raw[index], self.low[index], self.high[index])

    def detach(self) -> InferenceWas:
        return InferenceWas(self.raw.detach(), self.low.detach(), self.high.detach())

    @staticmethod
    def cat(items: list[InferenceWas]) -> InferenceWas:
        return InferenceWas(*(torch.cat([getattr(i, f) for i in items]) for f in ("raw", "low", "high")))


def inference_was(cross_logits: torch.Tensor, self_probs: torch.Tensor, out_size: int) -> torch.Tensor:
    """The authors' inference WAS (calculate_was_mask) at out_size: see InferenceWas."""
    return InferenceWas.from_maps(cross_logits, self_probs).at(out_size)


def _minmax(maps: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    flat = maps.flatten(2)
    return flat.amin(-1)[..., None, None], flat.amax(-1)[..., None, None]


def label_map(scores: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
    """Per-part scores (B, K, h, w) -> integer labels (B, H, W): bilinear upsampling, then argmax."""
    upsampled = F.interpolate(scores.float(), size=size, mode="bilinear", align_corners=False)
    return upsampled.argmax(1)
