"""Make `scoring.npz` from the authors' own code: how their README's run scores a video.

    python tests/authors/make_scoring.py --authors /path/to/smite@7ecfff7 --out tests/fixtures/authors/scoring.npz

`bash scripts/inference.sh <category>` passes `--gt_path ground_truth/<category>/<video>` (every scripts/configs/*.sh
sets gt_base_paths), so run.py reads the ground truth with utils/setup.py `_process_ground_truth` (which calls
utils/gt_extractor.py `extract_gt`: per frame folder, the part PNGs thresholded at 127.5, overlaps to the smaller
part, argmax, `cv2.resize(..., (512, 512), INTER_NEAREST)`; the frame indices from frames_numbers.txt), may shorten
the video after its last annotated frame (`new_video_length`), and scores the 512 x 512 output with
src/metrics.py `calculate_metrics` on the frames both hold. Those three functions run here, unpatched, on ground-truth
folders written by this script (frames of their own size, overlapping parts, grey values on both sides of the
threshold, a frame folder with its PNGs in a lone subfolder) and on predictions at 512 x 512 made from the ground
truth by shifting parts and painting wrong labels. Case `long` holds only the video-length rule, on a video of 288
frames (their `video_length`) annotated up to frame 150.
"""

from __future__ import annotations

import argparse
import importlib
import json
import tempfile
import types
from pathlib import Path

import numpy as np
from harness import load_authors
from PIL import Image

PARTS = ["background", "head", "body", "arm", "leg"]
# name: (height, width, frames the video holds, annotated frame indices, seed)
CASES = {
    "wide": (45, 80, 24, [0, 4, 8, 12], 1),
    "square": (60, 60, 12, [1, 5, 9], 2),
    "long": (8, 8, 288, [0, 50, 100, 150], 3),
}
NESTED = 1  # the frame folder (by position) whose PNGs lie in a lone subfolder


def part_masks(rng: np.random.Generator, height: int, width: int) -> np.ndarray:
    """(4, H, W) uint8 grey masks: overlapping ellipses, values 0, 127, 128 and 255 (127.5 is the threshold)."""
    rows, cols = np.mgrid[0:height, 0:width]
    masks = np.zeros((len(PARTS) - 1, height, width), np.uint8)
    for k in range(len(masks)):
        cy, cx = rng.uniform(0.2, 0.8) * height, rng.uniform(0.2, 0.8) * width
        ry, rx = rng.uniform(0.1, 0.35) * height, rng.uniform(0.1, 0.35) * width
        distance = ((rows - cy) / ry) ** 2 + ((cols - cx) / rx) ** 2
        masks[k] = np.where(distance < 0.8, 255, np.where(distance < 1.0, 128, np.where(distance < 1.2, 127, 0)))
    if rng.random() < 0.5:
        masks[-1] = 0  # a part absent from this frame
    return masks


def write_ground_truth(folder: Path, masks: list[np.ndarray], annotated: list[int]) -> list[str]:
    """The authors' layout: one folder per annotated frame (natural order = frames_numbers.txt order)."""
    names = [f"frame_{position}" for position in range(len(masks))]
    for position, (name, frame) in enumerate(zip(names, masks, strict=True)):
        target = folder / name / ("inner" if position == NESTED else "")
        target.mkdir(parents=True)
        for k, mask in enumerate(frame, start=1):
            Image.fromarray(mask, mode="L").save(target / f"{k}_{PARTS[k]}.png")
    (folder / "frames_numbers.txt").write_text(f"{annotated}\n")
    return names


def prediction(rng: np.random.Generator, gt: np.ndarray) -> np.ndarray:
    """A 512 x 512 prediction: the ground truth shifted a few pixels, with rectangles of wrong labels."""
    pred = np.roll(gt, (int(rng.integers(-12, 13)), int(rng.integers(-12, 13))), axis=(0, 1)).copy()
    for _ in range(6):
        y, x = rng.integers(0, 480, size=2)
        h, w = rng.integers(8, 64, size=2)
        pred[y : y + h, x : x + w] = rng.integers(0, len(PARTS))
    return pred.astype(np.uint8)


def make_case(authors: object, workdir: Path, name: str) -> dict[str, np.ndarray]:
    height, width, frames, annotated, seed = CASES[name]
    rng = np.random.default_rng(seed)
    masks = [part_masks(rng, height, width) for _ in annotated]
    folder = workdir / name
    names = write_ground_truth(folder, masks, annotated)
    setup = authors.modules["utils.setup"]
    frame_inds = setup.get_frame_inds(0, 1, frames)  # starting_frame 0, frame_rate 1 (common_inference_params.sh)
    gt_dict = setup._process_ground_truth(str(folder), frame_inds)
    case = {f"{name}/height": np.int64(height), f"{name}/width": np.int64(width), f"{name}/frames": np.int64(frames),
            f"{name}/annotated": np.array(annotated), f"{name}/masks": np.stack(masks),
            f"{name}/folders": np.array(json.dumps(names)), f"{name}/nested": np.int64(NESTED),
            f"{name}/gt": np.asarray(gt_dict["gt"]).astype(np.uint8), f"{name}/gt_inds": np.array(gt_dict["gt_inds"]),
            f"{name}/frame_inds": np.array(gt_dict["frame_inds"]),
            f"{name}/new_video_length": np.int64(gt_dict.get("new_video_length", -1))}
    if name == "long":
        return case
    length = gt_dict.get("new_video_length") or frames
    import torch

    pred = np.zeros((length, 512, 512), np.uint8)
    for position, index in enumerate(gt_dict["gt_inds"]):
        if index < length:
            pred[index] = prediction(rng, np.asarray(gt_dict["gt"][position]))
    metrics = importlib.import_module("src.metrics")
    pipeline = types.SimpleNamespace(part_names=PARTS)
    metrics.calculate_metrics(pipeline, np.asarray(gt_dict["gt"]), torch.from_numpy(pred.astype(np.int64)),
                              gt_inds=gt_dict["gt_inds"], frame_inds=gt_dict["frame_inds"], output_path=str(folder))
    scores = json.loads((folder / "metrics.json").read_text())  # what it returns is nothing: it writes this file
    shared = scores["shared_frames"]
    case.update({f"{name}/pred": pred[shared], f"{name}/shared": np.array(shared),
                 f"{name}/F": np.float64(scores["f_measure"]), f"{name}/J": np.float64(scores["jaccard"]),
                 f"{name}/mIoU": np.float64(scores["mean_iou"]),
                 f"{name}/per_part": np.array([scores["iou_per_part"][f"iou_{p}"] for p in PARTS], np.float64)})
    return case


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--authors", type=Path, required=True, help="their checkout at 7ecfff7")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        authors = load_authors(args.authors, Path(tmp) / "code")
        arrays: dict[str, np.ndarray] = {"parts": np.array(json.dumps(PARTS)),
                                         "cases": np.array(json.dumps(list(CASES)))}
        for name in CASES:
            arrays.update(make_case(authors, Path(tmp) / "gt", name))
            print(name, "video length", int(arrays[f"{name}/new_video_length"]), "of", CASES[name][2])
    np.savez_compressed(args.out, **arrays)
    print("wrote", args.out)


if __name__ == "__main__":
    main()
