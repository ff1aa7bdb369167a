"""Rule segment_video: masks, overlay and parts legend of one video by one method."""

from smite.api import segment_video
from smite.data.smite50 import video_path
from smite.workflow import start

method = start(snakemake)  # noqa: F821
wc = snakemake.wildcards  # noqa: F821
segment_video(
    video_path(snakemake.params.root, wc.category, wc.video),  # noqa: F821
    snakemake.input.checkpoint,  # noqa: F821
    snakemake.output[0],  # noqa: F821
    wc.method,
    method,
    tracks=snakemake.input.tracks,  # noqa: F821
)
