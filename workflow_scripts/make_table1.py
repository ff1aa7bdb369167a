"""Rule make_table1: Table 1 (F / mIoU per category and method) beside the paper's values."""

from smite.tables import load_metrics, read_literature, table1, write_table
from smite.workflow import start, table_context, table_stem

smk = snakemake  # noqa: F821
start(smk)
params = smk.params
methods = list(params.methods)
metrics = load_metrics({method: smk.input[method] for method in methods})
categories = {name: spec.get("paper_column") for name, spec in params.dataset["categories"].items()}
frame = table1(metrics, read_literature(smk.input.literature, "table1"), categories, methods)
context = table_context(
    smk, f"Table 1: F-measure and mIoU per category ({params.shots} references), Alimohammadi et al. 2025",
    params.dataset,
    "mIoU (%) includes background; a part never present in a video's ground truth counts 0 (authors' rule). "
    "F (0..1) excludes background. Category = mean over videos; Mean = mean over categories.",
)
write_table(frame, table_stem(smk), context)
