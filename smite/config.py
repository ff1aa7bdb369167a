"""Method configuration: the packaged defaults (paper values with sources) merged with a run's overrides."""

from __future__ import annotations

import copy
from importlib.resources import files
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from smite.errors import SmiteInputError

if TYPE_CHECKING:
    from smite.learn.train import TrainConfig


def load_defaults() -> dict[str, Any]:
    """The packaged smite/defaults.yaml."""
    return yaml.safe_load(files("smite").joinpath("defaults.yaml").read_text())


def deep_merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """A copy of base with override's keys replacing (recursively for mappings)."""
    merged = copy.deepcopy(base)
    for key, value in (override or {}).items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def method_config(overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """Defaults merged with overrides (the `method:` section of a run config)."""
    return deep_merge(load_defaults(), overrides or {})


def read_yaml(path: str | Path) -> dict[str, Any]:
    """A YAML mapping from a file, with one clear error when it is missing or malformed."""
    path = Path(path)
    try:
        content = yaml.safe_load(path.read_text())
    except (OSError, yaml.YAMLError) as error:
        raise SmiteInputError(path, f"cannot read YAML ({error})") from error
    if not isinstance(content, dict):
        raise SmiteInputError(path, "expected a YAML mapping")
    return content


def train_config(method: dict[str, Any], **changes: Any) -> TrainConfig:
    """TrainConfig from the merged method config (`changes` win, e.g. from command-line flags)."""
    from smite.learn.augment import AugmentConfig
    from smite.learn.train import TrainConfig

    section = {k: v for k, v in method["train"].items() if k not in ("augment", "shots")}
    section.update({k: v for k, v in changes.items() if v is not None})
    section.setdefault("seed", method["seed"])
    return TrainConfig(augment=AugmentConfig(**method["train"]["augment"]), **section)
