"""The toy SMITE-50 copy, in the layout its authors ship."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from smite.data.references import save_references
from smite.data.smite50.reader import FRAMES_NUMBERS, GROUND_TRUTH_DIR, VIDEOS_DIR, write_ground_truth
from smite.data.smite50.synth import FPS
from smite.data.toy import ToySettings, base_object, toy_image, toy_video
from smite.data.video import write_video


def write(root: Path, spec: dict[str, Any], settings: ToySettings) -> None:
    """SMITE-50 as its authors ship it: reference folders, videos with frames_numbers.txt, per-part PNGs."""
    annotated = list(range(0, settings.frames, settings.annotate_every))
    for index, (category, entry) in enumerate(spec["categories"].items()):
        parts, base = list(entry["parts"]), base_object(index)
        pairs = [toy_image(base, settings, len(parts) - 1, category, "ref", str(i)) for i in range(settings.references)]
        names = [f"{category}_ref{i:02d}" for i in range(settings.references)]
        save_references(root / category, [p[0] for p in pairs], [p[1] for p in pairs], parts, names)
        for video in entry["videos"]:
            frames, labels = toy_video(base, settings, len(parts) - 1, category, video)
            folder = root / VIDEOS_DIR / category / video
            write_video(folder / f"{video}.mp4", frames, FPS, kind="lossless")
            (folder / FRAMES_NUMBERS).write_text(f"{annotated}\n", encoding="utf-8")
            for t in annotated:
                write_ground_truth(root / GROUND_TRUTH_DIR / category / video / f"{t:05d}", labels[t], parts)
