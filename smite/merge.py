"""Merging config mappings: a run's overrides into defaults, a run config into its `base:`."""

from __future__ import annotations

import copy
from typing import Any

from smite.errors import SmiteInputError


def deep_merge(base: dict[str, Any], override: dict[str, Any], *, null_removes: bool = False,
               where: str = "") -> dict[str, Any]:
    """A copy of base with override's keys replacing (recursively for mappings; lists are replaced whole).

    With `null_removes`, a `null` in override removes that key instead (run configs built on another).
    """
    if not isinstance(override, dict):
        raise SmiteInputError(None, f"method setting {where!r} must be a mapping, got {override!r}")
    merged = copy.deepcopy(base)
    for key, value in (override or {}).items():
        if value is None and null_removes:
            merged.pop(key, None)
        elif isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value, null_removes=null_removes)
        else:
            merged[key] = copy.deepcopy(value)
    return merged
