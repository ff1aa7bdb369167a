"""The segmentation model: a frozen backbone, one learned token per part, and the captured maps."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

import cv2
import numpy as np
import torch
from torch import nn

from smite.model.attention import AttentionStore, CrossProjections, install_processors
from smite.model.backbone import Backbone
from smite.model.was import InferenceWas, was_maps


@dataclass
class Maps:
    """One UNet forward's outputs: noise prediction, cross logits, self-attention, WAS."""

    noise_pred: torch.Tensor  # (B, C, h_lat, w_lat)
    cross_logits: torch.Tensor  # (B, K, R, R)
    self_probs: torch.Tensor  # (B, R*R, R*R)
    was: torch.Tensor  # (B, K, R, R) training WAS (softmax weights)

    def inference_was(self) -> InferenceWas:
        """The authors' inference WAS of these maps (raw-logit weights; rescaled by `.at(size)`)."""
        return InferenceWas.from_maps(self.cross_logits, self.self_probs)


CROSS_PROJECTIONS = ("to_k", "to_v")  # what SMITE's phase 2 tunes in every cross-attention layer (attn2)


def is_cross_projection(name: str) -> bool:
    """Whether a UNet parameter name is a cross-attention key/value projection's weight or bias."""
    return any(f".attn2.{projection}." in name for projection in CROSS_PROJECTIONS)


def attention_store(backbone: Backbone) -> AttentionStore:
    """The store of the backbone's attention processors, installed once and shared by every model on it."""
    if backbone.attention_store is None:
        backbone.attention_store = install_processors(backbone.unet, backbone.cross_layers, backbone.self_layers)
    return backbone.attention_store


PART_INITS = ("prompt", "names", "random")  # see PartSegmenter
CONTEXTS = ("prompt", "empty")  # the encodings the part vectors are written into (PartSegmenter.encoding)


class PartSegmenter(nn.Module):
    """SLiMe/SMITE part tokens on a diffusion backbone.

    The prompt is the part names, background first ("background body head"), as in the authors' scripts;
    the learnable vectors are the text-encoder *outputs* at token positions 1..K-1 of a padded encoding
    (their ``encode_prompt(use_tokens=True)``). Part 0 (background) reads position 0 (the start token) and is
    not trained. The vectors are written into one of two encodings (`CONTEXTS`), as the authors' passes do:
    ``prompt``, the full prompt's (training, validation, image segmentation, the guided steps: positions
    >= K keep the prompt's later words and its end token), or ``empty``, the empty prompt's (the video
    reference pass, ``_get_refrence``). Training's classifier-free guidance reads the plain empty encoding.

    Initial vectors (`init`): ``prompt`` = positions 1..K-1 of the full prompt's encoding (the authors'
    ``set_embeddings_to_optimize``, so part k starts from the word before its own), ``names`` = each part's
    own name (positions 1..K-1 of the prompt without background), ``random``.

    The model also owns a copy of every cross-attention to_k / to_v (what phase 2 tunes), which its forwards
    use instead of the backbone's: the backbone is never written, so models trained apart can share one.
    """

    def __init__(self, backbone: Backbone, parts: list[str], init: str = "prompt", seed: int = 0) -> None:
        super().__init__()
        if len(parts) < 2:
            raise ValueError("need background plus at least one part")
        if init not in PART_INITS:
            raise ValueError(f"unknown part initialisation {init!r}; choose one of {', '.join(PART_INITS)}")
        self.backbone = backbone
        self.parts = list(parts)
        self.store = attention_store(backbone)
        backbone_params = dict(backbone.unet.named_parameters())
        self.cross_names = [name for name in backbone_params if is_cross_projection(name)]
        self.cross_weights = nn.ParameterList(
            nn.Parameter(backbone_params[name].detach().clone(), requires_grad=False) for name in self.cross_names
        )
        self.projections = _projections(self.cross_names, list(self.cross_weights))
        prompt = backbone.encode_prompt(" ".join(parts)).float()
        self.register_buffer("prompt_encoding", prompt, persistent=False)
        self.register_buffer("empty_encoding", backbone.encode_prompt("").float(), persistent=False)
        if init == "prompt":
            start = prompt[0, 1 : len(parts)].clone()
        else:
            start = backbone.encode_prompt(" ".join(parts[1:])).float()[0, 1 : len(parts)].clone()
        if init == "random":
            generator = torch.Generator().manual_seed(seed)
            start = torch.randn(start.shape, generator=generator).to(start) * prompt.std()
        self.part_embeddings = nn.Parameter(start)

    @property
    def num_parts(self) -> int:
        return len(self.parts)

    def encoding(self, batch: int, context: str = "prompt") -> torch.Tensor:
        """The context's encoding with the learned part vectors in positions 1..K-1: (B, L, D)."""
        if context not in CONTEXTS:
            raise ValueError(f"unknown prompt context {context!r}; choose one of {', '.join(CONTEXTS)}")
        base = self.prompt_encoding if context == "prompt" else self.empty_encoding
        encoding = torch.cat([base[:, :1], self.part_embeddings[None], base[:, self.num_parts :]], dim=1)
        return encoding.expand(batch, -1, -1).to(self.backbone.dtype)

    def cross_attention_parameters(self) -> list[nn.Parameter]:
        """The model's to_k / to_v weights of every cross-attention layer (SMITE's phase-2 parameters)."""
        return list(self.cross_weights)

    def named_cross_attention_parameters(self) -> dict[str, nn.Parameter]:
        """The same, by the backbone UNet's parameter names (the checkpoint's keys)."""
        return dict(zip(self.cross_names, self.cross_weights, strict=True))

    def forward(self, noisy_latents: torch.Tensor, timesteps: torch.Tensor, num_frames: int | None = None,
                context: str = "prompt", guidance_scale: float = 1.0) -> Maps:
        """One UNet forward that records the maps of the configured layers.

        With num_frames the inflated UNet runs: the batch is videos of num_frames frames each
        (frame-major), and self-attention spans all their frames. Without it, frames are independent.
        With guidance_scale > 1 the noise prediction is u + scale (c - u), u the unconditional (empty
        prompt) prediction, as the authors' classifier-free guidance does (their training runs at 100);
        the maps are the conditional pass's. Their code runs [u, c] as one doubled batch; so does this
        one, except where a graph is being built and u depends on no weight being trained (phase 1: the
        part vectors reach c only): there u is a constant of the graph and runs apart without one, which
        saves its backward (the two batches round differently, by ~1e-6).
        """
        batch = noisy_latents.shape[0]
        encoding = self.encoding(batch, context)
        empty = self.empty_encoding.expand(batch, -1, -1).to(encoding)
        guided = guidance_scale > 1
        batched = guided and not self._unconditional_is_constant()
        if batched:
            encoding = torch.cat([empty, encoding])
            noisy_latents, timesteps = torch.cat([noisy_latents] * 2), torch.cat([timesteps] * 2)
        noise_pred, cross, self_probs = self._recorded_forward(noisy_latents, timesteps, encoding, num_frames)
        if batched:
            uncond, noise_pred = noise_pred.chunk(2)
            cross, self_probs = cross[batch:], self_probs[batch:]
        elif guided:
            with torch.no_grad():
                uncond, _, _ = self._recorded_forward(noisy_latents, timesteps, empty, num_frames, record=False)
        if guided:
            noise_pred = uncond + guidance_scale * (noise_pred - uncond)
        return Maps(noise_pred, cross, self_probs, was_maps(cross, self_probs))

    def _unconditional_is_constant(self) -> bool:
        """Whether a graph is being built in which the empty prompt's prediction depends on no weight being
        trained: neither the UNet's nor this model's cross-attention copies (the part vectors enter the
        prompt's encoding only)."""
        return torch.is_grad_enabled() and not any(p.requires_grad for p in self.cross_weights) and not any(
            p.requires_grad for p in self.backbone.unet.parameters())

    def _recorded_forward(self, noisy_latents: torch.Tensor, timesteps: torch.Tensor, encoding: torch.Tensor,
                          num_frames: int | None, record: bool = True) -> tuple[torch.Tensor, ...]:
        """The UNet's noise prediction with this model's cross-attention weights, and (when record) the cross
        logits and self-attention probabilities its configured layers captured."""
        store = self.store
        store.reset(self.num_parts)
        store.active = record
        store.projections = self.projections
        video = store.video(num_frames) if num_frames is not None else contextlib.nullcontext()
        try:
            with video, self.backbone.autocast():  # float32 UNet, fp16/bf16 autocast per precision (backbone.py)
                noise_pred = self.backbone.unet(noisy_latents, timesteps, encoder_hidden_states=encoding).sample.float()
        finally:
            store.active = False
            store.projections = {}
        if not record:
            store.reset()
            return noise_pred, None, None
        self_probs = store.self_probs().float()
        resolution = int(round(self_probs.shape[-1] ** 0.5))
        cross = store.cross_logits(resolution).float()
        store.reset()
        return noise_pred, cross, self_probs


def _projections(names: list[str], params: list[nn.Parameter]) -> dict[str, CrossProjections]:
    """Attention layer -> its key and value projections, from UNet parameter names such as
    "up_blocks.1.attentions.0.transformer_blocks.0.attn2.to_k.weight"."""
    by_name = dict(zip(names, params, strict=True))

    def linear(layer: str, projection: str) -> tuple[torch.Tensor, torch.Tensor | None]:
        return by_name[f"{layer}.{projection}.weight"], by_name.get(f"{layer}.{projection}.bias")

    layers = sorted({name.split(".attn2.")[0] + ".attn2" for name in names})
    return {layer: CrossProjections(*(linear(layer, projection) for projection in CROSS_PROJECTIONS))
            for layer in layers}


def to_model_input(images: list[np.ndarray] | np.ndarray, size: int) -> torch.Tensor:
    """RGB uint8 images of any size -> (B, 3, size, size) float in [0, 1] (area resampling), contiguous.

    Contiguous (channels-first in memory) as the authors' frames reach their VAE: a channels-last view of the
    same values takes another convolution kernel, which rounds differently (~1e-6 on the posterior).
    """
    resized = [cv2.resize(image, (size, size), interpolation=cv2.INTER_AREA) for image in images]
    return (torch.from_numpy(np.stack(resized)).permute(0, 3, 1, 2).float() / 255.0).contiguous()


def resize_labels(labels: np.ndarray, size: int | tuple[int, int]) -> np.ndarray:
    """Integer label map -> size x size, or (H, W), by nearest neighbour (keeps labels exact)."""
    height, width = (size, size) if isinstance(size, int) else size
    if labels.shape == (height, width):
        return labels.astype(np.int64)
    return cv2.resize(labels.astype(np.int32), (width, height), interpolation=cv2.INTER_NEAREST).astype(np.int64)
