"""The toy DAVIS-2016 copy, in its real layout."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from smite.data.davis import reader as davis
from smite.data.davis.synth import DavisSynthSettings, write_davis_sequence
from smite.data.toy import ToySettings, base_object, toy_rng


def write(root: Path, spec: dict[str, Any], settings: ToySettings) -> None:
    """DAVIS-2016: 480p JPEG frames, 0/255 object masks and the ImageSets split files (the synthetic set's
    sequence writer, under the config's sequence names)."""
    config = DavisSynthSettings(seed=settings.seed, size=settings.size, frames=settings.frames,
                              noise_std=settings.noise_std)
    for split in ("train", "val"):
        lines = [line for index, sequence in enumerate(spec[split])
                 for line in write_davis_sequence(root, sequence, base_object(index),
                                                  toy_rng(settings, "davis", sequence), config)]
        path = davis.split_file(root, split)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("".join(lines), encoding="utf-8")
