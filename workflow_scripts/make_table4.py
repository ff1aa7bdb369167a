"""Rule make_table4: objective temporal consistency per method beside the paper's user-study ranks."""

from smite.tables import load_metrics, read_literature, table4, write_table
from smite.workflow import start, table_context, table_stem

smk = snakemake  # noqa: F821
start(smk)
params = smk.params
methods = list(params.methods)
metrics = load_metrics({method: smk.input[method] for method in methods})
frame = table4(metrics, read_literature(smk.input.literature, "table4"), list(params.dataset["categories"]), methods)
context = table_context(
    smk, "Table 4: temporal consistency (objective stand-in for the paper's user study)", params.dataset,
    "flicker = fraction of tracked points (foreground at either end) whose label changes between "
    "consecutive frames (lower is better); warped agreement = fraction of foreground pixels whose label "
    "equals the previous frame's label warped by optical flow (higher is better). The paper's columns are "
    "mean user ranks (1 best) of 25 participants: a different measure, shown as reported.",
)
write_table(frame, table_stem(smk), context)
