"""One declaration per paper table: its number, title, notes, the files it reads (through the run's plan), the
settings it takes from the run config, the dataset it reports on and how it is built from those files.

The table rules and targets (rules/tables.smk and the Snakefile, one loop each), their one script
(workflow_scripts/make_table.py) and the plan's table queries (smite.plan.RunPlan.table_inputs) read only this; the
builders themselves (how a table's rows and columns are computed) are in smite.tables. Adding a table is one
`TableSpec` here, its caption report/<name>.rst and its paper values in config/literature.csv.
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
from smite.data.protocols import DAVIS_SEMI, DAVIS_ZERO_SHOT, PROTOCOLS, SMITE50
from smite.tables import DEFAULT_ROW, TABLE11_METHODS, load_metrics, load_part_scores

Inputs = Mapping[str, Any]  # a table job's input files by name (Snakemake's `input`, or a dict)
Params = Mapping[str, Any]  # its params: the run-wide TABLE_PARAMS plus the table's own (TableSpec.settings)
Builder = Callable[[Inputs, Params, pd.DataFrame], pd.DataFrame]  # (inputs, params, the paper's rows) -> the table
Planned = dict[str, list[Any]]  # a table's inputs by name: VideoRuns (read as their metrics files) or paths



@dataclass(frozen=True, kw_only=True)
class TableSpec:
    """A paper table. `number` is how the paper names it ("1", ..., "R"); `title` is formatted with the job's params;
    `notes` follow it in the header, then the run's ablation note where `ablation`, then the dataset's own `note`;
    `group` is its section of `snakemake --report`. `inputs(plan)` names the files it reads (smite.plan.RunPlan's
    queries); `settings(config, plan)` gives the params it reads besides the run-wide ones; `dataset(inputs,
    params)` the dataset spec its header names."""

    number: str
    title: str
    group: str
    notes: tuple[str, ...]
    inputs: Callable[[Any], Planned]
    build: Builder
    settings: Callable[[dict[str, Any], Any], dict[str, Any]] = field(default=lambda config, plan: {})
    dataset: Callable[[Inputs, Params], dict[str, Any] | None] = field(default=lambda inputs, params: params["dataset"])
    ablation: bool = False

    @property
    def report_label(self) -> str:
        """Its label in the report, which sorts labels as text: the number zero-padded ("01", ..., "12", "R")."""
        return self.number.zfill(2) if self.number.isdigit() else self.number

    def header_notes(self, params: Params) -> tuple[str, ...]:
        """The notes printed under the title (the dataset's note is added by the header itself)."""
        return (*self.notes, params["ablation_note"]) if self.ablation else self.notes


def ablation_note(config: Mapping[str, Any]) -> str:
    """The note of the ablation tables when they score a subset of the videos (config `ablation_videos`)."""
    videos = config["ablation_videos"]
    return f"Scored on the first {videos} video(s) of each category (config ablation_videos)." if videos else ""


# ---------------------------------------------------------------- inputs (what each table reads, from the plan)


def _methods_inputs(key: str, limited: bool = False) -> Callable[[Any], Planned]:
    """Every SMITE-50 video by each method of config `key` (the first `ablation_videos` of each category where
    `limited`)."""
    def inputs(plan: Any) -> Planned:
        limit = plan.config["ablation_videos"] if limited else None
        return {m: plan.video_runs(SMITE50, m, limit=limit) for m in plan.config[key]}
    return inputs


def _shots_inputs(plan: Any) -> Planned:
    limit = plan.config["ablation_videos"]
    return {f"shots_{k}": plan.video_runs(SMITE50, "smite", shots=k, limit=limit)
            for k in plan.config["shots_ablation"]}


def _statistics_inputs(plan: Any) -> Planned:
    return {"statistics": plan.statistics_files()}


def _pumavos_inputs(plan: Any) -> Planned:
    return {m: plan.video_runs("pumavos", m, shots=1) for m in plan.datasets.get("pumavos", {}).get("methods", [])}


def _pumavos_shots_inputs(plan: Any) -> Planned:
    return {f"shots_{k}": plan.video_runs("pumavos", "smite", shots=k)
            for k in plan.datasets.get("pumavos", {}).get("shots", [])}


def _modes_inputs(plan: Any) -> Planned:
    """Table 8: SMITE's scores, training records and checkpoints per training mode."""
    categories = list(plan.groups[SMITE50])
    inputs: Planned = {}
    for mode in plan.config["training_modes"]:
        inputs[f"metrics_{mode}"] = plan.video_runs(SMITE50, "smite", mode=mode, limit=plan.config["ablation_videos"])
        inputs[f"train_{mode}"] = plan.training_benchmarks(SMITE50, mode, plan.shots, categories)
        inputs[f"models_{mode}"] = plan.checkpoints(SMITE50, mode, plan.shots, categories)
    return inputs


def _davis_zero_shot_inputs(plan: Any) -> Planned:
    if PROTOCOLS[DAVIS_ZERO_SHOT].dataset not in plan.datasets:
        return {}
    return {"smite": plan.video_runs(DAVIS_ZERO_SHOT, "smite", shots=plan.zero_shot_shots())}


def _davis_semi_inputs(plan: Any) -> Planned:
    if PROTOCOLS[DAVIS_SEMI].dataset not in plan.datasets:
        return {}
    return {"smite": plan.video_runs(DAVIS_SEMI, "smite", shots=1)}


def _pascal_inputs(table: str) -> Callable[[Any], Planned]:
    """Image-segmentation scores of each class the table reports: SLiMe (Baseline-I) and SMITE."""
    def inputs(plan: Any) -> Planned:
        classes = plan.pascal_classes(table)
        return {m: plan.image_metrics(m, classes) for m in TABLE11_METHODS.values() if classes}
    return inputs


def _switch_inputs(plan: Any) -> Planned:
    """Table R: SMITE as configured on the videos of the categories the switches are tried on, then each switch."""
    categories = next(iter(plan.switch_cases.values()), {})
    smite = plan.video_runs(SMITE50, "smite")
    return {DEFAULT_ROW: [run for g in categories for run in smite if run.group == g and run.video in
                          plan.switch_videos(g)],
            **{name: plan.switch_metrics(name) for name in plan.switch_cases}}


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

TABLE_SPECS: dict[str, TableSpec] = {f"table{spec.number}": spec for spec in (
    TableSpec(
        number="1", title="Table 1: F-measure and mIoU per category ({shots} references), Alimohammadi et al. 2025",
        group="SMITE-50",
        notes=("mIoU (%) includes background; a part never present in a video's ground truth counts 0 (authors' "
               "rule). F (0..1) excludes background. Category = mean over videos; Mean = mean over categories.",),
        inputs=_methods_inputs("methods"), build=_table1, settings=_methods("methods")),
    TableSpec(
        number="2", title="Table 2: network ablation, mean mIoU over categories, Alimohammadi et al. 2025",
        group="SMITE-50", notes=("Each step adds one component to the previous row.",),
        inputs=_methods_inputs("ablation", limited=True), build=_table2, settings=_methods("ablation"),
        ablation=True),
    TableSpec(
        number="3", title="Table 3: few-shot ablation, SMITE mean mIoU, Alimohammadi et al. 2025", group="SMITE-50",
        notes=("K-shot = the first K reference images.",), inputs=_shots_inputs, build=_table3,
        settings=lambda config, plan: {"shots_ablation": config["shots_ablation"]}, ablation=True),
    TableSpec(
        number="4", title="Table 4: temporal consistency (objective stand-in for the paper's user study)",
        group="SMITE-50",
        notes=("flicker = fraction of tracked points (foreground at either end) whose label changes between "
               "consecutive frames (lower is better); warped agreement = fraction of foreground pixels whose label "
               "equals the previous frame's label warped by optical flow (higher is better). The paper's columns "
               "are mean user ranks (1 best) of 25 participants: a different measure, shown as reported.",),
        inputs=_methods_inputs("methods"), build=_table4, settings=_methods("methods")),  # Table 1's runs
    TableSpec(
        number="5", title="Table 5: video datasets compared, Alimohammadi et al. 2025", group="All video datasets",
        notes=("Parts per video = distinct non-background labels over its annotated frames; multi-part = more than "
               "one. SMITE-50 and PUMaVOS have no training videos.",),
        inputs=_statistics_inputs, build=_table5,
        dataset=lambda inputs, params: {"name": "; ".join(s["name"] for s in _statistics(inputs).values())}),
    TableSpec(
        number="6", title="Table 6: PUMaVOS, one training frame per video, Alimohammadi et al. 2025",
        group="PUMaVOS",
        notes=("Scored on the annotated frames no shots setting trains on. mIoU (%) includes background; F (0..1) "
               "excludes it.",),
        inputs=_pumavos_inputs, build=_table6, settings=_dataset("pumavos", "pumavos"), dataset=_shown("pumavos")),
    TableSpec(
        number="7", title="Table 7: PUMaVOS with 1, 5 and 10 training frames, Alimohammadi et al. 2025",
        group="PUMaVOS",
        notes=("k frames evenly spaced over the annotated frames, the first included; every setting is scored on "
               "the same held-out frames.",),
        inputs=_pumavos_shots_inputs, build=_table7, settings=_dataset("pumavos", "pumavos"),
        dataset=_shown("pumavos")),
    TableSpec(
        number="8", title="Table 8: joint vs two-phase training, Alimohammadi et al. 2025", group="SMITE-50",
        notes=("Training time = wall-clock seconds of the training rule (Snakemake benchmark), mean over categories; "
               "the paper's times are on one RTX 3090 with SD 2.1.",),
        inputs=_modes_inputs, build=_table8, settings=lambda config, plan: {"modes": config["training_modes"]},
        ablation=True),
    TableSpec(
        number="9", title="Table 9: DAVIS-2016 zero-shot (one frame per train video), Alimohammadi et al. 2025",
        group="DAVIS-2016", notes=(_DAVIS_NOTE,), inputs=_davis_zero_shot_inputs, build=_table_davis,
        settings=_dataset("davis", "davis2016"), dataset=_shown("davis")),
    TableSpec(
        number="10",
        title="Table 10: DAVIS-2016 semi-supervised (first frame of each val video), Alimohammadi et al. 2025",
        group="DAVIS-2016", notes=(_DAVIS_NOTE,), inputs=_davis_semi_inputs, build=_table_davis,
        settings=_dataset("davis", "davis2016"), dataset=_shown("davis")),
    TableSpec(
        number="11", title="Table 11: PASCAL-Part car, per-part IoU, Alimohammadi et al. 2025", group="PASCAL-Part",
        notes=(_PASCAL_NOTE,), inputs=_pascal_inputs("table11"), build=_table_pascal,
        settings=_pascal_settings("table11"), dataset=_shown("pascal")),
    TableSpec(
        number="12", title="Table 12: PASCAL-Part horse, per-part IoU, Alimohammadi et al. 2025",
        group="PASCAL-Part", notes=(_PASCAL_NOTE,), inputs=_pascal_inputs("table12"), build=_table_pascal,
        settings=_pascal_settings("table12"), dataset=_shown("pascal")),
    TableSpec(
        number="R",
        title="Table R: SMITE with one code-vs-paper switch flipped per row (this project's reproducibility table)",
        group="SMITE-50",
        notes=("Each row flips one point where the paper and the authors' code disagree (smite.switches); its means "
               "are over the categories it applies to, the differences against SMITE as configured on those "
               "categories. mIoU (%) includes background, F (0..1) excludes it, flicker is Table 4's. Scored on "
               "config table_r's videos.",),
        inputs=_switch_inputs, build=_table_r, settings=_switch_settings),
)}
TABLES = tuple(TABLE_SPECS)  # each one a Snakemake target (the Snakefile) and one rule (rules/tables.smk)
