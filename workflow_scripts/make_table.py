"""Rule make_<table>: one paper table beside the paper's values, as its smite.table_specs entry declares it."""

from smite.table_specs import TABLE_SPECS
from smite.tables import read_literature, write_table
from smite.workflow import start, table_context, table_stem

smk = snakemake  # noqa: F821
start(smk)
params = dict(smk.params.items())
spec = TABLE_SPECS[params["table"]]
frame = spec.build(smk.input, params, read_literature(smk.input.literature, params["table"]))
context = table_context(smk, spec.title.format(**params), spec.dataset(smk.input, params), *spec.header_notes(params))
write_table(frame, table_stem(smk), context)
