"""Every method setting of SMITE, declared once: name, type, default, allowed values, source and meaning.

A section is a frozen dataclass and a setting one of its fields, written with :func:`setting`: the annotation is
its type, the first argument its default (the paper's value, or the authors' code's where the two differ), the
keywords its allowed range or choices, the doc and source what it means and where its value comes from. Everything
else is derived from these declarations: the checks every section runs when it is built (here), the typed
settings built from a run's `method:` overrides (smite.config), `smite config`'s commented YAML, the `method`
section of the run-config schema (config/method_schema.yaml) and the command's help (smite.settings_views). The
two data blocks that are not hyperparameters live beside this module: smite/pretrained.yaml (the pinned
pretrained models) and smite/backbones.yaml (the backbones' architectures).

Adding a setting is one `setting(...)` line in its section; its readers use the attribute.
"""

from __future__ import annotations

import copy
import dataclasses
import functools
import typing
from dataclasses import dataclass, field
from importlib.resources import files
from typing import Any

import yaml

from smite.errors import SmiteInputError
from smite.hub import ModelSpec, pinned_spec
from smite.methods import TRAINING_MODES
from smite.setting_kinds import describe, is_instance
from smite.trackers import TRACKERS

TILE_MERGES = ("last", "mean")  # smite.model.was.TiledWas: the authors' overwrite-then-divide, or an average
REFINEMENTS = ("hierarchical", "paper_box", "none")  # smite.hierarchical (the authors' README), paper 7.5, none
POSTERIORS = ("sample", "mean")  # a fresh VAE posterior sample per pass (the authors') or the posterior mean
BACKBONES = ("embedded", "sd21", "sd21_random")  # smite.model.backbone.load_backbone
PRECISION_NAMES = ("fp32", "fp16", "bf16")  # smite.model.precision.PRECISIONS (without importing torch)
TINY_RANDOM = "tiny-random"  # gsam2.models: small random-weight models built in-process (offline wiring runs)

SETTING, SECTION, TRACKING = "smite.setting", "smite.section", "smite.tracking"


# -- declaring and checking ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Declared:
    """What a setting's declaration says besides its name, type and default."""

    doc: str
    source: str = ""
    minimum: float | None = None
    maximum: float | None = None
    above: float | None = None  # exclusive minimum
    choices: tuple[Any, ...] | None = None
    item_minimum: int | None = None  # of each item of a list setting
    tracking: bool = False  # a video's trajectories depend on it (its track job re-runs when it changes)

    def problem(self, value: Any) -> str | None:
        """Why `value` is outside what is allowed, or None."""
        if self.choices is not None and value not in self.choices:
            return f"must be one of {', '.join(map(str, self.choices))}, got {value!r}"
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            for bound, fails, words in ((self.minimum, lambda b: value < b, "at least"),
                                        (self.above, lambda b: value <= b, "above"),
                                        (self.maximum, lambda b: value > b, "at most")):
                if bound is not None and fails(bound):
                    return f"must be {words} {bound:g}, got {value!r}"
        if self.item_minimum is not None and isinstance(value, tuple) and any(v < self.item_minimum for v in value):
            return f"must hold numbers of at least {self.item_minimum}, got {list(value)!r}"
        return None


def setting(default: Any, doc: str, source: str = "", **limits: Any) -> Any:
    """One setting: its default, meaning and source, and `limits` (minimum, maximum, above, choices, item_minimum;
    tracking=True where a video's trajectories depend on it)."""
    declared = Declared(doc, source, **limits)
    if isinstance(default, (dict, list)):
        return field(default_factory=lambda: copy.deepcopy(default), metadata={SETTING: declared})
    return field(default=default, metadata={SETTING: declared})


def section(cls: type, doc: str, tracking: bool = False) -> Any:
    """A nested section (its own settings), defaulting to its declared defaults; tracking=True where a video's
    trajectories depend on all of it."""
    return field(default_factory=cls, metadata={SECTION: doc, TRACKING: tracking})


@functools.cache
def packaged(name: str) -> dict[str, Any]:
    """A data file beside this module (pretrained.yaml, backbones.yaml), parsed once (callers get copies)."""
    return yaml.safe_load(files("smite").joinpath(name).read_text())


def pinned_models() -> dict[str, ModelSpec]:
    """smite/pretrained.yaml's entries."""
    return {key: ModelSpec.from_entry(key, entry) for key, entry in packaged("pretrained.yaml").items()}


@functools.cache
def hints(cls: type) -> dict[str, Any]:
    """A section's field annotations, resolved once."""
    return typing.get_type_hints(cls)


def check_section(section: Any) -> None:
    """SmiteInputError naming the first setting of a section whose value is not of its type or outside its range."""
    cls = type(section)
    for f in dataclasses.fields(cls):
        value, where = getattr(section, f.name), setting_path(cls.path, f.name)
        if SECTION in f.metadata:
            if not isinstance(value, f.default_factory):
                raise SmiteInputError(None, f"method setting {where!r} must be a mapping")
            continue
        hint = hints(cls)[f.name]
        if not is_instance(value, hint):
            raise SmiteInputError(None, f"method setting {where!r} must be {describe(hint)}, got {value!r}")
        problem = f.metadata[SETTING].problem(value)
        if problem:
            raise SmiteInputError(None, f"method setting {where!r} {problem}")


# -- the sections ------------------------------------------------------------------------------------------------
class Section:
    """Base of the declared sections: every value is checked against its declaration when the section is built."""

    def __post_init__(self) -> None:
        check_section(self)
        self.check_relations()

    def check_relations(self) -> None:
        """Relations between the section's values (overlap < window, ...); a SmiteInputError when one fails."""

    def require(self, condition: bool, name: str, problem: str) -> None:
        if not condition:
            raise SmiteInputError(None, f"method setting '{setting_path(self.path, name)}' {problem}")

    path = ""  # the section's place in the method settings (train.augment, inference, ...)


@dataclass(frozen=True)
class AugmentSettings(Section):
    """`train.augment`: the reference-image augmentation of SLiMe/SMITE (smite.learn.augment)."""

    path = "train.augment"
    crop_min_ratio: float = setting(0.6, "smallest crop side over the image's", "authors' min_crop_ratio: 0.6 car, "
                                    "face and non-text, 0.8 horse", above=0, maximum=1)
    crop_min_part_fraction: float = setting(0.3, "fraction of each part a crop must keep", "SLiMe/SMITE code",
                                            minimum=0, maximum=1)
    crop_p: float = setting(1.0, "probability of the part-preserving crop", "SLiMe/SMITE code", minimum=0, maximum=1)
    flip_p: float = setting(0.5, "probability of a horizontal flip", "SLiMe/SMITE code", minimum=0, maximum=1)
    rotate_limit: float = setting(30, "largest rotation, degrees", "authors' code: 10 faces, 30 others",
                                  minimum=0, maximum=180)
    rotate_p: float = setting(0.5, "probability of a rotation", "SLiMe/SMITE code", minimum=0, maximum=1)
    blur_p: float = setting(0.2, "probability of a Gaussian blur", "SLiMe/SMITE code", minimum=0, maximum=1)
    dropout_p: float = setting(0.3, "probability of a coarse dropout", "SLiMe/SMITE code", minimum=0, maximum=1)
    zoom_out_p: float = setting(0.2, "probability of a zoom-out", "authors' code (none for faces)",
                                minimum=0, maximum=1)
    zoom_out_min_scale: float = setting(0.6, "smallest zoom-out scale", "SLiMe/SMITE code", above=0, maximum=1)
    crop_attempts: int = setting(10, "crops drawn before keeping the image whole", "SLiMe/SMITE code", minimum=1)


@dataclass(frozen=True)
class TrainSettings(Section):
    """`train`: the training hyperparameters (smite.learn.train); the run's seed is the top-level `seed`.

    ``phase1_epochs`` counts the epochs of phase 1 (epochs 0 .. phase1_epochs - 1): the authors'
    ``epoch <= 50`` is 51. The Fourier term joins the loss at epoch ``fourier_from_epoch`` (their
    ``epoch > 5``). Validation noises each image to its own t ~ U[val_min_timestep, val_max_timestep].
    """

    path = "train"
    mode: str = setting("two-phase", "what is learnt: part embeddings only, embeddings then cross-attention "
                        "(two-phase) or both at once (joint)", "paper 4.2; Table 8 compares with joint",
                        choices=TRAINING_MODES)
    epochs: int = setting(300, "training epochs", "paper 7.5", minimum=1)
    phase1_epochs: int = setting(51, "epochs of phase 1 (embeddings), epochs 0..50",
                                 "authors' src/training.py backward_and_optimize: embeddings step while `epoch <= 50` "
                                 "(paper: first 100 iterations)", minimum=0)
    embedding_lr: float = setting(0.1, "Adam learning rate of the part embeddings", "authors' code", above=0)
    cross_attention_lr: float = setting(1.0e-6, "Adam learning rate of cross-attention to_k / to_v",
                                        "authors' code", above=0)
    phase2_train_embeddings: bool = setting(False, "whether phase 2 also steps the embeddings",
                                            "authors' code freezes them; paper 4.2 says \"along with\"")
    mse_weight: float = setting(1.0, "alpha: weight of the attention-map MSE", "authors' code (SLiMe)", minimum=0)
    ldm_weight: float = setting(0.005, "beta: weight of the LDM loss", "authors' code (SLiMe)", minimum=0)
    fourier_weight: float = setting(0.001, "weight of the Fourier (high-frequency) term",
                                    "authors' src/training.py compute_loss: coef_loss_fourier "
                                    "(scripts/common/common_train_params.sh)", minimum=0)
    fourier_from_epoch: int = setting(6, "first epoch with the Fourier term",
                                      "authors' src/training.py compute_loss: only when `epoch > 5`", minimum=0)
    fourier_cutoff: int = setting(30, "half-width of the centred box the high-pass zeroes in the WAS spectrum "
                                  "(scale with the attention grid: 30/64 of it)",
                                  "authors' src/frequency_filter.py frequency_loss (64x64 grid)", minimum=0)
    min_timestep: int = setting(5, "smallest training timestep, t ~ U[min, max] per step", "authors' code",
                                minimum=0)
    max_timestep: int = setting(100, "largest training timestep", "authors' code", minimum=1)
    posterior: str = setting("sample", "VAE latents: a fresh posterior sample per step, or the posterior mean",
                             "authors' prepare_video_latents", choices=POSTERIORS)
    ldm_guidance_scale: float = setting(100.0, "LDM = MSE(u + s (c - u), noise), u from the empty prompt; <= 1 = "
                                        "the paper's plain eps_theta(z_t, t, y)",
                                        "scripts/common/common_train_params.sh guidance_scale=100 (training_step)",
                                        minimum=0)
    loss_scale: float = setting(0.01, "factor on the loss before backward (matters through Adam's eps)",
                                "src/training.py backward_and_optimize(loss, scale=0.01)", above=0)
    grad_clip_norm: float = setting(1000.0, "gradient-norm clip of the embeddings; 0 = off",
                                    "backward_and_optimize: clip_grad_norm_(embeddings_to_optimize, 1000)", minimum=0)
    fp16_loss_scale: float | None = setting(65536.0, "fp16 runs: the fixed loss scale, never unscaled; null = a "
                                            "dynamic GradScaler that unscales before clipping and stepping",
                                            "authors' fp16 runs: accelerate's GradScaler initial scale with the "
                                            "optimisers passed to prepare() as a tuple (docs/fidelity.md)", above=0)
    phase2_idle_every: int = setting(10, "phase-2 epochs divisible by it step only the frozen embeddings' optimiser, "
                                     "so nothing moves; 0 = every phase-2 epoch steps",
                                     "backward_and_optimize", minimum=0)
    val_every: int = setting(1, "epochs between validations; the checkpoint with the best validation mIoU is kept",
                             "authors' code", minimum=1)
    val_min_timestep: int = setting(95, "validation noises each image to t ~ U[val_min, val_max] (both inclusive)",
                                    "authors' src/training.py training_step: torch.randint(95, 105 + 1)", minimum=0)
    val_max_timestep: int = setting(105, "largest validation timestep", "authors' src/training.py training_step",
                                    minimum=0)
    augment: AugmentSettings = section(AugmentSettings, "the reference-image augmentation (SLiMe/SMITE code: "
                                     "albumentations and a part-preserving crop)")

    def check_relations(self) -> None:
        self.require(self.min_timestep <= self.max_timestep, "min_timestep", "must not exceed max_timestep")
        self.require(self.val_min_timestep <= self.val_max_timestep, "val_min_timestep",
                     "must not exceed val_max_timestep")


@dataclass(frozen=True)
class CoTracker3Settings(Section):
    """`inference.cotracker3`: how CoTracker3 is called (its registry entry: smite.trackers)."""

    path = "inference.cotracker3"
    interp_shape: tuple[int, int] | None = setting(None, "[H, W] CoTracker3 resizes the video to; null = the model's "
                                                   "384 x 512", "CoTracker3 (official)", item_minimum=8)
    input_max: float = setting(1.0, "white in the frames handed to CoTracker3: 1 = the authors' [0, 1]; 255 = the "
                               "range CoTracker3's forward expects", "authors' preprocess_frames", above=0)
    max_queries: int = setting(4096, "query points per CoTracker3 call: 4096 = one query frame of SD's 64 x 64 grid; "
                               "more batches several query frames of a window into one call",
                               "src/tracking.py apply_tracker: one call per query frame", minimum=1)


@dataclass(frozen=True)
class InferenceSettings(Section):
    """`inference`: how a trained model segments a video (smite.segment, smite.guide, smite.track).

    Windows of `window` frames overlapping by `overlap` when guided (`window_unguided`, no overlap, when not);
    the guided timesteps are the last `guided_timesteps` of a `schedule_steps`-step DDIM schedule shifted by
    `timestep_shift`, with `updates_per_step` latent updates after each of the first `guided_updates`.
    Sources: the authors' public code (src/inference.py, src/latent_optimization.py, src/slicing.py,
    src/tracking.py, src/frequency_filter.py) where the paper is silent or disagrees; docs/fidelity.md lists each
    operation with the test that checks it.
    """

    path = "inference"
    reference_timesteps: tuple[int, int] = setting((95, 104), "[low, high] of the reference pass's timestep: fresh "
                                                   "noise, one UNet forward", "_get_refrence: torch.randint(95, 105)",
                                                   item_minimum=0)
    batch_size: int = setting(8, "frames per UNet forward of the 2D passes (memory only; results do not depend on it)",
                              minimum=1)
    posterior: str = setting("sample", "a fresh VAE posterior sample for each pass of each window (reference and "
                             "guided), or the posterior mean", "authors' check_and_initialize", choices=POSTERIORS)
    window: int = setting(16, "frames per window when guided", "inference: create_slices2(F, 16, overlap=8)",
                          minimum=1, tracking=True)
    overlap: int = setting(8, "frames shared by consecutive guided windows: the later window outputs them, the "
                           "earlier one's final S is its reference there", "inference: create_slices2", minimum=0,
                           tracking=True)
    window_unguided: int = setting(18, "frames per window without guidance (no overlap, the last window shifted "
                                   "back)", "inference: create_slices2(F, 18, overlap=0)", minimum=1)
    schedule_steps: int = setting(1000, "steps of the DDIM schedule the guided timesteps come from",
                                  "set_inference_timesteps(\"fast\")", minimum=1)
    guided_timesteps: int = setting(4, "the schedule's last timesteps that are run",
                                    "set_inference_timesteps(\"fast\")", minimum=1)
    timestep_shift: int = setting(100, "added to them: t = 104, 103, 102, 101 (noise added at 104)",
                                  "set_inference_timesteps(\"fast\")", minimum=0)
    guided_updates: int = setting(3, "latent updates follow each of the first this many timesteps (all but the last)",
                                  "_inference", minimum=0)
    updates_per_step: int = setting(15, "latent updates per guided timestep", "paper 7.5 / optimize_latents",
                                    minimum=0)
    guidance_slice: int = setting(4, "frames each update forwards at a time", "optimize_latents: create_slices(F, 4) "
                                  "(paper 7.7)", minimum=1)
    guidance_lr: float = setting(10.0, "latent step size, times (1 - alpha_t) / alpha_t (per-step alpha)",
                                 "_update_latent_with_gradient", minimum=0)
    adam_beta1: float = setting(0.9, "Adam beta1 of the latent updates", "paper 7.5 / _update_moments")
    adam_beta2: float = setting(0.999, "Adam beta2 of the latent updates", "paper 7.5 / _update_moments")
    adam_eps: float = setting(1.0e-5, "Adam eps of the latent updates", "_update_latent_with_gradient")
    lambda_track: float = setting(1.0, "weight of the tracking energy (eq. 5)",
                                  "paper 7.5: 1 horse, 0.5 face, 0.2 or 1 car (per category in the run config)",
                                  minimum=0)
    lambda_reg: float = setting(8.0, "weight of the low-pass regulariser (eq. 6)",
                                "paper 7.5 leaves it unstated; the authors' examples use 8", minimum=0)
    vote_window: int = setting(15, "frames of the voting window (odd)",
                               "apply_voting: 15 for every category (paper 7.5: 7 for horses, a run switch)", minimum=1,
                               tracking=True)
    lowpass_spatial: float = setting(0.4, "DCT low-pass threshold of the regulariser",
                                     "paper 7.5 / common_inference_params.sh: dct_threshold", above=0, maximum=1)
    lowpass_spatial_first: float = setting(0.999, "the threshold at the first guided timestep",
                                           "_compute_refrence_loss", above=0, maximum=1)
    tracker: str = setting("flow", "point tracker (smite.trackers): OpenCV DIS flow (the embedded default) or "
                           "CoTracker3 (the paper)", "paper 4.3 (cotracker3)", choices=tuple(TRACKERS), tracking=True)
    cotracker3: CoTracker3Settings = section(CoTracker3Settings, "the CoTracker3 tracker (smite.track.cotracker)",
                                             tracking=True)
    tiles: int = setting(1, "tiles per side the WAS is computed on and merged from (1 = the whole frame)",
                         "utils/setup.py get_crop_coords_if_needed: 2 x 2 crops for face datasets", minimum=1,
                         tracking=True)
    tile_size: float = setting(0.87890625, "side of a tile over the frame's: 450 of 512 px",
                               "run.py: get_crop_coords_if_needed(patch_size=450)", above=0, maximum=1, tracking=True)
    tile_merge: str = setting("last", "in tile overlaps the last tile decides (the authors' assign-then-divide), or "
                              "the tiles are averaged", "calculate_multi_was_mask", choices=TILE_MERGES)
    refinement: str = setting("hierarchical", "a video's frames segmented on crops around a first estimate: each "
                              "frame on its own mask's box (the authors' two-pass flow, smite.hierarchical), the "
                              "video on one box when the object is small (paper_box: paper 7.5's reading), or the "
                              "whole frame",
                              "scripts/parser/parse_args_inference.sh: hierarchical_segmentation=\"true\" -> run.py "
                              "inference_with_hierarchical_segmentation", choices=REFINEMENTS)
    crop_margin: float = setting(0.04, "paper_box: the box expanded by this fraction of the frame", "paper 7.5",
                                 minimum=0)
    crop_max_area: float = setting(0.25, "paper_box: refine when the expanded box covers less than this fraction "
                                   "of the frame",
                                   "ours (unstated)", above=0, maximum=1)
    crop_expand: float = setting(0.04, "the two-pass flow's crop box widened by this fraction of its own width and "
                                 "height", "crop_video_based_on_primitive_mask(expand_ratio=0.04)", minimum=0)
    crop_min_indices: int = setting(5, "the two-pass flow keeps the whole frame when its mask has fewer foreground "
                                    "coordinates (2 per pixel)", "crop_video_based_on_primitive_mask: indices.size < 5",
                                    minimum=0)
    aspect_limit: float = setting(1.5, "the two-pass flow crops frames whose long side exceeds this many short sides "
                                  "to squares around the mask first", "inference_with_hierarchical_segmentation: "
                                  "w / h > 1.5 or h / w > 1.5", above=1)
    square_fill: float = setting(0.5, "a mask wider than the square crop keeps the whole frame when it fills more than "
                                 "this share of its extent", "handle_high_aspect_ratio_frames: sum / (h w) > 0.5",
                                 minimum=0, maximum=1)
    max_side: int = setting(812, "frames decoded for the two-pass flow with the long side at most this",
                            "utils/image_processing.py read_video: change_resolution(first_frame, 812)", minimum=8)
    score_size: int = setting(512, "every video's labels are also written at this square size (scored/) and scored "
                              "there against the ground truth resized to it by nearest neighbour, as the authors "
                              "score their 512 x 512 output; 0 = score masks/ at the frame's own size",
                              "run.py calculate_metrics on output['segmentation'] (512 x 512: "
                              "inference_with_hierarchical_segmentation's final F.interpolate to (512, 512)); "
                              "utils/gt_extractor.py process_frame: cv2.resize(labels, (512, 512), INTER_NEAREST)",
                              minimum=0)

    def check_relations(self) -> None:
        low, high = self.reference_timesteps
        self.require(low <= high, "reference_timesteps", "must be [low, high] with 0 <= low <= high")
        self.require(self.overlap < self.window, "overlap", f"must be below window ({self.window})")
        self.require(self.guided_updates < self.guided_timesteps, "guided_updates",
                     f"must be below guided_timesteps ({self.guided_timesteps}): the last timestep only reads S")
        self.require(self.guided_timesteps <= self.schedule_steps, "guided_timesteps",
                     f"must not exceed schedule_steps ({self.schedule_steps})")
        self.require(self.vote_window % 2 == 1, "vote_window", "must be a positive odd number of frames")
        self.require(self.tiles == 1 or self.tiles * self.tile_size >= 1, "tile_size",
                     "must be large enough for the tiles to cover the frame")
        self.require(not (self.tiles > 1 and self.refinement == "paper_box"), "tiles",
                     "cannot be combined with refinement: paper_box (the paper's box refinement)")


@dataclass(frozen=True)
class Gsam2Settings(Section):
    """`gsam2`: the GSAM2 baseline (paper 5, Tables 1 and 4: Grounded SAM 2, zero-shot, prompted with the part names
    as "name." per part, lower case, '_' as a space). Values of the Grounded-SAM-2 video demo
    (IDEA-Research/Grounded-SAM-2, grounded_sam2_tracking_demo.py) unless noted."""

    path = "gsam2"
    models: str = setting("pretrained", "models.grounding_dino and models.sam2, or small random-weight models built "
                          "in-process (offline wiring runs only)", choices=("pretrained", TINY_RANDOM))
    box_threshold: float = setting(0.25, "Grounding DINO box threshold", "demo (video, HF Grounding DINO); its image "
                                   "demo uses 0.35", minimum=0, maximum=1)
    text_threshold: float = setting(0.3, "Grounding DINO text threshold", "demo (video, HF Grounding DINO)",
                                    minimum=0, maximum=1)
    prompt_frame: int = setting(0, "the frame whose boxes prompt SAM 2, tracked forwards", "demo: ann_frame_idx = 0",
                                minimum=0)
    precision: str = setting("bf16", "SAM 2's autocast on a GPU (a CPU always runs fp32)", "demo: bf16 on CUDA",
                             choices=PRECISION_NAMES)


@dataclass(frozen=True)
class BackboneSettings(Section):
    """`backbone`: the diffusion model, and the architectures of those the library builds or reads
    (smite/backbones.yaml, whose keys a run may override freely)."""

    path = "backbone"
    name: str = setting("sd21", "the backbone: Stable Diffusion 2.1 base (models.sd21), the in-process stand-in "
                        "(embedded) or SD 2.1's architecture with random weights (sd21_random, benchmarks)",
                        "paper 3", choices=BACKBONES)
    sd21: dict[str, Any] = setting(packaged("backbones.yaml")["sd21"], "layers read from Stable Diffusion 2.1",
                                   "SLiMe/SMITE code")
    sd21_random: dict[str, Any] = setting(packaged("backbones.yaml")["sd21_random"], "SD 2.1 base's architecture "
                                          "(its config.json files) with random weights", "SD 2.1 base")
    embedded: dict[str, Any] = setting(packaged("backbones.yaml")["embedded"], "the small SD-architecture model "
                                       "built in-process", "ours")

    def architecture(self, name: str | None = None) -> dict[str, Any]:
        """The architecture of backbone `name` (default: this run's)."""
        return getattr(self, name or self.name)

    def attention_grid(self, name: str | None = None) -> int:
        """Side of the attention-map grid (the highest-resolution latent) without loading any weights."""
        name = name or self.name
        config = self.architecture(name)
        if name == "sd21":
            return config["image_size"] // 8  # Stable Diffusion's VAE downsamples by 8
        return config["image_size"] // 2 ** (len(config["vae"]["block_out_channels"]) - 1)

    def model_side(self, name: str | None = None) -> int:
        """Side of the square model input (image_size) of a backbone, without loading any weights."""
        return self.architecture(name)["image_size"]


@dataclass(frozen=True)
class MethodSettings(Section):
    """The method settings of a run: the packaged defaults with the run's `method:` overrides."""

    seed: int = setting(0, "every random draw (noise, augmentation, order) derives from it", minimum=0)
    device: str = setting("auto", "auto = CUDA when available, else CPU; cpu, cuda, cuda:1 ...")
    precision: str = setting("fp16", "mixed precision on a GPU (a CPU always runs fp32)",
                             "paper 7.5 / authors' code", choices=PRECISION_NAMES)
    models: dict[str, ModelSpec] = setting(pinned_models(), "every pretrained model a run may load: a "
                                           "hub repository at a pinned revision, or a local path "
                                           "(smite/pretrained.yaml)")
    backbone: BackboneSettings = section(BackboneSettings, "the diffusion model")
    parts_init: str = setting("prompt", "start of the part embeddings: positions 1..K-1 of the full prompt's encoding "
                              "(part k starts from the word before its own), each part's own name, or random",
                              "authors' set_embeddings_to_optimize; paper 4.2 (names, random)",
                              choices=("prompt", "names", "random"))
    train: TrainSettings = section(TrainSettings, "training (smite.learn.train)")
    inference: InferenceSettings = section(InferenceSettings, "segmentation of a video (smite.segment)")
    gsam2: Gsam2Settings = section(Gsam2Settings, "the GSAM2 baseline (smite.gsam2)")

    def model(self, key: str) -> ModelSpec:
        """The pretrained model `models.<key>`, checked: pinned to a 40-hex revision unless a local path."""
        return pinned_spec(self.models, key)


def setting_path(section_path: str, name: str) -> str:
    """A setting's dotted name in the method settings (train.epochs, seed)."""
    return f"{section_path}.{name}" if section_path else name


def tracking_settings() -> tuple[str, ...]:
    """The inference settings and sections a video's trajectories depend on (declared with tracking=True)."""
    return tuple(f.name for f in dataclasses.fields(InferenceSettings)
                 if (f.metadata[TRACKING] if SECTION in f.metadata else f.metadata[SETTING].tracking))

