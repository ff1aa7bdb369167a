"""Rule segment_gsam2: the GSAM2 baseline (Grounding DINO + SAM2 video) on one video."""

from smite.atomic import atomic_dir
from smite.data.protocols import COLLECTION_DATASET, video_source
from smite.gsam2 import run_gsam2_video
from smite.methods import method_folder
from smite.plan import GSAM2_SETTING
from smite.workflow import start, video_frames

settings = start(snakemake)  # noqa: F821
wc = snakemake.wildcards  # noqa: F821
dataset = COLLECTION_DATASET[wc.collection]
video = video_source(dataset, snakemake.params.root, wc.group, wc.video)  # noqa: F821
frames = video_frames(snakemake, dataset, wc.group, wc.video)  # noqa: F821
with atomic_dir(snakemake.output[0]) as job:  # noqa: F821
    run_gsam2_video(video, method_folder(job, GSAM2_SETTING["method"]), list(snakemake.params.parts), settings,  # noqa: F821
                    frames=frames)
