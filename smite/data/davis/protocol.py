"""DAVIS-2016's two collections (paper 7.3): zero-shot (one model, a frame per train video) and semi-supervised
(a model per val sequence, on its first frame)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from smite.data.clip import Clip
from smite.data.davis import reader as davis
from smite.data.kinds import Group
from smite.errors import SmiteInputError

DAVIS_PARTS = ["background", "object"]


ZERO_SHOT_GROUP = "all"


def zero_shot_groups(spec: dict[str, Any], config: dict[str, Any] | None = None) -> dict[str, Group]:
    """One model for every val sequence, trained on one frame per train video (paper 7.3)."""
    return {ZERO_SHOT_GROUP: Group(DAVIS_PARTS, list(spec["val"]))}


def semi_groups(spec: dict[str, Any], config: dict[str, Any] | None = None) -> dict[str, Group]:
    """A model per val sequence, trained on its first frame (paper 7.3)."""
    return {name: Group(DAVIS_PARTS, [name]) for name in spec["val"]}


def write_zero_shot_references(root: Path, group: str, shots: int, out_dir: Path, spec: dict[str, Any],
                               parts: list[str]) -> None:
    """The zero-shot REFS_DIR: one frame per train video (paper 7.3); `shots` must be their count."""
    if shots != len(spec["train"]):
        raise SmiteInputError(out_dir, f"zero-shot references are one frame per train video ({len(spec['train'])}), "
                                       f"not {shots}")
    davis.zero_shot_references(root, list(spec["train"]), int(spec.get("zero_shot_seed", 0)), out_dir)


def write_semi_references(root: Path, group: str, shots: int, out_dir: Path, spec: dict[str, Any],
                          parts: list[str]) -> None:
    """A val sequence's semi-supervised REFS_DIR: its first annotated frame (paper 7.3)."""
    davis.semi_supervised_references(davis.load_sequence(root, group), out_dir)


def first_annotated(clip: Clip, shots: int) -> list[int]:
    """The semi-supervised protocol trains on a video's first annotated frame."""
    return [min(clip.labels)] if clip.labels else []
