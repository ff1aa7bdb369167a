"""Rule train_category: train one category's checkpoint from its reference images."""

from smite.api import train_references
from smite.data.smite50 import reference_dir
from smite.workflow import start

method = start(snakemake)  # noqa: F821
wc = snakemake.wildcards  # noqa: F821
train_references(
    reference_dir(snakemake.params.root, wc.category),  # noqa: F821
    snakemake.output.checkpoint,  # noqa: F821
    method,
    {"mode": wc.mode},
    parts=snakemake.params.parts,  # noqa: F821
    shots=int(wc.shots),
)
