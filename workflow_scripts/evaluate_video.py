"""Rule evaluate_video: accuracy on the scored frames and temporal consistency along the trajectories."""

from smite.data.protocols import COLLECTION_DATASET, video_source
from smite.evaluate import temporal_scores
from smite.methods import method_folder
from smite.metrics import evaluate_dirs
from smite.metrics.records import ScoredRun, write_metrics
from smite.workflow import start

start(snakemake)  # noqa: F821
wc = snakemake.wildcards  # noqa: F821
setting = snakemake.params.setting  # noqa: F821
masks = method_folder(snakemake.input.prediction, setting["method"]) / "masks"  # noqa: F821
scores = evaluate_dirs(masks, snakemake.input.ground_truth, part_names=snakemake.params.parts)  # noqa: F821
video = video_source(COLLECTION_DATASET[wc.collection], snakemake.params.root, wc.group, wc.video)  # noqa: F821
scores.update(temporal_scores(masks, video, snakemake.input.tracks))  # noqa: F821
run = ScoredRun(wc.collection, wc.group, wc.video, **setting)
write_metrics(snakemake.output.metrics, scores, run)  # noqa: F821
