"""Training losses of SLiMe/SMITE (appendix 7.5, authors' code): CE + alpha * MSE + beta * LDM."""

from __future__ import annotations

import torch
import torch.nn.functional as F


def class_weights(labels: torch.Tensor, num_parts: int) -> torch.Tensor:
    """weight_k = foreground pixels / pixels of part k (0 if absent); background weight 1."""
    counts = torch.bincount(labels.flatten(), minlength=num_parts).float()
    foreground = counts[1:].sum()
    weights = torch.where(counts > 0, foreground / counts.clamp_min(1), torch.zeros_like(counts))
    weights[0] = 1.0
    return weights


def cross_entropy_loss(cross_logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """Class-weighted CE of the raw part-token cross logits (B, K, R, R) against labels (B, R, R)."""
    return F.cross_entropy(cross_logits, labels, weight=class_weights(labels, cross_logits.shape[1]))


def was_mse_loss(was: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """||WAS - one-hot||^2 (mean over pixels and parts) x K, as in the authors' code."""
    parts = was.shape[1]
    one_hot = F.one_hot(labels, parts).permute(0, 3, 1, 2).to(was.dtype)
    return F.mse_loss(was, one_hot) * parts


def ldm_loss(noise_pred: torch.Tensor, noise: torch.Tensor) -> torch.Tensor:
    """The usual noise-prediction loss of latent diffusion."""
    return F.mse_loss(noise_pred.float(), noise.float())
