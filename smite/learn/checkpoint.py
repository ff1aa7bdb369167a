"""Checkpoints: one .safetensors file of learned tensors with JSON metadata (parts, backbone, curve)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import torch
from safetensors import SafetensorError, safe_open
from safetensors.torch import load_file, save_file

from smite.atomic import atomic_output
from smite.errors import SmiteInputError

METADATA_KEY = "smite"
FORMAT_VERSION = 1


def save_checkpoint(path: str | Path, state: dict[str, torch.Tensor], metadata: dict[str, Any]) -> None:
    """Write atomically (temporary file, then rename) so no half-written checkpoint is ever seen."""
    body = {"format_version": FORMAT_VERSION, **metadata}
    tensors = {key: value.contiguous() for key, value in state.items()}
    with atomic_output(path) as temporary:
        save_file(tensors, str(temporary), metadata={METADATA_KEY: json.dumps(body)})


def load_checkpoint(path: str | Path) -> tuple[dict[str, torch.Tensor], dict[str, Any]]:
    """Tensors and metadata; one clear error for a missing, corrupt or foreign file."""
    path = Path(path)
    if not path.is_file():
        raise SmiteInputError(path, "checkpoint not found")
    try:
        state = load_file(str(path))

        with safe_open(str(path), framework="pt") as handle:
            raw = (handle.metadata() or {}).get(METADATA_KEY)
    except (SafetensorError, OSError, ValueError) as error:
        raise SmiteInputError(path, f"not a readable safetensors checkpoint ({error})") from error
    if raw is None or "part_embeddings" not in state:
        raise SmiteInputError(path, "not a SMITE checkpoint (no smite metadata or part embeddings)")
    metadata = json.loads(raw)
    if metadata.get("format_version") != FORMAT_VERSION:
        raise SmiteInputError(path, f"checkpoint format {metadata.get('format_version')} is not {FORMAT_VERSION}")
    return state, metadata


def check_backbone(path: str | Path, metadata: dict[str, Any], identity: dict[str, Any]) -> None:
    """Refuse a checkpoint trained on another backbone (its tokens would mean nothing here)."""
    if metadata.get("backbone") != identity:
        raise SmiteInputError(
            path, f"checkpoint was trained on backbone {metadata.get('backbone')}, not {identity}"
        )
