"""Evaluation protocols over the dataset readers: where a video is, which frames train, which are scored.

Two registries, so that the workflow scripts, the plan and the rules stay free of dataset-specific code and no
dataset name is compared as a string: `VIDEO_LAYOUTS` (per dataset that holds videos: where a video is, how it is
read) and `PROTOCOLS` (per collection, one evaluation protocol on one dataset, see smite.plan: which frames of a
video train its model, where its references come from, which shots settings leave frames out of scoring).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from smite.data import davis, pumavos, smite50
from smite.data.clip import Clip
from smite.errors import SmiteInputError


@dataclass(frozen=True)
class VideoLayout:
    """How a dataset holds its videos: `source(root, folder, video)` is a video file or frame folder, `clip(root,
    group, video, parts)` the video with its ground truth; `by_category`: videos are told apart by their category
    folder (SMITE-50), else by name alone."""

    source: Callable[[Path, str, str], Path]
    clip: Callable[[Path, str, str, list[str]], Clip]
    by_category: bool = False


VIDEO_LAYOUTS: dict[str, VideoLayout] = {
    "smite50": VideoLayout(lambda root, folder, video: smite50.video_path(root, folder, video),
                           lambda root, group, video, parts: smite50.load_video_clip(root, group, video, parts),
                           by_category=True),
    "pumavos": VideoLayout(lambda root, folder, video: pumavos.frames_dir(root, video),
                           lambda root, group, video, parts: pumavos.load_sequence(root, video, parts)),
    "davis2016": VideoLayout(lambda root, folder, video: davis.frames_dir(root, video),
                             lambda root, group, video, parts: davis.load_sequence(root, video)),
}


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
    """One collection's protocol on its `dataset` (a key under `datasets`). `training_frames(clip, shots)`: frames of
    the video itself that train its model; `references`: writes its REFS_DIR from the dataset (None: the dataset
    holds reference folders, at `references_in_dataset(group, shots)` under its root); `scoring_shots(spec)`: the
    shots settings whose training frames every setting leaves out of scoring."""

    dataset: str
    training_frames: Callable[[Clip, int], list[int]] = _no_frames
    references: References | None = None
    references_in_dataset: Callable[[str, int], str] = field(default=lambda group, shots: group)
    scoring_shots: Callable[[dict[str, Any]], list[int]] = field(default=lambda spec: [1])


PROTOCOLS: dict[str, Protocol] = {
    "smite50": Protocol("smite50"),
    "pumavos": Protocol("pumavos", pumavos.training_frames, _pumavos_references,
                        scoring_shots=lambda spec: list(spec["shots"])),
    "davis_zeroshot": Protocol("davis2016", references=_zero_shot_references),
    "davis_semi": Protocol("davis2016", _first_annotated, _semi_references),
    "pascal_part": Protocol("pascal_part", references_in_dataset=lambda group, shots: f"{group}/train_{shots}"),
}
# collection (one evaluation protocol, see smite.plan) -> the dataset (config key under `datasets`) it reads
COLLECTION_DATASET = {name: protocol.dataset for name, protocol in PROTOCOLS.items()}
DERIVED_REFERENCES = tuple(name for name, protocol in PROTOCOLS.items() if protocol.references)


def video_source(dataset: str, root: str | Path, folder: str, video: str) -> Path:
    """The video file or frame folder of one video (`folder` = the SMITE-50 category, else unused)."""
    if dataset not in VIDEO_LAYOUTS:
        raise ValueError(f"no videos in dataset {dataset!r}")
    return VIDEO_LAYOUTS[dataset].source(Path(root), folder, video)


def load_clip(collection: str, root: str | Path, group: str, video: str, parts: list[str]) -> Clip:
    """One video of a collection with its ground truth."""
    return VIDEO_LAYOUTS[COLLECTION_DATASET[collection]].clip(Path(root), group, video, parts)


def video_folder(collection: str, group: str) -> str:
    """Folder that tells a video apart within its dataset: the category where videos are stored by category."""
    layout = VIDEO_LAYOUTS.get(COLLECTION_DATASET[collection])
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
