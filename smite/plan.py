"""What the DAG runs, from the run config: collections of videos, their groups, models and outputs.

A *collection* is one evaluation protocol on one dataset; a *group* owns one model (trained on one
reference folder) and the videos it segments:

* ``smite50``: a group per category, trained on the category's reference images (Tables 1-4, 8);
* ``pumavos``: a group per sequence, trained on 1 / 5 / 10 of its own frames (Tables 6-7);
* ``davis_zeroshot``: one group ``all``, trained on one frame of every DAVIS train video (Table 9);
* ``davis_semi``: a group per val sequence, trained on its first frame (Table 10).

* ``pascal_part``: a group per class, trained on its ``train_<shots>`` split; image segmentation of the
  test split (Tables 11-12), so its groups have no videos.
Kept out of the Snakefile so that it is plain, testable Python (Snakemake allows no logic in rules).
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from functools import cached_property
from typing import Any

from smite.config import deep_merge, method_settings
from smite.data.kinds import Group
from smite.data.protocols import (
    COLLECTION_DATASET,
    DAVIS_ZERO_SHOT,
    PROTOCOLS,
    SMITE50,
    TABLE5_DATASETS,
    video_folder,
)
from smite.errors import SmiteInputError
from smite.hub import ModelSpec
from smite.methods import METHODS, TEXT
from smite.settings import TINY_RANDOM, MethodSettings, tracking_settings
from smite.switches import SWITCHES
from smite.table_specs import TABLE_SPECS
from smite.trackers import TRACKERS

# what a video's trajectories depend on: its track rule gets only this slice of its group's method overrides,
# so that e.g. a new lambda_track does not re-track (Snakemake reruns a job whose params change)
TRACK_INFERENCE_KEYS = tracking_settings()
TRACK_UNUSED_SECTIONS = ("train", "gsam2", "parts_init")


# Where one model's files go under results/<run>/ (the train rule's output and benchmark, and every reader's
# input), with Snakemake's wildcard names.
CHECKPOINT_PATH = "models/{collection}/{group}/{mode}_{shots}shot.safetensors"
TRAIN_BENCHMARK_PATH = "benchmarks/train/{collection}/{group}/{mode}_{shots}shot.tsv"
REFERENCES_PATH = "references/{collection}/{group}/{shots}shot"  # derived reference folders (rule references)
TRACKS_PATH = "tracks/{dataset}/{folder}/{video}.npz"  # one cache per video of a dataset (see video_folder)


def fill(template: str, **values: Any) -> str:
    """`template` with the named fields filled in and the others left as Snakemake wildcards."""
    return re.sub(r"\{(\w+)\}", lambda m: str(values[m.group(1)]) if m.group(1) in values else m.group(0), template)


# One segmentation setting: a method with the checkpoint (training mode, shots) it segments with; GSAM2 is
# text_0shot (no checkpoint). Videos' and images' outputs and scores, and the ground truth they are scored on.
# A video's segmentations with one checkpoint are one job (the model is loaded once): its folder holds one
# folder per method the run plans for that video and checkpoint (RunPlan.job_methods).
RUN_KEY = "{method}/{mode}_{shots}shot"
SEGMENT_JOB_PATH = "segment/{collection}/{mode}_{shots}shot/{group}/{video}"
SEGMENT_PATH = f"{SEGMENT_JOB_PATH}/{{method}}"  # one method's masks, overlay, parts.json: method_folder
METRICS_PATH = f"metrics/{{collection}}/{RUN_KEY}/{{group}}/{{video}}.json"
IMAGES_SEGMENT_PATH = f"segment/pascal_part/{RUN_KEY}/{{cls}}"  # one folder per PASCAL-Part class
IMAGES_METRICS_PATH = f"metrics/pascal_part/{RUN_KEY}/{{cls}}.json"
GROUND_TRUTH_PATH = "ground_truth/{collection}/{group}/{video}"
GSAM2_SETTING = {"method": "gsam2", "mode": TEXT, "shots": 0}  # GSAM2's rules: no checkpoint, prompted by part names
GSAM2_RUN = fill(RUN_KEY, **GSAM2_SETTING)  # its folder under a stage's logs and benchmarks
GSAM2_SEGMENT_JOB_PATH = fill(SEGMENT_JOB_PATH, **GSAM2_SETTING)
GSAM2_METRICS_PATH = fill(METRICS_PATH, **GSAM2_SETTING)
STATISTICS_PATH = "statistics/{dataset}.json"
# the benchmark files of the jobs whose run time a table or figure reports (Table 8, the stage-cost figure)
TRACK_BENCHMARK_PATH = "benchmarks/track/{dataset}/{folder}/{video}.tsv"
SEGMENT_BENCHMARK_PATH = "benchmarks/segment/{collection}/{mode}_{shots}shot/{group}/{video}.tsv"  # one per job
EVALUATE_BENCHMARK_PATH = f"benchmarks/evaluate/{{collection}}/{RUN_KEY}/{{group}}/{{video}}.tsv"


@dataclass(frozen=True, order=True)
class VideoRun:
    """One method's segmentation of one video of a collection with one checkpoint: a folder and a metrics file."""

    collection: str
    group: str
    video: str
    method: str
    mode: str
    shots: int

    @property
    def job(self) -> tuple[str, str, str, str, int]:
        """The segmentation job it is computed in: the video with the checkpoint (collection, group, video, mode,
        shots)."""
        return self.collection, self.group, self.video, self.mode, self.shots


def collections(config: dict[str, Any]) -> dict[str, dict[str, Group]]:
    """Collection -> group -> Group, for the datasets the config names (each protocol's `groups`)."""
    datasets = config["datasets"]
    return {name: protocol.groups(datasets[protocol.dataset], config)
            for name, protocol in PROTOCOLS.items() if protocol.dataset in datasets}


def group_overrides(run_overrides: dict[str, Any], group: Group) -> dict[str, Any]:
    """Method overrides of one group's jobs (train, segment): the run's `method:` with the group's over it."""
    return deep_merge(run_overrides or {}, group.overrides)


# Sections of the method config a job of each stage does not read: its rule's params leave them out, so that
# changing one re-runs only the jobs that read it (a new lambda_reg re-segments, it does not re-train; a new
# learning rate re-trains, and the segmentation follows through its checkpoint input).
STAGE_UNUSED_SECTIONS = {
    "train": ("inference", "gsam2"),
    "segment": ("train", "gsam2", "parts_init"),
    "gsam2": ("train", "inference", "parts_init", "backbone"),
}


def models_loaded(settings: MethodSettings, gsam2: bool = False) -> dict[str, ModelSpec]:
    """The pretrained models a run's method settings load: SD 2.1 as its backbone, CoTracker3 as its tracker,
    Grounding DINO and SAM 2 for GSAM2 (`gsam2`: whether GSAM2 runs) unless it uses the tiny random pair."""
    keys = [key for key in ("sd21" if settings.backbone.name == "sd21" else None,
                            TRACKERS[settings.inference.tracker].model_key) if key]
    if gsam2 and settings.gsam2.models != TINY_RANDOM:
        keys += ["grounding_dino", "sam2"]
    return {key: settings.model(key) for key in keys}


# The paper's ablation figures drawn from outputs the DAG computes for Tables 1-2: title, methods compared
COMPARISONS = {
    "figure8": ("Figure 8: tracking without and with the low-pass regulariser", ("smite_track", "smite")),
    "figure12": ("Figure 12: the tracker in post-processing (Baseline-II) and in the optimisation (SMITE)",
                 ("baseline2", "smite")),
}


def stage_slice(overrides: dict[str, Any], stage: str) -> dict[str, Any]:
    """Method overrides without the sections a `stage` (train, segment, gsam2) does not read."""
    return {k: v for k, v in overrides.items() if k not in STAGE_UNUSED_SECTIONS[stage]}


def track_slice(overrides: dict[str, Any]) -> dict[str, Any]:
    """The part of method overrides that trajectories depend on: backbone (grid), device, tracker, vote window."""
    sliced = {k: v for k, v in overrides.items() if k not in (*TRACK_UNUSED_SECTIONS, "inference")}
    inference = {k: v for k, v in overrides.get("inference", {}).items() if k in TRACK_INFERENCE_KEYS}
    if inference:
        sliced["inference"] = inference
    return sliced


def video_groups(plan: dict[str, dict[str, Group]], dataset: str, folder: str, video: str) -> list[tuple[str, str]]:
    """(collection, group) of every group that segments this video of this dataset (its tracks' users)."""
    return [(collection, name) for collection, groups in plan.items() if COLLECTION_DATASET[collection] == dataset
            for name, group in groups.items() if video_folder(collection, name) == folder and video in group.videos]


def track_overrides(
    run_overrides: dict[str, Any], plan: dict[str, dict[str, Group]], dataset: str, folder: str, video: str
) -> dict[str, Any]:
    """Method overrides of a video's track job: the tracking slice of the groups that segment it.

    So a video is tracked with the vote window its category segments with. Groups sharing one cache
    (DAVIS zero-shot and semi-supervised) must agree on that slice; a video no group segments gets the run's.
    """
    slices = [track_slice(group_overrides(run_overrides, plan[c][g]))
              for c, g in video_groups(plan, dataset, folder, video)]
    if not slices:
        return track_slice(run_overrides or {})
    if any(other != slices[0] for other in slices[1:]):
        raise ValueError(f"groups sharing the trajectories of {dataset}/{folder}/{video} track them differently: "
                         f"{slices}")
    return slices[0]


def run_methods(config: dict[str, Any]) -> set[str]:
    """Every method a run computes somewhere: its `methods` and `ablation` lists and each dataset's `methods`."""
    lists = [config.get("methods", []), config.get("ablation", []),
             *(spec.get("methods", []) for spec in config.get("datasets", {}).values())]
    return {name for names in lists for name in names}


def track_uses(config: dict[str, Any]) -> list[str]:
    """What every video's trajectories serve in a run (smite.track.plan): the guided windows, which the flicker
    metric of every method reads too, and each frame's voting range over the video where a method of the run
    votes afterwards (Baseline-II)."""
    posthoc = any(METHODS[name].track_use == "video" for name in run_methods(config) if name in METHODS)
    return ["windows", "video"] if posthoc else ["windows"]


def zero_shot_shots(config: dict[str, Any]) -> int:
    """Reference count of the DAVIS zero-shot model: one frame per train video."""
    return len(config["datasets"][PROTOCOLS[DAVIS_ZERO_SHOT].dataset]["train"])


# Table R: SMITE with one switch flipped (smite.switches): a training switch's own checkpoint, each switch's
# segmentation of a video (SMITE alone) and its scores
SWITCH_CHECKPOINT_PATH = "models_switched/{collection}/{group}/{switch}/{mode}_{shots}shot.safetensors"
SWITCH_TRAIN_BENCHMARK_PATH = "benchmarks/train_switched/{collection}/{group}/{switch}/{mode}_{shots}shot.tsv"
SWITCH_SEGMENT_JOB_PATH = "segment_switched/{collection}/{switch}/{mode}_{shots}shot/{group}/{video}"
SWITCH_SEGMENT_BENCHMARK_PATH = ("benchmarks/segment_switched/{collection}/{switch}/{mode}_{shots}shot/{group}/"
                                 "{video}.tsv")
SWITCH_METRICS_PATH = "metrics_switched/{collection}/{switch}/{group}/{video}.json"
SWITCH_EVALUATE_BENCHMARK_PATH = "benchmarks/evaluate_switched/{collection}/{switch}/{group}/{video}.tsv"


def _checked(overrides: dict[str, Any]) -> dict[str, Any] | str:
    """Method overrides that the settings accept, or why not (a switch that cannot combine with the group's)."""
    try:
        method_settings(overrides)
    except SmiteInputError as error:
        return error.problem
    return overrides


class RunPlan:
    """The files each table and figure of a run reads, under `results` (results/<run>): the tables' inputs.

    Every path comes from the templates above, which the rules that write the files use too.
    """

    def __init__(self, config: dict[str, Any], results: str) -> None:
        self.config = config
        self.results = results
        self.datasets = config["datasets"]
        self.shots = config["shots"]

    @cached_property
    def groups(self) -> dict[str, dict[str, Group]]:
        return collections(self.config)

    @cached_property
    def settings(self) -> MethodSettings:
        """The run's method settings (the declared defaults with its `method:` section), without group overrides."""
        return method_settings(self.config.get("method", {}))

    def path(self, template: str, **values: Any) -> str:
        """A run file's path: one of this module's templates filled in, under the run's results."""
        return f"{self.results}/{template.format(**values)}"

    def setting(self, method: str, mode: str | None = None, shots: int | None = None) -> dict[str, Any]:
        """RUN_KEY's fields of a method: its default checkpoint (training mode, the run's shots) unless given."""
        if METHODS[method].training_mode == TEXT:
            return {"method": method, "mode": TEXT, "shots": 0}
        return {"method": method, "mode": mode or METHODS[method].training_mode, "shots": shots or self.shots}

    def check_methods(self, source: str | None = None) -> None:
        """The method config of every group (the run's `method:` with the group's overrides) checked as the jobs
        will check it (smite.config.method_settings), so that a bad value stops the run before its first job."""
        for collection, groups in self.groups.items():
            for name, group in groups.items():
                try:
                    method_settings(group_overrides(self.config.get("method", {}), group), source)
                except SmiteInputError as error:
                    raise SmiteInputError(error.path, f"{error.problem} (group {collection}/{name})") from None

    def group_settings(self) -> dict[str, MethodSettings]:
        """Every group's method settings, by "collection/group"."""
        return {f"{collection}/{name}": method_settings(group_overrides(self.config.get("method", {}), group))
                for collection, groups in self.groups.items() for name, group in groups.items()}

    def pretrained_models(self) -> dict[str, ModelSpec]:
        """The pretrained models this run loads (smite.hub), by key: SD 2.1 where a group runs on it, CoTracker3
        where a group tracks with it, Grounding DINO and SAM 2 where GSAM2 runs on them."""
        runs_gsam2 = "gsam2" in run_methods(self.config)
        needed: dict[str, ModelSpec] = {}
        for settings in self.group_settings().values():
            needed.update({key: spec for key, spec in models_loaded(settings, runs_gsam2).items() if key not in needed})
        return needed

    def trackers(self) -> list[str]:
        """The point trackers the run's groups track with (smite.trackers names)."""
        return sorted({settings.inference.tracker for settings in self.group_settings().values()})

    def text_groups(self, collection: str) -> list[str]:
        """Groups GSAM2 can run on: named parts that words describe (the paper leaves it out on Non-Text)."""
        return [g for g, group in self.groups.get(collection, {}).items() if group.text_parts and group.parts]

    def video_runs(self, collection: str, method: str, mode: str | None = None, shots: int | None = None,
                   limit: int | None = None) -> list[VideoRun]:
        """Every video of a collection (the first `limit` of each group) by one setting; GSAM2 only on the groups
        it can run on."""
        groups = self.text_groups(collection) if METHODS[method].training_mode == TEXT else None
        setting = self.setting(method, mode, shots)
        return [VideoRun(collection, g, v, **setting)
                for g, group in self.groups.get(collection, {}).items() if groups is None or g in groups
                for v in group.videos[:limit]]

    def metrics_path(self, run: VideoRun) -> str:
        return self.path(METRICS_PATH, **asdict(run))

    def job_path(self, run: VideoRun) -> str:
        """The folder of the segmentation job that computes `run` (its method's folder is inside)."""
        return self.path(SEGMENT_JOB_PATH, **asdict(run))

    def segment_folder(self, run: VideoRun) -> str:
        return self.path(SEGMENT_PATH, **asdict(run))

    def metrics_files(self, collection: str, method: str, mode: str | None = None, shots: int | None = None,
                      limit: int | None = None) -> list[str]:
        """Scores of every video of a collection (the first `limit` of each group) by one setting."""
        return [self.metrics_path(run) for run in self.video_runs(collection, method, mode, shots, limit)]

    @cached_property
    def planned_runs(self) -> list[VideoRun]:
        """Every video segmentation a table or figure of the run reads."""
        runs = {value for spec in TABLE_SPECS.values() for values in spec.inputs(self).values() for value in values
                if isinstance(value, VideoRun)}
        if SMITE50 in self.groups:
            runs.update(run for category in self.groups[SMITE50] for run in self.qualitative_runs(category).values())
            runs.update(run for figure in self.comparisons() for run in self.comparison_runs(figure).values())
        return sorted(runs)

    @cached_property
    def _job_methods(self) -> dict[tuple[str, str, str, str, int], tuple[str, ...]]:
        jobs: dict[tuple[str, str, str, str, int], set[str]] = {}
        for run in self.planned_runs:
            jobs.setdefault(run.job, set()).add(run.method)
        return {job: tuple(m for m in METHODS if m in methods) for job, methods in jobs.items()}

    def job_methods(self, collection: str, group: str, video: str, mode: str, shots: int) -> tuple[str, ...]:
        """The methods one segmentation job runs, in registry order: every method the run's tables and figures
        read for this video with this checkpoint."""
        methods = self._job_methods.get((collection, group, video, mode, shots))
        if not methods:
            raise SmiteInputError(None, f"no table or figure of this run reads {collection}/{group}/{video} segmented"
                                        f" with the {mode}_{shots}shot checkpoint (config: methods, ablation, "
                                        "shots_ablation, training_modes, ablation_videos)")
        return methods

    def planned_job(self, collection: str, group: str, video: str, method: str, mode: str, shots: int) -> str:
        """The job folder holding one method's segmentation (an evaluation's input), checked to be planned."""
        if method not in self.job_methods(collection, group, video, mode, shots):
            raise SmiteInputError(None, f"no table or figure of this run reads {collection}/{group}/{video} by "
                                        f"{method} with the {mode}_{shots}shot checkpoint, so it is not segmented "
                                        "(config: methods, ablation, ablation_videos)")
        return self.job_path(VideoRun(collection, group, video, method, mode, shots))

    def checkpoints(self, collection: str, mode: str, shots: int, groups: list[str]) -> list[str]:
        return self._per_group(CHECKPOINT_PATH, collection, mode, shots, groups)

    def training_benchmarks(self, collection: str, mode: str, shots: int, groups: list[str]) -> list[str]:
        return self._per_group(TRAIN_BENCHMARK_PATH, collection, mode, shots, groups)

    def _per_group(self, template: str, collection: str, mode: str, shots: int, groups: list[str]) -> list[str]:
        return [self.path(template, collection=collection, group=g, mode=mode, shots=shots) for g in groups]

    def table_inputs(self, table: str) -> dict[str, list[str]]:
        """Named input lists of one table's rule (its spec's `inputs`, smite.table_specs); empty lists for a dataset
        not in the run. A video run is read as its metrics file."""
        return {name: [self.metrics_path(v) if isinstance(v, VideoRun) else v for v in values]
                for name, values in TABLE_SPECS[table].inputs(self).items()}

    @cached_property
    def switch_cases(self) -> dict[str, dict[str, dict[str, Any] | str]]:
        """Table R: switch -> SMITE-50 category (config `table_r.categories`) -> the method overrides of its jobs
        (the group's, with the switch's over them), or why the switch does not apply there."""
        groups = self.groups.get(SMITE50, {})
        chosen = self.config["table_r"]["categories"]
        entries = self.datasets[SMITE50]["categories"] if SMITE50 in self.datasets else {}
        names = list(groups) if chosen is None else [g for g in chosen if g in groups]
        bases = {name: group_overrides(self.config.get("method", {}), groups[name]) for name in names}
        settings = {name: method_settings(base) for name, base in bases.items()}  # once per group, not per switch
        cases: dict[str, dict[str, dict[str, Any] | str]] = {}
        for switch in SWITCHES.values():
            cases[switch.name] = {}
            for name in names:
                flip = switch.overrides(settings[name], entries[name])
                cases[switch.name][name] = flip if isinstance(flip, str) else _checked(deep_merge(bases[name], flip))
        return cases

    def switch_videos(self, group: str) -> list[str]:
        """The videos of a SMITE-50 category Table R scores (config `table_r.videos`: the first N, null = all)."""
        return self.groups[SMITE50][group].videos[: self.config["table_r"]["videos"]]

    def switch_overrides(self, switch: str, group: str) -> dict[str, Any]:
        """The method overrides of one switch's jobs on one category (checked to apply there)."""
        case = self.switch_cases[switch][group]
        if isinstance(case, str):
            raise SmiteInputError(None, f"switch {switch} does not apply to {group}: {case}")
        return case

    def zero_shot_shots(self) -> int:
        """Reference count of the DAVIS zero-shot model (module function zero_shot_shots)."""
        return zero_shot_shots(self.config)

    def pascal_classes(self, table: str) -> list[str]:
        """The PASCAL-Part classes a table (table11, table12) reports."""
        classes = self.datasets.get("pascal_part", {}).get("classes", {})
        return [name for name, c in classes.items() if c.get("paper_table") == table]

    def switch_metrics(self, switch: str) -> list[str]:
        """Table R: the metrics files of one switch's segmentations, on the categories it applies to."""
        return [self.path(SWITCH_METRICS_PATH, collection=SMITE50, switch=switch, group=g, video=v)
                for g, case in self.switch_cases[switch].items() if not isinstance(case, str)
                for v in self.switch_videos(g)]

    def statistics_files(self) -> list[str]:
        """Table 5: the statistics file of each video dataset in the run."""
        return [self.path(STATISTICS_PATH, dataset=d) for d in TABLE5_DATASETS if d in self.datasets]

    def image_metrics(self, method: str, classes: list[str]) -> list[str]:
        """PASCAL-Part: one method's image-segmentation scores of each class (the dataset's shots)."""
        shots = self.datasets.get("pascal_part", {}).get("shots", self.shots)
        return [self.path(IMAGES_METRICS_PATH, cls=c, **self.setting(method, shots=shots)) for c in classes]

    # -- figures ---------------------------------------------------------------------------------------------
    def qualitative_runs(self, category: str) -> dict[str, VideoRun]:
        """The category's first video by each Table 1 method (GSAM2 where it runs)."""
        video = self.groups[SMITE50][category].videos[0]
        return {m: VideoRun(SMITE50, category, video, **self.setting(m)) for m in self.config["methods"]
                if METHODS[m].training_mode != TEXT or category in self.text_groups(SMITE50)}

    def qualitative_inputs(self, category: str) -> dict[str, str]:
        """Segmentation job folder of the category's first video by each Table 1 method (method_folder inside)."""
        return {m: self.job_path(run) for m, run in self.qualitative_runs(category).items()}

    def qualitative_ground_truth(self, category: str) -> str:
        """The ground truth of the category's first video (the figures' second row)."""
        video = self.groups[SMITE50][category].videos[0]
        return self.path(GROUND_TRUTH_PATH, collection=SMITE50, group=category, video=video)

    def comparisons(self) -> list[str]:
        """The paper ablation figures (COMPARISONS) the run draws: those whose methods its tables compute anyway."""
        planned = {*self.config["methods"], *self.config["ablation"]}
        return [name for name, (_, methods) in COMPARISONS.items() if set(methods) <= planned]

    def comparison_runs(self, figure: str) -> dict[str, VideoRun]:
        """Per category "<category>.<method>": its first video by each method a paper ablation figure compares."""
        return {f"{category}.{method}": VideoRun(SMITE50, category, group.videos[0], **self.setting(method))
                for category, group in self.groups[SMITE50].items() for method in COMPARISONS[figure][1]}

    def comparison_inputs(self, figure: str) -> dict[str, str]:
        """For a paper ablation figure (COMPARISONS), per category "<category>.gt" (the first video's ground
        truth) and "<category>.<method>" (the job folder of its segmentation by each method compared)."""
        inputs = {f"{category}.gt": self.qualitative_ground_truth(category) for category in self.groups[SMITE50]}
        inputs.update({key: self.job_path(run) for key, run in self.comparison_runs(figure).items()})
        return inputs

    def training_curve_inputs(self) -> dict[str, list[str]]:
        categories = list(self.groups[SMITE50])
        return {mode: self.checkpoints(SMITE50, mode, self.shots, categories)
                for mode in self.config["training_modes"]}

    def stage_benchmarks(self) -> dict[str, list[str]]:
        """Benchmark files of every job behind Table 1 (SMITE-50, each method's default setting), by stage. A
        segmentation job segments a video with every method planned for its checkpoint (Table 1's and others)."""
        runs = [VideoRun(SMITE50, g, v, **self.setting(m)) for g, group in self.groups[SMITE50].items()
                for v in group.videos for m in self.config["methods"] if METHODS[m].diffusion]

        def jobs(template: str) -> list[str]:
            return sorted({self.path(template, **asdict(run)) for run in runs})

        return {
            "train": jobs(TRAIN_BENCHMARK_PATH),
            "track": sorted({self.path(TRACK_BENCHMARK_PATH, dataset=SMITE50, folder=run.group, video=run.video)
                             for run in runs}),
            "segment": jobs(SEGMENT_BENCHMARK_PATH),
            "evaluate": [self.path(EVALUATE_BENCHMARK_PATH, **asdict(run)) for run in runs],
        }
