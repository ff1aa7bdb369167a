"""Evaluation protocols over the dataset readers: where a video is, which frames train, which are scored.

One function per question, dispatching on the collection (see smite.plan): the workflow scripts call
these and stay free of dataset-specific code.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from smite.data import davis, pumavos, smite50
from smite.data.clip import Clip
from smite.errors import SmiteInputError

# collection (one evaluation protocol, see smite.plan) -> the dataset (config key under `datasets`) it reads
COLLECTION_DATASET = {"smite50": "smite50", "pumavos": "pumavos", "davis_zeroshot": "davis2016",
                      "davis_semi": "davis2016", "pascal_part": "pascal_part"}


def video_source(dataset: str, root: str | Path, folder: str, video: str) -> Path:
    """The video file or frame folder of one video (`folder` = the SMITE-50 category, else unused)."""
    if dataset == "smite50":
        return smite50.video_path(root, folder, video)
    if dataset == "pumavos":
        return pumavos.frames_dir(root, video)
    if dataset == "davis2016":
        return davis.frames_dir(root, video)
    raise ValueError(f"no videos in dataset {dataset!r}")


def load_clip(collection: str, root: str | Path, group: str, video: str, parts: list[str]) -> Clip:
    """One video of a collection with its ground truth."""
    dataset = COLLECTION_DATASET[collection]
    if dataset == "smite50":
        return smite50.load_video_clip(root, group, video, parts)
    if dataset == "pumavos":
        return pumavos.load_sequence(root, video, parts)
    return davis.load_sequence(root, video)


def training_frames(collection: str, clip: Clip, shots: int) -> list[int]:
    """Frames of the video itself that train its model (none when references are separate images)."""
    if collection == "pumavos":
        return pumavos.training_frames(clip, shots)
    if collection == "davis_semi":
        return [min(clip.labels)] if clip.labels else []
    return []


def held_out_frames(collection: str, clip: Clip, shots: Sequence[int]) -> set[int]:
    """Frames left out of scoring: every frame any shots setting trains on, so all settings share a test set."""
    return {frame for k in shots for frame in training_frames(collection, clip, k)}


def write_references(collection: str, root: str | Path, group: str, shots: int, out_dir: str | Path,
                     spec: dict[str, Any], parts: list[str]) -> None:
    """The REFS_DIR of a collection whose references come from videos (PUMaVOS, DAVIS)."""
    if collection == "pumavos":
        clip = pumavos.load_sequence(root, group, parts)
        pumavos.write_training_references(clip, pumavos.training_frames(clip, shots), out_dir)
    elif collection == "davis_zeroshot":
        if shots != len(spec["train"]):
            raise SmiteInputError(out_dir, f"zero-shot references are one frame per train video "
                                           f"({len(spec['train'])}), not {shots}")
        davis.zero_shot_references(root, list(spec["train"]), int(spec.get("zero_shot_seed", 0)), out_dir)
    elif collection == "davis_semi":
        davis.semi_supervised_references(davis.load_sequence(root, group), out_dir)
    else:
        raise ValueError(f"collection {collection!r} has its references in the dataset")
