"""Toy copies of the real datasets: the layouts their archives have, the names a run config gives them.

Why: the paper configuration's DAG (downloads, the four readers, the per-category table columns) has to
run somewhere the real data cannot be fetched. A smoke run (config/paper_smoke.yaml) lists the paper's
categories, parts and videos; each dataset package's `toy.write` puts objects of the synthetic generator under
those names in its layout (SMITE-50's, PUMaVOS's, DAVIS-2016's, SLiMe's PASCAL-Part), with the helpers here, and
this module packs the downloadable ones into zip archives shaped like the real ones (one top folder where the real
archive has one).

The synthetic objects have four parts; a category with more is given them by cutting each object part into
vertical bands, one per extra name (fewer: the last parts merge), so every named part is present.
"""

from __future__ import annotations

import tempfile
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import numpy as np

from smite.atomic import atomic_dir, atomic_output
from smite.data.synth.objects import CATEGORY_PARTS
from smite.data.synth.render import render_reference, render_video
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


def toy_rng(settings: ToySettings, *key: str) -> np.random.Generator:
    """The generator of one toy item, named by its key (dataset, sequence, ...)."""
    return np.random.default_rng([settings.seed, *(zlib.crc32(k.encode()) for k in key)])


def base_object(index: int) -> str:
    """The synthetic object the index-th category of a toy dataset borrows."""
    return BASES[index % len(BASES)]


def toy_video(base: str, settings: ToySettings, foreground: int, *key: str) -> tuple[np.ndarray, np.ndarray]:
    """A toy video of object `base` with `foreground` parts: frames and labels."""
    frames, labels = render_video(base, toy_rng(settings, *key), settings.frames, settings.size, settings.noise_std)
    return frames, relabel(labels, foreground)


def toy_image(base: str, settings: ToySettings, foreground: int, *key: str) -> tuple[np.ndarray, np.ndarray]:
    """A toy still image of object `base` with `foreground` parts: image and labels."""
    image, labels = render_reference(base, toy_rng(settings, *key), settings.size, settings.noise_std)
    return image, relabel(labels, foreground)


Writer = Callable[[Path, dict[str, Any], ToySettings], None]  # a dataset package's toy.write (its `toy`)


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
