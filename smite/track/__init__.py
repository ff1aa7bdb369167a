"""Point tracking for temporal voting: the Tracker protocol, the optical-flow and CoTracker3 trackers (their
registry: smite.trackers), the trajectory cache.

Names are imported when first used (PEP 562), so that importing one module of the package loads neither OpenCV nor
scipy unless it needs them; the CoTracker3 tracker (smite.track.cotracker) imports torch and `cotracker` only when
built.
"""

from __future__ import annotations

import importlib
from typing import Any

_HOMES = {
    "Tracker": "base", "check_track_inputs": "base", "pin_queries": "base",
    "ClipTracks": "cache", "TrackCache": "cache", "build_track_cache": "cache", "grid_queries": "cache",
    "grid_to_pixel": "cache", "load_track_cache": "cache", "pixel_to_grid": "cache", "save_track_cache": "cache",
    "window_offsets": "cache",
    "FlowTracker": "flow",
}
__all__ = sorted(_HOMES)


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module 'smite.track' has no attribute {name!r}")
    return getattr(importlib.import_module(f"smite.track.{_HOMES[name]}"), name)
