"""Guidance energies (paper eqs. 5–7): E_total = lambda_track * E_track + lambda_reg * E_reg."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from smite.guide.lowpass import lowpass_energy
from smite.learn.losses import class_weights as part_weights  # the same weights as training


def tracking_energy(S: torch.Tensor, target_labels: torch.Tensor, weights: torch.Tensor | None = None) -> torch.Tensor:
    """E_track = class-weighted cross entropy of S (L, K, R, R) as logits against the voted labels (L, R, R).

    Weights default to part_weights of the target over the whole window; the reduction is the weighted
    mean over pixels (torch's cross_entropy with `weight`).
    """
    if weights is None:
        weights = part_weights(target_labels, S.shape[1])
    target = target_labels.to(S.device, torch.long)
    return F.cross_entropy(S, target, weight=weights.to(S.device, S.dtype))


def total_energy(
    S: torch.Tensor,
    S_ref: torch.Tensor,
    target_labels: torch.Tensor,
    mask: torch.Tensor,
    lambda_track: float,
    lambda_reg: float,
) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    """E_total (eq. 7) and its detached terms {"track", "reg"} for logging.

    A term whose weight is 0 is not computed (as in the authors' _compute_loss) and logs as 0.
    """
    zero = S.new_zeros(())
    track = tracking_energy(S, target_labels) if lambda_track else zero
    reg = lowpass_energy(S, S_ref, mask) if lambda_reg else zero
    total = lambda_track * track + lambda_reg * reg
    return total, {"track": track.detach(), "reg": reg.detach()}
