"""Rule prepare_dataset: generate (synthetic) or download, verify and extract a dataset; manifest last."""

from pathlib import Path

from smite.data.layouts import prepare
from smite.workflow import start

start(snakemake)  # noqa: F821
prepare(snakemake.params.spec, Path(snakemake.output.manifest).parent)  # noqa: F821
