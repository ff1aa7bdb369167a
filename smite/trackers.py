"""The point trackers a run may name (`inference.tracker`), one entry each, as smite.methods holds the methods.

An entry says how the tracker is built, which pretrained weights it loads (`models.<model_key>`, fetched and checked
before the jobs run), which section of the inference settings configures it (`inference.<settings>`) and which
package its model code needs where the jobs run. A new tracker is a class with the Tracker protocol
(smite.track.base) and a `from_settings(settings, weights)` beside it, one `TRACKERS` line naming that function, and
its settings, if any, one section in smite.settings.

Beside the method registry, below the settings that list its names, and importing neither numpy nor torch: a
builder imports its tracker (smite.track) when called.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from smite.errors import SmiteInputError
from smite.hub import COTRACKER_INSTALL, model_file
from smite.registry import named


@dataclass(frozen=True)
class TrackerKind:
    """One tracker. `factory` names, as "module:function", what makes it from its settings section (None when it has
    none) and its weights file (None when it loads none); it is imported only when the tracker is built, so that this
    registry sits below the settings and the trackers above them."""

    factory: str
    doc: str
    model_key: str | None = None  # models.<key>: the pretrained weights it loads
    settings: str | None = None  # its section of the inference settings: inference.<settings>
    package: str | None = None  # a module its model code comes from, which must import where the jobs run
    install: str = ""  # how to install that package


TRACKERS: dict[str, TrackerKind] = {
    "flow": TrackerKind("smite.track.flow:from_settings", "OpenCV DIS optical flow (the embedded default; no weights)"),
    "cotracker3": TrackerKind("smite.track.cotracker:from_settings", "CoTracker3 offline (paper 4.3)",
                              model_key="cotracker3",
                              settings="cotracker3", package="cotracker.predictor", install=COTRACKER_INSTALL),
}


def tracker_kind(name: str) -> TrackerKind:
    """The registry entry of tracker `name`, or a SmiteInputError listing the trackers there are."""
    if name not in TRACKERS:
        raise SmiteInputError(None, f"unknown tracker {name!r}: use {' or '.join(TRACKERS)}")
    return TRACKERS[name]


def make_tracker(name: str, inference: Any, weights: Any = None) -> Any:
    """The point tracker `name`, configured by its section of `inference` (InferenceSettings); `weights`: the ModelSpec
    of its `models.<model_key>` when it loads any."""
    kind = tracker_kind(name)
    path = None
    if kind.model_key is not None:
        if weights is None:
            raise SmiteInputError(None, f"the tracker {name} needs its weights (models.{kind.model_key})")
        path = model_file(weights)
    factory: Callable[[Any, Path | None], Any] = named(kind.factory)
    return factory(getattr(inference, kind.settings) if kind.settings else None, path)


def tracker_problem(name: str) -> str | None:
    """None when the package tracker `name`'s model code comes from imports here (or it needs none), else one line."""
    kind = tracker_kind(name)
    if kind.package is None:
        return None
    try:
        importlib.import_module(kind.package)
    except ImportError as error:
        return f"the tracker {name} needs the `{kind.package.split('.')[0]}` package ({error}): {kind.install}"
    return None
