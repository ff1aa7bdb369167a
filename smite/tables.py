"""Paper tables from per-video metric files, with the paper's reported values beside the computed ones."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

METHOD_NAMES = {
    "baseline1": "Baseline-I",
    "baseline2": "Baseline-II",
    "baseline3": "Baseline-III",
    "gsam2": "GSAM2",
    "smite": "SMITE (ours)",
}
PAPER = "paper"
NOT_RUN = "not run"
THIS_RUN = "this run"


@dataclass(frozen=True)
class TableContext:
    """What produced a table: printed in its header."""

    title: str
    config: str
    backbone: str
    tracker: str
    dataset: str
    notes: tuple[str, ...] = ()


def load_metrics(files: Mapping[str, Sequence[str | Path]]) -> pd.DataFrame:
    """Long table (method, category, video, mIoU, F, J) from metrics JSON at .../<category>/<video>.json."""
    rows = []
    for method, paths in files.items():
        for path in paths:
            path = Path(path)
            scores = json.loads(path.read_text())
            rows.append({"method": method, "category": path.parent.name, "video": path.stem,
                         "mIoU": scores["mIoU"], "F": scores["F"], "J": scores["J"]})
    frame = pd.DataFrame(rows, columns=["method", "category", "video", "mIoU", "F", "J"])
    return frame.astype({"mIoU": float, "F": float, "J": float})


def category_means(metrics: pd.DataFrame, categories: Sequence[str]) -> pd.DataFrame:
    """Per method: mean over videos per category, and 'Mean' = mean over categories (paper's rule)."""
    per_category = metrics.groupby(["method", "category"])[["F", "mIoU"]].mean().reset_index()
    mean = per_category.groupby("method")[["F", "mIoU"]].mean().reset_index().assign(category="Mean")
    combined = pd.concat([per_category, mean], ignore_index=True)
    return combined[combined["category"].isin([*categories, "Mean"])]


def read_literature(path: str | Path, table: str) -> pd.DataFrame:
    """Reported numbers of one table from config/literature.csv."""
    literature = pd.read_csv(path)
    return literature[literature["table"] == table]


def _paper_value(literature: pd.DataFrame, method: str, column: str, metric: str) -> float:
    match = literature[(literature["method"] == method) & (literature["column"] == column)
                       & (literature["metric"] == metric)]
    return float(match["value"].iloc[0]) if len(match) else np.nan


def table1(
    metrics: pd.DataFrame,
    literature: pd.DataFrame,
    categories: Mapping[str, str | None],
    methods_run: Sequence[str],
) -> pd.DataFrame:
    """Table 1: F and mIoU per category and their mean, computed beside reported, one row per method.

    `categories` maps each evaluated category to its paper column (e.g. 'Horses') or None when the
    paper has no such category (synthetic data): then only the Mean is set beside the paper's.
    """
    means = category_means(metrics, list(categories))
    rows = []
    for method, display in METHOD_NAMES.items():
        computed = method in methods_run
        row: dict[str, object] = {"Method": display, "source": THIS_RUN if computed else NOT_RUN}
        for category, paper_column in [*categories.items(), ("Mean", "Mean")]:
            for metric in ("F", "mIoU"):
                value = means[(means["method"] == method) & (means["category"] == category)][metric]
                ours = float(value.iloc[0]) if computed and len(value) else np.nan
                row[f"{category} {metric}"] = ours
                if paper_column is not None:
                    paper = _paper_value(literature, method, paper_column, metric)
                    row[f"{category} {metric} ({PAPER})"] = paper
                    row[f"{category} {metric} (diff)"] = ours - paper
        rows.append(row)
    return pd.DataFrame(rows)


def header_lines(context: TableContext, date: str | None = None) -> list[str]:
    """Provenance lines printed above the Markdown and LaTeX tables."""
    date = date or dt.date.today().isoformat()
    lines = [
        context.title,
        f"config: {context.config} | backbone: {context.backbone} | tracker: {context.tracker} | "
        f"dataset: {context.dataset} | date: {date}",
        f"'{THIS_RUN}' rows were computed by this run; '({PAPER})' columns are reported values; "
        f"'{NOT_RUN}' rows are methods this pipeline has not computed (never filled in).",
    ]
    return lines + list(context.notes)


def write_table(frame: pd.DataFrame, stem: str | Path, context: TableContext) -> list[Path]:
    """CSV (numbers only, byte-stable across runs), Markdown and LaTeX with the provenance header."""
    stem = Path(stem)
    stem.parent.mkdir(parents=True, exist_ok=True)
    rounded = frame.round(4)
    csv_path, md_path, tex_path = (stem.with_suffix(s) for s in (".csv", ".md", ".tex"))
    rounded.to_csv(csv_path, index=False)
    header = header_lines(context)
    blanks = rounded.astype(object).where(rounded.notna(), None)  # tabulate marks None, not NaN, as missing
    markdown = blanks.to_markdown(index=False, floatfmt=".2f", missingval="–")
    md_path.write_text("\n\n".join([f"**{header[0]}**", *header[1:], markdown]) + "\n")
    latex = rounded.to_latex(index=False, float_format="%.2f", na_rep="--")
    comments = "".join(f"% {line}\n" for line in header)
    tex_path.write_text(comments + latex)
    return [csv_path, md_path, tex_path]
