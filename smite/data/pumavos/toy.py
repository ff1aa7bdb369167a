"""The toy PUMaVOS copy, in its real layout."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from smite.data.masks import save_label_png
from smite.data.pumavos import reader as pumavos
from smite.data.toy import ToySettings, base_object, toy_video
from smite.data.video import write_image


def write(root: Path, spec: dict[str, Any], settings: ToySettings) -> None:
    """PUMaVOS: JPEG frames and palette annotations (every frame, as the tables score frames beyond the shots)."""
    for index, (sequence, entry) in enumerate(spec["sequences"].items()):
        foreground = len(entry["parts"]) - 1 if entry.get("parts") else settings.parts
        frames, labels = toy_video(base_object(index), replace(settings, frames=settings.pumavos_frames), foreground,
                                "pumavos", sequence)
        for t, (frame, label) in enumerate(zip(frames, labels, strict=True)):
            write_image(pumavos.frames_dir(root, sequence) / f"{t:05d}.jpg", frame)
            save_label_png(pumavos.annotations_dir(root, sequence) / f"{t:05d}.png", label)
