"""Video segmentation: the SMITE method and its baselines, and the outputs a practitioner uses.

Variants (paper section 5, Table 2):
* ``baseline1``: SLiMe per frame (2D UNet, single pass at t = 100);
* ``baseline2``: Baseline-I plus temporal voting applied to its WAS maps afterwards (DESIGN says "in pixel
  space"; the paper's Fig. 12 applies the tracker to S_WAS in post-processing, which is what runs here);
* ``baseline3``: SLiMe with the inflated UNet (windows of frames, single pass);
* ``smite_ca``: + cross-attention tuning (two-phase checkpoint), no guidance (Table 2 step);
* ``smite_track``: + spatio-temporal guidance with the tracking energy only (Table 2 step);
* ``smite``: + the low-pass regulariser: the full method.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from diffusers import DDIMScheduler
from tqdm.auto import tqdm

from smite.data.masks import draw_legend, overlay, save_label_png
from smite.data.video import atomic_dir, write_video
from smite.guide import LatentAdam, guidance_lr, lowpass_mask, temporal_vote, total_energy
from smite.model.inference import batches, frame_seeds, item_noise
from smite.model.segmenter import PartSegmenter, to_model_input
from smite.model.was import label_map, rescale_to_cross
from smite.track.cache import TrackCache

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Variant:
    """What a method does at inference, and which checkpoint (training mode) it needs."""

    inflated: bool
    guidance: bool
    regulariser: bool
    posthoc_vote: bool
    training_mode: str

    @property
    def needs_tracks(self) -> bool:
        return self.guidance or self.posthoc_vote


VARIANTS: dict[str, Variant] = {
    "baseline1": Variant(False, False, False, False, "embeddings"),
    "baseline2": Variant(False, False, False, True, "embeddings"),
    "baseline3": Variant(True, False, False, False, "embeddings"),
    "smite_ca": Variant(True, False, False, False, "two-phase"),
    "smite_track": Variant(True, True, False, False, "two-phase"),
    "smite": Variant(True, True, True, False, "two-phase"),
}
PUBLIC_METHODS = ("smite", "baseline1", "baseline2", "baseline3")


@dataclass(frozen=True)
class Window:
    """Frames [start, stop) processed together; frames from `first_new` on are output by this window."""

    start: int
    stop: int
    first_new: int


def plan_windows(frames: int, size: int, overlap: int) -> list[Window]:
    """Windows of `size` frames, each overlapping the previous by `overlap`; every frame output once."""
    if size < 1 or not 0 <= overlap < size:
        raise ValueError(f"need 0 <= overlap < window size, got {overlap} and {size}")
    windows, start = [], 0
    while True:
        stop = min(start + size, frames)
        windows.append(Window(start, stop, start + (overlap if windows else 0)))
        if stop >= frames:
            return windows
        start += size - overlap


class Segmenter:
    """Runs one variant over a video with a trained PartSegmenter."""

    def __init__(self, model: PartSegmenter, variant: Variant, inference: dict[str, Any], seed: int) -> None:
        self.model = model
        self.variant = variant
        self.config = inference
        self.seed = seed

    # -- single passes -------------------------------------------------------------------------
    def encode(self, frames: np.ndarray) -> torch.Tensor:
        """Clean latents of RGB frames, in batches."""
        size = self.model.backbone.image_size
        chunks = [self.model.backbone.encode_images(to_model_input(frames[s], size))
                  for s in batches(len(frames), self.config["batch_size"])]
        return torch.cat(chunks)

    def noised(self, latents: torch.Tensor, indices: range, timestep: int) -> torch.Tensor:
        noise = item_noise(tuple(latents.shape[1:]), frame_seeds(self.seed, indices)).to(latents)
        steps = torch.full((len(latents),), timestep, dtype=torch.long, device=latents.device)
        return self.model.backbone.scheduler.add_noise(latents, noise, steps)

    @torch.no_grad()
    def single_pass(self, latents: torch.Tensor, indices: range) -> torch.Tensor:
        """Scores (L, K, R, R) at t = timestep: one forward, 2D per frame or inflated over the window."""
        timestep = self.config["timestep"]
        noisy = self.noised(latents, indices, timestep)
        steps = torch.full((len(latents),), timestep, dtype=torch.long, device=latents.device)
        if self.variant.inflated:
            maps = self.model(noisy, steps, num_frames=len(latents))
            return rescale_to_cross(maps.was, maps.cross_logits)
        out = []
        for chunk in batches(len(latents), self.config["batch_size"]):
            maps = self.model(noisy[chunk], steps[chunk])
            out.append(rescale_to_cross(maps.was, maps.cross_logits))
        return torch.cat(out)

    # -- guidance ------------------------------------------------------------------------------
    def guided_timesteps(self) -> tuple[DDIMScheduler, list[int]]:
        """The DDIM timesteps just above the reference timestep (authors' code: four of a 50-step schedule)."""
        scheduler = DDIMScheduler.from_config(self.model.backbone.scheduler.config)
        scheduler.set_timesteps(self.config["num_inference_steps"])
        above = [int(t) for t in scheduler.timesteps if int(t) > self.config["timestep"]]
        return scheduler, above[-self.config["guided_timesteps"]:]

    def guided_window(self, latents: torch.Tensor, reference: torch.Tensor, window: Window,
                      tracks: TrackCache) -> torch.Tensor:
        """Eq. 7-8: Adam-like updates of z_t on lambda_track E_track + lambda_reg E_reg, then DDIM steps."""
        config, frames = self.config, len(latents)
        scheduler, timesteps = self.guided_timesteps()
        indices = range(window.start, window.stop)
        z = self.noised(latents, indices, timesteps[0])
        positions = torch.as_tensor(tracks.positions[window.start:window.stop])  # converted once per window
        visible = torch.as_tensor(tracks.visible[window.start:window.stop])
        lambda_reg = config["lambda_reg"] if self.variant.regulariser else 0.0
        resolution = reference.shape[-1]
        for step, timestep in enumerate(timesteps):
            steps = torch.full((frames,), timestep, dtype=torch.long, device=z.device)
            if step < config["guided_updates"]:
                temporal = config["lowpass_temporal"][min(step, len(config["lowpass_temporal"]) - 1)]
                mask = lowpass_mask(frames, resolution, resolution, config["lowpass_spatial"], temporal).to(z.device)
                lr = guidance_lr(float(scheduler.alphas_cumprod[timestep]), config["guidance_lr"])
                optimizer = LatentAdam(config["adam_beta1"], config["adam_beta2"], config["adam_eps"])
                for _ in range(config["updates_per_step"]):
                    z = self._update(z, steps, reference, positions, visible, tracks, window, mask, lr,
                                     lambda_reg, optimizer)
            with torch.no_grad():
                maps = self.model(z, steps, num_frames=frames)
            if step == len(timesteps) - 1:
                return rescale_to_cross(maps.was, maps.cross_logits)
            z = scheduler.step(maps.noise_pred, timestep, z).prev_sample
        raise AssertionError("unreachable")

    def _update(self, z, steps, reference, positions, visible, tracks, window, mask, lr, lambda_reg, optimizer):
        latent = z.detach().requires_grad_(True)
        maps = self.model(latent, steps, num_frames=len(latent))
        _, labels = temporal_vote(maps.was, positions, visible, tracks.offsets, start=0)
        energy, terms = total_energy(maps.was, reference, labels, mask, self.config["lambda_track"], lambda_reg)
        (grad,) = torch.autograd.grad(energy, latent)
        log.debug("window %d-%d: E %.4f track %.4f reg %.4f", window.start, window.stop, float(energy.detach()),
                  float(terms["track"]), float(terms["reg"]))
        return optimizer.step(z.detach(), grad, lr)

    # -- whole video ---------------------------------------------------------------------------
    def scores(self, frames: np.ndarray, tracks: TrackCache | None, progress: bool = False) -> torch.Tensor:
        """Per-frame part scores (T, K, R, R) for the whole video."""
        variant = self.variant
        if variant.needs_tracks and tracks is None:
            raise ValueError("this method needs trajectories (a TrackCache)")
        latents = self.encode(frames)
        if not variant.inflated:
            scores = self.single_pass(latents, range(len(frames)))
            if variant.posthoc_vote:
                scores, _ = temporal_vote(scores, tracks.positions, tracks.visible, tracks.offsets, start=0)
            return scores
        size, overlap = (self.config["window"], self.config["overlap"]) if variant.guidance else (
            self.config["window_unguided"], 0)
        output: list[torch.Tensor | None] = [None] * len(frames)
        for window in tqdm(plan_windows(len(frames), size, overlap), desc="segmenting", unit="window",
                           disable=not progress):
            indices = range(window.start, window.stop)
            reference = self.single_pass(latents[window.start:window.stop], indices)
            if variant.guidance:
                for frame in range(window.start, window.first_new):  # hand-over from the previous window
                    reference[frame - window.start] = output[frame]
                result = self.guided_window(latents[window.start:window.stop], reference, window, tracks)
            else:
                result = reference
            for frame in range(window.first_new, window.stop):
                output[frame] = result[frame - window.start].detach()
        return torch.stack(output)


def segment_frames(
    model: PartSegmenter,
    frames: np.ndarray,
    method: str,
    inference: dict[str, Any],
    seed: int,
    tracks: TrackCache | None = None,
    progress: bool = False,
) -> np.ndarray:
    """Label maps (T, H, W) at the frames' own size."""
    if method not in VARIANTS:
        raise ValueError(f"unknown method {method!r}; choose one of {sorted(VARIANTS)}")
    scores = Segmenter(model, VARIANTS[method], inference, seed).scores(frames, tracks, progress)
    height, width = frames.shape[1:3]
    return np.stack([label_map(s[None].float().cpu(), (height, width))[0].numpy() for s in scores]).astype(np.int64)


def foreground_box(labels: np.ndarray, margin: float) -> tuple[int, int, int, int] | None:
    """Bounding box (top, bottom, left, right; exclusive ends) of all foreground over the video, expanded by
    `margin` of the frame size on each side (paper 7.5: 4 %); None when there is no foreground."""
    rows = np.flatnonzero((labels > 0).any(axis=(0, 2)))
    cols = np.flatnonzero((labels > 0).any(axis=(0, 1)))
    if len(rows) == 0:
        return None
    height, width = labels.shape[1:3]
    pad_y, pad_x = int(round(margin * height)), int(round(margin * width))
    return (max(0, rows[0] - pad_y), min(height, rows[-1] + 1 + pad_y),
            max(0, cols[0] - pad_x), min(width, cols[-1] + 1 + pad_x))


def paste(crop_labels: np.ndarray, box: tuple[int, int, int, int], shape: tuple[int, int]) -> np.ndarray:
    """Crop label maps (T, h, w) put back into background frames of `shape` (H, W)."""
    top, bottom, left, right = box
    full = np.zeros((len(crop_labels), *shape), dtype=crop_labels.dtype)
    full[:, top:bottom, left:right] = crop_labels
    return full


def refine_small_objects(
    model: PartSegmenter,
    frames: np.ndarray,
    method: str,
    inference: dict[str, Any],
    seed: int,
    track: Callable[[np.ndarray], TrackCache | None],
    progress: bool = False,
) -> np.ndarray:
    """Paper 7.5 crop refinement: a first pass on the whole frame without guidance finds the object; when
    its box (expanded by the margin) covers less than `crop_max_area` of the frame, the method runs again
    on the cropped video (trajectories recomputed there) and the result is pasted back."""
    first = segment_frames(model, frames, "baseline3", inference, seed, progress=progress)
    box = foreground_box(first, inference["crop_margin"])
    height, width = frames.shape[1:3]
    if box is None or (box[1] - box[0]) * (box[3] - box[2]) >= inference["crop_max_area"] * height * width:
        return segment_frames(model, frames, method, inference, seed, track(frames), progress)
    log.info("small object: refining on the crop %s", box)
    crop = np.ascontiguousarray(frames[:, box[0]:box[1], box[2]:box[3]])
    return paste(segment_frames(model, crop, method, inference, seed, track(crop), progress), box, (height, width))


def _safe_name(name: str) -> str:
    """A part name usable as a file name."""
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in name)


def write_outputs(out_dir: str | Path, frames: np.ndarray, labels: np.ndarray, parts: list[str], fps: float,
                  info: dict[str, Any], per_part_masks: bool = False) -> Path:
    """masks/NNNNN.png (palette), overlay.mp4 and parts.json, written to a temporary folder then renamed.

    With per_part_masks, also part_masks/<k>_<name>.mp4: one white-on-black matte video per part, the
    form compositing tools import. An interrupted run never leaves an output folder that looks complete.
    """
    with atomic_dir(out_dir) as staging:
        _write_staging(staging, frames, labels, parts, fps, info, per_part_masks)
    log.info("wrote %d masks, overlay and parts to %s", len(labels), out_dir)
    return out_dir


def _write_staging(staging: Path, frames: np.ndarray, labels: np.ndarray, parts: list[str], fps: float,
                   info: dict[str, Any], per_part_masks: bool) -> None:
    """Every output file of write_outputs, into the staging folder."""
    (staging / "masks").mkdir()
    for index, label in enumerate(labels):
        save_label_png(staging / "masks" / f"{index:05d}.png", label.astype(np.uint8))
    overlays = [draw_legend(overlay(f, m), parts) for f, m in zip(frames, labels, strict=True)]
    write_video(staging / "overlay.mp4", np.stack(overlays), fps)
    if per_part_masks:
        (staging / "part_masks").mkdir()
        for index, name in enumerate(parts[1:], start=1):
            matte = np.repeat(((labels == index) * 255).astype(np.uint8)[..., None], 3, axis=-1)
            write_video(staging / "part_masks" / f"{index:02d}_{_safe_name(name)}.mp4", matte, fps)
    parts_info = {"parts": {str(k): name for k, name in enumerate(parts)}, **info}
    (staging / "parts.json").write_text(json.dumps(parts_info, indent=2))
