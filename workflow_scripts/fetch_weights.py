"""Rule fetch_weights: in the jobs' environment, CoTracker importable where the run tracks with it; then every
pretrained model the run loads into the Hugging Face cache, and their identities."""

from smite.errors import SmiteInputError
from smite.hub import ModelSpec, cotracker_problem, write_weights
from smite.workflow import start

start(snakemake)  # noqa: F821
if snakemake.params.cotracker and (problem := cotracker_problem()):  # noqa: F821
    raise SmiteInputError(None, problem)
write_weights(snakemake.output[0], [ModelSpec(**spec) for spec in snakemake.params.models.values()])  # noqa: F821
