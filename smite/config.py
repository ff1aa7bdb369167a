"""Method configuration: a run's `method:` overrides applied to the declared settings (smite.settings) and checked,
the typed settings objects the library reads, and the run-config files around them.

Outside this module the library reads settings as attributes (`settings.inference.window`), never by string key.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any, TypeVar

import yaml

from smite.errors import SmiteInputError
from smite.merge import deep_merge
from smite.setting_kinds import convert
from smite.settings import (
    SECTION,
    InferenceSettings,
    MethodSettings,
    TrainSettings,
    hints,
    setting_path,
)

T = TypeVar("T")


def method_settings(overrides: dict[str, Any] | None = None, source: str | Path | None = None) -> MethodSettings:
    """The method settings of a run: the declared defaults (smite.settings) with `overrides` (the `method:` section
    of a run config, a group's additions) applied, every value checked.

    The one check every entry point shares (the `smite` command, the DAG's jobs, library callers): a key that is
    not declared, a value of another type or outside its range, or values that contradict each other (overlap >=
    window, ...) is a SmiteInputError naming the setting and `source`, the file the overrides came from.
    """
    return override(MethodSettings(), overrides or {}, source)


def override(settings: MethodSettings, overrides: dict[str, Any], source: str | Path | None = None) -> MethodSettings:
    """`settings` with more overrides applied (a config mapping, as in a run config's `method:`), checked."""
    try:
        return build_section(MethodSettings, overrides, "", settings)
    except SmiteInputError as error:
        raise SmiteInputError(source, error.problem) from None


def build_section(cls: type[T], overrides: Any, path: str = "", base: Any = None) -> T:
    """Section `cls` from `base` (default: its declared defaults) with `overrides` (a config mapping) applied."""
    if not isinstance(overrides, dict):
        raise SmiteInputError(None, f"method{'.' + path if path else ''} must be a mapping, got {overrides!r}")
    base = base if base is not None else cls()
    fields = {f.name: f for f in dataclasses.fields(cls)}
    unknown = sorted(set(overrides) - set(fields))
    if unknown:
        raise SmiteInputError(None, f"unknown method setting {setting_path(path, unknown[0])!r} "
                                    f"(known here: {', '.join(sorted(fields))})")
    changes = {}
    for name, value in overrides.items():
        current, where = getattr(base, name), setting_path(path, name)
        if SECTION in fields[name].metadata:
            changes[name] = build_section(type(current), value, where, current)
        else:
            changes[name] = convert(hints(cls)[name], current, value, where)
    return dataclasses.replace(base, **changes) if changes else base


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


def train_settings(settings: MethodSettings | None = None, **changes: Any) -> TrainSettings:
    """A run's training settings (the declared defaults when `settings` is None) with `changes` that are not None
    (command-line flags, tests) applied and checked."""
    return _changed((settings or MethodSettings()).train, changes)


def inference_settings(settings: MethodSettings | None = None, **changes: Any) -> InferenceSettings:
    """A run's inference settings (the declared defaults when `settings` is None) with `changes` applied and checked."""
    return _changed((settings or MethodSettings()).inference, changes)


def _changed(section: T, changes: dict[str, Any]) -> T:
    changes = {k: v for k, v in changes.items() if v is not None}
    return build_section(type(section), changes, type(section).path, section)
