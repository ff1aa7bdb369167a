"""The point trackers a run may name (`inference.tracker`), one entry each, as smite.guide's ENERGIES are.

An entry says how the tracker is built, which pretrained weights it loads (`models.<model_key>`, fetched and checked
before the jobs run), which section of the inference settings configures it (`inference.<settings>`) and which
package its model code needs where the jobs run. A new tracker is a class with the Tracker protocol
(smite.track.base) and one `TRACKERS` line; its settings, if any, one section in smite.settings.

This module imports neither numpy nor torch (the settings list its names): a builder imports its tracker when called.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from smite.errors import SmiteInputError

COTRACKER_INSTALL = "pip install 'smite[paper]' (CoTracker from its repository, CC-BY-NC 4.0)"


@dataclass(frozen=True)
class TrackerKind:
    """One tracker: `build(settings, weights)` makes it from its settings section (None when it has none) and its
    weights file (None when it loads none)."""

    build: Callable[[Any, Path | None], Any]
    doc: str
    model_key: str | None = None  # models.<key>: the pretrained weights it loads
    settings: str | None = None  # its section of the inference settings: inference.<settings>
    package: str | None = None  # a module its model code comes from, which must import where the jobs run
    install: str = ""  # how to install that package


def _flow(settings: Any, weights: Path | None) -> Any:
    from smite.track.flow import FlowTracker

    return FlowTracker()


def _cotracker3(settings: Any, weights: Path | None) -> Any:
    from smite.track.cotracker import CoTracker3Tracker

    return CoTracker3Tracker(weights=weights, interp_shape=settings.interp_shape, input_max=settings.input_max,
                             max_queries=settings.max_queries)


TRACKERS: dict[str, TrackerKind] = {
    "flow": TrackerKind(_flow, "OpenCV DIS optical flow (the embedded default; no weights)"),
    "cotracker3": TrackerKind(_cotracker3, "CoTracker3 offline (paper 4.3)", model_key="cotracker3",
                              settings="cotracker3", package="cotracker.predictor", install=COTRACKER_INSTALL),
}


def tracker_kind(name: str) -> TrackerKind:
    """The registry entry of tracker `name`, or a SmiteInputError listing the trackers there are."""
    if name not in TRACKERS:
        raise SmiteInputError(None, f"unknown tracker {name!r}: use {' or '.join(TRACKERS)}")
    return TRACKERS[name]


def make_tracker(name: str, inference: Any, weights: Any = None) -> Any:
    """The point tracker `name`, configured by its section of `inference` (InferenceConfig); `weights`: the ModelSpec
    of its `models.<model_key>` when it loads any."""
    kind = tracker_kind(name)
    path = None
    if kind.model_key is not None:
        if weights is None:
            raise SmiteInputError(None, f"the tracker {name} needs its weights (models.{kind.model_key})")
        from smite.hub import model_file

        path = model_file(weights)
    return kind.build(getattr(inference, kind.settings) if kind.settings else None, path)


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
