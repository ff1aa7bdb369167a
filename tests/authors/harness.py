"""Run the authors' SMITE code (github.com/alimohammadiamirhossein/smite @ 7ecfff7) on a tiny random model on CPU.

This module is used by the case generators beside it (make_e2e_inference.py, make_e2e_hierarchical.py). It runs in
an environment with the authors' pinned libraries (diffusers 0.19, transformers 4.35; README.md here), never in the
project's own, and CI does not run it. It imports a *copy* of their checkout with the few textual patches listed in
PATCHES (each with why), and replaces at run time only what cannot run on a CPU without network (`RUNTIME_SWAPS`).
Nothing else of their code is touched: what the generators record is what their functions computed.
"""

from __future__ import annotations

import contextlib
import json
import math
import shutil
import sys
import tempfile
import types
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

AUTHORS_COMMIT = "7ecfff7"

# (file, text in their code, replacement, times it occurs, why). Module-level constants the patches introduce are
# appended to the file with their original value; the harness sets them for the tiny model. Their run.py imports
# `utils` first (it imports `src`), and so does load_authors.
PATCHES: list[tuple[str, str, str, int, str]] = [
    ("src/was_attention.py", "alpha=0.125", "alpha=ATTENTION_SCALE", 2,
     "0.125 = 1/sqrt(64), SD 2.1's head dimension; the tiny model's heads have 8 dimensions"),
    ("src/inference.py", "mask_patch_size=64, use_cross_attention_only=False)",
     "mask_patch_size=ATTENTION_RESOLUTION, use_cross_attention_only=False)", 2,
     "64 = SD 2.1's attention grid at 512 px (S for voting, energies and hand-over); the tiny model's grid is 8"),
    ("src/inference.py", "guidance_scale=100", "guidance_scale=REFERENCE_GUIDANCE_SCALE", 2,
     "the reference pass's two literals: kept at 100, set to 0 only for the case that removes its CFG batch"),
    ("src/data_processing.py", "prepared_image = F.interpolate(cropped_image, (512, 512),",
     "prepared_image = F.interpolate(cropped_image, (MODEL_SIZE, MODEL_SIZE),", 1,
     "a tile's crop is resized to SD 2.1's 512-px input; the tiny model's input is 64 px"),
    ("src/hierarchical_segmentation.py", "frames_full = frames_full.to('cuda')",
     "frames_full = frames_full.to('cpu')", 1, "CPU run"),
    ("src/hierarchical_segmentation.py", "height=512, width=512", "height=MODEL_SIZE, width=MODEL_SIZE", 3,
     "the primitive passes' frames at SD 2.1's 512-px input; the tiny model's input is 64 px"),
    ("src/hierarchical_segmentation.py", "frame_new = F.interpolate(frame, (512, 512)",
     "frame_new = F.interpolate(frame, (MODEL_SIZE, MODEL_SIZE)", 1,
     "crop_video_based_on_primitive_mask resizes a frame without foreground to the 512-px input"),
    ("src/hierarchical_segmentation.py", "frame = F.interpolate(frame.unsqueeze(0), (512, 512)",
     "frame = F.interpolate(frame.unsqueeze(0), (MODEL_SIZE, MODEL_SIZE)", 1,
     "crop_video_based_on_primitive_mask resizes each frame's crop to the 512-px input (the output's final resize to "
     "512 x 512 is the scoring size and stays)"),
    ("src/hierarchical_segmentation.py", "if min_dim >= 512:\n            crop_size = 512",
     "if min_dim >= MODEL_SIZE:\n            crop_size = MODEL_SIZE", 1,
     "handle_high_aspect_ratio_frames' square crop is the 512-px input (or the short side)"),
    ("src/hierarchical_segmentation.py", "size=(512, 512), mode='bilinear'",
     "size=(MODEL_SIZE, MODEL_SIZE), mode='bilinear'", 2,
     "handle_high_aspect_ratio_frames resizes its crops to the 512-px input"),
    ("src/frequency_filter.py", "cutoff=30)", "cutoff=FOURIER_CUTOFF)", 4,
     "frequency_loss's high-pass box of 30 cells on SD 2.1's 64-cell maps; the tiny model's maps are 8 cells"),
    ("src/training.py", "cross_attention[None, ...].float(),", "cross_attention[None, ...].to(LOSS_DTYPE),", 1,
     "compute_loss casts the maps to float32; measure_train_floor.py runs it in float64 too (float32 otherwise)"),
    ("src/training.py", "was_attention.float()", "was_attention.to(LOSS_DTYPE)", 2,
     "as above, for the WAS maps of the MSE and Fourier terms"),
]
CONSTANTS = {
    "src/was_attention.py": {"ATTENTION_SCALE": 0.125},
    "src/inference.py": {"ATTENTION_RESOLUTION": 64, "REFERENCE_GUIDANCE_SCALE": 100},
    "src/data_processing.py": {"MODEL_SIZE": 512},
    "src/hierarchical_segmentation.py": {"MODEL_SIZE": 512},
    "src/frequency_filter.py": {"FOURIER_CUTOFF": 30},
    "src/training.py": {"LOSS_DTYPE": torch.float32},
}
RUNTIME_SWAPS = {
    "CoTracker3": "pipeline.apply_tracker_on_all_frames returns the case's injected tracks of the window's frames "
                  "(torch.hub cannot be reached here); the tracks are (q, j, point, xy) cells as their "
                  "postprocess_predictions returns them",
    "xformers": "the cross-attention processor their pipeline installs (XFormersAttnProcessor2) calls "
                "xformers.ops.memory_efficient_attention; an exact softmax(q k^T scale) v stands in for it (CPU)",
    "visualisation": "_visualize_attention_maps and _visualization_during_optimization (PNG files only) do nothing",
    "torchvision, tensorboard": "imported by their modules, not used on this path: stand-in modules",
}
ROLE_OF_DRAW = {("full_video", "randn"): "vae_sample.full_video", ("reference", "randn"): "vae_sample.reference",
                ("reference", "randint"): "reference_t", ("reference", "randn_like"): "reference_noise",
                ("guided", "randn"): "vae_sample.guided", ("guided", "randn_like"): "guided_noise"}


def patched_copy(checkout: Path, into: Path) -> Path:
    """A copy of the authors' checkout with PATCHES applied; fails if any text is not found as often as listed."""
    root = into / "smite_authors"
    shutil.copytree(checkout, root, ignore=shutil.ignore_patterns(".git", "assets"))
    for name, old, new, count, _why in PATCHES:
        path = root / name
        text = path.read_text()
        if text.count(old) != count:
            raise RuntimeError(f"{name}: expected {count} x {old!r}, found {text.count(old)} (another commit?)")
        path.write_text(text.replace(old, new))
    for name, values in CONSTANTS.items():
        path = root / name
        path.write_text(path.read_text() + "\n" + "".join(f"{k} = {v!r}\n" for k, v in values.items()))
    return root


def _stub_modules() -> None:
    """Stand-ins for torchvision and tensorboard, which their modules import but this path never calls (after the
    libraries that probe for torchvision have been imported without it)."""
    import diffusers  # noqa: F401
    import transformers  # noqa: F401
    if "torchvision" not in sys.modules:
        tv = types.ModuleType("torchvision")
        tv.transforms = types.ModuleType("torchvision.transforms")
        tv.transforms.functional = types.ModuleType("torchvision.transforms.functional")

        def unused(*_args: Any, **_kwargs: Any) -> Any:
            raise RuntimeError("torchvision stand-in called: this path should not use torchvision")

        tv.transforms.ToPILImage = unused
        tv.transforms.functional.gaussian_blur = unused
        sys.modules.update({"torchvision": tv, "torchvision.transforms": tv.transforms,
                            "torchvision.transforms.functional": tv.transforms.functional})
    if "torch.utils.tensorboard" not in sys.modules:
        board = types.ModuleType("torch.utils.tensorboard")
        board.SummaryWriter = object
        sys.modules["torch.utils.tensorboard"] = board


def exact_attention(query: torch.Tensor, key: torch.Tensor, value: torch.Tensor, attn_bias: Any = None,
                    op: Any = None, scale: float | None = None) -> torch.Tensor:
    """softmax(q k^T * scale + bias) v, what xformers' memory_efficient_attention computes (to its rounding)."""
    scale = scale if scale is not None else 1.0 / math.sqrt(query.shape[-1])
    scores = torch.baddbmm(torch.empty(query.shape[0], query.shape[1], key.shape[1], dtype=query.dtype),
                           query, key.transpose(-1, -2), beta=0, alpha=scale)
    if attn_bias is not None:
        scores = scores + attn_bias
    return torch.bmm(scores.softmax(-1), value)


def sdpa_attention(query: torch.Tensor, key: torch.Tensor, value: torch.Tensor, attn_bias: Any = None,
                   op: Any = None, scale: float | None = None) -> torch.Tensor:
    """The same attention through torch's fused kernel: another exact kernel, for measuring float floors."""
    return F.scaled_dot_product_attention(query, key, value, attn_mask=attn_bias, scale=scale)


@dataclass
class Authors:
    """The authors' modules, imported from a patched copy."""

    root: Path
    modules: dict[str, types.ModuleType]

    def __getitem__(self, name: str) -> types.ModuleType:
        return self.modules[name]


def load_authors(checkout: Path, workdir: Path, kernel: str = "exact") -> Authors:
    """Import their src, models and utils packages from a patched copy in workdir."""
    _stub_modules()
    root = patched_copy(checkout, workdir)
    sys.path.insert(0, str(root))
    import importlib

    names = ["utils", "models", "models.attention", "src", "src.pipeline_smite", "src.inference",
             "src.latent_optimization", "src.was_attention", "src.slicing", "src.tracking", "src.frequency_filter",
             "src.data_processing", "src.hierarchical_segmentation", "src.training", "utils.image_processing",
             "utils.setup"]
    modules = {name: importlib.import_module(name) for name in names}
    attention = exact_attention if kernel == "exact" else sdpa_attention
    modules["models.attention"].xformers = types.SimpleNamespace(
        ops=types.SimpleNamespace(memory_efficient_attention=attention))
    if kernel != "exact":
        def fused(self: Any, query: torch.Tensor, key: torch.Tensor, value: torch.Tensor,
                  attention_mask: Any = None) -> torch.Tensor:
            return self.reshape_batch_dim_to_heads(sdpa_attention(query, key, value, attention_mask, scale=self.scale))
        modules["models.attention"].FullyFrameAttention._attention = fused
    for name in ("src.inference", "src.hierarchical_segmentation"):
        modules[name]._visualize_attention_maps = lambda *a, **k: None
    modules["src.latent_optimization"]._visualization_during_optimization = lambda *a, **k: None
    return Authors(root, modules)


# ---------------------------------------------------------------- the tiny model

TINY = {
    "unet": {"sample_size": 8, "in_channels": 4, "out_channels": 4, "layers_per_block": 2,
             "block_out_channels": [16, 16, 32, 32],
             "down_block_types": ["CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D",
                                  "DownBlock2D"],
             "up_block_types": ["UpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D"],
             "cross_attention_dim": 32, "attention_head_dim": [2, 2, 4, 4], "use_linear_projection": True,
             "norm_num_groups": 8},
    "vae": {"in_channels": 3, "out_channels": 3, "down_block_types": ["DownEncoderBlock2D"] * 4,
            "up_block_types": ["UpDecoderBlock2D"] * 4, "block_out_channels": [16, 16, 32, 32], "layers_per_block": 1,
            "latent_channels": 4, "norm_num_groups": 8, "sample_size": 64},
    "text": {"vocab_size": 529, "hidden_size": 32, "intermediate_size": 64, "num_hidden_layers": 2,
             "num_attention_heads": 2, "max_position_embeddings": 77, "projection_dim": 32, "bos_token_id": 527,
             "eos_token_id": 528, "pad_token_id": 528},
    "scheduler": {"num_train_timesteps": 1000, "beta_start": 0.00085, "beta_end": 0.012,
                  "beta_schedule": "scaled_linear", "clip_sample": False, "set_alpha_to_one": False, "steps_offset": 1,
                  "prediction_type": "epsilon"},
}
ATTENTION_LAYERS = [f"up_blocks[{b}].attentions[{a}].transformer_blocks[0].attn2" for b, a in
                    [(1, 0), (1, 1), (1, 2), (2, 0), (2, 1)]] + \
                   [f"up_blocks[3].attentions[{a}].transformer_blocks[0].attn1" for a in range(3)]
LAYERS_TO_SAVE = ["up_blocks[1].resnets[0].out_layers_features", "up_blocks[1].resnets[1].out_layers_features",
                  "up_blocks[2].resnets[0].out_layers_features"] + [
    f"{layer}.{qk}" for layer in ATTENTION_LAYERS for qk in ("q", "k")]


@dataclass
class TinyModel:
    """A tiny SD-architecture model: configs, weights (diffusers / transformers names), tokenizer files, parts."""

    config: dict[str, Any]
    weights: dict[str, np.ndarray]
    vocab_json: str
    merges_txt: str
    part_embeddings: np.ndarray

    def arrays(self) -> dict[str, Any]:
        """The model's fields as the e2e files store them."""
        out: dict[str, Any] = {"config": json.dumps(self.config), "tokenizer.vocab_json": self.vocab_json,
                               "tokenizer.merges_txt": self.merges_txt, "part_embeddings": self.part_embeddings}
        out.update({f"weight.{k}": v for k, v in self.weights.items()})
        return out


def tokenizer_files(fixture: Path) -> tuple[str, str]:
    """The byte-level tokenizer (each part name one token) of an existing e2e file: data, not random."""
    with np.load(fixture) as data:
        return str(data["tokenizer.vocab_json"]), str(data["tokenizer.merges_txt"])


def make_tiny_model(seed: int, frames: np.ndarray, parts: list[str], tokenizer: tuple[str, str],
                    image_size: int) -> TinyModel:
    """Random weights from `seed` (self-attention q/k = 1.5 x identity, so its maps have structure); the VAE's
    scaling factor makes the frames' latents unit-variance."""
    from diffusers import AutoencoderKL, UNet2DConditionModel
    from transformers import CLIPTextConfig, CLIPTextModel

    torch.manual_seed(seed)
    unet = UNet2DConditionModel(**TINY["unet"])
    with torch.no_grad():
        for name, module in unet.named_modules():
            if name.endswith("attn1"):
                for projection in (module.to_q, module.to_k):
                    projection.weight.copy_(1.5 * torch.eye(projection.weight.shape[0]))
    vae = AutoencoderKL(**TINY["vae"])
    text = CLIPTextModel(CLIPTextConfig(**TINY["text"]))
    with torch.no_grad():
        images = torch.from_numpy(frames).permute(0, 3, 1, 2).float() / 127.5 - 1
        images = F.interpolate(images, size=(image_size, image_size), mode="bilinear", align_corners=False)
        scaling = float(1.0 / vae.encode(images).latent_dist.mean.std())
    config = {"unet": TINY["unet"], "vae": {**TINY["vae"], "scaling_factor": scaling}, "text": TINY["text"],
              "scheduler": TINY["scheduler"], "parts": parts, "prompt": " ".join(parts), "frame": image_size,
              "R": image_size // 8, "seed": seed, "attention_layers": ATTENTION_LAYERS,
              "layers_to_save": LAYERS_TO_SAVE, "authors_commit": AUTHORS_COMMIT}
    weights = {f"unet.{k}": v.numpy() for k, v in unet.state_dict().items()}
    weights.update({f"vae.{k}": v.numpy() for k, v in vae.state_dict().items()
                    if k.startswith(("encoder.", "quant_conv."))})
    weights.update({f"text.{k}": v.numpy() for k, v in text.state_dict().items() if "position_ids" not in k})
    embeddings = torch.randn(len(parts) - 1, TINY["text"]["hidden_size"]).numpy()
    return TinyModel(config, weights, *tokenizer, embeddings)


def build_pipeline(authors: Authors, model: TinyModel, vae_slicing: bool = True) -> Any:
    """Their SMITEPipeline around the tiny model, set up as run.py's inference does (without CoTracker).

    `vae_slicing`: utils/setup.py load_pipeline calls pipe.enable_vae_slicing(), so the VAE encodes one frame at a
    time; off encodes the video as one batch (the same mathematics in another summation order: a float floor).
    """
    from diffusers import AutoencoderKL, DDIMInverseScheduler, DDIMScheduler
    from transformers import CLIPTextConfig, CLIPTextModel, CLIPTokenizer

    config = model.config
    with tempfile.TemporaryDirectory() as folder:
        unet_dir = Path(folder, "unet")
        unet_dir.mkdir()
        (unet_dir / "config.json").write_text(json.dumps({"_class_name": "UNet2DConditionModel", **config["unet"]}))
        state = {k.removeprefix("unet."): torch.from_numpy(v) for k, v in model.weights.items()
                 if k.startswith("unet.")}
        torch.save(state, unet_dir / "diffusion_pytorch_model.bin")
        unet = authors["models"].UNet3DConditionModel.from_pretrained_2d(folder, subfolder="unet")
        Path(folder, "vocab.json").write_text(model.vocab_json)
        Path(folder, "merges.txt").write_text(model.merges_txt)
        tokenizer = CLIPTokenizer(str(Path(folder, "vocab.json")), str(Path(folder, "merges.txt")),
                                  model_max_length=config["text"]["max_position_embeddings"])
    vae = AutoencoderKL(**config["vae"])
    vae.load_state_dict({k.removeprefix("vae."): torch.from_numpy(v) for k, v in model.weights.items()
                         if k.startswith("vae.")}, strict=False)
    text = CLIPTextModel(CLIPTextConfig(**config["text"]))
    text.load_state_dict({k.removeprefix("text."): torch.from_numpy(v) for k, v in model.weights.items()
                          if k.startswith("text.")}, strict=False)
    for module in (unet, vae, text):
        module.eval()
    pipe = authors["src"].SMITEPipeline(vae=vae, text_encoder=text, tokenizer=tokenizer, unet=unet, controlnet=None,
                                        scheduler=DDIMScheduler(**config["scheduler"]),
                                        inverse_scheduler=DDIMInverseScheduler(**config["scheduler"]))
    pipe.set_attention_hook(config["attention_layers"])
    processor = authors["models.attention"].XFormersAttnProcessor2()
    for name, module in unet.named_modules():
        if name.endswith("attn2"):
            module.set_processor(processor)
    pipe.set_embeddings_to_optimize(len(config["parts"]), config["prompt"])  # setup_inference_pipeline
    with torch.no_grad():
        for index, embedding in enumerate(pipe.embeddings_to_optimize):
            embedding.copy_(torch.from_numpy(model.part_embeddings[index]).reshape(embedding.shape))
    pipe.enable_accelerator(mixed_precision="no")  # float32 on CPU
    pipe.dataset_name = "tiny"
    if vae_slicing:
        pipe.enable_vae_slicing()
    return pipe


def set_constants(authors: Authors, model: TinyModel) -> None:
    """The patched constants for the tiny model (PATCHES)."""
    head_dim = TINY["unet"]["block_out_channels"][-1] // TINY["unet"]["attention_head_dim"][-1]
    authors["src.was_attention"].ATTENTION_SCALE = 1.0 / math.sqrt(head_dim)
    authors["src.inference"].ATTENTION_RESOLUTION = model.config["R"]
    authors["src.data_processing"].MODEL_SIZE = model.config["frame"]
    authors["src.hierarchical_segmentation"].MODEL_SIZE = model.config["frame"]


# ---------------------------------------------------------------- recording a run


@dataclass
class Recorder:
    """Every random draw of a run (in call order, with its role) and the stages of each window."""

    draws: list[tuple[dict[str, Any], np.ndarray]] = field(default_factory=list)
    windows: list[dict[str, Any]] = field(default_factory=list)
    stages: dict[str, np.ndarray] = field(default_factory=dict)
    phase: str = "full_video"
    window: int = -1
    crop: list[int] | None = None
    pass_name: str = ""
    step: int = 0
    debug: bool = False

    def draw(self, fn: str, value: torch.Tensor) -> None:
        role = ROLE_OF_DRAW.get((self.phase, fn), f"{self.phase}.{fn}")
        meta = {"role": role, "fn": fn, "shape": list(value.shape), "dtype": str(value.dtype), "window": self.window,
                "crop": self.crop}
        if self.pass_name:
            meta["pass"] = self.pass_name
        self.draws.append((meta, value.detach().cpu().numpy().copy()))
        if role == "reference_t" and self.window >= 0:
            self.windows[self.window]["ref_t"] = int(value.reshape(-1)[0])

    def append(self, name: str, value: torch.Tensor) -> None:
        """Add a row to the stage `name` of the current window (debug recordings: one row per update)."""
        prefix = f"{self.pass_name}." if self.pass_name else ""
        key = f"{prefix}w{self.window}.{name}"
        row = value.detach().cpu().numpy()[None]
        self.stages[key] = row if key not in self.stages else np.concatenate([self.stages[key], row])

    def keep(self, name: str, value: torch.Tensor | np.ndarray | float) -> None:
        prefix = f"{self.pass_name}." if self.pass_name else ""
        array = value.detach().cpu().numpy() if isinstance(value, torch.Tensor) else np.asarray(value)
        self.stages[f"{prefix}w{self.window}.{name}"] = array.copy()


@contextlib.contextmanager
def swapped(owner: Any, name: str, make: Callable[[Any], Any]) -> Iterator[None]:
    original = getattr(owner, name)
    setattr(owner, name, make(original))
    try:
        yield
    finally:
        setattr(owner, name, original)


@contextlib.contextmanager
def recording(authors: Authors, recorder: Recorder, tracks: np.ndarray | None, visible: np.ndarray | None,
              extra: Callable[[contextlib.ExitStack], None] | None = None) -> Iterator[Recorder]:
    """Wrap their functions (not changing what they compute) to record draws and stages; inject the tracks."""
    pipe_cls = authors["src"].SMITEPipeline
    inference, optimisation, slicing = authors["src.inference"], authors["src.latent_optimization"], \
        authors["src.slicing"]
    current: dict[str, Any] = {}

    def random_fn(name: str) -> Callable[[Any], Any]:
        def make(original: Callable[..., torch.Tensor]) -> Callable[..., torch.Tensor]:
            def wrapped(*args: Any, **kwargs: Any) -> torch.Tensor:
                value = original(*args, **kwargs)
                recorder.draw(name, value)
                return value
            return wrapped
        return make

    def slicing_latents(original: Callable[..., Any]) -> Callable[..., Any]:
        def wrapped(slices: list[slice], ind: int, *args: Any, **kwargs: Any) -> Any:
            current["slice"] = slices[ind]
            return original(slices, ind, *args, **kwargs)
        return wrapped

    def crops(original: Callable[..., Any]) -> Callable[..., Any]:
        def wrapped(slices: Any, frames: Any, depth: Any, pipeline: Any, crop_coord: Any, *args: Any,
                    **kwargs: Any) -> Any:
            recorder.crop = [int(v) for v in crop_coord]
            try:
                return original(slices, frames, depth, pipeline, crop_coord, *args, **kwargs)
            finally:
                recorder.crop = None
        return wrapped

    def whole_call(original: Callable[..., Any]) -> Callable[..., Any]:
        def wrapped(self: Any, *args: Any, **kwargs: Any) -> Any:
            recorder.phase = "full_video"
            return original(self, *args, **kwargs)
        return wrapped

    def window_inference(original: Callable[..., Any]) -> Callable[..., Any]:
        def wrapped(self: Any, **kwargs: Any) -> Any:
            part = current["slice"]
            recorder.window = len(recorder.windows)
            recorder.windows.append({"start": part.start, "stop": part.stop, "crop": recorder.crop, "timesteps": [],
                                     **({"pass": recorder.pass_name} if recorder.pass_name else {})})
            recorder.step = 0
            try:
                return original(self, **kwargs)
            finally:
                recorder.phase = "between"
        return wrapped

    def reference(original: Callable[..., Any]) -> Callable[..., Any]:
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            recorder.phase = "reference"
            maps, saved = original(*args, **kwargs)
            recorder.keep("S_ref", maps["was_64_attention_maps"])
            recorder.phase = "guided"
            return maps, saved
        return wrapped

    def process_timestep(original: Callable[..., Any]) -> Callable[..., Any]:
        def wrapped(pipeline: Any, prompt_embeds: Any, latents: torch.Tensor, *args: Any, **kwargs: Any) -> Any:
            if recorder.phase == "reference":
                maps = original(pipeline, prompt_embeds, latents, *args, **kwargs)
                recorder.keep("S_ref_raw", maps["was_64_attention_maps"])
                return maps
            t = int(kwargs["t"])
            recorder.windows[recorder.window]["timesteps"].append(t)
            latents_in = latents.clone()
            new, maps = original(pipeline, prompt_embeds, latents, *args, **kwargs)
            recorder.keep(f"step{recorder.step}.S", maps["was_64_attention_maps"])
            recorder.keep("final_latent_in", latents_in)
            recorder.keep("final_latent", new)
            recorder.step += 1
            return new, maps
        return wrapped

    def voting(original: Callable[..., Any]) -> Callable[..., Any]:
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            out = original(*args, **kwargs)
            recorder.keep(f"step{recorder.step - 1}.S_tracked", out)
            return out
        return wrapped

    def optimise(original: Callable[..., Any]) -> Callable[..., Any]:
        def wrapped(self: Any, **kwargs: Any) -> Any:
            out = original(self, **kwargs)
            recorder.keep(f"step{recorder.step - 1}.latent_updated", out)
            return out
        return wrapped

    def energy(original: Callable[..., Any]) -> Callable[..., Any]:
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            out = original(*args, **kwargs)
            row = [float(kwargs["t"]), float(kwargs["iter_"]), out[1]["total_loss"], out[1]["loss_tracking"],
                   out[1]["loss_refrence"]]
            key = f"{recorder.pass_name + '.' if recorder.pass_name else ''}w{recorder.window}.losses"
            rows = recorder.stages.get(key)
            recorder.stages[key] = np.asarray(row)[None] if rows is None else np.vstack([rows, row])
            return out
        return wrapped

    def moments(original: Callable[..., Any]) -> Callable[..., Any]:
        def wrapped(grad: torch.Tensor, **kwargs: Any) -> Any:
            out = original(grad, **kwargs)
            if recorder.debug:
                recorder.append("debug.grad", grad)
            return out
        return wrapped

    def gradient_step(original: Callable[..., Any]) -> Callable[..., Any]:
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            out = original(*args, **kwargs)
            if recorder.debug:
                recorder.append("debug.latent_after", out[0])
            return out
        return wrapped

    def latents(original: Callable[..., Any]) -> Callable[..., Any]:
        def wrapped(self: Any, *args: Any, **kwargs: Any) -> Any:
            out = original(self, *args, **kwargs)
            if recorder.phase in ("reference", "guided"):
                recorder.keep(f"latents_{'ref' if recorder.phase == 'reference' else 'guided'}", out)
            return out
        return wrapped

    def encode(original: Callable[..., Any]) -> Callable[..., Any]:
        def wrapped(self: Any, prompt: Any, *args: Any, **kwargs: Any) -> Any:
            out = original(self, prompt, *args, **kwargs)
            if recorder.phase == "reference":
                recorder.keep("encoding.ref", out)
            elif recorder.phase == "guided" and kwargs.get("use_tokens"):
                recorder.keep("encoding.guided", out)
            return out
        return wrapped

    def tracker(_original: Callable[..., Any]) -> Callable[..., Any]:
        def wrapped(self: Any, frames: torch.Tensor) -> tuple[list[np.ndarray], list[np.ndarray]]:
            part = current["slice"]
            assert tracks is not None and visible is not None, "a guided run needs tracks"
            assert frames.shape[2] == part.stop - part.start
            span = slice(part.start, part.stop)
            return ([tracks[q, span].astype(np.int64) for q in range(part.start, part.stop)],
                    [visible[q, span].astype(np.float32) for q in range(part.start, part.stop)])
        return wrapped

    with contextlib.ExitStack() as stack:
        for name in ("randn", "randint", "randn_like"):
            stack.enter_context(swapped(torch, name, random_fn(name)))
        stack.enter_context(swapped(slicing, "slicing_latents", slicing_latents))
        stack.enter_context(swapped(slicing, "_apply_slicing_with_crops", crops))
        stack.enter_context(swapped(inference, "_apply_slicing_with_crops", crops))
        stack.enter_context(swapped(pipe_cls, "__call__", whole_call))
        stack.enter_context(swapped(pipe_cls, "_inference", window_inference))
        stack.enter_context(swapped(inference, "_get_refrence", reference))
        stack.enter_context(swapped(inference, "_process_timestep", process_timestep))
        stack.enter_context(swapped(optimisation, "apply_voting", voting))
        stack.enter_context(swapped(pipe_cls, "optimize_latents", optimise))
        stack.enter_context(swapped(optimisation, "_update_latent_with_energy_function", energy))
        stack.enter_context(swapped(optimisation, "_update_moments", moments))
        stack.enter_context(swapped(optimisation, "_update_latent_with_gradient", gradient_step))
        stack.enter_context(swapped(pipe_cls, "prepare_video_latents", latents))
        stack.enter_context(swapped(pipe_cls, "_encode_prompt", encode))
        stack.enter_context(swapped(pipe_cls, "apply_tracker_on_all_frames", tracker))
        if extra is not None:
            extra(stack)
        yield recorder


def run_kwargs(model: TinyModel, **overrides: Any) -> dict[str, Any]:
    """run.py's inference arguments (utils/args.py defaults, scripts/common/common_inference_params.sh), with the
    attention output size of the tiny model."""
    R = model.config["R"]
    kwargs = {"num_inference_steps": 50, "guidance_scale": 0.0, "negative_prompt": "",
              "token_ids": list(range(len(model.config["parts"]))), "attention_output_size": (R, R),
              "apply_softmax": False, "output_path": tempfile.mkdtemp(prefix="authors_out_"), "inject_step": 40,
              "old_qk": 0, "layers_to_save": model.config["layers_to_save"], "training_mode": "text_embeds",
              "track_weight": 0.0, "gt": None, "dct_threshold": 0.4, "inflated_unet": True,
              "regularization_weight": 0.0, "inter_frame": True}
    kwargs.update(overrides)
    return kwargs


def frames_as_pil(frames: np.ndarray) -> list[Any]:
    """The frames as load_video hands them to the pipeline (PIL images)."""
    from PIL import Image

    return [Image.fromarray(frame) for frame in frames]


def case_arrays(index: int, recorder: Recorder, extra: dict[str, Any]) -> dict[str, Any]:
    """A case's fields in the e2e files' layout: c<i>.<field>."""
    out: dict[str, Any] = {f"c{index}.{k}": v for k, v in extra.items()}
    out[f"c{index}.windows"] = json.dumps(recorder.windows)
    out[f"c{index}.draw_meta"] = json.dumps([meta for meta, _ in recorder.draws])
    for number, (_, value) in enumerate(recorder.draws):
        out[f"c{index}.draw_{number:03d}"] = value
    for key, value in recorder.stages.items():
        out[f"c{index}.{key}"] = value
    return out
