"""PASCAL-Part's collection: a model per class, trained on its train_<shots> split (Tables 11-12)."""

from __future__ import annotations

from typing import Any

from smite.data.kinds import Group


def groups(spec: dict[str, Any], config: dict[str, Any] | None = None) -> dict[str, Group]:
    """A model per PASCAL-Part class, trained on its train_<shots> split; it segments images, not videos."""
    return {name: Group(list(c["parts"]), []) for name, c in spec["classes"].items()}
