"""Windows, guidance and the method variants on a tiny synthetic clip."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import torch

from smite.api import compute_tracks
from smite.config import inference_settings, override
from smite.data.references import load_references
from smite.data.smite50 import load_video_clip
from smite.errors import SmiteInputError
from smite.guide import SliceMaps, lowpass_mask, temporal_vote, total_energy
from smite.methods import DIFFUSION_METHODS as VARIANTS
from smite.model.draws import SeededDraws
from smite.model.segmenter import PartSegmenter
from smite.model.was import InferenceWas, TiledWas, label_map
from smite.segment import Segmenter, segment_frames
from smite.segment.passes import GuidedPass
from smite.settings import InferenceSettings
from smite.windows import Window, plan_windows


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
    backbone = load_backbone("embedded", method.backbone, 0, "cpu", "fp32")
    references = load_references(synth_root / "robot")
    model = PartSegmenter(backbone, references.parts)
    clip = load_video_clip(synth_root, "robot", "robot_00", references.parts)
    frames = clip.frames[:6]
    tracks = compute_tracks(frames, override(method, {"inference": {"vote_window": 5, "window": 6, "overlap": 2}}),
                            progress=False, grid=backbone.latent_size)
    return model, frames, tracks


def _tracks_for_windows(model: PartSegmenter, frames: np.ndarray, method: dict, window: int, overlap: int):
    """The clip's trajectories for guided windows of `window` frames overlapping by `overlap` (vote window 5)."""
    windows = {"vote_window": 5, "window": window, "overlap": overlap}
    return compute_tracks(frames, override(method, {"inference": windows}), progress=False,
                          grid=model.backbone.latent_size)


def _inference(method: dict, **changes) -> InferenceSettings:
    return inference_settings(method, **{"window": 6, "overlap": 2, "window_unguided": 6, "vote_window": 5, **changes})


def test_guided_schedule_is_the_authors(small_setup, method):
    """1000-step DDIM, its last four timesteps + 100 (set_inference_timesteps("fast"))."""
    model, _, _ = small_setup
    segmenter = Segmenter(model, VARIANTS["smite"], _inference(method, guided_updates=3), seed=0)
    scheduler, timesteps = segmenter.passes["guided"].schedule()
    assert timesteps == [104, 103, 102, 101]
    assert scheduler.num_inference_steps == 1000  # each DDIM step goes one timestep down


def test_guidance_lowers_total_energy(small_setup, method):
    """Adam-like latent updates on E_total lower it at a fixed timestep (eq. 7-8)."""
    model, frames, tracks = small_setup
    inference = _inference(method, guidance_lr=200.0, guidance_slice=len(frames), updates_per_step=4)
    segmenter = Segmenter(model, VARIANTS["smite"], inference, seed=0)
    posterior = segmenter.encode(frames)
    latents = posterior.latents()
    window = Window(0, len(frames), 0)
    guided = segmenter.passes["guided"]
    reference = segmenter.passes["reference"].maps(posterior, range(len(frames)), segmenter.draws)
    resolution = reference.resolution
    S_ref = reference.at(resolution)
    scheduler, timesteps = guided.schedule()
    timestep = timesteps[0]
    steps = torch.full((len(frames),), timestep)
    z = scheduler.add_noise(latents, torch.randn(latents.shape, generator=torch.Generator().manual_seed(0)), steps)
    mask = lowpass_mask(len(frames), resolution, resolution, 0.999)

    def maps_S(latent: torch.Tensor) -> torch.Tensor:
        with torch.no_grad():
            return model(latent, steps, num_frames=len(frames)).inference_was().at(resolution)

    tracked, _ = temporal_vote(maps_S(z), *tracks.window_layout(0, len(frames)), 5)
    target = tracked.argmax(1)

    def energy(latent: torch.Tensor) -> float:
        return float(total_energy(SliceMaps(maps_S(latent), S_ref, target, mask), {"track": 1.0, "reg": 8.0})[0])

    before = energy(z)
    z = guided.optimise(z, timestep, float(scheduler.alphas[timestep]), target, S_ref, 0.999, window)
    assert energy(z) < before


def test_guidance_variants_compute_different_maps(small_setup, method):
    """The Table 2 switches change what is computed: no guidance / tracking only / tracking + low-pass."""
    model, frames, tracks = small_setup
    inference = _inference(method, guided_updates=1, updates_per_step=2, guidance_lr=50.0)
    raw = {name: Segmenter(model, VARIANTS[name], inference, 0).outputs(frames, tracks).raw
           for name in ("smite_ca", "smite_track", "smite")}
    assert not torch.allclose(raw["smite_ca"], raw["smite_track"])
    assert not torch.allclose(raw["smite_track"], raw["smite"])


def test_a_method_guided_without_the_vote_reads_no_trajectories(small_setup, method):
    """smite.energies: only an energy that reads the voted labels makes a guided method read trajectories. A method
    guided by the low-pass regulariser alone runs with none, and computes what SMITE computes with lambda_track 0
    (a term of weight 0 adds exactly 0 to E_total; the vote costs no draws) to the bit."""
    model, frames, tracks = small_setup
    reg_only = dataclasses.replace(VARIANTS["smite"], name="smite_reg", energies=("reg",))
    assert reg_only.track_use is None and not reg_only.needs_tracks and VARIANTS["smite"].track_use == "windows"
    inference = _inference(method, guided_updates=1, updates_per_step=2, guidance_lr=50.0, lambda_track=0.0)
    alone = Segmenter(model, reg_only, inference, 0).labels(frames, None)
    with_tracks = Segmenter(model, VARIANTS["smite"], inference, 0)
    np.testing.assert_array_equal(alone, with_tracks.labels(frames, tracks))
    unguided = Segmenter(model, VARIANTS["smite"], _inference(method, lambda_track=0.0, lambda_reg=0.0), 0)
    assert (alone != unguided.labels(frames, None)).any()  # the regulariser's updates did act
    with pytest.raises(ValueError, match="needs trajectories"):
        with_tracks.labels(frames, None)


def test_every_pass_is_a_class_with_its_scopes_method():
    """smite.passes names each pass's class; a window pass has window(), a video pass video()."""
    from smite.passes import PASSES, WINDOW, pass_runner

    for name, kind in PASSES.items():
        assert callable(getattr(pass_runner(name), "window" if kind.scope == WINDOW else "video")), name


def test_handover_frames_take_the_previous_windows_final_maps(small_setup, method, monkeypatch):
    """The later window outputs the overlap; its reference there is the earlier window's final S."""
    model, frames, _ = small_setup
    inference = _inference(method, window=4, overlap=2)
    tracks = _tracks_for_windows(model, frames, method, 4, 2)
    segmenter = Segmenter(model, VARIANTS["smite"], inference, 0)
    calls = []
    original = GuidedPass.run_window

    def spy(self, latents, reference, window, tracks_, draws):
        result = original(self, latents, reference, window, tracks_, draws)
        calls.append((window, reference.clone(), result))
        return result

    monkeypatch.setattr(GuidedPass, "run_window", spy)
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
    voted, _ = temporal_vote(outputs.at(resolution), *tracks.video_layout(), 5)
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
    import smite.segment.small_objects as segment

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


class _RecordingDraws(SeededDraws):
    """SeededDraws that also lists what was asked for: (role, keys)."""

    def __init__(self, seed: int) -> None:
        super().__init__(seed)
        self.asked: list[tuple[str, tuple[int, ...]]] = []

    def normal(self, role, shape, keys):
        self.asked.append((role, tuple(keys)))
        return super().normal(role, shape, keys)

    def integer(self, role, low, high, key):
        self.asked.append((role, (key,)))
        return super().integer(role, low, high, key)


def test_draws_are_taken_by_role_per_window(small_setup, method):
    """The authors' draws per window: a posterior sample, t and noise for the reference pass; for guidance a
    second posterior sample and the noise at the first guided timestep (keys: the window's frames)."""
    model, frames, _ = small_setup
    tracks = _tracks_for_windows(model, frames, method, 4, 2)
    inference = _inference(method, window=4, overlap=2, window_unguided=4, guided_updates=1, updates_per_step=1)
    unguided = _RecordingDraws(0)
    Segmenter(model, VARIANTS["baseline3"], inference, 0, unguided).outputs(frames, None)
    assert unguided.asked == [("posterior.reference", (0, 1, 2, 3)), ("reference_t", (0,)),
                              ("reference_noise", (0, 1, 2, 3)), ("posterior.reference", (2, 3, 4, 5)),
                              ("reference_t", (2,)), ("reference_noise", (2, 3, 4, 5))]
    guided = _RecordingDraws(0)
    Segmenter(model, VARIANTS["smite"], inference, 0, guided).outputs(frames, tracks)
    assert [role for role, _ in guided.asked[:5]] == ["posterior.reference", "reference_t", "reference_noise",
                                                       "posterior.guided", "guided_noise"]
    assert guided.asked[8] == ("posterior.guided", (2, 3, 4, 5))


def test_seeded_draws_do_not_depend_on_batching():
    draws = SeededDraws(3)
    whole = draws.normal("noise", (4, 2, 3), [0, 1, 2, 3])
    parts = torch.cat([draws.normal("noise", (2, 2, 3), [0, 1]), draws.normal("noise", (2, 2, 3), [2, 3])])
    assert torch.equal(whole, parts)
    assert not torch.equal(whole, draws.normal("other", (4, 2, 3), [0, 1, 2, 3]))  # roles are independent
    assert not torch.equal(whole, SeededDraws(4).normal("noise", (4, 2, 3), [0, 1, 2, 3]))


def test_posterior_switch_changes_the_segmentation(small_setup, method):
    """inference.posterior: a fresh sample per pass (the authors') or the posterior mean."""
    model, frames, _ = small_setup
    raw = {mode: Segmenter(model, VARIANTS["baseline3"], _inference(method, posterior=mode), 0).outputs(frames, None)
           .raw for mode in ("sample", "mean")}
    assert not torch.allclose(raw["sample"], raw["mean"])
    posterior = Segmenter(model, VARIANTS["baseline3"], _inference(method), 0).encode(frames)
    torch.testing.assert_close(posterior.latents(), posterior.mean * posterior.scaling_factor)


def test_reference_pass_reads_the_empty_prompt_and_guided_steps_the_full_prompt(small_setup):
    """Prompt contexts (_get_refrence: "" + part vectors; the guided steps: the prompt + part vectors)."""
    model, _, _ = small_setup
    backbone, parts = model.backbone, model.num_parts
    prompt = backbone.encode_prompt(" ".join(model.parts))
    empty = backbone.encode_prompt("")
    for context, base in (("prompt", prompt), ("empty", empty)):
        encoding = model.encoding(1, context)
        torch.testing.assert_close(encoding[:, parts:], base[:, parts:])
        torch.testing.assert_close(encoding[0, 1:parts], model.part_embeddings)
    assert not torch.allclose(model.encoding(1, "prompt")[:, parts:], model.encoding(1, "empty")[:, parts:])


def test_tiled_was_closed_form():
    """Two tiles of a 4-px row overlapping in the middle: "last" keeps the second tile's map over the overlap,
    divided by the 2 tiles there (the authors' assign-then-divide); "mean" averages them."""
    def flat(value: float, low: float) -> InferenceWas:
        raw = torch.full((1, 1, 2, 2), value)
        raw[..., 0, 0] += 1.0  # not flat: at() rescales it to [low, low + 1]
        return InferenceWas(raw, torch.tensor([[low]]), torch.tensor([[low + 1.0]]))

    first, second = flat(0.0, 0.0), flat(0.0, 10.0)
    boxes = [(0, 3, 0, 3), (1, 4, 1, 4)]
    last = TiledWas([(boxes[0], first), (boxes[1], second)], 4, "last").at(4)
    mean = TiledWas([(boxes[0], first), (boxes[1], second)], 4, "mean").at(4)
    a, b = first.at(3)[0, 0], second.at(3)[0, 0]
    torch.testing.assert_close(last[0, 0, 0, 0], a[0, 0])  # one tile only
    torch.testing.assert_close(last[0, 0, 3, 3], b[2, 2])
    torch.testing.assert_close(last[0, 0, 1, 1], b[0, 0] / 2)  # the second tile, over two tiles
    torch.testing.assert_close(mean[0, 0, 1, 1], (a[1, 1] + b[0, 0]) / 2)


def test_tile_boxes_are_the_authors_crops():
    """get_crops_coords([512, 512], 450, 2) and its 64-px scaling."""
    from smite.tiles import tile_boxes

    assert tile_boxes(512, 2, 450 / 512) == [(0, 450, 0, 450), (0, 450, 62, 512), (62, 512, 0, 450),
                                             (62, 512, 62, 512)]
    assert tile_boxes(64, 2, 450 / 512) == [(0, 56, 0, 56), (0, 56, 8, 64), (8, 64, 0, 56), (8, 64, 8, 64)]
    assert tile_boxes(96, 1, 450 / 512) == [(0, 84, 0, 84)]


def test_tiling_switch_runs_every_tile_with_its_own_tracks(small_setup, method):
    """inference.tiles: each tile segmented on its own crop with its own trajectories, the maps merged."""
    model, frames, _ = small_setup
    tiled_method = override(method, {"inference": {"vote_window": 5, "window": 6, "overlap": 2, "tiles": 2}})
    tracks = compute_tracks(frames, tiled_method, progress=False, grid=model.backbone.latent_size)
    assert len(tracks.tiles) == 4 and tracks.tiles[0].frame_size == tracks.frame_size == (96, 96)  # model inputs
    inference = _inference(method, tiles=2, guided_updates=1, updates_per_step=1)
    tiled = Segmenter(model, VARIANTS["smite"], inference, 0).outputs(frames, tracks)
    assert isinstance(tiled, TiledWas) and len(tiled.tiles) == 4
    whole = Segmenter(model, VARIANTS["smite"], _inference(method, guided_updates=1, updates_per_step=1), 0)
    size = model.backbone.image_size
    assert not torch.allclose(tiled.at(size), whole.outputs(frames, tracks).at(size))
    with pytest.raises(SmiteInputError, match="tiles"):
        segment_frames(model, frames, "smite", inference, 0, dataclasses.replace(tracks, tiles=()))


def test_refinement_switch_changes_what_is_computed(small_setup, method):
    """inference.refinement: the authors' two-pass flow (each frame on its own mask's box) against the whole frame:
    different labels, and the flow's boxes are those its own primitive masks give."""
    from smite.data.video import FrameBuffer
    from smite.hierarchical import HierarchicalSegmenter

    model, frames, _ = small_setup
    variant = VARIANTS["baseline3"]
    inference = _inference(method)
    whole = Segmenter(model, variant, inference, 0).labels(frames, None)
    flow = HierarchicalSegmenter(model, variant, inference, 0)
    two_pass = np.stack([item.labels for item in flow.stream_labels(FrameBuffer(frames, len(frames)), None)])
    assert two_pass.shape == whole.shape
    assert (two_pass != whole).mean() > 0.01
    assert len(flow.flow.boxes) == len(frames)
    height, width = frames.shape[1:3]
    assert all(0 <= x1 < x2 <= width and 0 <= y1 < y2 <= height for x1, y1, x2, y2 in flow.flow.boxes)
