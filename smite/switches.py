"""Where the paper and the authors' code disagree: one named switch each, flipped one at a time for Table R.

The code is the default everywhere in this project; each `Switch` flips SMITE to the paper's reading (or to the
released configuration) on one point. `overrides(settings, category)` gives the method overrides that flip it for a
SMITE-50 category (its group's resolved settings and its run-config entry), or the reason it does not apply there
(the run tracks without CoTracker3, a category without tiles, ...). An inference switch segments with SMITE's own
checkpoint; a training switch trains a checkpoint of its own.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from smite.settings import MethodSettings

INFERENCE, TRAIN = "inference", "train"
Flip = Callable[[MethodSettings, dict[str, Any]], dict[str, Any] | str]


@dataclass(frozen=True)
class Switch:
    """One disagreement between the paper and the code: `label` is its row in Table R, `code` / `paper` what each
    does, `stage` whether it changes the inference or the training."""

    name: str
    label: str
    stage: str
    code: str
    paper: str
    flip: Flip

    def overrides(self, settings: MethodSettings, category: dict[str, Any]) -> dict[str, Any] | str:
        """The method overrides that flip it (a section: {key: value}), or why it does not apply."""
        return self.flip(settings, category)


def _set(stage: str, **values: Any) -> Flip:
    """Overrides setting `values` in a section; not applicable when the run already has them."""
    def flip(settings: MethodSettings, category: dict[str, Any]) -> dict[str, Any] | str:
        section = getattr(settings, stage)
        if all(getattr(section, key) == value for key, value in values.items()):
            return "the run already computes it"
        return {stage: dict(values)}
    return flip


def _cotracker_input(settings: MethodSettings, category: dict[str, Any]) -> dict[str, Any] | str:
    if settings.inference.tracker != "cotracker3":
        return f"the run tracks with {settings.inference.tracker}, not CoTracker3"
    if settings.inference.cotracker3.input_max == 255.0:
        return "the run already computes it"
    return {INFERENCE: {"cotracker3": {"input_max": 255.0}}}


def _tile_merge(settings: MethodSettings, category: dict[str, Any]) -> dict[str, Any] | str:
    if settings.inference.tiles == 1:
        return "the category is not tiled"
    return _set(INFERENCE, tile_merge="mean")(settings, category)


def _vote_window(settings: MethodSettings, category: dict[str, Any]) -> dict[str, Any] | str:
    paper = category.get("vote_window_paper")
    if paper is None or paper == settings.inference.vote_window:
        return "the paper's vote window is the run's"
    return {INFERENCE: {"vote_window": int(paper)}}


def _idle_epochs(settings: MethodSettings, category: dict[str, Any]) -> dict[str, Any] | str:
    train = settings.train
    every = train.phase2_idle_every
    if train.mode != "two-phase" or every == 0 or not any(e % every == 0 for e in range(train.phase1_epochs + 1,
                                                                                        train.epochs + 1)):
        return "no phase-2 epoch of the run is idle"
    return {TRAIN: {"phase2_idle_every": 0}}


SWITCHES: dict[str, Switch] = {s.name: s for s in (
    Switch("one_pass", "one pass on the whole frame", INFERENCE,
           "two passes, each frame on its own mask's box (scripts/inference.sh: hierarchical_segmentation)",
           "not described (inference.refinement: none)", _set(INFERENCE, refinement="none")),
    Switch("paper_box", "paper 7.5's crop box", INFERENCE, "two passes, a box per frame",
           "one box for the whole video when the object is small (7.5)", _set(INFERENCE, refinement="paper_box")),
    Switch("released_weights", "weights as released (0 / 0)", INFERENCE,
           "scripts/configs/*.sh: track_weight=0, regularization_weight=0",
           "7.5: lambda_Tracking 1 / 0.5 / 0.2 or 1, lambda_Reg set",
           _set(INFERENCE, lambda_track=0.0, lambda_reg=0.0)),
    Switch("inference_posterior_mean", "posterior mean at inference", INFERENCE,
           "a fresh VAE posterior sample per pass", "the encoder's latent (3)", _set(INFERENCE, posterior="mean")),
    Switch("cotracker_0_255", "CoTracker3 fed 0...255", INFERENCE, "frames in [0, 1] (preprocess_frames)",
           "CoTracker3 as published (4.3)", _cotracker_input),
    Switch("tiles_averaged", "tiles averaged", INFERENCE, "the last tile decides in overlaps",
           "not described (tile_merge: mean)", _tile_merge),
    Switch("paper_vote_window", "paper's vote window", INFERENCE, "15 frames for every category (apply_voting)",
           "7.5: 7 for horses", _vote_window),
    Switch("ldm_plain", "plain LDM term", TRAIN, "the LDM term on guidance-scaled noise (guidance_scale=100)",
           "eps_theta(z_t, t, y) (7.5)", _set(TRAIN, ldm_guidance_scale=1.0)),
    Switch("phase2_every_epoch", "every phase-2 epoch steps", TRAIN,
           "every 10th phase-2 epoch steps only the frozen embeddings", "not described", _idle_epochs),
    Switch("loss_unscaled", "loss unscaled", TRAIN, "loss x 0.01 before backward", "not described",
           _set(TRAIN, loss_scale=1.0)),
    Switch("train_posterior_mean", "posterior mean in training", TRAIN, "a fresh VAE posterior sample per step",
           "the encoder's latent (3)", _set(TRAIN, posterior="mean")),
)}
