"""Low-pass regulariser E_reg (paper eq. 6): L1 distance of the low DCT frequencies of S and S_ref.

The 3D DCT runs over (frames, rows, columns) of each part channel, as matrix products so that it is
differentiable and runs on any device.
"""

from __future__ import annotations

import math

import torch


def dct_matrix(n: int, dtype: torch.dtype = torch.float64, device: torch.device | str | None = None) -> torch.Tensor:
    """Orthonormal DCT-II matrix D (n, n), y = D @ x (hand-written: torch has no DCT)."""
    index = torch.arange(n, dtype=torch.float64)
    matrix = torch.cos(math.pi * (2 * index[None, :] + 1) * index[:, None] / (2 * n)) * math.sqrt(2 / n)
    matrix[0] /= math.sqrt(2)
    return matrix.to(dtype=dtype, device=device)


def _transform3(x: torch.Tensor, inverse: bool) -> torch.Tensor:
    """Apply the orthonormal DCT (or its inverse, the transpose) along each of the last three dims."""
    if x.dim() < 3:
        raise ValueError(f"need at least 3 dims (..., F, H, W); got {tuple(x.shape)}")
    frames, height, width = x.shape[-3:]
    mats = [dct_matrix(n, x.dtype, x.device) for n in (frames, height, width)]
    if inverse:
        mats = [m.T for m in mats]
    x = x @ mats[2].T  # columns
    x = mats[1] @ x  # rows
    return torch.einsum("gf,...fhw->...ghw", mats[0], x)  # frames


def dct3(x: torch.Tensor) -> torch.Tensor:
    """Orthonormal 3D DCT-II over the last three dims (= scipy.fft.dctn(type=2, norm="ortho"))."""
    return _transform3(x, inverse=False)


def idct3(x: torch.Tensor) -> torch.Tensor:
    """Inverse of dct3 (orthonormal DCT-III over the last three dims)."""
    return _transform3(x, inverse=True)


def kept_frequencies(threshold: float, n: int) -> int:
    """Number of lowest DCT indices kept along an axis of n: int(threshold * n), as the authors' dct_low_pass_filter."""
    if not 0 < threshold <= 1:
        raise ValueError(f"low-pass threshold must be in (0, 1]; got {threshold}")
    return int(threshold * n)


def lowpass_mask(frames: int, height: int, width: int, threshold: float) -> torch.Tensor:
    """Ideal box low-pass H (F, H, W): 1 where u < int(threshold H) and v < int(threshold W), every temporal f.

    The authors' mask (src/frequency_filter.py: dct_low_pass_filter) cuts only the two spatial axes of the
    (frames, rows, columns) spectrum, so the regulariser binds the spatial structure and leaves temporal
    change to the tracking energy. Their first guided timestep uses threshold 0.999 (int(0.999 * 64) = 63 of
    64 indices kept), the others `dct_threshold` 0.4.
    """
    mask = torch.zeros(frames, height, width)
    mask[:, : kept_frequencies(threshold, height), : kept_frequencies(threshold, width)] = 1.0
    return mask


def lowpass_energy(S: torch.Tensor, S_ref: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """E_reg = mean |H * DCT3D(S) - H * DCT3D(S_ref)| for S, S_ref (F, K, R, R), DCT over (F, R, R) per part.

    The mean over all F K R R coefficients (the paper writes an L1 norm) is the authors' F.l1_loss of the
    masked spectra (src/frequency_filter.py: dct_loss).
    """
    if S.shape != S_ref.shape:
        raise ValueError(f"S {tuple(S.shape)} and S_ref {tuple(S_ref.shape)} differ in shape")
    mask = mask.to(S.device, S.dtype)
    diff = dct3((S - S_ref.to(S.dtype)).transpose(0, 1))  # (K, F, R, R); the DCT is linear
    return (mask * diff).abs().mean()
