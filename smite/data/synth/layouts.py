"""The same objects and videos in the PUMaVOS, DAVIS-2016 and SLiMe PASCAL-Part layouts (generate_layout picks by
name), so the tables on those datasets run end to end without the real data."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from smite.atomic import atomic_output
from smite.data import davis, pascal_part, pumavos
from smite.data.masks import save_grey_png, save_label_png
from smite.data.synth.objects import CATEGORY_PARTS
from smite.data.synth.render import render_reference, render_video
from smite.data.synth.smite50 import build_atomically, check_config, item_rng
from smite.data.video import write_image

# ----------------------------------------------------------------------------- other dataset layouts
#
# The same objects and videos in the PUMaVOS, DAVIS-2016 and SLiMe PASCAL-Part layouts, so the tables on
# those datasets run end to end without them. Item kinds keep every item's generator independent.

_PUMAVOS, _DAVIS = 2, {"train": 3, "val": 4}
_PASCAL = dict(zip(pascal_part.SPLITS, (5, 6, 7, 8), strict=True))
PASCAL_SPLITS = pascal_part.SPLITS


@dataclass(frozen=True)
class PumavosSynthSettings:
    """A PUMaVOS-layout set: per category, object videos whose parts are the category's parts."""

    seed: int = 0
    size: int = 64
    categories: tuple[str, ...] = ("robot", "fish")
    sequences_per_category: int = 1
    frames: int = 24
    annotate_every: int = 2
    noise_std: float = 4.0

    def __post_init__(self) -> None:
        check_config(
            self,
            [
                (self.sequences_per_category < 1, "sequences_per_category must be at least 1"),
                (self.frames < 1, "frames must be at least 1"),
                (self.annotate_every < 1, "annotate_every must be at least 1"),
            ],
        )


@dataclass(frozen=True)
class DavisSynthSettings:
    """A DAVIS-2016-layout set: single-object videos (object = all parts), every frame annotated.

    Sequence i of a split shows categories[i % len(categories)].
    """

    seed: int = 0
    size: int = 64
    categories: tuple[str, ...] = ("robot", "fish", "glyph")
    train_sequences: int = 2
    val_sequences: int = 3
    frames: int = 12
    noise_std: float = 4.0

    def __post_init__(self) -> None:
        check_config(
            self,
            [
                (self.train_sequences < 1 or self.val_sequences < 1, "need at least one train and one val sequence"),
                (self.frames < 1, "frames must be at least 1"),
            ],
        )


@dataclass(frozen=True)
class PascalPartSynthSettings:
    """A SLiMe PASCAL-Part-layout set: still images per category (class) and split."""

    seed: int = 0
    size: int = 64
    categories: tuple[str, ...] = ("robot", "fish")
    train_1: int = 1
    train_10: int = 10
    val: int = 3
    test: int = 6
    noise_std: float = 4.0

    def __post_init__(self) -> None:
        counts = {split: getattr(self, split) for split in PASCAL_SPLITS}
        check_config(self, [(min(counts.values()) < 1, f"every split needs at least one image, got {counts}")])


def _layout_manifest(layout: str, config: Any, body: dict) -> dict:
    """Manifest of a generated layout: generator, layout name, config (JSON-ready) and `body`."""
    config_dict = asdict(config) | {"categories": list(config.categories)}
    return {"generator": "smite.data.synth", "layout": layout, "config": config_dict} | body


def generate_pumavos(out_dir: str | Path, config: PumavosSynthSettings | None = None) -> dict:
    """Write a synthetic set in the PUMaVOS layout plus manifest.json (atomically, as generate_benchmark)."""
    config = config or PumavosSynthSettings()

    def write(build: Path) -> dict:
        sequences = dict(
            _write_pumavos_sequence(build, category, index, config)
            for category in config.categories
            for index in range(config.sequences_per_category)
        )
        totals = {
            "sequences": len(sequences),
            "frames": sum(entry["frames"] for entry in sequences.values()),
            "annotated_frames": sum(len(entry["annotated"]) for entry in sequences.values()),
        }
        return _layout_manifest("pumavos", config, {"fps": pumavos.FPS, "sequences": sequences, "totals": totals})

    return build_atomically(Path(out_dir), write)


def _write_pumavos_sequence(root: Path, category: str, index: int, config: PumavosSynthSettings) -> tuple[str, dict]:
    """JPEG frames and palette annotations of every annotate_every-th frame; return name and manifest entry."""
    name = f"{category}_{index:02d}"
    rng = item_rng(config.seed, category, _PUMAVOS, index)
    frames, labels = render_video(category, rng, config.frames, config.size, config.noise_std)
    annotated = list(range(0, config.frames, config.annotate_every))
    for t, frame in enumerate(frames):
        write_image(pumavos.frames_dir(root, name) / f"{t:05d}.jpg", frame)
    for t in annotated:
        save_label_png(pumavos.annotations_dir(root, name) / f"{t:05d}.png", labels[t])
    parts = list(CATEGORY_PARTS[category])
    return name, {"category": category, "parts": parts, "frames": config.frames, "annotated": annotated}


def generate_davis(out_dir: str | Path, config: DavisSynthSettings | None = None) -> dict:
    """Write a synthetic set in the DAVIS-2016 layout (per-frame ImageSets lines) plus manifest.json."""
    config = config or DavisSynthSettings()

    def write(build: Path) -> dict:
        splits: dict[str, list[str]] = {}
        sequences = {}
        for split, count in (("train", config.train_sequences), ("val", config.val_sequences)):
            lines = []
            for index in range(count):
                category = config.categories[index % len(config.categories)]
                name = f"{category}_{split}{index:02d}"
                rng = item_rng(config.seed, category, _DAVIS[split], index)
                lines += write_davis_sequence(build, name, category, rng, config)
                sequences[name] = {"category": category, "split": split, "frames": config.frames}
            with atomic_output(davis.split_file(build, split)) as tmp:
                tmp.write_text("".join(lines), encoding="utf-8")
            splits[split] = [name for name, entry in sequences.items() if entry["split"] == split]
        totals = {"sequences": len(sequences), "frames": sum(entry["frames"] for entry in sequences.values())}
        body = {"fps": davis.FPS, "parts": list(davis.PARTS), "splits": splits, "sequences": sequences}
        return _layout_manifest("davis2016", config, body | {"totals": totals})

    return build_atomically(Path(out_dir), write)


def write_davis_sequence(
    root: Path, name: str, category: str, rng: np.random.Generator, config: DavisSynthSettings
) -> list[str]:
    """JPEG frames and 0/255 object masks (all parts) of every frame; return the sequence's ImageSets lines."""
    frames, labels = render_video(category, rng, config.frames, config.size, config.noise_std)
    lines = []
    for t, (frame, label) in enumerate(zip(frames, labels, strict=True)):
        write_image(davis.frames_dir(root, name) / f"{t:05d}.jpg", frame)
        mask = np.where(label > 0, 255, 0).astype(np.uint8)
        save_grey_png(davis.annotations_dir(root, name) / f"{t:05d}.png", mask)
        lines.append(
            f"/{davis.JPEG_DIR}/{davis.RESOLUTION}/{name}/{t:05d}.jpg "
            f"/{davis.ANNOTATIONS_DIR}/{davis.RESOLUTION}/{name}/{t:05d}.png\n"
        )
    return lines


def generate_pascal_part(out_dir: str | Path, config: PascalPartSynthSettings | None = None) -> dict:
    """Write synthetic still images in SLiMe's PASCAL-Part layout (`<class>/<split>/<stem>.png|.npy`)."""
    config = config or PascalPartSynthSettings()

    def write(build: Path) -> dict:
        classes = {
            category: {
                "parts": list(CATEGORY_PARTS[category]),
                "splits": {split: _write_pascal_split(build, category, split, config) for split in PASCAL_SPLITS},
            }
            for category in config.categories
        }
        totals = {split: sum(len(entry["splits"][split]) for entry in classes.values()) for split in PASCAL_SPLITS}
        return _layout_manifest("pascal_part", config, {"classes": classes, "totals": totals})

    return build_atomically(Path(out_dir), write)


def _write_pascal_split(root: Path, category: str, split: str, config: PascalPartSynthSettings) -> list[str]:
    """Still images (PNG) with int64 .npy label maps of one class's split; return their stems."""
    stems = [f"{category}_{split}_{i:02d}" for i in range(getattr(config, split))]
    for index, stem in enumerate(stems):
        rng = item_rng(config.seed, category, _PASCAL[split], index)
        image, labels = render_reference(category, rng, config.size, config.noise_std)
        write_image(pascal_part.split_dir(root, category, split) / f"{stem}.png", image)
        with atomic_output(pascal_part.split_dir(root, category, split) / f"{stem}.npy") as tmp:
            np.save(tmp, labels.astype(np.int64))
    return stems
