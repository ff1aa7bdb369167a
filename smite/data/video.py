"""Video I/O: read a video file or a folder of frames as RGB uint8, write mp4/avi/frame folders.

Everything is RGB in memory; OpenCV's BGR stays inside this module. Every write goes to a
temporary name in the target folder first and is renamed into place, so a crash never leaves a
half-written file under the expected name.
"""

from __future__ import annotations

import contextlib
import math
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import cv2
import numpy as np
from natsort import natsorted

from smite.errors import SmiteInputError

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp")
VIDEO_SUFFIXES = (".mp4", ".avi", ".mov", ".mkv", ".m4v", ".webm")
FOLDER_FPS = 24.0
# Container suffix -> fourcc that the stock OpenCV/FFmpeg build can write.
_FOURCC = {".mp4": "mp4v", ".m4v": "mp4v", ".mov": "mp4v", ".avi": "MJPG", ".mkv": "MJPG"}


def _read_umask() -> int:
    """The process umask (only readable by setting it, so it is set straight back)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


# Files made by mkstemp are private (0600); finished files get the usual umask-based mode.
FILE_MODE = 0o666 & ~_read_umask()
DIR_MODE = 0o777 & ~_read_umask()


@contextlib.contextmanager
def atomic_output(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path (same folder, same suffix) that replaces `path` on success.

    The suffix is kept because OpenCV and PIL pick the format from it. On any error the
    temporary file is removed and `path` is left untouched.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=path.suffix, dir=path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        os.chmod(tmp, FILE_MODE)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


@contextlib.contextmanager
def atomic_dir(path: str | Path) -> Iterator[Path]:
    """Yield an empty staging folder beside `path` that replaces `path` as a whole on success.

    On any error, an interrupt included, the staging folder is removed and `path` is left untouched,
    so a folder under the expected name is always complete.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if not os.access(path.parent, os.W_OK):
        raise SmiteInputError(path.parent, "output folder is not writable")
    staging = path.with_name(f".{path.name}.partial")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    try:
        yield staging
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    if path.exists():
        shutil.rmtree(path)
    os.replace(staging, path)


def list_images(folder: str | Path, suffixes: tuple[str, ...] = IMAGE_SUFFIXES) -> list[Path]:
    """Image files directly inside `folder`, in natural order (`2.png` before `10.png`)."""
    files = [p for p in Path(folder).iterdir() if p.is_file() and p.suffix.lower() in suffixes]
    return natsorted(files, key=lambda p: p.name)


def read_image(path: str | Path) -> np.ndarray:
    """Read one image file as (H, W, 3) uint8 RGB (grey and alpha images are converted)."""
    image = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if image is None:
        raise SmiteInputError(path, "unreadable image (missing, corrupt or unsupported format)")
    return cv2.cvtColor(image, cv2.COLOR_BGR2RGB)


def write_image(path: str | Path, image: np.ndarray) -> None:
    """Write an (H, W, 3) uint8 RGB image atomically; the format follows the suffix."""
    _check_frame(image)
    with atomic_output(path) as tmp:
        if not cv2.imwrite(str(tmp), cv2.cvtColor(image, cv2.COLOR_RGB2BGR)):
            raise SmiteInputError(path, "OpenCV could not write this image format")


TRUNCATION_RATIO = 0.9  # header frame counts are estimates for some containers: only a clear shortfall is an error


def read_video(path: str | Path) -> tuple[np.ndarray, float]:
    """Read a video file or a folder of frames as ((T, H, W, 3) uint8 RGB, fps).

    Folders of frames have no frame rate of their own and get FOLDER_FPS.
    """
    path = Path(path)
    if not path.exists():
        raise SmiteInputError(path, "no such video file or frame folder")
    if path.is_dir():
        return read_frame_folder(path), FOLDER_FPS
    return _read_video_file(path)


def read_frame_folder(folder: str | Path) -> np.ndarray:
    """Read every image of a folder, in natural order, as (T, H, W, 3) uint8 RGB."""
    files = list_images(folder)
    if not files:
        raise SmiteInputError(folder, f"no frames ({', '.join(IMAGE_SUFFIXES)}) in folder")
    return np.stack(read_same_size(files, read_image, "frame"))


def read_same_size(files: list[Path], read: Callable[[Path], np.ndarray], what: str) -> list[np.ndarray]:
    """Read every file with `read`; the first whose size differs from the first file's is an input error."""
    images = [read(files[0])]
    for file in files[1:]:
        image = read(file)
        if image.shape[:2] != images[0].shape[:2]:
            raise SmiteInputError(file, f"{what} size {_wxh(image)} differs from {_wxh(images[0])} of {files[0].name}")
        images.append(image)
    return images


def _read_video_file(path: Path) -> tuple[np.ndarray, float]:
    """Decode every frame of a video container with OpenCV."""
    capture = cv2.VideoCapture(str(path))
    try:
        if not capture.isOpened():
            raise SmiteInputError(path, "unreadable video (corrupt file or codec OpenCV cannot decode)")
        fps = capture.get(cv2.CAP_PROP_FPS)
        declared = int(capture.get(cv2.CAP_PROP_FRAME_COUNT))
        frames = list(_decoded_frames(capture, path))
    finally:
        capture.release()
    if not frames:
        raise SmiteInputError(path, "video has no decodable frames")
    if declared > 0 and len(frames) < TRUNCATION_RATIO * declared - 1:
        problem = f"truncated video: decoded {len(frames)} of the {declared} frames its header declares"
        raise SmiteInputError(path, problem)
    return np.stack(frames), (float(fps) if math.isfinite(fps) and fps > 0 else FOLDER_FPS)


def _decoded_frames(capture: cv2.VideoCapture, path: Path) -> Iterator[np.ndarray]:
    """Yield RGB frames until the stream ends; a size change mid-stream is an error."""
    first_shape = None
    while True:
        ok, frame = capture.read()
        if not ok or frame is None:
            return
        if first_shape is not None and frame.shape != first_shape:
            raise SmiteInputError(path, "frame size changes in the middle of the video")
        first_shape = frame.shape
        yield cv2.cvtColor(frame, cv2.COLOR_BGR2RGB)


def write_video(path: str | Path, frames: np.ndarray, fps: float = FOLDER_FPS) -> None:
    """Write (T, H, W, 3) uint8 RGB frames as .mp4 (fourcc mp4v) or .avi (MJPG), atomically.

    Both codecs need even sizes and would silently crop an odd one, so an odd height or width
    is padded with one replicated row or column instead.
    """
    path = Path(path)
    fourcc = _FOURCC.get(path.suffix.lower())
    if fourcc is None:
        raise SmiteInputError(path, f"cannot write video with suffix {path.suffix!r} (use one of {', '.join(_FOURCC)})")
    _check_frames(frames)
    if not fps > 0:
        raise ValueError(f"fps must be positive, got {fps}")
    frames = _pad_to_even(frames)
    height, width = frames.shape[1:3]
    with atomic_output(path) as tmp:
        writer = cv2.VideoWriter(str(tmp), cv2.VideoWriter_fourcc(*fourcc), float(fps), (width, height))
        try:
            if not writer.isOpened():
                raise SmiteInputError(path, f"OpenCV cannot open a {fourcc} video writer for this file")
            for frame in frames:
                writer.write(cv2.cvtColor(frame, cv2.COLOR_RGB2BGR))
        finally:
            writer.release()


def _pad_to_even(frames: np.ndarray) -> np.ndarray:
    """Replicate the last row/column where height/width is odd."""
    pad_h, pad_w = frames.shape[1] % 2, frames.shape[2] % 2
    if not (pad_h or pad_w):
        return frames
    return np.pad(frames, ((0, 0), (0, pad_h), (0, pad_w), (0, 0)), mode="edge")


def write_frames(folder: str | Path, frames: np.ndarray) -> list[Path]:
    """Write frames as `folder/00000.png`, `00001.png`, ... and return the paths."""
    _check_frames(frames)
    folder = Path(folder)
    paths = [folder / f"{index:05d}.png" for index in range(len(frames))]
    for path, frame in zip(paths, frames, strict=True):
        write_image(path, frame)
    return paths


def _check_frame(image: np.ndarray) -> None:
    """Programming-error check for one RGB frame."""
    if image.dtype != np.uint8 or image.ndim != 3 or image.shape[2] != 3:
        raise ValueError(f"expected an (H, W, 3) uint8 image, got {image.dtype} {image.shape}")


def _check_frames(frames: np.ndarray) -> None:
    """Programming-error check for a (T, H, W, 3) uint8 stack with T >= 1."""
    if frames.dtype != np.uint8 or frames.ndim != 4 or frames.shape[3] != 3 or len(frames) == 0:
        raise ValueError(f"expected (T, H, W, 3) uint8 frames with T >= 1, got {frames.dtype} {frames.shape}")


def _wxh(image: np.ndarray) -> str:
    """'WxH' of an image, for messages."""
    return f"{image.shape[1]}x{image.shape[0]}"
