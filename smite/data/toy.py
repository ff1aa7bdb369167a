"""Toy copies of the real datasets: the layouts their archives have, the names a run config gives them.

Why: the paper configuration's DAG (downloads, the four readers, the per-category table columns) has to
run somewhere the real data cannot be fetched. A smoke run (config/paper_smoke.yaml) lists the paper's
categories, parts and videos; this module writes objects of the synthetic generator under those names, in
SMITE-50's, PUMaVOS's, DAVIS-2016's and SLiMe's PASCAL-Part layouts, and packs the downloadable ones into
zip archives shaped like the real ones (one top folder where the real archive has one).

The synthetic objects have four parts; a category with more is given them by cutting each object part into
vertical bands, one per extra name (fewer: the last parts merge), so every named part is present.
"""

from __future__ import annotations

import tempfile
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

import numpy as np

from smite.atomic import atomic_dir, atomic_output
from smite.data import davis, pascal_part, pumavos
from smite.data.masks import save_label_png
from smite.data.references import save_references
from smite.data.smite50 import FRAMES_NUMBERS, GROUND_TRUTH_DIR, VIDEOS_DIR, write_ground_truth
from smite.data.synth import (
    CATEGORY_PARTS,
    FPS,
    DavisSynthSettings,
    render_reference,
    render_video,
    write_davis_sequence,
)
from smite.data.video import write_image, write_video
from smite.errors import SmiteInputError

BASES = tuple(CATEGORY_PARTS)  # robot, fish, glyph: the synthetic objects the toy categories borrow
BASE_PARTS = 4
ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # fixed member times: the same files give the same archive bytes


@dataclass(frozen=True)
class ToySettings:
    """Sizes of the toy data (the run config's `toy_datasets` section)."""

    seed: int = 0
    size: int = 48
    frames: int = 8
    pumavos_frames: int = 14  # Tables 6-7 train on up to 10 frames of a sequence and score the rest
    annotate_every: int = 4
    references: int = 10
    pascal_images: int = 3  # val and test images per class (train_1 and train_10 hold 1 and 10)
    parts: int = 4  # foreground parts of a PUMaVOS sequence whose parts the config does not name
    noise_std: float = 4.0

    @classmethod
    def from_config(cls, section: dict[str, Any]) -> ToySettings:
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(section) - known - {"folder"})
        if unknown:
            raise SmiteInputError(None, f"toy_datasets: unknown key(s) {', '.join(unknown)}")
        return cls(**{key: value for key, value in section.items() if key in known})


def relabel(labels: np.ndarray, foreground: int) -> np.ndarray:
    """Label maps of a four-part object with `foreground` parts: fewer merge the last ones, more cut each
    object part into vertical bands of equal pixel count (per frame), part by part."""
    labels = np.asarray(labels)
    if foreground <= BASE_PARTS:
        return np.minimum(labels, foreground)
    counts = [foreground // BASE_PARTS + (1 if p < foreground % BASE_PARTS else 0) for p in range(BASE_PARTS)]
    firsts = np.concatenate([[1], 1 + np.cumsum(counts)[:-1]])
    out = np.zeros_like(labels)
    for index in np.ndindex(labels.shape[:-2]):
        frame, target = labels[index], out[index]
        for part in range(BASE_PARTS):
            rows, cols = np.nonzero(frame == part + 1)
            if len(cols) == 0:
                continue
            order = np.argsort(cols, kind="stable")
            band = np.empty(len(cols), dtype=labels.dtype)
            band[order] = np.arange(len(cols)) * counts[part] // len(cols)
            target[rows, cols] = firsts[part] + band
    return out


def _rng(settings: ToySettings, *key: str) -> np.random.Generator:
    return np.random.default_rng([settings.seed, *(zlib.crc32(k.encode()) for k in key)])


def _base(index: int) -> str:
    return BASES[index % len(BASES)]


def _video(base: str, settings: ToySettings, foreground: int, *key: str) -> tuple[np.ndarray, np.ndarray]:
    frames, labels = render_video(base, _rng(settings, *key), settings.frames, settings.size, settings.noise_std)
    return frames, relabel(labels, foreground)


def _image(base: str, settings: ToySettings, foreground: int, *key: str) -> tuple[np.ndarray, np.ndarray]:
    image, labels = render_reference(base, _rng(settings, *key), settings.size, settings.noise_std)
    return image, relabel(labels, foreground)


def write_smite50(root: Path, spec: dict[str, Any], settings: ToySettings) -> None:
    """SMITE-50 as its authors ship it: reference folders, videos with frames_numbers.txt, per-part PNGs."""
    annotated = list(range(0, settings.frames, settings.annotate_every))
    for index, (category, entry) in enumerate(spec["categories"].items()):
        parts, base = list(entry["parts"]), _base(index)
        pairs = [_image(base, settings, len(parts) - 1, category, "ref", str(i)) for i in range(settings.references)]
        names = [f"{category}_ref{i:02d}" for i in range(settings.references)]
        save_references(root / category, [p[0] for p in pairs], [p[1] for p in pairs], parts, names)
        for video in entry["videos"]:
            frames, labels = _video(base, settings, len(parts) - 1, category, video)
            folder = root / VIDEOS_DIR / category / video
            write_video(folder / f"{video}.mp4", frames, FPS, kind="lossless")
            (folder / FRAMES_NUMBERS).write_text(f"{annotated}\n", encoding="utf-8")
            for t in annotated:
                write_ground_truth(root / GROUND_TRUTH_DIR / category / video / f"{t:05d}", labels[t], parts)


def write_pumavos(root: Path, spec: dict[str, Any], settings: ToySettings) -> None:
    """PUMaVOS: JPEG frames and palette annotations (every frame, as the tables score frames beyond the shots)."""
    for index, (sequence, entry) in enumerate(spec["sequences"].items()):
        foreground = len(entry["parts"]) - 1 if entry.get("parts") else settings.parts
        frames, labels = _video(_base(index), replace(settings, frames=settings.pumavos_frames), foreground,
                                "pumavos", sequence)
        for t, (frame, label) in enumerate(zip(frames, labels, strict=True)):
            write_image(pumavos.frames_dir(root, sequence) / f"{t:05d}.jpg", frame)
            save_label_png(pumavos.annotations_dir(root, sequence) / f"{t:05d}.png", label)


def write_davis(root: Path, spec: dict[str, Any], settings: ToySettings) -> None:
    """DAVIS-2016: 480p JPEG frames, 0/255 object masks and the ImageSets split files (the synthetic set's
    sequence writer, under the config's sequence names)."""
    config = DavisSynthSettings(seed=settings.seed, size=settings.size, frames=settings.frames,
                              noise_std=settings.noise_std)
    for split in ("train", "val"):
        lines = [line for index, sequence in enumerate(spec[split])
                 for line in write_davis_sequence(root, sequence, _base(index), _rng(settings, "davis", sequence),
                                                  config)]
        path = davis.split_file(root, split)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("".join(lines), encoding="utf-8")


def write_pascal_part(root: Path, spec: dict[str, Any], settings: ToySettings) -> None:
    """SLiMe's PASCAL-Part splits: `<class>/<split>/<stem>.png` with int64 `.npy` label maps."""
    sizes = {"train_1": 1, "train_10": 10, "val": settings.pascal_images, "test": settings.pascal_images}
    for index, (cls, entry) in enumerate(spec["classes"].items()):
        for split in pascal_part.SPLITS:
            folder = pascal_part.split_dir(root, cls, split)
            for i in range(sizes[split]):
                image, labels = _image(_base(index), settings, len(entry["parts"]) - 1, cls, split, str(i))
                write_image(folder / f"{cls}_{split}_{i:02d}.png", image)
                with atomic_output(folder / f"{cls}_{split}_{i:02d}.npy") as tmp:
                    np.save(tmp, labels.astype(np.int64))


Writer = Callable[[Path, dict[str, Any], ToySettings], None]  # one of the write_* above (a dataset's `toy`)


def write_toy_dataset(writer: Writer, spec: dict[str, Any], settings: ToySettings, root: str | Path) -> None:
    """The toy dataset folder at `root`, written in a sibling folder and renamed into place (nothing partial)."""
    with atomic_dir(root) as build:
        writer(build, spec, settings)


def write_toy_archive(writer: Writer, spec: dict[str, Any], settings: ToySettings, archive: str | Path) -> None:
    """The toy dataset as a zip shaped like the real archive: under one top folder per `strip` of its source
    entry (named after the dataset root), members sorted with fixed times."""
    archive = Path(archive)
    strip = next((f.get("strip", 0) for f in spec["source"]["files"] if Path(f.get("url", "")).name == archive.name),
                 0)
    top = Path(*[Path(spec["root"]).name] * strip) if strip else Path()
    with tempfile.TemporaryDirectory() as tmp:
        writer(Path(tmp), spec, settings)
        members = sorted(p for p in Path(tmp).rglob("*") if p.is_file())
        with atomic_output(archive) as out, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
            for path in members:
                info = zipfile.ZipInfo((top / path.relative_to(tmp)).as_posix(), ZIP_TIME)
                info.compress_type = zipfile.ZIP_DEFLATED
                info.external_attr = 0o644 << 16
                zf.writestr(info, path.read_bytes())
