"""Tests for smite.metrics against values derived by hand (see the comments for each case)."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from smite.data.masks import read_label_png
from smite.errors import SmiteInputError
from smite.metrics import (
    boundary_f,
    boundary_precision_recall,
    evaluate_dirs,
    jaccard,
    score_video,
    seg2bmap,
)

# ---------------------------------------------------------------- jaccard


def test_jaccard_shifted_squares() -> None:
    # Two 10x10 squares offset by 3 px horizontally: overlap 10x7 = 70, union 100+100-70 = 130.
    a = np.zeros((30, 30), bool)
    b = np.zeros((30, 30), bool)
    a[5:15, 5:15] = True
    b[5:15, 8:18] = True
    assert jaccard(a, b) == pytest.approx(70 / 130)
    assert jaccard(b, a) == pytest.approx(70 / 130)


def test_jaccard_empty_cases() -> None:
    empty = np.zeros((4, 5), bool)
    some = empty.copy()
    some[1, 2] = True
    assert jaccard(empty, empty) == 1.0
    assert jaccard(empty, some) == 0.0
    assert jaccard(some, empty) == 0.0
    assert jaccard(some, some) == 1.0


def test_jaccard_shape_mismatch() -> None:
    with pytest.raises(ValueError):
        jaccard(np.zeros((3, 3), bool), np.zeros((3, 4), bool))


# ---------------------------------------------------------------- seg2bmap


def _mask_from_rows(rows: list[str]) -> np.ndarray:
    return np.array([[c == "1" for c in r] for r in rows])


def test_seg2bmap_interior_block() -> None:
    # 2x3 block at rows 2-3, cols 1-3. Boundary = pixels differing from E, S or SE neighbour:
    # row 1 cols 0-3 (S/SE inside the block), row 2 col 0 (E in block) and col 3 (E outside),
    # row 3 cols 0-3 (col 0: E in block; cols 1-3: S outside).
    seg = np.zeros((6, 6), np.uint8)
    seg[2:4, 1:4] = 1
    expected = _mask_from_rows(
        [
            "000000",
            "111100",
            "100100",
            "111100",
            "000000",
            "000000",
        ]
    )
    np.testing.assert_array_equal(seg2bmap(seg), expected)


def test_seg2bmap_border_rules() -> None:
    # 2x2 block in the bottom-right corner of a 4x4 image. Interior pixels use E/S/SE; the
    # last row uses E only (0 beyond the border), the last column S only, and the corner is 0:
    #   (1,1): SE in block -> 1; (1,2): S in block -> 1; (2,1): E in block -> 1; (2,2): 0.
    #   last column: (1,3)=0^1=1, (2,3)=1^1=0; last row: (3,1)=0^1=1, (3,2)=1^1=0; (3,3)=0.
    seg = np.zeros((4, 4), bool)
    seg[2:, 2:] = True
    expected = _mask_from_rows(["0000", "0111", "0100", "0100"])
    np.testing.assert_array_equal(seg2bmap(seg), expected)


def test_seg2bmap_full_mask_has_no_boundary() -> None:
    # Everything equals its neighbours; the border rules never compare with the outside 0
    # except at the corner, which is forced to 0.
    assert not seg2bmap(np.ones((5, 7), bool)).any()


# ---------------------------------------------------------------- boundary_f

# For 100x100 the DAVIS tolerance is ceil(0.008 * sqrt(100^2 + 100^2)) = ceil(1.131) = 2 px.


def _left_part(width: int, size: int = 100) -> np.ndarray:
    """Columns 0..width-1 set: its boundary is exactly column width-1 on all rows."""
    mask = np.zeros((size, size), bool)
    mask[:, :width] = True
    return mask


def _square(shift: int) -> np.ndarray:
    mask = np.zeros((100, 100), bool)
    mask[30:70, 30 + shift : 70 + shift] = True
    return mask


def test_boundary_identical_masks() -> None:
    assert boundary_f(_square(0), _square(0)) == 1.0


def test_boundary_shift_within_tolerance() -> None:
    # The square's boundary ring moves 2 px, every pixel is within the radius-2 disk.
    assert boundary_f(_square(2), _square(0)) == 1.0
    # At radius + 2 = 4 px, the vertical sides no longer match.
    assert boundary_f(_square(4), _square(0)) < 1.0


def test_boundary_straight_edge_closed_form() -> None:
    gt = _left_part(50)  # boundary: column 49, 100 pixels
    # Edge shifted by 2 px (= radius): every boundary pixel matched.
    assert boundary_f(_left_part(52), gt) == 1.0
    # Edge shifted by 3 px > radius: no boundary pixel matched, P = R = 0 -> F = 0.
    assert boundary_precision_recall(_left_part(53), gt) == (0.0, 0.0)
    assert boundary_f(_left_part(53), gt) == 0.0


def test_boundary_extra_blob_closed_form() -> None:
    # Prediction = ground truth's straight edge (100 boundary px, all matched) plus a far-away
    # 10x10 blob whose boundary ring has 2*(10+1) + 2*(10-1) = 40 unmatched pixels.
    # P = 100/140 = 5/7, R = 1, F = 2*(5/7)/(5/7 + 1) = 5/6.
    gt = _left_part(50)
    pred = gt.copy()
    pred[40:50, 80:90] = True
    assert int(seg2bmap(pred).sum()) == 140
    precision, recall = boundary_precision_recall(pred, gt)
    assert precision == pytest.approx(5 / 7)
    assert recall == 1.0
    assert boundary_f(pred, gt) == pytest.approx(5 / 6)


def test_boundary_empty_cases() -> None:
    empty = np.zeros((20, 20), bool)
    full = np.ones((20, 20), bool)  # a non-empty mask whose boundary map is empty
    some = empty.copy()
    some[5:10, 5:10] = True
    assert boundary_precision_recall(empty, some) == (1.0, 0.0)
    assert boundary_precision_recall(some, empty) == (0.0, 1.0)
    assert boundary_precision_recall(empty, empty) == (1.0, 1.0)
    assert boundary_precision_recall(full, empty) == (1.0, 1.0)
    assert boundary_f(empty, some) == 0.0
    assert boundary_f(some, empty) == 0.0
    assert boundary_f(empty, empty) == 1.0


def test_boundary_threshold_in_pixels() -> None:
    gt = _left_part(50)
    pred = _left_part(53)  # edge 3 px away
    assert boundary_f(pred, gt, bound_th=3) == 1.0
    assert boundary_f(pred, gt, bound_th=2) == 0.0
    # 0.02 of the diagonal: ceil(0.02 * 141.42) = 3 px.
    assert math.ceil(0.02 * math.hypot(100, 100)) == 3
    assert boundary_f(pred, gt, bound_th=0.02) == 1.0


# ---------------------------------------------------------------- score_video


def _example() -> tuple[dict[int, np.ndarray], dict[int, np.ndarray]]:
    """4 parts (0 bg, 1, 2, 3 never present); ground truth on frames 0 and 2 only.

    Frame 0: part 1 = top half, predicted exactly.
    Frame 2: part 1 = top-left 10x10 (exact), part 2 = bottom-right 10x10 predicted as background.
    Frame 1: prediction only (garbage), must be ignored.
    """
    gt0 = np.zeros((20, 20), np.int64)
    gt0[:10, :] = 1
    gt2 = np.zeros((20, 20), np.int64)
    gt2[:10, :10] = 1
    gt2[10:, 10:] = 2
    pred2 = gt2.copy()
    pred2[gt2 == 2] = 0
    garbage = np.full((20, 20), 3, np.int64)
    return {0: gt0.copy(), 1: garbage, 2: pred2}, {0: gt0, 2: gt2}


# Hand computation for _example(). J and F score, in every frame, the foreground parts present in
# any frame's ground truth: parts 1 and 2 (part 3 never appears).
#   IoU bg: frame 0 -> 1; frame 2 -> gt bg 200 px vs predicted bg 300 px -> 2/3; mean 5/6.
#   IoU part 1: 1 and 1 -> 1.  Part 2: frame 2 only -> 0.  Part 3 never present -> 0.
#   mIoU = (5/6 + 1 + 0 + 0) / 4 * 100 = 1100/24.
#   J: frame 0: part 1 -> 1, part 2 absent from gt and prediction -> 1; mean 1.
#      frame 2: part 1 -> 1, part 2 predicted as background -> 0; mean 1/2.  J = 0.75.
#   F: same pattern (both boundaries empty -> 1; part 2 predicted empty -> P=1, R=0 -> 0): 0.75.
EXPECTED_MIOU = 1100 / 24


def test_score_video_hand_example() -> None:
    preds, gts = _example()
    result = score_video(preds, gts, num_parts=4)
    assert result["mIoU"] == pytest.approx(EXPECTED_MIOU)
    assert result["J"] == pytest.approx(0.75)
    assert result["F"] == pytest.approx(0.75)
    assert result["frames"] == 2
    per_part = result["per_part"]
    assert set(per_part) == {"0", "1", "2", "3"}
    assert per_part["0"]["IoU"] == pytest.approx(100 * 5 / 6)
    assert per_part["0"]["J"] is None and per_part["0"]["F"] is None
    assert per_part["0"]["frames_present"] == 2
    assert per_part["1"] == {"IoU": 100.0, "J": 1.0, "F": 1.0, "frames_present": 2}
    # Part 2's J/F average both frames (1 where absent from gt and prediction, 0 where missed).
    assert per_part["2"] == {"IoU": 0.0, "J": 0.5, "F": 0.5, "frames_present": 1}
    # A never-present part: IoU 0 as counted in mIoU, marked by frames_present 0.
    assert per_part["3"] == {"IoU": 0.0, "J": None, "F": None, "frames_present": 0}
    assert result["mIoU"] == pytest.approx(np.mean([p["IoU"] for p in per_part.values()]))
    assert all(type(result[k]) is float for k in ("mIoU", "J", "F"))


def test_score_video_scores_video_parts_in_every_frame() -> None:
    """A part present somewhere in the video is scored in every frame (the authors' rule).

    20x20 frames, 3 labels. Frame A: gt part 1 = rows 0-9; prediction exact plus a spurious 5x5
    blob of part 2. Frame B: gt part 2 = rows 10-19, predicted exactly; part 1 absent from both.
      Frame A: part 1 J = F = 1; part 2 absent from gt but predicted -> J = 0, F = 0 (P=0, R=1).
      Frame B: part 1 absent from both -> J = F = 1; part 2 exact -> 1.
      J = F = mean(1/2, 1) = 0.75 (a per-frame rule over the parts in each frame's gt would give 1).
      mIoU: bg A: 175/200, bg B: 1 -> 0.9375; part 1 (frame A) 1; part 2 (frame B) 1 -> /3.
    """
    gt_a = np.zeros((20, 20), np.int64)
    gt_a[:10] = 1
    pred_a = gt_a.copy()
    pred_a[12:17, 2:7] = 2
    gt_b = np.zeros((20, 20), np.int64)
    gt_b[10:] = 2
    result = score_video({0: pred_a, 1: gt_b.copy()}, {0: gt_a, 1: gt_b}, num_parts=3)
    assert result["J"] == pytest.approx(0.75)
    assert result["F"] == pytest.approx(0.75)
    assert result["mIoU"] == pytest.approx((0.9375 + 1 + 1) / 3 * 100)
    assert result["per_part"]["1"]["J"] == 1.0
    assert result["per_part"]["2"]["J"] == pytest.approx(0.5)
    assert result["per_part"]["2"]["F"] == pytest.approx(0.5)


def test_score_video_part_names_and_absent_part_counts_zero() -> None:
    preds, gts = _example()
    names = ["background", "head", "body", "tail"]
    result = score_video(preds, gts, num_parts=4, part_names=names)
    assert list(result["per_part"]) == names
    # Dropping the never-present part 3 changes the mean from /4 to /3.
    three = score_video(preds, gts, num_parts=3)
    assert three["mIoU"] == pytest.approx((5 / 6 + 1) / 3 * 100)
    with pytest.raises(ValueError):
        score_video(preds, gts, num_parts=4, part_names=names[:3])


def test_score_video_background_only_frames() -> None:
    # No foreground anywhere: J and F score no part (None; the authors' code raises); mIoU
    # counts bg (=1) and the absent part (=0): (1 + 0)/2 * 100.
    gt = {5: np.zeros((8, 8), np.int64)}
    result = score_video({5: np.zeros((8, 8), np.int64)}, gt, num_parts=2)
    assert result["J"] is None and result["F"] is None
    assert result["mIoU"] == pytest.approx(50.0)


def test_score_video_missing_prediction() -> None:
    preds, gts = _example()
    gts[7] = gts[0]
    with pytest.raises(ValueError, match="frame 7"):
        score_video(preds, gts, num_parts=4)


# ---------------------------------------------------------------- PNG reading and evaluate_dirs


def _write_palette(path: Path, labels: np.ndarray) -> None:
    img = Image.fromarray(labels.astype(np.uint8), mode="P")
    palette = [0, 0, 0, 255, 0, 0, 0, 255, 0, 0, 0, 255] + [128] * (3 * 252)
    img.putpalette(palette)
    img.save(path)


def _write_gray(path: Path, labels: np.ndarray) -> None:
    Image.fromarray(labels.astype(np.uint8), mode="L").save(path)


def _write_example(tmp_path: Path) -> tuple[Path, Path]:
    preds, gts = _example()
    gt_dir, pred_dir = tmp_path / "gt", tmp_path / "pred"
    gt_dir.mkdir()
    pred_dir.mkdir()
    _write_palette(gt_dir / "0.png", gts[0])
    _write_palette(gt_dir / "00002.png", gts[2])
    for index, pred in preds.items():
        _write_gray(pred_dir / f"{index:05d}.png", pred)
    return pred_dir, gt_dir


def test_read_label_png_palette_gives_indices(tmp_path: Path) -> None:
    labels = np.array([[0, 1], [2, 3]])
    _write_palette(tmp_path / "p.png", labels)
    out = read_label_png(tmp_path / "p.png")
    assert out.dtype == np.int64
    np.testing.assert_array_equal(out, labels)


def test_read_label_png_rgb(tmp_path: Path) -> None:
    gray = np.array([[0, 1], [2, 3]], np.uint8)
    Image.fromarray(np.stack([gray] * 3, axis=-1), mode="RGB").save(tmp_path / "g.png")
    np.testing.assert_array_equal(read_label_png(tmp_path / "g.png"), gray)
    colour = np.zeros((2, 2, 3), np.uint8)
    colour[0, 0] = (255, 0, 0)
    Image.fromarray(colour, mode="RGB").save(tmp_path / "c.png")
    with pytest.raises(SmiteInputError, match="c.png"):
        read_label_png(tmp_path / "c.png")


def test_evaluate_dirs_matches_score_video(tmp_path: Path) -> None:
    pred_dir, gt_dir = _write_example(tmp_path)
    preds, gts = _example()
    result = evaluate_dirs(pred_dir, gt_dir, num_parts=4)
    assert result == {**score_video(preds, gts, 4), "num_parts": 4, "score_size": 0}
    assert result["mIoU"] == pytest.approx(EXPECTED_MIOU)
    # Default num_parts: largest ground-truth label + 1 = 3; or len(part_names).
    assert evaluate_dirs(pred_dir, gt_dir)["num_parts"] == 3
    named = evaluate_dirs(pred_dir, gt_dir, part_names=["bg", "a", "b", "c"])
    assert named["num_parts"] == 4
    assert named["mIoU"] == pytest.approx(EXPECTED_MIOU)


def test_evaluate_dirs_missing_prediction(tmp_path: Path) -> None:
    pred_dir, gt_dir = _write_example(tmp_path)
    (pred_dir / "00002.png").unlink()
    with pytest.raises(SmiteInputError, match="00002.png"):
        evaluate_dirs(pred_dir, gt_dir, num_parts=4)


def test_evaluate_dirs_size_mismatch(tmp_path: Path) -> None:
    pred_dir, gt_dir = _write_example(tmp_path)
    _write_gray(pred_dir / "00002.png", np.zeros((20, 21)))
    with pytest.raises(SmiteInputError, match="00002.png") as info:
        evaluate_dirs(pred_dir, gt_dir, num_parts=4)
    assert "size 20x21 differs from ground truth 20x20" in str(info.value)


def test_evaluate_dirs_label_out_of_range(tmp_path: Path) -> None:
    pred_dir, gt_dir = _write_example(tmp_path)
    bad = np.zeros((20, 20))
    bad[0, 0] = 7
    _write_palette(gt_dir / "0.png", bad)
    with pytest.raises(SmiteInputError, match="0.png") as info:
        evaluate_dirs(pred_dir, gt_dir, num_parts=5)
    assert "label 7 outside the 5 parts" in str(info.value)


def test_evaluate_dirs_corrupt_png(tmp_path: Path) -> None:
    pred_dir, gt_dir = _write_example(tmp_path)
    (pred_dir / "00000.png").write_bytes(b"this is not a png at all")
    with pytest.raises(SmiteInputError, match="00000.png"):
        evaluate_dirs(pred_dir, gt_dir, num_parts=4)
    # A truncated ground-truth PNG is caught too.
    data = (gt_dir / "00002.png").read_bytes()
    (gt_dir / "00002.png").write_bytes(data[: len(data) // 2])
    with pytest.raises(SmiteInputError, match="00002.png"):
        evaluate_dirs(pred_dir, gt_dir, num_parts=4)


def test_evaluate_dirs_empty_gt(tmp_path: Path) -> None:
    (tmp_path / "gt").mkdir()
    (tmp_path / "pred").mkdir()
    with pytest.raises(SmiteInputError, match="gt"):
        evaluate_dirs(tmp_path / "pred", tmp_path / "gt")
