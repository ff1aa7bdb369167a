"""Guidance math: temporal voting vs. plain Algorithm 1, DCT vs. scipy, energies, the Adam-like latent update."""

from __future__ import annotations

import math
from collections import Counter

import numpy as np
import pytest
import scipy.fft
import torch

from smite.energies import ENERGIES
from smite.guide import (
    LatentAdam,
    SliceMaps,
    guidance_step_size,
    lowpass_energy,
    lowpass_mask,
    part_weights,
    spectrum,
    temporal_vote,
    total_energy,
    tracking_energy,
)

# ---------------------------------------------------------------- temporal voting


def _random_cache(frames: int, window: int, res: int, seed: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Random trajectories (some off the grid, a few NaN), random visibility, offsets -(w-1)..w-1."""
    gen = torch.Generator().manual_seed(seed)
    points = res * res
    span = 2 * window - 1
    positions = torch.rand(frames, span, points, 2, generator=gen) * (res + 3) - 1.5
    positions[torch.rand(frames, span, points, generator=gen) < 0.02] = float("nan")
    visible = torch.rand(frames, span, points, generator=gen) < 0.6
    offsets = torch.arange(span) - (window - 1)
    return positions, visible, offsets


def _determine_window(index: int, length: int, window: int) -> tuple[int, int]:
    """The authors' determine_window as they wrote it, cut to the frames there are."""
    half = window // 2
    if half <= index < length - half:
        start, stop = index - half, index + half + 1
    elif index < half:
        start, stop = 0, window
    else:
        start, stop = length - window, length
    return max(start, 0), min(stop, length)


def _vote_plain(scores: torch.Tensor, positions: torch.Tensor, visible: torch.Tensor, offsets: torch.Tensor,
                window: int):
    """Algorithm 1 as nested loops: per query frame, pixel and offset, over the frames its window holds."""
    frames, parts, res, _ = scores.shape
    tracked = torch.zeros_like(scores)
    labels = torch.zeros(frames, res, res, dtype=torch.long)
    for t in range(frames):
        first, last = _determine_window(t, frames, window)
        for i in range(res):
            for j in range(res):
                votes = []
                for w, off in enumerate(offsets.tolist()):
                    s = t + off
                    if off == 0:
                        votes.append(scores[t, :, i, j])
                        continue
                    x, y = positions[t, w, i * res + j].tolist()
                    if not (first <= s < last and visible[t, w, i * res + j] and math.isfinite(x + y)):
                        continue
                    col, row = round(x), round(y)  # Python rounds halves to even, as numpy does
                    if 0 <= col < res and 0 <= row < res:  # the authors mark off-grid points invisible
                        votes.append(scores[s, :, row, col])
                counter = Counter(int(v.argmax()) for v in votes)
                best = max(counter.values())
                winner = min(k for k, c in counter.items() if c == best)
                chosen = [v for v in votes if int(v.argmax()) == winner]
                tracked[t, :, i, j] = sum(chosen) / len(chosen)
                labels[t, i, j] = winner
    return tracked, labels


@pytest.mark.parametrize(
    ("frames", "parts", "res", "window", "seed"),
    [(5, 4, 6, 5, 0), (4, 3, 5, 7, 1), (3, 2, 4, 3, 2), (9, 3, 4, 3, 3), (8, 2, 4, 5, 4)],
)
def test_vote_matches_plain_algorithm(frames: int, parts: int, res: int, window: int, seed: int) -> None:
    positions, visible, offsets = _random_cache(frames, window, res, seed)
    scores = torch.randn(frames, parts, res, res, generator=torch.Generator().manual_seed(seed + 10))
    tracked, labels = temporal_vote(scores, positions, visible, offsets, window)
    tracked_ref, labels_ref = _vote_plain(scores, positions, visible, offsets, window)
    assert labels.dtype == torch.long
    assert torch.equal(labels, labels_ref)
    torch.testing.assert_close(tracked, tracked_ref)


def test_vote_ties_go_to_smallest_label() -> None:
    # two frames, one cell; each frame sees the other: labels 1 and 0 -> tie -> 0 for both
    scores = torch.tensor([[0.0, 1.0], [1.0, 0.0]]).reshape(2, 2, 1, 1)
    positions = torch.zeros(2, 3, 1, 2)
    visible = torch.ones(2, 3, 1, dtype=torch.bool)
    tracked, labels = temporal_vote(scores, positions, visible, torch.tensor([-1, 0, 1]), window=3)
    assert labels.flatten().tolist() == [0, 0]
    torch.testing.assert_close(tracked.flatten(), torch.tensor([1.0, 0.0, 1.0, 0.0]))


def test_vote_window_of_longer_video_uses_start_rows_and_drops_outside_targets() -> None:
    video, start, frames, window, res = 9, 3, 4, 5, 4
    positions, visible, offsets = _random_cache(video, window, res, seed=3)
    visible[:] = True
    scores = torch.randn(frames, 3, res, res, generator=torch.Generator().manual_seed(4))
    whole = temporal_vote(scores, positions, visible, offsets, window, start=start)
    sliced = temporal_vote(scores, positions[start : start + frames], visible[start : start + frames], offsets, window)
    plain = _vote_plain(scores, positions[start : start + frames], visible[start : start + frames], offsets, window)
    for got in (whole, sliced):
        assert torch.equal(got[1], plain[1])
        torch.testing.assert_close(got[0], plain[0])


def test_vote_is_detached_and_accepts_numpy() -> None:
    positions, visible, offsets = _random_cache(3, 3, 4, seed=5)
    scores = torch.randn(3, 2, 4, 4, requires_grad=True)
    tracked, _ = temporal_vote(scores, positions.numpy(), visible.numpy(), offsets.numpy(), 3)
    assert not tracked.requires_grad


def test_vote_rejects_bad_shapes() -> None:
    positions, visible, offsets = _random_cache(3, 3, 4, seed=6)
    scores = torch.randn(3, 2, 4, 4)
    with pytest.raises(ValueError, match="offsets"):
        temporal_vote(scores, positions, visible, offsets + 5, 3)
    with pytest.raises(ValueError, match="frames"):
        temporal_vote(scores, positions[:2], visible[:2], offsets, 3)
    with pytest.raises(ValueError, match="odd"):
        temporal_vote(scores, positions, visible, offsets, 4)


# ---------------------------------------------------------------- DCT and low-pass regulariser


@pytest.mark.parametrize("shape", [(4, 4, 4, 4), (3, 5, 7, 7), (2, 6, 8, 8), (1, 3, 2, 2)])
def test_spectrum_matches_scipy(shape: tuple[int, ...]) -> None:
    """The DCT of each part over (frames, rows, columns) is scipy's orthonormal DCT-II of those axes."""
    x = np.random.default_rng(0).standard_normal(shape)  # (F, K, R, R)
    got = spectrum(torch.from_numpy(x))
    expected = scipy.fft.dctn(x.transpose(1, 0, 2, 3), type=2, norm="ortho", axes=(-3, -2, -1))
    np.testing.assert_allclose(got.numpy(), expected, atol=1e-12)


def test_lowpass_energy_gradcheck() -> None:
    ref = torch.randn(3, 2, 4, 4, dtype=torch.float64)
    s = (ref + torch.randn_like(ref)).requires_grad_(True)
    mask = lowpass_mask(3, 4, 4, 0.5)
    assert torch.autograd.gradcheck(lambda a: lowpass_energy(a, ref, mask), (s,))


def test_lowpass_energy_differences_the_spectra_not_the_maps() -> None:
    """The authors' order: DCT(S) and DCT(S_ref) apart, then the L1 of the masked spectra. With S = S_ref +
    a difference below float32 rounding of the spectra, the two orders give different signs to the gradient."""
    rng = np.random.default_rng(4)
    ref = torch.from_numpy(rng.standard_normal((4, 2, 8, 8)).astype(np.float32))
    s = (ref + 1e-7 * torch.from_numpy(rng.standard_normal((4, 2, 8, 8)).astype(np.float32))).requires_grad_(True)
    mask = lowpass_mask(4, 8, 8, 0.4)
    (ours,) = torch.autograd.grad(lowpass_energy(s, ref, mask), s)
    (of_difference,) = torch.autograd.grad((spectrum(s - ref) * mask).abs().mean(), s)
    kept = mask.bool().expand(2, -1, -1, -1)  # (K, F, R, R): the coefficients the energy reads
    signs = torch.sign(spectrum(s.detach()) - spectrum(ref))
    decided = kept & (signs != 0)  # where the float32 spectra differ at all (elsewhere the L1 gradient is 0)
    # the gradient's spectrum is the mask times the signs over the number of coefficients (the DCT is orthonormal)
    assert torch.equal(torch.sign(spectrum(ours))[decided], signs[decided])
    assert not torch.equal(torch.sign(spectrum(of_difference))[decided], signs[decided])


def test_lowpass_mask_counts() -> None:
    """int(threshold * n) indices per spatial axis (the authors' int, not ceil), every temporal one."""
    mask = lowpass_mask(16, 64, 64, 0.4)
    assert mask.shape == (16, 64, 64)
    assert int(mask.sum()) == 16 * 25 * 25  # int(25.6)
    assert int(mask[:, :25, :25].sum()) == 16 * 25 * 25
    assert int(lowpass_mask(16, 64, 64, 0.999).sum()) == 16 * 63 * 63  # the first guided step keeps 63 of 64
    assert int(lowpass_mask(8, 10, 30, 0.1).sum()) == 8 * 1 * 3  # 0.1 * 30 is 3.0000000000000004
    with pytest.raises(ValueError):
        lowpass_mask(4, 8, 8, 0.0)


def test_lowpass_energy_matches_scipy() -> None:
    rng = np.random.default_rng(1)
    s, ref = rng.standard_normal((2, 5, 3, 8, 8))  # (F, K, R, R) each
    mask = lowpass_mask(5, 8, 8, 0.4)
    got = lowpass_energy(torch.from_numpy(s), torch.from_numpy(ref), mask)

    def omega(a: np.ndarray) -> np.ndarray:
        return mask.numpy() * scipy.fft.dctn(a.transpose(1, 0, 2, 3), type=2, norm="ortho", axes=(1, 2, 3))

    assert got.item() == pytest.approx(np.abs(omega(s) - omega(ref)).mean(), rel=1e-10)
    assert lowpass_energy(torch.from_numpy(s), torch.from_numpy(s), mask).item() == 0.0


def test_lowpass_energy_ignores_high_frequencies_but_not_offset() -> None:
    s = torch.rand(4, 3, 16, 16, dtype=torch.float64)
    mask = lowpass_mask(4, 16, 16, 0.4)
    # the highest DCT-II basis function: a checkerboard modulated by a half sine (a plain (-1)^(i+j)
    # checkerboard is not a DCT-II basis function and leaks into the low frequencies)
    top = scipy.fft.idct(np.eye(16)[-1], norm="ortho")
    checker = torch.from_numpy(top[:, None] * top[None, :])
    assert lowpass_energy(s + 3.0 * checker, s, mask).item() < 1e-12
    coefficients = np.random.default_rng(5).standard_normal((3, 4, 16, 16)) * (1 - mask.numpy())
    high = torch.from_numpy(scipy.fft.idctn(coefficients, norm="ortho", axes=(1, 2, 3))).transpose(0, 1)
    assert lowpass_energy(s + high, s, mask).item() < 1e-12
    assert lowpass_energy(s + 0.5, s, mask).item() > 1e-3


# ---------------------------------------------------------------- energies


def test_part_weights_closed_form() -> None:
    labels = torch.tensor([[0, 0, 0, 1], [1, 1, 2, 0]])
    torch.testing.assert_close(part_weights(labels, 4), torch.tensor([1.0, 4 / 3, 4.0, 0.0]))


def test_tracking_energy_is_weighted_mean_of_pixel_losses() -> None:
    gen = torch.Generator().manual_seed(0)
    logits = torch.randn(2, 4, 3, 3, generator=gen)
    labels = torch.randint(0, 3, (2, 3, 3), generator=gen)  # part 3 absent
    weights = part_weights(labels, 4)
    log_probs = torch.log_softmax(logits, 1)
    num = den = 0.0
    for t in range(2):
        for i in range(3):
            for j in range(3):
                k = int(labels[t, i, j])
                num += -weights[k] * log_probs[t, k, i, j]
                den += weights[k]
    torch.testing.assert_close(tracking_energy(logits, labels), num / den)


def test_total_energy_combines_terms() -> None:
    gen = torch.Generator().manual_seed(1)
    s = torch.randn(3, 3, 6, 6, generator=gen, requires_grad=True)
    ref = torch.randn(3, 3, 6, 6, generator=gen)
    labels = torch.randint(0, 3, (3, 6, 6), generator=gen)
    mask = lowpass_mask(3, 6, 6, 0.4)
    maps = SliceMaps(s, ref, labels, mask)
    total, parts = total_energy(maps, {"track": 0.5, "reg": 8.0})
    torch.testing.assert_close(total, 0.5 * tracking_energy(s, labels) + 8.0 * lowpass_energy(s, ref, mask))
    assert set(parts) == {"track", "reg"} and not parts["track"].requires_grad
    total.backward()
    assert s.grad is not None and torch.isfinite(s.grad).all()
    only_track, parts = total_energy(maps, {"track": 0.5, "reg": 0.0})  # a zero weight skips its term
    torch.testing.assert_close(only_track, 0.5 * tracking_energy(s, labels))
    assert float(parts["reg"]) == 0.0
    torch.testing.assert_close(total_energy(maps, {"track": 0.5})[0], only_track)  # a term not named is left out
    assert {term.weight_key for term in ENERGIES.values()} == {"lambda_track", "lambda_reg"}


# ---------------------------------------------------------------- latent update


def test_latent_adam_matches_torch_adam() -> None:
    gen = torch.Generator().manual_seed(2)
    z0 = torch.randn(2, 4, 5, 5, generator=gen, dtype=torch.float32)
    grads = [torch.randn(z0.shape, generator=gen) * 10 ** (-k) for k in range(6)]
    lr = 0.05
    param = torch.nn.Parameter(z0.clone())
    optimizer = torch.optim.Adam([param], lr=lr, betas=(0.9, 0.999), eps=1e-5)
    adam, z = LatentAdam(0.9, 0.999, 1e-5), z0.clone()
    for g in grads:
        param.grad = g.clone()
        optimizer.step()
        z = adam.step(z, g, lr)
        torch.testing.assert_close(z, param.detach(), rtol=1e-5, atol=1e-6)
    assert adam.i == len(grads)


def test_latent_adam_minimises_quadratic() -> None:
    target = torch.tensor([1.0, -2.0, 0.5])
    z, adam = torch.zeros(3), LatentAdam()
    for k in range(400):
        z = adam.step(z, 2 * (z - target), lr=0.1 * 0.99**k)
    torch.testing.assert_close(z, target, atol=1e-2, rtol=0)


def test_latent_adam_keeps_dtype_and_rejects_shape_change() -> None:
    adam = LatentAdam()
    z = adam.step(torch.zeros(4, dtype=torch.float16), torch.full((4,), 1e-4, dtype=torch.float16), lr=0.1)
    assert z.dtype == torch.float16 and torch.all(z < 0)
    with pytest.raises(ValueError):
        adam.step(torch.zeros(5), torch.ones(5), lr=0.1)


def test_guidance_step_size() -> None:
    assert guidance_step_size(0.8, 2.0) == pytest.approx(0.5)
    assert guidance_step_size(1.0, 2.0) == 0.0
    with pytest.raises(ValueError):
        guidance_step_size(0.0, 1.0)

