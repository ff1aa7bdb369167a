"""Rule train: one group's checkpoint from its reference folder."""

from smite.api import train_references
from smite.workflow import start

settings = start(snakemake)  # noqa: F821
wc = snakemake.wildcards  # noqa: F821
train_references(
    snakemake.params.references,  # noqa: F821
    snakemake.output.checkpoint,  # noqa: F821
    settings,
    {"mode": wc.mode},
    parts=snakemake.params.parts,  # noqa: F821
    shots=int(wc.shots),
)
