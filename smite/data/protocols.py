"""The datasets and evaluation protocols the project knows: one registry line per dataset, one per collection.

Two registries, so that the workflow scripts, the plan and the rules stay free of dataset-specific code and no
dataset name is compared as a string:

* `DATASET_TYPES`, per dataset (a key under a run config's `datasets:`): what a complete copy holds, its synthetic
  stand-in, its toy copy in the real layout, where its videos are and how they are read, its Table 5 statistics;
* `PROTOCOLS`, per collection (one evaluation protocol on one dataset, see smite.plan): its groups (one model
  each), which frames of a video train its model, where its references come from, which shots settings leave
  frames out of scoring.

A new dataset is its module (reader, and whatever its toy writer and synthetic layout need) and one line in each.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from smite.data import davis, pumavos, smite50, statistics, toy
from smite.data.clip import Clip
from smite.data.synth import (
    DavisSynthSettings,
    PascalPartSynthSettings,
    PumavosSynthSettings,
    SynthSettings,
    generate_benchmark,
    generate_davis,
    generate_pascal_part,
    generate_pumavos,
)
from smite.errors import SmiteInputError


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


def _pascal_classes(root: Path) -> list[str]:
    return sorted(p.name for p in root.iterdir() if (p / "test").is_dir())


def _synthetic(config_type: type, generate: Callable[[Path, Any], dict]) -> Callable[..., dict]:
    """A generator of plain settings (a run config's `synth:` section): `config_type`'s fields."""
    return lambda out_dir, **settings: generate(out_dir, config_type(**settings))


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


DATASET_TYPES: dict[str, DatasetType] = {
    "smite50": DatasetType(
        smite50.list_categories, _synthetic(SynthSettings, generate_benchmark), toy.write_smite50,
        VideoLayout(lambda root, folder, video: smite50.video_path(root, folder, video),
                    lambda root, group, video, parts: smite50.load_video_clip(root, group, video, parts),
                    by_category=True, annotated=smite50.annotated_frames),
        statistics.smite50_statistics),
    "pumavos": DatasetType(
        pumavos.list_sequences, _synthetic(PumavosSynthSettings, generate_pumavos), toy.write_pumavos,
        VideoLayout(lambda root, folder, video: pumavos.frames_dir(root, video),
                    lambda root, group, video, parts: pumavos.load_sequence(root, video, parts)),
        statistics.pumavos_statistics),
    "davis2016": DatasetType(
        lambda root: davis.read_split(root, "val"), _synthetic(DavisSynthSettings, generate_davis), toy.write_davis,
        VideoLayout(lambda root, folder, video: davis.frames_dir(root, video),
                    lambda root, group, video, parts: davis.load_sequence(root, video)),
        statistics.davis_statistics),
    "pascal_part": DatasetType(_pascal_classes, _synthetic(PascalPartSynthSettings, generate_pascal_part),
                               toy.write_pascal_part),
}
VIDEO_DATASETS = tuple(name for name, kind in DATASET_TYPES.items() if kind.videos is not None)
TABLE5_DATASETS = tuple(name for name, kind in DATASET_TYPES.items() if kind.statistics is not None)


# -- collections: their groups (one model each) --------------------------------------------------------------
DAVIS_PARTS = ["background", "object"]
ZERO_SHOT_GROUP = "all"
# a SMITE-50 category's inference settings (paper 7.5); `augment` and the paper's vote window are handled apart
CATEGORY_INFERENCE_KEYS = ("lambda_track", "vote_window", "tiles")


@dataclass(frozen=True)
class Group:
    """One model's scope: its parts, the videos it segments and its overrides of the run's method config."""

    parts: list[str] | None  # None: the dataset's own (PUMaVOS part_1, part_2, ... from its palette)
    videos: list[str]
    # deep-merged over the run's `method:` for this group's training, tracking and segmentation, e.g.
    # {"inference": {"lambda_track": 1.0, "vote_window": 15}, "train": {"augment": {"crop_min_ratio": 0.8}}}
    overrides: dict[str, Any] = field(default_factory=dict)
    text_parts: bool = True  # False: parts no word names (the paper's non-text category): GSAM2 cannot run


def category_overrides(category: dict[str, Any], paper_vote_windows: bool = False) -> dict[str, Any]:
    """A SMITE-50 category's method overrides: lambda_track and vote window (paper 7.5), tiles, augmentation.

    The vote window is the category's `vote_window` (the authors' code: 15 for every category) unless
    `paper_vote_windows` asks for its `vote_window_paper` (paper 7.5: 7 for horses). `augment` holds
    train.augment fields (authors' scripts/configs/*.sh min_crop_ratio, utils/dataset.py rotation).
    """
    inference = {k: category[k] for k in CATEGORY_INFERENCE_KEYS if k in category}
    if paper_vote_windows and "vote_window_paper" in category:
        inference["vote_window"] = category["vote_window_paper"]
    overrides: dict[str, Any] = {}
    if inference:
        overrides["inference"] = inference
    if category.get("augment"):
        overrides["train"] = {"augment": dict(category["augment"])}
    return overrides


def smite50_groups(spec: dict[str, Any], config: dict[str, Any] | None = None) -> dict[str, Group]:
    """A group per SMITE-50 category with its lambda_track, vote window (paper 7.5) and augmentation; the run-level
    switch `paper_vote_windows` (default false) gives each its paper vote window instead of the authors' code's."""
    paper_vote_windows = bool((config or {}).get("paper_vote_windows", False))
    return {
        name: Group(list(c["parts"]), list(c["videos"]), category_overrides(c, paper_vote_windows),
                    c.get("text_parts", True))
        for name, c in spec["categories"].items()
    }


def pumavos_groups(spec: dict[str, Any], config: dict[str, Any] | None = None) -> dict[str, Group]:
    """A group per PUMaVOS sequence: the model is trained on frames of that same video."""
    return {name: Group(list(s["parts"]) if s.get("parts") else None, [name], {}, s.get("text_parts", True))
            for name, s in spec["sequences"].items()}


def davis_zeroshot_groups(spec: dict[str, Any], config: dict[str, Any] | None = None) -> dict[str, Group]:
    """One model for every val sequence, trained on one frame per train video (paper 7.3)."""
    return {ZERO_SHOT_GROUP: Group(DAVIS_PARTS, list(spec["val"]))}


def davis_semi_groups(spec: dict[str, Any], config: dict[str, Any] | None = None) -> dict[str, Group]:
    """A model per val sequence, trained on its first frame (paper 7.3)."""
    return {name: Group(DAVIS_PARTS, [name]) for name in spec["val"]}


def pascal_part_groups(spec: dict[str, Any], config: dict[str, Any] | None = None) -> dict[str, Group]:
    """A model per PASCAL-Part class, trained on its train_<shots> split; it segments images, not videos."""
    return {name: Group(list(c["parts"]), []) for name, c in spec["classes"].items()}


def _no_frames(clip: Clip, shots: int) -> list[int]:
    return []


def _first_annotated(clip: Clip, shots: int) -> list[int]:
    return [min(clip.labels)] if clip.labels else []


References = Callable[[Path, str, int, Path, dict[str, Any], list[str]], None]  # (root, group, shots, out, spec, parts)


def _pumavos_references(root: Path, group: str, shots: int, out_dir: Path, spec: dict[str, Any],
                        parts: list[str]) -> None:
    clip = pumavos.load_sequence(root, group, parts)
    pumavos.write_training_references(clip, pumavos.training_frames(clip, shots), out_dir)


def _zero_shot_references(root: Path, group: str, shots: int, out_dir: Path, spec: dict[str, Any],
                          parts: list[str]) -> None:
    if shots != len(spec["train"]):
        raise SmiteInputError(out_dir, f"zero-shot references are one frame per train video ({len(spec['train'])}), "
                                       f"not {shots}")
    davis.zero_shot_references(root, list(spec["train"]), int(spec.get("zero_shot_seed", 0)), out_dir)


def _semi_references(root: Path, group: str, shots: int, out_dir: Path, spec: dict[str, Any],
                     parts: list[str]) -> None:
    davis.semi_supervised_references(davis.load_sequence(root, group), out_dir)


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
    SMITE50: Protocol("smite50", smite50_groups),
    "pumavos": Protocol("pumavos", pumavos_groups, pumavos.training_frames, _pumavos_references,
                        scoring_shots=lambda spec: list(spec["shots"])),
    DAVIS_ZERO_SHOT: Protocol("davis2016", davis_zeroshot_groups, references=_zero_shot_references),
    DAVIS_SEMI: Protocol("davis2016", davis_semi_groups, _first_annotated, _semi_references),
    "pascal_part": Protocol("pascal_part", pascal_part_groups,
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
