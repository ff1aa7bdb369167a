"""SMITE-50's collection: a model per category, with the category's settings (paper 7.5)."""

from __future__ import annotations

from typing import Any

from smite.data.kinds import Group

# a SMITE-50 category's inference settings (paper 7.5); `augment` and the paper's vote window are handled apart
CATEGORY_INFERENCE_KEYS = ("lambda_track", "vote_window", "tiles")


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


def groups(spec: dict[str, Any], config: dict[str, Any] | None = None) -> dict[str, Group]:
    """A group per SMITE-50 category with its lambda_track, vote window (paper 7.5) and augmentation; the run-level
    switch `paper_vote_windows` (default false) gives each its paper vote window instead of the authors' code's."""
    paper_vote_windows = bool((config or {}).get("paper_vote_windows", False))
    return {
        name: Group(list(c["parts"]), list(c["videos"]), category_overrides(c, paper_vote_windows),
                    c.get("text_parts", True))
        for name, c in spec["categories"].items()
    }
