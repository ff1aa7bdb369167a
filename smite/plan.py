"""What the DAG runs, from the run config: collections of videos, their groups, models and outputs.

A *collection* is one evaluation protocol on one dataset; a *group* owns one model (trained on one
reference folder) and the videos it segments:

* ``smite50``: a group per category, trained on the category's reference images (Tables 1-4, 8);
* ``pumavos``: a group per sequence, trained on 1 / 5 / 10 of its own frames (Tables 6-7);
* ``davis_zeroshot``: one group ``all``, trained on one frame of every DAVIS train video (Table 9);
* ``davis_semi``: a group per val sequence, trained on its first frame (Table 10).

* ``pascal_part``: a group per class, trained on its ``train_<shots>`` split; image segmentation of the
  test split (Tables 11-12), so its groups have no videos.
Kept out of the Snakefile so that it is plain, testable Python (Snakemake allows no logic in rules).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from smite.data.protocols import COLLECTION_DATASET

DAVIS_PARTS = ["background", "object"]
ZERO_SHOT_GROUP = "all"
# collections whose reference folders a rule derives from the dataset (else they lie in the dataset)
DERIVED_REFERENCES = ("pumavos", "davis_zeroshot", "davis_semi")


@dataclass(frozen=True)
class Group:
    """One model's scope: its parts, the videos it segments and per-group inference settings."""

    parts: list[str] | None  # None: the dataset's own (PUMaVOS part_1, part_2, ... from its palette)
    videos: list[str]
    settings: dict[str, Any] = field(default_factory=dict)
    text_parts: bool = True  # False: parts no word names (the paper's non-text category): GSAM2 cannot run


def smite50_groups(spec: dict[str, Any]) -> dict[str, Group]:
    """A group per SMITE-50 category with its lambda_track / vote window (paper 7.5)."""
    return {
        name: Group(list(c["parts"]), list(c["videos"]),
                    {k: c[k] for k in ("lambda_track", "vote_window") if k in c}, c.get("text_parts", True))
        for name, c in spec["categories"].items()
    }


def pumavos_groups(spec: dict[str, Any]) -> dict[str, Group]:
    """A group per PUMaVOS sequence: the model is trained on frames of that same video."""
    return {name: Group(list(s["parts"]) if s.get("parts") else None, [name], {}, s.get("text_parts", True))
            for name, s in spec["sequences"].items()}


def davis_zeroshot_groups(spec: dict[str, Any]) -> dict[str, Group]:
    """One model for every val sequence, trained on one frame per train video (paper 7.3)."""
    return {ZERO_SHOT_GROUP: Group(DAVIS_PARTS, list(spec["val"]))}


def davis_semi_groups(spec: dict[str, Any]) -> dict[str, Group]:
    """A model per val sequence, trained on its first frame (paper 7.3)."""
    return {name: Group(DAVIS_PARTS, [name]) for name in spec["val"]}


def pascal_part_groups(spec: dict[str, Any]) -> dict[str, Group]:
    """A model per PASCAL-Part class, trained on its train_<shots> split; it segments images, not videos."""
    return {name: Group(list(c["parts"]), []) for name, c in spec["classes"].items()}


GROUP_BUILDERS = {"smite50": smite50_groups, "pumavos": pumavos_groups, "davis_zeroshot": davis_zeroshot_groups,
                  "davis_semi": davis_semi_groups, "pascal_part": pascal_part_groups}


def collections(config: dict[str, Any]) -> dict[str, dict[str, Group]]:
    """Collection -> group -> Group, for the datasets the config names."""
    datasets = config["datasets"]
    return {name: GROUP_BUILDERS[name](datasets[dataset])
            for name, dataset in COLLECTION_DATASET.items() if dataset in datasets}


def video_folder(collection: str, group: str) -> str:
    """Folder that tells a video apart within its dataset: the category for SMITE-50, else none."""
    return group if collection == "smite50" else "-"


def zero_shot_shots(config: dict[str, Any]) -> int:
    """Reference count of the DAVIS zero-shot model: one frame per train video."""
    return len(config["datasets"]["davis2016"]["train"])
