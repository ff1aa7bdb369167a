"""Rule evaluate_images: per-part IoU of a PASCAL-Part class's predicted test masks."""

from pathlib import Path

from smite.data.masks import read_label_png
from smite.data.pascal_part import load_split
from smite.metrics import score_video
from smite.metrics.records import ScoredRun, write_metrics
from smite.workflow import start

start(snakemake)  # noqa: F821
params = snakemake.params  # noqa: F821
parts = list(params.parts)
items = load_split(params.root, snakemake.wildcards.cls, params.split, parts)  # noqa: F821
masks = Path(snakemake.input.prediction) / "masks"  # noqa: F821
preds = {i: read_label_png(masks / f"{name}.png") for i, (name, _, _) in enumerate(items)}
gts = {i: labels for i, (_, _, labels) in enumerate(items)}
scores = score_video(preds, gts, len(parts), parts)
wc = snakemake.wildcards  # noqa: F821
run = ScoredRun("pascal_part", wc.cls, None, wc.method, wc.mode, int(wc.shots))
write_metrics(snakemake.output.metrics, {**scores, "images": [name for name, _, _ in items]}, run)  # noqa: F821
