"""Paper tables from per-video metric files, with the paper's reported values beside the computed ones."""

from __future__ import annotations

import datetime as dt
import html
import platform
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from smite.methods import METHODS
from smite.metrics.records import read_metrics

METHOD_NAMES = {name: m.display for name, m in METHODS.items() if m.in_table1}  # Tables 1 and 4, paper's order
METRIC_KEYS = ("mIoU", "F", "J", "flicker", "warped_agreement")
ABLATION_STEPS = {name: m.ablation_step for name, m in METHODS.items() if m.ablation_step}  # Table 2's ladder
LITERATURE_KEYS = {name: m.literature_key for name, m in METHODS.items()}
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
    weights: str = ""  # the pretrained models that computed it, each with its revision (smite.hub.describe)


def load_metrics(files: Mapping[str, Sequence[str | Path]]) -> pd.DataFrame:
    """Long table (method, category, video, mIoU, F, J, ...) from metrics records (category: the run's group)."""
    rows = []
    for method, paths in files.items():
        for path in paths:
            record = read_metrics(path)
            run = record.scored_run(path)
            row = {"method": method, "category": run.group, "video": run.video}
            row.update({key: record.scores.get(key) for key in METRIC_KEYS})
            rows.append(row)
    frame = pd.DataFrame(rows, columns=["method", "category", "video", *METRIC_KEYS])
    return frame.astype({key: float for key in METRIC_KEYS})


def category_means(metrics: pd.DataFrame, categories: Sequence[str],
                   keys: Sequence[str] = ("F", "mIoU")) -> pd.DataFrame:
    """Per method: mean over videos per category, and 'Mean' = mean over categories (paper's rule)."""
    per_category = metrics.groupby(["method", "category"])[list(keys)].mean().reset_index()
    mean = per_category.groupby("method")[list(keys)].mean().reset_index().assign(category="Mean")
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
                    paper = _paper_value(literature, LITERATURE_KEYS[method], paper_column, metric)
                    row[f"{category} {metric} ({PAPER})"] = paper
                    row[f"{category} {metric} (diff)"] = ours - paper
        rows.append(row)
    return pd.DataFrame(rows)


# the packages whose versions can change a table's numbers (recorded in its header)
MAIN_PACKAGES = ("torch", "diffusers", "transformers", "numpy", "scipy", "opencv-python-headless", "scikit-image",
                 "albumentations", "pandas", "snakemake")


def software_versions() -> str:
    """'python 3.11.7 | torch 2.13.0 | ...' for the running interpreter (from the installed distributions)."""
    versions = [f"python {platform.python_version()}"]
    for name in MAIN_PACKAGES:
        try:
            versions.append(f"{name} {metadata.version(name)}")
        except metadata.PackageNotFoundError:
            versions.append(f"{name} not installed")
    return " | ".join(versions)


def header_lines(context: TableContext, date: str | None = None) -> list[str]:
    """Provenance lines printed above the Markdown and LaTeX tables."""
    date = date or dt.date.today().isoformat()
    lines = [
        context.title,
        f"config: {context.config} | backbone: {context.backbone} | tracker: {context.tracker} | "
        f"dataset: {context.dataset} | date: {date}",
        f"weights: {context.weights or 'none downloaded (models built in-process)'}",
        f"software: {software_versions()}",
        f"'{THIS_RUN}' rows were computed by this run; '({PAPER})' columns are reported values; "
        f"'{NOT_RUN}' rows are methods this pipeline has not computed (never filled in).",
    ]
    return lines + list(context.notes)


HTML_STYLE = ("body{font-family:sans-serif;margin:1em}table{border-collapse:collapse;font-size:13px}"
              "th,td{border:1px solid #ccc;padding:3px 8px;text-align:right}th{background:#f2f2f2}"
              "td:first-child,th:first-child{text-align:left}p{color:#444;font-size:12px;margin:2px 0}")


def table_html(frame: pd.DataFrame, header: Sequence[str]) -> str:
    """A standalone HTML page of a table: its title, the provenance lines, the table (what the report shows)."""
    body = frame.to_html(index=False, float_format=lambda v: f"{v:.2f}", na_rep="–", border=0, escape=True)
    lines = "".join(f"<p>{html.escape(line)}</p>" for line in header[1:])
    return (f"<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>{html.escape(header[0])}</title>"
            f"<style>{HTML_STYLE}</style></head><body><h3>{html.escape(header[0])}</h3>{lines}{body}</body></html>\n")


def write_table(frame: pd.DataFrame, stem: str | Path, context: TableContext) -> list[Path]:
    """CSV (numbers only, byte-stable across runs), and Markdown, LaTeX and HTML with the provenance header."""
    stem = Path(stem)
    stem.parent.mkdir(parents=True, exist_ok=True)
    rounded = frame.round(4)
    csv_path, md_path, tex_path, html_path = (stem.with_suffix(s) for s in (".csv", ".md", ".tex", ".html"))
    rounded.to_csv(csv_path, index=False)
    header = header_lines(context)
    blanks = rounded.astype(object).where(rounded.notna(), None)  # tabulate marks None, not NaN, as missing
    markdown = blanks.to_markdown(index=False, floatfmt=".2f", missingval="–")
    md_path.write_text("\n\n".join([f"**{header[0]}**", *header[1:], markdown]) + "\n")
    latex = rounded.to_latex(index=False, float_format="%.2f", na_rep="--")
    comments = "".join(f"% {line}\n" for line in header)
    tex_path.write_text(comments + latex)
    html_path.write_text(table_html(rounded, header))
    return [csv_path, md_path, tex_path, html_path]


def _mean_of(means: pd.DataFrame, method: str, metric: str) -> float:
    value = means[(means["method"] == method) & (means["category"] == "Mean")][metric]
    return float(value.iloc[0]) if len(value) else np.nan


def table2(metrics: pd.DataFrame, literature: pd.DataFrame, categories: Sequence[str]) -> pd.DataFrame:
    """Table 2: the ablation ladder SLiMe -> +IUNet -> +CA tuning -> +Tracking -> +LP reg (mean mIoU, F)."""
    means = category_means(metrics, categories)
    rows = []
    for method, step in ABLATION_STEPS.items():
        computed = method in set(metrics["method"])
        ours = _mean_of(means, method, "mIoU") if computed else np.nan
        paper = _paper_value(literature, LITERATURE_KEYS[method], "SMITE-50", "mIoU")
        rows.append({"Step": step, "source": THIS_RUN if computed else NOT_RUN, "mIoU": ours,
                     "F": _mean_of(means, method, "F") if computed else np.nan,
                     f"mIoU ({PAPER})": paper, "mIoU (diff)": ours - paper})
    return pd.DataFrame(rows)


def table3(metrics_by_shots: Mapping[int, pd.DataFrame], literature: pd.DataFrame,
           categories: Sequence[str]) -> pd.DataFrame:
    """Table 3: SMITE's mean mIoU with 1, 5 and 10 reference images."""
    rows = []
    for shots, metrics in sorted(metrics_by_shots.items()):
        means = category_means(metrics, categories)
        ours = _mean_of(means, "smite", "mIoU")
        paper = _paper_value(literature, "smite", f"{shots}-shot", "mIoU")
        rows.append({"Training samples": f"{shots}-shot", "source": THIS_RUN, "mIoU": ours,
                     "F": _mean_of(means, "smite", "F"), f"mIoU ({PAPER})": paper, "mIoU (diff)": ours - paper})
    return pd.DataFrame(rows)


def table4(metrics: pd.DataFrame, literature: pd.DataFrame, categories: Sequence[str],
           methods_run: Sequence[str]) -> pd.DataFrame:
    """Table 4: objective temporal consistency per method beside the paper's user-study ranks.

    The paper ranks methods by a user study (1 best); this run measures flicker (fraction of tracked
    points whose label changes between consecutive frames, lower is better) and warped-label
    agreement (higher is better). The two are different measures of the same property.
    """
    means = category_means(metrics, categories, keys=("flicker", "warped_agreement", "mIoU"))
    rows = []
    for method, display in METHOD_NAMES.items():
        computed = method in methods_run
        rows.append({
            "Method": display, "source": THIS_RUN if computed else NOT_RUN,
            "flicker": _mean_of(means, method, "flicker") if computed else np.nan,
            "warped agreement": _mean_of(means, method, "warped_agreement") if computed else np.nan,
            f"user rank Horse/Car/Face ({PAPER})": _paper_value(literature, LITERATURE_KEYS[method], "Horse, Car, Face",
                                                                "user rank"),
            f"user rank Non-Text ({PAPER})": _paper_value(literature, LITERATURE_KEYS[method], "Non-Text", "user rank"),
        })
    return pd.DataFrame(rows)


def table8(metrics_by_mode: Mapping[str, pd.DataFrame], train_seconds: Mapping[str, float],
           literature: pd.DataFrame, categories: Sequence[str]) -> pd.DataFrame:
    """Table 8: joint vs two-phase training: SMITE's mean mIoU and the training time per category."""
    rows = []
    for mode, metrics in metrics_by_mode.items():
        means = category_means(metrics, categories)
        ours = _mean_of(means, "smite", "mIoU")
        paper = _paper_value(literature, mode, "SMITE-50", "mIoU")
        rows.append({"Training strategy": mode, "source": THIS_RUN, "mIoU": ours,
                     "training time per category (s)": train_seconds[mode], f"mIoU ({PAPER})": paper,
                     "mIoU (diff)": ours - paper,
                     f"training time (s) ({PAPER})": _paper_value(literature, mode, "SMITE-50", "training time")})
    return pd.DataFrame(rows)


# ---------------------------------------------------------------- appendix tables (5-7, 9-12)

TABLE_R_METRICS = ("mIoU", "F", "flicker")
DEFAULT_ROW = "default"  # Table R's input name for SMITE as configured


def table_r(metrics: pd.DataFrame, switches: Mapping[str, Mapping[str, Any]],
            categories: Sequence[str]) -> pd.DataFrame:
    """Table R: SMITE as configured, then with one switch flipped per row (`switches`: name -> label, stage, code,
    paper and `not_applied` {category: why}); each row's means over the categories it applies to, beside SMITE's
    over the same categories (the difference is the switch's effect)."""
    means = category_means(metrics, list(categories), TABLE_R_METRICS)

    def mean(method: str, cats: Sequence[str]) -> dict[str, float]:
        chosen = means[(means["method"] == method) & means["category"].isin(cats)]
        return {key: float(chosen[key].mean()) if len(chosen) else np.nan for key in TABLE_R_METRICS}

    default = mean(DEFAULT_ROW, categories)
    rows = [{"Switch": "as configured (the authors' code)", "stage": "", "code": "", "paper": "",
             "source": THIS_RUN if len(metrics) else NOT_RUN, "categories": ", ".join(categories), **default,
             **{f"{key} (diff)": 0.0 if len(metrics) else np.nan for key in TABLE_R_METRICS}}]
    for name, switch in switches.items():
        applied = [c for c in categories if c not in switch["not_applied"]]
        computed = [c for c in applied if ((metrics["method"] == name) & (metrics["category"] == c)).any()]
        reasons = sorted(set(switch["not_applied"].values()))
        source = THIS_RUN if computed else f"not applicable: {'; '.join(reasons)}" if reasons else NOT_RUN
        ours, base = mean(name, computed), mean(DEFAULT_ROW, computed)
        rows.append({"Switch": switch["label"], "stage": switch["stage"], "code": switch["code"],
                     "paper": switch["paper"], "source": source, "categories": ", ".join(computed), **ours,
                     **{f"{key} (diff)": ours[key] - base[key] for key in TABLE_R_METRICS}})
    return pd.DataFrame(rows)


REPORTED = "reported"
TABLE5_DATASETS = {"davis2016": "DAVIS-2016", "pumavos": "PUMaVOS", "ytvos": "YT-VOS", "smite50": "SMITE-50"}
TABLE5_STATISTICS = ("training videos", "testing videos", "avg parts per video", "multi-part videos")
TABLE6_METHODS = {"gsam2": METHOD_NAMES["gsam2"], "baseline1": METHOD_NAMES["baseline1"], "xmem++": "XMem++",
                  "smite": METHOD_NAMES["smite"]}
TABLE11_METHODS = {"slime": "baseline1", "smite": "smite"}  # literature key -> method computed for that row


def _citation(literature: pd.DataFrame, method: str) -> str:
    rows = literature[literature["method"] == method]
    return f"{REPORTED}: {rows['citation'].iloc[0]}" if len(rows) else REPORTED


def _with_paper(row: dict[str, object], label: str, ours: float, paper: float) -> None:
    """Set `label`, `label (paper)` and `label (diff)` of a row."""
    row[label] = ours
    row[f"{label} ({PAPER})"] = paper
    row[f"{label} (diff)"] = ours - paper


def table5(statistics: Mapping[str, Mapping[str, float]], literature: pd.DataFrame) -> pd.DataFrame:
    """Table 5: video datasets compared, statistics computed from the datasets present beside the paper's."""
    rows = []
    for key, display in TABLE5_DATASETS.items():
        stats = statistics.get(key)
        source = f"{THIS_RUN}: {stats.get('name', key)}" if stats else (
            _citation(literature, key) if key == "ytvos" else "not present in this run")
        row: dict[str, object] = {"Dataset": display, "source": source}
        for name in TABLE5_STATISTICS:
            ours = float(stats[name]) if stats and stats.get(name) is not None else np.nan
            _with_paper(row, name, ours, _paper_value(literature, key, "statistic", name))
        rows.append(row)
    return pd.DataFrame(rows)


def _group_means(metrics: pd.DataFrame, method: str, keys: Sequence[str] = ("F", "mIoU")) -> pd.DataFrame:
    """Per group (sequence / category): mean over its videos of one method's scores."""
    return metrics[metrics["method"] == method].groupby("category")[list(keys)].mean()


def _mean_columns(groups: Mapping[str, str | None]) -> list[tuple[str, str]]:
    """(our column, the paper's column) per group, then the Mean."""
    return [*[(g, p) for g, p in groups.items()], ("Mean", "Mean")]


def table6(metrics: pd.DataFrame, literature: pd.DataFrame, sequences: Mapping[str, str | None],
           methods_run: Sequence[str]) -> pd.DataFrame:
    """Table 6: PUMaVOS with one training frame per video: F / mIoU per sequence, XMem++ as reported.

    A method of the run with no scored sequence is `not run` (GSAM2 where no sequence names its parts:
    PUMaVOS's masks are palette indices, and the text prompts need `parts:` per sequence in the config).
    """
    rows = []
    for method, display in TABLE6_METHODS.items():
        means = _group_means(metrics, method)
        computed = method in methods_run and len(means) > 0
        source = THIS_RUN if computed else (_citation(literature, method) if method == "xmem++" else NOT_RUN)
        row: dict[str, object] = {"Method": display, "source": source}
        for group, paper_column in _mean_columns(sequences):
            for metric in ("F", "mIoU"):
                ours = np.nan
                if computed and len(means):
                    ours = float(means[metric].mean()) if group == "Mean" else float(means[metric].get(group, np.nan))
                paper = _paper_value(literature, method, paper_column, metric) if paper_column else np.nan
                _with_paper(row, f"{group} {metric}", ours, paper)
        rows.append(row)
    return pd.DataFrame(rows)


def table7(metrics_by_shots: Mapping[int, pd.DataFrame], literature: pd.DataFrame,
           sequences: Mapping[str, str | None]) -> pd.DataFrame:
    """Table 7: PUMaVOS with 1 / 5 / 10 training frames, SMITE computed beside XMem++ and SMITE as reported."""
    rows = []
    for group, paper_column in _mean_columns(sequences):
        for method in ("xmem++", "smite"):
            computed = method == "smite"
            row: dict[str, object] = {"Sequence": group, "Method": TABLE6_METHODS[method],
                                      "source": THIS_RUN if computed else _citation(literature, method)}
            for shots, metrics in sorted(metrics_by_shots.items()):
                means = _group_means(metrics, "smite")
                for metric in ("F", "mIoU"):
                    ours = np.nan
                    if computed and len(means):
                        ours = float(means[metric].mean() if group == "Mean" else means[metric].get(group, np.nan))
                    paper = (_paper_value(literature, method, paper_column, f"{metric} @{shots}")
                             if paper_column else np.nan)
                    _with_paper(row, f"{metric} @{shots}", ours, paper)
            rows.append(row)
    return pd.DataFrame(rows)


def _reported_rows(literature: pd.DataFrame, skip: Sequence[str], cell: str) -> list[dict[str, object]]:
    """One row per method the paper reports (in the paper's order), its values in the `<cell> (paper)` columns.

    cell: the literature field that names a table column ("metric" for J / F, "column" for part names).
    """
    rows = []
    for method in dict.fromkeys(literature["method"]):
        if method in skip:
            continue
        cells = literature[literature["method"] == method]
        row: dict[str, object] = {"Method": method, "source": _citation(literature, method)}
        row.update({f"{name} ({PAPER})": value for name, value in zip(cells[cell], cells["value"], strict=True)})
        rows.append(row)
    return rows


def table_davis(metrics: pd.DataFrame, literature: pd.DataFrame, exclude: Sequence[str]) -> pd.DataFrame:
    """Tables 9-10: DAVIS-2016 J / F (percent, object only) of SMITE and SMITE+ beside the methods reported."""
    rows = _reported_rows(literature, skip=("smite", "smite+"), cell="metric")
    for key, display, videos in (("smite", "SMITE", None), ("smite+", "SMITE+", exclude)):
        subset = metrics[~metrics["video"].isin(videos or [])] if len(metrics) else metrics
        row: dict[str, object] = {"Method": display, "source": THIS_RUN if len(subset) else NOT_RUN,
                                  "videos": len(subset)}
        for metric in ("J", "F"):
            ours = 100.0 * float(subset[metric].mean()) if len(subset) else np.nan
            row[metric] = ours
            row[f"{metric} ({PAPER})"] = _paper_value(literature, key, "DAVIS-2016 val", metric)
            row[f"{metric} (diff)"] = ours - row[f"{metric} ({PAPER})"]
        rows.append(row)
    columns = ["Method", "source", "videos", "J", "J (paper)", "J (diff)", "F", "F (paper)", "F (diff)"]
    return pd.DataFrame(rows).reindex(columns=columns)


def load_part_scores(files: Mapping[str, Sequence[str | Path]]) -> dict[str, dict[str, dict]]:
    """method -> class -> per-part scores from image-segmentation metrics records (class: the run's group)."""
    scores: dict[str, dict[str, dict]] = {}
    for method, paths in files.items():
        records = {path: read_metrics(path) for path in paths}
        scores[method] = {record.scored_run(path).group: record.scores for path, record in records.items()}
    return scores


def table_pascal(scores: Mapping[str, Mapping[str, dict]], literature: pd.DataFrame,
                 classes: Mapping[str, Sequence[str]]) -> pd.DataFrame:
    """Tables 11-12: PASCAL-Part per-part IoU of SLiMe (re-run) and SMITE beside the methods reported.

    Per part: mean IoU over the test images whose ground truth holds the part; average = mean over all
    parts, background included (the paper's averages are, see tests/test_literature.py).
    """
    rows = []
    for cls, parts in classes.items():
        for row in _reported_rows(literature, skip=tuple(TABLE11_METHODS), cell="column"):
            rows.append({"Class": cls, **row})
        for key, method in TABLE11_METHODS.items():
            result = scores.get(method, {}).get(cls)
            row: dict[str, object] = {"Class": cls, "Method": key, "source": THIS_RUN if result else NOT_RUN}
            names = [*parts[1:], parts[0], "average"]
            for name in names:
                ours = np.nan
                if result:
                    value = result["mIoU"] if name == "average" else result["per_part"][name]["IoU"]
                    ours = np.nan if value is None else float(value)
                _with_paper(row, name, ours, _paper_value(literature, key, name, "IoU"))
            rows.append(row)
    frame = pd.DataFrame(rows)
    ours = [c for c in frame.columns if c not in ("Class", "Method", "source") and not c.endswith(f"({PAPER})")]
    computed = [c for name in ours if not name.endswith("(diff)") for c in (name, f"{name} ({PAPER})",
                                                                          f"{name} (diff)")]
    rest = [c for c in frame.columns if c not in ("Class", "Method", "source", *computed)]
    return frame[["Class", "Method", "source", *computed, *rest]]
