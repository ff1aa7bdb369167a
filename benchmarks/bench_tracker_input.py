"""What CoTracker3's encoder makes of frames handed over in [0, 1] (the authors') instead of 0..255 (its range).

CoTracker3 maps its input with 2 * video / 255 - 1; the authors' preprocess_frames hands it [0, 1]. This prints
how the feature encoder's output (the features its correlations are built from) changes, on a smooth random
frame, for encoders with random weights (the trained weights cannot be downloaded here): cosine similarity per
feature cell and the relative difference of the whole map. Needs the `cotracker` package.

Example: python benchmarks/bench_tracker_input.py --seeds 0 1 2
"""

from __future__ import annotations

import argparse

import cv2
import numpy as np
import torch
from common import report


def frame(seed: int, height: int, width: int) -> np.ndarray:
    """A smooth random RGB frame in 0..255 (blurred noise, stretched to the full range)."""
    noise = np.random.default_rng(seed).random((3, height, width)).astype(np.float32)
    smooth = np.stack([cv2.GaussianBlur(channel, (0, 0), 6) for channel in noise])
    return (smooth - smooth.min()) / (smooth.max() - smooth.min()) * 255


@torch.no_grad()
def main() -> None:
    from cotracker.models.core.cotracker.blocks import BasicEncoder

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--height", type=int, default=384, help="CoTracker3's model height (default 384)")
    parser.add_argument("--width", type=int, default=512, help="CoTracker3's model width (default 512)")
    args = parser.parse_args()
    rows = []
    for seed in args.seeds:
        torch.manual_seed(seed)
        encoder = BasicEncoder(input_dim=3, output_dim=128, stride=4).eval()
        video = torch.from_numpy(frame(seed, args.height, args.width))[None]
        expected, authors = (encoder(2 * (video / 255 * top / 255) - 1) for top in (255.0, 1.0))
        cosine = torch.nn.functional.cosine_similarity(authors, expected, dim=1)
        rows.append({"seed": seed, "cosine_mean": round(float(cosine.mean()), 4),
                     "cosine_min": round(float(cosine.min()), 4),
                     "relative_difference": round(float((authors - expected).norm() / expected.norm()), 4)})
    report({"benchmark": "CoTracker3 encoder features, input [0, 1] vs 0..255 (random weights)", "rows": rows})


if __name__ == "__main__":
    main()
