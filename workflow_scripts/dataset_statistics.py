"""Rule dataset_statistics: Table 5's figures of one dataset, from its ground truth."""

import json
from pathlib import Path

from smite.data.layouts import dataset_statistics
from smite.workflow import start

start(snakemake)  # noqa: F821
stats = dataset_statistics(snakemake.wildcards.dataset, snakemake.params.spec["root"])  # noqa: F821
Path(snakemake.output[0]).write_text(json.dumps({**stats, "name": snakemake.params.spec["name"]}, indent=2))  # noqa: F821
