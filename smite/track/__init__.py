"""Point tracking for temporal voting: the Tracker protocol, the optical-flow and CoTracker3 trackers (their registry:
smite.trackers), the cache.

The CoTracker3 tracker lives in :mod:`smite.track.cotracker` and imports torch and the ``cotracker``
package only when used.
"""

from smite.track.base import Tracker, check_track_inputs, pin_queries
from smite.track.cache import (
    ClipTracks,
    TrackCache,
    build_track_cache,
    grid_queries,
    grid_to_pixel,
    load_track_cache,
    pixel_to_grid,
    save_track_cache,
    window_offsets,
)
from smite.track.flow import FlowTracker

__all__ = [
    "ClipTracks",
    "FlowTracker",
    "TrackCache",
    "Tracker",
    "build_track_cache",
    "check_track_inputs",
    "grid_queries",
    "grid_to_pixel",
    "load_track_cache",
    "pin_queries",
    "pixel_to_grid",
    "save_track_cache",
    "window_offsets",
]
