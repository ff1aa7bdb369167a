"""Losses, augmentation, checkpoints and training on the synthetic references."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from smite.config import train_config
from smite.data.references import load_references
from smite.errors import SmiteInputError
from smite.learn.augment import AugmentConfig, Augmenter, part_preserving_crop
from smite.learn.checkpoint import check_backbone, load_checkpoint, save_checkpoint
from smite.learn.losses import class_weights, cross_entropy_loss, was_mse_loss
from smite.learn.train import model_state, train, trainable_groups
from smite.metrics import score_video
from smite.model.segmenter import PartSegmenter


def test_class_weights_closed_form():
    labels = torch.tensor([[0, 0, 0, 1], [1, 1, 2, 0]])  # 3 foreground of part 1, 1 of part 2, none of 3
    weights = class_weights(labels, 4)
    torch.testing.assert_close(weights, torch.tensor([1.0, 4 / 3, 4 / 1, 0.0]))


def test_cross_entropy_is_weighted_mean_of_pixel_losses():
    generator = torch.Generator().manual_seed(0)
    logits = torch.randn(1, 3, 2, 2, generator=generator)
    labels = torch.tensor([[[0, 1], [1, 2]]])
    weights = class_weights(labels, 3)
    log_probs = torch.log_softmax(logits, 1)
    pixel = [(-log_probs[0, labels[0, i, j], i, j], weights[labels[0, i, j]]) for i in range(2) for j in range(2)]
    expected = sum(w * loss for loss, w in pixel) / sum(w for _, w in pixel)
    torch.testing.assert_close(cross_entropy_loss(logits, labels), expected)


def test_was_mse_times_parts():
    was = torch.zeros(1, 2, 1, 2)
    labels = torch.tensor([[[0, 1]]])
    # one-hot has two ones among 4 entries: mean squared error 0.5, times K = 2
    assert float(was_mse_loss(was, labels)) == pytest.approx(1.0)


def test_part_preserving_crop_keeps_every_part():
    rng = np.random.default_rng(0)
    labels = np.zeros((64, 64), np.int64)
    labels[5:15, 5:15] = 1
    labels[40:60, 30:62] = 2
    image = rng.integers(0, 255, (64, 64, 3), dtype=np.uint8)
    config = AugmentConfig(crop_min_ratio=0.6, crop_min_part_fraction=0.3)
    for _ in range(50):
        crop_image, crop_labels = part_preserving_crop(image, labels, config, rng)
        assert crop_image.shape[:2] == crop_labels.shape
        assert crop_labels.shape[0] >= 0.6 * 64 - 1 and crop_labels.shape[1] >= 0.6 * 64 - 1
        for part in (1, 2):
            assert (crop_labels == part).sum() >= 0.3 * (labels == part).sum()


def test_augmenter_is_deterministic_and_keeps_labels_aligned():
    rng = np.random.default_rng(1)
    image = rng.integers(0, 255, (48, 48, 3), dtype=np.uint8)
    labels = (np.arange(48)[None, :] // 12).repeat(48, 0).astype(np.int64)
    first = [Augmenter(AugmentConfig(), seed=3)(image, labels) for _ in range(2)]
    np.testing.assert_array_equal(first[0][0], first[1][0])
    np.testing.assert_array_equal(first[0][1], first[1][1])
    aug_image, aug_labels = first[0]
    assert aug_image.shape[:2] == aug_labels.shape
    assert set(np.unique(aug_labels)) <= {0, 1, 2, 3}


def test_trainable_groups_by_mode(backbone):
    model = PartSegmenter(backbone, ["background", "a", "b"])
    base = train_config({"seed": 0, "inference": {"timestep": 100}, "train": {"augment": {}}}, mode="two-phase",
                        epochs=4, phase1_epochs=2)
    assert [g["name"] for g in trainable_groups(model, base, 0)] == ["embeddings"]
    assert [g["name"] for g in trainable_groups(model, base, 2)] == ["cross"]
    joint = train_config({"seed": 0, "inference": {"timestep": 100}, "train": {"augment": {}}}, mode="joint")
    assert [g["name"] for g in trainable_groups(model, joint, 0)] == ["embeddings", "cross"]
    cross = trainable_groups(model, joint, 0)[1]["params"]
    assert len(cross) == 2 * sum(1 for n, _ in backbone.unet.named_modules() if n.endswith("attn2"))


def test_training_lowers_loss_and_fits_references(backbone, method, synth_root, capsys):
    """Embeddings-only training (Baseline-I) on 4 synthetic robot references, 20 epochs.

    It must lower the loss and reach at least 30 mIoU on the training images, more than twice what
    predicting background everywhere scores (about 12 here).
    """
    torch.set_num_threads(2)
    references = load_references(synth_root / "robot")
    model = PartSegmenter(backbone, references.parts)
    config = train_config(method, mode="embeddings", epochs=20, val_every=2)
    result = train(model, references, config, progress=False)
    losses = [row["loss"] for row in result.curve]
    background_only = score_video({i: np.zeros_like(y) for i, y in enumerate(references.labels)},
                                  dict(enumerate(references.labels)), len(references.parts))["mIoU"]
    with capsys.disabled():
        print(f"\ntraining: loss {losses[0]:.3f} -> {losses[-1]:.3f}; best mIoU {result.best_val_miou:.1f} "
              f"at epoch {result.best_epoch} (background only: {background_only:.1f})")
    assert np.mean(losses[-3:]) < 0.9 * np.mean(losses[:2])
    assert result.best_val_miou >= 30.0
    assert result.best_val_miou > 2 * background_only
    assert "val_mIoU" in result.curve[1] and "val_mIoU" not in result.curve[0]


def test_checkpoint_round_trip_and_errors(tmp_path, backbone):
    model = PartSegmenter(backbone, ["background", "a", "b"])
    state = model_state(model)
    path = tmp_path / "model.safetensors"
    save_checkpoint(path, state, {"parts": model.parts, "backbone": backbone.identity, "curve": [{"loss": 1.0}]})
    loaded, metadata = load_checkpoint(path)
    assert metadata["parts"] == ["background", "a", "b"] and metadata["curve"] == [{"loss": 1.0}]
    for key, value in state.items():
        torch.testing.assert_close(loaded[key], value)
    assert not list(tmp_path.glob(".*tmp"))
    check_backbone(path, metadata, backbone.identity)
    with pytest.raises(SmiteInputError, match="trained on backbone"):
        check_backbone(path, metadata, {"backbone": "stabilityai/stable-diffusion-2-1-base"})
    corrupt = tmp_path / "corrupt.safetensors"
    corrupt.write_bytes(b"not a checkpoint at all")
    with pytest.raises(SmiteInputError, match="corrupt.safetensors"):
        load_checkpoint(corrupt)
    with pytest.raises(SmiteInputError, match="missing.safetensors"):
        load_checkpoint(tmp_path / "missing.safetensors")


def test_sd21_offline_fails_with_one_clear_line(method, monkeypatch, tmp_path):
    from smite.model.backbone import load_backbone

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    with pytest.raises(SmiteInputError, match="--backbone embedded") as error:
        load_backbone("sd21", method["backbone"], 0, "cpu", "fp32")
    assert "\n" not in str(error.value)
    assert "stable-diffusion-2-1-base" in str(error.value)




def test_two_phase_trains_embeddings_then_cross_attention(backbone, method, synth_root):
    """Phase 1 moves only the part embeddings; phase 2 only to_k/to_v (embeddings frozen by default)."""
    references = load_references(synth_root / "fish", shots=1)
    model = PartSegmenter(backbone, references.parts)
    start = model_state(model)
    config = train_config(method, mode="two-phase", epochs=1, phase1_epochs=1, val_every=1)
    train(model, references, config, progress=False)
    after_phase1 = model_state(model)
    assert not torch.equal(after_phase1["part_embeddings"], start["part_embeddings"])
    cross = [k for k in start if k.startswith("unet.")]
    assert cross and all(torch.equal(after_phase1[k], start[k]) for k in cross)

    model2 = PartSegmenter(backbone, references.parts)
    config2 = train_config(method, mode="two-phase", epochs=1, phase1_epochs=0, val_every=1,
                           cross_attention_lr=1e-3)
    result = train(model2, references, config2, progress=False)
    assert torch.equal(result.best_state["part_embeddings"], start["part_embeddings"])
    assert any(not torch.equal(result.best_state[k], start[k]) for k in cross)


def test_joint_trains_both(backbone, method, synth_root):
    references = load_references(synth_root / "fish", shots=1)
    model = PartSegmenter(backbone, references.parts)
    start = model_state(model)
    config = train_config(method, mode="joint", epochs=1, val_every=1, cross_attention_lr=1e-3)
    result = train(model, references, config, progress=False)
    assert not torch.equal(result.best_state["part_embeddings"], start["part_embeddings"])
    assert any(not torch.equal(result.best_state[k], start[k]) for k in start if k.startswith("unet."))
