"""Rule make_table3: SMITE with 1, 5 and 10 reference images."""

from pathlib import Path

from smite.tables import TableContext, load_metrics, read_literature, table3, write_table
from smite.workflow import start

start(snakemake)  # noqa: F821
params = snakemake.params  # noqa: F821
by_shots = {k: load_metrics({"smite": snakemake.input[f"shots_{k}"]}) for k in params.shots_ablation}  # noqa: F821
frame = table3(by_shots, read_literature(snakemake.input.literature, "table3"), list(params.dataset["categories"]))  # noqa: F821
context = TableContext(
    title="Table 3: few-shot ablation, SMITE mean mIoU, Alimohammadi et al. 2025",
    config=", ".join(params.config_files), backbone=params.backbone, tracker=params.tracker,
    dataset=params.dataset["name"], notes=("K-shot = the first K reference images.", params.dataset.get("note", "")),
)
write_table(frame, Path(snakemake.output[0]).with_suffix(""), context)  # noqa: F821
