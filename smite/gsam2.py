"""The GSAM2 baseline (paper §5, Tables 1 and 4): Grounded-SAM-2 on a video, through `transformers`.

Grounding DINO finds one box per part name on the prompt frame; SAM 2 tracks each box through the video as
its own object; the per-part mask logits become one label map per frame. This follows the Grounded-SAM-2
video demo (IDEA-Research/Grounded-SAM-2, grounded_sam2_tracking_demo.py: Grounding DINO from the hub,
text "name." lower-case, boxes of frame 0 given to the SAM 2.1 video predictor, propagate_in_video, mask
logits > 0). Deviations, one line each:

* one box per part (the best-scoring one), not one object per box: a part is one label, not instances;
* a box belongs to the part whose token span it grounds most strongly (mean token probability over the span, as
  Grounding DINO's COCO evaluation maps tokens to classes), among the parts its above-text_threshold phrase names;
* overlapping masks: the pixel goes to the highest positive logit (the demo only draws them one over another);
* SAM 2's input is resized and normalised here (bilinear, antialiased, ImageNet statistics, as transformers'
  Sam2VideoVideoProcessor), since its processors need torchvision, which this project does not install;
* no hole filling of the low-resolution masks (the original's optional fill_hole_area=8 needs its CUDA extension);
* Grounding DINO runs in fp32 (one frame per video); the demo runs everything under bf16 autocast on CUDA;
* with prompt_frame > 0, frames before it are tracked backwards (the demo only propagates forwards from frame 0).
"""

from __future__ import annotations

import logging
import string
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from tqdm.auto import tqdm
from transformers import (
    AutoProcessor,
    BertTokenizerFast,
    GroundingDinoConfig,
    GroundingDinoForObjectDetection,
    GroundingDinoImageProcessorPil,
    GroundingDinoProcessor,
    Sam2HieraDetConfig,
    Sam2VideoConfig,
    Sam2VideoInferenceSession,
    Sam2VideoModel,
    Sam2VisionConfig,
    SwinConfig,
)
from transformers.image_utils import IMAGENET_DEFAULT_MEAN, IMAGENET_DEFAULT_STD

from smite.data.video import read_video
from smite.errors import SmiteInputError
from smite.hub import ModelSpec, describe, guarded, model_spec, pretrained_args
from smite.hub import identity as model_identity
from smite.model.backbone import resolve_device
from smite.model.precision import PRECISIONS
from smite.segment import write_outputs

log = logging.getLogger(__name__)

TINY_RANDOM = "tiny-random"  # gsam2.models: the small randomly initialised pair (offline wiring runs only)
_BOX_LABELS = (2, 3)  # SAM 2's point labels for a box's top-left and bottom-right corners


@dataclass
class GSAM2Models:
    """Grounding DINO (processor + detector) and the SAM 2 video model, with the ids they came from."""

    grounding_processor: GroundingDinoProcessor
    grounding_model: GroundingDinoForObjectDetection
    sam2_model: Sam2VideoModel
    identity: dict[str, str] = field(default_factory=dict)

    @property
    def device(self) -> torch.device:
        return self.sam2_model.device

    @property
    def dtype(self) -> torch.dtype:
        return self.sam2_model.dtype


@dataclass(frozen=True)
class Detection:
    """A part's box on the prompt frame: (x0, y0, x1, y1) in pixels, its Grounding DINO score and phrase."""

    box: tuple[float, float, float, float]
    score: float
    phrase: str


# -- loading ---------------------------------------------------------------------------------------------------
def load_gsam2(settings: dict[str, Any], grounding: ModelSpec | None = None, sam2: ModelSpec | None = None,
               device: str | torch.device = "cpu", dtype: torch.dtype = torch.float32, seed: int = 0) -> GSAM2Models:
    """Both models (`models.grounding_dino`, `models.sam2`: pinned hub revisions or local folders, smite.hub); with
    gsam2.models `tiny-random`, the small random pair built in-process."""
    if settings["models"] == TINY_RANDOM:
        models = build_tiny_gsam2(seed)
    else:
        if grounding is None or sam2 is None:
            raise SmiteInputError(None, "GSAM2 needs models.grounding_dino and models.sam2")
        models = GSAM2Models(
            grounding_processor=_load_pinned(AutoProcessor, grounding),
            grounding_model=_load_pinned(GroundingDinoForObjectDetection, grounding, dtype=torch.float32),
            sam2_model=_load_pinned(Sam2VideoModel, sam2, dtype=dtype),
            identity={"grounding_model": describe(model_identity(grounding)),
                      "sam2_model": describe(model_identity(sam2))},
        )
    models.grounding_model.to(device).eval().requires_grad_(False)  # fp32: one frame per video
    models.sam2_model.to(device=device, dtype=dtype).eval().requires_grad_(False)
    return models


def _load_pinned(cls: Any, spec: ModelSpec, **kwargs: Any) -> Any:
    """cls.from_pretrained of a pinned model, one clear line when its weights are not there (smite.hub)."""
    model, revision, cache_only = pretrained_args(spec)
    return guarded(spec, lambda: cls.from_pretrained(model, revision=revision, local_files_only=cache_only, **kwargs))


# -- prompts and grounding -------------------------------------------------------------------------------------
def part_prompt(name: str) -> str:
    """A part name as Grounding DINO text: lower case, words separated by spaces (no '_' or '.')."""
    return " ".join(name.replace("_", " ").replace(".", " ").lower().split())


def build_caption(parts: list[str]) -> tuple[str, list[tuple[int, int]]]:
    """Grounding DINO caption of the non-background parts ("left ear. head.") and each one's character span.

    Grounding DINO's convention (and the demo's "VERY important" note): lower case, each phrase ends with a dot.
    """
    caption, spans = "", []
    for name in parts[1:]:
        prompt = part_prompt(name)
        if not prompt:
            raise ValueError(f"part name {name!r} has no text to ground")
        start = len(caption) + (1 if caption else 0)
        caption = f"{caption} {prompt}." if caption else f"{prompt}."
        spans.append((start, start + len(prompt)))
    return caption, spans


def token_spans(offsets: list[tuple[int, int]], spans: list[tuple[int, int]]) -> list[list[int]]:
    """Token positions of each character span (special tokens have empty offsets and belong to none)."""
    return [[i for i, (s, e) in enumerate(offsets) if e > s and s < end and e > start] for start, end in spans]


def assign_boxes(probs: torch.Tensor, spans: list[list[int]], text_threshold: float) -> dict[int, int]:
    """Part index (1-based) -> row of its box, from per-box token probabilities (N, L) of the kept boxes.

    A box's phrase is its tokens above text_threshold; it can belong to the parts the phrase touches, and
    goes to the one whose span it grounds most strongly (mean probability over the span). Each part keeps
    its highest-scoring box (score = the box's highest token probability, as the demo reports).
    """
    best: dict[int, tuple[float, int]] = {}
    scores = probs.max(dim=-1).values
    for row, token_probs in enumerate(probs):
        phrase = token_probs > text_threshold
        named = [k for k, span in enumerate(spans, start=1) if span and bool(phrase[span].any())]
        if not named:
            continue
        part = max(named, key=lambda k: float(token_probs[spans[k - 1]].mean()))
        if part not in best or float(scores[row]) > best[part][0]:
            best[part] = (float(scores[row]), row)
    return {part: row for part, (_, row) in sorted(best.items())}


@torch.no_grad()
def ground_parts(frame: np.ndarray, parts: list[str], models: GSAM2Models,
                 settings: dict[str, Any]) -> dict[int, Detection]:
    """Boxes of the non-background parts on one (H, W, 3) RGB frame: part index (1-based) -> Detection."""
    processor, model = models.grounding_processor, models.grounding_model
    caption, char_spans = build_caption(parts)
    inputs = processor(images=frame, text=caption, return_tensors="pt").to(model.device)
    if inputs.input_ids.shape[1] > model.config.max_text_len:
        raise ValueError(f"the part names make {inputs.input_ids.shape[1]} tokens; Grounding DINO takes "
                         f"{model.config.max_text_len}")
    outputs = model(**inputs)
    height, width = frame.shape[:2]
    box_threshold, text_threshold = settings["box_threshold"], settings["text_threshold"]
    (result,) = processor.post_process_grounded_object_detection(
        outputs, inputs.input_ids, threshold=box_threshold, text_threshold=text_threshold,
        target_sizes=[(height, width)],
    )
    probs = outputs.logits[0].sigmoid().float().cpu()
    probs = probs[probs.max(dim=-1).values > box_threshold]  # the rows post-processing kept, in its order
    offsets = processor.tokenizer(caption, return_offsets_mapping=True)["offset_mapping"]
    if len(offsets) != inputs.input_ids.shape[1]:
        raise RuntimeError("the tokenizer's offsets do not match the processor's tokens")
    rows = assign_boxes(probs, token_spans(offsets, char_spans), text_threshold)
    detections = {
        part: Detection(tuple(float(v) for v in result["boxes"][row].tolist()), float(result["scores"][row]),
                        result["text_labels"][row])
        for part, row in rows.items()
    }
    for k, name in enumerate(parts[1:], start=1):
        found = detections.get(k)
        log.info("grounding %r: %s", name, f"score {found.score:.2f} box {np.round(found.box, 1).tolist()}"
                 if found else "no box above the thresholds (absent)")
    return detections


# -- SAM 2 video propagation -----------------------------------------------------------------------------------
def sam2_pixels(frames: np.ndarray, size: int) -> torch.Tensor:
    """(T, H, W, 3) uint8 RGB -> SAM 2 input (T, 3, size, size): bilinear antialiased resize, ImageNet normalised."""
    video = torch.from_numpy(np.ascontiguousarray(frames)).permute(0, 3, 1, 2).float() / 255
    mean = torch.tensor(IMAGENET_DEFAULT_MEAN).view(1, 3, 1, 1)
    std = torch.tensor(IMAGENET_DEFAULT_STD).view(1, 3, 1, 1)
    resized = torch.cat([F.interpolate(chunk, size=(size, size), mode="bilinear", align_corners=False, antialias=True)
                         for chunk in video.split(16)])
    return (resized - mean) / std


def add_box_prompts(session: Sam2VideoInferenceSession, frame_idx: int, boxes: dict[int, tuple[float, ...]],
                    size: int) -> None:
    """Register one box per object id on a frame, as Sam2VideoProcessor.add_inputs_to_inference_session does:
    corners scaled to the model's square input, labelled 2 (top-left) and 3 (bottom-right)."""
    scale = torch.tensor([size / session.video_width, size / session.video_height] * 2)
    labels = torch.tensor([[_BOX_LABELS]], dtype=torch.int32)
    for obj_id, box in boxes.items():
        corners = (torch.tensor(box, dtype=torch.float32) * scale).view(1, 1, 2, 2)
        obj_idx = session.obj_id_to_idx(obj_id)
        session.add_point_inputs(obj_idx, frame_idx, {"point_coords": corners, "point_labels": labels})
        session.remove_mask_inputs(obj_idx, frame_idx)
    session.obj_with_new_inputs = list(boxes)


def combine_part_logits(logits: torch.Tensor) -> torch.Tensor:
    """(P, H, W) per-part mask logits -> (H, W) labels: the part (1-based) with the highest positive logit, else 0."""
    if len(logits) == 0:
        return torch.zeros(logits.shape[1:], dtype=torch.long)
    best, index = logits.max(dim=0)
    return torch.where(best > 0, index + 1, torch.zeros_like(index))


def _propagate(model: Sam2VideoModel, session: Sam2VideoInferenceSession, start: int) -> Iterator[Any]:
    """Outputs of every frame: forwards from the prompt frame, then backwards to frame 0 when it is not the first."""
    yield from model.propagate_in_video_iterator(session, start_frame_idx=start)
    if start > 0:
        yield from model.propagate_in_video_iterator(session, start_frame_idx=start, reverse=True)


@torch.inference_mode()
def track_parts(frames: np.ndarray, num_parts: int, detections: dict[int, Detection], models: GSAM2Models,
                prompt_frame: int, progress: bool = True) -> np.ndarray:
    """SAM 2 video from the prompt-frame boxes (object id = part index): (T, H, W) int64 label maps."""
    frame_count, height, width = frames.shape[:3]
    labels = np.zeros((frame_count, height, width), dtype=np.int64)
    if not detections:
        log.info("no part was grounded: every frame is background")
        return labels
    model = models.sam2_model
    size = _square_size(model.config.image_size)
    session = Sam2VideoInferenceSession(
        video=sam2_pixels(frames, size), video_height=height, video_width=width, inference_device=model.device,
        inference_state_device=model.device, video_storage_device=model.device, dtype=model.dtype,
    )
    add_box_prompts(session, prompt_frame, {k: d.box for k, d in detections.items()}, size)
    total = frame_count + (1 if prompt_frame > 0 else 0)  # the prompt frame comes back when tracking backwards
    for output in tqdm(_propagate(model, session, prompt_frame), total=total, desc="GSAM2 tracking", unit="frame",
                       disable=not progress):
        masks = F.interpolate(output.pred_masks.float(), size=(height, width), mode="bilinear", align_corners=False)
        logits = torch.full((num_parts, height, width), float("-inf"))
        for obj_id, mask in zip(output.object_ids, masks[:, 0].cpu(), strict=True):
            logits[obj_id - 1] = mask
        labels[output.frame_idx] = combine_part_logits(logits).numpy()
    return labels


def _square_size(image_size: int | list[int] | tuple[int, int]) -> int:
    """SAM 2's square input side from its config (an int or [h, w] with h == w)."""
    if isinstance(image_size, int):
        return image_size
    if image_size[0] != image_size[1]:
        raise ValueError(f"SAM 2 input must be square, config says {image_size}")
    return int(image_size[0])


def segment_gsam2(frames: np.ndarray, parts: list[str], models: GSAM2Models, settings: dict[str, Any],
                  progress: bool = True) -> np.ndarray:
    """Label maps (T, H, W) of a (T, H, W, 3) uint8 RGB video: ground the part names (background first) on the
    prompt frame, track the boxes with SAM 2; parts without a box are absent everywhere."""
    return _segment(frames, parts, models, settings, progress)[0]


def _segment(frames: np.ndarray, parts: list[str], models: GSAM2Models, settings: dict[str, Any],
             progress: bool) -> tuple[np.ndarray, dict[int, Detection]]:
    prompt_frame = settings["prompt_frame"]
    if not 0 <= prompt_frame < len(frames):
        raise SmiteInputError(None, f"gsam2 prompt_frame {prompt_frame} is outside the video's {len(frames)} frames")
    detections = ground_parts(frames[prompt_frame], parts, models, settings)
    return track_parts(frames, len(parts) - 1, detections, models, prompt_frame, progress), detections


def run_gsam2_video(video: str | Path, out_dir: str | Path, parts: list[str], method: dict[str, Any],
                    progress: bool = True) -> Path:
    """GSAM2 on a video file or frame folder: masks/, overlay.mp4 and parts.json in out_dir (as `smite segment`).

    `method`: a merged method config (its gsam2 section, models, device, seed). CPU runs in fp32; other devices
    in gsam2.precision.
    """
    start = time.perf_counter()
    settings = method["gsam2"]
    frames, fps = read_video(video)
    target = resolve_device(method["device"])
    dtype = torch.float32 if target.type == "cpu" else PRECISIONS[settings.get("precision", "fp32")]
    pretrained = settings["models"] != TINY_RANDOM
    models = load_gsam2(settings, model_spec(method, "grounding_dino") if pretrained else None,
                        model_spec(method, "sam2") if pretrained else None, target, dtype, method["seed"])
    labels, detections = _segment(frames, parts, models, settings, progress)
    info = {
        "method": "gsam2",
        "video": str(video),
        "frames": int(len(frames)),
        **models.identity,
        **{key: settings[key] for key in ("box_threshold", "text_threshold", "prompt_frame")},
        "detections": {parts[k]: {"box": list(d.box), "score": d.score, "phrase": d.phrase}
                       for k, d in detections.items()},
        "seconds": round(time.perf_counter() - start, 3),
    }
    return write_outputs(out_dir, frames, labels, parts, fps, info)


# -- the small random pair -------------------------------------------------------------------------------------
def build_tiny_tokenizer(max_length: int = 64) -> BertTokenizerFast:
    """A BERT WordPiece tokenizer over single characters (no download): any lower-case name splits into letters."""
    pieces = list(string.ascii_lowercase + string.digits)
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *string.punctuation, *pieces, *(f"##{p}" for p in pieces)]
    with tempfile.TemporaryDirectory() as folder:
        Path(folder, "vocab.txt").write_text("\n".join(vocab) + "\n")
        return BertTokenizerFast.from_pretrained(folder, model_max_length=max_length)  # a temp folder: no revision


def build_tiny_gsam2(seed: int = 0, image_size: int = 64) -> GSAM2Models:
    """Grounding DINO and SAM 2 video with tiny configs and random weights, built in-process from `seed`.

    Same classes and code paths as the real models; the masks mean nothing. For offline tests and wiring runs.
    """
    state = torch.random.get_rng_state()
    torch.manual_seed(seed)
    try:
        tokenizer = build_tiny_tokenizer()
        grounding = GroundingDinoForObjectDetection(_tiny_grounding_config(len(tokenizer), image_size))
        sam2 = Sam2VideoModel(_tiny_sam2_config(image_size))
    finally:
        torch.random.set_rng_state(state)
    image_processor = GroundingDinoImageProcessorPil(size={"shortest_edge": image_size,
                                                           "longest_edge": image_size * 3 // 2})
    return GSAM2Models(
        grounding_processor=GroundingDinoProcessor(image_processor=image_processor, tokenizer=tokenizer),
        grounding_model=grounding.eval(),
        sam2_model=sam2.eval(),
        identity={"grounding_model": TINY_RANDOM, "sam2_model": TINY_RANDOM, "seed": str(seed)},
    )


def _tiny_grounding_config(vocab_size: int, image_size: int) -> GroundingDinoConfig:
    swin = SwinConfig(window_size=4, embed_dim=8, depths=[1, 1, 1, 1], num_heads=[1, 1, 1, 1], image_size=image_size,
                      out_indices=[2, 3, 4])
    text = {"model_type": "bert", "vocab_size": vocab_size, "hidden_size": 16, "num_hidden_layers": 1,
            "num_attention_heads": 2, "intermediate_size": 32, "max_position_embeddings": 64}
    # two decoder layers: the box heads of layers > 0 are tied to layer 0's
    return GroundingDinoConfig(backbone_config=swin, text_config=text, d_model=32, encoder_layers=1, decoder_layers=2,
                               encoder_attention_heads=2, decoder_attention_heads=2, encoder_ffn_dim=32,
                               decoder_ffn_dim=32, num_queries=10, num_feature_levels=3, encoder_n_points=2,
                               decoder_n_points=2, max_text_len=64)


def _tiny_sam2_config(image_size: int) -> Sam2VideoConfig:
    """Hiera with 4 stages at strides 4-32; hidden 128 > memory 64 (transformers' pointer split needs mem < hidden,
    and its memory cross-attention expects 64 memory channels)."""
    grid = image_size // 4
    hiera = Sam2HieraDetConfig(
        hidden_size=16, image_size=[image_size, image_size], blocks_per_stage=[1, 1, 2, 1],
        embed_dim_per_stage=[16, 32, 64, 128], num_attention_heads_per_stage=[1, 1, 1, 1],
        window_size_per_stage=[4, 4, 4, 2], global_attention_blocks=[3],  # not a pooling block (transformers needs)
        window_positional_embedding_background_size=[2, 2],
    )
    vision = Sam2VisionConfig(backbone_config=hiera, backbone_channel_list=[128, 64, 32, 16], fpn_hidden_size=128,
                              backbone_feature_sizes=[[grid, grid], [grid // 2, grid // 2], [grid // 4, grid // 4]])
    return Sam2VideoConfig(
        vision_config=vision, image_size=image_size, num_maskmem=3,
        prompt_encoder_config={"hidden_size": 128, "image_size": image_size, "patch_size": 16},
        mask_decoder_config={"hidden_size": 128, "mlp_dim": 64, "num_attention_heads": 2, "iou_head_hidden_dim": 32},
        memory_attention_hidden_size=128, memory_attention_num_layers=1, memory_attention_feed_forward_hidden_size=64,
        memory_attention_rope_feat_sizes=[grid // 4, grid // 4], memory_encoder_hidden_size=128,
        memory_encoder_output_channels=64, mask_downsampler_embed_dim=128, memory_fuser_embed_dim=128,
        memory_fuser_intermediate_dim=64,
    )
