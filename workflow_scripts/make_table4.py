"""Rule make_table4: objective temporal consistency per method beside the paper's user-study ranks."""

from pathlib import Path

from smite.tables import TableContext, load_metrics, read_literature, table4, write_table
from smite.workflow import start

start(snakemake)  # noqa: F821
params = snakemake.params  # noqa: F821
methods = list(params.methods)
metrics = load_metrics({method: snakemake.input[method] for method in methods})  # noqa: F821
literature = read_literature(snakemake.input.literature, "table4")  # noqa: F821
frame = table4(metrics, literature, list(params.dataset["categories"]), methods)
context = TableContext(
    title="Table 4: temporal consistency (objective stand-in for the paper's user study)",
    config=", ".join(params.config_files), backbone=params.backbone, tracker=params.tracker,
    dataset=params.dataset["name"],
    notes=(
        "flicker = fraction of tracked points (foreground at either end) whose label changes between "
        "consecutive frames (lower is better); warped agreement = fraction of foreground pixels whose label "
        "equals the previous frame's label warped by optical flow (higher is better). The paper's columns are "
        "mean user ranks (1 best) of 25 participants: a different measure, shown as reported.",
        params.dataset.get("note", ""),
    ),
)
write_table(frame, Path(snakemake.output[0]).with_suffix(""), context)  # noqa: F821
