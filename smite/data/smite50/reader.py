"""Reader (and ground-truth writer) for the SMITE-50 benchmark layout.

    ROOT/
      <category>/                              reference images + same-stem .npy + parts.txt
      videos/<category>/<video>/<video>.mp4    (any container) or .../<video>/frames/
      videos/<category>/<video>/frames_numbers.txt   annotated frame indices, "[0, 4, 8]"
      ground_truth/<category>/<video>/<frame folder>/<part>.png

Ground truth follows the authors' evaluation code: one binary PNG per part (grey > 127.5),
part k = k-th file in natural order, a pixel claimed by several parts goes to the part with the
fewest pixels in that frame, unclaimed pixels are background. A frame folder named by an
integer is that frame; otherwise the i-th folder (natural order) is the i-th entry of
frames_numbers.txt (looked up in the video folder, then in the ground-truth folder).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from natsort import natsorted

from smite.data.clip import Clip
from smite.data.masks import read_binary_png, save_grey_png, save_label_png
from smite.data.references import PARTS_FILE, read_parts
from smite.data.statistics import part_count, summary
from smite.data.video import VIDEO_SUFFIXES, read_same_size, read_video
from smite.errors import SmiteInputError

VIDEOS_DIR = "videos"
GROUND_TRUTH_DIR = "ground_truth"
FRAMES_DIR = "frames"
FRAMES_NUMBERS = "frames_numbers.txt"
_NOT_CATEGORIES = {VIDEOS_DIR, GROUND_TRUTH_DIR}


def _subdirs(folder: Path) -> list[str]:
    """Names of the visible subfolders of `folder`, in natural order."""
    return natsorted(p.name for p in folder.iterdir() if p.is_dir() and not p.name.startswith("."))


def list_categories(root: str | Path) -> list[str]:
    """Category folders of a SMITE-50 root (everything but videos/ and ground_truth/)."""
    root = Path(root)
    if not root.is_dir():
        raise SmiteInputError(root, "benchmark root folder not found")
    return [name for name in _subdirs(root) if name not in _NOT_CATEGORIES]


def list_videos(root: str | Path, category: str) -> list[str]:
    """Video folders of one category, in natural order."""
    folder = Path(root) / VIDEOS_DIR / category
    if not folder.is_dir():
        raise SmiteInputError(folder, f"no videos folder for category {category!r}")
    return _subdirs(folder)


def reference_dir(root: str | Path, category: str) -> Path:
    """Folder of a category's reference (training) images."""
    return Path(root) / category


def ground_truth_dir(root: str | Path, category: str, video: str) -> Path:
    """Folder holding one subfolder of part masks per annotated frame."""
    return Path(root) / GROUND_TRUTH_DIR / category / video


def video_path(root: str | Path, category: str, video: str) -> Path:
    """The video file (`<video>.<ext>`, else the only video file) or the `frames/` folder."""
    folder = Path(root) / VIDEOS_DIR / category / video
    if not folder.is_dir():
        raise SmiteInputError(folder, "video folder not found")
    files = [p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in VIDEO_SUFFIXES]
    files = natsorted(files, key=lambda p: p.name)
    named = [p for p in files if p.stem == video]
    if named:
        return named[0]
    if (folder / FRAMES_DIR).is_dir():
        return folder / FRAMES_DIR
    if len(files) == 1:
        return files[0]
    if files:
        raise SmiteInputError(folder, f"several video files and none named {video}.*: {[p.name for p in files]}")
    raise SmiteInputError(folder, f"no video file ({', '.join(VIDEO_SUFFIXES)}) and no {FRAMES_DIR}/ folder")


def read_frames_numbers(path: str | Path) -> list[int]:
    """Annotated frame indices from a Python-style list such as "[0, 4, 8]" (lines and trailing commas ok)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as error:
        raise SmiteInputError(path, f"missing {FRAMES_NUMBERS}") from error
    except (OSError, UnicodeDecodeError) as error:
        raise SmiteInputError(path, f"unreadable ({error})") from error
    body = text.strip().rstrip(",").strip()
    if body.startswith("[") and body.endswith("]"):
        body = body[1:-1]
    tokens = [token for token in re.split(r"[\s,]+", body) if token]
    if not tokens or not all(re.fullmatch(r"\d+", token) for token in tokens):
        raise SmiteInputError(path, f"expected a list of frame indices like [0, 4, 8], got {text.strip()[:60]!r}")
    numbers = [int(token) for token in tokens]
    if len(set(numbers)) != len(numbers):
        raise SmiteInputError(path, f"repeated frame index in {numbers}")
    return numbers


def _part_files(folder: Path) -> list[Path]:
    """Part PNGs of a frame folder in natural order; a lone subfolder is entered (authors' code)."""
    files = natsorted((p for p in folder.iterdir() if p.is_file() and p.suffix.lower() == ".png"), key=lambda p: p.name)
    subfolders = [p for p in folder.iterdir() if p.is_dir()]
    if not files and len(subfolders) == 1:
        return _part_files(subfolders[0])
    return files


def read_ground_truth(folder: str | Path, num_parts: int) -> np.ndarray:
    """One frame's label map from its per-part binary PNGs; overlaps go to the smaller part."""
    folder = Path(folder)
    files = _part_files(folder)
    if not files:
        raise SmiteInputError(folder, "no part mask PNGs in ground-truth frame folder")
    if len(files) > num_parts - 1:
        raise SmiteInputError(folder, f"{len(files)} part masks but only {num_parts - 1} parts besides background")
    return _resolve_overlaps(np.stack(read_same_size(files, read_binary_png, "mask")))


def _resolve_overlaps(masks: np.ndarray) -> np.ndarray:
    """(K, H, W) bool part masks -> (H, W) int64 labels; a shared pixel goes to the smallest part."""
    areas = masks.sum(axis=(1, 2))
    cost = np.where(masks, areas[:, None, None], np.iinfo(np.int64).max)
    winner = np.argmin(cost, axis=0) + 1  # ties go to the earlier part
    return np.where(masks.any(axis=0), winner, 0).astype(np.int64)


def _frames_numbers_path(root: Path, category: str, video: str) -> Path | None:
    """frames_numbers.txt from the video folder (SMITE-50) or the ground-truth folder (authors' code)."""
    for folder in (root / VIDEOS_DIR / category / video, ground_truth_dir(root, category, video)):
        if (folder / FRAMES_NUMBERS).is_file():
            return folder / FRAMES_NUMBERS
    return None


def _frame_indices(gt_dir: Path, names: list[str], numbers_path: Path | None) -> list[int]:
    """Frame index of each ground-truth folder: its integer name, else frames_numbers.txt."""
    numbers = read_frames_numbers(numbers_path) if numbers_path is not None else None
    if all(re.fullmatch(r"\d+", name) for name in names):
        indices = [int(name) for name in names]
        if numbers is not None and sorted(numbers) != sorted(indices):
            raise SmiteInputError(
                gt_dir, f"frame folders {names} disagree with {numbers_path} {numbers}; remove one of the two"
            )
        return indices
    if numbers is None:
        raise SmiteInputError(gt_dir, f"frame folders are not frame numbers and there is no {FRAMES_NUMBERS}")
    if len(numbers) != len(names):
        raise SmiteInputError(
            numbers_path, f"{len(numbers)} frame numbers but {len(names)} ground-truth folders in {gt_dir}"
        )
    return numbers


def annotated_frames(root: str | Path, category: str, video: str) -> list[int]:
    """The annotated frame indices of one video, read without decoding a mask ([] without a ground-truth folder)."""
    root = Path(root)
    gt_dir = ground_truth_dir(root, category, video)
    if not gt_dir.is_dir():
        return []
    return sorted(_frame_indices(gt_dir, _subdirs(gt_dir), _frames_numbers_path(root, category, video)))


def load_ground_truth(root: str | Path, category: str, video: str, num_parts: int) -> dict[int, np.ndarray]:
    """Annotated frame index -> label map for one video ({} when it has no ground-truth folder)."""
    root = Path(root)
    gt_dir = ground_truth_dir(root, category, video)
    if not gt_dir.is_dir():
        return {}
    names = _subdirs(gt_dir)
    if not names:
        raise SmiteInputError(gt_dir, "ground-truth folder has no frame folders")
    indices = _frame_indices(gt_dir, names, _frames_numbers_path(root, category, video))
    if len(set(indices)) != len(indices):
        raise SmiteInputError(gt_dir, f"several frame folders map to the same frame: {indices}")
    return {index: read_ground_truth(gt_dir / name, num_parts) for index, name in zip(indices, names, strict=True)}


def load_video_clip(root: str | Path, category: str, video: str, parts: list[str] | None = None) -> Clip:
    """One benchmark video with its ground truth; `parts` defaults to the category's parts.txt."""
    root = Path(root)
    if parts is None:
        parts = read_parts(reference_dir(root, category) / PARTS_FILE)
    frames, fps = read_video(video_path(root, category, video))
    labels = load_ground_truth(root, category, video, len(parts))
    gt_dir = ground_truth_dir(root, category, video)
    for index, label in labels.items():
        if index >= len(frames):
            raise SmiteInputError(gt_dir, f"ground truth for frame {index} but the video has {len(frames)} frames")
        if label.shape != frames.shape[1:3]:
            raise SmiteInputError(
                gt_dir,
                f"ground truth of frame {index} is {label.shape[1]}x{label.shape[0]}, "
                f"frames are {frames.shape[2]}x{frames.shape[1]}",
            )
    return Clip(
        name=video,
        frames=frames,
        parts=list(parts),
        labels=dict(sorted(labels.items())),
        category=category,
        fps=fps,
    )


def _file_safe(name: str) -> str:
    """A part name usable in a file name."""
    return re.sub(r"[^\w.-]+", "_", name).strip("_") or "part"


def write_ground_truth(folder: str | Path, labels: np.ndarray, parts: Sequence[str]) -> list[Path]:
    """Write one 0/255 PNG per part as `{k:02d}_{name}.png`, empty parts included (k-th-file rule)."""
    labels = np.asarray(labels)
    if labels.ndim != 2 or labels.min() < 0 or labels.max() >= len(parts):
        raise ValueError(
            f"labels {labels.shape} with values {labels.min()}..{labels.max()} do not fit {len(parts)} parts"
        )
    folder = Path(folder)
    paths = [folder / f"{k:02d}_{_file_safe(name)}.png" for k, name in enumerate(parts) if k > 0]
    if folder.is_dir():
        stale = set(folder.glob("*.png")) - set(paths)
        if stale:
            raise ValueError(f"{folder} already holds other part masks: {sorted(p.name for p in stale)}")
    for k, path in enumerate(paths, start=1):
        mask = np.where(labels == k, 255, 0).astype(np.uint8)
        save_grey_png(path, mask)
    return paths


def export_label_pngs(clip: Clip, out_dir: str | Path, exclude: Collection[int] = ()) -> list[Path]:
    """Write each annotated label map as `{frame:05d}.png` palette PNG (GT_DIR of `smite evaluate`).

    Frames in `exclude` (those a model trained on) are left out, so they are never scored.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for frame, labels in sorted(clip.labels.items()):
        if frame in exclude:
            continue
        path = out_dir / f"{frame:05d}.png"
        save_label_png(path, labels)
        paths.append(path)
    return paths


def statistics(root: str | Path) -> dict[str, Any]:
    """Every video of every category: SMITE-50 trains on images, so it has no training videos."""
    counts = []
    for category in list_categories(root):
        num_parts = len(read_parts(reference_dir(root, category) / PARTS_FILE))
        for video in list_videos(root, category):
            counts.append(part_count(list(load_ground_truth(root, category, video, num_parts).values())))
    return summary(0, counts)
