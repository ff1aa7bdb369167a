"""Method configuration: the packaged defaults (paper values with sources) merged with a run's overrides, and
the typed views of its `train` and `inference` sections that the library reads.

`smite/defaults.yaml` is the one place a value is written: the dataclasses below declare names and types only
(no defaults), and `train_config` / `inference_config` build them from a merged method config.
"""

from __future__ import annotations

import copy
import dataclasses
import functools
import types
import typing
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from typing import Any

import yaml

from smite.errors import SmiteInputError
from smite.methods import TRAINING_MODES


@functools.cache
def _packaged_defaults() -> dict[str, Any]:
    """smite/defaults.yaml, parsed once per process (read-only: callers get copies)."""
    return yaml.safe_load(files("smite").joinpath("defaults.yaml").read_text())


def load_defaults() -> dict[str, Any]:
    """The packaged smite/defaults.yaml (a copy the caller may change)."""
    return copy.deepcopy(_packaged_defaults())


def deep_merge(base: dict[str, Any], override: dict[str, Any], *, null_removes: bool = False) -> dict[str, Any]:
    """A copy of base with override's keys replacing (recursively for mappings; lists are replaced whole).

    With `null_removes`, a `null` in override removes that key instead (run configs built on another).
    """
    merged = copy.deepcopy(base)
    for key, value in (override or {}).items():
        if value is None and null_removes:
            merged.pop(key, None)
        elif isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value, null_removes=null_removes)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def method_config(overrides: dict[str, Any] | None = None, source: str | Path | None = None) -> dict[str, Any]:
    """Defaults merged with overrides (the `method:` section of a run config), checked against the defaults.

    The one check every entry point shares (the `smite` command, the DAG's jobs, library callers): a key
    the defaults do not have, or a value of another type, is a SmiteInputError naming the key (and
    `source`, the file the overrides came from).
    """
    defaults = _packaged_defaults()
    check_overrides(defaults, overrides or {}, source)
    method = deep_merge(defaults, overrides or {})  # a copy: the cached defaults stay as read
    for build in (train_config, inference_config):  # the relations between values (overlap < window, ...)
        try:
            build(method)
        except SmiteInputError as error:
            raise SmiteInputError(source, error.problem) from None
    return method


def check_overrides(defaults: dict[str, Any], overrides: dict[str, Any], source: str | Path | None = None,
                    prefix: str = "") -> None:
    """SmiteInputError for the first override key missing from `defaults` or of a different type."""
    if not isinstance(overrides, dict):
        raise SmiteInputError(source, f"method{'.' + prefix if prefix else ''} must be a mapping")
    for key, value in overrides.items():
        path = f"{prefix}.{key}" if prefix else str(key)
        if prefix == "backbone" and key != "name":  # a backbone's own settings (model configs) are free
            continue
        if key not in defaults:
            known = ", ".join(sorted(defaults))
            raise SmiteInputError(source, f"unknown method setting {path!r} (known here: {known})")
        default = defaults[key]
        if isinstance(default, dict):
            check_overrides(default, value, source, path)
        elif not _same_kind(default, value):
            raise SmiteInputError(source, f"method setting {path!r} must be {_kind(default)}, got {value!r}")


KIND_NAMES = {bool: "true or false", int: "an integer", float: "a number", str: "a string", list: "a list"}


def _kind(value: Any) -> str:
    return KIND_NAMES.get(type(value), type(value).__name__)


def _same_kind(default: Any, value: Any) -> bool:
    """Whether `value` may replace `default`: same type, an int for a float, anything for a null default."""
    if default is None:
        return True
    if isinstance(default, bool) or isinstance(value, bool):
        return isinstance(default, bool) and isinstance(value, bool)
    if isinstance(default, float):
        return isinstance(value, (int, float))
    return isinstance(value, type(default))


def read_yaml(path: str | Path) -> dict[str, Any]:
    """A YAML mapping from a file, with one clear error when it is missing or malformed."""
    path = Path(path)
    try:
        content = yaml.safe_load(path.read_text())
    except (OSError, yaml.YAMLError) as error:
        raise SmiteInputError(path, f"cannot read YAML ({error})") from error
    if not isinstance(content, dict):
        raise SmiteInputError(path, "expected a YAML mapping")
    return content


def overlay(base: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """`base` with `changes` merged in, where a `null` in `changes` removes that key (see deep_merge)."""
    return deep_merge(base, changes, null_removes=True)


def resolve_run_config(config: dict[str, Any]) -> dict[str, Any]:
    """A run config as read, or, when it names a `base:` run config (a path from the working directory),
    that base (itself resolved) overlaid with the rest of it (see `overlay`)."""
    if "base" not in config:
        return config
    changes = {key: value for key, value in config.items() if key != "base"}
    return overlay(resolve_run_config(read_yaml(config["base"])), changes)


def read_run_config(path: str | Path) -> dict[str, Any]:
    """A run config file (config/*.yaml), its `base:` applied."""
    return resolve_run_config(read_yaml(path))


@dataclass(frozen=True)
class AugmentConfig:
    """`train.augment`: the reference-image augmentation of SLiMe/SMITE (smite.learn.augment)."""

    crop_min_ratio: float
    crop_min_part_fraction: float
    crop_p: float
    flip_p: float
    rotate_limit: float
    rotate_p: float
    blur_p: float
    dropout_p: float
    zoom_out_p: float
    zoom_out_min_scale: float
    crop_attempts: int

    def __post_init__(self) -> None:
        _check_types(self, "train.augment")


@dataclass(frozen=True)
class TrainConfig:
    """`train`: the training hyperparameters (smite.learn.train), with the run's seed.

    ``phase1_epochs`` counts the epochs of phase 1 (epochs 0 .. phase1_epochs - 1): the authors'
    ``epoch <= 50`` is 51. The Fourier term joins the loss at epoch ``fourier_from_epoch`` (their
    ``epoch > 5``). Validation noises each image to its own t ~ U[val_min_timestep, val_max_timestep].
    """

    mode: str
    epochs: int
    phase1_epochs: int
    embedding_lr: float
    cross_attention_lr: float
    phase2_train_embeddings: bool
    mse_weight: float
    ldm_weight: float
    fourier_weight: float
    fourier_from_epoch: int
    fourier_cutoff: int
    min_timestep: int
    max_timestep: int
    posterior: str
    ldm_guidance_scale: float
    loss_scale: float
    grad_clip_norm: float
    fp16_loss_scale: float | None
    phase2_idle_every: int
    val_every: int
    val_min_timestep: int
    val_max_timestep: int
    seed: int
    augment: AugmentConfig

    def __post_init__(self) -> None:
        _check_types(self, "train")
        _require(self.mode in TRAINING_MODES, "train", "mode", f"must be one of {', '.join(TRAINING_MODES)}")
        _require(0 <= self.min_timestep <= self.max_timestep, "train", "min_timestep", "must not exceed max_timestep")
        _require(0 <= self.val_min_timestep <= self.val_max_timestep, "train", "val_min_timestep",
                 "must not exceed val_max_timestep")
        _require(self.posterior in POSTERIORS, "train", "posterior", f"must be one of {', '.join(POSTERIORS)}")
        _require(self.loss_scale > 0, "train", "loss_scale", "must be positive")
        _require(self.phase2_idle_every >= 0, "train", "phase2_idle_every", "must be 0 (off) or positive")


@dataclass(frozen=True)
class InferenceConfig:
    """`inference`: how a trained model segments a video (smite.segment, smite.guide, smite.track).

    Windows of `window` frames overlapping by `overlap` when guided (`window_unguided`, no overlap, when not);
    the guided timesteps are the last `guided_timesteps` of a `schedule_steps`-step DDIM schedule shifted by
    `timestep_shift`, with `updates_per_step` latent updates after each of the first `guided_updates`.
    """

    reference_timesteps: tuple[int, int]
    batch_size: int
    posterior: str
    window: int
    overlap: int
    window_unguided: int
    schedule_steps: int
    guided_timesteps: int
    timestep_shift: int
    guided_updates: int
    updates_per_step: int
    guidance_slice: int
    guidance_lr: float
    adam_beta1: float
    adam_beta2: float
    adam_eps: float
    lambda_track: float
    lambda_reg: float
    vote_window: int
    lowpass_spatial: float
    lowpass_spatial_first: float
    tracker: str
    cotracker_interp_shape: tuple[int, int] | None
    cotracker_input_max: float
    cotracker_max_queries: int
    tiles: int
    tile_size: float
    tile_merge: str
    crop_refinement: bool
    crop_margin: float
    crop_max_area: float

    def __post_init__(self) -> None:
        _check_types(self, "inference")
        low, high = self.reference_timesteps
        _require(0 <= low <= high, "inference", "reference_timesteps", "must be [low, high] with 0 <= low <= high")
        _require(0 <= self.overlap < self.window, "inference", "overlap", f"must be below window ({self.window})")
        _require(0 <= self.guided_updates < self.guided_timesteps, "inference", "guided_updates",
                 f"must be below guided_timesteps ({self.guided_timesteps}): the last timestep only reads S")
        _require(self.guided_timesteps <= self.schedule_steps, "inference", "guided_timesteps",
                 f"must not exceed schedule_steps ({self.schedule_steps})")
        _require(self.vote_window >= 1 and self.vote_window % 2 == 1, "inference", "vote_window",
                 "must be a positive odd number of frames")
        _require(self.tracker in TRACKERS, "inference", "tracker", f"must be one of {', '.join(TRACKERS)}")
        _require(self.cotracker_max_queries >= 1, "inference", "cotracker_max_queries", "must be at least 1")
        _require(self.posterior in POSTERIORS, "inference", "posterior", f"must be one of {', '.join(POSTERIORS)}")
        _require(self.tiles >= 1, "inference", "tiles", "must be at least 1 (1 = the whole frame)")
        _require(0 < self.tile_size <= 1 and (self.tiles == 1 or self.tiles * self.tile_size >= 1), "inference",
                 "tile_size", "must be in (0, 1] and large enough for the tiles to cover the frame")
        _require(self.tile_merge in TILE_MERGES, "inference", "tile_merge", f"must be one of {', '.join(TILE_MERGES)}")
        _require(not (self.tiles > 1 and self.crop_refinement), "inference", "tiles",
                 "cannot be combined with crop_refinement (the paper's box refinement)")


TILE_MERGES = ("last", "mean")  # smite.model.was.TiledWas: the authors' overwrite-then-divide, or an average
POSTERIORS = ("sample", "mean")  # a fresh VAE posterior sample per pass (the authors') or the posterior mean
TRACKERS = ("flow", "cotracker3")  # smite.track.run.make_tracker: OpenCV DIS flow (embedded), CoTracker3 (paper)


def _check_types(config: Any, section: str) -> None:
    """SmiteInputError naming the first field whose value is not of its annotated type."""
    for name, hint in _hints(type(config)).items():
        value = getattr(config, name)
        if not _is_instance(value, hint):
            raise SmiteInputError(None, f"method setting '{section}.{name}' must be {_describe(hint)}, got {value!r}")


@functools.cache
def _hints(cls: type) -> dict[str, Any]:
    """A config dataclass's field annotations, resolved once."""
    return typing.get_type_hints(cls)


def _is_instance(value: Any, hint: Any) -> bool:
    """isinstance for the annotations used here: X | None, tuple[X, ...] of fixed length, a number for a float.

    Written by hand: pydantic (here only through albumentations) would double the import time of this module,
    which the light track jobs import, for the five annotation forms these dataclasses use.
    """
    args = typing.get_args(hint)
    if isinstance(hint, types.UnionType):
        return any(_is_instance(value, arg) for arg in args)
    if typing.get_origin(hint) is tuple:
        return (isinstance(value, tuple) and len(value) == len(args)
                and all(_is_instance(item, arg) for item, arg in zip(value, args, strict=True)))
    if hint is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if hint is int:
        return isinstance(value, int) and not isinstance(value, bool)
    return hint is type(None) and value is None or isinstance(hint, type) and isinstance(value, hint)


def _describe(hint: Any) -> str:
    if isinstance(hint, types.UnionType):
        return " or ".join(_describe(arg) for arg in typing.get_args(hint))
    if typing.get_origin(hint) is tuple:
        return f"a list of {len(typing.get_args(hint))} {_describe(typing.get_args(hint)[0]).split(' ', 1)[1]}s"
    if hint is type(None):
        return "null"
    return KIND_NAMES.get(hint, getattr(hint, "__name__", str(hint)))


def _require(condition: bool, section: str, key: str, problem: str) -> None:
    if not condition:
        raise SmiteInputError(None, f"method setting '{section}.{key}' {problem}")


def _typed(cls: type, values: dict[str, Any], section: str) -> Any:
    """`cls` from a config section: every field present, floats as floats, lists as tuples."""
    hints = _hints(cls)
    names = [field.name for field in dataclasses.fields(cls)]
    unknown = sorted(set(values) - set(names))
    if unknown:
        raise SmiteInputError(None, f"unknown method setting '{section}.{unknown[0]}' (known here: {', '.join(names)})")
    missing = [name for name in names if name not in values]
    if missing:
        raise SmiteInputError(None, f"method section '{section}' lacks {', '.join(missing)}")
    converted = {}
    for name in names:
        value = values[name]
        if hints[name] is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        elif isinstance(value, list):
            value = tuple(value)
        converted[name] = value
    return cls(**converted)


def train_config(method: dict[str, Any] | None = None, **changes: Any) -> TrainConfig:
    """TrainConfig from a merged method config (the packaged defaults when None); `changes` that are not None
    win (command-line flags, tests)."""
    method = method if method is not None else method_config()
    section = {k: v for k, v in method["train"].items() if k not in ("augment", "shots")}
    section["seed"] = method["seed"]
    section.update({k: v for k, v in changes.items() if v is not None})
    section["augment"] = _typed(AugmentConfig, method["train"]["augment"], "train.augment")
    return _typed(TrainConfig, section, "train")


def inference_config(method: dict[str, Any] | None = None, **changes: Any) -> InferenceConfig:
    """InferenceConfig from a merged method config (the packaged defaults when None), `changes` applied."""
    method = method if method is not None else method_config()
    return _typed(InferenceConfig, {**method["inference"], **changes}, "inference")


def attention_grid(name: str, backbone_config: dict[str, Any]) -> int:
    """Side of the attention-map grid (the highest-resolution latent) without loading any weights."""
    if name in ("embedded", "sd21_random"):
        config = backbone_config[name]
        return config["image_size"] // 2 ** (len(config["vae"]["block_out_channels"]) - 1)
    return backbone_config["sd21"]["image_size"] // 8  # Stable Diffusion's VAE downsamples by 8


def model_side(name: str, backbone_config: dict[str, Any]) -> int:
    """Side of the square model input (image_size) of a backbone, without loading any weights."""
    return backbone_config[name if name in ("embedded", "sd21_random") else "sd21"]["image_size"]
