"""The passes a diffusion method's inference is made of (`Method.passes`), one entry each, as smite.energies holds the
energies.

A *window* pass computes a window's maps from its frames' posteriors and the maps of the pass before it (the first
has none); a *video* pass computes every frame's maps from the whole video's, after the windows. An entry names its
implementation, which scope it has, which trajectories it reads (the uses smite.track.plan plans) and whether its
latent updates descend the method's energies (then it reads its trajectories only for the energies that read the
voted labels). A new pass is a class with its scope's method (smite.segment.passes) and one `PASSES` line.

Torch-free, beside the method registry: an implementation is imported when a Segmenter is built.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from smite.registry import named

WINDOW, VIDEO = "window", "video"


@dataclass(frozen=True)
class PassKind:
    """One pass: `runner` names its class as "module:Class"; `scope` is WINDOW or VIDEO; `tracks` the trajectories it
    reads ("windows": each guided window's clip, "video": each frame's voting range over the video) or None;
    `descends`: its latent updates descend the method's energies."""

    runner: str
    scope: str
    doc: str
    tracks: str | None = None
    descends: bool = False


PASSES: dict[str, PassKind] = {
    "reference": PassKind("smite.segment.passes:ReferencePass", WINDOW,
                          "one forward at t ~ U[95, 104] with the empty prompt (S_ref; the output when unguided)"),
    "guided": PassKind("smite.segment.passes:GuidedPass", WINDOW,
                       "the last DDIM timesteps with latent updates on the energies (eqs. 7-8)",
                       tracks="windows", descends=True),
    "vote": PassKind("smite.segment.passes:PosthocVote", VIDEO,
                     "the frames' maps voted along the trajectories afterwards (Algorithm 1; Baseline-II)",
                     tracks="video"),
}


def pass_runner(name: str) -> Any:
    """The class implementing pass `name` (imported on call)."""
    return named(PASSES[name].runner)
