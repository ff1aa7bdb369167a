"""Video, mask, reference-set and SMITE-50 readers: round trips, natural order, overlap rule, errors."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image

from smite.data.clip import Clip
from smite.data.masks import VOC_PALETTE, colorize, overlay, read_binary_png, read_label_png, save_label_png
from smite.data.references import load_references, save_references
from smite.data.smite50 import (
    export_label_pngs,
    list_categories,
    list_videos,
    load_video_clip,
    read_frames_numbers,
    read_ground_truth,
    video_path,
    write_ground_truth,
)
from smite.data.video import read_video, write_frames, write_video
from smite.errors import SmiteInputError


def _smooth_frames(count: int = 6, height: int = 48, width: int = 64) -> np.ndarray:
    """Smooth, moving gradients: easy for lossy codecs, so round-trip errors stay small."""
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    frames = [np.stack([x * 3 + 10 * t, y * 4, 255 - x * 2 - 8 * t], axis=-1).clip(0, 255) for t in range(count)]
    return np.stack(frames).astype(np.uint8)


def _write_png(path: Path, array: np.ndarray) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(array).save(path)


# ----------------------------------------------------------------------------- video


def _external_video(path: Path, frames: np.ndarray, fps: float) -> None:
    """A video written by another tool (OpenCV's MJPG writer), as users bring them."""
    height, width = frames.shape[1:3]
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), float(fps), (width, height))
    for frame in frames:
        writer.write(cv2.cvtColor(frame, cv2.COLOR_RGB2BGR))
    writer.release()


@pytest.mark.parametrize("kind", ["playable", "lossless", "external"])
def test_video_round_trip(tmp_path: Path, kind: str) -> None:
    frames = _smooth_frames()
    path = tmp_path / f"clip{'.avi' if kind == 'external' else '.mp4'}"
    if kind == "external":
        _external_video(path, frames, 12)
    else:
        write_video(path, frames, fps=12, kind=kind)
    back, fps = read_video(path)
    assert back.shape == frames.shape and back.dtype == np.uint8
    assert np.abs(back.astype(float) - frames).mean() < (0.01 if kind == "lossless" else 10)
    assert fps == pytest.approx(12, abs=0.5)
    assert [p.name for p in tmp_path.iterdir()] == [path.name]  # no temporary file left behind


def test_frame_folder_natural_order(tmp_path: Path) -> None:
    for value, name in [(10, "10.png"), (2, "2.png"), (1, "1.png")]:
        _write_png(tmp_path / name, np.full((8, 6, 3), value, np.uint8))
    frames, fps = read_video(tmp_path)
    assert frames[:, 0, 0, 0].tolist() == [1, 2, 10]
    assert fps == 24.0


def test_write_frames_reads_back_exactly(tmp_path: Path) -> None:
    frames = _smooth_frames(count=3)
    paths = write_frames(tmp_path / "out", frames)
    assert [p.name for p in paths] == ["00000.png", "00001.png", "00002.png"]
    assert np.array_equal(read_video(tmp_path / "out")[0], frames)


def test_corrupt_video_is_an_input_error(tmp_path: Path) -> None:
    path = tmp_path / "broken.mp4"
    path.write_bytes(np.random.default_rng(0).integers(0, 256, 4096, dtype=np.uint8).tobytes())
    with pytest.raises(SmiteInputError, match="broken.mp4"):
        read_video(path)


def test_missing_and_empty_inputs(tmp_path: Path) -> None:
    with pytest.raises(SmiteInputError, match="nothing_here"):
        read_video(tmp_path / "nothing_here.mp4")
    (tmp_path / "empty").mkdir()
    with pytest.raises(SmiteInputError, match="empty"):
        read_video(tmp_path / "empty")


def test_frames_of_different_sizes_name_the_file(tmp_path: Path) -> None:
    _write_png(tmp_path / "f1.png", np.zeros((8, 8, 3), np.uint8))
    _write_png(tmp_path / "f2.png", np.zeros((8, 8, 3), np.uint8))
    _write_png(tmp_path / "f10.png", np.zeros((9, 8, 3), np.uint8))
    with pytest.raises(SmiteInputError, match="f10.png"):
        read_video(tmp_path)


def test_unreadable_frame_names_the_file(tmp_path: Path) -> None:
    _write_png(tmp_path / "a.png", np.zeros((8, 8, 3), np.uint8))
    (tmp_path / "b.png").write_bytes(b"not a png")
    with pytest.raises(SmiteInputError, match="b.png"):
        read_video(tmp_path)


def test_unknown_video_suffix_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SmiteInputError, match="suffix"):
        write_video(tmp_path / "clip.xyz", _smooth_frames(), 24)
    assert not list(tmp_path.iterdir())


# ----------------------------------------------------------------------------- masks


def test_voc_palette_matches_the_standard() -> None:
    assert VOC_PALETTE.shape == (256, 3) and VOC_PALETTE.dtype == np.uint8
    expected = {0: (0, 0, 0), 1: (128, 0, 0), 2: (0, 128, 0), 3: (128, 128, 0), 4: (0, 0, 128), 15: (192, 128, 128)}
    for index, colour in expected.items():
        assert tuple(VOC_PALETTE[index]) == colour


def test_label_png_round_trip(tmp_path: Path) -> None:
    labels = np.arange(21, dtype=np.int64).repeat(3).reshape(7, 9)
    path = tmp_path / "labels.png"
    save_label_png(path, labels)
    with Image.open(path) as image:
        assert image.mode == "P"
        palette = np.array(image.getpalette()[:9]).reshape(3, 3)
    assert palette[1].tolist() == [128, 0, 0] and palette[2].tolist() == [0, 128, 0]
    back = read_label_png(path)
    assert back.dtype == np.int64 and np.array_equal(back, labels)


def test_label_png_rejects_values_over_255(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        save_label_png(tmp_path / "x.png", np.full((2, 2), 256))
    assert not (tmp_path / "x.png").exists()


def test_read_label_png_accepts_grey_and_equal_rgb(tmp_path: Path) -> None:
    labels = np.array([[0, 1], [2, 3]], np.uint8)
    _write_png(tmp_path / "grey.png", labels)
    _write_png(tmp_path / "rgb.png", np.repeat(labels[..., None], 3, axis=2))
    assert np.array_equal(read_label_png(tmp_path / "grey.png"), labels)
    assert np.array_equal(read_label_png(tmp_path / "rgb.png"), labels)


def test_read_label_png_rejects_colour_and_corrupt(tmp_path: Path) -> None:
    _write_png(tmp_path / "colour.png", np.array([[[255, 0, 0]]], np.uint8))
    (tmp_path / "corrupt.png").write_bytes(b"\x89PNG garbage")
    with pytest.raises(SmiteInputError, match="colour.png"):
        read_label_png(tmp_path / "colour.png")
    with pytest.raises(SmiteInputError, match="corrupt.png"):
        read_label_png(tmp_path / "corrupt.png")


def test_read_binary_png_thresholds_grey_and_rgb(tmp_path: Path) -> None:
    _write_png(tmp_path / "grey.png", np.array([[0, 127, 128, 255]], np.uint8))
    _write_png(tmp_path / "rgb.png", np.array([[[255, 255, 255], [0, 0, 0], [255, 0, 0]]], np.uint8))
    assert read_binary_png(tmp_path / "grey.png").tolist() == [[False, False, True, True]]
    assert read_binary_png(tmp_path / "rgb.png").tolist() == [[True, False, False]]  # red is grey 76


def test_colorize_and_overlay() -> None:
    labels = np.array([[0, 1], [2, 0]])
    assert colorize(labels)[0, 1].tolist() == [128, 0, 0]
    frame = np.full((2, 2, 3), 100, np.uint8)
    blended = overlay(frame, labels, alpha=0.5)
    assert blended[0, 0].tolist() == [100, 100, 100]  # background untouched
    assert blended[0, 1].tolist() == [114, 50, 50]
    assert blended[1, 0].tolist() == [50, 114, 50]


# ----------------------------------------------------------------------------- references


def _reference_set(folder: Path, count: int = 3) -> tuple[list[np.ndarray], list[np.ndarray]]:
    rng = np.random.default_rng(1)
    images = [rng.integers(0, 256, (12, 16, 3), dtype=np.uint8) for _ in range(count)]
    labels = [rng.integers(0, 3, (12, 16)) for _ in range(count)]
    save_references(folder, images, labels, ["background", "head", "body"], [f"img{i}" for i in range(count)])
    return images, labels


def test_references_round_trip(tmp_path: Path) -> None:
    images, labels = _reference_set(tmp_path)
    refs = load_references(tmp_path)
    assert refs.parts == ["background", "head", "body"]
    assert refs.names == ["img0", "img1", "img2"]
    assert all(np.array_equal(a, b) for a, b in zip(refs.images, images, strict=True))
    assert all(np.array_equal(a, b) and a.dtype == np.int64 for a, b in zip(refs.labels, labels, strict=True))
    assert load_references(tmp_path, shots=2).names == ["img0", "img1"]


def test_references_natural_order_and_given_parts(tmp_path: Path) -> None:
    for name in ["r10", "r2", "r1"]:
        _write_png(tmp_path / f"{name}.png", np.zeros((4, 4, 3), np.uint8))
        np.save(tmp_path / f"{name}.npy", np.zeros((4, 4), np.int32))
    refs = load_references(tmp_path, parts=["background", "thing"])  # no parts.txt needed
    assert refs.names == ["r1", "r2", "r10"] and refs.parts == ["background", "thing"]


def test_references_missing_folder_or_images(tmp_path: Path) -> None:
    with pytest.raises(SmiteInputError, match="nowhere"):
        load_references(tmp_path / "nowhere")
    (tmp_path / "parts.txt").write_text("background\nhead\n")
    with pytest.raises(SmiteInputError, match="no reference images"):
        load_references(tmp_path)


def test_references_missing_label_map(tmp_path: Path) -> None:
    _reference_set(tmp_path)
    (tmp_path / "img1.npy").unlink()
    with pytest.raises(SmiteInputError, match=r"missing label map img1\.npy"):
        load_references(tmp_path)


@pytest.mark.parametrize(
    ("array", "message"),
    [(np.zeros((12, 16), np.float32), "integer"), (np.zeros((12, 16, 1), np.int64), "2-D")],
)
def test_references_bad_label_array(tmp_path: Path, array: np.ndarray, message: str) -> None:
    _reference_set(tmp_path)
    np.save(tmp_path / "img2.npy", array)
    with pytest.raises(SmiteInputError, match=message) as error:
        load_references(tmp_path)
    assert "img2.npy" in str(error.value)


def test_references_size_mismatch(tmp_path: Path) -> None:
    _reference_set(tmp_path)
    np.save(tmp_path / "img0.npy", np.zeros((6, 8), np.int64))
    with pytest.raises(SmiteInputError, match=r"img0\.npy.*label map 8x6 differs from image 16x12"):
        load_references(tmp_path)


def test_references_label_outside_parts(tmp_path: Path) -> None:
    _reference_set(tmp_path)
    bad = np.zeros((12, 16), np.int64)
    bad[3, 3] = 7
    np.save(tmp_path / "img1.npy", bad)
    with pytest.raises(SmiteInputError, match=r"img1\.npy.*label 7 outside the 3 parts in parts\.txt"):
        load_references(tmp_path)


def test_references_parts_file_and_shots(tmp_path: Path) -> None:
    _reference_set(tmp_path)
    with pytest.raises(SmiteInputError, match="shots"):
        load_references(tmp_path, shots=4)
    (tmp_path / "parts.txt").unlink()
    with pytest.raises(SmiteInputError, match="parts.txt"):
        load_references(tmp_path)


# ----------------------------------------------------------------------------- SMITE-50


def _box(shape: tuple[int, int], rows: slice, cols: slice) -> np.ndarray:
    mask = np.zeros(shape, np.uint8)
    mask[rows, cols] = 255
    return mask


def test_ground_truth_natural_order(tmp_path: Path) -> None:
    # Disjoint one-pixel-wide columns; lexicographic order would make 10.png part 2.
    for column, name in [(0, "1.png"), (1, "2.png"), (2, "10.png")]:
        _write_png(tmp_path / name, _box((2, 4), slice(None), slice(column, column + 1)))
    labels = read_ground_truth(tmp_path, num_parts=4)
    assert labels.tolist() == [[1, 2, 3, 0], [1, 2, 3, 0]]


def test_ground_truth_overlap_goes_to_smaller_part(tmp_path: Path) -> None:
    _write_png(tmp_path / "01_big.png", _box((4, 6), slice(0, 4), slice(0, 4)))  # 16 pixels
    _write_png(tmp_path / "02_small.png", _box((4, 6), slice(1, 3), slice(3, 6)))  # 6 pixels
    expected = np.array(
        [
            [1, 1, 1, 1, 0, 0],
            [1, 1, 1, 2, 2, 2],
            [1, 1, 1, 2, 2, 2],
            [1, 1, 1, 1, 0, 0],
        ]
    )
    assert np.array_equal(read_ground_truth(tmp_path, num_parts=3), expected)
    # Other file order: the small mask is now part 1 (k-th file) and still wins the overlap.
    (tmp_path / "01_big.png").rename(tmp_path / "03_big.png")
    swapped = np.select([expected == 1, expected == 2], [2, 1], 0)
    assert np.array_equal(read_ground_truth(tmp_path, num_parts=3), swapped)


def test_ground_truth_errors(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    with pytest.raises(SmiteInputError, match="no part mask"):
        read_ground_truth(tmp_path / "empty", 3)
    for name in ["a.png", "b.png", "c.png"]:
        _write_png(tmp_path / "many" / name, np.zeros((3, 3), np.uint8))
    with pytest.raises(SmiteInputError, match="3 part masks but only 2 parts"):
        read_ground_truth(tmp_path / "many", 3)
    _write_png(tmp_path / "sizes" / "a.png", np.zeros((3, 3), np.uint8))
    _write_png(tmp_path / "sizes" / "b.png", np.zeros((4, 3), np.uint8))
    with pytest.raises(SmiteInputError, match="b.png"):
        read_ground_truth(tmp_path / "sizes", 3)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("[0, 4, 8]", [0, 4, 8]), ("[0,\n 4,\n 8,\n]\n", [0, 4, 8]), ("  [3, 1],  \n", [3, 1]), ("5", [5])],
)
def test_read_frames_numbers(tmp_path: Path, text: str, expected: list[int]) -> None:
    (tmp_path / "frames_numbers.txt").write_text(text)
    assert read_frames_numbers(tmp_path / "frames_numbers.txt") == expected


@pytest.mark.parametrize("text", ["", "[]", "[0, x, 8]", "[0, -4]", "[1.5]", "[0, 4", "[0, 4, 4]"])
def test_read_frames_numbers_malformed(tmp_path: Path, text: str) -> None:
    (tmp_path / "frames_numbers.txt").write_text(text)
    with pytest.raises(SmiteInputError, match="frames_numbers.txt"):
        read_frames_numbers(tmp_path / "frames_numbers.txt")


def _fixture_root(tmp_path: Path, frame_folders: list[str], numbers: str | None) -> Path:
    """A SMITE-50 root with one category and one 6-frame frame-folder video (frame t has value 10 t)."""
    root = tmp_path / "smite50"
    _reference_set(root / "horse")
    video = root / "videos" / "horse" / "clip1"
    for t in range(6):
        _write_png(video / "frames" / f"{t}.png", np.full((12, 16, 3), 10 * t, np.uint8))
    if numbers is not None:
        (video / "frames_numbers.txt").write_text(numbers)
    for i, folder in enumerate(frame_folders):
        gt = root / "ground_truth" / "horse" / "clip1" / folder
        _write_png(gt / "1_head.png", _box((12, 16), slice(0, 3), slice(0, 2 + i)))
        _write_png(gt / "2_body.png", _box((12, 16), slice(6, 12), slice(0, 16)))
    return root


def test_smite50_frame_folders_mapped_through_frames_numbers(tmp_path: Path) -> None:
    root = _fixture_root(tmp_path, ["frame_a", "frame_b", "frame_c"], "[0, 2,\n 5]")
    assert list_categories(root) == ["horse"]
    assert list_videos(root, "horse") == ["clip1"]
    assert video_path(root, "horse", "clip1").name == "frames"
    clip = load_video_clip(root, "horse", "clip1")
    assert clip.parts == ["background", "head", "body"] and clip.num_frames == 6 and clip.category == "horse"
    assert sorted(clip.labels) == [0, 2, 5]
    assert [int((clip.labels[t] == 1).sum()) for t in (0, 2, 5)] == [6, 9, 12]  # i-th folder -> i-th entry
    assert int((clip.labels[5] == 2).sum()) == 6 * 16


def test_smite50_numeric_folders_are_frame_indices(tmp_path: Path) -> None:
    root = _fixture_root(tmp_path, ["1", "3", "4"], None)
    clip = load_video_clip(root, "horse", "clip1", parts=["background", "head", "body"])
    assert sorted(clip.labels) == [1, 3, 4]
    assert int((clip.labels[3] == 1).sum()) == 9


def test_smite50_count_mismatch_and_malformed_numbers(tmp_path: Path) -> None:
    root = _fixture_root(tmp_path / "a", ["x", "y"], "[0, 2, 4]")
    with pytest.raises(SmiteInputError, match="3 frame numbers but 2"):
        load_video_clip(root, "horse", "clip1")
    root = _fixture_root(tmp_path / "b", ["x", "y"], "[0, two]")
    with pytest.raises(SmiteInputError, match="frames_numbers.txt"):
        load_video_clip(root, "horse", "clip1")


def test_smite50_ground_truth_beyond_video_or_wrong_size(tmp_path: Path) -> None:
    root = _fixture_root(tmp_path / "a", ["0", "9"], None)
    with pytest.raises(SmiteInputError, match="frame 9"):
        load_video_clip(root, "horse", "clip1")
    root = _fixture_root(tmp_path / "b", ["0"], None)
    for name in ["1_head.png", "2_body.png"]:
        _write_png(root / "ground_truth/horse/clip1/0" / name, np.zeros((5, 5), np.uint8))
    with pytest.raises(SmiteInputError, match="frame 0 is 5x5, frames are 16x12"):
        load_video_clip(root, "horse", "clip1")


def test_smite50_video_file_is_preferred(tmp_path: Path) -> None:
    root = _fixture_root(tmp_path, ["0"], None)
    _external_video(root / "videos/horse/clip1/clip1.avi", _smooth_frames(count=4, height=12, width=16), 24)
    assert video_path(root, "horse", "clip1").name == "clip1.avi"
    assert load_video_clip(root, "horse", "clip1").num_frames == 4


def test_write_ground_truth_round_trip(tmp_path: Path) -> None:
    labels = np.array([[0, 1, 1], [2, 2, 0], [0, 0, 0]])
    parts = ["background", "left wing", "tail", "beak"]
    paths = write_ground_truth(tmp_path / "00004", labels, parts)
    assert [p.name for p in paths] == ["01_left_wing.png", "02_tail.png", "03_beak.png"]  # empty part kept
    assert cv2.imread(str(paths[0]), cv2.IMREAD_UNCHANGED).tolist() == [[0, 255, 255], [0, 0, 0], [0, 0, 0]]
    assert np.array_equal(read_ground_truth(tmp_path / "00004", len(parts)), labels)


def test_export_label_pngs(tmp_path: Path) -> None:
    clip = Clip("c", np.zeros((9, 2, 2, 3), np.uint8), ["background", "a"], {8: np.eye(2, dtype=np.int64)})
    paths = export_label_pngs(clip, tmp_path)
    assert [p.name for p in paths] == ["00008.png"]
    assert np.array_equal(read_label_png(paths[0]), np.eye(2))


def test_legend_draws_every_part_colour_top_left():
    from smite.data.masks import VOC_PALETTE, draw_legend

    frame = np.full((240, 320, 3), 128, np.uint8)
    out = draw_legend(frame, ["background", "head", "torso"])
    assert out.shape == frame.shape and frame[0, 0, 0] == 128  # input untouched
    for index in (1, 2):
        assert (out[:120, :60] == VOC_PALETTE[index]).all(axis=-1).any()
    assert (out[:, 200:] == 128).all()  # nothing drawn far from the legend


def test_reference_label_maps_as_palette_png(tmp_path):
    """A label map may be an index/palette PNG named <stem>_label.png instead of <stem>.npy."""
    from smite.data.masks import save_label_png
    from smite.data.references import load_references, save_references

    image = np.full((12, 16, 3), 90, np.uint8)
    labels = np.zeros((12, 16), np.int64)
    labels[2:6, 3:9] = 2
    save_references(tmp_path, [image], [labels], ["background", "a", "b"], ["ref"])
    (tmp_path / "ref.npy").unlink()
    save_label_png(tmp_path / "ref_label.png", labels)
    loaded = load_references(tmp_path)
    assert loaded.names == ["ref"]  # the label PNG is not taken for an image
    np.testing.assert_array_equal(loaded.labels[0], labels)
    labels[0, 0] = 5
    save_label_png(tmp_path / "ref_label.png", labels)
    with pytest.raises(SmiteInputError, match="ref_label.png"):
        load_references(tmp_path)


def test_truncated_video_is_an_error(tmp_path):
    from smite.data.video import read_video

    frames = np.random.default_rng(0).integers(0, 255, (30, 48, 64, 3)).astype(np.uint8)
    _external_video(tmp_path / "full.avi", frames, 24)
    data = (tmp_path / "full.avi").read_bytes()
    (tmp_path / "cut.avi").write_bytes(data[: len(data) // 2])
    assert len(read_video(tmp_path / "full.avi")[0]) == 30
    with pytest.raises(SmiteInputError, match=r"cut.avi: truncated video: decoded \d+ of the 30 frames"):
        read_video(tmp_path / "cut.avi")
