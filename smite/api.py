"""High-level operations shared by the `smite` command and the workflow scripts."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch

from smite.atomic import atomic_dir
from smite.config import train_settings
from smite.data.masks import save_label_png
from smite.data.references import load_references
from smite.data.video import FrameBuffer, VideoStream, open_video, read_video
from smite.errors import SmiteInputError
from smite.hierarchical import HierarchicalSegmenter
from smite.learn.checkpoint import check_backbone, load_checkpoint, save_checkpoint
from smite.learn.metadata import CheckpointInfo
from smite.learn.train import TrainResult, config_dict, load_state, train
from smite.methods import METHODS, method_folder
from smite.model.backbone import Backbone, load_backbone
from smite.model.draws import SeededDraws
from smite.model.inference import predict_labels
from smite.model.segmenter import PartSegmenter
from smite.segment import Labelled, OutputWriter, Segmenter, as_weighted, refine_small_objects, write_outputs
from smite.settings import InferenceSettings, MethodSettings
from smite.track.cache import TrackCache, frames_digest, load_track_cache
from smite.track.run import compute_tracks

log = logging.getLogger(__name__)


def seed_everything(seed: int) -> None:
    """Seed torch and use deterministic kernels so the same seed gives the same masks."""
    torch.manual_seed(seed)
    torch.use_deterministic_algorithms(True, warn_only=True)


def backbone_for(settings: MethodSettings, name: str | None = None) -> Backbone:
    """Load the backbone the method settings name (or `name`); sd21 is `models.sd21` (smite.hub)."""
    name = name or settings.backbone.name
    spec = settings.model("sd21") if name == "sd21" else None
    return load_backbone(name, settings.backbone, settings.seed, settings.device, settings.precision, spec)


def train_references(
    refs_dir: str | Path,
    out: str | Path,
    settings: MethodSettings,
    train_changes: dict[str, Any],
    parts: list[str] | None = None,
    shots: int | None = None,
    progress: bool = True,
) -> TrainResult:
    """Train part tokens on a reference folder and write the checkpoint (atomically)."""
    config = train_settings(settings, **train_changes)
    references = load_references(refs_dir, parts=parts, shots=shots)
    seed_everything(settings.seed)
    backbone = backbone_for(settings)
    model = PartSegmenter(backbone, references.parts, init=settings.parts_init, seed=settings.seed)
    result = train(model, references, config, settings.seed, progress=progress)
    info = CheckpointInfo(parts=references.parts, backbone=backbone.identity, backbone_name=backbone.name,
                          train=config_dict(config), seed=settings.seed, references=references.names,
                          best_epoch=result.best_epoch,
                          best_val_mIoU=result.best_val_miou, train_seconds=result.seconds, curve=result.curve)
    save_checkpoint(out, result.best_state, info)
    log.info("best epoch %d (val mIoU %.2f) in %.1f s -> %s", result.best_epoch, result.best_val_miou,
             result.seconds, out)
    return result


def load_model(checkpoint: str | Path, settings: MethodSettings) -> tuple[PartSegmenter, CheckpointInfo]:
    """A PartSegmenter with the checkpoint's tokens on the backbone it was trained on."""
    state, info = load_checkpoint(checkpoint)
    backbone = backbone_for(settings, info.backbone_name)
    check_backbone(checkpoint, info, backbone.identity)
    model = PartSegmenter(backbone, info.parts)
    load_state(model, state)
    return model, info


def _checked_cache(tracks: str | Path, stream: VideoStream, grid: int, inference: InferenceSettings) -> TrackCache:
    """A trajectory cache file checked against the video (its frames' digest), the model's grid and the tiles."""
    cache = load_track_cache(tracks)
    if cache.num_frames != stream.count or cache.grid != grid:
        raise SmiteInputError(tracks, f"trajectories are for {cache.num_frames} frames on a {cache.grid}-grid,"
                                      f" not {stream.count} frames on a {grid}-grid")
    if cache.video_sha256 and cache.video_sha256 != frames_digest(stream):
        raise SmiteInputError(tracks, "trajectories were computed for another video")
    cache.check_tiles(inference.tiles, inference.tile_size, tracks)
    return cache


class _JobTracks:
    """A job's trajectories: a cache file is read and checked against the video once (decoding the whole video for
    its digest), then each method's use against the cache's plan; without a file, computed for each use."""

    def __init__(self, tracks: str | Path | None, settings: MethodSettings, grid: int, progress: bool) -> None:
        self.path, self.settings, self.grid, self.progress = tracks, settings, grid, progress
        self._cache: TrackCache | None = None

    def for_use(self, use: str, stream: VideoStream) -> TrackCache:
        if self.path is None:
            return compute_tracks(stream, self.settings, progress=self.progress, grid=self.grid, uses=(use,))
        if self._cache is None:
            self._cache = _checked_cache(self.path, stream, self.grid, self.settings.inference)
        inference = self.settings.inference
        self._cache.check_plan(inference.window, inference.overlap, inference.vote_window, (use,), self.path)
        return self._cache


def segment_video(
    video: str | Path,
    checkpoint: str | Path,
    out_dir: str | Path,
    method_name: str,
    settings: MethodSettings,
    tracks: str | Path | None = None,
    progress: bool = True,
    per_part_masks: bool = False,
    on_start: Callable[[], None] | None = None,
    matte_format: str = "png",
) -> dict[str, Any]:
    """Segment a video file or frame folder; write masks, overlay (and mattes) and parts.json; return a summary.

    The video is streamed: frames are decoded window by window and each frame's outputs written as soon as it is
    final, so memory depends on the window and the frame size, not on the length (the crop refinement, which
    needs the whole video twice, reads it into memory). on_start runs once the inputs have been read and checked.
    """
    return segment_video_methods(video, checkpoint, {method_name: out_dir}, settings, tracks, progress,
                                 per_part_masks, on_start, matte_format)[0]


def segment_video_job(video: str | Path, checkpoint: str | Path, job_dir: str | Path, methods: Sequence[str],
                      settings: MethodSettings, tracks: str | Path | None = None, progress: bool = True,
                      frames: int | None = None) -> list[dict]:
    """One segmentation job of the workflow: the video (its first `frames`, the run's video protocol) by each of
    `methods` with one checkpoint, one folder per method in `job_dir` (smite.methods.method_folder), which appears
    whole or not at all."""
    with atomic_dir(job_dir) as staging:
        return segment_video_methods(video, checkpoint, {name: method_folder(staging, name) for name in methods},
                                     settings, tracks, progress, frames=frames)


def segment_video_methods(
    video: str | Path,
    checkpoint: str | Path,
    outputs: Mapping[str, str | Path],
    settings: MethodSettings,
    tracks: str | Path | None = None,
    progress: bool = True,
    per_part_masks: bool = False,
    on_start: Callable[[], None] | None = None,
    matte_format: str = "png",
    frames: int | None = None,
) -> list[dict[str, Any]]:
    """Segment a video (its first `frames`, when given) by several methods (name -> output folder) with one
    checkpoint, loading the model once.

    Each method starts from the random state the model was loaded in, so its outputs are those of a run of that
    method alone (the variants read the model and never change it).
    """
    start = time.perf_counter()
    seed_everything(settings.seed)
    model, metadata = load_model(checkpoint, settings)
    loaded = torch.get_rng_state()
    job_tracks = _JobTracks(tracks, settings, model.backbone.latent_size, progress)
    summaries = []
    for name, out_dir in outputs.items():
        torch.set_rng_state(loaded)
        summary = _segment_loaded(model, metadata, video, checkpoint, out_dir, name, settings, job_tracks,
                                  progress, per_part_masks, on_start, matte_format, frame_limit=frames)
        on_start = None  # once the first method's inputs are checked
        summaries.append({**summary, "seconds": time.perf_counter() - start})
        start = time.perf_counter()
    return summaries


def _segment_loaded(model: PartSegmenter, metadata: CheckpointInfo, video: str | Path, checkpoint: str | Path,
                    out_dir: str | Path, method_name: str, settings: MethodSettings, job_tracks: _JobTracks,
                    progress: bool, per_part_masks: bool, on_start: Callable[[], None] | None,
                    matte_format: str, frame_limit: int | None = None) -> dict[str, Any]:
    """One method's segmentation with a loaded model (of the video's first `frame_limit` frames, when given), written
    atomically to out_dir; its summary."""
    stream = open_video(video, frame_limit)
    inference = settings.inference
    use = as_weighted(METHODS[method_name], settings.inference).track_use  # none when every energy weighs 0
    grid = model.backbone.latent_size
    info = {"method": method_name, "video": str(video), "checkpoint": str(checkpoint),
            "backbone": metadata.backbone, "frames": stream.count, "score_size": inference.score_size}
    variant = METHODS[method_name]  # the flows apply its weights (as_weighted)
    if inference.refinement == "hierarchical" and not variant.video_passes:
        if on_start is not None:
            on_start()
        flow = HierarchicalSegmenter(model, variant, inference, settings.seed)
        if use and job_tracks.path is not None:
            log.info("%s: the two-pass flow tracks its crop video; %s (the whole frames') is not read for it",
                     method_name, job_tracks.path)

        def track_crops(crops: Iterator[np.ndarray]) -> TrackCache | None:
            return compute_tracks(crops, settings, progress=progress, grid=grid, uses=(use,)) if use else None

        return _write_stream(flow.stream_labels(FrameBuffer(stream, stream.count, video), track_crops, progress),
                             out_dir, metadata, stream.fps, info, per_part_masks, matte_format)
    if inference.refinement == "paper_box":
        if on_start is not None:
            on_start()
        frames, fps = read_video(video, frame_limit)

        def track(clip: np.ndarray) -> TrackCache | None:
            return compute_tracks(clip, settings, progress=progress, grid=grid, uses=(use,)) if use else None

        labels = refine_small_objects(model, frames, method_name, inference, settings.seed, track, progress)
        write_outputs(out_dir, frames, labels, metadata.parts, fps, info, per_part_masks, matte_format,
                      inference.score_size)
        return {**info, "out_dir": str(out_dir)}
    cache = job_tracks.for_use(use, stream) if use else None
    if on_start is not None:
        on_start()
    segmenter = Segmenter(model, variant, inference, settings.seed)
    return _write_stream(segmenter.stream_labels(FrameBuffer(stream, stream.count, video), cache, progress),
                         out_dir, metadata, stream.fps, info, per_part_masks, matte_format)


def _write_stream(labelled: Iterator[Labelled], out_dir: str | Path,
                  metadata: CheckpointInfo, fps: float, info: dict[str, Any], per_part_masks: bool,
                  matte_format: str) -> dict[str, Any]:
    """Write each frame's outputs as they come into out_dir, atomically; the summary."""
    with atomic_dir(out_dir) as staging:
        writer = OutputWriter(staging, metadata.parts, fps, info, per_part_masks, matte_format)
        try:
            for item in labelled:
                writer.add(item.frame, item.labels, item.scored)
            writer.close()
        except BaseException:
            writer.discard()
            raise
    return {**info, "out_dir": str(out_dir)}


def segment_images(
    checkpoint: str | Path, images: list[np.ndarray], names: list[str], out_dir: str | Path,
    settings: MethodSettings, progress: bool = True,
) -> list[np.ndarray]:
    """Image segmentation (PASCAL-Part, Tables 11-12): one denoising pass per image, masks/<name>.png.

    Images are single frames, so the video machinery (inflation, tracking, guidance) has nothing to
    act on: SLiMe and SMITE differ here only by their checkpoints (embeddings vs two-phase training).
    """
    seed_everything(settings.seed)
    model, metadata = load_model(checkpoint, settings)
    inference = settings.inference
    labels = predict_labels(model, images, inference.reference_timesteps, SeededDraws(settings.seed),
                            inference.posterior, inference.batch_size, progress)
    with atomic_dir(out_dir) as staging:
        (staging / "masks").mkdir()
        for name, label in zip(names, labels, strict=True):
            save_label_png(staging / "masks" / f"{name}.png", label.astype(np.uint8))
        info = {"checkpoint": str(checkpoint), "backbone": metadata.backbone, "parts": metadata.parts}
        (staging / "parts.json").write_text(json.dumps(info, indent=2))
    return labels
