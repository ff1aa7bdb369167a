"""Weighted Accumulated Self-attention (WAS) maps: SLiMe eq. 1, SMITE appendix 7.6.

Training and inference build them differently, as the authors' code does: training weights the
self-attention maps by the softmax over parts of the cross logits (`was_maps`); inference by the raw
logits with the background thresholded, then rescales each map to its logit map's range (`InferenceWas`).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F


def accumulate(weights: torch.Tensor, self_probs: torch.Tensor) -> torch.Tensor:
    """WAS_k(x) = sum_p w_k(p) SA[x -> p]: the attention each pixel x pays to the pixels p, weighted by part k.

    weights: (B, K, N) over key pixels p; self_probs: (B, N, N) with row x the attention of query pixel x over
    all key pixels (softmax(q k^T), rows = queries). The authors' maps are indexed [key p][query x]
    (`get_attention_map` permutes the softmax to (keys, q_h, q_w)) and summed over p: the same sum.
    Returns (B, K, N).
    """
    return weights @ self_probs.transpose(-1, -2)


def was_maps(cross_logits: torch.Tensor, self_probs: torch.Tensor) -> torch.Tensor:
    """Training WAS (src/training.py: training_step): accumulate() with w = softmax over parts of the logits.

    cross_logits: (B, K, h, w) at the self-attention resolution; self_probs: (B, h*w, h*w), rows = queries.
    Returns (B, K, h, w).
    """
    batch, parts, height, width = cross_logits.shape
    weights = torch.softmax(cross_logits, dim=1).reshape(batch, parts, height * width)
    return accumulate(weights, self_probs).reshape(batch, parts, height, width)


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
    """WAS at inference before its rescaling: accumulate() with inference_weights, and the range of each
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
        raw = accumulate(inference_weights(cross_logits), self_probs).reshape(batch, parts, height, width)
        low, high = _minmax(cross_logits)
        return cls(raw, low[..., 0, 0], high[..., 0, 0])

    @property
    def resolution(self) -> int:
        """Side of the attention grid the maps were computed on."""
        return self.raw.shape[-1]

    def at(self, size: int) -> torch.Tensor:
        """WAS (B, K, size, size): bilinearly resized, then each map rescaled to its logit map's range."""
        was = self.raw
        if was.shape[-1] != size or was.shape[-2] != size:
            was = F.interpolate(was, size=(size, size), mode="bilinear", align_corners=False)
        lo_was, hi_was = _minmax(was)
        low, high = self.low[..., None, None], self.high[..., None, None]
        # in the authors' float order: was / coef + (low - lo_was / coef), coef = (hi_was - lo_was) / (high - low)
        coef = (hi_was - lo_was) / (high - low)
        coef = torch.where(coef == 0, torch.inf, coef)  # a flat map (or a flat logit map) becomes `low`
        return was / coef + (low - lo_was / coef)

    def __getitem__(self, index: slice | int) -> InferenceWas:
        if isinstance(index, int):
            index = slice(index, index + 1)
        return InferenceWas(self.raw[index], self.low[index], self.high[index])

    def detach(self) -> InferenceWas:
        return InferenceWas(self.raw.detach(), self.low.detach(), self.high.detach())

    @staticmethod
    def cat(items: list[InferenceWas]) -> InferenceWas:
        return InferenceWas(*(torch.cat([getattr(i, f) for i in items]) for f in ("raw", "low", "high")))


@dataclass
class TiledWas:
    """The WAS of a frame merged from tiles (the authors' calculate_multi_was_mask, face videos).

    tiles: per tile its box in the side x side model input (smite.tiles) and the InferenceWas computed on that
    crop resized to the model's size. `at(size)` places each tile's WAS, at the box's size, into the frame, in
    tile order, and divides by the number of tiles covering each pixel. With merge "last" a tile overwrites the
    ones before it (the authors' code assigns, then divides: in overlaps the map is the last tile's, scaled by
    1 / coverage, so its labels are the last tile's); with "mean" the tiles are averaged.
    """

    tiles: list[tuple[tuple[int, int, int, int], InferenceWas]]
    side: int
    merge: str = "last"

    @property
    def resolution(self) -> int:
        """Side of the attention grid the tiles' maps were computed on."""
        return self.tiles[0][1].resolution

    def at(self, size: int) -> torch.Tensor:
        """Merged WAS (B, K, size, size), each tile rescaled as InferenceWas.at at its box's size."""
        first = self.tiles[0][1].raw
        merged = first.new_zeros(*first.shape[:2], size, size)
        coverage = first.new_zeros(size, size)
        for box, was in self.tiles:
            top, bottom, left, right = (v * size // self.side for v in box)
            crop = was.at(bottom - top)
            if self.merge == "last":
                merged[..., top:bottom, left:right] = crop
            else:
                merged[..., top:bottom, left:right] += crop
            coverage[top:bottom, left:right] += 1
        return merged / coverage

    def __getitem__(self, index: slice | int) -> TiledWas:
        return TiledWas([(box, was[index]) for box, was in self.tiles], self.side, self.merge)

    def detach(self) -> TiledWas:
        return TiledWas([(box, was.detach()) for box, was in self.tiles], self.side, self.merge)

    @staticmethod
    def cat(items: list[TiledWas]) -> TiledWas:
        first = items[0]
        tiles = [(box, InferenceWas.cat([item.tiles[k][1] for item in items]))
                 for k, (box, _) in enumerate(first.tiles)]
        return TiledWas(tiles, first.side, first.merge)


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
