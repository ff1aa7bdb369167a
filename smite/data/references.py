"""Reference sets in the SLiMe/SMITE format: images, same-stem `.npy` label maps, `parts.txt`.

folder/
  parts.txt        one part name per line, background first
  cat_1.png        reference image (.png, .jpg or .jpeg)
  cat_1.npy        (H, W) integer label map: 0 = background, k = k-th part
  (or cat_1_label.png: the same label map as an index/palette PNG, for tools that export masks as images)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from smite.atomic import atomic_output
from smite.data.video import list_images, read_image, write_image
from smite.errors import SmiteInputError

REFERENCE_SUFFIXES = (".png", ".jpg", ".jpeg")
LABEL_PNG_SUFFIX = "_label"  # <stem>_label.png: a label map stored as an index/palette PNG
PARTS_FILE = "parts.txt"


@dataclass
class ReferenceSet:
    """Annotated reference images: images[i] (RGB uint8) with labels[i] (int64, indices into parts)."""

    images: list[np.ndarray]
    labels: list[np.ndarray]
    parts: list[str]
    names: list[str]

    def __len__(self) -> int:
        return len(self.images)


def read_parts(path: str | Path) -> list[str]:
    """Part names from a parts.txt (blank lines ignored); needs background plus one part."""
    path = Path(path)
    if not path.is_file():
        raise SmiteInputError(path, "missing parts.txt (one part name per line, background first)")
    try:
        parts = [line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    except (OSError, UnicodeDecodeError) as error:
        raise SmiteInputError(path, f"unreadable parts list ({error})") from error
    _check_parts(path, parts)
    return parts


def write_parts(path: str | Path, parts: Sequence[str]) -> None:
    """Write part names one per line, atomically."""
    with atomic_output(path) as tmp:
        tmp.write_text("".join(f"{name}\n" for name in parts), encoding="utf-8")


def _check_parts(path: str | Path, parts: Sequence[str]) -> None:
    """A part list needs background plus at least one part, all names distinct."""
    if len(parts) < 2:
        raise SmiteInputError(path, f"need background plus at least one part, got {list(parts)}")
    if len(set(parts)) != len(parts):
        raise SmiteInputError(path, f"duplicate part names in {list(parts)}")


def load_references(folder: str | Path, parts: list[str] | None = None, shots: int | None = None) -> ReferenceSet:
    """Load a reference folder; `parts` overrides parts.txt and `shots` keeps the first k images."""
    folder = Path(folder)
    if not folder.is_dir():
        raise SmiteInputError(folder, "reference folder not found")
    files = [f for f in list_images(folder, REFERENCE_SUFFIXES) if not f.stem.endswith(LABEL_PNG_SUFFIX)]
    if not files:
        raise SmiteInputError(folder, f"no reference images ({', '.join(REFERENCE_SUFFIXES)}) in folder")
    if parts is None:
        parts, source = read_parts(folder / PARTS_FILE), PARTS_FILE
    else:
        _check_parts(folder, parts)
        source = "given"
    files = files[: _check_shots(folder, shots, len(files))]
    pairs = [_load_pair(file, len(parts), source) for file in files]
    return ReferenceSet(
        images=[image for image, _ in pairs],
        labels=[labels for _, labels in pairs],
        parts=list(parts),
        names=[file.stem for file in files],
    )


def _check_shots(folder: Path, shots: int | None, available: int) -> int:
    """How many references to keep; asking for more than exist is an input error."""
    if shots is None:
        return available
    if shots < 1:
        raise SmiteInputError(folder, f"shots must be at least 1, got {shots}")
    if shots > available:
        raise SmiteInputError(folder, f"asked for {shots} shots but the folder has only {available} reference images")
    return shots


def _load_pair(image_path: Path, num_parts: int, source: str) -> tuple[np.ndarray, np.ndarray]:
    """Read one reference image and its checked label map."""
    image = read_image(image_path)
    label_path = image_path.with_suffix(".npy")
    png_path = image_path.with_name(f"{image_path.stem}{LABEL_PNG_SUFFIX}.png")
    if not label_path.exists() and png_path.exists():
        from smite.data.masks import read_label_png

        label_path, labels = png_path, read_label_png(png_path)
    else:
        labels = read_label_npy(label_path)
    if labels.shape != image.shape[:2]:
        raise SmiteInputError(
            label_path,
            f"label map {labels.shape[1]}x{labels.shape[0]} differs from image "
            f"{image.shape[1]}x{image.shape[0]} (width x height)",
        )
    bad = labels[(labels < 0) | (labels >= num_parts)]
    if bad.size:
        where = f"the {num_parts} parts in {PARTS_FILE}" if source == PARTS_FILE else f"the {num_parts} parts given"
        raise SmiteInputError(label_path, f"label {int(bad.flat[0])} outside {where}")
    return image, labels


def read_label_npy(path: str | Path) -> np.ndarray:
    """A 2-D integer (or boolean) `.npy` label map as int64."""
    path = Path(path)
    if not path.is_file():
        raise SmiteInputError(path, f"missing label map {path.name}")
    try:
        labels = np.load(path, allow_pickle=False)
    except (OSError, ValueError, EOFError) as error:
        raise SmiteInputError(path, f"unreadable .npy file ({error})") from error
    if not isinstance(labels, np.ndarray) or labels.ndim != 2:
        raise SmiteInputError(path, f"label map must be a 2-D integer array, got shape {np.shape(labels)}")
    if not (np.issubdtype(labels.dtype, np.integer) or labels.dtype == bool):
        raise SmiteInputError(path, f"label map must be a 2-D integer array, got dtype {labels.dtype}")
    return labels.astype(np.int64)


def save_references(
    folder: str | Path,
    images: Sequence[np.ndarray],
    labels: Sequence[np.ndarray],
    parts: Sequence[str],
    names: Sequence[str],
) -> None:
    """Write a reference set (PNG images, int64 `.npy` label maps, parts.txt), each file atomically."""
    if not len(images) == len(labels) == len(names):
        raise ValueError(f"{len(images)} images, {len(labels)} label maps and {len(names)} names")
    if len(set(names)) != len(names):
        raise ValueError(f"duplicate reference names in {list(names)}")
    _check_parts("parts", parts)
    folder = Path(folder)
    for image, label, name in zip(images, labels, names, strict=True):
        label = np.asarray(label)
        if label.shape != image.shape[:2] or label.min() < 0 or label.max() >= len(parts):
            raise ValueError(f"label map of {name!r} does not fit its image or the {len(parts)} parts")
        write_image(folder / f"{name}.png", image)
        with atomic_output(folder / f"{name}.npy") as tmp:
            np.save(tmp, label.astype(np.int64))
    write_parts(folder / PARTS_FILE, parts)
