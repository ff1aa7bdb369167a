"""Rule track_video: cache a video's trajectories over the voting window around every frame."""

from smite.api import track_video
from smite.data.smite50 import video_path
from smite.workflow import start

method = start(snakemake)  # noqa: F821
wc = snakemake.wildcards  # noqa: F821
track_video(video_path(snakemake.params.root, wc.category, wc.video), snakemake.output.tracks, method)  # noqa: F821
