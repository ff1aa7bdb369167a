"""Rule make_table7: PUMaVOS with 1 / 5 / 10 training frames, beside the paper's Table 7."""

from smite.tables import load_metrics, read_literature, table7, write_table
from smite.workflow import start, table_context, table_stem

smk = snakemake  # noqa: F821
start(smk)
spec = smk.params.pumavos or {}
by_shots = {k: load_metrics({"smite": smk.input[f"shots_{k}"]}) for k in spec.get("shots", [])}
sequences = {name: s.get("paper_column") for name, s in spec.get("sequences", {}).items()}
frame = table7(by_shots, read_literature(smk.input.literature, "table7"), sequences)
context = table_context(smk, "Table 7: PUMaVOS with 1, 5 and 10 training frames, Alimohammadi et al. 2025",
                        smk.params.pumavos, "k frames evenly spaced over the annotated frames, the first "
                        "included; every setting is scored on the same held-out frames.")
write_table(frame, table_stem(smk), context)
