"""Shared helpers of the benchmark scripts: timing, peak memory, method config with overrides."""

from __future__ import annotations

import json
import resource
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from smite.config import method_settings  # noqa: E402
from smite.settings import MethodSettings  # noqa: E402


def settings_for(backbone: str, device: str, precision: str, inference: dict | None = None) -> MethodSettings:
    """The declared defaults (the paper's settings) on the chosen backbone, device and precision."""
    return method_settings({"backbone": {"name": backbone}, "device": device, "precision": precision,
                          "inference": inference or {}})


def peak_memory_gb(device: torch.device) -> float:
    """Peak GPU memory allocated by torch on CUDA, else the process's peak resident set size."""
    if device.type == "cuda":
        return torch.cuda.max_memory_allocated(device) / 2**30
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20


@contextmanager
def timed(results: dict, key: str, device: torch.device):
    """Wall-clock seconds of the block (synchronising CUDA) into results[key]."""
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    start = time.perf_counter()
    yield
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    results[key] = round(time.perf_counter() - start, 3)


def report(results: dict) -> None:
    """Print the figures as one JSON line (what RESULTS.md quotes)."""
    print(json.dumps(results))
