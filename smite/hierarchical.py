"""The two-pass ("hierarchical") inference the authors' README runs (src/hierarchical_segmentation.py).

`bash scripts/inference.sh <category>` calls `inference_with_hierarchical_segmentation` on the frames at their own
size (capped at 812 px on the long side when decoded). It runs the whole pipeline three times at most:

1. *primitive*: the frames resized to the model's input (PIL Lanczos, as their `prepare_image`), guidance off
   (track and regularisation weights 0, no tiles); its WAS resized to the frame, argmax != 0, is a foreground mask;
2. *aspect* (frames whose long side exceeds `aspect_limit` times the short one): the primitive pass again on square
   crops around each frame's mask (`square_crop`), except frames whose mask does not fit, pasted back on zeros;
3. *final*: every frame cropped to its own mask's box expanded by `crop_expand` of the box (`foreground_box`),
   resized to the model's input; the caller's method (guidance, tiles, its tracks of this crop video) runs on it.

Each frame's final WAS is resized into its box of a full-size map whose background channel elsewhere is the
largest value of the whole video's final WAS; labels are the argmax of that map at the frame's size, or at
`score_size` x `score_size` (bilinear), what the authors score.

Memory does not grow with the video: passes stream windows (smite.segment), only boxes are kept between passes,
and the final WAS, which the largest value must be known for, waits on disk (`_Spill`).
"""

from __future__ import annotations

import dataclasses
import logging
import tempfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

import cv2
import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

from smite.data.video import FrameBuffer
from smite.methods import Method
from smite.model.draws import Draws, PrefixedDraws, SeededDraws
from smite.model.segmenter import PartSegmenter
from smite.segment import Labelled, Segmenter, Was, as_weighted, label_dtype
from smite.settings import InferenceSettings
from smite.track.cache import TrackCache

log = logging.getLogger(__name__)

Box = tuple[int, int, int, int]  # x1, y1, x2, y2 (exclusive ends), as the authors' `information`
TrackCrops = Callable[[Iterator[np.ndarray]], TrackCache | None]  # trajectories of the crop video's RGB uint8 frames


# ---------------------------------------------------------------- frames


def full_frames(frames: np.ndarray) -> torch.Tensor:
    """RGB uint8 (T, H, W, 3) -> (T, 3, H8, W8) float in [0, 1]: each side rounded down to a multiple of 8, resized
    with PIL's Lanczos where that changes it (their default_height_width and prepare_image)."""
    height, width = frames.shape[1] // 8 * 8, frames.shape[2] // 8 * 8
    return _pil_resized(frames, width, height)


def model_frames(frames: np.ndarray, size: int) -> torch.Tensor:
    """RGB uint8 (T, H, W, 3) -> (T, 3, size, size) in [0, 1] with PIL's Lanczos (their prepare_image)."""
    return _pil_resized(frames, size, size)


def _pil_resized(frames: np.ndarray, width: int, height: int) -> torch.Tensor:
    # PIL's Lanczos (with its antialiasing) is what their prepare_image resizes with; OpenCV's differs.
    images = [np.asarray(Image.fromarray(frame).resize((width, height), resample=Image.LANCZOS))
              if frame.shape[:2] != (height, width) else frame for frame in frames]
    return (torch.from_numpy(np.stack(images)).permute(0, 3, 1, 2).float() / 255.0).contiguous()


def crop_images(crops: Iterable[np.ndarray]) -> Iterator[np.ndarray]:
    """Crops (3, S, S) in [0, 1] as RGB uint8 frames, what the trackers read, one at a time."""
    for crop in crops:
        yield np.ascontiguousarray((crop.transpose(1, 2, 0) * 255).round().clip(0, 255).astype(np.uint8))


def decoded(frames: np.ndarray, max_side: int) -> np.ndarray:
    """Frames as their read_video decodes them for this flow: the long side at most `max_side` (capped_size); OpenCV's
    area filter stands in for their decoder's scaler."""
    height, width = capped_size(frames.shape[1], frames.shape[2], max_side)
    if (height, width) == frames.shape[1:3]:
        return frames
    return np.stack([cv2.resize(frame, (width, height), interpolation=cv2.INTER_AREA) for frame in frames])


def capped_size(height: int, width: int, max_side: int) -> tuple[int, int]:
    """The decoded size (their read_video's change_resolution): the long side scaled down to `max_side` when it is
    longer, the other side truncated."""
    if max(height, width) <= max_side:
        return height, width
    if width > height:
        return int(height * max_side / width), max_side
    return max_side, int(width * max_side / height)


# ---------------------------------------------------------------- boxes


def foreground_box(mask: np.ndarray, expand: float, min_indices: int) -> Box:
    """A frame's crop box (crop_video_based_on_primitive_mask): the mask's extent, from its first foreground pixel
    to its last one (exclusive: the last row and column fall outside), widened by `expand` of the box's own width and
    height; the whole frame when the mask has fewer than `min_indices` coordinates (their `indices.size < 5` counts
    both coordinates of each pixel, so 2 pixels keep the whole frame, 3 do not) or its box is empty (one row or
    column: their code stops there, resizing an empty crop)."""
    height, width = mask.shape
    rows, cols = np.nonzero(mask)
    if 2 * len(rows) < min_indices:
        return 0, 0, width, height
    y1, y2, x1, x2 = int(rows.min()), int(rows.max()), int(cols.min()), int(cols.max())
    box_w, box_h = x2 - x1, y2 - y1
    x1, x2 = max(0, x1 - int(expand * box_w)), min(width, x2 + int(expand * box_w))
    y1, y2 = max(0, y1 - int(expand * box_h)), min(height, y2 + int(expand * box_h))
    if x2 <= x1 or y2 <= y1:
        return 0, 0, width, height
    return x1, y1, x2, y2


def square_crop(mask: np.ndarray, model_size: int, fill: float) -> Box | None:
    """handle_high_aspect_ratio_frames' square crop of a wide frame around its mask: a side of `model_size` (or the
    frame's short side), centred on the mask's mean pixel, shifted inside the frame. None (the whole frame stays)
    when the mask is taller than the crop, or wider than it and filling more than `fill` of its extent: their test
    `h > crop or w > crop and fill > 0.5` binds as `h > crop or (w > crop and fill > 0.5)`."""
    height, width = mask.shape
    rows, cols = np.nonzero(mask)
    if len(rows) == 0:
        centre_y, centre_x, mask_h, mask_w, area = height // 2, width // 2, height, width, 0
    else:
        mask_h, mask_w = int(rows.max() - rows.min()), int(cols.max() - cols.min())
        # torch.mean(coords.float()).int(): a float32 mean, truncated
        centre_y = int(torch.from_numpy(rows).float().mean())
        centre_x = int(torch.from_numpy(cols).float().mean())
        area = len(rows)
    crop = model_size if min(height, width) >= model_size else min(height, width)
    share = np.float32(area) / np.float32(mask_h * mask_w) if mask_h * mask_w else np.inf if area else np.nan
    if mask_h > crop or (mask_w > crop and share > fill):
        return None
    x1, y1 = _placed(centre_x, width, crop), _placed(centre_y, height, crop)
    return x1, y1, x1 + crop, y1 + crop


def _placed(centre: int, extent: int, crop: int) -> int:
    """The first pixel of a `crop`-wide span centred on `centre`, moved inside [0, extent) (their shifts)."""
    start = centre - crop // 2
    stop = centre + crop // 2
    if start < 0:
        stop, start = stop - start, 0
    if stop > extent:
        start, stop = start - (stop - extent), extent
    stop = start + crop if stop - start != crop else stop
    if stop > extent:
        start = extent - crop
    return max(start, 0)


def crop_frame(frame: torch.Tensor, box: Box, size: int) -> torch.Tensor:
    """(3, H, W) -> the box resized to (3, size, size), bilinear (their F.interpolate, align_corners False)."""
    x1, y1, x2, y2 = box
    return F.interpolate(frame[None, :, y1:y2, x1:x2], size=(size, size), mode="bilinear", align_corners=False)[0]


def paste(was: torch.Tensor, box: Box, shape: tuple[int, int], background: float) -> torch.Tensor:
    """A crop's WAS (K, s, s) resized into its box of a (K, H, W) map that is `background` in part 0 and 0 in the
    others elsewhere."""
    x1, y1, x2, y2 = box
    full = torch.zeros((was.shape[0], *shape), dtype=was.dtype)
    full[0] += background
    full[:, y1:y2, x1:x2] = F.interpolate(was[None], size=(y2 - y1, x2 - x1), mode="bilinear",
                                          align_corners=False)[0]
    return full


# ---------------------------------------------------------------- the passes


def primitive_variant(variant: Method) -> Method:
    """The variant of the primitive passes: the same UNet (inflated or not), the reference pass alone (no guidance,
    no post-hoc vote)."""
    return dataclasses.replace(variant, passes=("reference",), energies=())


def _identity_input(frames: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(np.ascontiguousarray(frames)).float()


class _Spill:
    """Per-frame WAS kept on disk until the pass is over (their background value is the whole video's maximum)."""

    def __init__(self) -> None:
        self.folder = tempfile.TemporaryDirectory(prefix="smite_spill_")

    def put(self, index: int, was: Was) -> None:
        torch.save(was, Path(self.folder.name) / f"{index}.pt")

    def take(self, index: int) -> Was:
        path = Path(self.folder.name) / f"{index}.pt"
        was = torch.load(path, weights_only=False)  # written by put() above, in this process's own folder
        path.unlink()
        return was

    def close(self) -> None:
        self.folder.cleanup()


@dataclasses.dataclass
class Flow:
    """What the two-pass flow computed between its passes (for inspection and tests)."""

    shape: tuple[int, int] = (0, 0)  # the full frames' size (H8, W8)
    boxes: list[Box] = dataclasses.field(default_factory=list)  # the final crop box of every frame
    squares: dict[int, Box] = dataclasses.field(default_factory=dict)  # aspect crops of the frames that had one
    background: float = 0.0  # the final WAS's largest value


class HierarchicalSegmenter:
    """The authors' two-pass inference around a Segmenter (module docstring); `stream_labels` as Segmenter's."""

    def __init__(self, model: PartSegmenter, variant: Method, inference: InferenceSettings, seed: int,
                 draws: Draws | None = None, was_size: int | None = None) -> None:
        self.model, self.variant, self.config = model, as_weighted(variant, inference), inference
        self.draws = draws or SeededDraws(seed)
        self.seed = seed
        self.size = model.backbone.image_size
        self.was_size = was_size or self.size  # the side their WAS comes out at (512: SD 2.1's input)
        self.flow = Flow()
        self.trace: list[dict] | None = None

    def _segmenter(self, variant: Method, inference: InferenceSettings, draws: Draws,
                   model_input: Callable[[np.ndarray], torch.Tensor]) -> Segmenter:
        return Segmenter(self.model, variant, inference, self.seed, draws, self.trace, model_input)

    def _primitive(self, buffer: FrameBuffer, model_input: Callable[[np.ndarray], torch.Tensor], role: str,
                   progress: bool) -> Iterator[tuple[int, torch.Tensor]]:
        """(index, WAS at was_size) of a primitive pass over `buffer`."""
        inference = dataclasses.replace(self.config, tiles=1)
        segmenter = self._segmenter(primitive_variant(self.variant), inference, PrefixedDraws(self.draws, role),
                                    model_input)
        for index, _, was in segmenter.stream(buffer, None, progress):
            yield index, was.at(self.was_size)[0].float()

    def boxes(self, buffer: FrameBuffer, progress: bool = False) -> list[Box]:
        """The primitive passes: each frame's final crop box (and the flow's record of them)."""
        config = self.config
        first = decoded(buffer.get(0, 1), config.max_side)[0]
        shape = (first.shape[0] // 8 * 8, first.shape[1] // 8 * 8)
        self.flow = Flow(shape=shape)
        wide = max(shape) / min(shape) > config.aspect_limit
        masks_needed: dict[int, Box] = {}
        boxes: dict[int, Box] = {}
        resize = lambda frames: model_frames(decoded(frames, config.max_side), self.size)  # noqa: E731
        for index, was in self._primitive(buffer, resize, "primitive/", progress):
            mask = _mask(F.interpolate(was[None], size=shape, mode="bilinear", align_corners=False)[0])
            square = square_crop(mask, self.size, config.square_fill) if wide else None
            if square is None:
                boxes[index] = foreground_box(mask, config.crop_expand, config.crop_min_indices)
            else:
                masks_needed[index] = square
        if masks_needed:
            self.flow.squares = dict(masks_needed)
            order = sorted(masks_needed)
            crops = FrameBuffer(self._crops(buffer.replay(), masks_needed), len(order), buffer.source)
            for position, was in self._primitive(crops, _identity_input, "aspect/", progress):
                index = order[position]
                full = torch.zeros((was.shape[0], *shape))
                x1, y1, x2, y2 = masks_needed[index]
                full[:, y1:y2, x1:x2] = F.interpolate(was[None], size=(y2 - y1, x2 - x1), mode="bilinear",
                                                      align_corners=False)[0]
                boxes[index] = foreground_box(_mask(full), config.crop_expand, config.crop_min_indices)
        self.flow.boxes = [boxes[index] for index in range(buffer.count)]
        return self.flow.boxes

    def _crops(self, buffer: FrameBuffer, boxes: dict[int, Box] | list[Box]) -> Iterator[np.ndarray]:
        """The frames' crops (3, size, size) in [0, 1], in frame order, of the frames that have a box."""
        keys = sorted(boxes) if isinstance(boxes, dict) else range(len(boxes))
        for index in keys:
            frame = full_frames(decoded(buffer.get(index, index + 1), self.config.max_side))[0]
            buffer.release(index + 1)
            yield crop_frame(frame, boxes[index], self.size).numpy()

    def stream_was(self, buffer: FrameBuffer, track: TrackCrops | None,
                   progress: bool = False) -> Iterator[tuple[int, np.ndarray, torch.Tensor]]:
        """(index, frame, its full-size WAS (K, H8, W8)) of every frame in order, after all passes."""
        boxes = self.boxes(buffer, progress)
        crops = lambda: FrameBuffer(self._crops(buffer.replay(), boxes), len(boxes), buffer.source)  # noqa: E731
        tracks = None
        if self.variant.needs_tracks:
            if track is None:
                raise ValueError("this method needs trajectories of the crop video (a `track` callable)")
            tracks = track(crop_images(self._crops(buffer.replay(), boxes)))  # one crop at a time
        segmenter = self._segmenter(self.variant, self.config, self.draws, _identity_input)
        segmenter.check_tracks(tracks)
        spill, background = _Spill(), -np.inf
        try:
            for index, _, was in segmenter.stream(crops(), tracks, progress):
                background = max(background, float(was.at(self.was_size).max()))
                spill.put(index, was)
            self.flow.background = background
            replay = buffer.replay()
            for index, box in enumerate(boxes):
                was = spill.take(index).at(self.was_size)[0].float()
                frame = replay.get(index, index + 1)[0]
                replay.release(index + 1)
                yield index, frame, paste(was, box, self.flow.shape, background)
        finally:
            spill.close()

    def stream_labels(self, buffer: FrameBuffer, track: TrackCrops | None,
                      progress: bool = False) -> Iterator[Labelled]:
        """Every frame's Labelled in order: the full map resized bilinearly to the frame, argmax; and to
        `score_size` square (`score_labels`), what the authors score."""
        dtype = label_dtype(self.model.num_parts)
        score = self.config.score_size
        for index, frame, was in self.stream_was(buffer, track, progress):
            scored = score_labels(was, score).astype(dtype) if score else None
            if was.shape[1:] != frame.shape[:2]:
                was = F.interpolate(was[None], size=frame.shape[:2], mode="bilinear", align_corners=False)[0]
            yield Labelled(index, frame, was.argmax(0).numpy().astype(dtype), scored)


def score_labels(was: torch.Tensor, size: int) -> np.ndarray:
    """The labels the authors score: the full map (K, H, W) resized to size x size (bilinear), argmax."""
    return F.interpolate(was[None], size=(size, size), mode="bilinear", align_corners=False)[0].argmax(0).numpy()


def _mask(was: torch.Tensor) -> np.ndarray:
    """Foreground: argmax over parts is not the background (part 0)."""
    return (was.argmax(0) != 0).numpy()
