"""The run config's precision names and their torch dtypes (one map for the backbone and GSAM2)."""

from __future__ import annotations

import torch

PRECISIONS: dict[str, torch.dtype] = {"fp32": torch.float32, "fp16": torch.float16, "bf16": torch.bfloat16}
