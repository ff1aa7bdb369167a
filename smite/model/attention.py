"""Attention processors that compute with scaled_dot_product_attention and capture SLiMe's maps.

Only the configured layers materialise anything: cross-attention logits of the part-token columns
(cheap: tokens x parts) and self-attention probabilities within each frame (tokens x tokens). All
other layers run the fused kernel and store nothing.

Inflation (SMITE section 3, authors' code): with ``store.inflated`` the batch holds videos
of F frames folded frame-major; self-attention then attends over every token of every frame of the
video (no new parameters), while cross-attention stays per frame. The captured self-attention map
is still taken within each frame (F = store.num_frames). The GroupNorms of the ResNet blocks
(norm1, norm2 of the down, mid and up blocks) and the final ``conv_norm_out`` then pool their
statistics over all frames of the video, as the authors' ``ResnetBlock3D`` / ``UNet3DConditionModel``
apply ``nn.GroupNorm`` to the 5-D (b, c, f, h, w) tensor; the transformer blocks' own GroupNorm and
LayerNorms stay per frame. With F = 1 this is exactly the 2D UNet.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import torch
import torch.nn.functional as F
from diffusers.models.attention_processor import Attention
from diffusers.models.resnet import ResnetBlock2D
from diffusers.models.unets.unet_2d_condition import UNet2DConditionModel
from torch import nn


@dataclass(frozen=True)
class CrossProjections:
    """One cross-attention layer's key and value projections (weight, bias or None), owned by a model."""

    key: tuple[torch.Tensor, torch.Tensor | None]
    value: tuple[torch.Tensor, torch.Tensor | None]


@dataclass
class AttentionStore:
    """Maps captured during one UNet forward, averaged over heads; kept with their autograd graph."""

    num_parts: int = 0
    num_frames: int = 1
    inflated: bool = False
    active: bool = False
    # the forwarding model's own cross-attention key/value projections, by attention layer (its tuned to_k /
    # to_v: SMITE's phase 2); a layer without an entry uses the backbone's
    projections: dict[str, CrossProjections] = field(default_factory=dict)
    cross: list[torch.Tensor] = field(default_factory=list)  # each (B, K, h, w) logits
    self_: list[torch.Tensor] = field(default_factory=list)  # each (B, N, N) probabilities

    @contextmanager
    def video(self, num_frames: int) -> Iterator[AttentionStore]:
        """Run the UNet inflated over videos of num_frames frames (batch folded frame-major).

        Restores the previous inflated / num_frames on exit, also on error.
        """
        if num_frames < 1:
            raise ValueError(f"num_frames must be >= 1, got {num_frames}")
        saved = self.inflated, self.num_frames
        self.inflated, self.num_frames = True, int(num_frames)
        try:
            yield self
        finally:
            self.inflated, self.num_frames = saved

    def reset(self, num_parts: int | None = None) -> None:
        self.cross.clear()
        self.self_.clear()
        if num_parts is not None:
            self.num_parts = num_parts

    def cross_logits(self, size: int) -> torch.Tensor:
        """Part-token cross-attention logits bilinearly resized to size x size, mean over layers."""
        resized = [F.interpolate(m, size=(size, size), mode="bilinear", align_corners=False) for m in self.cross]
        return torch.stack(resized).mean(0)

    def self_probs(self) -> torch.Tensor:
        """Self-attention probabilities (B, N, N), mean over layers (all at the same resolution)."""
        return torch.stack(self.self_).mean(0)


def _video_attention(
    query: torch.Tensor, key: torch.Tensor, value: torch.Tensor, scale: float, frames: int
) -> torch.Tensor:
    """Spatio-temporal attention: each token attends to all tokens of all frames of its video.

    Inputs (B*F, heads, N, d) with frames folded frame-major into the batch; fused SDPA over F*N keys.
    """
    folded, heads, tokens, dim = query.shape
    if folded % frames:
        raise ValueError(f"batch {folded} is not a multiple of {frames} frames")

    def unfold(x: torch.Tensor) -> torch.Tensor:
        return x.view(folded // frames, frames, heads, tokens, dim).transpose(1, 2).reshape(
            folded // frames, heads, frames * tokens, dim)

    out = F.scaled_dot_product_attention(unfold(query), unfold(key), unfold(value), scale=scale)
    return out.view(folded // frames, heads, frames, tokens, dim).transpose(1, 2).reshape(folded, heads, tokens, dim)


def video_group_norm(
    x: torch.Tensor, frames: int, num_groups: int, weight: torch.Tensor | None, bias: torch.Tensor | None, eps: float
) -> torch.Tensor:
    """GroupNorm of (B*F, C, ...) frames folded frame-major, statistics pooled over each video's F frames.

    Equals ``F.group_norm`` of the (B, C, F, ...) video tensor, which is what the authors' 3D UNet computes.
    """
    folded = x.shape[0]
    if folded % frames:
        raise ValueError(f"batch {folded} is not a multiple of {frames} frames")
    video = x.view(folded // frames, frames, *x.shape[1:]).transpose(1, 2)  # (B, C, F, ...)
    out = F.group_norm(video, num_groups, weight, bias, eps)
    return out.transpose(1, 2).reshape(x.shape)


class FrameGroupNorm(nn.GroupNorm):
    """nn.GroupNorm that, while its store is inflated with F > 1 frames, pools statistics over each video.

    Shares weight and bias with the GroupNorm it replaces (same Parameter objects, same state_dict
    names); when not inflated it is exactly nn.GroupNorm.
    """

    def __init__(self, norm: nn.GroupNorm, store: AttentionStore) -> None:
        nn.Module.__init__(self)
        self.num_groups, self.num_channels = norm.num_groups, norm.num_channels
        self.eps, self.affine = norm.eps, norm.affine
        self.weight, self.bias = norm.weight, norm.bias
        self.store = store

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        frames = self.store.num_frames
        if not self.store.inflated or frames == 1:
            return F.group_norm(x, self.num_groups, self.weight, self.bias, self.eps)
        return video_group_norm(x, frames, self.num_groups, self.weight, self.bias, self.eps)


def _frame_norm(norm: nn.GroupNorm, store: AttentionStore) -> FrameGroupNorm:
    if isinstance(norm, FrameGroupNorm):
        norm.store = store
        return norm
    if type(norm) is not nn.GroupNorm:
        raise TypeError(f"expected nn.GroupNorm, got {type(norm).__name__}")
    return FrameGroupNorm(norm, store)


def install_frame_norms(unet: UNet2DConditionModel, store: AttentionStore) -> list[str]:
    """Swap the ResNet blocks' norm1/norm2 and conv_norm_out for FrameGroupNorm bound to store.

    Idempotent: a UNet patched before is rebound to the new store. Returns the patched module names.
    """
    patched = []
    for name, module in list(unet.named_modules()):
        if isinstance(module, ResnetBlock2D):
            for attr in ("norm1", "norm2"):
                setattr(module, attr, _frame_norm(getattr(module, attr), store))
                patched.append(f"{name}.{attr}")
    if unet.conv_norm_out is not None:
        unet.conv_norm_out = _frame_norm(unet.conv_norm_out, store)
        patched.append("conv_norm_out")
    return patched


def _split_heads(x: torch.Tensor, heads: int) -> torch.Tensor:
    batch, tokens, inner = x.shape
    return x.view(batch, tokens, heads, inner // heads).transpose(1, 2)


class SmiteAttnProcessor:
    """SDPA attention; optionally records cross logits or within-frame self-attention probabilities.

    ``capture`` is None (compute only), "cross" or "self". A self layer that records computes its
    probabilities explicitly and reuses them for the output, so the map costs no second pass.
    """

    def __init__(self, store: AttentionStore, capture: str | None = None, layer: str = "") -> None:
        self.store = store
        self.capture = capture
        self.layer = layer  # the attention module's name in the UNet, e.g. "...transformer_blocks.0.attn2"

    def __call__(
        self,
        attn: Attention,
        hidden_states: torch.Tensor,
        encoder_hidden_states: torch.Tensor | None = None,
        attention_mask: torch.Tensor | None = None,
        temb: torch.Tensor | None = None,
        **kwargs: object,
    ) -> torch.Tensor:
        if attention_mask is not None or attn.spatial_norm is not None or hidden_states.ndim != 3:
            raise NotImplementedError("SMITE's processor supports transformer-block attention only")
        residual = hidden_states
        if attn.group_norm is not None:
            hidden_states = attn.group_norm(hidden_states.transpose(1, 2)).transpose(1, 2)
        is_cross = encoder_hidden_states is not None
        context = hidden_states if not is_cross else encoder_hidden_states
        if is_cross and attn.norm_cross:
            context = attn.norm_encoder_hidden_states(context)
        query = _split_heads(attn.to_q(hidden_states), attn.heads)
        own = self.store.projections.get(self.layer) if is_cross else None
        if own is None:
            key, value = attn.to_k(context), attn.to_v(context)
        else:
            key, value = F.linear(context, *own.key), F.linear(context, *own.value)
        key, value = _split_heads(key, attn.heads), _split_heads(value, attn.heads)
        recording = self.store.active and self.capture is not None
        inflated = self.store.inflated and not is_cross
        frames = self.store.num_frames
        if recording and self.capture == "self":
            probs = torch.softmax(query @ key.transpose(-1, -2) * attn.scale, dim=-1)
            self.store.self_.append(probs.mean(1))
            out = _video_attention(query, key, value, attn.scale, frames) if inflated else probs @ value
        elif inflated:
            out = _video_attention(query, key, value, attn.scale, frames)
        else:
            out = F.scaled_dot_product_attention(query, key, value, scale=attn.scale)
            if recording and self.capture == "cross":
                self.store.cross.append(self._part_logits(query, key, attn.scale))
        out = out.transpose(1, 2).reshape(out.shape[0], -1, attn.heads * out.shape[-1]).to(query.dtype)
        out = attn.to_out[1](attn.to_out[0](out))
        if attn.residual_connection:
            out = out + residual
        return out / attn.rescale_output_factor

    def _part_logits(self, query: torch.Tensor, key: torch.Tensor, scale: float) -> torch.Tensor:
        """q.k^T * scale for the part-token columns, mean over heads, as (B, K, h, w)."""
        logits = (query @ key[:, :, : self.store.num_parts].transpose(-1, -2) * scale).mean(1)
        batch, tokens, parts = logits.shape
        side = math.isqrt(tokens)
        if side * side != tokens:
            raise ValueError(f"attention maps need square latents, got {tokens} tokens")
        return logits.transpose(1, 2).reshape(batch, parts, side, side)


def install_processors(
    unet: UNet2DConditionModel, cross_layers: list[str], self_layers: list[str]
) -> AttentionStore:
    """Replace every attention processor by SmiteAttnProcessor; capture on the configured layers.

    Also swaps the ResNet and output GroupNorms for frame-pooling ones (see install_frame_norms), so
    ``with store.video(F):`` runs the authors' inflated UNet and, outside it, the plain 2D UNet.
    """
    store = AttentionStore()
    processors = {}
    for name in unet.attn_processors:
        layer = name.split(".transformer_blocks")[0]
        capture = None
        if name.endswith("attn2.processor") and layer in cross_layers:
            capture = "cross"
        elif name.endswith("attn1.processor") and layer in self_layers:
            capture = "self"
        processors[name] = SmiteAttnProcessor(store, capture, name.removesuffix(".processor"))
    unknown = (set(cross_layers) | set(self_layers)) - {n.split(".transformer_blocks")[0] for n in processors}
    if unknown:
        raise ValueError(f"configured attention layers not in the UNet: {sorted(unknown)}")
    unet.set_attn_processor(processors)
    install_frame_norms(unet, store)
    return store
