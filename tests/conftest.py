"""Shared fixtures: the embedded backbone (built once per session) and a tiny synthetic benchmark."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from smite.config import method_settings
from smite.data.smite50.synth import SynthSettings, generate_benchmark
from smite.model.backbone import Backbone, load_backbone

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def method() -> dict:
    """Packaged defaults on the embedded backbone, CPU."""
    return method_settings({"backbone": {"name": "embedded"}, "precision": "fp32", "device": "cpu"})


@pytest.fixture()
def backbone(method: dict) -> Backbone:
    """A fresh embedded backbone (fresh because models install processors and may be trained)."""
    torch.manual_seed(0)
    return load_backbone("embedded", method.backbone, method.seed, "cpu", "fp32")


@pytest.fixture(scope="session")
def synth_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small synthetic benchmark: 3 categories, 4 references, 1 short video each."""
    root = tmp_path_factory.mktemp("synth")
    generate_benchmark(root, SynthSettings(references_per_category=4, videos_per_category=1, min_frames=12,
                                         max_frames=12, annotate_every=4))
    return root


@pytest.fixture(scope="session")
def pinned_hf_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An HF_HOME whose hub cache holds every packaged model (smite/pretrained.yaml) at its pinned revision,
    as placeholder files in huggingface_hub's layout: what a run's start-of-run check and dry runs see after
    `smite fetch-weights` (nothing here loads them)."""
    from smite.settings import MethodSettings

    home = tmp_path_factory.mktemp("pinned_hf_home")
    for spec in MethodSettings().models.values():
        root = home / "hub" / f"models--{spec.repo.replace('/', '--')}"
        snapshot = root / "snapshots" / spec.revision
        snapshot.mkdir(parents=True)
        (snapshot / (spec.file or "config.json")).write_text("placeholder\n")
        (root / "refs").mkdir()
        (root / "refs" / "main").write_text(spec.revision)
    return home
