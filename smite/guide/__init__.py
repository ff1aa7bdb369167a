"""Spatio-temporal guidance (paper §4.3–4.4): temporal voting, low-pass regulariser, energies, latent update."""

from smite.guide.energy import (
    SliceMaps,
    energy_weights,
    part_weights,
    total_energy,
    tracking_energy,
)
from smite.guide.latent_adam import LatentAdam, guidance_step_size
from smite.guide.lowpass import kept_frequencies, lowpass_energy, lowpass_mask, spectrum
from smite.guide.voting import temporal_vote, vote_range

__all__ = [
    "LatentAdam",
    "SliceMaps",
    "energy_weights",
    "guidance_step_size",
    "kept_frequencies",
    "lowpass_energy",
    "lowpass_mask",
    "part_weights",
    "spectrum",
    "temporal_vote",
    "total_energy",
    "tracking_energy",
    "vote_range",
]
