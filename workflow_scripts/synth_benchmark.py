"""Rule synth_benchmark: write the synthetic benchmark (SMITE-50 layout) next to its manifest."""

from pathlib import Path

from smite.data.synth import SynthConfig, generate_benchmark
from smite.workflow import start

start(snakemake)  # noqa: F821
generate_benchmark(Path(snakemake.output.manifest).parent, SynthConfig(**snakemake.params.synth))  # noqa: F821
