"""Video segmentation: the SMITE method and its baselines, and the outputs a practitioner uses.

Variants (paper section 5, Table 2):
* ``baseline1``: SLiMe per frame (2D UNet, single pass at t ~ U[95, 104]);
* ``baseline2``: Baseline-I plus temporal voting applied to its WAS maps afterwards (the paper's Fig. 12
  applies the tracker to S_WAS in post-processing, which is what runs here);
* ``baseline3``: SLiMe with the inflated UNet (windows of frames, single pass);
* ``smite_ca``: + cross-attention tuning (two-phase checkpoint), no guidance (Table 2 step);
* ``smite_track``: + spatio-temporal guidance with the tracking energy only (Table 2 step);
* ``smite``: + the low-pass regulariser: the full method.

Each is a `smite.methods.Method`; the guided ones descend the sum of the energies they name.
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
import torch.nn.functional as F
from diffusers import DDIMScheduler
from tqdm.auto import tqdm

from smite.config import InferenceConfig
from smite.data.masks import draw_legend, overlay, save_label_png
from smite.data.video import atomic_dir, write_video
from smite.guide import (
    LatentAdam,
    SliceMaps,
    energy_weights,
    guidance_step_size,
    lowpass_mask,
    temporal_vote,
    total_energy,
)
from smite.methods import DIFFUSION_METHODS, Method
from smite.model.backbone import LatentPosterior
from smite.model.draws import Draws, PrefixedDraws, SeededDraws
from smite.model.inference import batches, item_timesteps, noised, posterior_latents
from smite.model.segmenter import PartSegmenter, resize_labels, to_model_input
from smite.model.was import InferenceWas, TiledWas, label_map
from smite.tiles import Box, tile_boxes
from smite.track.cache import TrackCache

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Window:
    """Frames [start, stop) processed together; the first `handover` of them are the previous window's last.

    Every frame is output by the last window that holds it; for the hand-over frames the previous
    window's final S is the reference (the authors' `saved_was`).
    """

    start: int
    stop: int
    handover: int


def plan_windows(frames: int, size: int, overlap: int) -> list[Window]:
    """The authors' create_slices2 (src/slicing.py): windows of `size` frames, each starting `overlap` frames
    before the previous one's end; the last is shifted back to hold `size` frames where the video allows."""
    if size < 1 or not 0 <= overlap < size:
        raise ValueError(f"need 0 <= overlap < window size, got {overlap} and {size}")
    windows: list[Window] = []
    start = 0
    while start < frames:
        previous_stop = start
        if start > 0:
            start -= overlap
        stop = min(start + size, frames)
        if stop == frames and stop - size > 0:
            start = stop - size
        windows.append(Window(start, stop, previous_stop - start))
        start = stop
    return windows


def _steps(count: int, timestep: int, device: torch.device) -> torch.Tensor:
    return torch.full((count,), int(timestep), dtype=torch.long, device=device)


Was = InferenceWas | TiledWas


class Segmenter:
    """Runs one variant over a video with a trained PartSegmenter (the authors' src/inference.py flow).

    S, the map that voting, both energies and the hand-over read, is the authors' inference WAS at the
    attention resolution R; the output labels are the argmax of the same WAS at the model's image size.
    Random draws come from `draws` (default: SeededDraws(seed), per frame), by role (smite.model.draws).
    With `tiles` > 1 every tile of the frame runs the whole flow on its own crop (its own draws, roles
    prefixed "tile<k>/", and its own trajectories) and the tiles' WAS are merged (TiledWas).
    """

    def __init__(self, model: PartSegmenter, variant: Method, inference: InferenceConfig, seed: int,
                 draws: Draws | None = None, trace: list[dict[str, Any]] | None = None) -> None:
        self.model = model
        self.variant = variant
        self.config = inference
        self.seed = seed
        self.draws = draws or SeededDraws(seed)
        self.trace = trace  # when a list: one record per guided timestep and per latent update (inspection, tests)

    def _record(self, **record: Any) -> None:
        if self.trace is not None:
            self.trace.append({key: value.detach().clone() if isinstance(value, torch.Tensor) else value
                               for key, value in record.items()})

    # -- single passes -------------------------------------------------------------------------
    def encode(self, frames: np.ndarray, box: Box | None = None) -> LatentPosterior:
        """The VAE posterior of RGB frames (or of the crop `box` of the model input, resized back), in batches.

        The crop is bilinear on the model input, as the authors' _prepare_image crops and interpolates it.
        """
        size = self.model.backbone.image_size
        chunks = []
        for part in batches(len(frames), self.config.batch_size):
            images = to_model_input(frames[part], size)
            if box is not None:
                top, bottom, left, right = box
                images = F.interpolate(images[:, :, top:bottom, left:right], size=(size, size), mode="bilinear",
                                       align_corners=False)
            chunks.append(self.model.backbone.posterior(images))
        return LatentPosterior.cat(chunks)

    def latents(self, posterior: LatentPosterior, role: str, indices: range, draws: Draws) -> torch.Tensor:
        """A pass's latents: a fresh posterior sample (role `role`) or the mean, per `inference.posterior`."""
        return posterior_latents(posterior, self.config.posterior, draws, role, list(indices))

    @torch.no_grad()
    def reference(self, posterior: LatentPosterior, indices: range, draws: Draws) -> InferenceWas:
        """The reference pass (_get_refrence): its own posterior sample, fresh noise at t ~ U[95, 104], one forward
        with the empty prompt's context, inference WAS.

        Inflated: one timestep for the whole window (key: its first frame); 2D: one per frame.
        """
        timesteps, keys = self.config.reference_timesteps, list(indices)
        latents = self.latents(posterior, "posterior.reference", indices, draws)
        if self.variant.inflated:
            steps = item_timesteps(timesteps, draws, "reference_t", keys[:1]).expand(len(keys)).to(latents.device)
            noisy = noised(self.model, latents, steps, draws, "reference_noise", keys)
            return self.model(noisy, steps, num_frames=len(keys), context="empty").inference_was()
        out = []
        for chunk in batches(len(keys), self.config.batch_size):
            steps = item_timesteps(timesteps, draws, "reference_t", keys[chunk]).to(latents.device)
            noisy = noised(self.model, latents[chunk], steps, draws, "reference_noise", keys[chunk])
            out.append(self.model(noisy, steps, context="empty").inference_was())
        return InferenceWas.cat(out)

    # -- guidance ------------------------------------------------------------------------------
    def guided_schedule(self) -> tuple[DDIMScheduler, list[int]]:
        """DDIM scheduler and the guided timesteps: the last `guided_timesteps` of a `schedule_steps`-step
        schedule shifted by `timestep_shift` (authors: 1000 steps, 4, +100 -> 104, 103, 102, 101)."""
        config = self.config
        scheduler = DDIMScheduler.from_config(self.model.backbone.scheduler.config)
        scheduler.set_timesteps(config.schedule_steps)
        timesteps = [int(t) + config.timestep_shift for t in scheduler.timesteps[-config.guided_timesteps:]]
        return scheduler, timesteps

    def guided_window(self, posterior: LatentPosterior, reference: torch.Tensor, window: Window,
                      tracks: TrackCache, draws: Draws) -> InferenceWas:
        """Eqs. 7-8 as the authors' _inference runs them: a posterior sample of its own, noised to the first
        guided timestep; at each guided timestep a no-grad forward (the full prompt's context) gives S and the
        DDIM step; then, at the first `guided_updates` timesteps, one vote on that S and `updates_per_step`
        Adam-like updates of the stepped latent on lambda_track E_track + lambda_reg E_reg.
        The last timestep's WAS is the output."""
        config, frames = self.config, len(posterior)
        scheduler, timesteps = self.guided_schedule()
        indices = range(window.start, window.stop)
        latents = self.latents(posterior, "posterior.guided", indices, draws)
        z = noised(self.model, latents, _steps(frames, timesteps[0], latents.device), draws, "guided_noise",
                   list(indices))
        positions = torch.as_tensor(tracks.positions[window.start:window.stop])  # converted once per window
        visible = torch.as_tensor(tracks.visible[window.start:window.stop])
        resolution = reference.shape[-1]
        for step, timestep in enumerate(timesteps):
            with torch.no_grad():
                maps = self.model(z, _steps(frames, timestep, z.device), num_frames=frames)
            current = maps.inference_was()
            if step == len(timesteps) - 1:
                self._record(window=(window.start, window.stop), step=step, t=timestep, S=current.at(resolution))
                return current
            z = scheduler.step(maps.noise_pred, timestep, z).prev_sample
            tracked = None
            if step < config.guided_updates:
                tracked, _ = temporal_vote(current.at(resolution), positions, visible, tracks.offsets,
                                           config.vote_window)
                threshold = config.lowpass_spatial_first if step == 0 else config.lowpass_spatial
                z = self._optimise(z, timestep, float(scheduler.alphas[timestep]), tracked.argmax(1), reference,
                                   threshold, window)
            self._record(window=(window.start, window.stop), step=step, t=timestep, S=current.at(resolution),
                         S_tracked=tracked, latent=z)
        raise AssertionError("unreachable")

    def _optimise(self, z: torch.Tensor, timestep: int, alpha_t: float, target: torch.Tensor,
                  reference: torch.Tensor, threshold: float, window: Window) -> torch.Tensor:
        """optimize_latents: `updates_per_step` rounds over slices of `guidance_slice` frames, each forwarded on
        its own with its own Adam moments; the energies compare a slice's S with its rows of the target and S_ref."""
        config = self.config
        z = z.detach().clone()
        step_size = guidance_step_size(alpha_t, config.guidance_lr)
        weights = energy_weights(self.variant.energies, config)
        if not any(weights.values()):
            return z
        slices = list(batches(len(z), config.guidance_slice))
        optimisers = [LatentAdam(config.adam_beta1, config.adam_beta2, config.adam_eps) for _ in slices]
        resolution = reference.shape[-1]
        masks = {count: lowpass_mask(count, resolution, resolution, threshold).to(z.device)
                 for count in {part.stop - part.start for part in slices}}
        for update in range(config.updates_per_step):
            for part, optimiser in zip(slices, optimisers, strict=True):
                latent = z[part].detach().requires_grad_(True)
                count = len(latent)
                maps = self.model(latent, _steps(count, timestep, z.device), num_frames=count)
                slice_maps = SliceMaps(maps.inference_was().at(resolution), reference[part], target[part],
                                       masks[count])
                energy, terms = total_energy(slice_maps, weights)
                (grad,) = torch.autograd.grad(energy, latent)
                z[part] = optimiser.step(latent, grad, step_size)
                log.debug("window %d-%d t=%d: E %.4f %s", window.start, window.stop, timestep, float(energy.detach()),
                          " ".join(f"{name} {float(value):.4f}" for name, value in terms.items()))
                self._record(window=(window.start, window.stop), t=timestep, update=update,
                             frames=(part.start, part.stop), energy=energy, **terms)
        return z

    # -- whole video ---------------------------------------------------------------------------
    def windows(self, frames: int) -> list[Window]:
        """The windows the variant processes a video of `frames` frames in (one per frame for 2D variants)."""
        if not self.variant.inflated:
            return [Window(0, frames, 0)]
        size, overlap = (self.config.window, self.config.overlap) if self.variant.guidance else (
            self.config.window_unguided, 0)
        return plan_windows(frames, size, overlap)

    def view_outputs(self, posterior: LatentPosterior, tracks: TrackCache | None, draws: Draws,
                     progress: bool = False) -> InferenceWas:
        """The inference WAS of every frame of one view (the frame, or one tile), from the window that outputs it."""
        variant = self.variant
        if not variant.inflated:
            return self.reference(posterior, range(len(posterior)), draws)
        output: list[InferenceWas | None] = [None] * len(posterior)
        resolution = None
        for window in tqdm(self.windows(len(posterior)), desc="segmenting", unit="window", disable=not progress):
            indices = range(window.start, window.stop)
            result = self.reference(posterior[window.start:window.stop], indices, draws)
            if variant.guidance:
                resolution = resolution or result.resolution
                reference = result.at(resolution)
                for frame in range(window.start, window.start + window.handover):  # the previous window's S
                    reference[frame - window.start] = output[frame].at(resolution)[0]
                result = self.guided_window(posterior[window.start:window.stop], reference, window, tracks, draws)
            for frame in indices:
                output[frame] = result[frame - window.start].detach()
        return InferenceWas.cat(output)

    def outputs(self, frames: np.ndarray, tracks: TrackCache | None, progress: bool = False) -> Was:
        """The inference WAS of every frame (T frames): of the whole frame, or merged from its tiles."""
        config = self.config
        if config.tiles == 1:
            return self.view_outputs(self.encode(frames), tracks, self.draws, progress)
        side = self.model.backbone.image_size
        views = []
        for index, box in enumerate(tile_boxes(side, config.tiles, config.tile_size)):
            tile_tracks = tracks.tiles[index] if tracks is not None else None
            views.append((box, self.view_outputs(self.encode(frames, box), tile_tracks,
                                                 PrefixedDraws(self.draws, f"tile{index}/"), progress)))
        return TiledWas(views, side, config.tile_merge)

    def labels(self, frames: np.ndarray, tracks: TrackCache | None, progress: bool = False) -> np.ndarray:
        """Label maps (T, H, W) at the frames' own size."""
        if self.variant.needs_tracks:
            if tracks is None:
                raise ValueError("this method needs trajectories (a TrackCache)")
            tracks.check_window(self.config.vote_window)
            tracks.check_tiles(self.config.tiles, self.config.tile_size)
        outputs = self.outputs(frames, tracks, progress)
        height, width = frames.shape[1:3]
        if self.variant.posthoc_vote:  # Baseline-II: vote on S, then labels from the voted maps
            resolution = outputs.resolution
            voted, _ = temporal_vote(outputs.at(resolution), tracks.positions, tracks.visible, tracks.offsets,
                                     self.config.vote_window)
            return label_map(voted.float().cpu(), (height, width)).numpy().astype(np.int64)
        size = self.model.backbone.image_size
        return np.stack([resize_labels(outputs[i].at(size).argmax(1)[0].cpu().numpy(), (height, width))
                         for i in range(len(frames))])


def segment_frames(
    model: PartSegmenter,
    frames: np.ndarray,
    method: str,
    inference: InferenceConfig,
    seed: int,
    tracks: TrackCache | None = None,
    progress: bool = False,
) -> np.ndarray:
    """Label maps (T, H, W) at the frames' own size."""
    if method not in DIFFUSION_METHODS:
        raise ValueError(f"unknown method {method!r}; choose one of {sorted(DIFFUSION_METHODS)}")
    return Segmenter(model, DIFFUSION_METHODS[method], inference, seed).labels(frames, tracks, progress)


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
    inference: InferenceConfig,
    seed: int,
    track: Callable[[np.ndarray], TrackCache | None],
    progress: bool = False,
) -> np.ndarray:
    """Paper 7.5 crop refinement: a first pass on the whole frame without guidance finds the object; when
    its box (expanded by the margin) covers less than `crop_max_area` of the frame, the method runs again
    on the cropped video (trajectories recomputed there) and the result is pasted back."""
    first = segment_frames(model, frames, "baseline3", inference, seed, progress=progress)
    box = foreground_box(first, inference.crop_margin)
    height, width = frames.shape[1:3]
    if box is None or (box[1] - box[0]) * (box[3] - box[2]) >= inference.crop_max_area * height * width:
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
