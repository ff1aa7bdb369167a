"""Rule figure_stage_costs: wall-clock cost per stage from the rules' benchmark files."""

from smite.worker import run_in_worker

run_in_worker()  # hands the job to the run's warm worker when there is one: it has the imports below

from pathlib import Path

from smite.figures import STAGES, stage_costs
from smite.workflow import start

smk = snakemake  # noqa: F821
start(smk)
stage_costs({stage: smk.input[stage] for stage in STAGES}, Path(smk.output[0]).with_suffix(""))
