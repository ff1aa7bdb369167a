"""Paper figures from the DAG's outputs: training curves, shots curve, qualitative strips (PNG + PDF)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402

from smite.data.masks import VOC_PALETTE, overlay, read_label_png  # noqa: E402
from smite.data.video import read_video  # noqa: E402
from smite.learn.metadata import read_checkpoint_info  # noqa: E402


def save_figure(figure: plt.Figure, stem: str | Path) -> list[Path]:
    """Write PNG and PDF (deterministic metadata) and close the figure."""
    stem = Path(stem)
    stem.parent.mkdir(parents=True, exist_ok=True)
    paths = [stem.with_suffix(".png"), stem.with_suffix(".pdf")]
    figure.savefig(paths[0], dpi=120, bbox_inches="tight", metadata={"Software": None})
    figure.savefig(paths[1], bbox_inches="tight", metadata={"Creator": None, "Producer": None, "CreationDate": None})
    plt.close(figure)
    return paths


LOSS_TERMS = (("ce", "cross entropy (CE)"), ("mse", "WAS MSE"), ("ldm", "LDM"), ("fourier", "Fourier"))


def training_curves(checkpoints: Mapping[str, Sequence[str | Path]], stem: str | Path) -> list[Path]:
    """Figure 9: per-epoch training loss of each strategy (mean over categories), and each term of the first.

    The terms are the ones the total sums (CE + mse_weight MSE + ldm_weight LDM + fourier_weight Fourier, the last
    from fourier_from_epoch on, as the checkpoints' train settings say); a dashed line marks where the Fourier
    term starts, a dotted one where phase 2 starts (two-phase training)."""
    figure, (total_axis, term_axis) = plt.subplots(1, 2, figsize=(10, 3.4))
    first = None
    for mode, paths in checkpoints.items():
        records = [read_checkpoint_info(p) for p in paths]
        curves = [pd.DataFrame(r.curve) for r in records]
        length = min(len(c) for c in curves)
        mean = pd.concat([c.iloc[:length] for c in curves]).groupby(level=0).mean()
        total_axis.plot(mean["epoch"], mean["loss"], label=mode)
        if first is None:
            first = (mode, mean, records[0].train)
    mode, mean, train = first
    weights = {"ce": 1.0, "mse": train["mse_weight"], "ldm": train["ldm_weight"], "fourier": train["fourier_weight"]}
    for key, label in LOSS_TERMS:
        values = mean[key] * weights[key]
        if key == "fourier":
            values = values.where(mean["epoch"] >= train["fourier_from_epoch"])
        term_axis.plot(mean["epoch"], values, label=label + (f" × {weights[key]:g}" if weights[key] != 1 else ""))
    for axis in (total_axis, term_axis):
        axis.axvline(train["fourier_from_epoch"], color="grey", linestyle="--", linewidth=0.8)
        axis.annotate("Fourier term on", (train["fourier_from_epoch"], 1), xycoords=("data", "axes fraction"),
                      fontsize=7, ha="left", va="top", xytext=(2, -2), textcoords="offset points")
        if train["mode"] == "two-phase":
            axis.axvline(train["phase1_epochs"], color="grey", linestyle=":", linewidth=0.8)
            axis.annotate("phase 2", (train["phase1_epochs"], 0.9), xycoords=("data", "axes fraction"), fontsize=7,
                          xytext=(2, 0), textcoords="offset points")
        axis.xaxis.set_major_locator(MaxNLocator(integer=True))
        axis.set_xlabel("epoch")
    total_axis.set_ylabel("training loss (total)")
    total_axis.set_title("Total loss: two-phase vs joint")
    total_axis.legend(fontsize=7)
    term_axis.set_ylabel("term of the total")
    term_axis.set_title(f"Its terms ({mode})")
    term_axis.legend(fontsize=7)
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


def _annotated(folder: str | Path) -> dict[int, Path]:
    """Ground-truth label PNGs of a video, by frame index (their names)."""
    return {int(p.stem): p for p in sorted(Path(folder).glob("*.png"))}


def part_legend(parts: Sequence[str], prefix: str = "") -> list[tuple[int, str]]:
    """Legend entries (palette index, name) of a model's parts, background left out."""
    return [(index, f"{prefix}{name}") for index, name in enumerate(parts) if index]


def _legend(figure: plt.Figure, entries: Sequence[tuple[int, str]]) -> None:
    handles = [Patch(facecolor=np.asarray(VOC_PALETTE[index]) / 255, label=name) for index, name in entries]
    figure.legend(handles=handles, loc="outside lower center", ncol=min(len(handles), 6), fontsize=8, frameon=False)


def strip(rows: Sequence[tuple[str, Sequence[np.ndarray]]], titles: Sequence[str],
          legend: Sequence[tuple[int, str]], stem: str | Path, title: str) -> list[Path]:
    """A grid of images: one labelled row per entry, one titled column per frame, a legend of the colours."""
    columns = len(titles)
    figure, axes = plt.subplots(len(rows), columns, figsize=(2 * columns, 2 * len(rows) + 0.6), squeeze=False,
                                layout="constrained")
    for row, (label, images) in enumerate(rows):
        for col in range(columns):
            axis = axes[row, col]
            if col >= len(images):  # a video with fewer annotated frames than the strip has columns
                axis.set_axis_off()
                continue
            axis.imshow(images[col])
            axis.set_xticks([])
            axis.set_yticks([])
            if col == 0:
                axis.set_ylabel(label, fontsize=8)
            if row == 0:
                axis.set_title(titles[col], fontsize=8)
    figure.suptitle(title, fontsize=10)
    _legend(figure, legend)
    return save_figure(figure, stem)


def video_rows(video: str | Path, ground_truth: str | Path, mask_dirs: Mapping[str, str | Path],
               frames_shown: int = 5, label: str = "") -> tuple[list[tuple[str, list[np.ndarray]]], list[str]]:
    """Rows for a strip of one video: its frames, the ground truth, then each method's overlay (`mask_dirs`:
    display name -> masks folder), on `frames_shown` annotated frames spread over the video."""
    frames, _ = read_video(video)
    annotated = _annotated(ground_truth)
    indices = sorted(annotated)
    picks = [indices[i] for i in np.linspace(0, len(indices) - 1, min(frames_shown, len(indices))).round().astype(int)]
    prefix = f"{label}: " if label else ""
    rows = [(f"{prefix}input", [frames[i] for i in picks]),
            (f"{prefix}ground truth", [overlay(frames[i], read_label_png(annotated[i])) for i in picks])]
    rows += [(f"{prefix}{name}", [overlay(frames[i], read_label_png(Path(folder) / f"{i:05d}.png")) for i in picks])
             for name, folder in mask_dirs.items()]
    return rows, [f"frame {i}" for i in picks]


def qualitative_strip(video: str | Path, ground_truth: str | Path, mask_dirs: Mapping[str, str | Path],
                      parts: Sequence[str], stem: str | Path, title: str, frames_shown: int = 5) -> list[Path]:
    """Figures 6-7: one video's frames, its ground truth and each method's overlay on annotated frames."""
    rows, titles = video_rows(video, ground_truth, mask_dirs, frames_shown)
    return strip(rows, titles, part_legend(parts), stem, title)


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
