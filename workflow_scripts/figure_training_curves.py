"""Rule figure_training_curves: Figure 9, training loss of two-phase vs joint training."""

from pathlib import Path

from smite.figures import training_curves
from smite.workflow import start

start(snakemake)  # noqa: F821
checkpoints = {mode: snakemake.input[mode] for mode in snakemake.params.modes}  # noqa: F821
training_curves(checkpoints, Path(snakemake.output[0]).with_suffix(""))  # noqa: F821
