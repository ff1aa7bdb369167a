"""Video I/O: read a video file or a folder of frames as RGB uint8; write videos (PyAV) and frame folders.

Everything is RGB in memory; OpenCV's BGR stays inside this module. Every write goes to a
temporary name in the target folder first and is renamed into place, so a crash never leaves a
half-written file under the expected name.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import math
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import cv2
import numpy as np
from natsort import natsorted

from smite.atomic import atomic_output, publish_file, temporary_beside
from smite.errors import SmiteInputError

log = logging.getLogger(__name__)

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp")
VIDEO_SUFFIXES = (".mp4", ".avi", ".mov", ".mkv", ".m4v", ".webm")
FOLDER_FPS = 24.0


def list_images(folder: str | Path, suffixes: tuple[str, ...] = IMAGE_SUFFIXES) -> list[Path]:
    """Image files directly inside `folder`, in natural order (`2.png` before `10.png`)."""
    files = [p for p in Path(folder).iterdir() if p.is_file() and p.suffix.lower() in suffixes]
    return natsorted(files, key=lambda p: p.name)


def read_image(path: str | Path) -> np.ndarray:
    """Read one image file as (H, W, 3) uint8 RGB: grey is converted; an alpha channel (an RGBA plate) is
    composited on black (colour times alpha) with a warning, so transparent pixels do not show what lies under
    them; 16-bit images are scaled to 8 bits."""
    image = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
    if image is None:
        raise SmiteInputError(path, "unreadable image (missing, corrupt or unsupported format)")
    if image.dtype == np.uint16:
        image = (image // 257).astype(np.uint8)
    if image.dtype != np.uint8:
        raise SmiteInputError(path, f"unsupported image sample type {image.dtype} (8 or 16 bits per channel)")
    if image.ndim == 2 or image.shape[2] == 1:
        return cv2.cvtColor(image, cv2.COLOR_GRAY2RGB)
    if image.shape[2] == 4:
        alpha = image[..., 3:4].astype(np.float32) / 255.0
        if (alpha < 1).any():
            log.warning("%s: alpha channel composited on black (%.1f %% of its pixels are not opaque)", path,
                        100 * float((alpha < 1).mean()))
        image = np.rint(image[..., :3].astype(np.float32) * alpha).astype(np.uint8)
    return cv2.cvtColor(image, cv2.COLOR_BGR2RGB)


def write_image(path: str | Path, image: np.ndarray) -> None:
    """Write an (H, W, 3) uint8 RGB image atomically; the format follows the suffix."""
    _check_frame(image)
    with atomic_output(path) as tmp:
        if not cv2.imwrite(str(tmp), cv2.cvtColor(image, cv2.COLOR_RGB2BGR)):
            raise SmiteInputError(path, "OpenCV could not write this image format")


TRUNCATION_RATIO = 0.9  # header frame counts are estimates for some containers: only a clear shortfall is an error


def read_video(path: str | Path, frames: int | None = None) -> tuple[np.ndarray, float]:
    """Read a whole video file or folder of frames (its first `frames` only, when given) as ((T, H, W, 3) uint8 RGB,
    fps) (open_video streams it).

    Folders of frames have no frame rate of their own and get FOLDER_FPS.
    """
    stream = open_video(path, frames)
    frames = list(stream)
    if len(frames) < TRUNCATION_RATIO * stream.count - 1:
        raise SmiteInputError(path, f"truncated video: decoded {len(frames)} of the {stream.count} frames its header "
                                    "declares")
    if not frames:
        raise SmiteInputError(path, "video has no decodable frames")
    return np.stack(frames), stream.fps


@dataclass
class VideoStream:
    """A video file or frame folder read frame by frame: its frame count and rate are known before decoding
    (a folder's files; a file's packets, counted without decoding), the frames come one at a time."""

    path: Path
    count: int
    fps: float
    files: list[Path] | None = None  # a folder's frames

    def __iter__(self) -> Iterator[np.ndarray]:
        if self.files is not None:
            first = None
            for file in self.files[: self.count]:
                image = read_image(file)
                if first is not None and image.shape != first:
                    raise SmiteInputError(file, f"frame size {_wxh(image)} differs from {self.files[0].name}'s")
                first = image.shape
                yield image
            return
        yield from itertools.islice(_decode(self.path), self.count)


def open_video(path: str | Path, frames: int | None = None) -> VideoStream:
    """A video file or frame folder as a VideoStream (one clear error when it cannot be read); with `frames`, its
    first that many frames only (a run's video protocol: smite.data.protocols.protocol_frames)."""
    stream = _open_video(Path(path))
    if frames is not None:
        if frames < 1:
            raise ValueError(f"a video of at least one frame, not {frames}")
        stream.count = min(stream.count, int(frames))
    return stream


def _open_video(path: Path) -> VideoStream:
    if not path.exists():
        raise SmiteInputError(path, "no such video file or frame folder")
    if path.is_dir():
        files = list_images(path)
        if not files:
            raise SmiteInputError(path, f"no frames ({', '.join(IMAGE_SUFFIXES)}) in folder")
        return VideoStream(path, len(files), FOLDER_FPS, files)
    import av

    try:
        with av.open(str(path)) as container:
            if not container.streams.video:
                raise SmiteInputError(path, "the file holds no video stream")
            stream = container.streams.video[0]
            rate = stream.average_rate or stream.guessed_rate
            declared = stream.frames  # the container's frame count where it has one (MP4, AVI); else the packets
            count = declared or sum(1 for packet in container.demux(stream) if packet.size)
    except av.error.FFmpegError as error:
        raise SmiteInputError(path, f"unreadable video ({error})") from error
    if count == 0:
        raise SmiteInputError(path, "video has no frames")
    fps = float(rate) if rate and math.isfinite(float(rate)) and float(rate) > 0 else FOLDER_FPS
    return VideoStream(path, count, fps)


def _decode(path: Path) -> Iterator[np.ndarray]:
    """RGB frames of a video file, in order; a size change mid-stream or a broken stream is an error."""
    import av

    shape = None
    try:
        with av.open(str(path)) as container:
            for frame in container.decode(container.streams.video[0]):
                image = frame.to_ndarray(format="rgb24")
                if shape is not None and image.shape != shape:
                    raise SmiteInputError(path, "frame size changes in the middle of the video")
                shape = image.shape
                yield image
    except av.error.FFmpegError as error:
        raise SmiteInputError(path, f"the video breaks off while decoding ({error})") from error


class FrameBuffer:
    """Frames [start, stop) of a stream on demand, each decoded once, the ones before `release(frame)` dropped:
    windows that move forward through a video hold only what they still need."""

    def __init__(self, frames: Iterable[np.ndarray], count: int, source: str | Path = "video") -> None:
        self.iterable, self.frames, self.count, self.source = frames, iter(frames), int(count), source
        self.first, self.held = 0, []

    def replay(self) -> FrameBuffer:
        """A new buffer over the same frames from the first (a VideoStream decodes them again)."""
        return FrameBuffer(self.iterable, self.count, self.source)

    def get(self, start: int, stop: int) -> np.ndarray:
        """Frames [start, stop) as (stop - start, H, W, 3); start must not precede the last release."""
        if start < self.first or stop > self.count or start >= stop:
            raise ValueError(f"frames [{start}, {stop}) of {self.count}, held from {self.first}")
        while self.first + len(self.held) < stop:
            try:
                self.held.append(next(self.frames))
            except StopIteration:
                raise SmiteInputError(self.source, f"the video ends after {self.first + len(self.held)} of its "
                                                   f"{self.count} frames (truncated?)") from None
        return np.stack(self.held[start - self.first : stop - self.first])

    def release(self, before: int) -> None:
        """Drop the frames before `before`."""
        drop = max(0, min(before - self.first, len(self.held)))
        del self.held[:drop]
        self.first += drop


def read_same_size(files: list[Path], read: Callable[[Path], np.ndarray], what: str) -> list[np.ndarray]:
    """Read every file with `read`; the first whose size differs from the first file's is an input error."""
    images = [read(files[0])]
    for file in files[1:]:
        image = read(file)
        if image.shape[:2] != images[0].shape[:2]:
            raise SmiteInputError(file, f"{what} size {_wxh(image)} differs from {_wxh(images[0])} of {files[0].name}")
        images.append(image)
    return images


# What each kind of video is for, and how PyAV/FFmpeg writes it (codec, pixel format, container options):
# `playable` plays in browsers and editors (H.264 yuv420p, moov atom first), `lossless` keeps every pixel
# (H.264 in RGB at QP 0: the synthetic datasets' videos), `ffv1` and `prores` are the mattes' intermediates for
# compositing tools (FFV1 lossless grey in Matroska; ProRes 4444 in QuickTime).
VIDEO_KINDS = {
    # no-mbtree: x264's macroblock-tree rate control gives a different stream run to run at some small sizes (80 and
    # 96 px, measured: 2-3 streams in 6 encodes of the same frames), so overlays of two runs would differ
    "playable": ("libx264", "yuv420p", {"crf": "18", "preset": "medium", "x264-params": "no-mbtree=1"},
                 {"movflags": "+faststart"}, ".mp4"),
    "lossless": ("libx264rgb", "rgb24", {"qp": "0", "preset": "medium"}, {"movflags": "+faststart"}, ".mp4"),
    "ffv1": ("ffv1", "gray", {}, {}, ".mkv"),
    "prores": ("prores_ks", "yuva444p10le", {"profile": "4"}, {}, ".mov"),
}


MATTE_FORMATS = ("png", "ffv1", "prores")  # per-part mattes: PNG sequences only, or also one FFV1 / ProRes video each


class VideoWriter:
    """Frames written one at a time through PyAV (FFmpeg), to a temporary file renamed into place on close().

    One writer for every video the project writes (VIDEO_KINDS); H.264 needs even sizes, so an odd height or
    width is padded with one replicated row or column. Use as a context manager: an exception discards the file.
    """

    def __init__(self, path: str | Path, fps: float, kind: str = "playable") -> None:
        import av

        self.path = Path(path)
        codec, self.pix_fmt, options, container_options, suffix = VIDEO_KINDS[kind]
        if self.path.suffix.lower() != suffix:
            raise SmiteInputError(self.path, f"a {kind} video is written as {suffix}, not {self.path.suffix!r}")
        if not fps > 0:
            raise ValueError(f"fps must be positive, got {fps}")
        try:
            av.codec.Codec(codec, "w")
        except (av.error.FFmpegError, ValueError) as error:  # UnknownCodecError
            raise SmiteInputError(self.path, f"this FFmpeg build (PyAV {av.__version__}) has no {codec} encoder "
                                             f"({error}): install PyAV's wheel from PyPI") from error
        self.codec, self.options, self.fps = codec, options, Fraction(fps).limit_denominator(1_000_000)
        self.temporary = temporary_beside(self.path)
        self.container = av.open(str(self.temporary), mode="w", options=container_options)
        self.stream = None
        self.frames = 0

    def write(self, frame: np.ndarray) -> None:
        """Append one (H, W, 3) uint8 RGB frame (or (H, W) uint8 grey for the matte kinds)."""
        import av

        if frame.dtype != np.uint8 or frame.ndim not in (2, 3):
            raise ValueError(f"expected an (H, W[, 3]) uint8 frame, got {frame.dtype} {frame.shape}")
        frame = _pad_frame_to_even(frame)
        if self.stream is None:
            self.stream = self.container.add_stream(self.codec, rate=self.fps, options=self.options)
            self.stream.height, self.stream.width = frame.shape[:2]
            self.stream.pix_fmt = self.pix_fmt
            self.stream.time_base = 1 / self.fps
        elif frame.shape[:2] != (self.stream.height, self.stream.width):
            raise ValueError(f"frame {self.frames} is {frame.shape[:2]}, not {(self.stream.height, self.stream.width)}")
        image = av.VideoFrame.from_ndarray(frame, format="gray" if frame.ndim == 2 else "rgb24")
        image.pts = self.frames
        self.container.mux(self.stream.encode(image))
        self.frames += 1

    def close(self) -> Path:
        """Flush the encoder, finish the file and give it its name."""
        if self.stream is not None:
            self.container.mux(self.stream.encode())
        self.container.close()
        if self.frames == 0:
            self.temporary.unlink(missing_ok=True)
            raise ValueError("a video needs at least one frame")
        return publish_file(self.temporary, self.path)

    def discard(self) -> None:
        with contextlib.suppress(Exception):
            self.container.close()
        self.temporary.unlink(missing_ok=True)

    def __enter__(self) -> VideoWriter:
        return self

    def __exit__(self, kind: type | None, *_: object) -> None:
        if kind is None:
            self.close()
        else:
            self.discard()


def write_video(path: str | Path, frames: np.ndarray, fps: float = FOLDER_FPS, kind: str = "playable") -> None:
    """Write (T, H, W, 3) uint8 RGB frames as one video of `kind` (VIDEO_KINDS), atomically."""
    _check_frames(frames)
    with VideoWriter(path, fps, kind) as writer:
        for frame in frames:
            writer.write(frame)


def _pad_frame_to_even(frame: np.ndarray) -> np.ndarray:
    """Replicate the last row/column where height/width is odd."""
    pad_h, pad_w = frame.shape[0] % 2, frame.shape[1] % 2
    if not (pad_h or pad_w):
        return frame
    return np.pad(frame, ((0, pad_h), (0, pad_w), *(((0, 0),) if frame.ndim == 3 else ())), mode="edge")


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
