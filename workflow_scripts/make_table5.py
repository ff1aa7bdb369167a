"""Rule make_table5: statistics of the video datasets present beside the paper's Table 5."""

import json
from pathlib import Path

from smite.tables import read_literature, table5, write_table
from smite.workflow import start, table_context, table_stem

smk = snakemake  # noqa: F821
start(smk)
stats = {Path(p).stem: json.loads(Path(p).read_text()) for p in smk.input.statistics}
frame = table5(stats, read_literature(smk.input.literature, "table5"))
names = "; ".join(s["name"] for s in stats.values())
context = table_context(smk, "Table 5: video datasets compared, Alimohammadi et al. 2025",
                        {"name": names}, "Parts per video = distinct non-background labels over its annotated "
                        "frames; multi-part = more than one. SMITE-50 and PUMaVOS have no training videos.")
write_table(frame, table_stem(smk), context)
