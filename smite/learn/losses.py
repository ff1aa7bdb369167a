"""Training losses of SLiMe/SMITE (appendix 7.5, authors' code).

total = CE + alpha * MSE + beta * LDM (+ gamma * Fourier from a given epoch on), as the authors'
``compute_loss`` (src/training.py) combines them; the Fourier term is their ``frequency_loss``
(src/frequency_filter.py). Each function is checked against golden values computed by the authors'
code (tests/fixtures/authors/train_loss.npz).
"""

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
    weights = class_weights(labels, cross_logits.shape[1]).to(cross_logits.device)
    return F.cross_entropy(cross_logits.float(), labels, weight=weights)


def one_hot_maps(labels: torch.Tensor, parts: int) -> torch.Tensor:
    """Integer labels (B, R, R) -> float32 one-hot maps (B, K, R, R)."""
    return F.one_hot(labels, parts).permute(0, 3, 1, 2).float()


def was_mse_loss(was: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """||WAS - one-hot||^2 (mean over pixels and parts) x K, as in the authors' code."""
    parts = was.shape[1]
    return F.mse_loss(was.float(), one_hot_maps(labels, parts)) * parts


def ldm_loss(noise_pred: torch.Tensor, noise: torch.Tensor) -> torch.Tensor:
    """The usual noise-prediction loss of latent diffusion."""
    return F.mse_loss(noise_pred.float(), noise.float())


def high_pass_mask(size: tuple[int, int], cutoff: int, device: torch.device | None = None) -> torch.Tensor:
    """Complex 0/1 mask of a centred spectrum that zeroes the box of half-width `cutoff` around the centre.

    The box spans rows (and columns) centre - cutoff .. centre + cutoff - 1 with centre = size // 2,
    clamped to the map: a cutoff at least half the map zeroes everything (the authors' slicing would
    wrap a negative start index around instead; at their 64x64 maps and cutoff 30 it never does).
    """
    rows, cols = size
    keep = torch.ones(rows, cols, dtype=torch.complex64, device=device)
    row, col = rows // 2, cols // 2
    keep[max(row - cutoff, 0) : row + cutoff, max(col - cutoff, 0) : col + cutoff] = 0
    return keep


def spectrum_errors(pred: torch.Tensor, target: torch.Tensor, mask: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Per coefficient (..., R, R): squared differences of the amplitudes and of the phases of two masked spectra."""
    pred, target = pred * mask, target * mask
    return (pred.abs() - target.abs()).pow(2), (pred.angle() - target.angle()).pow(2)


def centred_spectra(was: torch.Tensor, labels: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """The centred 2D FFTs (fftshift of fft2, complex64) of WAS maps (B, K, R, R) and of the one-hot labels."""
    target = one_hot_maps(labels, was.shape[1]).to(was.device)
    return (torch.fft.fftshift(torch.fft.fft2(was.float()), dim=(-2, -1)),
            torch.fft.fftshift(torch.fft.fft2(target), dim=(-2, -1)))


def _amplitude_phase_mse(pred: torch.Tensor, target: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Per map (..., R, R): MSE of the amplitudes plus MSE of the phases of two masked spectra."""
    amplitude, phase = spectrum_errors(pred, target, mask)
    return amplitude.mean(dim=(-2, -1)) + phase.mean(dim=(-2, -1))


def fourier_loss(was: torch.Tensor, labels: torch.Tensor, cutoff: int) -> torch.Tensor:
    """The authors' ``frequency_loss`` of WAS maps (B, K, R, R) against one-hot labels (B, R, R).

    Per part map: the centred 2D FFT (fftshift of fft2) of WAS and of the one-hot mask; the MSE of
    their amplitudes plus the MSE of their phases, once through the authors' "low-pass" mask -- all
    ones, so the whole spectrum -- and 10 times once through the high-pass mask that zeroes a centred
    box of half-width `cutoff` (:func:`high_pass_mask`). Summed over the K parts; the mean over the
    batch (training uses B = 1, where it is exactly the authors' value).

    The masks multiply the complex spectra, as the authors' code does: a coefficient zeroed that way
    is a signed complex zero whose phase (``angle``) is 0 or +-pi depending on the signs of its real
    and imaginary parts, so the zeroed box still adds phase differences. The golden values include
    them (a version that sets the box's phases to 0 is about 2 % lower), so they are kept. Where a
    real or imaginary part is zero up to the FFT's rounding, that sign (and the phase term, by up to
    4 pi^2 / R^2 per coefficient) is the CPU's FFT's choice: tests/test_fidelity.py bounds it.
    """
    pred_spectrum, target_spectrum = centred_spectra(was, labels)
    all_pass = torch.ones(was.shape[-2:], dtype=torch.complex64, device=was.device)
    high_pass = high_pass_mask(tuple(was.shape[-2:]), cutoff, was.device)
    per_map = _amplitude_phase_mse(pred_spectrum, target_spectrum, all_pass) + 10 * _amplitude_phase_mse(
        pred_spectrum, target_spectrum, high_pass
    )
    return per_map.sum(dim=1).mean()


def combine_losses(
    terms: dict[str, torch.Tensor],
    epoch: int,
    mse_weight: float,
    ldm_weight: float,
    fourier_weight: float,
    fourier_from_epoch: int,
) -> torch.Tensor:
    """ce + mse_weight * mse + ldm_weight * ldm, plus fourier_weight * fourier when epoch >= fourier_from_epoch.

    The authors' ``compute_loss`` adds the Fourier term for ``epoch > 5`` (fourier_from_epoch = 6).
    A "fourier" entry is needed only when the term is added.
    """
    total = terms["ce"] + mse_weight * terms["mse"] + ldm_weight * terms["ldm"]
    if epoch >= fourier_from_epoch and fourier_weight:
        total = total + fourier_weight * terms["fourier"]
    return total
