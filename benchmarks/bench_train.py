"""Seconds and peak memory of training on 10 references for N epochs (target: 300 epochs in <= 5 min on an H100).

Example: python benchmarks/bench_train.py --epochs 2 --device cuda --precision fp16
"""

from __future__ import annotations

import argparse

import numpy as np
from common import peak_memory_gb, report, settings_for, timed

from smite.config import train_settings
from smite.data.references import ReferenceSet
from smite.learn.train import train
from smite.model.backbone import load_backbone
from smite.model.segmenter import PartSegmenter


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=2, help="epochs to time (default 2); the paper trains 300")
    parser.add_argument("--references", type=int, default=10, help="reference images (default 10)")
    parser.add_argument("--backbone", default="sd21_random", help="sd21_random (default) | embedded | sd21")
    parser.add_argument("--device", default="auto")
    parser.add_argument("--precision", default="fp16", choices=["fp32", "fp16", "bf16"])
    parser.add_argument("--mode", default="two-phase", choices=["embeddings", "two-phase", "joint"])
    args = parser.parse_args()
    settings = settings_for(args.backbone, args.device, args.precision)
    backbone = load_backbone(args.backbone, settings.backbone, 0, settings.device, args.precision)
    size = backbone.image_size
    rng = np.random.default_rng(0)
    labels = [np.repeat(np.repeat(rng.integers(0, 5, (8, 8)), size // 8, 0), size // 8, 1) for _ in
              range(args.references)]
    images = [rng.integers(0, 255, (size, size, 3), dtype=np.uint8) for _ in range(args.references)]
    references = ReferenceSet(images, labels, ["background", "a", "b", "c", "d"], [str(i) for i in range(len(images))])
    model = PartSegmenter(backbone, references.parts)
    config = train_settings(settings, mode=args.mode, epochs=args.epochs, phase1_epochs=args.epochs // 2,
                          val_every=args.epochs)
    results = {"backbone": args.backbone, "device": str(backbone.device), "precision": backbone.precision,
               "references": args.references, "epochs": args.epochs}
    with timed(results, "train_s", backbone.device):
        train(model, references, config, settings.seed, progress=False)
    steps = args.epochs * args.references
    results["s_per_step"] = round(results["train_s"] / steps, 3)
    results["projected_300_epochs_min"] = round(results["s_per_step"] * 300 * args.references / 60, 1)
    results["peak_memory_gb"] = round(peak_memory_gb(backbone.device), 2)
    results["paper_minutes"], results["paper_memory_gb"] = 20, 15
    report(results)


if __name__ == "__main__":
    main()
