"""Rule make_table2: the ablation ladder (SLiMe -> +IUNet -> +CA tuning -> +Tracking -> +LP reg)."""

from smite.tables import load_metrics, read_literature, table2, write_table
from smite.workflow import start, table_context, table_stem

smk = snakemake  # noqa: F821
start(smk)
params = smk.params
metrics = load_metrics({method: smk.input[method] for method in params.methods})
frame = table2(metrics, read_literature(smk.input.literature, "table2"), list(params.dataset["categories"]))
context = table_context(smk, "Table 2: network ablation, mean mIoU over categories, Alimohammadi et al. 2025",
                        params.dataset, "Each step adds one component to the previous row.", params.ablation_note)
write_table(frame, table_stem(smk), context)
