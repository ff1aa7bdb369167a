"""Rule make_table6: PUMaVOS with one training frame per video, beside the paper's Table 6."""

from smite.tables import load_metrics, read_literature, table6, write_table
from smite.workflow import start, table_context, table_stem

smk = snakemake  # noqa: F821
start(smk)
spec = smk.params.pumavos
methods = list(spec.get("methods", [])) if spec else []
metrics = load_metrics({method: smk.input[method] for method in methods})
sequences = {name: s.get("paper_column") for name, s in (spec or {}).get("sequences", {}).items()}
frame = table6(metrics, read_literature(smk.input.literature, "table6"), sequences, methods)
context = table_context(smk, "Table 6: PUMaVOS, one training frame per video, Alimohammadi et al. 2025",
                        spec, "Scored on the annotated frames no shots setting trains on. mIoU (%) includes "
                        "background; F (0..1) excludes it.")
write_table(frame, table_stem(smk), context)
