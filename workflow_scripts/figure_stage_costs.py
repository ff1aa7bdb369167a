"""Rule figure_stage_costs: wall-clock cost per stage from the rules' benchmark files."""

from pathlib import Path

from smite.figures import STAGES, stage_costs
from smite.workflow import start

smk = snakemake  # noqa: F821
start(smk)
stage_costs({stage: smk.input[stage] for stage in STAGES}, Path(smk.output[0]).with_suffix(""))
