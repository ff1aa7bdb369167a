"""Paper figures from the DAG's outputs: training curves, shots curve, qualitative strips (PNG + PDF)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from smite.data.masks import overlay, read_label_png  # noqa: E402
from smite.data.video import read_video  # noqa: E402
from smite.learn.checkpoint import load_checkpoint  # noqa: E402


def save_figure(figure: plt.Figure, stem: str | Path) -> list[Path]:
    """Write PNG and PDF (deterministic metadata) and close the figure."""
    stem = Path(stem)
    stem.parent.mkdir(parents=True, exist_ok=True)
    paths = [stem.with_suffix(".png"), stem.with_suffix(".pdf")]
    figure.savefig(paths[0], dpi=120, bbox_inches="tight", metadata={"Software": None})
    figure.savefig(paths[1], bbox_inches="tight", metadata={"Creator": None, "Producer": None, "CreationDate": None})
    plt.close(figure)
    return paths


def training_curves(checkpoints: Mapping[str, Sequence[str | Path]], stem: str | Path) -> list[Path]:
    """Figure 9: per-epoch training loss of each strategy (mean over categories)."""
    figure, axis = plt.subplots(figsize=(5, 3.2))
    for mode, paths in checkpoints.items():
        curves = [pd.DataFrame(load_checkpoint(p)[1]["curve"])["loss"].to_numpy() for p in paths]
        length = min(len(c) for c in curves)
        axis.plot(np.arange(1, length + 1), np.mean([c[:length] for c in curves], axis=0), label=mode)
    axis.set_xlabel("epoch")
    axis.set_ylabel("training loss (CE + MSE + LDM)")
    axis.set_title("Training curves: two-phase vs joint")
    axis.legend()
    return save_figure(figure, stem)


def shots_curve(table3_csv: str | Path, stem: str | Path) -> list[Path]:
    """mIoU against the number of reference images, this run beside the paper."""
    table = pd.read_csv(table3_csv)
    shots = table["Training samples"].str.replace("-shot", "").astype(int)
    figure, axis = plt.subplots(figsize=(4, 3))
    axis.plot(shots, table["mIoU"], "o-", label="this run")
    axis.plot(shots, table["mIoU (paper)"], "s--", label="paper (SMITE-50, SD 2.1)")
    axis.set_xlabel("reference images")
    axis.set_ylabel("mean mIoU (%)")
    axis.set_xticks(list(shots))
    axis.legend()
    return save_figure(figure, stem)


def qualitative_strip(video: str | Path, mask_dirs: Mapping[str, str | Path], stem: str | Path,
                      frames_shown: int = 5) -> list[Path]:
    """Overlays of a few evenly spaced frames, one row per method."""
    frames, _ = read_video(video)
    picks = np.linspace(0, len(frames) - 1, frames_shown).round().astype(int)
    figure, axes = plt.subplots(len(mask_dirs), frames_shown, figsize=(2 * frames_shown, 2 * len(mask_dirs)),
                                squeeze=False)
    for row, (method, folder) in enumerate(mask_dirs.items()):
        for col, index in enumerate(picks):
            labels = read_label_png(Path(folder) / f"{index:05d}.png")
            axes[row, col].imshow(overlay(frames[index], labels))
            axes[row, col].set_xticks([])
            axes[row, col].set_yticks([])
            if col == 0:
                axes[row, col].set_ylabel(method)
            if row == 0:
                axes[row, col].set_title(f"frame {index}")
    return save_figure(figure, stem)


STAGES = ("train", "track", "segment", "evaluate")


def stage_seconds(benchmark_files: Mapping[str, Sequence[str | Path]]) -> pd.DataFrame:
    """Per stage: jobs, mean and total wall-clock seconds from Snakemake benchmark TSVs (column `s`)."""
    rows = []
    for stage, paths in benchmark_files.items():
        seconds = [float(pd.read_csv(p, sep="\t")["s"].iloc[0]) for p in paths]
        rows.append({"stage": stage, "jobs": len(seconds), "mean s": float(np.mean(seconds)) if seconds else 0.0,
                     "total s": float(np.sum(seconds))})
    return pd.DataFrame(rows)


def stage_costs(benchmark_files: Mapping[str, Sequence[str | Path]], stem: str | Path) -> list[Path]:
    """Cost per stage of the SMITE-50 runs: mean seconds per job (bars) and the total, labelled."""
    costs = stage_seconds(benchmark_files)
    figure, axis = plt.subplots(figsize=(5, 3))
    bars = axis.bar(costs["stage"], costs["mean s"], color="#4C72B0")
    for bar, (_, row) in zip(bars, costs.iterrows(), strict=True):
        axis.annotate(f"{row['jobs']} jobs\n{row['total s']:.0f} s total", (bar.get_x() + bar.get_width() / 2,
                      bar.get_height()), ha="center", va="bottom", fontsize=7)
    axis.set_ylabel("seconds per job (mean)")
    axis.set_title("Cost per stage (this run's Snakemake benchmarks)")
    axis.margins(y=0.3)
    return save_figure(figure, stem)
