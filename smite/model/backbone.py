"""Diffusion backbones: Stable Diffusion 2.1 from the hub, or the embedded stand-in built in-process.

The embedded backbone has Stable Diffusion's architecture (UNet2DConditionModel, AutoencoderKL, a CLIP
text model and tokenizer) at a size that runs on a CPU, and is never downloaded: it is built from
config with a fixed seed, so every machine gets bit-identical weights.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from diffusers import AutoencoderKL, DDIMScheduler, UNet2DConditionModel
from transformers import CLIPTextConfig, CLIPTextModel, CLIPTokenizer

from smite.errors import SmiteInputError
from smite.hub import ModelSpec, guarded, pretrained_args
from smite.hub import identity as model_identity
from smite.model.precision import PRECISIONS
from smite.settings import BackboneSettings


@dataclass
class Backbone:
    """The frozen parts of a latent diffusion model plus what SMITE needs to know about its layers.

    Precision (:func:`set_precision`): the UNet's weights are always float32 (its to_k/to_v are
    trained, and Adam must not run on fp16 weights); the VAE and text encoder are stored in
    ``precision``; UNet forwards run under :meth:`autocast` in ``precision``. This is the authors'
    setup: ``load_unets`` keeps the UNet in float32 under accelerate's fp16 autocast, and only the text
    encoder and VAE are cast to fp16. ``encode_images`` / ``encode_prompt`` return float32.
    """

    name: str
    unet: UNet2DConditionModel
    vae: AutoencoderKL
    text_encoder: CLIPTextModel
    tokenizer: CLIPTokenizer
    scheduler: DDIMScheduler
    image_size: int
    cross_layers: list[str]
    self_layers: list[str]
    identity: dict[str, Any] = field(default_factory=dict)
    precision: str = "fp32"
    attention_store: Any = None  # its attention processors' store, installed by the first model built on it

    def __post_init__(self) -> None:
        # one frame per VAE encode, as the authors' load_pipeline sets (enable_vae_slicing): a batch of frames
        # rounds differently, and the guided updates amplify that difference
        self.vae.enable_slicing()

    @property
    def device(self) -> torch.device:
        return self._first_weight.device

    @property
    def dtype(self) -> torch.dtype:
        """dtype of the UNet's weights and of its inputs (float32 in every precision)."""
        return self._first_weight.dtype

    @property
    def _first_weight(self) -> torch.Tensor:
        # the UNet's weights share one device and dtype; diffusers' own .device/.dtype walk every module on each
        # call (milliseconds, several times per training step)
        return next(self.unet.parameters())

    @contextlib.contextmanager
    def autocast(self, device_type: str | None = None) -> Iterator[None]:
        """Mixed precision for UNet forwards: autocast to fp16/bf16 per ``precision``; nothing for fp32.

        ``device_type`` defaults to the backbone's device. :func:`load_backbone` sets fp32 on a CPU,
        so there it is a no-op unless a precision was set explicitly (:func:`set_precision`), as
        tests do to run the GPU's dtype path on a CPU.
        """
        if self.precision == "fp32":
            yield
            return
        with torch.autocast(device_type or self.device.type, dtype=PRECISIONS[self.precision]):
            yield

    @property
    def latent_size(self) -> int:
        return self.image_size // self.vae_scale_factor

    @property
    def vae_scale_factor(self) -> int:
        return 2 ** (len(self.vae.config.block_out_channels) - 1)

    @torch.no_grad()
    def posterior(self, images: torch.Tensor) -> LatentPosterior:
        """Images in [0, 1], (B, 3, S, S) -> the VAE's posterior over their latents (B, C, S/f, S/f)."""
        dist = self.vae.encode(images.to(self.device, self.vae.dtype) * 2 - 1).latent_dist
        return LatentPosterior(dist.mean.to(self.dtype), dist.std.to(self.dtype), float(self.vae.config.scaling_factor))

    def encode_images(self, images: torch.Tensor) -> torch.Tensor:
        """Images in [0, 1], (B, 3, S, S) -> scaled latents (B, C, S/f, S/f), the posterior mean (UNet dtype)."""
        return self.posterior(images).latents()

    @torch.no_grad()
    def encode_prompt(self, prompt: str) -> torch.Tensor:
        """Text-encoder outputs of a prompt padded to the model's context length: (1, L, D), UNet dtype."""
        tokens = self.tokenizer(
            prompt,
            padding="max_length",
            max_length=self.tokenizer.model_max_length,
            truncation=True,
            return_tensors="pt",
        )
        return self.text_encoder(tokens.input_ids.to(self.device))[0].to(self.dtype)


@dataclass
class LatentPosterior:
    """The VAE's diagonal Gaussian over latents (unscaled mean and std) and the latent scaling factor.

    The authors sample it anew for every pass (diffusers' ``latent_dist.sample``: mean + std * eps, then
    times the scaling factor); `latents()` without noise is the posterior mean, the deterministic choice.
    """

    mean: torch.Tensor
    std: torch.Tensor
    scaling_factor: float

    def latents(self, eps: torch.Tensor | None = None) -> torch.Tensor:
        """Scaled latents: (mean + std * eps) * scaling_factor, or the scaled mean when eps is None."""
        sample = self.mean if eps is None else self.mean + self.std * eps.to(self.mean)
        return sample * self.scaling_factor

    def __len__(self) -> int:
        return len(self.mean)

    def __getitem__(self, index: slice) -> LatentPosterior:
        return LatentPosterior(self.mean[index], self.std[index], self.scaling_factor)

    @staticmethod
    def cat(items: list[LatentPosterior]) -> LatentPosterior:
        return LatentPosterior(torch.cat([i.mean for i in items]), torch.cat([i.std for i in items]),
                               items[0].scaling_factor)


def captured_layers(config: dict[str, Any], unet: UNet2DConditionModel) -> tuple[list[str], list[str]]:
    """The config's cross- and self-attention layers, or `default_layers` when either list is empty."""
    cross, self_ = config.get("cross_layers") or None, config.get("self_layers") or None
    return (cross, self_) if cross is not None and self_ is not None else default_layers(unet)


def default_layers(unet: UNet2DConditionModel) -> tuple[list[str], list[str]]:
    """Cross maps from every attention up block but the highest-resolution one; self maps from that one.

    For SD 2.1 this gives exactly SLiMe's choice: cross from up_blocks 1 and 2, self from up_blocks 3.
    (SLiMe/SMITE use up_blocks[2].attentions[0,1] only; the config lists layers explicitly.)
    """
    with_attention = [i for i, block in enumerate(unet.up_blocks) if hasattr(block, "attentions")]
    highest = with_attention[-1]
    cross = [
        f"up_blocks.{i}.attentions.{j}"
        for i in with_attention[:-1]
        for j in range(len(unet.up_blocks[i].attentions))
    ]
    self_ = [f"up_blocks.{highest}.attentions.{j}" for j in range(len(unet.up_blocks[highest].attentions))]
    return cross, self_


def _bytes_to_unicode() -> dict[int, str]:
    """GPT-2/CLIP reversible byte -> printable unicode table (the alphabet of CLIP's BPE)."""
    printable = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1))
    printable += list(range(ord("®"), ord("ÿ") + 1))
    chars = printable[:]
    extra = 0
    for b in range(256):
        if b not in printable:
            printable.append(b)
            chars.append(256 + extra)
            extra += 1
    return dict(zip(printable, (chr(c) for c in chars), strict=True))


def build_tokenizer(max_length: int) -> CLIPTokenizer:
    """A byte-level CLIP tokenizer with no merges, built from its alphabet (no download needed)."""
    alphabet = list(_bytes_to_unicode().values())
    vocab = alphabet + [c + "</w>" for c in alphabet] + ["<|startoftext|>", "<|endoftext|>"]
    with tempfile.TemporaryDirectory() as folder:
        vocab_file = Path(folder, "vocab.json")
        merges_file = Path(folder, "merges.txt")
        vocab_file.write_text(json.dumps({token: i for i, token in enumerate(vocab)}))
        merges_file.write_text("#version: 0.2\n")
        return CLIPTokenizer(str(vocab_file), str(merges_file), model_max_length=max_length)


def _identity_qk(unet: UNet2DConditionModel, scale: float) -> None:
    """Self-attention query/key projections set to scale * identity.

    Why: with random weights the highest-resolution self-attention is uniform (entropy at its
    maximum), so every WAS map collapses to background. An identity q/k makes attention a
    feature-similarity kernel (softmax of scaled dot products of the normalised features), which is
    what a pretrained model's self-attention approximately is for segmentation (pixels attend to
    similar-looking pixels).
    """
    for name, module in unet.named_modules():
        if name.endswith("attn1"):
            for proj in (module.to_q, module.to_k):
                torch.nn.init.eye_(proj.weight)
                proj.weight.data.mul_(scale)
                if proj.bias is not None:
                    torch.nn.init.zeros_(proj.bias)


@torch.no_grad()
def _unit_variance_scale(vae: AutoencoderKL, size: int, seed: int) -> float:
    """Latent scaling factor giving unit-variance latents, as SD's 0.18215 does for its own VAE.

    Why: a random VAE's latents are tiny (std ~0.2 unscaled), so at t=100 the noise would swamp the
    image and no attention map could follow it. Calibrated on seeded smooth random colour fields.
    """
    generator = torch.Generator().manual_seed(seed)
    coarse = torch.rand(8, 3, 8, 8, generator=generator)
    images = torch.nn.functional.interpolate(coarse, size=(size, size), mode="bicubic").clamp(0, 1)
    latents = vae.encode(images * 2 - 1).latent_dist.mean
    return float(1.0 / latents.std())


@torch.no_grad()
def _set_posterior_std(vae: AutoencoderKL, std: float) -> None:
    """A constant posterior standard deviation of `std` in units of the scaled latents.

    Why: a random VAE's log-variance output is about 0, so its posterior std is about 1 unscaled, several times
    the latents' own scale: every posterior sample (the authors sample one per pass) would drown the image. A
    trained SD VAE's posterior is nearly deterministic (its KL weight is tiny). The log-variance half of
    quant_conv is set to a constant, log((std / scaling_factor)^2).
    """
    latent = vae.config.latent_channels
    vae.quant_conv.weight[latent:] = 0.0
    vae.quant_conv.bias[latent:] = 2.0 * math.log(std / vae.config.scaling_factor)


def build_embedded(config: dict[str, Any], seed: int, name: str = "embedded") -> Backbone:
    """An SD-architecture backbone built in-process, deterministically from config and seed (no download)."""
    generator_state = torch.random.get_rng_state()
    torch.manual_seed(seed)
    try:
        tokenizer = build_tokenizer(config["text"]["max_position_embeddings"])
        text_config = CLIPTextConfig(
            vocab_size=len(tokenizer), bos_token_id=tokenizer.bos_token_id, eos_token_id=tokenizer.eos_token_id,
            pad_token_id=tokenizer.pad_token_id, **config["text"],
        )
        text_encoder = CLIPTextModel(text_config)
        vae = AutoencoderKL(**{k: v for k, v in config["vae"].items()
                               if (k, v) != ("scaling_factor", "auto") and k != "posterior_std"})
        unet = UNet2DConditionModel(**config["unet"])
    finally:
        torch.random.set_rng_state(generator_state)
    if config["self_attention_qk_scale"]:
        _identity_qk(unet, config["self_attention_qk_scale"])
    if config["vae"].get("scaling_factor") == "auto":
        vae.register_to_config(scaling_factor=_unit_variance_scale(vae, config["image_size"], seed))
    if config["vae"].get("posterior_std") is not None:
        _set_posterior_std(vae, float(config["vae"]["posterior_std"]))
    cross, self_ = captured_layers(config, unet)
    digest = hashlib.sha256(json.dumps([config, seed], sort_keys=True).encode()).hexdigest()[:16]
    return Backbone(
        name=name,
        unet=unet,
        vae=vae,
        text_encoder=text_encoder,
        tokenizer=tokenizer,
        scheduler=DDIMScheduler(**config["scheduler"]),
        image_size=config["image_size"],
        cross_layers=cross,
        self_layers=self_,
        identity={"backbone": name, "config_sha256": digest},
    )


def load_pretrained(spec: ModelSpec, config: dict[str, Any], dtype: torch.dtype) -> Backbone:
    """Stable Diffusion (`models.sd21`: the pinned hub revision through the Hugging Face cache, or a local
    folder in diffusers' layout), every component at that revision."""
    model, revision, cache_only = pretrained_args(spec)

    def load(cls: Any, subfolder: str, **kwargs: Any) -> Any:
        return cls.from_pretrained(model, subfolder=subfolder, revision=revision, local_files_only=cache_only, **kwargs)

    def components() -> tuple[Any, ...]:
        return (load(UNet2DConditionModel, "unet", torch_dtype=torch.float32),
                load(AutoencoderKL, "vae", torch_dtype=dtype),
                load(CLIPTextModel, "text_encoder", torch_dtype=dtype),
                load(CLIPTokenizer, "tokenizer"),
                load(DDIMScheduler, "scheduler"))

    unet, vae, text_encoder, tokenizer, scheduler = guarded(spec, components)
    cross, self_ = captured_layers(config, unet)
    return Backbone(
        name=spec.key,
        unet=unet,
        vae=vae,
        text_encoder=text_encoder,
        tokenizer=tokenizer,
        scheduler=scheduler,
        image_size=config["image_size"],
        cross_layers=cross,
        self_layers=self_,
        identity={"backbone": spec.key, **model_identity(spec)},
    )


def resolve_device(device: str = "auto") -> torch.device:
    """'auto' -> CUDA when present, else CPU."""
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(device)


def set_precision(backbone: Backbone, precision: str) -> Backbone:
    """Store the VAE and text encoder in `precision` and autocast UNet forwards to it; UNet weights float32.

    :func:`load_backbone` calls it (with fp32 on a CPU); calling it directly sets a precision on any
    device, e.g. fp16 on a CPU to test the GPU's dtype path.
    """
    if precision not in PRECISIONS:
        raise ValueError(f"unknown precision {precision!r}; choose one of {sorted(PRECISIONS)}")
    targets = {backbone.unet: torch.float32, backbone.vae: PRECISIONS[precision],
               backbone.text_encoder: PRECISIONS[precision]}
    for module, dtype in targets.items():
        if module.dtype != dtype:  # diffusers warns on every cast
            module.to(dtype)
    backbone.precision = precision
    return backbone


def load_backbone(
    name: str, settings: BackboneSettings, seed: int, device: str = "auto", precision: str = "fp32",
    spec: ModelSpec | None = None,
) -> Backbone:
    """Backbone by name: 'embedded' or 'sd21_random' (built in-process from their architecture in `settings`), or
    'sd21' (`spec`, models.sd21, read at the layers `settings.sd21` names).

    `precision` as in :func:`set_precision`; a CPU always runs fp32. HF_HUB_OFFLINE keeps it to the cache.
    """
    target = resolve_device(device)
    if precision not in PRECISIONS:
        raise ValueError(f"unknown precision {precision!r}; choose one of {sorted(PRECISIONS)}")
    if target.type == "cpu":
        precision = "fp32"
    if name in ("embedded", "sd21_random"):
        backbone = build_embedded(settings.architecture(name), seed, name)
    elif name == "sd21" and spec is not None:
        backbone = load_pretrained(spec, settings.sd21, PRECISIONS[precision])
    else:
        raise SmiteInputError(None, f"unknown backbone {name!r}: embedded, sd21 (models.sd21) or sd21_random")
    for module in (backbone.unet, backbone.vae, backbone.text_encoder):
        module.to(target).eval().requires_grad_(False)
    return set_precision(backbone, precision)
