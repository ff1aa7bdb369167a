"""Rule segment_images: one PASCAL-Part class's test images segmented by one checkpoint."""

from smite.api import segment_images
from smite.data.pascal_part import load_split
from smite.workflow import start

settings = start(snakemake)  # noqa: F821
params = snakemake.params  # noqa: F821
items = load_split(params.root, snakemake.wildcards.cls, params.split, list(params.parts))  # noqa: F821
segment_images(snakemake.input.checkpoint, [image for _, image, _ in items], [name for name, _, _ in items],  # noqa: F821
               snakemake.output[0], settings)  # noqa: F821
