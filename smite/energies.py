"""The guidance energies a method may name (`Method.energies`), one entry each, as smite.trackers holds the trackers.

An entry says which function computes the term from one guided slice's maps (`smite.guide.SliceMaps`), which
`InferenceSettings` field weighs it, and which of the slice's inputs it reads beside S. What the inputs need decides
what a method needs: only an energy that reads the voted labels (`VOTE`) makes a guided method read trajectories,
so a method guided by the low-pass regulariser alone runs without any.

A new energy is its function (in smite.guide.energy, or anywhere importable), one `ENERGIES` line naming it, and the
setting of its weight. Torch-free, beside the method registry: a function is imported when a slice is guided.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache
from typing import Any

from smite.registry import named

VOTE = "target"  # the slice's labels voted along the trajectories (Algorithm 1)
INPUTS = (VOTE, "reference", "mask")  # what a slice offers beside S: voted labels, S_ref, the low-pass mask


@dataclass(frozen=True)
class EnergyKind:
    """One term of E_total (paper eq. 7). `function` names, as "module:function", what computes it from a slice's
    maps; `weight_key` is the InferenceSettings field of its weight; `inputs` what of the slice it reads beside S."""

    function: str
    weight_key: str
    inputs: tuple[str, ...]

    def __post_init__(self) -> None:
        unknown = set(self.inputs) - set(INPUTS)
        if unknown:
            raise ValueError(f"energy inputs {sorted(unknown)} are none of {INPUTS}")


ENERGIES: dict[str, EnergyKind] = {
    "track": EnergyKind("smite.guide.energy:tracking_term", "lambda_track", (VOTE,)),  # eq. 5, paper 4.3
    "reg": EnergyKind("smite.guide.energy:lowpass_term", "lambda_reg", ("reference", "mask")),  # eq. 6, paper 4.4
}


def reads(names: Iterable[str], item: str) -> bool:
    """Whether any of the named energies reads `item` of a slice."""
    return any(item in ENERGIES[name].inputs for name in names)


@cache
def energy_function(name: str) -> Callable[[Any], Any]:
    """The function of energy `name` (imported on first use)."""
    return named(ENERGIES[name].function)
