"""Tests for the temporal-consistency metrics of smite.metrics on hand-built cases with known answers."""

from __future__ import annotations

import math

import numpy as np
import pytest

from smite.metrics import flicker_rate, warped_label_agreement

GRID = 4
OFFSETS = np.array([-1, 0, 1])


def _identity_tracks(frames: int, grid: int = GRID) -> tuple[np.ndarray, np.ndarray]:
    """Every grid point stays on its own cell centre in every frame, always visible."""
    rows, cols = np.mgrid[0:grid, 0:grid]
    cells = np.column_stack([cols.ravel(), rows.ravel()]).astype(np.float32)
    positions = np.broadcast_to(cells, (frames, len(OFFSETS), grid * grid, 2)).copy()
    return positions, np.ones((frames, len(OFFSETS), grid * grid), dtype=bool)


# ---------------------------------------------------------------- flicker rate


def test_flicker_static_labels_identity_tracks_is_zero() -> None:
    labels = np.zeros((5, 16, 16), np.int64)
    labels[:, 4:12, 2:10] = 1
    labels[:, 12:, :] = 2
    positions, visible = _identity_tracks(5)
    assert flicker_rate(labels, positions, visible, OFFSETS, GRID) == 0.0


def test_flicker_alternating_labels_is_one() -> None:
    labels = np.ones((6, 8, 8), np.int64)
    labels[1::2] = 2  # every frame switches between part 1 and part 2 everywhere
    positions, visible = _identity_tracks(6)
    assert flicker_rate(labels, positions, visible, OFFSETS, GRID) == 1.0


def test_flicker_counts_only_pairs_touching_foreground() -> None:
    # 8x8 map, 4x4 grid: each cell is 2x2 pixels. Frame 0: cell (0,0) part 1; frame 1: cells (0,0), (0,1) part 1.
    # Pairs with foreground at either end: cell (0,0) (1 -> 1, same) and cell (0,1) (0 -> 1, changed): rate 1/2.
    labels = np.zeros((2, 8, 8), np.int64)
    labels[0, 0:2, 0:2] = 1
    labels[1, 0:2, 0:4] = 1
    positions, visible = _identity_tracks(2)
    assert flicker_rate(labels, positions, visible, OFFSETS, GRID) == 0.5
    visible[0, 2, 1] = False  # point (0,1) lost at offset +1: only the unchanged pair is left
    assert flicker_rate(labels, positions, visible, OFFSETS, GRID) == 0.0


def test_flicker_follows_the_tracked_position() -> None:
    # Part 1 moves right by one cell per frame; tracks that follow it see no change, static tracks do.
    labels = np.zeros((3, 8, 8), np.int64)
    for t in range(3):
        labels[t, 2:4, 2 * t : 2 * t + 2] = 1
    positions, visible = _identity_tracks(3)
    assert flicker_rate(labels, positions, visible, OFFSETS, GRID) == 1.0  # 1 -> 0 and 0 -> 1 at every step
    positions[:, 2, :, 0] += 1.0  # offset +1 is one cell to the right
    assert flicker_rate(labels, positions, visible, OFFSETS, GRID) == 0.0


def test_flicker_without_foreground_or_next_frame_is_nan() -> None:
    positions, visible = _identity_tracks(3)
    assert math.isnan(flicker_rate(np.zeros((3, 8, 8), np.int64), positions, visible, OFFSETS, GRID))
    positions, visible = _identity_tracks(3)
    centre_only = np.array([0])
    assert math.isnan(flicker_rate(np.ones((3, 8, 8), np.int64), positions[:, 1:2], visible[:, 1:2], centre_only, GRID))


def test_flicker_rejects_mismatched_shapes() -> None:
    positions, visible = _identity_tracks(3)
    with pytest.raises(ValueError, match="do not match"):
        flicker_rate(np.zeros((4, 8, 8), np.int64), positions, visible, OFFSETS, GRID)


# ---------------------------------------------------------------- warped-label agreement


def _square_video() -> np.ndarray:
    """Two 20x30 frames: a 10x10 square of part 1 at columns 10..19, then shifted right by 3 (columns 13..22)."""
    labels = np.zeros((2, 20, 30), np.int64)
    labels[0, 5:15, 10:20] = 1
    labels[1, 5:15, 13:23] = 1
    return labels


def test_agreement_with_exact_flow_is_one() -> None:
    flow = np.zeros((20, 30, 2), np.float32)
    flow[..., 0] = -3.0  # frame 1 -> frame 0: every pixel came from 3 px to the left
    assert warped_label_agreement(_square_video(), [flow]) == 1.0


def test_agreement_with_zero_flow_is_the_overlap_fraction() -> None:
    # Unwarped: union of the squares = columns 10..22 x 10 rows = 130 px; equal labels only on the
    # overlap columns 13..19 = 70 px -> 70 / 130 = 7 / 13.
    flow = np.zeros((1, 20, 30, 2), np.float32)
    assert warped_label_agreement(_square_video(), flow) == pytest.approx(7 / 13)


def test_agreement_respects_valid_mask_and_averages_pairs() -> None:
    labels = np.concatenate([_square_video(), _square_video()[1:]])  # third frame = second frame
    flows = np.zeros((2, 20, 30, 2), np.float32)
    valid = np.ones((2, 20, 30), bool)
    assert warped_label_agreement(labels, flows, valid) == pytest.approx((7 / 13 + 1.0) / 2)
    valid[0, :, 20:] = False  # drop the 30 px where only frame 1 has the square: 70 / 100
    assert warped_label_agreement(labels, flows, valid) == pytest.approx((0.7 + 1.0) / 2)


def test_agreement_skips_pixels_warped_from_outside_the_frame() -> None:
    labels = np.ones((2, 4, 4), np.int64)
    labels[1, :, 0] = 2  # the column whose source would be outside frame 0
    flow = np.zeros((1, 4, 4, 2), np.float32)
    flow[..., 0] = -1.0
    assert warped_label_agreement(labels, flow) == 1.0


def test_agreement_checks_flow_count_and_background_only_is_nan() -> None:
    with pytest.raises(ValueError, match="flows"):
        warped_label_agreement(np.zeros((3, 4, 4), np.int64), np.zeros((1, 4, 4, 2), np.float32))
    assert math.isnan(warped_label_agreement(np.zeros((2, 4, 4), np.int64), np.zeros((1, 4, 4, 2), np.float32)))
