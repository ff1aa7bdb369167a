"""Rule make_table8: joint vs two-phase training (SMITE mean mIoU and training time)."""

from pathlib import Path

import pandas as pd

from smite.tables import TableContext, load_metrics, read_literature, table8, write_table
from smite.workflow import start

start(snakemake)  # noqa: F821
params = snakemake.params  # noqa: F821
inputs = snakemake.input  # noqa: F821
by_mode = {mode: load_metrics({"smite": inputs[f"metrics_{mode}"]}) for mode in params.modes}
seconds = {mode: float(pd.concat([pd.read_csv(p, sep="\t") for p in inputs[f"train_{mode}"]])["s"].mean())
           for mode in params.modes}
frame = table8(by_mode, seconds, read_literature(inputs.literature, "table8"), list(params.dataset["categories"]))
context = TableContext(
    title="Table 8: joint vs two-phase training, Alimohammadi et al. 2025",
    config=", ".join(params.config_files), backbone=params.backbone, tracker=params.tracker,
    dataset=params.dataset["name"],
    notes=("Training time = wall-clock seconds of the training rule (Snakemake benchmark), mean over categories; "
           "the paper's times are on one RTX 3090 with SD 2.1.", params.dataset.get("note", "")),
)
write_table(frame, Path(snakemake.output[0]).with_suffix(""), context)  # noqa: F821
