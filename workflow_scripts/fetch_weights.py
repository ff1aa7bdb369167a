"""Rule fetch_weights: every pretrained model the run loads into the Hugging Face cache; their identities."""

from smite.hub import ModelSpec, write_weights
from smite.workflow import start

start(snakemake)  # noqa: F821
write_weights(snakemake.output[0], [ModelSpec(**spec) for spec in snakemake.params.models.values()])  # noqa: F821
