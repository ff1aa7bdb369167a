"""Rule ground_truth: a video's scored frames (training frames and frames past the run's video protocol left out)
as label PNGs named by frame index."""

from smite.data.protocols import COLLECTION_DATASET, held_out_frames, load_clip
from smite.data.smite50 import export_label_pngs
from smite.workflow import start, video_frames

start(snakemake)  # noqa: F821
wc = snakemake.wildcards  # noqa: F821
clip = load_clip(wc.collection, snakemake.params.root, wc.group, wc.video, snakemake.params.parts)  # noqa: F821
frames = video_frames(snakemake, COLLECTION_DATASET[wc.collection], wc.group, wc.video)  # noqa: F821
past = {index for index in clip.labels if frames is not None and index >= frames}
held_out = held_out_frames(wc.collection, clip, snakemake.params.shots)  # noqa: F821
export_label_pngs(clip, snakemake.output[0], exclude=held_out | past)  # noqa: F821
