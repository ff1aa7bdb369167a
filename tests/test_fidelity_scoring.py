"""How the authors' README run reads and scores a video, held to their code (tests/authors/make_scoring.py: their
`_process_ground_truth`, `extract_gt` and `calculate_metrics` on ground-truth folders the generator wrote).

The ground truth is read from the same PNG files by the project's SMITE-50 reader and brought to 512 x 512 as the
evaluation does at `inference.score_size: 512`; it must equal theirs on every pixel (integer maps: no tolerance).
The scores of their 512 x 512 predictions come from the same integer maps; 1e-9 relative is float64 summation
order (the project averages the same per-frame values in another order).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from smite.data.masks import save_label_png
from smite.data.protocols import authors_video_length, protocol_frames, video_source
from smite.data.smite50 import annotated_frames, load_ground_truth
from smite.data.smite50.synth import SynthSettings, generate_benchmark
from smite.data.video import open_video, read_video
from smite.metrics import evaluate_dirs
from smite.metrics.folders import at_score_size

FIXTURE = Path(__file__).parent / "fixtures" / "authors" / "scoring.npz"
SCORE_SIZE = 512  # their gt_extractor's and output's size (inference.score_size)
SUMMATION = 1e-9  # float64, another order of the same sums


def _load() -> tuple[list[str], dict[str, dict[str, np.ndarray]]]:
    with np.load(FIXTURE) as data:
        parts = json.loads(str(data["parts"]))
        cases = {name: {key.split("/", 1)[1]: data[key] for key in data.files if key.startswith(f"{name}/")}
                 for name in json.loads(str(data["cases"]))}
    return parts, cases


PARTS, CASES = _load()
SCORED = [name for name, case in CASES.items() if "pred" in case]


def _layout(root: Path, case: dict[str, np.ndarray]) -> None:
    """The case's part PNGs in the SMITE-50 layout (ground_truth/<category>/<video>/<frame folder>/...)."""
    folder = root / "ground_truth" / "cat" / "video"
    for position, name in enumerate(json.loads(str(case["folders"]))):
        target = folder / name / ("inner" if position == int(case["nested"]) else "")
        target.mkdir(parents=True)
        for k, mask in enumerate(case["masks"][position], start=1):
            Image.fromarray(mask, mode="L").save(target / f"{k}_{PARTS[k]}.png")
    (folder / "frames_numbers.txt").write_text(f"{case['annotated'].tolist()}\n")


@pytest.mark.parametrize("name", list(CASES))
def test_ground_truth_at_the_scoring_size(tmp_path: Path, name: str) -> None:
    """extract_gt: part PNGs > 127.5, overlaps to the smaller part, frame folders by frames_numbers.txt, nearest
    to 512 x 512: the project's reader and at_score_size give their maps on every pixel."""
    case = CASES[name]
    _layout(tmp_path, case)
    labels = load_ground_truth(tmp_path, "cat", "video", len(PARTS))
    assert sorted(labels) == sorted(case["gt_inds"].tolist())
    for position, index in enumerate(case["gt_inds"].tolist()):
        assert labels[index].shape == (int(case["height"]), int(case["width"]))
        np.testing.assert_array_equal(at_score_size(labels[index], SCORE_SIZE), case["gt"][position])


@pytest.mark.parametrize("name", SCORED)
def test_scores_at_the_scoring_size(tmp_path: Path, name: str) -> None:
    """calculate_metrics on their 512 x 512 output against the 512 x 512 ground truth: the evaluation at
    score_size 512 (ground truth at the frames' size, as rule ground_truth writes it) gives their F, J and mIoU."""
    case = CASES[name]
    _layout(tmp_path / "root", case)
    gt_dir, pred_dir = tmp_path / "gt", tmp_path / "pred"
    gt_dir.mkdir()
    pred_dir.mkdir()
    for index, labels in load_ground_truth(tmp_path / "root", "cat", "video", len(PARTS)).items():
        save_label_png(gt_dir / f"{index:05d}.png", labels.astype(np.uint8))
    for index, pred in zip(case["shared"].tolist(), case["pred"], strict=True):
        save_label_png(pred_dir / f"{index:05d}.png", pred)
    scores = evaluate_dirs(pred_dir, gt_dir, part_names=PARTS, score_size=SCORE_SIZE)
    assert scores["frames"] == len(case["shared"]) and scores["score_size"] == SCORE_SIZE
    np.testing.assert_allclose([scores["F"], scores["J"], scores["mIoU"]],
                               [case["F"], case["J"], case["mIoU"]], rtol=SUMMATION)
    per_part = [scores["per_part"][part]["IoU"] for part in PARTS]
    np.testing.assert_allclose(per_part, case["per_part"], rtol=SUMMATION, atol=1e-12)


def test_scoring_size_changes_the_scores(tmp_path: Path) -> None:
    """The switch: at the frames' own size (score_size 0) the same labels score otherwise."""
    case = CASES[SCORED[0]]
    _layout(tmp_path / "root", case)
    gt_dir, pred_dir = tmp_path / "gt", tmp_path / "pred"
    gt_dir.mkdir()
    pred_dir.mkdir()
    size = (int(case["width"]), int(case["height"]))
    for index, labels in load_ground_truth(tmp_path / "root", "cat", "video", len(PARTS)).items():
        save_label_png(gt_dir / f"{index:05d}.png", labels.astype(np.uint8))
    for index, pred in zip(case["shared"].tolist(), case["pred"], strict=True):
        save_label_png(pred_dir / f"{index:05d}.png", np.asarray(Image.fromarray(pred).resize(size, Image.NEAREST)))
    at_frames = evaluate_dirs(pred_dir, gt_dir, part_names=PARTS)
    at_512 = evaluate_dirs(pred_dir, gt_dir, part_names=PARTS, score_size=SCORE_SIZE)
    assert at_frames["score_size"] == 0 and at_512["score_size"] == SCORE_SIZE
    assert at_frames["F"] != pytest.approx(at_512["F"], rel=1e-3)


@pytest.mark.parametrize("name", list(CASES))
def test_video_length_after_the_last_annotation(name: str) -> None:
    """_process_ground_truth's new_video_length (their frame_inds otherwise): authors_video_length gives it."""
    case = CASES[name]
    expected = int(case["new_video_length"]) if int(case["new_video_length"]) > 0 else int(case["frames"])
    length = authors_video_length(int(case["frames"]), case["annotated"].tolist(), 288, True)
    assert length == expected == len(case["frame_inds"])


def test_video_length_closed_form() -> None:
    """At most max_frames; 4+ frames after the last annotated one: the first of +5, +4, +3, +2 frames that is a
    multiple of 4 (frame 100 annotated last: 104 frames); switched off, every frame up to max_frames."""
    assert authors_video_length(300, [0, 100], 288, True) == 104
    assert authors_video_length(300, [0, 100], 288, False) == 288
    assert authors_video_length(300, [0, 100], None, False) == 300
    assert authors_video_length(300, [0, 297], None, True) == 300  # 2 frames after the last: kept
    assert authors_video_length(12, [0, 4, 8], 288, True) == 12  # 3 frames after: kept
    assert authors_video_length(13, [0, 4, 8], 288, True) == 12


def test_protocol_frames_of_a_smite50_video(tmp_path: Path) -> None:
    """A synthetic SMITE-50 video of 20 frames annotated up to frame 10: tracked, segmented and scored on its first
    12 (11 + 1 is the first multiple of 4 of 15, 14, 13, 12), and the stream gives those."""
    generate_benchmark(tmp_path, SynthSettings(categories=["robot"], references_per_category=1, videos_per_category=1,
                                             min_frames=20, max_frames=20, annotate_every=5, size=32))
    gt_dir = tmp_path / "ground_truth" / "robot" / "robot_00"
    shutil.rmtree(gt_dir / "00015")  # annotated [0, 5, 10, 15] as generated
    (tmp_path / "videos" / "robot" / "robot_00" / "frames_numbers.txt").write_text("[0, 5, 10]\n")
    trim = {"max_frames": 288, "end_after_annotations": True}
    whole = {"max_frames": None, "end_after_annotations": False}
    assert annotated_frames(tmp_path, "robot", "robot_00") == [0, 5, 10]
    assert protocol_frames("smite50", tmp_path, "robot", "robot_00", trim) == 12
    assert protocol_frames("smite50", tmp_path, "robot", "robot_00", whole) is None
    assert protocol_frames("smite50", tmp_path, "robot", "robot_00", {**whole, "max_frames": 9}) == 9
    source = video_source("smite50", tmp_path, "robot", "robot_00")
    stream = open_video(source, 12)
    assert stream.count == 12 and len(list(stream)) == 12 and len(read_video(source, 12)[0]) == 12
    assert open_video(source).count == 20
