"""The torch dtypes of the precision names the settings declare (one map for the backbone and GSAM2)."""

from __future__ import annotations

import torch

from smite.settings import PRECISION_NAMES

PRECISIONS: dict[str, torch.dtype] = dict(zip(PRECISION_NAMES, (torch.float32, torch.float16, torch.bfloat16),
                                              strict=True))
