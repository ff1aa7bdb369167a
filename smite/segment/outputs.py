"""What a segmentation writes, frame by frame as each frame becomes final: masks, scored masks, the overlay video,
per-part mattes and parts.json (`OutputWriter`), written atomically."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from smite.atomic import atomic_dir
from smite.data.masks import draw_legend, overlay, save_grey_png, save_label_png
from smite.data.video import MATTE_FORMATS, VIDEO_KINDS, VideoWriter
from smite.errors import SmiteInputError
from smite.model.segmenter import resize_labels

log = logging.getLogger(__name__)


class Labelled(NamedTuple):
    """One frame's outputs as it becomes final: its labels at the frame's size, and at `inference.score_size` square
    (the size the authors score; None when score_size is 0)."""

    index: int
    frame: np.ndarray
    labels: np.ndarray
    scored: np.ndarray | None


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
