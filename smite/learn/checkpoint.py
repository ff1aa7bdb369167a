"""Checkpoints: one .safetensors file of learned tensors with JSON metadata (parts, backbone, curve)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, save_file

from smite.atomic import atomic_output
from smite.errors import SmiteInputError
from smite.learn.metadata import METADATA_KEY, CheckpointInfo, read_checkpoint_info


def save_checkpoint(path: str | Path, state: dict[str, torch.Tensor], info: CheckpointInfo) -> None:
    """Write atomically (temporary file, then rename) so no half-written checkpoint is ever seen."""
    tensors = {key: value.contiguous() for key, value in state.items()}
    with atomic_output(path) as temporary:
        save_file(tensors, str(temporary), metadata={METADATA_KEY: info.to_json()})


def load_checkpoint(path: str | Path) -> tuple[dict[str, torch.Tensor], CheckpointInfo]:
    """Tensors and metadata; one clear error for a missing, corrupt or foreign file."""
    info = read_checkpoint_info(path)
    try:
        state = load_file(str(path))
    except (SafetensorError, OSError, ValueError) as error:
        raise SmiteInputError(path, f"not a readable safetensors checkpoint ({error})") from error
    if "part_embeddings" not in state:
        raise SmiteInputError(path, "not a SMITE checkpoint (no part embeddings)")
    return state, info


def check_backbone(path: str | Path, info: CheckpointInfo, identity: dict[str, Any]) -> None:
    """Refuse a checkpoint trained on another backbone (its tokens would mean nothing here)."""
    if info.backbone != identity:
        raise SmiteInputError(path, f"checkpoint was trained on backbone {info.backbone}, not {identity}")
