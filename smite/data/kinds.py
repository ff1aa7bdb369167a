"""The types the dataset packages and the dataset registries share: what a dataset is (`DatasetType`, its videos'
`VideoLayout`) and one model's scope in a collection (`Group`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from smite.data.clip import Clip


@dataclass(frozen=True)
class VideoLayout:
    """How a dataset holds its videos: `source(root, folder, video)` is a video file or frame folder, `clip(root,
    group, video, parts)` the video with its ground truth; `by_category`: videos are told apart by their category
    folder (SMITE-50), else by name alone; `annotated(root, folder, video)` its annotated frame indices, read
    without decoding (None: every frame is annotated)."""

    source: Callable[[Path, str, str], Path]
    clip: Callable[[Path, str, str, list[str]], Clip]
    by_category: bool = False
    annotated: Callable[[Path, str, str], list[int]] | None = None


@dataclass(frozen=True)
class DatasetType:
    """What the project does with one dataset: `items(root)` lists what a complete copy holds (categories,
    sequences or classes: a download or a copy made by hand is checked with it); `synthetic(out_dir, **settings)`
    writes its synthetic stand-in; `toy(folder, spec, settings)` a toy copy in its real layout (smoke runs);
    `videos` says where its videos are and how they are read (None: images only); `statistics(root)` is its
    row of Table 5 (None: not in Table 5)."""

    items: Callable[[Path], list[str]]
    synthetic: Callable[..., dict]
    toy: Callable[[Path, dict[str, Any], Any], None]
    videos: VideoLayout | None = None
    statistics: Callable[[Path], dict[str, Any]] | None = None


@dataclass(frozen=True)
class Group:
    """One model's scope: its parts, the videos it segments and its overrides of the run's method config."""

    parts: list[str] | None  # None: the dataset's own (PUMaVOS part_1, part_2, ... from its palette)
    videos: list[str]
    # deep-merged over the run's `method:` for this group's training, tracking and segmentation, e.g.
    # {"inference": {"lambda_track": 1.0, "vote_window": 15}, "train": {"augment": {"crop_min_ratio": 0.8}}}
    overrides: dict[str, Any] = field(default_factory=dict)
    text_parts: bool = True  # False: parts no word names (the paper's non-text category): GSAM2 cannot run
