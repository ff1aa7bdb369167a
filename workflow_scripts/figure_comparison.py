"""Rule figure_comparison: the paper's Figure 8 or 12, per category its video, ground truth and two methods."""

from pathlib import Path

from smite.data.smite50 import video_path
from smite.figures import part_legend, strip, video_rows
from smite.methods import METHODS, method_folder
from smite.plan import COMPARISONS
from smite.workflow import start

start(snakemake)  # noqa: F821
params, inputs = snakemake.params, snakemake.input  # noqa: F821
title, methods = COMPARISONS[snakemake.wildcards.figure]  # noqa: F821
rows, titles, legend = [], [], []
for category, video in params.videos.items():
    masks = {METHODS[m].display: method_folder(inputs[f"{category}.{m}"], m) / "masks" for m in methods}
    category_rows, category_titles = video_rows(video_path(params.root, category, video), inputs[f"{category}.gt"],
                                                masks, label=category)
    rows += category_rows
    titles = titles or category_titles
    legend += part_legend(params.parts[category], f"{category}: ")
columns = [f"annotated frame {i + 1}" for i in range(len(titles))]  # each category's own frames (row labels)
strip(rows, columns, legend, Path(snakemake.output[0]).with_suffix(""), title)  # noqa: F821
