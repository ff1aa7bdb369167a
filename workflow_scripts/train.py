"""Rule train: one group's checkpoint from its reference folder."""

from smite.worker import run_in_worker

run_in_worker()  # hands the job to the run's warm worker when there is one: it has the imports below

from smite.api import train_references
from smite.workflow import start

method = start(snakemake)  # noqa: F821
wc = snakemake.wildcards  # noqa: F821
train_references(
    snakemake.params.references,  # noqa: F821
    snakemake.output.checkpoint,  # noqa: F821
    method,
    {"mode": wc.mode},
    parts=snakemake.params.parts,  # noqa: F821
    shots=int(wc.shots),
)
