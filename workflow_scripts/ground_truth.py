"""Rule ground_truth: a video's scored frames (training frames left out) as label PNGs named by frame index."""

from smite.data.protocols import held_out_frames, load_clip
from smite.data.smite50 import export_label_pngs
from smite.workflow import start

start(snakemake)  # noqa: F821
wc = snakemake.wildcards  # noqa: F821
clip = load_clip(wc.collection, snakemake.params.root, wc.group, wc.video, snakemake.params.parts)  # noqa: F821
export_label_pngs(clip, snakemake.output[0], exclude=held_out_frames(wc.collection, clip, snakemake.params.shots))  # noqa: F821
