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


def deep_merge(base: dict[str, Any], override: dict[str, Any], *, null_removes: bool = False) -> dict[str, Any]:
    """A copy of base with override's keys replacing (recursively for mappings; lists are replaced whole).

    With `null_removes`, a `null` in override removes that key instead (run configs built on another).
    """
    merged = copy.deepcopy(base)
    for key, value in (override or {}).items():
        if value is None and null_removes:
            merged.pop(key, None)
        elif isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value, null_removes=null_removes)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def method_config(overrides: dict[str, Any] | None = None, source: str | Path | None = None) -> dict[str, Any]:
    """Defaults merged with overrides (the `method:` section of a run config), checked against the defaults.

    The one check every entry point shares (the `smite` command, the DAG's jobs, library callers): a key
    the defaults do not have, or a value of another type, is a SmiteInputError naming the key (and
    `source`, the file the overrides came from).
    """
    defaults = load_defaults()
    check_overrides(defaults, overrides or {}, source)
    return deep_merge(defaults, overrides or {})


def check_overrides(defaults: dict[str, Any], overrides: dict[str, Any], source: str | Path | None = None,
                    prefix: str = "") -> None:
    """SmiteInputError for the first override key missing from `defaults` or of a different type."""
    if not isinstance(overrides, dict):
        raise SmiteInputError(source, f"method{'.' + prefix if prefix else ''} must be a mapping")
    for key, value in overrides.items():
        path = f"{prefix}.{key}" if prefix else str(key)
        if prefix == "backbone" and key != "name":  # a backbone's own settings (model configs) are free
            continue
        if key not in defaults:
            known = ", ".join(sorted(defaults))
            raise SmiteInputError(source, f"unknown method setting {path!r} (known here: {known})")
        default = defaults[key]
        if isinstance(default, dict):
            check_overrides(default, value, source, path)
        elif not _same_kind(default, value):
            raise SmiteInputError(source, f"method setting {path!r} must be {_kind(default)}, got {value!r}")


def _kind(value: Any) -> str:
    return {bool: "true or false", int: "an integer", float: "a number", str: "a string", list: "a list"}.get(
        type(value), type(value).__name__)


def _same_kind(default: Any, value: Any) -> bool:
    """Whether `value` may replace `default`: same type, an int for a float, anything for a null default."""
    if default is None:
        return True
    if isinstance(default, bool) or isinstance(value, bool):
        return isinstance(default, bool) and isinstance(value, bool)
    if isinstance(default, float):
        return isinstance(value, (int, float))
    return isinstance(value, type(default))


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


def overlay(base: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """`base` with `changes` merged in, where a `null` in `changes` removes that key (see deep_merge)."""
    return deep_merge(base, changes, null_removes=True)


def resolve_run_config(config: dict[str, Any]) -> dict[str, Any]:
    """A run config as read, or, when it names a `base:` run config (a path from the working directory),
    that base (itself resolved) overlaid with the rest of it (see `overlay`)."""
    if "base" not in config:
        return config
    changes = {key: value for key, value in config.items() if key != "base"}
    return overlay(resolve_run_config(read_yaml(config["base"])), changes)


def read_run_config(path: str | Path) -> dict[str, Any]:
    """A run config file (config/*.yaml), its `base:` applied."""
    return resolve_run_config(read_yaml(path))


def train_config(method: dict[str, Any], **changes: Any) -> TrainConfig:
    """TrainConfig from the merged method config (`changes` win, e.g. from command-line flags)."""
    from smite.learn.augment import AugmentConfig
    from smite.learn.train import TrainConfig

    section = {k: v for k, v in method["train"].items() if k not in ("augment", "shots")}
    section.update({k: v for k, v in changes.items() if v is not None})
    section.setdefault("seed", method["seed"])
    return TrainConfig(augment=AugmentConfig(**method["train"]["augment"]), **section)


def attention_grid(name: str, backbone_config: dict[str, Any]) -> int:
    """Side of the attention-map grid (the highest-resolution latent) without loading any weights."""
    if name in ("embedded", "sd21_random"):
        config = backbone_config[name]
        return config["image_size"] // 2 ** (len(config["vae"]["block_out_channels"]) - 1)
    return backbone_config["sd21"]["image_size"] // 8  # Stable Diffusion's VAE downsamples by 8
