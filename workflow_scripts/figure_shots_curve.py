"""Rule figure_shots_curve: mIoU against the number of reference images."""

from smite.worker import run_in_worker

run_in_worker()  # hands the job to the run's warm worker when there is one: it has the imports below

from pathlib import Path

from smite.figures import shots_curve
from smite.workflow import start

start(snakemake)  # noqa: F821
shots_curve(snakemake.input.table, Path(snakemake.output[0]).with_suffix(""))  # noqa: F821
