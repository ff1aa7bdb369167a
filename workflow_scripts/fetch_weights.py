"""Rule fetch_weights: in the jobs' environment, the package of each tracker the run uses importable (CoTracker3's
`cotracker`); then every pretrained model the run loads into the Hugging Face cache, and their identities."""

from smite.errors import SmiteInputError
from smite.hub import ModelSpec, write_weights
from smite.trackers import tracker_problem
from smite.workflow import start

start(snakemake)  # noqa: F821
problems = [line for line in map(tracker_problem, snakemake.params.trackers) if line]  # noqa: F821
if problems:
    raise SmiteInputError(None, "\n".join(problems))
write_weights(snakemake.output[0], [ModelSpec(**spec) for spec in snakemake.params.models.values()])  # noqa: F821
