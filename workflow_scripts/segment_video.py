"""Rule segment_video: one video segmented with one checkpoint by every method the run plans for them."""

from smite.api import segment_video_job
from smite.data.protocols import COLLECTION_DATASET, video_source
from smite.workflow import start, video_frames

settings = start(snakemake)  # noqa: F821
wc = snakemake.wildcards  # noqa: F821
dataset = COLLECTION_DATASET[wc.collection]
segment_video_job(
    video_source(dataset, snakemake.params.root, wc.group, wc.video),  # noqa: F821
    snakemake.input.checkpoint,  # noqa: F821
    snakemake.output[0],  # noqa: F821
    snakemake.params.methods,  # noqa: F821
    settings,
    tracks=snakemake.input.tracks,  # noqa: F821
    frames=video_frames(snakemake, dataset, wc.group, wc.video),  # noqa: F821
)
