"""The window streamer: a video's frames through a method's window passes, a window at a time.

It owns what a window needs and releases it as soon as no later window does: the decoded frames (a FrameBuffer),
each view's VAE posteriors (in batches of `batch_size`, aligned as a whole-video pass makes them) and each view's
last window's maps (the next window's hand-over). A view is the frame, or one tile of it with its own trajectories
and draws; the tiles' maps are merged per frame (TiledWas).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import numpy as np
import torch
import torch.nn.functional as F
from tqdm.auto import tqdm

from smite.data.video import FrameBuffer
from smite.model.backbone import LatentPosterior
from smite.model.draws import Draws, PrefixedDraws
from smite.model.inference import batches
from smite.model.segmenter import PartSegmenter
from smite.model.was import InferenceWas, TiledWas
from smite.settings import InferenceSettings
from smite.tiles import Box, tile_boxes
from smite.track.cache import TrackCache
from smite.windows import Window

Was = InferenceWas | TiledWas
WindowMaps = Callable[["View", LatentPosterior, Window], InferenceWas]  # a view's maps of a window's frames


class WindowStreamer:
    """Streams a video window by window through `window_maps`, per view. `model_input`: frames as the buffer
    holds them -> (B, 3, S, S) in [0, 1]."""

    def __init__(self, model: PartSegmenter, inference: InferenceSettings, draws: Draws,
                 model_input: Callable[[np.ndarray], torch.Tensor]) -> None:
        self.model, self.config, self.draws, self.model_input = model, inference, draws, model_input

    def encode(self, frames: np.ndarray, box: Box | None = None) -> LatentPosterior:
        """The VAE posterior of frames (or of the crop `box` of the model input, resized back), in batches.

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

    def views(self, tracks: TrackCache | None) -> list[View]:
        """The frame, or each tile, with its trajectories and draws."""
        config = self.config
        if config.tiles == 1:
            return [View(self, None, tracks, self.draws)]
        boxes = tile_boxes(self.model.backbone.image_size, config.tiles, config.tile_size)
        return [View(self, box, tracks.tiles[index] if tracks is not None else None,
                     PrefixedDraws(self.draws, f"tile{index}/")) for index, box in enumerate(boxes)]

    def stream(self, buffer: FrameBuffer, chunks: list[Window], tracks: TrackCache | None, window_maps: WindowMaps,
               progress: bool = False) -> Iterator[tuple[int, np.ndarray, Was]]:
        """(index, frame, WAS) of every frame in order, each as soon as no later chunk holds it (the later window
        outputs an overlap)."""
        views = self.views(tracks)
        side = self.model.backbone.image_size
        for position, window in enumerate(tqdm(chunks, desc="segmenting", unit="window", disable=not progress)):
            results = [view.window(buffer, window, window_maps) for view in views]
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


class View:
    """One view a streamer segments (the frame, or a tile `box` of it): its trajectories and draws, the posteriors of
    the frames it still needs, and its last window's maps (`previous`: the next window's hand-over)."""

    def __init__(self, streamer: WindowStreamer, box: Box | None, tracks: TrackCache | None, draws: Draws) -> None:
        self.streamer, self.box, self.tracks, self.draws = streamer, box, tracks, draws
        self.batches: dict[int, LatentPosterior] = {}
        self.previous: dict[int, InferenceWas] = {}

    def window(self, buffer: FrameBuffer, window: Window, window_maps: WindowMaps) -> InferenceWas:
        """This view's maps of a window (kept for the next window's hand-over)."""
        result = window_maps(self, self.posterior(buffer, window.start, window.stop), window)
        self.previous = {frame: result[frame - window.start].detach() for frame in range(window.start, window.stop)}
        return result

    def posterior(self, buffer: FrameBuffer, start: int, stop: int) -> LatentPosterior:
        size = self.streamer.config.batch_size
        for batch in range(start // size, (stop - 1) // size + 1):
            if batch not in self.batches:
                frames = buffer.get(batch * size, min((batch + 1) * size, buffer.count))
                self.batches[batch] = self.streamer.encode(frames, self.box)
        first = start // size
        joined = LatentPosterior.cat([self.batches[b] for b in range(first, (stop - 1) // size + 1)])
        return joined[start - first * size : stop - first * size]

    def release(self, before: int) -> None:
        size = self.streamer.config.batch_size
        for batch in [b for b in self.batches if (b + 1) * size <= before]:
            del self.batches[batch]
        self.previous = {frame: was for frame, was in self.previous.items() if frame >= before}
