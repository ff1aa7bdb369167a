"""Rule figure_shots_curve: mIoU against the number of reference images."""

from pathlib import Path

from smite.figures import shots_curve
from smite.workflow import start

start(snakemake)  # noqa: F821
shots_curve(snakemake.input.table, Path(snakemake.output[0]).with_suffix(""))  # noqa: F821
