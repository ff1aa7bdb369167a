"""Rule make_table2: the ablation ladder (SLiMe -> +IUNet -> +CA tuning -> +Tracking -> +LP reg)."""

from pathlib import Path

from smite.tables import TableContext, load_metrics, read_literature, table2, write_table
from smite.workflow import start

start(snakemake)  # noqa: F821
params = snakemake.params  # noqa: F821
metrics = load_metrics({method: snakemake.input[method] for method in params.methods})  # noqa: F821
frame = table2(metrics, read_literature(snakemake.input.literature, "table2"), list(params.dataset["categories"]))  # noqa: F821
context = TableContext(
    title="Table 2: network ablation, mean mIoU over categories, Alimohammadi et al. 2025",
    config=", ".join(params.config_files), backbone=params.backbone, tracker=params.tracker,
    dataset=params.dataset["name"],
    notes=("Each step adds one component to the previous row.", params.dataset.get("note", "")),
)
write_table(frame, Path(snakemake.output[0]).with_suffix(""), context)  # noqa: F821
