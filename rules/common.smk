import os

# Input functions and path helpers: the only Python logic of the workflow.
RUN = config["run"]
RESULTS = f"results/{RUN}"
DATA_ROOT = config["dataset"]["root"]
CATEGORIES = list(config["dataset"]["categories"])
TABLE_FORMATS = ["csv", "md", "tex"]

# method name -> training mode its checkpoint needs (DESIGN.md section 4, Baselines)
TRAINING_MODE = {"baseline1": "embeddings"}


wildcard_constraints:
    category="|".join(CATEGORIES),
    video="[^/]+",
    method="|".join(TRAINING_MODE),
    mode="embeddings|two-phase|joint",
    shots=r"\d+",


def dataset_root(wildcards, input):
    """The dataset folder: where its manifest lies."""
    return os.path.dirname(input.manifest)


def videos(category):
    return config["dataset"]["categories"][category]["videos"]


def checkpoint_for(wildcards):
    mode = TRAINING_MODE[wildcards.method]
    return f"{RESULTS}/models/{wildcards.category}/{mode}_{config['shots']}shot.safetensors"


def metrics_files(method):
    return [
        f"{RESULTS}/metrics/{method}/{category}/{video}.json"
        for category in CATEGORIES
        for video in videos(category)
    ]


def table1_inputs(wildcards):
    return {method: metrics_files(method) for method in config["methods"]}


def table_files(name):
    return expand(f"{RESULTS}/tables/{name}.{{ext}}", ext=TABLE_FORMATS)


def all_table_files():
    return table_files("table1")
