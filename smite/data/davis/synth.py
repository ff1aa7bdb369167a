"""The synthetic stand-in in the DAVIS-2016 layout: single-object videos (object = all parts), every frame annotated."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from smite.atomic import atomic_output
from smite.data.davis import reader as davis
from smite.data.masks import save_grey_png
from smite.data.synth.common import build_atomically, check_config, item_rng, layout_manifest, plain_settings
from smite.data.synth.render import render_video
from smite.data.video import write_image

_DAVIS = {"train": 3, "val": 4}


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
        return layout_manifest("davis2016", config, body | {"totals": totals})

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


synthetic = plain_settings(DavisSynthSettings, generate_davis)  # the DatasetType's `synthetic`
