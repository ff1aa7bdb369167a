"""A method's whole inference over a video: its window passes streamed window by window, then its video passes."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import torch

from smite.data.video import FrameBuffer
from smite.guide import energy_weights
from smite.methods import DIFFUSION_METHODS, Method
from smite.model.backbone import LatentPosterior
from smite.model.draws import Draws, SeededDraws
from smite.model.segmenter import PartSegmenter, resize_labels, to_model_input
from smite.model.was import InferenceWas, label_map
from smite.passes import PASSES, WINDOW, pass_runner
from smite.segment.outputs import Labelled, label_dtype
from smite.segment.passes import VideoPass, WindowPass
from smite.segment.streamer import View, Was, WindowStreamer
from smite.settings import InferenceSettings
from smite.track.cache import TrackCache
from smite.windows import Window, plan_windows


def as_weighted(variant: Method, inference: InferenceSettings) -> Method:
    """The variant as the weights of its energies leave it: with every one weighted 0 there is no guidance, as in the
    authors' src/inference.py (`if track_weight or regularization_weight`, else windows of 18 without overlap and
    the reference pass only: the released configurations)."""
    if variant.energies and not any(energy_weights(variant.energies, inference).values()):
        passes = tuple(name for name in variant.passes if not PASSES[name].descends)
        return dataclasses.replace(variant, passes=passes, energies=())
    return variant


class Segmenter:
    """Runs one method over a video with a trained PartSegmenter (the authors' src/inference.py flow): the passes its
    `Method.passes` names (smite.segment.passes), the window passes through a WindowStreamer.

    S, the map that voting, the energies and the hand-over read, is the authors' inference WAS at the attention
    resolution R; the output labels are the argmax of the same WAS at the model's image size. Random draws come from
    `draws` (default: SeededDraws(seed), per frame), by role (smite.model.draws). With `tiles` > 1 every tile of the
    frame runs the window passes on its own crop (its own draws, roles prefixed "tile<k>/", and its own
    trajectories) and the tiles' WAS are merged (TiledWas).
    """

    def __init__(self, model: PartSegmenter, variant: Method, inference: InferenceSettings, seed: int,
                 draws: Draws | None = None, trace: list[dict[str, Any]] | None = None,
                 model_input: Callable[[np.ndarray], torch.Tensor] | None = None) -> None:
        self.model = model
        self.variant = as_weighted(variant, inference)
        self.config = inference
        self.seed = seed
        self.draws = draws or SeededDraws(seed)
        # frames as the buffer holds them -> (B, 3, S, S) in [0, 1]; default: RGB uint8 of any size, resized
        model_input = model_input or (lambda frames: to_model_input(frames, model.backbone.image_size))
        self.streamer = WindowStreamer(model, inference, self.draws, model_input)
        self.passes = {name: pass_runner(name)(model, self.variant, inference, trace) for name in self.variant.passes}
        # the window passes run in order on each window, then the video passes on the whole video's maps
        self.window_passes: list[WindowPass] = [runner for name, runner in self.passes.items()
                                                if PASSES[name].scope == WINDOW]
        self.video_passes: list[VideoPass] = [self.passes[name] for name in self.variant.video_passes]

    def encode(self, frames: np.ndarray, box: tuple[int, int, int, int] | None = None) -> LatentPosterior:
        """The VAE posterior of the frames (or of a crop of the model input; WindowStreamer.encode)."""
        return self.streamer.encode(frames, box)

    def windows(self, frames: int) -> list[Window]:
        """The windows the method processes a video of `frames` frames in (one for 2D methods): guided ones of
        `window` frames overlapping by `overlap`, unguided ones of `window_unguided` without overlap."""
        if not self.variant.inflated:
            return [Window(0, frames, 0)]
        size, overlap = (self.config.window, self.config.overlap) if self.variant.guidance else (
            self.config.window_unguided, 0)
        return plan_windows(frames, size, overlap)

    def chunks(self, frames: int) -> list[Window]:
        """What the method processes together, in order: its windows (inflated), else batches of frames."""
        if self.variant.inflated:
            return self.windows(frames)
        size = self.config.batch_size
        return [Window(start, min(start + size, frames), 0) for start in range(0, frames, size)]

    def window_maps(self, view: View, posterior: LatentPosterior, window: Window) -> InferenceWas:
        """One view's maps of a window: each window pass on the maps of the one before."""
        maps = None
        for runner in self.window_passes:
            maps = runner.window(view, posterior, window, maps)
        return maps

    def stream(self, buffer: FrameBuffer, tracks: TrackCache | None,
               progress: bool = False) -> Iterator[tuple[int, np.ndarray, Was]]:
        """(index, frame, WAS) of every frame in order, after the window passes, each as soon as no later window
        holds it: decoded frames, latents and maps are held for a window at a time."""
        return self.streamer.stream(buffer, self.chunks(buffer.count), tracks, self.window_maps, progress)

    def outputs(self, frames: np.ndarray, tracks: TrackCache | None, progress: bool = False) -> Was:
        """The inference WAS of every frame (T frames) after the window passes: of the whole frame, or merged from
        its tiles."""
        wases = [was for _, _, was in self.stream(FrameBuffer(frames, len(frames)), tracks, progress)]
        return type(wases[0]).cat(wases)

    def check_tracks(self, tracks: TrackCache | None) -> None:
        """The trajectories the method reads are there and were planned for these settings."""
        if self.variant.needs_tracks:
            if tracks is None:
                raise ValueError("this method needs trajectories (a TrackCache)")
            tracks.check_plan(self.config.window, self.config.overlap, self.config.vote_window,
                              (self.variant.track_use,))
            tracks.check_tiles(self.config.tiles, self.config.tile_size)

    def stream_labels(self, buffer: FrameBuffer, tracks: TrackCache | None,
                      progress: bool = False) -> Iterator[Labelled]:
        """Every frame's Labelled in order, as each becomes final; labels uint8 (uint16 past 256 parts). A method with
        a video pass (Baseline-II's vote) runs it over the whole video's maps first (they are small: R x R per part
        and frame), then gives its labels."""
        self.check_tracks(tracks)
        dtype = label_dtype(self.model.num_parts)
        size, score = self.model.backbone.image_size, self.config.score_size
        video_passes = self.video_passes
        if not video_passes:
            for index, frame, was in self.stream(buffer, tracks, progress):
                full = was.at(size).argmax(1)[0].cpu().numpy()  # at the model's input size, as the authors output
                scored = resize_labels(full, score).astype(dtype) if score else None
                yield Labelled(index, frame, resize_labels(full, frame.shape[:2]).astype(dtype), scored)
            return
        maps = [(index, was.at(was.resolution)) for index, _, was in self.stream(buffer, tracks, progress)]
        voted = torch.cat([m for _, m in maps])
        for runner in video_passes:
            voted = runner.video(voted, tracks)
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


def segment_frames(model: PartSegmenter, frames: np.ndarray, method: str, inference: InferenceSettings, seed: int,
                   tracks: TrackCache | None = None, progress: bool = False) -> np.ndarray:
    """Label maps (T, H, W) at the frames' own size."""
    if method not in DIFFUSION_METHODS:
        raise ValueError(f"unknown method {method!r}; choose one of {sorted(DIFFUSION_METHODS)}")
    return Segmenter(model, DIFFUSION_METHODS[method], inference, seed).labels(frames, tracks, progress)
