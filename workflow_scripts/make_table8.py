"""Rule make_table8: joint vs two-phase training (SMITE mean mIoU and training time)."""

import pandas as pd

from smite.tables import load_metrics, read_literature, table8, write_table
from smite.workflow import start, table_context, table_stem

smk = snakemake  # noqa: F821
start(smk)
params = smk.params
inputs = smk.input
by_mode = {mode: load_metrics({"smite": inputs[f"metrics_{mode}"]}) for mode in params.modes}
seconds = {mode: float(pd.concat([pd.read_csv(p, sep="\t") for p in inputs[f"train_{mode}"]])["s"].mean())
           for mode in params.modes}
frame = table8(by_mode, seconds, read_literature(inputs.literature, "table8"), list(params.dataset["categories"]))
context = table_context(
    smk, "Table 8: joint vs two-phase training, Alimohammadi et al. 2025", params.dataset,
    "Training time = wall-clock seconds of the training rule (Snakemake benchmark), mean over categories; "
    "the paper's times are on one RTX 3090 with SD 2.1.",
    params.ablation_note,
)
write_table(frame, table_stem(smk), context)
