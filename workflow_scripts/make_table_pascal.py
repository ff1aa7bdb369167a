"""Rules make_table11 / make_table12: PASCAL-Part per-part IoU (car / horse) beside the paper's."""

from smite.tables import TABLE11_METHODS, load_part_scores, read_literature, table_pascal, write_table
from smite.workflow import start, table_context, table_stem

smk = snakemake  # noqa: F821
start(smk)
params = smk.params
scores = load_part_scores({method: smk.input.get(method, []) for method in TABLE11_METHODS.values()})
frame = table_pascal(scores, read_literature(smk.input.literature, params.table), params.classes)
context = table_context(smk, params.title, params.pascal, "IoU (%) per part: mean over the test images "
                        "whose ground truth holds it; average over all parts, background included. 'slime' = "
                        "this pipeline's Baseline-I (embeddings only), 'smite' = two-phase training.")
write_table(frame, table_stem(smk), context)
