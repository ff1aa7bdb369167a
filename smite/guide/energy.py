"""Guidance energies (paper eqs. 5–7): E_total = lambda_track * E_track + lambda_reg * E_reg, as named terms.

A new energy is a function of a slice's maps (`SliceMaps`) and one line in smite.energies' `ENERGIES` (the function,
the config key of its weight, the inputs it reads); a method uses it by naming it in its `energies` (smite.methods).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import torch
import torch.nn.functional as F

from smite.energies import ENERGIES, energy_function
from smite.guide.lowpass import lowpass_energy
from smite.learn.losses import class_weights as part_weights  # the same weights as training
from smite.settings import InferenceSettings


def tracking_energy(S: torch.Tensor, target_labels: torch.Tensor, weights: torch.Tensor | None = None) -> torch.Tensor:
    """E_track = class-weighted cross entropy of S (L, K, R, R) as logits against the voted labels (L, R, R).

    Weights default to part_weights of the target over the whole window; the reduction is the weighted
    mean over pixels (torch's cross_entropy with `weight`).
    """
    if weights is None:
        weights = part_weights(target_labels, S.shape[1])
    target = target_labels.to(S.device, torch.long)
    return F.cross_entropy(S, target, weight=weights.to(S.device, S.dtype))


@dataclass(frozen=True)
class SliceMaps:
    """What the energies of one guided slice compare: its maps S (L, K, R, R) and what smite.energies.INPUTS names:
    the reference S_ref of the same frames, the voted labels (L, R, R) and the low-pass mask (L, R, R). An input no
    named energy reads is None (a method guided without the tracking energy votes nothing)."""

    S: torch.Tensor
    reference: torch.Tensor | None
    target: torch.Tensor | None
    mask: torch.Tensor | None


def tracking_term(maps: SliceMaps) -> torch.Tensor:
    """E_track of a slice (eq. 5): its S against its voted labels."""
    return tracking_energy(maps.S, maps.target)


def lowpass_term(maps: SliceMaps) -> torch.Tensor:
    """E_reg of a slice (eq. 6): its S against S_ref in the low frequencies the mask keeps."""
    return lowpass_energy(maps.S, maps.reference, maps.mask)


def energy_weights(names: Sequence[str], inference: InferenceSettings) -> dict[str, float]:
    """Each named term's weight from the inference config (lambda_track, lambda_reg, ...)."""
    return {name: float(getattr(inference, ENERGIES[name].weight_key)) for name in names}


def total_energy(maps: SliceMaps, weights: Mapping[str, float]) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    """E_total (eq. 7): the weighted sum of the named terms, and each term detached for logging.

    A term whose weight is 0 is not computed (as in the authors' _compute_loss) and logs as 0.
    """
    total, terms = maps.S.new_zeros(()), {}
    for name, weight in weights.items():
        term = energy_function(name)(maps) if weight else maps.S.new_zeros(())
        total = total + weight * term
        terms[name] = term.detach()
    return total, terms
