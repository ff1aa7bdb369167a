"""Rules toy_archive and toy_local_dataset (smoke runs): a dataset's toy copy as its archive or its folder."""

from pathlib import Path

from smite.data.protocols import DATASET_TYPES
from smite.data.toy import ToySettings, write_toy_archive, write_toy_dataset
from smite.workflow import start

start(snakemake)  # noqa: F821
spec = snakemake.params.spec  # noqa: F821
settings = ToySettings.from_config(snakemake.params.settings)  # noqa: F821
writer = DATASET_TYPES[spec["key"]].toy
if snakemake.rule == "toy_archive":  # noqa: F821
    write_toy_archive(writer, spec, settings, snakemake.output[0])  # noqa: F821
else:
    write_toy_dataset(writer, spec, settings, spec["root"])
    Path(snakemake.output.placed).write_text(f"toy {spec['key']} written into {spec['root']}\n")  # noqa: F821
