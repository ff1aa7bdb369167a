"""The authors' training loss against itself in float64: the float floor of the gradients train_step*.npz records.

For every step of every case, their compute_loss (src/training.py, with frequency_loss) runs on the maps the case
recorded, once in float32 as their training does and once in float64 (harness PATCHES: LOSS_DTYPE), and 0.01 x
the total is differentiated w.r.t. the cross-attention logits, the self-attention maps and the WAS maps they build
from them (training_step: softmax over the parts, bilinear resize to the attention grid, weighted sum of the self
maps). The relative distance (max |float32 - float64| / max |float64|) of each gradient is their own float floor:
two correct float32 computations lie within twice it of each other. tests/test_fidelity_e2e.py sets GRADIENT from
what this prints. Run in the authors' environment (README.md here); CI does not run it.

Without the Fourier term the loss is smooth and the floor is a float floor (~1e-6); with it, the floor is far
larger on some steps (up to 8e-2 on the committed file): the term's phases of coefficients that are zero up to
rounding (the one-hot target's spectrum, next to angle's branch cut) take the other branch in float64, and the
gradient jumps with them. --write keeps, per step, the recorded maps, their float64 gradients without the Fourier
term and the float32 floor of those (tests/fixtures/authors/train_loss_grad.npz, tests/test_fidelity.py).

    python measure_train_floor.py --authors /path/to/their/checkout [--write OUT.npz] [train_step.npz ...]
"""

from __future__ import annotations

import argparse
import json
import re
import tempfile
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from harness import load_authors

FIXTURE = Path(__file__).parents[1] / "fixtures" / "authors" / "train_step.npz"


def gradients(authors, step: dict[str, np.ndarray], config: dict, epoch: int, dtype: torch.dtype,
              fourier: bool = True) -> dict:
    """0.01 x their compute_loss total, differentiated w.r.t. the step's recorded maps, computed in dtype (without
    the Fourier term when fourier is False)."""
    authors["src.training"].LOSS_DTYPE = dtype
    cross = torch.tensor(step["cross_logits"], dtype=dtype, requires_grad=True)  # (K, R, R)
    self_maps = torch.tensor(step["self_maps"], dtype=dtype, requires_grad=True)  # (R^2, R, R) [key p][query x]
    small = F.interpolate(cross.softmax(dim=0)[None], config["R"], mode="bilinear")[0]
    was = (self_maps[None] * small.flatten(1, 2)[..., None, None]).sum(dim=1)
    was.retain_grad()
    mask = torch.from_numpy(step["mask"])
    noise_pred, noise = (torch.from_numpy(step[name]).reshape(1, *step[name].shape[-3:])
                         for name in ("noise_pred", "noise"))
    losses = authors["src.training"].compute_loss(
        cross_attention=cross, was_attention=was, cross_gt=mask[None],
        was_gt=torch.tensor(step["one_hot"], dtype=dtype),
        pixel_weights=torch.tensor(step["pixel_weights"], dtype=dtype),
        noise=noise_pred, noise_gt=noise, epoch=epoch, num_parts=len(config["parts"]),
        coef_loss_sd=config["coef_loss_sd"], coef_loss_fourier=config["coef_loss_fourier"] if fourier else 0.0)
    (config["loss_scale"] * losses["total"]).backward()
    return {"grad_cross_logits": cross.grad, "grad_self_maps": self_maps.grad, "grad_was": was.grad}


def relative(actual: torch.Tensor, exact: torch.Tensor) -> float:
    actual, exact = actual.double(), exact.double()
    return float((actual - exact).abs().max() / exact.abs().max().clamp_min(1e-300))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--authors", type=Path, required=True, help="their checkout at 7ecfff7")
    parser.add_argument("--write", type=Path, help="write the Fourier-free gradient cases here")
    parser.add_argument("files", type=Path, nargs="*", default=[FIXTURE])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as workdir:
        authors = load_authors(args.authors, Path(workdir))
        worst: dict[str, float] = {}
        written: dict[str, np.ndarray] = {}
        for path in args.files:
            data = dict(np.load(path))
            config = json.loads(str(data["config"]))
            authors["src.frequency_filter"].FOURIER_CUTOFF = config["fourier_cutoff"]
            steps: dict[tuple[int, int], dict[str, np.ndarray]] = {}
            for key, value in data.items():
                match = re.fullmatch(r"c(\d+)\.s(\d+)\.(.+)", key)
                if match:
                    steps.setdefault((int(match[1]), int(match[2])), {})[match[3]] = value
            for (case, number), step in sorted(steps.items()):
                epoch = int(data[f"c{case}.epoch"])
                single, double = (gradients(authors, step, config, epoch, dtype) for dtype in (torch.float32,
                                                                                                torch.float64))
                floors = {name: relative(single[name], double[name]) for name in single}
                recorded = {name: relative(torch.from_numpy(step[name]), double[name]) for name in single}
                smooth32, smooth64 = (gradients(authors, step, config, epoch, dtype, fourier=False)
                                      for dtype in (torch.float32, torch.float64))
                smooth = {name: relative(smooth32[name], smooth64[name]) for name in smooth32}
                print("  without the Fourier term: " + " ".join(f"{k} {v:.2e}" for k, v in smooth.items()))
                index = len({key.split(".")[0] for key in written})
                written.update({f"c{index}.{name}": step[name] for name in
                                ("cross_logits", "self_maps", "mask", "one_hot", "pixel_weights")})
                written.update({f"c{index}.{name}": smooth64[name].numpy() for name in smooth64})
                written.update({f"c{index}.floor.{name}": np.float64(value) for name, value in smooth.items()})
                written[f"c{index}.R"] = np.int64(config["R"])
                written[f"c{index}.loss_scale"] = np.float64(config["loss_scale"])
                written[f"c{index}.source"] = np.str_(f"{path.name} c{case} s{number}")
                for name, value in floors.items():
                    worst[name] = max(worst.get(name, 0.0), value, recorded[name])
                print(f"{path.name} c{case} s{number}: float32 vs float64 "
                      + " ".join(f"{k} {v:.2e}" for k, v in floors.items())
                      + " | recorded vs float64 " + " ".join(f"{k} {v:.2e}" for k, v in recorded.items()))
        print("worst:", " ".join(f"{k} {v:.2e}" for k, v in worst.items()))
        if args.write:
            np.savez_compressed(args.write, **written)
            print("wrote", args.write)


if __name__ == "__main__":
    main()
