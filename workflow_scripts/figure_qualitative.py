"""Rule figure_qualitative: one video's frames, ground truth and each method's overlay (Figures 6-7)."""

from pathlib import Path

from smite.data.smite50 import video_path
from smite.figures import qualitative_strip
from smite.methods import METHODS, method_folder
from smite.workflow import start

start(snakemake)  # noqa: F821
params, inputs = snakemake.params, snakemake.input  # noqa: F821
category = snakemake.wildcards.category  # noqa: F821
video = video_path(params.root, category, params.video)
masks = {METHODS[m].display: method_folder(job, m) / "masks" for m, job in inputs.items() if m in METHODS}
qualitative_strip(video, inputs.ground_truth, masks, params.parts, Path(snakemake.output[0]).with_suffix(""),  # noqa: F821
                  f"{category}, {params.video}: input, ground truth and each method")
