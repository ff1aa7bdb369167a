"""Rule evaluate_video: metrics of one video's masks against its annotated frames."""

import json
from pathlib import Path

from smite.metrics import evaluate_dirs
from smite.workflow import start

start(snakemake)  # noqa: F821
scores = evaluate_dirs(
    Path(snakemake.input.prediction) / "masks",  # noqa: F821
    snakemake.input.ground_truth,  # noqa: F821
    part_names=snakemake.params.parts,  # noqa: F821
)
Path(snakemake.output.metrics).write_text(json.dumps(scores, indent=2))  # noqa: F821
