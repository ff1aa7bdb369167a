"""The paper configuration's dtype path, on a CPU: fp16 text encoder and VAE, float32 UNet, fp16 autocast.

On a GPU the paper config (precision fp16) trains this way (as the authors do: float32 UNet under
accelerate's fp16 autocast, text encoder and VAE in fp16). A CPU run of load_backbone is always fp32,
so these tests set the precision explicitly (set_precision) to follow the same path on a CPU.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from smite.config import override, train_settings
from smite.data.references import ReferenceSet
from smite.learn.train import Optimiser, model_state, step_loss, train
from smite.model.backbone import Backbone, load_backbone, set_precision
from smite.model.draws import SeededDraws
from smite.model.segmenter import PartSegmenter


@pytest.fixture()
def fp16_backbone(method: dict) -> Backbone:
    """The embedded backbone at 48 px (12x12 latents) in fp16: fp16 kernels on a CPU are slow (~6 s per
    training step at the default 96 px, ~1.5 s at 48 px)."""
    small = override(method, {"backbone": {"embedded": {"image_size": 48, "unet": {"sample_size": 12}}}})
    backbone = load_backbone("embedded", small.backbone, method.seed, "cpu", "fp16")
    assert backbone.precision == "fp32"  # a CPU load is fp32 whatever was asked ...
    return set_precision(backbone, "fp16")  # ... unless the precision is set explicitly


def _references() -> ReferenceSet:
    """One 48x48 image with three labels: two coloured blocks on a grey background."""
    rng = np.random.default_rng(0)
    label = np.zeros((48, 48), np.int64)
    label[12:36, 6:24] = 1
    label[12:36, 24:42] = 2
    colours = np.array([[120, 120, 120], [200, 40, 40], [40, 40, 200]])
    image = np.clip(colours[label] + rng.integers(-10, 10, (48, 48, 3)), 0, 255).astype(np.uint8)
    return ReferenceSet([image], [label], ["background", "left", "right"], ["a"])


def test_fp16_dtypes_and_autocast(fp16_backbone: Backbone) -> None:
    backbone = fp16_backbone
    assert backbone.unet.dtype == torch.float32 and backbone.dtype == torch.float32
    assert backbone.vae.dtype == torch.float16 and backbone.text_encoder.dtype == torch.float16
    assert backbone.encode_prompt("a b").dtype == torch.float32
    images = torch.rand(1, 3, backbone.image_size, backbone.image_size)
    assert backbone.encode_images(images).dtype == torch.float32
    with backbone.autocast():
        assert torch.nn.Linear(4, 4)(torch.ones(1, 4)).dtype == torch.float16
    fp32 = set_precision(backbone, "fp32")
    with fp32.autocast():
        assert torch.nn.Linear(4, 4)(torch.ones(1, 4)).dtype == torch.float32
    with pytest.raises(ValueError, match="precision"):
        set_precision(backbone, "fp8")


def test_fp16_phase2_training_keeps_float32_weights(fp16_backbone: Backbone, method: dict) -> None:
    """Phase 2 (two-phase, phase1_epochs 0) then joint, Fourier term on: to_k/to_v and embeddings stay
    float32 and finite, and move."""
    torch.set_num_threads(2)
    references = _references()
    model = PartSegmenter(fp16_backbone, references.parts)
    seen: set[torch.dtype] = set()
    to_q = next(m for name, m in fp16_backbone.unet.named_modules() if name.endswith("attn2.to_q"))
    hook = to_q.register_forward_hook(lambda module, args, out: seen.add(out.dtype))
    backbone_kv = {n: p.clone() for n, p in fp16_backbone.unet.named_parameters() if n in model.cross_names}
    start = model_state(model)
    cross = [k for k in start if k.startswith("unet.")]
    try:
        config = train_settings(method, mode="two-phase", epochs=1, phase1_epochs=0, cross_attention_lr=1e-3,
                              fourier_from_epoch=0, phase2_idle_every=0)
        result = train(model, references, config, method.seed, progress=False)
        assert all(np.isfinite(row[key]) for row in result.curve for key in ("loss", "fourier", "val_mIoU"))
        phase2 = model_state(model)
        assert torch.equal(phase2["part_embeddings"], start["part_embeddings"])
        assert any(not torch.equal(phase2[k], start[k]) for k in cross)

        joint = train_settings(method, mode="joint", epochs=1, cross_attention_lr=1e-3, fourier_from_epoch=0)
        train(model, references, joint, method.seed, progress=False)
    finally:
        hook.remove()
    assert seen == {torch.float16}  # the UNet's projections ran under fp16 autocast
    after = model_state(model)
    assert not torch.equal(after["part_embeddings"], phase2["part_embeddings"])
    assert any(not torch.equal(after[k], phase2[k]) for k in cross)
    for param in [model.part_embeddings, *model.cross_attention_parameters()]:
        assert param.dtype == torch.float32
        assert torch.isfinite(param).all()
    for name, param in fp16_backbone.unet.named_parameters():  # the tuned copies are the model's own
        if name in backbone_kv:
            assert torch.equal(param, backbone_kv[name]), name


def test_fp16_loss_scale_switch(fp16_backbone: Backbone, method: dict) -> None:
    """train.fp16_loss_scale: the authors' fp16 gradients keep accelerate's 65536 (never unscaled); null = a
    dynamic GradScaler that unscales them. Off fp16 neither applies."""
    model = PartSegmenter(fp16_backbone, ["background", "a"])
    fixed = Optimiser(model, train_settings(method))
    assert not fixed.scaler.is_enabled() and fixed.fixed_scale == 0.01 * 65536
    unscaled = override(method, {"train": {"fp16_loss_scale": None}})  # null in a run config
    dynamic = Optimiser(model, train_settings(unscaled))
    assert dynamic.scaler.is_enabled() and dynamic.fixed_scale == 0.01
    steps = {}
    references = _references()
    for name, config_method in {"fixed": method, "dynamic": unscaled}.items():
        model = PartSegmenter(fp16_backbone, references.parts)
        config = train_settings(config_method, mode="embeddings")
        optimiser = Optimiser(model, config)
        optimiser.start_epoch(0)
        out = step_loss(model, references.images[0], references.labels[0], config, SeededDraws(0), 0, epoch=0)
        optimiser.backward(out.losses["loss"])
        steps[name] = model.part_embeddings.grad.clone()
    # the gradients Adam sees differ by the loss scale the authors never undo (fp16 rounding aside)
    ratio = (steps["fixed"].norm() / steps["dynamic"].norm()).item()
    assert ratio == pytest.approx(65536, rel=1e-2)
