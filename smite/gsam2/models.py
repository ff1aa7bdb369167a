"""What GSAM2 works with: the pair of models (Grounding DINO's processor and detector, SAM 2's video model) and a
part's detection."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import torch
from transformers import (
    GroundingDinoForObjectDetection,
    GroundingDinoProcessor,
    Sam2VideoModel,
)

log = logging.getLogger(__name__)

BOX_LABELS = (2, 3)  # SAM 2's point labels for a box's top-left and bottom-right corners


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
