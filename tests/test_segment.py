"""Windows, guidance and the method variants on a tiny synthetic clip."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from smite.api import compute_tracks
from smite.data.references import load_references
from smite.data.smite50 import load_video_clip
from smite.guide import lowpass_mask, temporal_vote, total_energy
from smite.model.segmenter import PartSegmenter
from smite.segment import VARIANTS, Segmenter, Window, plan_windows, segment_frames


@pytest.mark.parametrize("frames", [1, 5, 8, 9, 12, 13, 30])
@pytest.mark.parametrize(("size", "overlap"), [(8, 4), (16, 8), (18, 0), (4, 3)])
def test_windows_output_every_frame_once(frames, size, overlap):
    windows = plan_windows(frames, size, overlap)
    outputs = [f for w in windows for f in range(w.first_new, w.stop)]
    assert outputs == list(range(frames))
    for previous, window in zip(windows, windows[1:], strict=False):
        assert window.stop - window.start <= size
        assert window.first_new - window.start == overlap  # the hand-over frames came from the previous window
        assert previous.stop >= window.first_new
    assert windows[0] == Window(0, min(size, frames), 0)


def test_windows_reject_bad_overlap():
    with pytest.raises(ValueError):
        plan_windows(10, 8, 8)


@pytest.fixture(scope="module")
def small_setup(synth_root, method):
    """A robot clip of 6 frames, an untrained-but-named model and the clip's trajectories."""
    from smite.model.backbone import load_backbone

    torch.manual_seed(0)
    backbone = load_backbone("embedded", method["backbone"], 0, "cpu", "fp32")
    references = load_references(synth_root / "robot")
    model = PartSegmenter(backbone, references.parts)
    clip = load_video_clip(synth_root, "robot", "robot_00", references.parts)
    frames = clip.frames[:6]
    tracks = compute_tracks(frames, {**method, "inference": {**method["inference"], "vote_window": 5}},
                            progress=False, grid=backbone.latent_size)
    return model, frames, tracks


def _inference(method: dict, **changes) -> dict:
    return {**method["inference"], "window": 6, "overlap": 2, "window_unguided": 6, **changes}


def test_guidance_lowers_total_energy(small_setup, method):
    """Adam-like latent updates on E_total lower it at a fixed timestep (eq. 7-8)."""
    model, frames, tracks = small_setup
    inference = _inference(method, guidance_lr=0.5)
    segmenter = Segmenter(model, VARIANTS["smite"], inference, seed=0)
    latents = segmenter.encode(frames)
    window = Window(0, len(frames), 0)
    reference = segmenter.single_pass(latents, range(len(frames)))
    scheduler, timesteps = segmenter.guided_timesteps()
    assert timesteps == [161, 141, 121, 101]
    timestep = timesteps[0]
    steps = torch.full((len(frames),), timestep)
    z = segmenter.noised(latents, range(len(frames)), timestep)
    resolution = reference.shape[-1]
    mask = lowpass_mask(len(frames), resolution, resolution, 0.4, 0.999)

    def energy(latent: torch.Tensor) -> float:
        with torch.no_grad():
            maps = model(latent, steps, num_frames=len(frames))
            _, labels = temporal_vote(maps.was, tracks.positions, tracks.visible, tracks.offsets)
            return float(total_energy(maps.was, reference, labels, mask, 1.0, 8.0)[0])

    from smite.guide import LatentAdam, guidance_lr

    before = energy(z)
    optimizer = LatentAdam()
    lr = guidance_lr(float(scheduler.alphas_cumprod[timestep]), 0.5)
    for _ in range(4):
        z = segmenter._update(z, steps, reference, tracks.positions, tracks.visible, tracks, window, mask, lr, 8.0,
                              optimizer)
    after = energy(z)
    assert after < before


@pytest.mark.parametrize("method_name", sorted(VARIANTS))
def test_every_variant_labels_every_frame(small_setup, method, method_name):
    model, frames, tracks = small_setup
    inference = _inference(method, guided_updates=1, updates_per_step=1)
    labels = segment_frames(model, frames, method_name, inference, seed=0, tracks=tracks)
    assert labels.shape == frames.shape[:3]
    assert labels.min() >= 0 and labels.max() < model.num_parts


def test_posthoc_voting_equals_vote_of_baseline1_scores(small_setup, method):
    """Baseline-II = Algorithm 1 applied to Baseline-I's maps afterwards."""
    model, frames, tracks = small_setup
    inference = _inference(method)
    scores1 = Segmenter(model, VARIANTS["baseline1"], inference, 0).scores(frames, None)
    scores2 = Segmenter(model, VARIANTS["baseline2"], inference, 0).scores(frames, tracks)
    expected, _ = temporal_vote(scores1, tracks.positions, tracks.visible, tracks.offsets)
    torch.testing.assert_close(scores2, expected)


def test_methods_needing_tracks_refuse_to_run_without(small_setup, method):
    model, frames, _ = small_setup
    with pytest.raises(ValueError, match="trajector"):
        segment_frames(model, frames, "smite", _inference(method), seed=0, tracks=None)


def test_segmentation_is_deterministic(small_setup, method):
    model, frames, tracks = small_setup
    inference = _inference(method, guided_updates=1, updates_per_step=1)
    first = segment_frames(model, frames, "smite", inference, seed=0, tracks=tracks)
    second = segment_frames(model, frames, "smite", inference, seed=0, tracks=tracks)
    np.testing.assert_array_equal(first, second)


def test_foreground_box_and_paste_closed_form():
    from smite.segment import foreground_box, paste

    labels = np.zeros((2, 100, 50), np.int64)
    labels[0, 10:20, 5:15] = 1
    labels[1, 30:40, 20:25] = 2
    # union rows 10..39, cols 5..24; margin 4 % = 4 rows, 2 columns
    assert foreground_box(labels, 0.04) == (6, 44, 3, 27)
    assert foreground_box(np.zeros((1, 8, 8), np.int64), 0.04) is None
    crop = np.ones((2, 38, 24), np.int64)
    full = paste(crop, (6, 44, 3, 27), (100, 50))
    assert full.shape == (2, 100, 50) and full.sum() == 2 * 38 * 24 and full[:, 6:44, 3:27].all()


def test_crop_refinement_runs_on_the_crop_for_small_objects(small_setup, method, monkeypatch):
    import smite.segment as segment

    model, frames, _ = small_setup
    seen = []
    original = segment.segment_frames

    def spy(model_, clip, name, *args, **kwargs):
        seen.append((name, clip.shape))
        if name == "baseline3":  # pretend the first pass found a small object in the top-left corner
            labels = np.zeros(clip.shape[:3], np.int64)
            labels[:, 10:30, 12:40] = 1
            return labels
        return original(model_, clip, name, *args, **kwargs)

    monkeypatch.setattr(segment, "segment_frames", spy)
    inference = {**_inference(method), "crop_margin": 0.04, "crop_max_area": 0.25}
    labels = segment.refine_small_objects(model, frames, "baseline1", inference, 0, lambda clip: None)
    assert labels.shape == frames.shape[:3]
    assert seen[1][0] == "baseline1" and seen[1][1][1:3] == (20 + 2 * 5, 28 + 2 * 5)  # box + 4 % of 128 px
    assert (labels[:, 40:, :] == 0).all() and (labels[:, :, 50:] == 0).all()
