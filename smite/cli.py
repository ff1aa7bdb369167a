"""The `smite` command: synth, train, track, segment, evaluate, config.

Bad input ends with one line `smite: error: <file>: <problem>` and exit code 2, never a traceback.
"""

from __future__ import annotations

import argparse
import logging
import sys
from typing import Any

from smite.data.video import MATTE_FORMATS
from smite.errors import SmiteInputError
from smite.hub import describe
from smite.hub import identity as model_identity
from smite.methods import PUBLIC_METHODS, TRAINING_MODES
from smite.settings import BACKBONES, MethodSettings
from smite.track.plan import TRACK_USES
from smite.trackers import TRACKERS

EXIT_BAD_INPUT = 2


def _settings(args: argparse.Namespace, group: dict[str, Any] | None = None) -> MethodSettings:
    """The declared defaults, then --config's `method:` section (and a model `group`'s overrides), then the flags
    (--seed, --backbone, --device), each layer checked and named in its errors."""
    from smite.config import deep_merge, method_settings, read_run_config

    overrides = deep_merge(read_run_config(args.config).get("method", {}) if args.config else {}, group or {})
    settings = method_settings(overrides, args.config)
    flags: dict[str, Any] = {}
    if getattr(args, "seed", None) is not None:
        flags["seed"] = args.seed
    if getattr(args, "backbone", None):  # a name, or a local folder of SD 2.1 in diffusers' layout
        flags["backbone"] = {"name": args.backbone if args.backbone in BACKBONES else "sd21"}
        if args.backbone not in BACKBONES:
            flags["models"] = {"sd21": {"path": args.backbone}}
    if args.device:
        flags["device"] = args.device
    inference = {key: value for key, value in (("tracker", getattr(args, "tracker", None)),
                                                ("vote_window", getattr(args, "window", None))) if value is not None}
    if inference:  # checked as the settings are (an even voting window is one error, not a traceback)
        flags["inference"] = inference
    return method_settings(deep_merge(overrides, flags), "the command line") if flags else settings


def cmd_synth(args: argparse.Namespace) -> int:
    from smite.data.layouts import generate_layout

    manifest = generate_layout(args.layout, args.out_dir, seed=args.seed)
    totals = ", ".join(f"{name}={count}" for name, count in manifest["totals"].items())
    print(f"wrote a synthetic {args.layout} set ({totals}) to {args.out_dir}")
    return 0


def cmd_train(args: argparse.Namespace) -> int:
    from smite.api import train_references

    settings = _settings(args)
    parts = [p.strip() for p in args.parts.split(",")] if args.parts else None
    changes = {"mode": args.mode, "epochs": args.epochs}  # --seed is the run's: _settings
    result = train_references(
        args.refs_dir, args.out, settings, changes, parts=parts, shots=args.shots,
        progress=not args.quiet,
    )
    print(f"trained {len(result.curve)} epochs in {result.seconds:.1f} s; best epoch {result.best_epoch} "
          f"(validation mIoU {result.best_val_miou:.2f}); checkpoint: {args.out}")
    return 0


def cmd_track(args: argparse.Namespace) -> int:
    from smite.track.run import track_video

    cache = track_video(args.video, args.out, _settings(args), progress=not args.quiet, uses=tuple(args.uses))
    print(f"tracked {cache.grid ** 2} grid points of {cache.num_frames} frames through {len(cache.clips)} clips "
          f"({'/'.join(cache.uses)}; {cache.work} frames x query frames, {cache.tracker}); visible "
          f"{cache.visible_fraction:.1%} -> {args.out}")
    return 0


def _warn_if_slow(settings: MethodSettings, name: str) -> None:
    """The paper's guidance settings on a CPU take minutes per frame: say so before starting."""
    from smite.model.backbone import resolve_device

    inference = settings.inference
    if name == "smite" and resolve_device(settings.device).type == "cpu" and inference.updates_per_step >= 10:
        print(f"smite: note: {inference.guided_updates}x{inference.updates_per_step} guided updates on a CPU "
              "take minutes per frame; a --config with fewer (see config/config.yaml) or a GPU is faster",
              file=sys.stderr)


def cmd_segment(args: argparse.Namespace) -> int:
    from smite.api import segment_video

    settings = _settings(args)
    summary = segment_video(args.video, args.model, args.out, args.method, settings, tracks=args.tracks,
                            progress=not args.quiet, per_part_masks=args.per_part_masks or args.matte_format != "png",
                            on_start=lambda: _warn_if_slow(settings, args.method), matte_format=args.matte_format)
    mattes = f", {args.out}/part_masks" if args.per_part_masks or args.matte_format != "png" else ""
    print(f"segmented {summary['frames']} frames in {summary['seconds']:.1f} s with {args.method}: "
          f"{args.out}/masks, {args.out}/overlay.mp4{mattes}, {args.out}/parts.json")
    return 0


def cmd_evaluate(args: argparse.Namespace) -> int:
    from smite.metrics import evaluate_dirs
    from smite.metrics.records import write_metrics

    parts = [p.strip() for p in args.parts.split(",")] if args.parts else None
    scores = evaluate_dirs(args.pred_dir, args.gt_dir, part_names=parts, score_size=args.score_size)
    if args.tracks or args.video:
        if not (args.tracks and args.video):
            raise SmiteInputError(None, "temporal consistency needs both --tracks and --video")
        from smite.evaluate import temporal_scores

        scores.update(temporal_scores(args.pred_dir, args.video, args.tracks))
    write_metrics(args.out, scores)
    temporal = f"  flicker {scores['flicker']:.3f}  warped agreement {scores['warped_agreement']:.3f}" if (
        "flicker" in scores) else ""
    print(f"mIoU {scores['mIoU']:.2f}  F {scores['F']}  J {scores['J']}{temporal} over {scores['frames']} "
          f"annotated frames -> {args.out}")
    return 0


def cmd_config(args: argparse.Namespace) -> int:
    """Print the method settings a run resolves to (defaults, the run's `method:`, a group's overrides), each with
    its meaning and source; or, with --schema, the JSON schema of a run config's `method:` section."""
    from smite.config import read_run_config
    from smite.plan import collections
    from smite.settings_views import commented_yaml, schema_text

    if args.schema:
        print(schema_text(), end="")
        return 0
    overrides = None
    if args.group:
        run = read_run_config(args.config) if args.config else {}
        collection, _, group = args.group.partition("/")
        try:
            overrides = collections(run)[collection][group].overrides
        except KeyError as error:
            raise SmiteInputError(args.config, f"no group {args.group!r} (collection/group, e.g. smite50/horse)") \
                from error
    settings = _settings(args, overrides)
    listed = [f"# {key}: {describe(model_identity(spec)) if spec.local else spec.where()}  ({spec.title})"
              for key, spec in _models(args, settings).items()]
    print("\n".join(["# pretrained models this configuration loads:", *(listed or ["# none"]),
                     commented_yaml(settings)]))
    return 0


def _models(args: argparse.Namespace, settings: MethodSettings) -> dict[str, Any]:
    """The pretrained models of a run config (every group's, when it plans a DAG run), else of one method config."""
    from smite.config import read_run_config
    from smite.plan import RunPlan, models_loaded

    run = read_run_config(args.config) if args.config else {}
    if "datasets" in run:
        return RunPlan({"shots": 10, **run}, "results").pretrained_models()
    return models_loaded(settings)


def cmd_fetch_weights(args: argparse.Namespace) -> int:
    """Download every pretrained model a configuration loads into the Hugging Face cache, at its revision."""
    from smite.hub import fetch

    settings = _settings(args)
    models = _models(args, settings)
    for key, spec in models.items():
        print(f"{key}: {describe(fetch(spec))}  ({spec.title})")
    if not models:
        print("no pretrained model to fetch: this configuration builds its models in-process")
    return 0


def build_parser() -> argparse.ArgumentParser:
    from smite.data.protocols import DATASET_TYPES
    from smite.settings_views import flag_help

    backbone = f"the --config's, else {MethodSettings().backbone.name}"
    parser = argparse.ArgumentParser(prog="smite", description=__doc__.splitlines()[0])
    parser.add_argument("-v", "--verbose", action="store_true", help="log every step (default: warnings only)")
    commands = parser.add_subparsers(dest="command", required=True)

    def common(sub: argparse.ArgumentParser) -> None:
        sub.add_argument("--config", help="YAML file whose `method:` section overrides the packaged defaults")
        sub.add_argument("--device", help="auto (default: CUDA if present), cpu, cuda, cuda:1 ...")
        sub.add_argument("--quiet", action="store_true", help="no progress bars")

    synth = commands.add_parser("synth", help="write the embedded synthetic benchmark (SMITE-50 or another layout)")
    synth.add_argument("out_dir", help="output folder")
    synth.add_argument("--seed", type=int, default=0, help="generator seed (default 0)")
    synth.add_argument("--layout", default="smite50", choices=list(DATASET_TYPES),
                       help="dataset layout to write (default smite50)")
    synth.set_defaults(run=cmd_synth)

    train = commands.add_parser("train", help="learn part tokens from annotated reference images")
    train.add_argument("refs_dir", help="folder of images with same-stem .npy label maps (+ parts.txt); an image "
                                        "with an alpha channel (RGBA) is composited on black, with a warning")
    train.add_argument("--out", required=True, help="checkpoint to write (.safetensors)")
    train.add_argument("--parts", help="comma-separated part names, background first (default: parts.txt)")
    train.add_argument("--backbone", help=f"embedded | sd21 (models.sd21) | a local folder of SD 2.1 in diffusers' "
                                          f"layout (default: {backbone})")
    train.add_argument("--mode", choices=TRAINING_MODES, help=flag_help("train.mode"))
    train.add_argument("--epochs", type=int, help=flag_help("train.epochs"))
    train.add_argument("--shots", type=int, help="use the first K references (default: all; the paper uses 10)")
    train.add_argument("--seed", type=int, help=flag_help("seed"))
    common(train)
    train.set_defaults(run=cmd_train)

    track = commands.add_parser("track", help="cache the trajectories of the attention-grid centres of a video")
    track.add_argument("video", help="video file or folder of frames")
    track.add_argument("--out", required=True, help="trajectory cache to write (.npz)")
    track.add_argument("--tracker", choices=list(TRACKERS), help=flag_help("inference.tracker"))
    track.add_argument("--window", type=int, help=flag_help("inference.vote_window"))
    track.add_argument("--backbone", help=f"backbone whose attention grid is tracked (default: {backbone})")
    track.add_argument("--uses", nargs="+", choices=TRACK_USES, default=list(TRACK_USES),
                       help="what the cache serves: `windows` (guided methods, as the authors track each processing "
                            "window; also the flicker metric), `video` (baseline2's vote over the whole video); "
                            "default: both")
    common(track)
    track.set_defaults(run=cmd_track)

    segment = commands.add_parser("segment", help="segment a video file or frame folder")
    segment.add_argument("video", help="video file (mp4, avi, mov, mkv, ...) or folder of frames (RGBA frames are "
                                       "composited on black, with a warning); streamed window by window")
    segment.add_argument("--model", required=True, help="checkpoint from `smite train`")
    segment.add_argument("--out", required=True, help="output folder: masks/, overlay.mp4, parts.json")
    segment.add_argument("--method", default="smite", choices=PUBLIC_METHODS,
                         help="smite (default): inflated UNet + tracking + low-pass guidance; baseline1: SLiMe per "
                              "frame; baseline2: baseline1 + voting afterwards; baseline3: SLiMe + inflated UNet")
    segment.add_argument("--tracks", help="trajectory cache from `smite track` (default: computed when needed)")
    segment.add_argument("--per-part-masks", action="store_true",
                         help="also write part_masks/<k>_<name>/NNNNN.png: per part, an exact matte (0 or 255) "
                              "per frame, the PNG sequence compositing tools import")
    segment.add_argument("--matte-format", choices=MATTE_FORMATS, default="png",
                         help="png (default): the PNG sequences only; ffv1 also writes each part as a lossless FFV1 "
                              ".mkv, prores as a ProRes 4444 .mov (implies --per-part-masks)")
    segment.add_argument("--seed", type=int, help=flag_help("seed"))
    common(segment)
    segment.set_defaults(run=cmd_segment)

    evaluate = commands.add_parser("evaluate", help="mIoU, J and F of predicted masks against ground truth")
    evaluate.add_argument("pred_dir", help="folder of predicted label PNGs NNNNN.png")
    evaluate.add_argument("gt_dir", help="folder of ground-truth label PNGs named by frame index")
    evaluate.add_argument("--out", required=True, help="metrics JSON to write")
    evaluate.add_argument("--parts", help="comma-separated part names, background first")
    evaluate.add_argument("--tracks", help="trajectory cache of the video: adds flicker and warped agreement")
    evaluate.add_argument("--video", help="the segmented video (needed with --tracks for the flow warping)")
    evaluate.add_argument("--score-size", type=int, default=0, metavar="N",
                          help="score at N x N, as the authors score at 512: the ground truth resized by nearest "
                               "neighbour, and so is a prediction of another size (smite segment writes its labels "
                               "at inference.score_size to OUT/scored: pass that folder); default: the frames' size")
    evaluate.set_defaults(run=cmd_evaluate)

    fetch = commands.add_parser("fetch-weights", help="download the pretrained models a configuration loads "
                                                     "(each at its pinned revision) into the Hugging Face cache")
    common(fetch)
    fetch.set_defaults(run=cmd_fetch_weights)

    config = commands.add_parser("config", help="print the method settings a run resolves to (YAML, each with its "
                                                "meaning and source)")
    config.add_argument("--schema", action="store_true", help="print the JSON schema of a run config's `method:` "
                                                             "section instead (config/method_schema.yaml)")
    config.add_argument("--group", help="also apply one model group's overrides of the run config, "
                                        "as collection/group (e.g. smite50/horse: lambda_track, vote window, augment)")
    common(config)
    config.set_defaults(run=cmd_config)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(asctime)s %(name)s %(levelname)s %(message)s")
    try:
        return args.run(args)
    except SmiteInputError as error:
        print(f"smite: error: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except OSError as error:  # unwritable or vanished paths: still one line naming the file
        where = error.filename if error.filename is not None else "I/O"
        print(f"smite: error: {where}: {error.strerror or error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("smite: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
