"""Low-pass regulariser E_reg (paper eq. 6): L1 distance of the low DCT frequencies of S and S_ref.

The 3D DCT runs over (frames, rows, columns) of each part channel. Computed as the authors' ``dct_loss``
(src/frequency_filter.py) does: the orthonormal DCT of S and of S_ref separately (torch_dct, their
library), then ``F.l1_loss`` of the two masked spectra. Equal to the DCT of S - S_ref in exact arithmetic,
but not in floats: the L1 gradient is a sign, and where guidance has driven a spectral difference to about
zero, rounding decides it (docs/fidelity.md).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
import torch_dct


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


def spectrum(maps: torch.Tensor) -> torch.Tensor:
    """Orthonormal 3D DCT-II of maps (F, K, R, R) over (frames, rows, columns) of each part: (K, F, R, R)."""
    return torch_dct.dct_3d(maps.transpose(0, 1), norm="ortho")


def lowpass_energy(S: torch.Tensor, S_ref: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """E_reg = mean |H * DCT3D(S) - H * DCT3D(S_ref)| for S, S_ref (F, K, R, R), DCT over (F, R, R) per part.

    The mean over all F K R R coefficients (the paper writes an L1 norm) is the authors' F.l1_loss of the
    masked spectra.
    """
    if S.shape != S_ref.shape:
        raise ValueError(f"S {tuple(S.shape)} and S_ref {tuple(S_ref.shape)} differ in shape")
    mask = mask.to(S.device, S.dtype)
    return F.l1_loss(spectrum(S) * mask, spectrum(S_ref.to(S.dtype)) * mask)
