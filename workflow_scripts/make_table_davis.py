"""Rules make_table9 / make_table10: DAVIS-2016 zero-shot or semi-supervised J / F beside the paper's."""

from smite.tables import load_metrics, read_literature, table_davis, write_table
from smite.workflow import start, table_context, table_stem

smk = snakemake  # noqa: F821
start(smk)
params = smk.params
spec = params.davis or {}
metrics = load_metrics({"smite": smk.input.get("smite", [])})
frame = table_davis(metrics, read_literature(smk.input.literature, params.table), spec.get("smite_plus_exclude", []))
context = table_context(smk, params.title, params.davis, "J and F in percent, object only, mean over frames "
                        "then sequences. SMITE+ leaves out the sequences in smite_plus_exclude (the paper's two "
                        "thin-structure videos, unnamed). J&F recall and decay are "
                        "left out: the paper's Tables 9-10 report J and F only.")
write_table(frame, table_stem(smk), context)
