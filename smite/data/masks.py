"""Label-map I/O and display: VOC palette PNGs, binary part masks, colour overlays."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
from PIL import Image, UnidentifiedImageError

from smite.atomic import atomic_output
from smite.errors import SmiteInputError


def _voc_palette() -> np.ndarray:
    """The PASCAL VOC colour map: bit j of channel c comes from bit 3*j + c of the index."""
    index = np.arange(256)
    palette = np.zeros((256, 3), dtype=np.int64)
    for j in range(8):
        for channel in range(3):
            palette[:, channel] |= ((index >> (3 * j + channel)) & 1) << (7 - j)
    return palette.astype(np.uint8)


VOC_PALETTE: np.ndarray = _voc_palette()
VOC_PALETTE.setflags(write=False)


def _check_labels(labels: np.ndarray) -> None:
    """Programming-error check: a 2-D integer map with values in 0..255."""
    labels = np.asarray(labels)
    if labels.ndim != 2 or not (np.issubdtype(labels.dtype, np.integer) or labels.dtype == bool):
        raise ValueError(f"expected a 2-D integer label map, got {labels.dtype} {labels.shape}")
    if labels.size and (labels.min() < 0 or labels.max() > 255):
        raise ValueError(f"label values must lie in 0..255, got {labels.min()}..{labels.max()}")


def save_label_png(path: str | Path, labels: np.ndarray) -> None:
    """Save a label map as a single-channel palette PNG (pixel value = part index), atomically."""
    _check_labels(labels)
    image = Image.fromarray(np.asarray(labels, dtype=np.uint8))
    image.putpalette(VOC_PALETTE.tobytes())  # turns the 'L' image into mode 'P'
    with atomic_output(path) as tmp:
        image.save(tmp, format="PNG")


def save_grey_png(path: str | Path, mask: np.ndarray) -> None:
    """A single-channel uint8 PNG (0/255 masks), written atomically."""
    with atomic_output(path) as tmp:
        if not cv2.imwrite(str(tmp), mask):
            raise SmiteInputError(path, "OpenCV could not write this PNG")


def _open_image(path: str | Path) -> Image.Image:
    """Open and fully decode an image with PIL, turning every failure into SmiteInputError."""
    try:
        with Image.open(path) as image:
            image.load()
            return image.copy()
    except FileNotFoundError as error:
        raise SmiteInputError(path, "no such file") from error
    except (UnidentifiedImageError, OSError, ValueError) as error:
        raise SmiteInputError(path, f"unreadable image ({error})") from error


_INDEX_MODES = ("P", "L", "1", "I", "I;16", "I;16L", "I;16B", "I;16N")


def read_label_png(path: str | Path) -> np.ndarray:
    """Read an index PNG (palette, grey or 16-bit; RGB only if its channels are equal) as an int64 (H, W) map."""
    image = _open_image(path)
    if image.mode in _INDEX_MODES:
        labels = np.asarray(image)
    elif image.mode in ("LA", "PA"):
        labels = np.asarray(image)[..., 0]
    elif image.mode in ("RGB", "RGBA"):
        rgb = np.asarray(image)[..., :3]
        if not (np.array_equal(rgb[..., 0], rgb[..., 1]) and np.array_equal(rgb[..., 0], rgb[..., 2])):
            raise SmiteInputError(path, "colour PNG is not a label map (expected a palette or grey index PNG)")
        labels = rgb[..., 0]
    else:
        raise SmiteInputError(path, f"unsupported image mode {image.mode!r} for a label map")
    if labels.ndim != 2:
        raise SmiteInputError(path, f"label image has shape {labels.shape}, expected 2-D")
    return labels.astype(np.int64)


def read_binary_png(path: str | Path, threshold: float = 127.5) -> np.ndarray:
    """Read a binary mask: pixels whose grey level (colour converted to grey) exceeds `threshold`."""
    image = _open_image(path)
    if image.mode in ("I", "I;16"):
        return np.asarray(image) > threshold * 257.0  # 16-bit masks use 0..65535
    return np.asarray(image.convert("L")) > threshold


def colorize(labels: np.ndarray) -> np.ndarray:
    """(H, W, 3) uint8 RGB picture of a label map in the VOC palette."""
    _check_labels(labels)
    return VOC_PALETTE[np.asarray(labels, dtype=np.int64)]


def overlay(frame: np.ndarray, labels: np.ndarray, alpha: float = 0.5) -> np.ndarray:
    """Blend palette colours over the non-background pixels of an RGB frame."""
    if frame.shape[:2] != np.shape(labels) or frame.ndim != 3 or frame.shape[2] != 3:
        raise ValueError(f"frame {frame.shape} and labels {np.shape(labels)} do not match")
    colours = colorize(labels).astype(np.float32)
    blended = (1.0 - alpha) * frame.astype(np.float32) + alpha * colours
    out = np.where((np.asarray(labels) > 0)[..., None], blended, frame)
    return np.clip(np.rint(out), 0, 255).astype(np.uint8)


def draw_legend(frame: np.ndarray, parts: list[str]) -> np.ndarray:
    """A copy of an RGB frame with a legend (colour swatch + name of every part but background) top-left.

    Text and swatches scale with the frame height so the legend stays readable on small and large videos.
    """
    out = frame.copy()
    font = max(0.35, frame.shape[0] / 800)  # OpenCV font scale: readable from 120 px to 4K frames
    row = int(30 * font) + 6
    for index, name in enumerate(parts[1:], start=1):
        top = 4 + (index - 1) * row
        colour = tuple(int(c) for c in VOC_PALETTE[index])
        cv2.rectangle(out, (4, top), (4 + row - 6, top + row - 6), colour, thickness=-1)
        origin = (4 + row, top + row - 8)
        cv2.putText(out, name, origin, cv2.FONT_HERSHEY_SIMPLEX, font, (0, 0, 0), 3, cv2.LINE_AA)
        cv2.putText(out, name, origin, cv2.FONT_HERSHEY_SIMPLEX, font, (255, 255, 255), 1, cv2.LINE_AA)
    return out
