"""Make an `e2e_inference*.npz` case file from the authors' own code: `SMITEPipeline.__call__` as run.py calls it.

    python tests/authors/make_e2e_inference.py --authors /path/to/smite@7ecfff7 --seed 23 \
        --out tests/fixtures/authors/e2e_inference_s23.npz

Run it in the authors' environment (README.md here); tests/test_fidelity_e2e.py runs every case of every such file.
Cases: a (tracking + low-pass, lambda 1 / 8), b (no guidance), d (a with the reference pass's CFG literals at 0),
c (a with the face datasets' 2 x 2 tiling: get_crops_coords at 450/512 of the input, as run.py sets it);
`--kernel sdpa` runs their code with another exact attention kernel (their float floor, see README.md).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import re
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from compare_cases import case_names
from harness import (
    Authors,
    Recorder,
    TinyModel,
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

PARTS = ["background", "body", "head"]
CASES = {
    "a": ("full method: tracking + low-pass", 1.0, 8.0, False),
    "b": ("no guidance: inflated UNet only", 0.0, 0.0, False),
    "d": ("full method, reference pass with guidance_scale 0 (CFG batch removed)", 1.0, 8.0, True),
    "c": ("full method with the face 2x2 crop tiling", 1.0, 8.0, False),
}
TILED = {"c"}
FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "authors" / "e2e_inference.npz"


def blob_video(rng: np.random.Generator, frames: int, size: int, height: int | None = None,
               scale: float = 1.0, noise: float = 6.0) -> np.ndarray:
    """Two soft blobs (a green 'head' over a red 'body') drifting on a dark noisy ground: (T, H, W, 3) uint8.
    `scale` sizes the blobs (1: a radius of 0.18-0.28 of the short side); `noise` is the ground's noise (std)."""
    height = height or size
    yy, xx = np.mgrid[0:height, 0:size].astype(np.float64)
    start = rng.uniform([0.3, 0.3], [0.7, 0.7]) * [height, size]
    velocity = rng.normal(0, 0.3, 2)
    radius = rng.uniform(0.18, 0.28) * min(height, size) * scale
    video = []
    for t in range(frames):
        centre = start + velocity * t
        head = np.exp(-(((yy - centre[0]) ** 2 + (xx - centre[1]) ** 2) / (2 * radius**2)))
        body = np.exp(-(((yy - centre[0] - 1.6 * radius) ** 2 + (xx - centre[1]) ** 2) / (2 * (0.8 * radius) ** 2)))
        image = np.stack([60 * body + 20, 200 * head + 30, 40 + 0 * head], -1) + rng.normal(0, noise, (height, size, 3))
        video.append(np.clip(image, 0, 255).astype(np.uint8))
    return np.stack(video)


def smooth_tracks(rng: np.random.Generator, frames: int, grid: int, invisible: float = 0.1) -> tuple[np.ndarray,
                                                                                                       np.ndarray]:
    """Tracks (q, j, point, xy) in cells: the grid point of query frame q moved by a smooth random flow to frame j,
    rounded; ~`invisible` of the others hidden, and those off the grid too (as their postprocess_predictions)."""
    rows, cols = np.mgrid[0:grid, 0:grid]
    points = np.stack([cols.ravel(), rows.ravel()], -1).astype(np.float64)  # (N, 2) as (x, y)
    phase = rng.uniform(0, 2 * np.pi, 2)
    velocity = 0.15 * np.stack([np.sin(points[:, 1] / grid * np.pi + phase[0]),
                                np.cos(points[:, 0] / grid * np.pi + phase[1])], -1)
    lag = np.arange(frames)[None, :] - np.arange(frames)[:, None]  # (q, j)
    moved = points[None, None] + lag[..., None, None] * velocity[None, None]
    tracks = np.round(moved + rng.normal(0, 0.3, moved.shape)).astype(np.int16)
    visible = rng.random(tracks.shape[:3]) > invisible
    visible &= (tracks >= 0).all(-1) & (tracks <= grid - 1).all(-1)
    for q in range(frames):
        tracks[q, q] = points.astype(np.int16)
        visible[q, q] = True
    return tracks, visible


def tile_coords(authors, side: int) -> list[list[int]]:
    """run.py's face tiling (get_crop_coords_if_needed, patch_size=450 of 512) at the tiny model's input size."""
    return authors["utils.image_processing"].get_crops_coords([side, side], patch_size=side * 450 // 512,
                                                              num_patchs_per_side=2)


@dataclass(frozen=True)
class WindowStarts:
    """What each window of a case file starts from in tests/test_fidelity_e2e.py: the file's random draws (in call
    order) and each window's reference maps S_ref (the hand-over from the window before included)."""

    draws: list[np.ndarray]
    references: dict[int, np.ndarray]

    @classmethod
    def read(cls, path: Path, name: str) -> WindowStarts:
        with np.load(path) as data:
            prefix = case_names(data)[name]
            draws = sorted(k for k in data.files if re.fullmatch(rf"{prefix}\.draw_\d+", k))
            pattern = re.compile(rf"{prefix}\.w(\d+)\.S_ref")
            return cls([data[k] for k in draws],
                       {int(m[1]): data[k] for k in data.files if (m := pattern.fullmatch(k))})


def restarted(recorder: Recorder, starts: WindowStarts, authors: Authors) -> Callable[[contextlib.ExitStack], None]:
    """An `extra` for `recording`: their run takes the file's draws and reference maps in place of its own (the
    recorder keeps the file's), so each window starts from the state the project's test starts it from."""
    def drawn(original: Callable[..., torch.Tensor]) -> Callable[..., torch.Tensor]:
        def wrapped(*args: Any, **kwargs: Any) -> torch.Tensor:
            value = original(*args, **kwargs)  # the recorder's wrapper: it has just recorded this draw
            meta, _ = recorder.draws[-1]
            given = starts.draws[len(recorder.draws) - 1]
            assert list(given.shape) == meta["shape"], f"draw {len(recorder.draws) - 1}: {meta} vs {given.shape}"
            value.copy_(torch.from_numpy(given))
            recorder.draws[-1] = (meta, given.copy())
            return value
        return wrapped

    def reference(original: Callable[..., Any]) -> Callable[..., Any]:
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            maps, saved = original(*args, **kwargs)
            maps["was_64_attention_maps"].copy_(torch.from_numpy(starts.references[recorder.window]))
            return maps, saved
        return wrapped

    def enter(stack: contextlib.ExitStack) -> None:
        for name in ("randn", "randint", "randn_like"):
            stack.enter_context(swapped(torch, name, drawn))
        stack.enter_context(swapped(authors["src.inference"], "_get_refrence", reference))
    return enter


def run_case(authors, model, frames, tracks, visible, track_weight, reg_weight, patched_reference,
             debug: bool = False, vae_slicing: bool = True, crop_coords: list | None = None,
             starts: WindowStarts | None = None) -> tuple[Recorder, dict]:
    """One run of their pipeline; its draws, stages and outputs. `starts`: a file's state to start windows from."""
    authors["src.inference"].REFERENCE_GUIDANCE_SCALE = 0 if patched_reference else 100
    pipe = build_pipeline(authors, model, vae_slicing)
    torch.manual_seed(777)  # run.py: set_generator(777)
    generator = torch.Generator().manual_seed(777)
    recorder = Recorder(debug=debug)
    extra = None if starts is None else restarted(recorder, starts, authors)
    began = time.perf_counter()
    with recording(authors, recorder, tracks, visible, extra):
        was = pipe(model.config["prompt"], crop_coords=crop_coords, video_length=len(frames),
                   frames=frames_as_pil(frames), height=model.config["frame"], width=model.config["frame"],
                   generator=generator,
                   **run_kwargs(model, track_weight=track_weight, regularization_weight=reg_weight))["segmentation"]
    seconds = time.perf_counter() - began
    was = was.float()
    step = was.shape[-1] // 16
    outputs = {"labels": was.argmax(1).numpy().astype(np.uint8), "was_sub": was[:, :, step // 4::step,
                                                                                 step // 4::step].numpy(),
               "seconds": seconds}
    return recorder, outputs


def replayed(path: Path) -> tuple[TinyModel, np.ndarray, np.ndarray, np.ndarray]:
    """The model, frames and tracks a case file holds."""
    with np.load(path) as data:
        config = json.loads(str(data["config"]))
        keep = ("unet", "vae", "text", "scheduler", "parts", "prompt", "frame", "R", "seed", "attention_layers",
                "layers_to_save", "authors_commit")
        weights = {k.removeprefix("weight."): data[k] for k in data.files if k.startswith("weight.")}
        model = TinyModel({k: config[k] for k in keep if k in config}, weights, str(data["tokenizer.vocab_json"]),
                          str(data["tokenizer.merges_txt"]), data["part_embeddings"])
        return model, data["frames"], data["tracks"], data["visibility"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--authors", type=Path, required=True, help="a checkout of the authors' code at 7ecfff7")
    parser.add_argument("--seed", type=int, help="make the model, frames and tracks from this seed")
    parser.add_argument("--replay", type=Path, help="take the model, frames and tracks of this case file instead (to "
                        "rerun their code on a committed case under a change that leaves the mathematics alone)")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--frames", type=int, default=24)
    parser.add_argument("--cases", default="abd")
    parser.add_argument("--kernel", choices=["exact", "sdpa"], default="exact")
    parser.add_argument("--no-vae-slicing", action="store_true",
                        help="encode the video in one VAE batch (load_pipeline slices it: a float-floor variation)")
    parser.add_argument("--debug", action="store_true", help="also record each update's gradient and latent")
    parser.add_argument("--restart", type=Path,
                        help="take this case file's random draws and start every window from its reference maps (the "
                        "hand-over included), as the project's test does: their own code's floor for one window's "
                        "chain under a change that leaves the mathematics alone")
    args = parser.parse_args()
    if (args.seed is None) == (args.replay is None):
        parser.error("give one of --seed and --replay")
    side = 64
    if args.replay is None:
        rng = np.random.default_rng(args.seed)
        frames = blob_video(rng, args.frames, side)
        tracks, visible = smooth_tracks(rng, args.frames, side // 8)
    with tempfile.TemporaryDirectory() as work:
        authors = load_authors(args.authors, Path(work), args.kernel)
        if args.replay is None:
            model = make_tiny_model(args.seed, frames, PARTS, tokenizer_files(FIXTURE), side)
        else:
            model, frames, tracks, visible = replayed(args.replay)
        set_constants(authors, model)
        arrays = {**model.arrays(), "frames": frames, "tracks": tracks, "visibility": visible}
        config = {**model.config, "frames": len(frames), "cases": list(args.cases), "kernel": args.kernel,
                  "vae_slicing": not args.no_vae_slicing, "restart": str(args.restart or "")}
        for index, name in enumerate(args.cases):
            description, track_weight, reg_weight, patched = CASES[name]
            coords = tile_coords(authors, side) if name in TILED else None
            starts = None if args.restart is None else WindowStarts.read(args.restart, name)
            recorder, outputs = run_case(authors, model, frames, tracks, visible, track_weight, reg_weight, patched,
                                         args.debug, not args.no_vae_slicing, coords, starts)
            arrays.update(case_arrays(index, recorder, {
                "case": name, "description": description, "track_weight": track_weight,
                "regularization_weight": reg_weight,
                "crop_coords": np.asarray(coords if coords is not None else np.zeros((0, 4)), np.int64),
                "patched_reference": patched, **outputs}))
            print(f"case {name}: {outputs['seconds']:.1f} s, {len(recorder.draws)} draws, windows "
                  f"{[(w['start'], w['stop']) for w in recorder.windows]}")
        arrays["config"] = json.dumps(config)
        args.out.parent.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(args.out, **arrays)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
