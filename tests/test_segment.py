"""Windows, guidance and the method variants on a tiny synthetic clip."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from smite.api import compute_tracks
from smite.config import InferenceConfig, inference_config
from smite.data.references import load_references
from smite.data.smite50 import load_video_clip
from smite.errors import SmiteInputError
from smite.guide import SliceMaps, lowpass_mask, temporal_vote, total_energy
from smite.methods import DIFFUSION_METHODS as VARIANTS
from smite.model.segmenter import PartSegmenter
from smite.model.was import label_map
from smite.segment import Segmenter, Window, plan_windows, segment_frames


def _create_slices2(length: int, slice_size: int, overlap: int) -> list[tuple[int, int]]:
    """The authors' create_slices2 (src/slicing.py) as they wrote it."""
    slices, start = [], 0
    while start < length:
        if start > 0:
            start -= overlap
        end = min(start + slice_size, length)
        if end == length and end - slice_size > 0:
            start = end - slice_size
        slices.append((start, end))
        start = end
    return slices


@pytest.mark.parametrize("frames", [1, 5, 8, 9, 12, 13, 17, 30])
@pytest.mark.parametrize(("size", "overlap"), [(8, 4), (16, 8), (18, 0), (4, 3)])
def test_windows_are_the_authors_slices(frames, size, overlap):
    windows = plan_windows(frames, size, overlap)
    assert [(w.start, w.stop) for w in windows] == _create_slices2(frames, size, overlap)
    assert all(w.stop - w.start == min(size, frames) for w in windows)  # the last is shifted back, not cut
    assert windows[0].handover == 0
    for previous, window in zip(windows, windows[1:], strict=False):
        assert window.handover == previous.stop - window.start  # the authors' saved_interval


def test_windows_closed_form():
    assert plan_windows(30, 16, 8) == [Window(0, 16, 0), Window(8, 24, 8), Window(14, 30, 10)]
    assert plan_windows(30, 18, 0) == [Window(0, 18, 0), Window(12, 30, 6)]


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


def _inference(method: dict, **changes) -> InferenceConfig:
    return inference_config(method, **{"window": 6, "overlap": 2, "window_unguided": 6, "vote_window": 5, **changes})


def test_guided_schedule_is_the_authors(small_setup, method):
    """1000-step DDIM, its last four timesteps + 100 (set_inference_timesteps("fast"))."""
    model, _, _ = small_setup
    segmenter = Segmenter(model, VARIANTS["smite"], _inference(method, guided_updates=3), seed=0)
    scheduler, timesteps = segmenter.guided_schedule()
    assert timesteps == [104, 103, 102, 101]
    assert scheduler.num_inference_steps == 1000  # each DDIM step goes one timestep down


def test_guidance_lowers_total_energy(small_setup, method):
    """Adam-like latent updates on E_total lower it at a fixed timestep (eq. 7-8)."""
    model, frames, tracks = small_setup
    inference = _inference(method, guidance_lr=200.0, guidance_slice=len(frames), updates_per_step=4)
    segmenter = Segmenter(model, VARIANTS["smite"], inference, seed=0)
    latents = segmenter.encode(frames)
    window = Window(0, len(frames), 0)
    reference = segmenter.reference(latents, range(len(frames)))
    resolution = reference.raw.shape[-1]
    S_ref = reference.at(resolution)
    scheduler, timesteps = segmenter.guided_schedule()
    timestep = timesteps[0]
    steps = torch.full((len(frames),), timestep)
    z = scheduler.add_noise(latents, torch.randn(latents.shape, generator=torch.Generator().manual_seed(0)), steps)
    mask = lowpass_mask(len(frames), resolution, resolution, 0.999)

    def maps_S(latent: torch.Tensor) -> torch.Tensor:
        with torch.no_grad():
            return model(latent, steps, num_frames=len(frames)).inference_was().at(resolution)

    tracked, _ = temporal_vote(maps_S(z), tracks.positions, tracks.visible, tracks.offsets, 5)
    target = tracked.argmax(1)

    def energy(latent: torch.Tensor) -> float:
        return float(total_energy(SliceMaps(maps_S(latent), S_ref, target, mask), {"track": 1.0, "reg": 8.0})[0])

    before = energy(z)
    z = segmenter._optimise(z, timestep, float(scheduler.alphas[timestep]), target, S_ref, 0.999, window)
    assert energy(z) < before


def test_guidance_variants_compute_different_maps(small_setup, method):
    """The Table 2 switches change what is computed: no guidance / tracking only / tracking + low-pass."""
    model, frames, tracks = small_setup
    inference = _inference(method, guided_updates=1, updates_per_step=2, guidance_lr=50.0)
    raw = {name: Segmenter(model, VARIANTS[name], inference, 0).outputs(frames, tracks).raw
           for name in ("smite_ca", "smite_track", "smite")}
    assert not torch.allclose(raw["smite_ca"], raw["smite_track"])
    assert not torch.allclose(raw["smite_track"], raw["smite"])


def test_handover_frames_take_the_previous_windows_final_maps(small_setup, method, monkeypatch):
    """The later window outputs the overlap; its reference there is the earlier window's final S."""
    model, frames, tracks = small_setup
    inference = _inference(method, window=4, overlap=2)
    segmenter = Segmenter(model, VARIANTS["smite"], inference, 0)
    calls = []
    original = Segmenter.guided_window

    def spy(self, latents, reference, window, tracks_):
        result = original(self, latents, reference, window, tracks_)
        calls.append((window, reference.clone(), result))
        return result

    monkeypatch.setattr(Segmenter, "guided_window", spy)
    outputs = segmenter.outputs(frames, tracks)
    (first, _, first_result), (second, second_reference, second_result) = calls[:2]
    assert (second.start, second.handover) == (2, 2)
    resolution = second_reference.shape[-1]
    torch.testing.assert_close(second_reference[:2], first_result.at(resolution)[2:4])
    torch.testing.assert_close(outputs.raw[2:4], second_result.raw[:2])  # output by the later window


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
    outputs = Segmenter(model, VARIANTS["baseline1"], inference, 0).outputs(frames, None)
    resolution = outputs.raw.shape[-1]
    voted, _ = temporal_vote(outputs.at(resolution), tracks.positions, tracks.visible, tracks.offsets, 5)
    expected = label_map(voted, frames.shape[1:3]).numpy()
    np.testing.assert_array_equal(segment_frames(model, frames, "baseline2", inference, 0, tracks), expected)


def test_tracks_of_another_voting_window_are_refused(small_setup, method):
    model, frames, tracks = small_setup
    with pytest.raises(SmiteInputError, match="voting window of 5"):
        segment_frames(model, frames, "smite", _inference(method, vote_window=7), seed=0, tracks=tracks)


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
    inference = _inference(method, crop_margin=0.04, crop_max_area=0.25)
    labels = segment.refine_small_objects(model, frames, "baseline1", inference, 0, lambda clip: None)
    assert labels.shape == frames.shape[:3]
    assert seen[1][0] == "baseline1" and seen[1][1][1:3] == (20 + 2 * 5, 28 + 2 * 5)  # box + 4 % of 128 px
    assert (labels[:, 40:, :] == 0).all() and (labels[:, :, 50:] == 0).all()
