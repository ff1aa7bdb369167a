"""Reader for DAVIS-2016 (single object), and its zero-shot and semi-supervised reference sets (Tables 9-10).

    ROOT/JPEGImages/480p/<seq>/00000.jpg ...
    ROOT/Annotations/480p/<seq>/00000.png ...   object mask: grey 0/255 (or a palette PNG, object = index > 0)
    ROOT/ImageSets/480p/{train,val}.txt

The official ImageSets list one frame per line (`/JPEGImages/480p/bear/00000.jpg /Annotations/480p/bear/00000.png`);
some copies list one sequence name per line, as DAVIS-2017 does. Both are read. Frame indices stay Python ints
throughout: the reference code's 8-bit index wraps past 256 frames.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable
from pathlib import Path, PurePosixPath
from typing import Any

import numpy as np
from PIL import Image

from smite.data.clip import Clip
from smite.data.masks import read_binary_png
from smite.data.pumavos import (
    annotation_files,
    check_no_other_references,
    export_ground_truth,
    frame_files,
    read_annotations,
    read_frames,
    reference_name,
    sequence_folders,
)
from smite.data.references import save_references
from smite.data.statistics import annotation_labels, part_count, summary
from smite.data.video import read_image
from smite.errors import SmiteInputError

__all__ = [
    "PARTS",
    "annotations_dir",
    "export_ground_truth",
    "frames_dir",
    "list_sequences",
    "load_sequence",
    "read_object_mask",
    "read_split",
    "semi_supervised_references",
    "zero_shot_references",
]

RESOLUTION = "480p"
JPEG_DIR, ANNOTATIONS_DIR, IMAGE_SETS_DIR = "JPEGImages", "Annotations", "ImageSets"
PARTS = ["background", "object"]
NAME = "davis2016"  # the clips' category
FPS = 24.0  # DAVIS videos are 24 fps


def frames_dir(root: str | Path, seq: str) -> Path:
    """Folder of a sequence's 480p frames (usable as the VIDEO argument of `smite segment`)."""
    return Path(root) / JPEG_DIR / RESOLUTION / seq


def annotations_dir(root: str | Path, seq: str) -> Path:
    """Folder of a sequence's 480p object masks."""
    return Path(root) / ANNOTATIONS_DIR / RESOLUTION / seq


def list_sequences(root: str | Path) -> list[str]:
    """Every sequence folder under JPEGImages/480p, in natural order."""
    return sequence_folders(Path(root) / JPEG_DIR / RESOLUTION)


def split_file(root: str | Path, split: str) -> Path:
    """ImageSets/480p/<split>.txt."""
    return Path(root) / IMAGE_SETS_DIR / RESOLUTION / f"{split}.txt"


def read_split(root: str | Path, split: str) -> list[str]:
    """Sequence names of a split, unique, in file order (per-frame or per-sequence lines)."""
    path = split_file(root, split)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError as error:
        raise SmiteInputError(path, f"missing split file for {split!r}") from error
    except (OSError, UnicodeDecodeError) as error:
        raise SmiteInputError(path, f"unreadable split file ({error})") from error
    names = [_sequence_of(path, number, line) for number, line in enumerate(lines, start=1) if line.strip()]
    if not names:
        raise SmiteInputError(path, "split file lists no sequences")
    return list(dict.fromkeys(names))


def _sequence_of(path: Path, number: int, line: str) -> str:
    """The sequence a split-file line names: its own text, or the folder of the frame path it starts with."""
    tokens = line.split()
    if "/" in tokens[0]:
        pieces = PurePosixPath(tokens[0]).parts
        if len(pieces) >= 2 and pieces[-2] != "/":
            return pieces[-2]
    elif len(tokens) == 1:
        return tokens[0]
    raise SmiteInputError(
        path,
        f"line {number}: expected a sequence name or '/JPEGImages/480p/<seq>/<frame>.jpg /Annotations/...', "
        f"got {line.strip()[:80]!r}",
    )


def read_object_mask(path: str | Path) -> np.ndarray:
    """(H, W) int64 0/1 object mask: grey (or colour) > 127.5, or a nonzero palette index."""
    try:
        with Image.open(path) as image:
            indices = np.asarray(image) if image.mode == "P" else None
    except (OSError, ValueError) as error:  # missing and undecodable files are OSErrors
        raise SmiteInputError(path, f"unreadable mask ({error})") from error
    if indices is not None:
        return (indices > 0).astype(np.int64)
    return read_binary_png(path).astype(np.int64)


def load_sequence(root: str | Path, seq: str) -> Clip:
    """One sequence with parts ["background", "object"] and a 0/1 label map for every annotated frame."""
    files = frame_files(frames_dir(root, seq))
    frames = read_frames(files)
    annotated = annotation_files(annotations_dir(root, seq), files)
    labels = read_annotations(annotated, read_object_mask, frames.shape[1:3])
    return Clip(name=seq, frames=frames, parts=list(PARTS), labels=labels, category=NAME, fps=FPS)


def zero_shot_references(
    root: str | Path, train_sequences: Iterable[str], seed: int, out_dir: str | Path
) -> list[tuple[str, int]]:
    """One random annotated frame per training video as a reference set; return (sequence, frame) pairs.

    Each video draws from its own generator seeded by (seed, sequence name), so a pick depends only
    on the seed and that video, not on the order or the other videos. Only the picked frames are read.
    """
    picks, images, labels = [], [], []
    for seq in dict.fromkeys(train_sequences):
        files = frame_files(frames_dir(root, seq))
        annotated = annotation_files(annotations_dir(root, seq), files)
        rng = np.random.default_rng([seed, zlib.crc32(seq.encode())])
        frame = int(rng.choice(list(annotated)))
        image = read_image(files[frame])
        labels.append(read_annotations({frame: annotated[frame]}, read_object_mask, image.shape[:2])[frame])
        images.append(image)
        picks.append((seq, frame))
    if not picks:
        raise SmiteInputError(None, "zero-shot references need at least one training sequence")
    names = [reference_name(seq, frame) for seq, frame in picks]
    check_no_other_references(out_dir, names)
    save_references(out_dir, images, labels, PARTS, names)
    return picks


def semi_supervised_references(clip: Clip, out_dir: str | Path) -> list[tuple[str, int]]:
    """The first annotated frame (frame 0 in DAVIS) with its mask as a reference set; return [(sequence, frame)]."""
    if not clip.labels:
        raise SmiteInputError(None, f"{clip.name}: no annotated frame to start from (semi-supervised needs one)")
    frame = min(clip.labels)
    name = reference_name(clip.name, frame)
    check_no_other_references(out_dir, [name])
    save_references(out_dir, [clip.frames[frame]], [clip.labels[frame]], clip.parts, [name])
    return [(clip.name, frame)]


def statistics(root: str | Path) -> dict[str, Any]:
    """Train and val sequences of ImageSets/480p; the val ones are the test videos."""
    train = read_split(root, "train")
    counts = [part_count(annotation_labels(annotations_dir(root, seq), read_object_mask))
              for seq in read_split(root, "val")]
    return summary(len(train), counts)


def items(root: str | Path) -> list[str]:
    """What a complete copy holds: the val sequences (the test videos)."""
    return read_split(root, "val")


def video_source(root: str | Path, folder: str, video: str) -> Path:
    """A sequence's frame folder (`folder` is unused: sequences are told apart by name)."""
    return frames_dir(root, video)


def read_clip(root: str | Path, group: str, video: str, parts: list[str] | None) -> Clip:
    """A sequence with its object masks (`group` and `parts` are unused: DAVIS-2016 has one object)."""
    return load_sequence(root, video)
