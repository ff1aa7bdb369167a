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

import dataclasses
import json
import logging
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import torch
import torch.nn.functional as F
from diffusers import DDIMScheduler
from tqdm.auto import tqdm

from smite.atomic import atomic_dir
from smite.data.masks import draw_legend, overlay, save_grey_png, save_label_png
from smite.data.video import MATTE_FORMATS, VIDEO_KINDS, FrameBuffer, VideoWriter
from smite.errors import SmiteInputError
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
from smite.settings import InferenceSettings
from smite.tiles import Box, tile_boxes
from smite.track.cache import TrackCache
from smite.windows import Window, plan_windows

log = logging.getLogger(__name__)


def _steps(count: int, timestep: int, device: torch.device) -> torch.Tensor:
    return torch.full((count,), int(timestep), dtype=torch.long, device=device)


Was = InferenceWas | TiledWas


class Labelled(NamedTuple):
    """One frame's outputs as it becomes final: its labels at the frame's size, and at `inference.score_size` square
    (the size the authors score; None when score_size is 0)."""

    index: int
    frame: np.ndarray
    labels: np.ndarray
    scored: np.ndarray | None


def as_weighted(variant: Method, inference: InferenceSettings) -> Method:
    """The variant as the weights of its energies leave it: with every one weighted 0 there is no guidance, as in the
    authors' src/inference.py (`if track_weight or regularization_weight`, else windows of 18 without overlap and
    the reference pass only: the released configurations)."""
    if variant.energies and not any(energy_weights(variant.energies, inference).values()):
        return dataclasses.replace(variant, energies=())
    return variant


class Segmenter:
    """Runs one variant over a video with a trained PartSegmenter (the authors' src/inference.py flow).

    S, the map that voting, both energies and the hand-over read, is the authors' inference WAS at the
    attention resolution R; the output labels are the argmax of the same WAS at the model's image size.
    Random draws come from `draws` (default: SeededDraws(seed), per frame), by role (smite.model.draws).
    With `tiles` > 1 every tile of the frame runs the whole flow on its own crop (its own draws, roles
    prefixed "tile<k>/", and its own trajectories) and the tiles' WAS are merged (TiledWas).
    """

    def __init__(self, model: PartSegmenter, variant: Method, inference: InferenceSettings, seed: int,
                 draws: Draws | None = None, trace: list[dict[str, Any]] | None = None,
                 model_input: Callable[[np.ndarray], torch.Tensor] | None = None) -> None:
        self.model = model
        # frames as the buffer holds them -> (B, 3, S, S) in [0, 1]; default: RGB uint8 of any size, resized
        self.model_input = model_input or (lambda frames: to_model_input(frames, model.backbone.image_size))
        self.variant = as_weighted(variant, inference)
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
            images = self.model_input(frames[part])
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
        guided timestep (`guided_start`), then every guided timestep in turn (`guided_timestep`). The last
        timestep's WAS is the output."""
        _, timesteps = self.guided_schedule()
        layout = self.vote_layout(tracks, window)
        z = self.guided_start(posterior, window, draws)
        for step in range(len(timesteps)):
            current, z = self.guided_timestep(z, step, reference, layout, window)
        return current

    def guided_start(self, posterior: LatentPosterior, window: Window, draws: Draws) -> torch.Tensor:
        """The window's guided latent: its own posterior sample, noised to the first guided timestep."""
        _, timesteps = self.guided_schedule()
        indices = range(window.start, window.stop)
        latents = self.latents(posterior, "posterior.guided", indices, draws)
        return noised(self.model, latents, _steps(len(posterior), timesteps[0], latents.device), draws,
                      "guided_noise", list(indices))

    @staticmethod
    def vote_layout(tracks: TrackCache, window: Window) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """The window's tracks as the vote reads them: positions, visibility, frame offsets."""
        positions, visible, offsets = (torch.as_tensor(a) for a in tracks.window_layout(window.start, window.stop))
        return positions, visible, offsets

    def guided_timestep(self, z: torch.Tensor, step: int, reference: torch.Tensor,
                        layout: tuple[torch.Tensor, torch.Tensor, torch.Tensor],
                        window: Window) -> tuple[InferenceWas, torch.Tensor]:
        """Guided timestep `step` at latent z: a no-grad forward (the full prompt's context) gives S; before the
        last timestep the DDIM step follows and, at the first `guided_updates` timesteps, one vote on that S and
        `updates_per_step` Adam-like updates of the stepped latent on lambda_track E_track + lambda_reg E_reg.
        Returns S and the next timestep's latent (after the last timestep, z as it came)."""
        config, frames = self.config, len(z)
        scheduler, timesteps = self.guided_schedule()
        timestep, resolution = timesteps[step], reference.shape[-1]
        with torch.no_grad():
            maps = self.model(z, _steps(frames, timestep, z.device), num_frames=frames)
        current = maps.inference_was()
        if step == len(timesteps) - 1:
            self._record(window=(window.start, window.stop), step=step, t=timestep, S=current.at(resolution))
            return current, z
        z = scheduler.step(maps.noise_pred, timestep, z).prev_sample
        tracked = None
        if step < config.guided_updates:
            tracked, _ = temporal_vote(current.at(resolution), *layout, config.vote_window)
            threshold = config.lowpass_spatial_first if step == 0 else config.lowpass_spatial
            z = self._optimise(z, timestep, float(scheduler.alphas[timestep]), tracked.argmax(1), reference,
                               threshold, window)
        self._record(window=(window.start, window.stop), step=step, t=timestep, S=current.at(resolution),
                     S_tracked=tracked, latent=z)
        return current, z

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
                             frames=(part.start, part.stop), energy=energy, grad=grad, latent=z[part], **terms)
        return z

    # -- whole video ---------------------------------------------------------------------------
    def windows(self, frames: int) -> list[Window]:
        """The windows the variant processes a video of `frames` frames in (one per frame for 2D variants)."""
        if not self.variant.inflated:
            return [Window(0, frames, 0)]
        size, overlap = (self.config.window, self.config.overlap) if self.variant.guidance else (
            self.config.window_unguided, 0)
        return plan_windows(frames, size, overlap)

    def chunks(self, frames: int) -> list[Window]:
        """What the variant processes together, in order: its windows (inflated), else batches of frames."""
        if self.variant.inflated:
            return self.windows(frames)
        size = self.config.batch_size
        return [Window(start, min(start + size, frames), 0) for start in range(0, frames, size)]

    def _views(self, tracks: TrackCache | None) -> list[_View]:
        """The frame, or each tile, with its trajectories and draws."""
        config = self.config
        if config.tiles == 1:
            return [_View(self, None, tracks, self.draws)]
        boxes = tile_boxes(self.model.backbone.image_size, config.tiles, config.tile_size)
        return [_View(self, box, tracks.tiles[index] if tracks is not None else None,
                      PrefixedDraws(self.draws, f"tile{index}/")) for index, box in enumerate(boxes)]

    def _view_window(self, view: _View, buffer: FrameBuffer, window: Window) -> InferenceWas:
        """One view's WAS of a window's frames (reference pass, then guidance with the hand-over)."""
        posterior = view.posterior(buffer, window.start, window.stop)
        indices = range(window.start, window.stop)
        result = self.reference(posterior, indices, view.draws)
        if self.variant.inflated and self.variant.guidance:
            resolution = result.resolution
            reference = result.at(resolution)
            for frame in range(window.start, window.start + window.handover):  # the previous window's S
                reference[frame - window.start] = view.previous[frame].at(resolution)[0]
            result = self.guided_window(posterior, reference, window, view.tracks, view.draws)
        view.previous = {frame: result[frame - window.start].detach() for frame in indices}
        return result

    def stream(self, buffer: FrameBuffer, tracks: TrackCache | None,
               progress: bool = False) -> Iterator[tuple[int, np.ndarray, Was]]:
        """(index, frame, WAS) of every frame in order, each as soon as no later window holds it (the later window
        outputs an overlap): decoded frames, latents and maps are held for a window at a time."""
        chunks = self.chunks(buffer.count)
        views = self._views(tracks)
        side = self.model.backbone.image_size
        for position, window in enumerate(tqdm(chunks, desc="segmenting", unit="window", disable=not progress)):
            results = [self._view_window(view, buffer, window) for view in views]
            final = chunks[position + 1].start if position + 1 < len(chunks) else buffer.count
            frames = buffer.get(window.start, final)
            for frame in range(window.start, final):
                row = frame - window.start
                was = results[0][row] if views[0].box is None else TiledWas(
                    [(view.box, result[row]) for view, result in zip(views, results, strict=True)], side,
                    self.config.tile_merge)
                yield frame, frames[row], was
            buffer.release(final)
            for view in views:
                view.release(final)

    def outputs(self, frames: np.ndarray, tracks: TrackCache | None, progress: bool = False) -> Was:
        """The inference WAS of every frame (T frames): of the whole frame, or merged from its tiles."""
        wases = [was for _, _, was in self.stream(FrameBuffer(frames, len(frames)), tracks, progress)]
        return type(wases[0]).cat(wases)

    def _check_tracks(self, tracks: TrackCache | None) -> None:
        if self.variant.needs_tracks:
            if tracks is None:
                raise ValueError("this method needs trajectories (a TrackCache)")
            tracks.check_plan(self.config.window, self.config.overlap, self.config.vote_window,
                              (self.variant.track_use,))
            tracks.check_tiles(self.config.tiles, self.config.tile_size)

    def stream_labels(self, buffer: FrameBuffer, tracks: TrackCache | None,
                      progress: bool = False) -> Iterator[Labelled]:
        """Every frame's Labelled in order, as each becomes final; labels uint8 (uint16 past 256 parts). Baseline-II
        votes over the whole video's maps first (they are small: R x R per part and frame), then gives its labels."""
        self._check_tracks(tracks)
        dtype = label_dtype(self.model.num_parts)
        size, score = self.model.backbone.image_size, self.config.score_size
        if not self.variant.posthoc_vote:
            for index, frame, was in self.stream(buffer, tracks, progress):
                full = was.at(size).argmax(1)[0].cpu().numpy()  # at the model's input size, as the authors output
                scored = resize_labels(full, score).astype(dtype) if score else None
                yield Labelled(index, frame, resize_labels(full, frame.shape[:2]).astype(dtype), scored)
            return
        maps = [(index, was.at(was.resolution)) for index, _, was in self.stream(buffer, tracks, progress)]
        voted, _ = temporal_vote(torch.cat([m for _, m in maps]), *tracks.video_layout(), self.config.vote_window)
        replay = buffer.replay()
        for index, _ in maps:
            frame = replay.get(index, index + 1)[0]
            scores = voted[index : index + 1].float().cpu()
            labels = label_map(scores, frame.shape[:2])[0].numpy().astype(dtype)
            scored = label_map(scores, (score, score))[0].numpy().astype(dtype) if score else None
            replay.release(index + 1)
            yield Labelled(index, frame, labels, scored)

    def labels(self, frames: np.ndarray, tracks: TrackCache | None, progress: bool = False) -> np.ndarray:
        """Label maps (T, H, W) at the frames' own size."""
        stream = self.stream_labels(FrameBuffer(frames, len(frames)), tracks, progress)
        return np.stack([item.labels for item in stream])


class _View:
    """One view a Segmenter segments (the frame, or a tile `box` of it): its trajectories and draws, the
    posteriors of the frames it still needs (in batches aligned to batch_size, as a whole-video pass makes
    them), and its last window's maps (the next window's hand-over)."""

    def __init__(self, segmenter: Segmenter, box: Box | None, tracks: TrackCache | None, draws: Draws) -> None:
        self.segmenter, self.box, self.tracks, self.draws = segmenter, box, tracks, draws
        self.batches: dict[int, LatentPosterior] = {}
        self.previous: dict[int, InferenceWas] = {}

    def posterior(self, buffer: FrameBuffer, start: int, stop: int) -> LatentPosterior:
        size = self.segmenter.config.batch_size
        for batch in range(start // size, (stop - 1) // size + 1):
            if batch not in self.batches:
                frames = buffer.get(batch * size, min((batch + 1) * size, buffer.count))
                self.batches[batch] = self.segmenter.encode(frames, self.box)
        first = start // size
        joined = LatentPosterior.cat([self.batches[b] for b in range(first, (stop - 1) // size + 1)])
        return joined[start - first * size : stop - first * size]

    def release(self, before: int) -> None:
        size = self.segmenter.config.batch_size
        for batch in [b for b in self.batches if (b + 1) * size <= before]:
            del self.batches[batch]
        self.previous = {frame: was for frame, was in self.previous.items() if frame >= before}


def segment_frames(
    model: PartSegmenter,
    frames: np.ndarray,
    method: str,
    inference: InferenceSettings,
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
    inference: InferenceSettings,
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


def _save_labels(path: Path, labels: np.ndarray) -> None:
    """A label map as a palette PNG (uint8) or 16-bit grey (more than 256 parts)."""
    if labels.dtype == np.uint8:
        save_label_png(path, labels)
    else:
        save_grey_png(path, labels)


def label_dtype(parts: int) -> np.dtype:
    """uint8 label maps for up to 256 parts (what a palette PNG holds), uint16 beyond."""
    return np.dtype(np.uint8 if parts <= 256 else np.uint16)


class OutputWriter:
    """A segmentation's outputs, written frame by frame as each frame becomes final (memory does not grow with
    the video's length), into `folder` (a staging folder that atomic_dir renames into place):

    * masks/NNNNN.png: label maps (palette PNG, value = part index; 16-bit grey past 256 parts);
    * scored/NNNNN.png: the same at `inference.score_size` square, the labels the evaluation scores (as the
      authors score their 512 x 512 output), when given;
    * overlay.mp4: the frames with the parts drawn over them and a legend, H.264 (plays in browsers, editors);
    * with per_part_masks, part_masks/<k>_<name>/NNNNN.png: one exact matte per part (0 or 255), the PNG
      sequences compositing tools import; `matte_format` ffv1 or prores also writes each part as one lossless
      FFV1 (.mkv) or ProRes 4444 (.mov) file beside it;
    * parts.json (last): the part names and what produced them.
    """

    def __init__(self, folder: Path, parts: list[str], fps: float, info: dict[str, Any],
                 per_part_masks: bool = False, matte_format: str = "png") -> None:
        if matte_format not in MATTE_FORMATS:
            raise SmiteInputError(None, f"unknown matte format {matte_format!r}: {', '.join(MATTE_FORMATS)}")
        self.folder, self.parts, self.info, self.count = Path(folder), list(parts), info, 0
        (self.folder / "masks").mkdir(parents=True)
        self.overlay = VideoWriter(self.folder / "overlay.mp4", fps, "playable")
        self.mattes: dict[int, Path] = {}
        self.matte_videos: dict[int, VideoWriter] = {}
        if per_part_masks:
            for index, name in enumerate(self.parts[1:], start=1):
                self.mattes[index] = self.folder / "part_masks" / f"{index:02d}_{_safe_name(name)}"
                self.mattes[index].mkdir(parents=True)
                if matte_format != "png":
                    suffix = VIDEO_KINDS[matte_format][4]
                    self.matte_videos[index] = VideoWriter(self.mattes[index].with_suffix(suffix), fps, matte_format)

    def add(self, frame: np.ndarray, labels: np.ndarray, scored: np.ndarray | None = None) -> None:
        """The next frame and its label map (H, W) at the frame's size (and at the scoring size)."""
        name = f"{self.count:05d}.png"
        _save_labels(self.folder / "masks" / name, labels)
        if scored is not None:
            (self.folder / "scored").mkdir(exist_ok=True)
            _save_labels(self.folder / "scored" / name, scored)
        self.overlay.write(draw_legend(overlay(frame, labels), self.parts))
        for index, folder in self.mattes.items():
            matte = np.where(labels == index, np.uint8(255), np.uint8(0))
            save_grey_png(folder / name, matte)
            if index in self.matte_videos:
                self.matte_videos[index].write(matte)
        self.count += 1

    def close(self) -> None:
        """Finish the videos, then parts.json."""
        self.overlay.close()
        for writer in self.matte_videos.values():
            writer.close()
        parts_info = {"parts": {str(k): name for k, name in enumerate(self.parts)}, **self.info}
        (self.folder / "parts.json").write_text(json.dumps(parts_info, indent=2))

    def discard(self) -> None:
        for writer in (self.overlay, *self.matte_videos.values()):
            writer.discard()


def write_outputs(out_dir: str | Path, frames: np.ndarray, labels: np.ndarray, parts: list[str], fps: float,
                  info: dict[str, Any], per_part_masks: bool = False, matte_format: str = "png",
                  score_size: int = 0) -> Path:
    """The OutputWriter's files for whole arrays of frames and labels, into out_dir (atomically); with score_size,
    the labels also at that square size (nearest: these labels come without their maps)."""
    dtype = label_dtype(len(parts))
    with atomic_dir(out_dir) as staging:
        writer = OutputWriter(staging, parts, fps, info, per_part_masks, matte_format)
        try:
            for frame, label in zip(frames, labels, strict=True):
                scored = resize_labels(label, score_size).astype(dtype) if score_size else None
                writer.add(frame, label.astype(dtype), scored)
            writer.close()
        except BaseException:
            writer.discard()
            raise
    log.info("wrote %d masks, overlay and parts to %s", len(labels), out_dir)
    return Path(out_dir)
