"""Rule track_video: cache a video's trajectories through the clips the run's methods read."""

from smite.data.protocols import video_source
from smite.track.run import track_video
from smite.workflow import start, video_frames

settings = start(snakemake)  # noqa: F821
wc = snakemake.wildcards  # noqa: F821
video = video_source(wc.dataset, snakemake.params.root, wc.folder, wc.video)  # noqa: F821
frames = video_frames(snakemake, wc.dataset, wc.folder, wc.video)  # noqa: F821
track_video(video, snakemake.output.tracks, settings, uses=tuple(snakemake.params.uses), frames=frames)  # noqa: F821
