"""The synthetic benchmark in the SMITE-50 layout: its settings, one generator per item, and the folder written
atomically with its manifest."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from smite.atomic import atomic_output
from smite.data.references import save_references
from smite.data.smite50.reader import FRAMES_NUMBERS, GROUND_TRUTH_DIR, VIDEOS_DIR, write_ground_truth
from smite.data.synth.common import build_atomically, check_config, item_rng, plain_settings
from smite.data.synth.objects import CATEGORY_PARTS
from smite.data.synth.render import render_reference, render_video
from smite.data.video import write_video

_REFERENCE, _VIDEO = 0, 1
FPS = 24.0


@dataclass(frozen=True)
class SynthSettings:
    """Size and randomness of a synthetic benchmark."""

    seed: int = 0
    size: int = 128
    references_per_category: int = 10
    videos_per_category: int = 3
    min_frames: int = 24
    max_frames: int = 36
    annotate_every: int = 4
    noise_std: float = 4.0
    categories: tuple[str, ...] = ("robot", "fish", "glyph")

    def __post_init__(self) -> None:
        check_config(
            self,
            [
                (self.references_per_category < 1, "references_per_category must be at least 1"),
                (self.videos_per_category < 1, "videos_per_category must be at least 1"),
                (not 1 <= self.min_frames <= self.max_frames, "need 1 <= min_frames <= max_frames"),
                (not 3 <= self.annotate_every <= 5, f"annotate_every must be 3..5, got {self.annotate_every}"),
            ],
        )


# ----------------------------------------------------------------------------- benchmark


def _write_category(root: Path, category: str, config: SynthSettings) -> dict:
    """Write one category's references, videos and ground truth; return its manifest entry."""
    parts = list(CATEGORY_PARTS[category])
    names = [f"{category}_ref{i:02d}" for i in range(config.references_per_category)]
    pairs = [
        render_reference(category, item_rng(config.seed, category, _REFERENCE, i), config.size, config.noise_std)
        for i in range(len(names))
    ]
    save_references(root / category, [p[0] for p in pairs], [p[1] for p in pairs], parts, names)
    videos = {}
    for index in range(config.videos_per_category):
        name = f"{category}_{index:02d}"
        videos[name] = _write_video_item(root, category, name, item_rng(config.seed, category, _VIDEO, index), config)
    return {"parts": parts, "references": names, "videos": videos}


def _write_video_item(root: Path, category: str, name: str, rng: np.random.Generator, config: SynthSettings) -> dict:
    """Render one video; write it, frames_numbers.txt and the ground truth of its annotated frames."""
    num_frames = int(rng.integers(config.min_frames, config.max_frames + 1))
    frames, labels = render_video(category, rng, num_frames, config.size, config.noise_std)
    annotated = list(range(0, num_frames, config.annotate_every))
    folder = root / VIDEOS_DIR / category / name
    write_video(folder / f"{name}.mp4", frames, FPS, kind="lossless")
    with atomic_output(folder / FRAMES_NUMBERS) as tmp:
        tmp.write_text(f"{annotated}\n", encoding="utf-8")
    for frame in annotated:
        write_ground_truth(
            root / GROUND_TRUTH_DIR / category / name / f"{frame:05d}",
            labels[frame],
            CATEGORY_PARTS[category],
        )
    return {"frames": num_frames, "fps": FPS, "annotated": annotated}


def generate_benchmark(out_dir: str | Path, config: SynthSettings | None = None) -> dict:
    """Write a synthetic benchmark in the SMITE-50 layout plus manifest.json; return the manifest.

    The benchmark is built in a temporary sibling folder and moved into place at the end, so
    `out_dir` is either absent, the previous benchmark, or complete. An existing `out_dir` must
    hold no files or an earlier benchmark (manifest.json), which is replaced.
    """
    config = config or SynthSettings()

    def write(build: Path) -> dict:
        return _manifest(config, {category: _write_category(build, category, config) for category in config.categories})

    return build_atomically(Path(out_dir), write)


def _manifest(config: SynthSettings, categories: dict) -> dict:
    """JSON-ready description: config, per-category parts/references/videos and totals."""
    videos = [video for entry in categories.values() for video in entry["videos"].values()]
    totals = {
        "references": sum(len(entry["references"]) for entry in categories.values()),
        "videos": len(videos),
        "frames": sum(video["frames"] for video in videos),
        "annotated_frames": sum(len(video["annotated"]) for video in videos),
    }
    config_dict = asdict(config) | {"categories": list(config.categories)}
    return {
        "generator": "smite.data.synth",
        "config": config_dict,
        "categories": categories,
        "totals": totals,
    }


synthetic = plain_settings(SynthSettings, generate_benchmark)  # the DatasetType's `synthetic`
