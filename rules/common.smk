# Input functions and path helpers: the only Python logic of the workflow (the plan itself is smite.plan).
import os
import re
from importlib.resources import files

from smite.plan import (
    CHECKPOINT_PATH,
    COMPARISONS,
    REFERENCES_PATH,
    TRACKS_PATH,
    TRAIN_BENCHMARK_PATH,
    EVALUATE_BENCHMARK_PATH,
    GROUND_TRUTH_PATH,
    GSAM2_METRICS_PATH,
    GSAM2_RUN,
    GSAM2_SEGMENT_JOB_PATH,
    GSAM2_SETTING,
    IMAGES_METRICS_PATH,
    IMAGES_SEGMENT_PATH,
    METRICS_PATH,
    SEGMENT_BENCHMARK_PATH,
    SEGMENT_JOB_PATH,
    STATISTICS_PATH,
    SWITCH_CHECKPOINT_PATH,
    SWITCH_EVALUATE_BENCHMARK_PATH,
    SWITCH_METRICS_PATH,
    SWITCH_SEGMENT_BENCHMARK_PATH,
    SWITCH_SEGMENT_JOB_PATH,
    SWITCH_TRAIN_BENCHMARK_PATH,
    TRACK_BENCHMARK_PATH,
    RunPlan,
    fill,
)
from smite.plan import group_overrides as plan_group_overrides
from smite.plan import stage_slice
from smite.plan import track_overrides as plan_track_overrides
from smite.plan import track_uses
from smite.table_specs import TABLE_SPECS, TABLES, ablation_note
from smite.data.protocols import COLLECTION_DATASET, DERIVED_REFERENCES, PROTOCOLS, video_folder
from smite.data.download import local_path
from smite.data.roots import MANIFEST
from smite.errors import SmiteInputError
from smite.hub import run_problems
from smite.methods import DIFFUSION_METHODS, TRAINING_MODES
from smite.switches import SWITCHES, TRAIN

RUN = config["run"]
RESULTS = f"results/{RUN}"
DATASETS = config["datasets"]
# the declared method settings the model jobs start from (the installed package's files): inputs of those rules,
# so that editing a default re-runs them
SMITE_DEFAULTS = [str(files("smite").joinpath(name)) for name in ("settings.py", "pretrained.yaml", "backbones.yaml")]
SMITE50 = DATASETS["smite50"]
CATEGORIES = list(SMITE50["categories"])
# the files each table and figure reads (smite.plan.RunPlan), and the collections of groups it plans them from
PLAN = RunPlan(config, RESULTS)
PLAN.check_methods(", ".join(os.path.relpath(path) for path in workflow.configfiles))  # before any job
COLLECTIONS = PLAN.groups
# the pretrained models the run loads (smite.hub), fetched once by rule fetch_weights into WEIGHTS' cache
MODELS = PLAN.pretrained_models()
TRACKERS_USED = PLAN.trackers()  # their packages are checked by rule fetch_weights
WEIGHTS = f"{RESULTS}/weights.json"


# Once the run will really execute jobs (not on -n, --dag, --lint, --summary or --report), before the first one: each
# model cached or on the hub at its revision. Whether each tracker's package (CoTracker3's `cotracker`) imports is
# checked where the jobs run, by rule fetch_weights (under --sdm conda, in the jobs' environment).
onstart:
    _problems = run_problems(list(MODELS.values()))
    if _problems:
        raise SmiteInputError(None, "\n".join(_problems))


TABLE_FORMATS = ["csv", "md", "tex", "html"]
SHOTS = config["shots"]

# PASCAL-Part's checkpoints, by the segment_images rule's wildcards
PASCAL_CHECKPOINT = fill(CHECKPOINT_PATH, collection="pascal_part", group="{cls}")

wildcard_constraints:
    collection="|".join(COLLECTION_DATASET),
    dataset="|".join(DATASETS),
    category="|".join(CATEGORIES),
    group="[^/]+",
    folder="[^/]+",
    video="[^/]+",
    method="|".join(DIFFUSION_METHODS),
    mode="|".join(TRAINING_MODES),
    shots=r"\d+",
    cls="[^/]+",
    switch="|".join(SWITCHES),
    root="|".join(re.escape(spec["root"]) for spec in DATASETS.values()),


def manifest(dataset):
    """The file that marks a dataset as complete (written last by rule prepare_dataset)."""
    return f"{DATASETS[dataset]['root']}/{MANIFEST}"


# Smoke runs: toy copies of the datasets (smite.data.toy), archive file name -> dataset key
TOY = config.get("toy_datasets")
TOY_ARCHIVES = {
    file["name"]: name
    for name, spec in DATASETS.items()
    for file in spec.get("source", {}).get("files", [])
    if TOY and spec["kind"] == "download" and local_path(file.get("url", "")) is not None
    and os.path.dirname(str(local_path(file["url"]))) == os.path.normpath(TOY["folder"])
}
TOY_LOCAL = [name for name, spec in DATASETS.items() if TOY and spec["kind"] == "local"]


def dataset_inputs(wildcards):
    """Local files a dataset's preparation reads: its `file:` URL sources (a smoke run's toy archives) and,
    for a `kind: local` dataset of a smoke run, the flag of its toy folder."""
    spec = dataset_spec(wildcards)
    local = [local_path(f.get("url", "")) for f in spec.get("source", {}).get("files", [])]
    files = [str(path) for path in local if spec["kind"] == "download" and path is not None]
    return files + ([f"{TOY['folder']}/{spec['key']}.placed"] if spec["key"] in TOY_LOCAL else [])


def toy_dataset(wildcards):
    """The dataset entry (with its key) whose toy copy is asked for, by archive name or by dataset key."""
    name = TOY_ARCHIVES.get(wildcards.get("archive"), wildcards.get("dataset"))
    return {"key": name, **DATASETS[name]}


def dataset_spec(wildcards):
    """The datasets entry whose root the wildcard names, with its key."""
    name = next(name for name, spec in DATASETS.items() if spec["root"] == wildcards.root)
    return {"key": name, **DATASETS[name]}


def group_of(wildcards):
    return COLLECTIONS[wildcards.collection][wildcards.group]


def collection_root(wildcards):
    return DATASETS[COLLECTION_DATASET[wildcards.collection]]["root"]


def collection_manifest(wildcards):
    return manifest(COLLECTION_DATASET[wildcards.collection])


def group_parts(wildcards):
    return group_of(wildcards).parts


def train_overrides(wildcards):
    """The training slice of the run's method overrides with this group's over them (its category's
    augmentation, paper 7.5)."""
    return stage_slice(plan_group_overrides(config["method"], group_of(wildcards)), "train")


def segment_overrides(wildcards):
    """The segmentation slice of the run's method overrides with this group's over them: its category's
    lambda_track and vote window (paper 7.5, or the authors' code; switch `paper_vote_windows`)."""
    return stage_slice(plan_group_overrides(config["method"], group_of(wildcards)), "segment")


def gsam2_overrides(wildcards):
    """GSAM2's slice of the run's method overrides (its model ids and thresholds, device, seed)."""
    return stage_slice(plan_group_overrides(config["method"], group_of(wildcards)), "gsam2")


def track_overrides(wildcards):
    """Tracking slice (backbone, tracker, vote window) of the method of the groups that segment this video:
    a video is tracked over the vote window its category segments with."""
    return plan_track_overrides(config["method"], COLLECTIONS, wildcards.dataset, wildcards.folder, wildcards.video)


def run_segment_overrides(wildcards):
    """The segmentation slice of the run's method overrides alone: for work outside the groups (PASCAL-Part)."""
    return stage_slice(config["method"], "segment")


def scoring_shots(wildcards):
    """Shots settings whose training frames leave a collection's ground truth (PUMaVOS: all; DAVIS semi: 1)."""
    return PROTOCOLS[wildcards.collection].scoring_shots(DATASETS[COLLECTION_DATASET[wildcards.collection]])


def references_for(wildcards):
    """Reference folder of a model: derived by rule references, or the dataset's own images."""
    if wildcards.collection in DERIVED_REFERENCES:
        path = REFERENCES_PATH.format(collection=wildcards.collection, group=wildcards.group, shots=wildcards.shots)
        return f"{RESULTS}/{path}"
    folder = PROTOCOLS[wildcards.collection].references_in_dataset(wildcards.group, int(wildcards.shots))
    return f"{collection_root(wildcards)}/{folder}"


def derived_references(wildcards):
    return [references_for(wildcards)] if wildcards.collection in DERIVED_REFERENCES else []


def tracks_path(collection, group, video):
    path = TRACKS_PATH.format(dataset=COLLECTION_DATASET[collection], folder=video_folder(collection, group),
                              video=video)
    return f"{RESULTS}/{path}"


def tracks_for(wildcards):
    return tracks_path(wildcards.collection, wildcards.group, wildcards.video)


def job_methods(wildcards):
    """The methods a segmentation job runs: those the run's tables and figures read for the video and checkpoint."""
    return PLAN.job_methods(wildcards.collection, wildcards.group, wildcards.video, wildcards.mode,
                            int(wildcards.shots))


def segmentation_job(wildcards):
    """The job folder holding one method's segmentation of a video (checked to be planned by the run)."""
    return PLAN.planned_job(wildcards.collection, wildcards.group, wildcards.video, wildcards.method, wildcards.mode,
                            int(wildcards.shots))


def video_setting(wildcards):
    """The method and checkpoint an evaluation scores, from its wildcards."""
    return {"method": wildcards.method, "mode": wildcards.mode, "shots": int(wildcards.shots)}


def switch_train_overrides(wildcards):
    """The training slice of a training switch's method overrides on this category (smite.plan.switch_cases)."""
    return stage_slice(PLAN.switch_overrides(wildcards.switch, wildcards.group), "train")


def switch_segment_overrides(wildcards):
    """The segmentation slice of a switch's method overrides on this category."""
    return stage_slice(PLAN.switch_overrides(wildcards.switch, wildcards.group), "segment")


def switch_checkpoint(wildcards):
    """A training switch's own checkpoint; SMITE's for an inference switch."""
    if SWITCHES[wildcards.switch].stage == TRAIN:
        return f"{RESULTS}/{fill(SWITCH_CHECKPOINT_PATH, **dict(wildcards.items()))}"
    return checkpoint_for(wildcards)


def switch_setting(wildcards):
    """What a switch's evaluation scores: SMITE with its checkpoint setting, and the switch."""
    return {**PLAN.setting("smite"), "switch": wildcards.switch}


def switch_segmentation(wildcards):
    """The job folder of a switch's segmentation of a video (SMITE's checkpoint setting)."""
    setting = PLAN.setting("smite")
    values = {**dict(wildcards.items()), "mode": setting["mode"], "shots": setting["shots"]}
    return f"{RESULTS}/{fill(SWITCH_SEGMENT_JOB_PATH, **values)}"


def checkpoint_for(wildcards):
    path = CHECKPOINT_PATH.format(collection=wildcards.collection, group=wildcards.group, mode=wildcards.mode,
                                  shots=wildcards.shots)
    return f"{RESULTS}/{path}"


def plan_table_inputs(table):
    """The input function of one table's rule (smite.plan.RunPlan.table_inputs)."""
    return lambda wildcards: PLAN.table_inputs(table)


def pascal_class_parts(wildcards):
    return DATASETS["pascal_part"]["classes"][wildcards.cls]["parts"]


def table_files(name):
    return expand(f"{RESULTS}/tables/{name}.{{ext}}", ext=TABLE_FORMATS)


def table_outputs(name):
    """A table rule's outputs; its HTML page goes into `snakemake --report` (which shows HTML, not CSV), under its
    dataset, in table order (labels sort as text: the number is zero-padded), captioned by report/<name>.rst."""
    files, spec = table_files(name), TABLE_SPECS[name]
    html = report(files[TABLE_FORMATS.index("html")], caption=f"../report/{name}.rst", category="Tables",
                  subcategory=spec.group, labels={"no.": spec.report_label, "table": f"Table {spec.number}"})
    return [html if path.endswith(".html") else path for path in files]


def figure_outputs(name):
    """A figure rule's PNG (into the report, captioned by report/<name>.rst) and PDF."""
    png, pdf = [f"{FIGURES}/{name}.{ext}" for ext in FIGURE_FORMATS]
    caption = "qualitative" if name.startswith("qualitative_") else "comparison" if name == "{figure}" else name
    return [report(png, caption=f"../report/{caption}.rst", category="Figures", labels={"figure": name}), pdf]


def all_table_files():
    return [path for name in TABLES for path in table_files(name)]


# Figures
FIGURES = f"{RESULTS}/figures"
FIGURE_FORMATS = ["png", "pdf"]


def all_figure_files():
    comparisons = PLAN.comparisons()
    names = ["training_curves", "shots_curve", "stage_costs", *comparisons] + [f"qualitative_{c}" for c in CATEGORIES]
    return expand(f"{FIGURES}/{{name}}.{{ext}}", name=names, ext=FIGURE_FORMATS)
