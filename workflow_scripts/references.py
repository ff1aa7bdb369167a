"""Rule references: a model's reference folder taken from video frames (PUMaVOS, DAVIS)."""

from smite.data.protocols import write_references
from smite.workflow import start

start(snakemake)  # noqa: F821
wc = snakemake.wildcards  # noqa: F821
params = snakemake.params  # noqa: F821
write_references(wc.collection, params.root, wc.group, int(wc.shots), snakemake.output[0], params.spec, params.parts)  # noqa: F821
