"""Rule make_table1: Table 1 (F / mIoU per category and method) beside the paper's values."""

from pathlib import Path

from smite.tables import TableContext, load_metrics, read_literature, table1, write_table
from smite.workflow import start

start(snakemake)  # noqa: F821
params = snakemake.params  # noqa: F821
methods = list(params.methods)
metrics = load_metrics({method: snakemake.input[method] for method in methods})  # noqa: F821
categories = {name: spec.get("paper_column") for name, spec in params.dataset["categories"].items()}
frame = table1(metrics, read_literature(snakemake.input.literature, "table1"), categories, methods)  # noqa: F821
context = TableContext(
    title=f"Table 1: F-measure and mIoU per category ({params.shots} references), Alimohammadi et al. 2025",
    config=", ".join(params.config_files),
    backbone=params.backbone,
    tracker=params.tracker,
    dataset=params.dataset["name"],
    notes=(
        "mIoU (%) includes background; a part never present in a video's ground truth counts 0 "
        "(authors' rule). F (0..1) excludes background. Category = mean over videos; Mean = mean "
        "over categories.",
        params.dataset.get("note", ""),
    ),
)
write_table(frame, Path(snakemake.output[0]).with_suffix(""), context)  # noqa: F821
