"""How the registries (smite.trackers, smite.energies, smite.passes) name what they hold: "module:attribute",
imported only when used, so that each registry stays below the code it names and free of torch."""

from __future__ import annotations

import importlib
from typing import Any


def named(reference: str) -> Any:
    """The object a registry entry names as "module:attribute" (its module imported on this call)."""
    module, attribute = reference.split(":")
    return getattr(importlib.import_module(module), attribute)
