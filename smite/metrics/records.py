"""Metrics files: one JSON per scored segmentation, holding its scores and the run it scores.

The evaluation jobs write them and the tables read them through this module alone, so a table learns the
category and video of a score from the record, never from where the file lies.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from smite.atomic import write_atomic
from smite.errors import SmiteInputError

RUN_KEY = "run"  # the record's identity in the JSON; every other key is a score


@dataclass(frozen=True)
class ScoredRun:
    """What a metrics file scores: one method's segmentation of a video (or of a PASCAL-Part class's test images,
    `video` None) in a collection's group, with the checkpoint (training mode, shots) it segmented with, and the
    switch it was computed with, if any (Table R)."""

    collection: str
    group: str
    video: str | None
    method: str
    mode: str
    shots: int
    switch: str | None = None  # Table R: the smite.switches entry flipped (None: the method as configured)


@dataclass(frozen=True)
class MetricsRecord:
    """Scores (mIoU, F, J, flicker, per_part, ...) and the run they score (None: scored by `smite evaluate`)."""

    scores: dict[str, Any]
    run: ScoredRun | None = None

    def scored_run(self, path: str | Path) -> ScoredRun:
        """The run, which a table needs: one clear error naming the file when the record has none."""
        if self.run is None:
            raise SmiteInputError(path, "the metrics file names no run (it was not written by the workflow)")
        return self.run


def write_metrics(path: str | Path, scores: dict[str, Any], run: ScoredRun | None = None) -> Path:
    """Write a metrics record atomically: the run (if any) under "run", the scores beside it."""
    if RUN_KEY in scores:
        raise ValueError(f"a score may not be called {RUN_KEY!r}")
    record = {RUN_KEY: asdict(run), **scores} if run is not None else dict(scores)
    return write_atomic(path, json.dumps(record, indent=2))


def read_metrics(path: str | Path) -> MetricsRecord:
    """A metrics record; one clear error naming the file when it is not one."""
    try:
        data = json.loads(Path(path).read_text())
        run = data.pop(RUN_KEY, None)
        return MetricsRecord(data, ScoredRun(**run) if run is not None else None)
    except (OSError, ValueError, TypeError, AttributeError) as error:
        raise SmiteInputError(path, f"not a metrics record ({error})") from None
