"""Temporal voting (paper §4.3, eq. 4, Algorithm 1), vectorised over the grid and the window of frames.

Every grid point of every query frame collects votes from its tracked correspondences in the frames of
its voting window (visible ones): each vote is the label argmax_k S at the tracked position; the majority
label P wins (ties -> smallest label) and S_tracked is the mean of the voting score vectors that carry P.
The voting window of frame t always holds ``window`` frames of the processed ones, shifted rather than cut
near their ends (the authors' ``determine_window``: frames 0..w-1 at the start, L-w..L-1 at the end).
The output is a guidance *target*, so it is computed without gradients.
"""

from __future__ import annotations

import numpy as np
import torch

from smite.windows import vote_range

ArrayLike = torch.Tensor | np.ndarray


def _window_rows(array: ArrayLike, frames: int, start: int, name: str) -> torch.Tensor:
    """Rows of the query frames: the array as is if it has `frames` rows, else rows [start, start + frames)."""
    tensor = torch.as_tensor(array)
    rows = tensor.shape[0]
    if rows == frames:
        return tensor
    if start < 0 or rows < start + frames:
        raise ValueError(f"{name} has {rows} frames; the window needs {frames} or at least {start + frames}")
    return tensor[start : start + frames]


def _check_shapes(scores: torch.Tensor, positions: torch.Tensor, visible: torch.Tensor, offsets: torch.Tensor) -> None:
    """Fail early on inconsistent shapes and on an offset list without exactly one 0 (the query frame)."""
    frames, _, rows, cols = scores.shape
    if rows != cols:
        raise ValueError(f"scores must be (L, K, R, R); got {tuple(scores.shape)}")
    expected = (frames, offsets.numel(), rows * cols)
    if tuple(positions.shape) != (*expected, 2) or tuple(visible.shape) != expected:
        raise ValueError(
            f"positions {tuple(positions.shape)} / visible {tuple(visible.shape)} do not match (L, W, N) = {expected}"
        )
    if int((offsets == 0).sum()) != 1:
        raise ValueError(f"offsets must contain 0 exactly once; got {offsets.tolist()}")


def _vote_cells(
    positions: torch.Tensor, visible: torch.Tensor, offsets: torch.Tensor, resolution: int, window: int
) -> tuple[torch.Tensor, torch.Tensor]:
    """Flat index (target frame * N + cell) and validity of every vote, both (L, O, N).

    A vote is valid when the tracker marks it visible, its rounded position lies on the grid (the authors
    mark other points invisible) and its target frame lies in the query frame's voting window; the query
    frame itself (offset 0) always votes with its own cell. Positions are rounded to the nearest cell
    (torch.round: halves to even, as numpy's round in the authors' code).
    """
    frames, _, points, _ = positions.shape
    device = positions.device
    query = torch.arange(frames, device=device)[:, None]  # (L, 1)
    target = query + offsets.to(device)[None, :]  # (L, O)
    ranges = torch.tensor([vote_range(t, frames, window) for t in range(frames)], device=device)  # (L, 2)
    in_window = (target >= ranges[:, :1]) & (target < ranges[:, 1:])
    finite = torch.isfinite(positions).all(-1)
    cols = torch.round(torch.nan_to_num(positions[..., 0], nan=-1.0))
    rows = torch.round(torch.nan_to_num(positions[..., 1], nan=-1.0))
    on_grid = (cols >= 0) & (cols <= resolution - 1) & (rows >= 0) & (rows <= resolution - 1)
    cells = rows.clamp(0, resolution - 1).long() * resolution + cols.clamp(0, resolution - 1).long()  # (L, O, N)
    valid = visible.to(torch.bool) & finite & on_grid & in_window[..., None]
    own = (offsets == 0).to(device)  # (W,)
    cells = torch.where(own[None, :, None], torch.arange(points, device=device), cells)
    valid = valid | own[None, :, None]
    flat = target.clamp(0, frames - 1)[..., None] * points + cells
    return flat, valid


@torch.no_grad()
def temporal_vote(
    scores: torch.Tensor,
    positions: ArrayLike,
    visible: ArrayLike,
    offsets: ArrayLike,
    window: int,
    start: int = 0,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Algorithm 1 on L processed frames: returns (S_tracked (L, K, R, R), majority labels (L, R, R) long).

    scores: WAS maps (L, K, R, R) of video frames [start, start + L). positions (x = column, y = row, in
    attention-grid cells) and visible describe, for query frame l and grid point n = i * R + j, the tracked
    point in frame l + offsets[o]; they are either already restricted to the L query frames ((L, O, N, 2) and
    (L, O, N)) or cover the whole video, in which case rows [start, start + L) are used. Only votes from the
    query frame's voting window of `window` frames count (:func:`vote_range`). The result is detached: it is
    a target for the tracking energy.
    """
    scores = scores.detach()
    frames, parts, resolution, _ = scores.shape
    offsets = torch.as_tensor(offsets, dtype=torch.long)
    positions = _window_rows(positions, frames, start, "positions").to(scores.device, torch.float32)
    visible = _window_rows(visible, frames, start, "visible").to(scores.device)
    _check_shapes(scores, positions, visible, offsets)

    table = scores.reshape(frames, parts, -1).transpose(1, 2).reshape(-1, parts)  # (L * N, K)
    table_labels = table.argmax(-1)  # first maximum on ties
    flat, valid = _vote_cells(positions, visible, offsets, resolution, window)
    labels = table_labels[flat]  # (L, W, N)

    counts = torch.zeros(frames, flat.shape[2], parts, dtype=torch.long, device=scores.device)
    for w in range(flat.shape[1]):
        counts.scatter_add_(2, labels[:, w, :, None], valid[:, w, :, None].long())
    majority = counts.argmax(-1)  # (L, N); first maximum = smallest label on ties

    total = torch.zeros(frames, flat.shape[2], parts, dtype=scores.dtype, device=scores.device)
    for w in range(flat.shape[1]):
        keep = valid[:, w] & (labels[:, w] == majority)
        total += table[flat[:, w]] * keep[..., None].to(scores.dtype)
    tracked = total / counts.gather(2, majority[..., None]).to(scores.dtype)
    tracked = tracked.transpose(1, 2).reshape(frames, parts, resolution, resolution)
    return tracked, majority.reshape(frames, resolution, resolution)
