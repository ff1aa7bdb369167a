"""The datasets and evaluation protocols the project knows: one registry line per dataset, one per collection.

Two registries, so that the workflow scripts, the plan and the rules stay free of dataset-specific code and no
dataset name is compared as a string:

* `DATASET_TYPES`, per dataset (a key under a run config's `datasets:`): what a complete copy holds, its synthetic
  stand-in, its toy copy in the real layout, where its videos are and how they are read, its Table 5 statistics;
* `PROTOCOLS`, per collection (one evaluation protocol on one dataset, see smite.plan): its groups (one model
  each), which frames of a video train its model, where its references come from, which shots settings leave
  frames out of scoring.

A dataset is one package under smite/data/ (its reader, synthetic stand-in, toy copy, statistics and collections'
groups and reference writers) exporting its `DATASET`; a new one is that package and one line in each registry.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from smite.data import davis, pascal_part, pumavos, smite50
from smite.data.clip import Clip
from smite.data.kinds import DatasetType, Group

DATASET_TYPES: dict[str, DatasetType] = {
    "smite50": smite50.DATASET,
    "pumavos": pumavos.DATASET,
    "davis2016": davis.DATASET,
    "pascal_part": pascal_part.DATASET,
}
VIDEO_DATASETS = tuple(name for name, kind in DATASET_TYPES.items() if kind.videos is not None)
TABLE5_DATASETS = tuple(name for name, kind in DATASET_TYPES.items() if kind.statistics is not None)


def _no_frames(clip: Clip, shots: int) -> list[int]:
    return []


References = Callable[[Path, str, int, Path, dict[str, Any], list[str]], None]  # (root, group, shots, out, spec, parts)


@dataclass(frozen=True)
class Protocol:
    """One collection's protocol on its `dataset` (a key under `datasets`). `groups(spec, config)`: its groups from
    the dataset's config entry (and the run config's switches). `training_frames(clip, shots)`: frames of
    the video itself that train its model; `references`: writes its REFS_DIR from the dataset (None: the dataset
    holds reference folders, at `references_in_dataset(group, shots)` under its root); `scoring_shots(spec)`: the
    shots settings whose training frames every setting leaves out of scoring."""

    dataset: str
    groups: Callable[[dict[str, Any], dict[str, Any] | None], dict[str, Group]]
    training_frames: Callable[[Clip, int], list[int]] = _no_frames
    references: References | None = None
    references_in_dataset: Callable[[str, int], str] = field(default=lambda group, shots: group)
    scoring_shots: Callable[[dict[str, Any]], list[int]] = field(default=lambda spec: [1])


# the collections the paper's tables and figures are named by (smite.plan reads them through these names)
SMITE50, DAVIS_ZERO_SHOT, DAVIS_SEMI = "smite50", "davis_zeroshot", "davis_semi"
PROTOCOLS: dict[str, Protocol] = {
    SMITE50: Protocol("smite50", smite50.protocol.groups),
    "pumavos": Protocol("pumavos", pumavos.protocol.groups, pumavos.training_frames, pumavos.protocol.write_references,
                        scoring_shots=lambda spec: list(spec["shots"])),
    DAVIS_ZERO_SHOT: Protocol("davis2016", davis.protocol.zero_shot_groups,
                              references=davis.protocol.write_zero_shot_references),
    DAVIS_SEMI: Protocol("davis2016", davis.protocol.semi_groups, davis.protocol.first_annotated,
                         davis.protocol.write_semi_references),
    "pascal_part": Protocol("pascal_part", pascal_part.protocol.groups,
                            references_in_dataset=lambda group, shots: f"{group}/train_{shots}"),
}
# collection (one evaluation protocol, see smite.plan) -> the dataset (config key under `datasets`) it reads
COLLECTION_DATASET = {name: protocol.dataset for name, protocol in PROTOCOLS.items()}
DERIVED_REFERENCES = tuple(name for name, protocol in PROTOCOLS.items() if protocol.references)


def video_source(dataset: str, root: str | Path, folder: str, video: str) -> Path:
    """The video file or frame folder of one video (`folder` = the SMITE-50 category, else unused)."""
    layout = DATASET_TYPES[dataset].videos
    if layout is None:
        raise ValueError(f"no videos in dataset {dataset!r}")
    return layout.source(Path(root), folder, video)


def authors_video_length(count: int, annotated: Sequence[int], max_frames: int | None,
                         end_after_annotations: bool) -> int:
    """How many of a video's `count` frames the authors' scripts/inference.sh segments and scores.

    run.py reads at most `max_frames` (scripts/common/common_inference_params.sh: video_length=288, frame_rate 1,
    starting_frame 0). With the ground truth given (every category script sets gt_base_paths), utils/setup.py
    _process_ground_truth ends a video that has more than 3 frames after its last annotated one at the first of
    its last annotated frame + 5, + 4, + 3, + 2 frames that is a multiple of 4.
    """
    frames = list(range(min(count, max_frames) if max_frames else count))
    last = max(annotated, default=None)
    after = [index for index in frames if last is not None and index > last]
    if end_after_annotations and len(after) > 3:
        for candidate in reversed(after[:4]):
            kept = sum(1 for index in frames if index <= candidate)
            if kept % 4 == 0:
                return kept
    return len(frames)


def protocol_frames(dataset: str, root: str | Path, folder: str, video: str, protocol: dict[str, Any]) -> int | None:
    """The frames of one video a run tracks, segments and scores under its `video_protocol` (None: all of it)."""
    from smite.data.video import open_video

    layout = DATASET_TYPES[dataset].videos
    if layout is None:
        raise ValueError(f"no videos in dataset {dataset!r}")
    count = open_video(layout.source(Path(root), folder, video)).count
    annotated = layout.annotated(Path(root), folder, video) if layout.annotated else range(count)
    length = authors_video_length(count, list(annotated), protocol.get("max_frames"),
                                  bool(protocol.get("end_after_annotations")))
    return None if length == count else length


def load_clip(collection: str, root: str | Path, group: str, video: str, parts: list[str]) -> Clip:
    """One video of a collection with its ground truth."""
    layout = DATASET_TYPES[COLLECTION_DATASET[collection]].videos
    if layout is None:
        raise ValueError(f"collection {collection!r} has no videos")
    return layout.clip(Path(root), group, video, parts)


def video_folder(collection: str, group: str) -> str:
    """Folder that tells a video apart within its dataset: the category where videos are stored by category."""
    layout = DATASET_TYPES[COLLECTION_DATASET[collection]].videos
    return group if layout is not None and layout.by_category else "-"


def training_frames(collection: str, clip: Clip, shots: int) -> list[int]:
    """Frames of the video itself that train its model (none when references are separate images)."""
    return PROTOCOLS[collection].training_frames(clip, shots)


def held_out_frames(collection: str, clip: Clip, shots: Sequence[int]) -> set[int]:
    """Frames left out of scoring: every frame any shots setting trains on, so all settings share a test set."""
    return {frame for k in shots for frame in training_frames(collection, clip, k)}


def write_references(collection: str, root: str | Path, group: str, shots: int, out_dir: str | Path,
                     spec: dict[str, Any], parts: list[str]) -> None:
    """The REFS_DIR of a collection whose references come from videos (PUMaVOS, DAVIS)."""
    writer = PROTOCOLS[collection].references
    if writer is None:
        raise ValueError(f"collection {collection!r} has its references in the dataset")
    writer(Path(root), group, shots, Path(out_dir), spec, parts)
