"""Rule make_table3: SMITE with 1, 5 and 10 reference images."""

from smite.tables import load_metrics, read_literature, table3, write_table
from smite.workflow import start, table_context, table_stem

smk = snakemake  # noqa: F821
start(smk)
params = smk.params
by_shots = {k: load_metrics({"smite": smk.input[f"shots_{k}"]}) for k in params.shots_ablation}
frame = table3(by_shots, read_literature(smk.input.literature, "table3"), list(params.dataset["categories"]))
context = table_context(smk, "Table 3: few-shot ablation, SMITE mean mIoU, Alimohammadi et al. 2025",
                        params.dataset, "K-shot = the first K reference images.", params.ablation_note)
write_table(frame, table_stem(smk), context)
