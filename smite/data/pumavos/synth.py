"""The synthetic stand-in in the PUMaVOS layout: the synthetic objects' videos, every annotate_every-th frame
annotated."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from smite.data.masks import save_label_png
from smite.data.pumavos import reader as pumavos
from smite.data.synth.common import build_atomically, check_config, item_rng, layout_manifest, plain_settings
from smite.data.synth.objects import CATEGORY_PARTS
from smite.data.synth.render import render_video
from smite.data.video import write_image

_PUMAVOS = 2


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
        return layout_manifest("pumavos", config, {"fps": pumavos.FPS, "sequences": sequences, "totals": totals})

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


synthetic = plain_settings(PumavosSynthSettings, generate_pumavos)  # the DatasetType's `synthetic`
