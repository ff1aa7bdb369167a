"""Make an `e2e_hierarchical*.npz` case file from the authors' own code: the two-pass inference their README runs.

    python tests/authors/make_e2e_hierarchical.py --authors /path/to/smite@7ecfff7 --seed 5 \
        --out tests/fixtures/authors/e2e_hierarchical_s5.npz

`bash scripts/inference.sh <category>` sets hierarchical_segmentation="true" (scripts/parser/parse_args_inference.sh),
so run.py calls `pipe.inference_with_hierarchical_segmentation(prompt, crop_coords=..., **inference_args)`
(src/hierarchical_segmentation.py) on the frames at their own size (utils/setup.py load_video: height and width
None). That call is what runs here, as run.py makes it, on a tiny random model (harness.py: what is patched and
why). Cases:

* h1: square frames larger than the model's input, track and regularisation weights 0 / 0 (every released config);
* h2: frames of aspect ratio 1.75 (> 1.5: handle_high_aspect_ratio_frames' square crops), weights 0 / 0;
* h3: h1's frames with the full method (tracking + low-pass, 1 / 8), the case's tracks injected in every pass.

Besides the draws and the stages of every window of every pass (pass names `primitive`, `aspect`, `final`), the file
keeps what the two-pass flow computes between the passes: the frames at the model's input size, the primitive
passes' output, the foreground masks and their crop boxes, the crop video, the final pass's output and the whole
output at the 512 x 512 scoring size. The generator asserts that every frame's foreground is a proper sub-box
(neither empty nor the whole frame), so the crops are exercised.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch
from harness import (
    Recorder,
    build_pipeline,
    case_arrays,
    frames_as_pil,
    load_authors,
    make_tiny_model,
    recording,
    run_kwargs,
    set_constants,
    swapped,
    tokenizer_files,
)
from make_e2e_inference import FIXTURE, PARTS, blob_video, smooth_tracks

SIDE = 64  # the tiny model's input size (SD 2.1: 512)
# name: (description, track weight, regularisation weight, frame height, frame width)
CASES = {
    "h1": ("square frames, weights 0 / 0 (as every released config)", 0.0, 0.0, 96, 96),
    "h2": ("aspect ratio 1.75 > 1.5: square crops around the mask first, weights 0 / 0", 0.0, 0.0, 64, 112),
    "h3": ("square frames, the full method (tracking + low-pass)", 1.0, 8.0, 96, 96),
}
SHARED = ("frames", "frames_model", "mask", "boxes", "cropped")  # stored once for cases of the same frames
SUBSAMPLE = 16  # rows and columns kept of a 512-px map: 8, 40, ... (as e2e_inference*.npz)


def subsample(was: torch.Tensor) -> np.ndarray:
    step = was.shape[-1] // SUBSAMPLE
    return was[:, :, step // 4 :: step, step // 4 :: step].float().numpy()


def flow_taps(authors: Any, recorder: Recorder, kept: dict[str, Any]) -> Any:
    """Swaps that name each pipeline call's pass and keep what the two-pass flow computes between passes."""
    hierarchical = authors["src.hierarchical_segmentation"]
    pipe_cls = authors["src"].SMITEPipeline

    def passes(original: Any) -> Any:
        def wrapped(self: Any, *args: Any, **kwargs: Any) -> Any:
            name = recorder.pass_name
            out = original(self, *args, **kwargs)
            kept[f"{name}.was"] = out["segmentation"].float().clone()
            return out
        return wrapped

    def aspect(original: Any) -> Any:
        def wrapped(frames_full: torch.Tensor, primitive_mask: torch.Tensor, *args: Any, **kwargs: Any) -> Any:
            kept["primitive.mask"] = primitive_mask.clone()
            recorder.pass_name = "aspect"
            was_full, mask = original(frames_full, primitive_mask, *args, **kwargs)
            kept["aspect.was_full"] = was_full.float().clone()
            return was_full, mask
        return wrapped

    def crop(original: Any) -> Any:
        def wrapped(frames_full: torch.Tensor, primitive_mask: torch.Tensor, *args: Any, **kwargs: Any) -> Any:
            kept["frames_full"] = frames_full.float().clone()
            kept["mask"] = primitive_mask.clone()
            cropped, information = original(frames_full, primitive_mask, *args, **kwargs)
            kept["boxes"] = np.asarray([information[i] for i in range(len(information))], np.int64)
            kept["cropped"] = torch.cat(cropped).float().clone()
            recorder.pass_name = "final"
            return cropped, information
        return wrapped

    def first_call(original: Any) -> Any:
        def wrapped(self: Any, *args: Any, **kwargs: Any) -> Any:
            if recorder.pass_name == "prepare" and kwargs.get("height") is not None:  # frames_512
                out = original(self, *args, **kwargs)
                kept["frames_model"] = out["frames"].float().clone()
                recorder.pass_name = "primitive"
                return out
            return original(self, *args, **kwargs)
        return wrapped

    def extra(stack: contextlib.ExitStack) -> None:
        stack.enter_context(swapped(pipe_cls, "__call__", passes))
        stack.enter_context(swapped(pipe_cls, "check_and_initialize", first_call))
        stack.enter_context(swapped(hierarchical, "handle_high_aspect_ratio_frames", aspect))
        stack.enter_context(swapped(hierarchical, "crop_video_based_on_primitive_mask", crop))
    return extra


def run_case(authors: Any, model: Any, frames: np.ndarray, tracks: np.ndarray, visible: np.ndarray,
             track_weight: float, reg_weight: float) -> tuple[Recorder, dict[str, Any]]:
    """run.py's call of inference_with_hierarchical_segmentation on the frames at their own size."""
    authors["src.inference"].REFERENCE_GUIDANCE_SCALE = 100
    pipe = build_pipeline(authors, model)
    torch.manual_seed(777)  # run.py: set_generator(777)
    generator = torch.Generator().manual_seed(777)
    recorder = Recorder()
    recorder.pass_name = "prepare"
    kept: dict[str, Any] = {}
    began = time.perf_counter()
    kwargs = run_kwargs(model, track_weight=track_weight, regularization_weight=reg_weight)
    with recording(authors, recorder, tracks, visible, flow_taps(authors, recorder, kept)):
        was = pipe.inference_with_hierarchical_segmentation(
            model.config["prompt"], crop_coords=None, video_length=len(frames), frames=frames_as_pil(frames),
            height=SIDE, width=SIDE, generator=generator, **kwargs)["segmentation"]
    seconds = time.perf_counter() - began
    was = was.float()
    mask = kept["mask"].numpy().astype(bool)
    outputs = {
        "labels": was.argmax(1).numpy().astype(np.uint8), "was_sub": subsample(was), "seconds": seconds,
        "full_shape": np.asarray(kept["frames_full"].shape[-2:]),  # their frames_full (H8, W8)
        "frames_model": kept["frames_model"][0].transpose(0, 1).numpy(),
        "primitive.labels": kept["primitive.was"].argmax(1).numpy().astype(np.uint8),
        "primitive.was_sub": subsample(kept["primitive.was"]),
        "mask": mask, "boxes": kept["boxes"], "cropped": kept["cropped"].numpy(),
        "final.labels": kept["final.was"].argmax(1).numpy().astype(np.uint8),
        "final.was_sub": subsample(kept["final.was"]), "final.max": float(kept["final.was"].max()),
    }
    if "primitive.mask" in kept:
        outputs["primitive.mask"] = kept["primitive.mask"].numpy().astype(bool)
        outputs["aspect.labels"] = kept["aspect.was"].argmax(1).numpy().astype(np.uint8)
        outputs["aspect.was_sub"] = subsample(kept["aspect.was"])
    return recorder, outputs


def check_sub_boxes(mask: np.ndarray) -> None:
    """At least half the frames' foreground boxes are proper sub-boxes (neither empty nor the whole frame), so the
    crop step is exercised, not skipped; the others keep the whole frame, the step's other branch."""
    proper = 0
    for frame in mask:
        rows, cols = np.flatnonzero(frame.any(1)), np.flatnonzero(frame.any(0))
        proper += frame.sum() >= 5 and (rows[0] > 0 or rows[-1] < frame.shape[0] - 1 or cols[0] > 0
                                        or cols[-1] < frame.shape[1] - 1)
    assert 2 * proper >= len(mask), f"only {proper} of {len(mask)} frames have a proper sub-box of foreground"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--authors", type=Path, required=True, help="a checkout of the authors' code at 7ecfff7")
    parser.add_argument("--seed", type=int, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--frames", type=int, default=20)
    parser.add_argument("--cases", default="h1,h2,h3")
    parser.add_argument("--radius", type=float, default=0.5, help="the blobs' size as a share of blob_video's")
    args = parser.parse_args()
    names = args.cases.split(",")
    rng = np.random.default_rng(args.seed)
    videos = {}
    for name in names:
        height, width = CASES[name][3:]
        key = (height, width)
        if key not in videos:
            videos[key] = blob_video(rng, args.frames, width, height, args.radius)
    tracks, visible = smooth_tracks(rng, args.frames, SIDE // 8)
    with tempfile.TemporaryDirectory() as work:
        authors = load_authors(args.authors, Path(work))
        model = make_tiny_model(args.seed, next(iter(videos.values())), PARTS, tokenizer_files(FIXTURE), SIDE)
        set_constants(authors, model)
        arrays = {**model.arrays(), "tracks": tracks, "visibility": visible}
        config = {**model.config, "frames": args.frames, "cases": names, "radius": args.radius,
                  "kernel": "exact", "vae_slicing": True, "flow": "inference_with_hierarchical_segmentation"}
        written: list[tuple[tuple[int, int], dict[str, Any]]] = []
        for index, name in enumerate(names):
            description, track_weight, reg_weight, height, width = CASES[name]
            frames = videos[(height, width)]
            recorder, outputs = run_case(authors, model, frames, tracks, visible, track_weight, reg_weight)
            check_sub_boxes(outputs["mask"])
            fields = {"case": name, "description": description, "track_weight": track_weight,
                      "regularization_weight": reg_weight, "frames": frames, **outputs}
            for earlier, (key, earlier_fields) in enumerate(written):
                if key == (height, width):  # the same frames: the inputs are the earlier case's, stored once
                    same = [f for f in SHARED if np.array_equal(fields[f], earlier_fields[f])]
                    fields = {k: v for k, v in fields.items() if k not in same}
                    fields["inputs_of"], fields["shared"] = earlier, json.dumps(same)
                    break
            else:
                written.append(((height, width), fields))
            arrays.update(case_arrays(index, recorder, fields))
            areas = [(b[2] - b[0]) * (b[3] - b[1]) / (height * width) for b in outputs["boxes"]]
            print(f"case {name}: {outputs['seconds']:.1f} s, {len(recorder.draws)} draws, boxes cover "
                  f"{min(areas):.2f}-{max(areas):.2f} of the frame, passes "
                  f"{sorted({w.get('pass', '') for w in recorder.windows})}")
        arrays["config"] = json.dumps(config)
        args.out.parent.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(args.out, **arrays)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
