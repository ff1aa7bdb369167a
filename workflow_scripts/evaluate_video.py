"""Rule evaluate_video: accuracy on the scored frames (at inference.score_size square, as the authors score; the
segmentation's scored/ labels where it wrote them, else its masks resized) and temporal consistency along the
trajectories (masks at the frames' size)."""

from smite.data.protocols import COLLECTION_DATASET, video_source
from smite.evaluate import temporal_scores
from smite.methods import method_folder
from smite.metrics import evaluate_dirs
from smite.metrics.records import ScoredRun, write_metrics
from smite.workflow import start, video_frames

score_size = start(snakemake).inference.score_size  # noqa: F821
wc = snakemake.wildcards  # noqa: F821
setting = snakemake.params.setting  # noqa: F821
folder = method_folder(snakemake.input.prediction, setting["method"])  # noqa: F821
masks, scored = folder / "masks", folder / "scored"
scores = evaluate_dirs(scored if score_size and scored.is_dir() else masks, snakemake.input.ground_truth,  # noqa: F821
                       part_names=snakemake.params.parts, score_size=score_size)  # noqa: F821
dataset = COLLECTION_DATASET[wc.collection]
video = video_source(dataset, snakemake.params.root, wc.group, wc.video)  # noqa: F821
frames = video_frames(snakemake, dataset, wc.group, wc.video)  # noqa: F821
scores.update(temporal_scores(masks, video, snakemake.input.tracks, frames))  # noqa: F821
run = ScoredRun(wc.collection, wc.group, wc.video, **setting)
write_metrics(snakemake.output.metrics, scores, run)  # noqa: F821
