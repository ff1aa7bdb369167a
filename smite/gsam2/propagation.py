"""SAM 2 video propagation: each part's box an object of its own, tracked both ways from the prompt frame; the
per-part mask logits merged into one label map per frame."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from tqdm.auto import tqdm
from transformers import (
    Sam2VideoInferenceSession,
    Sam2VideoModel,
)
from transformers.image_utils import IMAGENET_DEFAULT_MEAN, IMAGENET_DEFAULT_STD

from smite.gsam2.models import BOX_LABELS, Detection, GSAM2Models

log = logging.getLogger(__name__)


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
    labels = torch.tensor([[BOX_LABELS]], dtype=torch.int32)
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
    size = square_size(model.config.image_size)
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


def square_size(image_size: int | list[int] | tuple[int, int]) -> int:
    """SAM 2's square input side from its config (an int or [h, w] with h == w)."""
    if isinstance(image_size, int):
        return image_size
    if image_size[0] != image_size[1]:
        raise ValueError(f"SAM 2 input must be square, config says {image_size}")
    return int(image_size[0])
