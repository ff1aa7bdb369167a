"""Grounding DINO on the prompt frame: one caption of the part names, one box per part."""

from __future__ import annotations

import logging

import numpy as np
import torch

from smite.gsam2.models import Detection, GSAM2Models
from smite.settings import Gsam2Settings

log = logging.getLogger(__name__)


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
                 settings: Gsam2Settings) -> dict[int, Detection]:
    """Boxes of the non-background parts on one (H, W, 3) RGB frame: part index (1-based) -> Detection."""
    processor, model = models.grounding_processor, models.grounding_model
    caption, char_spans = build_caption(parts)
    inputs = processor(images=frame, text=caption, return_tensors="pt").to(model.device)
    if inputs.input_ids.shape[1] > model.config.max_text_len:
        raise ValueError(f"the part names make {inputs.input_ids.shape[1]} tokens; Grounding DINO takes "
                         f"{model.config.max_text_len}")
    outputs = model(**inputs)
    height, width = frame.shape[:2]
    box_threshold, text_threshold = settings.box_threshold, settings.text_threshold
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


