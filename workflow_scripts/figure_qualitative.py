"""Rule figure_qualitative: overlay strip of one video, a row per method."""

from smite.worker import run_in_worker

run_in_worker()  # hands the job to the run's warm worker when there is one: it has the imports below

from pathlib import Path

from smite.data.smite50 import video_path
from smite.figures import qualitative_strip
from smite.workflow import start

start(snakemake)  # noqa: F821
params = snakemake.params  # noqa: F821
video = video_path(params.root, snakemake.wildcards.category, params.video)  # noqa: F821
masks = {method: Path(path) / "masks" for method, path in snakemake.input.items() if method != "manifest"}  # noqa: F821
qualitative_strip(video, masks, Path(snakemake.output[0]).with_suffix(""))  # noqa: F821
