"""Reader for SLiMe's PASCAL-Part splits (Tables 11-12): still images with integer label maps.

    ROOT/<class>/{train_1,train_10,val,test}/<stem>.png   RGB image (alpha dropped)
    ROOT/<class>/{train_1,train_10,val,test}/<stem>.npy   (H, W) integer label map, 0 = background, k = part k

SLiMe's README asks for PNG images and NumPy masks with matching names; the folders carry no part list,
so `write_references` copies a split into the REFS_DIR format (images, int64 .npy, parts.txt).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from smite.data.masks import save_label_png
from smite.data.pumavos import check_no_other_references, list_visible
from smite.data.references import read_label_npy, save_references
from smite.data.video import read_image
from smite.errors import SmiteInputError

SPLITS = ("train_1", "train_10", "val", "test")
# Part names per class, background first, as SLiMe's README passes them (--part_names).
PASCAL_PARTS: dict[str, list[str]] = {
    "car": ["background", "body", "light", "plate", "wheel", "window"],
    "horse": ["background", "head", "neck+torso", "leg", "tail"],
}

Item = tuple[str, np.ndarray, np.ndarray]  # (stem, RGB uint8 image, int64 label map)


def split_dir(root: str | Path, cls: str, split: str) -> Path:
    """Folder of one class's split."""
    return Path(root) / cls / split


def load_split(root: str | Path, cls: str, split: str, parts: Sequence[str]) -> list[Item]:
    """Every image of a split with its checked label map, in natural order of the stems."""
    folder = split_dir(root, cls, split)
    if not folder.is_dir():
        raise SmiteInputError(folder, f"no {split!r} split folder for class {cls!r}")
    entries = [p for p in list_visible(folder) if p.is_file()]
    images = [p for p in entries if p.suffix.lower() == ".png"]
    if not images:
        raise SmiteInputError(folder, "no .png images in split folder")
    orphans = sorted({p.stem for p in entries if p.suffix == ".npy"} - {p.stem for p in images})
    if orphans:
        raise SmiteInputError(folder / f"{orphans[0]}.npy", "mask without a same-stem .png image")
    return [_load_item(image, parts) for image in images]


def _load_item(image_path: Path, parts: Sequence[str]) -> Item:
    """One image and its label map; missing mask, size mismatch and unknown labels are input errors."""
    mask_path = image_path.with_suffix(".npy")
    if not mask_path.is_file():
        raise SmiteInputError(image_path, f"image without a mask ({mask_path.name} missing)")
    image, labels = read_image(image_path), read_label_npy(mask_path)
    if labels.shape != image.shape[:2]:
        raise SmiteInputError(
            mask_path,
            f"mask is {labels.shape[1]}x{labels.shape[0]} but the image is {image.shape[1]}x{image.shape[0]}",
        )
    bad = labels[(labels < 0) | (labels >= len(parts))]
    if bad.size:
        raise SmiteInputError(mask_path, f"label {int(bad.flat[0])} outside the {len(parts)} parts {list(parts)}")
    return image_path.stem, image, labels


def write_references(root: str | Path, cls: str, split: str, parts: Sequence[str], out_dir: str | Path) -> list[str]:
    """Copy a (training) split into REFS_DIR format with parts.txt; return the reference names."""
    items = load_split(root, cls, split, parts)
    names = [stem for stem, _, _ in items]
    check_no_other_references(out_dir, names)
    save_references(out_dir, [image for _, image, _ in items], [labels for _, _, labels in items], parts, names)
    return names


def export_ground_truth(items: Sequence[Item], out_dir: str | Path) -> list[Path]:
    """Write each item's label map as the palette PNG `<stem>.png` (for scoring predictions per image)."""
    paths = []
    for stem, _, labels in items:
        path = Path(out_dir) / f"{stem}.png"
        save_label_png(path, labels)
        paths.append(path)
    return paths


def items(root: str | Path) -> list[str]:
    """The classes a complete copy holds: the folders with a test split."""
    root = Path(root)
    return sorted(p.name for p in root.iterdir() if (p / "test").is_dir())
