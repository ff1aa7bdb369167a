"""Rule ground_truth: a video's annotated frames as label PNGs named by frame index."""

from smite.data.smite50 import export_label_pngs, load_video_clip
from smite.workflow import start

start(snakemake)  # noqa: F821
wc = snakemake.wildcards  # noqa: F821
clip = load_video_clip(snakemake.params.root, wc.category, wc.video, snakemake.params.parts)  # noqa: F821
export_label_pngs(clip, snakemake.output[0])  # noqa: F821
