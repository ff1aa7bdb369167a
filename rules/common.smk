# Input functions and path helpers: the only Python logic of the workflow.
import os

RUN = config["run"]
RESULTS = f"results/{RUN}"
DATA_ROOT = config["dataset"]["root"]
CATEGORIES = list(config["dataset"]["categories"])
TABLE_FORMATS = ["csv", "md", "tex"]
SHOTS = config["shots"]

# method -> training mode of the checkpoint it uses by default (DESIGN.md section 4, Baselines; Table 2)
TRAINING_MODE = {
    "baseline1": "embeddings",
    "baseline2": "embeddings",
    "baseline3": "embeddings",
    "smite_ca": "two-phase",
    "smite_track": "two-phase",
    "smite": "two-phase",
}
TABLES = ["table1", "table2", "table3", "table4", "table8"]


wildcard_constraints:
    category="|".join(CATEGORIES),
    video="[^/]+",
    method="|".join(TRAINING_MODE),
    mode="embeddings|two-phase|joint",
    shots=r"\d+",


def category_config(category):
    return config["dataset"]["categories"][category]


def videos(category):
    return category_config(category)["videos"]


def dataset_root(wildcards, input):
    """The dataset folder: where its manifest lies."""
    return os.path.dirname(input.manifest)


def category_method(wildcards):
    """The run's method overrides plus this category's lambda_track / vote window (paper 7.5)."""
    spec = category_config(wildcards.category)
    inference = dict(config["method"].get("inference", {}))
    for key in ("lambda_track", "vote_window"):
        if key in spec:
            inference[key] = spec[key]
    return {**config["method"], "inference": inference}


def tracks_for(wildcards):
    return f"{RESULTS}/tracks/{wildcards.category}/{wildcards.video}.npz"


def checkpoint_for(wildcards):
    return f"{RESULTS}/models/{wildcards.category}/{wildcards.mode}_{wildcards.shots}shot.safetensors"


def run_key(method, mode=None, shots=None):
    """Folder of one (method, training mode, shots) setting under segment/ and metrics/."""
    return f"{method}/{mode or TRAINING_MODE[method]}_{shots or SHOTS}shot"


def metrics_files(method, mode=None, shots=None, limit=None):
    key = run_key(method, mode, shots)
    return [f"{RESULTS}/metrics/{key}/{c}/{v}.json" for c in CATEGORIES for v in videos(c)[:limit]]


def table1_inputs(wildcards):
    return {method: metrics_files(method) for method in config["methods"]}


def table2_inputs(wildcards):
    return {method: metrics_files(method) for method in config["ablation"]}


def table3_inputs(wildcards):
    limit = config["ablation_videos"]
    return {f"shots_{k}": metrics_files("smite", shots=k, limit=limit) for k in config["shots_ablation"]}


def table8_inputs(wildcards):
    inputs = {}
    for mode in config["training_modes"]:
        inputs[f"metrics_{mode}"] = metrics_files("smite", mode=mode, limit=config["ablation_videos"])
        inputs[f"train_{mode}"] = [
            f"{RESULTS}/benchmarks/train/{c}/{mode}_{SHOTS}shot.tsv" for c in CATEGORIES
        ]
        inputs[f"models_{mode}"] = [f"{RESULTS}/models/{c}/{mode}_{SHOTS}shot.safetensors" for c in CATEGORIES]
    return inputs


def table_files(name):
    return expand(f"{RESULTS}/tables/{name}.{{ext}}", ext=TABLE_FORMATS)


def all_table_files():
    return [path for name in TABLES for path in table_files(name)]


# Figures
FIGURES = f"{RESULTS}/figures"
FIGURE_FORMATS = ["png", "pdf"]


def all_figure_files():
    names = ["training_curves", "shots_curve"] + [f"qualitative_{c}" for c in CATEGORIES]
    return expand(f"{FIGURES}/{{name}}.{{ext}}", name=names, ext=FIGURE_FORMATS)


def qualitative_inputs(wildcards):
    video = videos(wildcards.category)[0]
    return {
        method: f"{RESULTS}/segment/{run_key(method)}/{wildcards.category}/{video}"
        for method in config["methods"]
    }


def training_curve_inputs(wildcards):
    return {
        mode: [f"{RESULTS}/models/{c}/{mode}_{SHOTS}shot.safetensors" for c in CATEGORIES]
        for mode in config["training_modes"]
    }
