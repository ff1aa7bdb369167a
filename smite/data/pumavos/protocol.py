"""PUMaVOS's collection: a model per sequence, trained on frames of that same video (Tables 6-7)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from smite.data.kinds import Group
from smite.data.pumavos import reader as pumavos


def groups(spec: dict[str, Any], config: dict[str, Any] | None = None) -> dict[str, Group]:
    """A group per PUMaVOS sequence: the model is trained on frames of that same video."""
    return {name: Group(list(s["parts"]) if s.get("parts") else None, [name], {}, s.get("text_parts", True))
            for name, s in spec["sequences"].items()}


def write_references(root: Path, group: str, shots: int, out_dir: Path, spec: dict[str, Any],
                     parts: list[str]) -> None:
    """A sequence's REFS_DIR: its first `shots` training frames (paper Tables 6-7)."""
    clip = pumavos.load_sequence(root, group, parts)
    pumavos.write_training_references(clip, pumavos.training_frames(clip, shots), out_dir)
