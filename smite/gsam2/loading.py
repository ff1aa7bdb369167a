"""Loading the GSAM2 pair: Grounding DINO and SAM 2 at their pinned revisions (smite.hub), or the small random
pair."""

from __future__ import annotations

from typing import Any

import torch
from transformers import (
    AutoProcessor,
    GroundingDinoForObjectDetection,
    Sam2VideoModel,
)

from smite.errors import SmiteInputError
from smite.gsam2.models import GSAM2Models
from smite.gsam2.tiny import build_tiny_gsam2
from smite.hub import ModelSpec, describe, guarded, pretrained_args
from smite.hub import identity as model_identity
from smite.settings import TINY_RANDOM, Gsam2Settings


def load_gsam2(settings: Gsam2Settings, grounding: ModelSpec | None = None, sam2: ModelSpec | None = None,
               device: str | torch.device = "cpu", dtype: torch.dtype = torch.float32, seed: int = 0) -> GSAM2Models:
    """Both models (`models.grounding_dino`, `models.sam2`: pinned hub revisions or local folders, smite.hub); with
    gsam2.models `tiny-random`, the small random pair built in-process."""
    if settings.models == TINY_RANDOM:
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


