"""One declaration per paper table: its title, its notes, the dataset it reports on, the settings it takes from the
run config and how it is built from the files the plan names for it (smite.plan.RunPlan.table_inputs).

The table rules (rules/tables.smk, one loop) and their one script (workflow_scripts/make_table.py) read only this;
the builders themselves (how a table's rows and columns are computed) are in smite.tables. Adding a table is one
`TableSpec` here, its inputs in RunPlan.table_inputs, its caption report/<name>.rst and its paper values in
config/literature.csv.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from smite import tables
from smite.tables import TABLE11_METHODS, load_metrics, load_part_scores

Inputs = Mapping[str, Any]  # a table job's input files by name (Snakemake's `input`, or a dict)
Params = Mapping[str, Any]  # its params: the run-wide TABLE_PARAMS plus the table's own (TableSpec.settings)
Builder = Callable[[Inputs, Params, pd.DataFrame], pd.DataFrame]  # (inputs, params, the paper's rows) -> the table



@dataclass(frozen=True)
class TableSpec:
    """A paper table. `title` is formatted with the job's params; `notes` follow it in the header, then the run's
    ablation note where `ablation`, then the dataset's own `note`; `group` is its section of `snakemake --report`.
    `settings(config, plan)` gives the params it reads besides the run-wide ones; `dataset(inputs, params)` the
    dataset spec its header names."""

    title: str
    group: str
    notes: tuple[str, ...]
    build: Builder
    settings: Callable[[dict[str, Any], Any], dict[str, Any]] = field(default=lambda config, plan: {})
    dataset: Callable[[Inputs, Params], dict[str, Any] | None] = field(default=lambda inputs, params: params["dataset"])
    ablation: bool = False

    def header_notes(self, params: Params) -> tuple[str, ...]:
        """The notes printed under the title (the dataset's note is added by the header itself)."""
        return (*self.notes, params["ablation_note"]) if self.ablation else self.notes


def ablation_note(config: Mapping[str, Any]) -> str:
    """The note of the ablation tables when they score a subset of the videos (config `ablation_videos`)."""
    videos = config["ablation_videos"]
    return f"Scored on the first {videos} video(s) of each category (config ablation_videos)." if videos else ""


# ---------------------------------------------------------------- builders


def _categories(params: Params) -> list[str]:
    return list(params["dataset"]["categories"])


def _by_method(inputs: Inputs, methods: list[str]) -> pd.DataFrame:
    return load_metrics({method: inputs[method] for method in methods})


def _by_shots(inputs: Inputs, shots: list[int]) -> dict[int, pd.DataFrame]:
    return {k: load_metrics({"smite": inputs[f"shots_{k}"]}) for k in shots}


def _table1(inputs: Inputs, params: Params, paper: pd.DataFrame) -> pd.DataFrame:
    methods = list(params["methods"])
    columns = {name: spec.get("paper_column") for name, spec in params["dataset"]["categories"].items()}
    return tables.table1(_by_method(inputs, methods), paper, columns, methods)


def _table2(inputs: Inputs, params: Params, paper: pd.DataFrame) -> pd.DataFrame:
    return tables.table2(_by_method(inputs, list(params["methods"])), paper, _categories(params))


def _table3(inputs: Inputs, params: Params, paper: pd.DataFrame) -> pd.DataFrame:
    return tables.table3(_by_shots(inputs, list(params["shots_ablation"])), paper, _categories(params))


def _table4(inputs: Inputs, params: Params, paper: pd.DataFrame) -> pd.DataFrame:
    methods = list(params["methods"])
    return tables.table4(_by_method(inputs, methods), paper, _categories(params), methods)


def _statistics(inputs: Inputs) -> dict[str, dict[str, Any]]:
    return _read_statistics(tuple(str(p) for p in inputs["statistics"]))


@functools.lru_cache(maxsize=4)
def _read_statistics(paths: tuple[str, ...]) -> dict[str, dict[str, Any]]:
    """Table 5's statistics files by the dataset each names, read once per job (its rows and its header's dataset
    names both need them)."""
    records = [json.loads(Path(p).read_text()) for p in paths]
    return {record["dataset"]: record for record in records}


def _table5(inputs: Inputs, params: Params, paper: pd.DataFrame) -> pd.DataFrame:
    return tables.table5(_statistics(inputs), paper)


def _sequences(spec: Mapping[str, Any] | None) -> dict[str, str | None]:
    return {name: s.get("paper_column") for name, s in (spec or {}).get("sequences", {}).items()}


def _table6(inputs: Inputs, params: Params, paper: pd.DataFrame) -> pd.DataFrame:
    spec = params["pumavos"]
    methods = list(spec.get("methods", [])) if spec else []
    return tables.table6(_by_method(inputs, methods), paper, _sequences(spec), methods)


def _table7(inputs: Inputs, params: Params, paper: pd.DataFrame) -> pd.DataFrame:
    spec = params["pumavos"] or {}
    return tables.table7(_by_shots(inputs, list(spec.get("shots", []))), paper, _sequences(spec))


def _table8(inputs: Inputs, params: Params, paper: pd.DataFrame) -> pd.DataFrame:
    modes = list(params["modes"])
    by_mode = {mode: load_metrics({"smite": inputs[f"metrics_{mode}"]}) for mode in modes}
    seconds = {mode: float(pd.concat([pd.read_csv(p, sep="\t") for p in inputs[f"train_{mode}"]])["s"].mean())
               for mode in modes}
    return tables.table8(by_mode, seconds, paper, _categories(params))


def _table_r(inputs: Inputs, params: Params, paper: pd.DataFrame) -> pd.DataFrame:
    switches = params["switches"]
    metrics = load_metrics({name: inputs[name] for name in (tables.DEFAULT_ROW, *switches)})
    return tables.table_r(metrics, switches, list(params["switch_categories"]))


def _switch_settings(config: dict[str, Any], plan: Any) -> dict[str, Any]:
    """Table R's params: each switch's description and the categories it does not apply to, with why."""
    from smite.switches import SWITCHES

    cases = plan.switch_cases
    return {"switch_categories": list(next(iter(cases.values()), {})),
            "switches": {name: {"label": s.label, "stage": s.stage, "code": s.code, "paper": s.paper,
                                "not_applied": {g: case for g, case in cases[name].items() if isinstance(case, str)}}
                         for name, s in SWITCHES.items()}}


def _table_davis(inputs: Inputs, params: Params, paper: pd.DataFrame) -> pd.DataFrame:
    metrics = load_metrics({"smite": inputs.get("smite", [])})
    return tables.table_davis(metrics, paper, (params["davis"] or {}).get("smite_plus_exclude", []))


def _table_pascal(inputs: Inputs, params: Params, paper: pd.DataFrame) -> pd.DataFrame:
    scores = load_part_scores({method: inputs.get(method, []) for method in TABLE11_METHODS.values()})
    return tables.table_pascal(scores, paper, params["classes"])


def _pascal_settings(name: str) -> Callable[[dict[str, Any], Any], dict[str, Any]]:
    def settings(config: dict[str, Any], plan: Any) -> dict[str, Any]:
        spec = config["datasets"].get("pascal_part")
        classes = {c: spec["classes"][c]["parts"] for c in plan.pascal_classes(name)} if spec else {}
        return {"pascal": spec, "classes": classes}

    return settings


def _methods(key: str) -> Callable[[dict[str, Any], Any], dict[str, Any]]:
    return lambda config, plan: {"methods": config[key]}


def _dataset(param: str, key: str) -> Callable[[dict[str, Any], Any], dict[str, Any]]:
    """Settings of a table on one dataset: that dataset's spec (config `datasets.<key>`) as param `param`."""
    return lambda config, plan: {param: config["datasets"].get(key)}


def _shown(param: str) -> Callable[[Inputs, Params], dict[str, Any] | None]:
    """The dataset spec a table's header names: its param `param`."""
    return lambda inputs, params: params[param]


_DAVIS_NOTE = ("J and F in percent, object only, mean over frames then sequences. SMITE+ leaves out the sequences in "
               "smite_plus_exclude (the paper's two thin-structure videos, unnamed). J&F recall and decay are left "
               "out: the paper's Tables 9-10 report J and F only.")
_PASCAL_NOTE = ("IoU (%) per part: mean over the test images whose ground truth holds it; average over all parts, "
                "background included. 'slime' = this pipeline's Baseline-I (embeddings only), 'smite' = two-phase "
                "training.")

TABLE_SPECS: dict[str, TableSpec] = {
    "table1": TableSpec(
        "Table 1: F-measure and mIoU per category ({shots} references), Alimohammadi et al. 2025", "SMITE-50",
        ("mIoU (%) includes background; a part never present in a video's ground truth counts 0 (authors' rule). "
         "F (0..1) excludes background. Category = mean over videos; Mean = mean over categories.",),
        _table1, _methods("methods")),
    "table2": TableSpec(
        "Table 2: network ablation, mean mIoU over categories, Alimohammadi et al. 2025", "SMITE-50",
        ("Each step adds one component to the previous row.",), _table2, _methods("ablation"), ablation=True),
    "table3": TableSpec(
        "Table 3: few-shot ablation, SMITE mean mIoU, Alimohammadi et al. 2025", "SMITE-50",
        ("K-shot = the first K reference images.",), _table3,
        lambda config, plan: {"shots_ablation": config["shots_ablation"]}, ablation=True),
    "table4": TableSpec(
        "Table 4: temporal consistency (objective stand-in for the paper's user study)", "SMITE-50",
        ("flicker = fraction of tracked points (foreground at either end) whose label changes between consecutive "
         "frames (lower is better); warped agreement = fraction of foreground pixels whose label equals the "
         "previous frame's label warped by optical flow (higher is better). The paper's columns are mean user "
         "ranks (1 best) of 25 participants: a different measure, shown as reported.",),
        _table4, _methods("methods")),
    "table5": TableSpec(
        "Table 5: video datasets compared, Alimohammadi et al. 2025", "All video datasets",
        ("Parts per video = distinct non-background labels over its annotated frames; multi-part = more than one. "
         "SMITE-50 and PUMaVOS have no training videos.",),
        _table5, dataset=lambda inputs, params: {"name": "; ".join(s["name"] for s in _statistics(inputs).values())}),
    "table6": TableSpec(
        "Table 6: PUMaVOS, one training frame per video, Alimohammadi et al. 2025", "PUMaVOS",
        ("Scored on the annotated frames no shots setting trains on. mIoU (%) includes background; F (0..1) "
         "excludes it.",),
        _table6, _dataset("pumavos", "pumavos"), dataset=_shown("pumavos")),
    "table7": TableSpec(
        "Table 7: PUMaVOS with 1, 5 and 10 training frames, Alimohammadi et al. 2025", "PUMaVOS",
        ("k frames evenly spaced over the annotated frames, the first included; every setting is scored on the "
         "same held-out frames.",),
        _table7, _dataset("pumavos", "pumavos"), dataset=_shown("pumavos")),
    "table8": TableSpec(
        "Table 8: joint vs two-phase training, Alimohammadi et al. 2025", "SMITE-50",
        ("Training time = wall-clock seconds of the training rule (Snakemake benchmark), mean over categories; the "
         "paper's times are on one RTX 3090 with SD 2.1.",),
        _table8, lambda config, plan: {"modes": config["training_modes"]}, ablation=True),
    "table9": TableSpec(
        "Table 9: DAVIS-2016 zero-shot (one frame per train video), Alimohammadi et al. 2025", "DAVIS-2016",
        (_DAVIS_NOTE,), _table_davis, _dataset("davis", "davis2016"), dataset=_shown("davis")),
    "table10": TableSpec(
        "Table 10: DAVIS-2016 semi-supervised (first frame of each val video), Alimohammadi et al. 2025",
        "DAVIS-2016", (_DAVIS_NOTE,), _table_davis, _dataset("davis", "davis2016"),
        dataset=_shown("davis")),
    "table11": TableSpec(
        "Table 11: PASCAL-Part car, per-part IoU, Alimohammadi et al. 2025", "PASCAL-Part", (_PASCAL_NOTE,),
        _table_pascal, _pascal_settings("table11"), dataset=_shown("pascal")),
    "table12": TableSpec(
        "Table 12: PASCAL-Part horse, per-part IoU, Alimohammadi et al. 2025", "PASCAL-Part", (_PASCAL_NOTE,),
        _table_pascal, _pascal_settings("table12"), dataset=_shown("pascal")),
    "tableR": TableSpec(
        "Table R: SMITE with one code-vs-paper switch flipped per row (this project's reproducibility table)",
        "SMITE-50",
        ("Each row flips one point where the paper and the authors' code disagree (smite.switches); its means are "
         "over the categories it applies to, the differences against SMITE as configured on those categories. "
         "mIoU (%) includes background, F (0..1) excludes it, flicker is Table 4's. Scored on config table_r's "
         "videos.",),
        _table_r, _switch_settings),
}
