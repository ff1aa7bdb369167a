"""Reader for the PUMaVOS layout (XMem++), and the training/evaluation sets of paper Tables 6-7.

    ROOT/JPEGImages/<seq>/00000.jpg ...    frames, natural order
    ROOT/Annotations/<seq>/00000.png ...   VOC palette PNGs (value k = part k, 0 = background), annotated frames only

An annotation belongs to the frame with the same file stem; failing that, an integer stem is the frame
number: the number in the frame names where those are numbers, else the position in natural order.
The frame-matching helpers are shared with the DAVIS reader, whose layout differs only in the masks.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
from natsort import natsorted

from smite.data.clip import Clip
from smite.data.masks import read_label_png
from smite.data.references import REFERENCE_SUFFIXES, save_references
from smite.data.smite50 import export_label_pngs
from smite.data.statistics import annotation_labels, part_count, summary
from smite.data.video import list_images, read_image, read_same_size
from smite.errors import SmiteInputError

JPEG_DIR = "JPEGImages"
ANNOTATIONS_DIR = "Annotations"
NAME = "pumavos"  # the clips' category
FPS = 30.0  # PUMaVOS videos are 30 fps


def list_sequences(root: str | Path) -> list[str]:
    """Sequence folders under ROOT/JPEGImages, in natural order."""
    return sequence_folders(Path(root) / JPEG_DIR)


def sequence_folders(folder: Path) -> list[str]:
    """Visible subfolders of a JPEGImages folder, in natural order (an error when there are none)."""
    if not folder.is_dir():
        raise SmiteInputError(folder, f"no {folder.name} folder: not a dataset root")
    names = [p.name for p in list_visible(folder) if p.is_dir()]
    if not names:
        raise SmiteInputError(folder, "no sequence folders")
    return names


def list_visible(folder: Path) -> list[Path]:
    """Entries of `folder` in natural order, hidden ones (`.DS_Store`, `._00000.png`) left out."""
    return natsorted((p for p in folder.iterdir() if not p.name.startswith(".")), key=lambda p: p.name)


def frames_dir(root: str | Path, seq: str) -> Path:
    """Folder of a sequence's frames (usable as the VIDEO argument of `smite segment`)."""
    return Path(root) / JPEG_DIR / seq


def annotations_dir(root: str | Path, seq: str) -> Path:
    """Folder of a sequence's annotation PNGs."""
    return Path(root) / ANNOTATIONS_DIR / seq


def frame_files(folder: Path) -> list[Path]:
    """Frame images of a sequence folder, in natural order."""
    if not folder.is_dir():
        raise SmiteInputError(folder, "sequence frame folder not found")
    files = [f for f in list_images(folder) if not f.name.startswith(".")]
    if not files:
        raise SmiteInputError(folder, "no frame images in sequence folder")
    return files


def annotation_files(folder: Path, frames: Sequence[Path]) -> dict[int, Path]:
    """Frame index -> annotation PNG, in frame order, matched to the frames as the module says."""
    if not folder.is_dir():
        raise SmiteInputError(folder, "annotation folder not found")
    pngs = [f for f in list_images(folder, (".png",)) if not f.name.startswith(".")]
    if not pngs:
        raise SmiteInputError(folder, "no annotation PNGs")
    by_stem = {f.stem: index for index, f in enumerate(frames)}
    numbered = all(_is_number(f.stem) for f in frames)
    by_number = {int(f.stem): index for index, f in enumerate(frames)} if numbered else {}
    found: dict[int, Path] = {}
    for png in pngs:
        index = _frame_of(png, by_stem, by_number, numbered, frames)
        if index in found:
            raise SmiteInputError(png, f"frame {frames[index].name} is already annotated by {found[index].name}")
        found[index] = png
    return dict(sorted(found.items()))


def _is_number(stem: str) -> bool:
    return re.fullmatch(r"[0-9]+", stem) is not None


def _frame_of(
    png: Path, by_stem: dict[str, int], by_number: dict[int, int], numbered: bool, frames: Sequence[Path]
) -> int:
    """Index of the frame an annotation belongs to."""
    if png.stem in by_stem:
        return by_stem[png.stem]
    if _is_number(png.stem):
        number = int(png.stem)
        if numbered and number in by_number:
            return by_number[number]
        if not numbered and number < len(frames):
            return number
    raise SmiteInputError(
        png, f"no frame matches this annotation ({len(frames)} frames, {frames[0].name} .. {frames[-1].name})"
    )


def read_annotations(
    files: dict[int, Path], read_mask: Callable[[Path], np.ndarray], size: tuple[int, int]
) -> dict[int, np.ndarray]:
    """Read each annotation with `read_mask`; one whose size differs from the frames' is an input error."""
    labels = {}
    for index, path in files.items():
        label = read_mask(path)
        if label.shape != size:
            raise SmiteInputError(
                path, f"annotation is {label.shape[1]}x{label.shape[0]} but the frames are {size[1]}x{size[0]}"
            )
        labels[index] = label
    return labels


def read_frames(files: list[Path]) -> np.ndarray:
    """(T, H, W, 3) uint8 RGB frames; a frame of another size is an input error."""
    return np.stack(read_same_size(files, read_image, "frame"))


def default_parts(max_label: int) -> list[str]:
    """["background", "part_1", ..., "part_<max_label>"] (at least one part)."""
    return ["background"] + [f"part_{k}" for k in range(1, max(1, max_label) + 1)]


def load_sequence(root: str | Path, seq: str, parts: list[str] | None = None) -> Clip:
    """One sequence with labels for its annotated frames; `parts` defaults to part_1.. up to the largest label."""
    files = frame_files(frames_dir(root, seq))
    frames = read_frames(files)
    annotated = annotation_files(annotations_dir(root, seq), files)
    labels = read_annotations(annotated, read_label_png, frames.shape[1:3])
    if parts is None:
        parts = default_parts(max(int(label.max()) for label in labels.values()))
    elif len(parts) < 2 or len(set(parts)) != len(parts):
        raise SmiteInputError(None, f"need background plus at least one part, all distinct; got {parts}")
    for index, label in labels.items():
        if label.max() >= len(parts):
            raise SmiteInputError(
                annotated[index], f"label {int(label.max())} but only {len(parts)} parts ({', '.join(parts)})"
            )
    return Clip(name=seq, frames=frames, parts=list(parts), labels=labels, category=NAME, fps=FPS)


def training_frames(clip: Clip, shots: int) -> list[int]:
    """`shots` annotated frames evenly spaced over the annotated ones, the first always included."""
    annotated = sorted(clip.labels)
    if shots < 1:
        raise SmiteInputError(None, f"{clip.name}: shots must be at least 1, got {shots}")
    if len(annotated) < shots:
        raise SmiteInputError(None, f"{clip.name}: {shots} training frames asked but only {len(annotated)} annotated")
    picks = np.rint(np.linspace(0, len(annotated) - 1, shots)).astype(int)
    return [annotated[i] for i in picks]


def reference_name(seq: str, frame: int) -> str:
    """File stem of a frame taken as a reference image."""
    return f"{seq}_{frame:05d}"


def write_training_references(clip: Clip, frame_indices: Sequence[int], out_dir: str | Path) -> list[str]:
    """Write annotated frames of the clip as a reference set (REFS_DIR); return the reference names."""
    missing = [index for index in frame_indices if index not in clip.labels]
    if missing:
        raise SmiteInputError(None, f"{clip.name}: frames {missing} have no annotation")
    names = [reference_name(clip.name, index) for index in frame_indices]
    check_no_other_references(out_dir, names)
    images = [clip.frames[index] for index in frame_indices]
    save_references(out_dir, images, [clip.labels[index] for index in frame_indices], clip.parts, names)
    return names


def check_no_other_references(out_dir: str | Path, names: Iterable[str]) -> None:
    """Refuse to add references to a folder that already holds others (they would be trained on too)."""
    folder = Path(out_dir)
    if not folder.is_dir():
        return
    keep = set(names)
    other = [f.name for f in list_images(folder, REFERENCE_SUFFIXES) if f.stem not in keep]
    if other:
        raise SmiteInputError(folder, f"reference folder already holds other images: {other[:3]}")


def export_ground_truth(clip: Clip, out_dir: str | Path, exclude: Iterable[int] = ()) -> list[Path]:
    """Write the annotated label maps but the excluded (training) frames as `{frame:05d}.png` (GT_DIR)."""
    skip = set(exclude)
    kept = {index: label for index, label in clip.labels.items() if index not in skip}
    return export_label_pngs(replace(clip, labels=kept), out_dir)


def statistics(root: str | Path) -> dict[str, Any]:
    """Every sequence is a test video (XMem++ trains on DAVIS / YouTube-VOS, not on PUMaVOS)."""
    counts = [part_count(annotation_labels(annotations_dir(root, seq), read_label_png))
              for seq in list_sequences(root)]
    return summary(0, counts)


def video_source(root: str | Path, folder: str, video: str) -> Path:
    """A sequence's frame folder (`folder` is unused: sequences are told apart by name)."""
    return frames_dir(root, video)


def read_clip(root: str | Path, group: str, video: str, parts: list[str] | None) -> Clip:
    """A sequence with its annotations (`group` is unused: a sequence is its own group)."""
    return load_sequence(root, video, parts)
