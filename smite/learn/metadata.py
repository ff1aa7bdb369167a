"""A checkpoint's metadata, typed: what its tensors mean (parts, backbone) and how they were trained.

Written into the .safetensors header by smite.learn.checkpoint and read back here without loading a tensor
(or importing torch), so that the figures and tables read a training's curve and settings cheaply.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from safetensors import SafetensorError, safe_open

from smite.errors import SmiteInputError

METADATA_KEY = "smite"  # the safetensors header entry that holds the JSON
FORMAT_VERSION = 1


@dataclass(frozen=True)
class CheckpointInfo:
    """The metadata of one checkpoint (its JSON keys are the field names)."""

    parts: list[str]  # label k's part name; 0 is the background
    backbone: dict[str, Any]  # the backbone's identity: a checkpoint is refused on any other (check_backbone)
    backbone_name: str | None = None  # the backbone it was trained on (sd21, embedded, ...)
    train: dict[str, Any] = field(default_factory=dict)  # the training settings (smite.learn.train.config_dict)
    seed: int | None = None  # the run's seed (training's draws, augmentation and image order derive from it)
    references: list[str] = field(default_factory=list)  # the reference images' names
    best_epoch: int | None = None
    best_val_mIoU: float | None = None  # noqa: N815 (the paper's spelling, and the key of existing checkpoints)
    train_seconds: float | None = None
    curve: list[dict[str, float]] = field(default_factory=list)  # per epoch: loss terms, validation mIoU

    def to_json(self) -> str:
        return json.dumps({"format_version": FORMAT_VERSION, **asdict(self)})

    @classmethod
    def from_json(cls, raw: str, path: str | Path) -> CheckpointInfo:
        """Parse the header entry; one clear error naming the file for another format or missing fields."""
        data = json.loads(raw)
        if data.pop("format_version", None) != FORMAT_VERSION:
            raise SmiteInputError(path, f"checkpoint format is not {FORMAT_VERSION}")
        known = {f.name for f in fields(cls)}
        try:
            return cls(**{key: value for key, value in data.items() if key in known})
        except TypeError as error:
            raise SmiteInputError(path, f"checkpoint metadata is incomplete ({error})") from None


def read_checkpoint_info(path: str | Path) -> CheckpointInfo:
    """The metadata of a checkpoint file, without its tensors."""
    path = Path(path)
    if not path.is_file():
        raise SmiteInputError(path, "checkpoint not found")
    try:
        with safe_open(str(path), framework="numpy") as handle:
            raw = (handle.metadata() or {}).get(METADATA_KEY)
    except (SafetensorError, OSError, ValueError) as error:
        raise SmiteInputError(path, f"not a readable safetensors checkpoint ({error})") from error
    if raw is None:
        raise SmiteInputError(path, "not a SMITE checkpoint (no smite metadata)")
    return CheckpointInfo.from_json(raw, path)
