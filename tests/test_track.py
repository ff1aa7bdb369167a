"""Tests for smite.track on synthetic videos whose true motion and occlusions are known by construction."""

from __future__ import annotations

import sys

import cv2
import numpy as np
import pytest

from smite.config import override
from smite.errors import SmiteInputError
from smite.track import (
    FlowTracker,
    TrackCache,
    Tracker,
    build_track_cache,
    grid_queries,
    grid_to_pixel,
    load_track_cache,
    pixel_to_grid,
    save_track_cache,
    window_offsets,
)
from smite.track.cotracker import CoTracker3Tracker, load_cotracker3
from smite.track.plan import authors_work
from smite.windows import plan_windows, vote_range

SIZE = 96
VELOCITY = np.array([2, 1])  # background motion, pixels per frame (x, y)


def _texture(size: int, seed: int, sigma: float = 2.0) -> np.ndarray:
    """Gaussian-blurred noise stretched to 0..255: smooth, trackable texture."""
    noise = np.random.default_rng(seed).random((size, size)).astype(np.float32)
    texture = cv2.GaussianBlur(noise, (0, 0), sigma)
    return ((texture - texture.min()) / (texture.max() - texture.min()) * 255).astype(np.uint8)


def _translating(frames: int, size: int = SIZE, occluder: bool = False) -> np.ndarray:
    """Frames (T, size, size, 3) of a texture moving by VELOCITY per frame (crops of a larger texture).

    With `occluder`, an opaque textured square (_OCCLUDER_SIDE px, its own texture) moves by _OCCLUDER_VELOCITY.
    """
    margin = 2 * frames + 4
    big = _texture(size + 2 * margin, seed=0)
    patch = _texture(_OCCLUDER_SIDE, seed=1, sigma=1.5)
    video = []
    for t in range(frames):
        x0, y0 = margin - VELOCITY * t
        image = big[y0 : y0 + size, x0 : x0 + size].copy()
        if occluder:
            ox, oy = _occluder_corner(t)
            image[oy : oy + _OCCLUDER_SIDE, ox : ox + _OCCLUDER_SIDE] = patch
        video.append(np.repeat(image[..., None], 3, axis=2))
    return np.stack(video)


_OCCLUDER_SIDE = 24
_OCCLUDER_VELOCITY = np.array([-3, 0])


def _occluder_corner(t: int) -> np.ndarray:
    return np.array([66, 30]) + _OCCLUDER_VELOCITY * t


def _under_occluder(points: np.ndarray, t: int) -> np.ndarray:
    """Whether (N, 2) points lie on the occluder's pixels in frame t."""
    x0, y0 = _occluder_corner(t)
    x, y = points[:, 0], points[:, 1]
    side = _OCCLUDER_SIDE
    return (x >= x0 - 0.5) & (x <= x0 + side - 0.5) & (y >= y0 - 0.5) & (y <= y0 + side - 0.5)


def _queries(points: np.ndarray, frame: int) -> np.ndarray:
    return np.column_stack([np.full(len(points), frame), points]).astype(np.float64)


def _truth(points: np.ndarray, frame: int, frames: int) -> np.ndarray:
    """True (T, N, 2) positions of background points given at `frame`."""
    return points[None] + VELOCITY[None, None] * (np.arange(frames) - frame)[:, None, None]


# ---------------------------------------------------------------- FlowTracker


def test_flow_tracker_follows_translation_both_ways() -> None:
    frames, query_frame = 10, 5
    ys, xs = np.mgrid[16:81:4, 16:81:4]  # stay >= 6 px inside the frame over +-5 frames
    points = np.column_stack([xs.ravel(), ys.ravel()]).astype(np.float64)
    tracker = FlowTracker()
    assert isinstance(tracker, Tracker)
    positions, visible = tracker.track(_translating(frames), _queries(points, query_frame))
    assert positions.shape == (frames, len(points), 2) and positions.dtype == np.float32
    assert visible.shape == (frames, len(points)) and visible.dtype == bool
    error = np.linalg.norm(positions - _truth(points, query_frame, frames), axis=-1)
    assert error[query_frame + 1 :].mean() < 0.5  # measured 0.03 px
    assert error[:query_frame].mean() < 0.5  # measured 0.04 px
    np.testing.assert_array_equal(positions[query_frame], points.astype(np.float32))
    assert visible.mean() > 0.95
    assert tracker.flows_computed == 2 * (frames - 1)


def test_flow_tracker_downscaled_flow_is_rescaled() -> None:
    ys, xs = np.mgrid[20:77:8, 20:77:8]
    points = np.column_stack([xs.ravel(), ys.ravel()]).astype(np.float64)
    positions, _ = FlowTracker(max_side=64).track(_translating(6), _queries(points, 2))
    error = np.linalg.norm(positions - _truth(points, 2, 6), axis=-1)
    assert error.mean() < 0.5  # measured 0.22 px at 2/3 scale


def test_flow_tracker_marks_occluded_points_invisible() -> None:
    frames, query_frame = 10, 4
    ys, xs = np.mgrid[10:86:3, 10:86:3]
    points = np.column_stack([xs.ravel(), ys.ravel()]).astype(np.float64)
    truth = _truth(points, query_frame, frames)
    in_frame = ((truth >= 0) & (truth <= SIZE - 1)).all(axis=(0, 2))
    keep = in_frame & ~_under_occluder(points, query_frame)  # background points, visible when queried
    points, truth = points[keep], truth[:, keep]
    covered = np.stack([_under_occluder(truth[t], t) for t in range(frames)])
    assert covered.sum() > 100 and (~covered.any(axis=0)).sum() > 100
    _, visible = FlowTracker().track(_translating(frames, occluder=True), _queries(points, query_frame))
    assert (~visible[covered]).mean() > 0.9  # measured 0.997
    assert visible[:, ~covered.any(axis=0)].mean() > 0.95  # measured 0.968


def test_flow_tracker_max_steps_limits_work_and_visibility() -> None:
    points = np.array([[40.0, 40.0], [50.0, 30.0]])
    tracker = FlowTracker()
    positions, visible = tracker.track(_translating(10), _queries(points, 5), max_steps=2)
    assert tracker.flows_computed == 2 * 4  # pairs (3,4) (4,5) (5,6) (6,7) only
    assert tracker.points_advanced == 2 * 4
    assert visible[3:8].all() and not visible[:3].any() and not visible[8:].any()
    np.testing.assert_array_equal(positions[8], positions[7])  # held at the last estimate
    np.testing.assert_array_equal(positions[0], positions[3])


def test_flow_tracker_edge_cases_and_bad_input() -> None:
    tracker = FlowTracker()
    one = _translating(1)
    positions, visible = tracker.track(one, _queries(np.array([[3.0, 4.0]]), 0))
    np.testing.assert_array_equal(positions, [[[3.0, 4.0]]])
    assert visible.all()
    with pytest.raises(ValueError, match="uint8"):
        tracker.track(one.astype(np.float32), _queries(np.array([[3.0, 4.0]]), 0))
    with pytest.raises(ValueError, match="frame indices"):
        tracker.track(one, _queries(np.array([[3.0, 4.0]]), 1))
    with pytest.raises(ValueError, match=r"\(N, 3\)"):
        tracker.track(one, np.zeros((2, 2)))


def test_flow_tracker_handles_frames_smaller_than_dis_patches() -> None:
    still = np.repeat(_translating(1, size=40)[:, 10:18, 10:19], 3, axis=0)  # 8x9 px, static
    points = np.array([[2.0, 3.0], [6.0, 5.0]])
    positions, visible = FlowTracker().track(still, _queries(points, 1))
    np.testing.assert_allclose(positions, np.broadcast_to(points, (3, 2, 2)), atol=0.1)
    assert visible.all()
    with pytest.raises(ValueError, match="max_side"):
        FlowTracker(max_side=8)


def test_points_leaving_the_frame_become_invisible() -> None:
    points = np.array([[SIZE - 3.0, 50.0]])  # moves right by 2 px per frame: off the frame after 2 frames
    positions, visible = FlowTracker().track(_translating(6), _queries(points, 0))
    assert visible[0] and not visible[2:].any()


# ---------------------------------------------------------------- grid coordinates


def test_grid_queries_are_cell_centres() -> None:
    points = grid_queries(2, height=8, width=16)
    np.testing.assert_array_equal(points, [[4, 2], [12, 2], [4, 6], [12, 6]])
    cells = pixel_to_grid(grid_queries(7, 45, 61), 7, 45, 61)
    rows, cols = np.mgrid[0:7, 0:7]
    np.testing.assert_allclose(cells, np.column_stack([cols.ravel(), rows.ravel()]), atol=1e-12)


def test_grid_pixel_round_trip() -> None:
    points = np.random.default_rng(0).uniform(-1, 60, size=(3, 5, 2))
    back = grid_to_pixel(pixel_to_grid(points, 64, 48, 60), 64, 48, 60)
    np.testing.assert_allclose(back, points, atol=1e-9)
    assert pixel_to_grid(np.array([60.0, 48.0]), 64, 48, 60).tolist() == [63.5, 63.5]  # far frame edge


def test_window_offsets() -> None:
    # a shifted window of 5 frames reaches up to 4 frames either side (the authors' determine_window)
    np.testing.assert_array_equal(window_offsets(5), [-4, -3, -2, -1, 0, 1, 2, 3, 4])
    for bad in (4, 0, -3):
        with pytest.raises(ValueError, match="odd"):
            window_offsets(bad)


# ---------------------------------------------------------------- trajectory cache


def _cells(grid: int) -> np.ndarray:
    rows, cols = np.mgrid[0:grid, 0:grid]
    return np.column_stack([cols.ravel(), rows.ravel()]).astype(np.float32)


def test_cache_windows_follow_the_motion() -> None:
    """Each processing window's clip: the query frame exactly its cells, the texture's motion at every reachable
    offset inside the window, nothing visible outside it."""
    frames, grid, vote = 12, 6, 5
    cache = build_track_cache(_translating(frames), FlowTracker(), grid, 8, 2, vote)
    assert [(t.clip.start, t.clip.stop) for t in cache.clips] == [(w.start, w.stop) for w in plan_windows(12, 8, 2)]
    assert (cache.grid, cache.frame_size, cache.tracker, cache.vote_window) == (grid, (SIZE, SIZE), "flow", vote)
    for window in plan_windows(frames, 8, 2):
        positions, visible, offsets = cache.window_layout(window.start, window.stop)
        np.testing.assert_array_equal(offsets, np.arange(-4, 5))
        length = window.stop - window.start
        assert positions.shape == (length, 9, grid * grid, 2) and positions.dtype == np.float32
        target = np.arange(length)[:, None] + offsets[None, :]
        outside = (target < 0) | (target >= length)
        assert not visible[outside].any()
        np.testing.assert_array_equal(positions[:, 4], np.broadcast_to(_cells(grid), (length, grid * grid, 2)))
        expected = _cells(grid)[None, None] + offsets[None, :, None, None] * VELOCITY * grid / SIZE
        seen = visible & ~outside[..., None]
        assert np.abs(positions - expected)[seen].mean() < 0.5 * grid / SIZE  # under half a pixel
        assert seen[~outside].mean() > 0.9


class _RecordingTracker:
    """Fake tracker: follows the known translation exactly and records each call."""

    name = "recording"

    def __init__(self) -> None:
        self.calls: list[tuple[int, int, int | None]] = []
        self.query_frames: list[list[int]] = []

    def track(self, frames: np.ndarray, queries: np.ndarray, max_steps: int | None = None):
        self.calls.append((len(frames), len(queries), max_steps))
        self.query_frames.append(sorted(set(queries[:, 0].astype(int).tolist())))
        offsets = np.arange(len(frames))[:, None] - queries[None, :, 0]
        positions = queries[None, :, 1:] + offsets[..., None] * VELOCITY
        return positions.astype(np.float32), np.ones(positions.shape[:2], dtype=bool)


def test_cache_tracks_each_window_as_the_authors_do() -> None:
    """The authors' plan (src/inference.py: apply_tracker_on_all_frames on each window's frames; windows of 16
    overlapping by 8, the last shifted back): one clip per window, every frame of it a query frame, nothing else.
    With CoTracker3 in calls of one query frame's 4096 grid points, each model call is one of theirs."""
    tracker = _RecordingTracker()
    frames, grid = 30, 4
    cache = build_track_cache(np.zeros((frames, 16, 32, 3), np.uint8), tracker, grid, 16, 8, 15)
    # create_slices2(30, 16, overlap=8): [0, 16), [8, 24), [14, 30)
    assert tracker.calls == [(16, 16 * grid * grid, None)] * 3
    assert tracker.query_frames == [list(range(16))] * 3
    assert cache.work == 3 * 16 * 16 == authors_work(frames, 16, 8)[1]

    model = _FakeCoTracker()
    cotracker = CoTracker3Tracker(model=model, max_queries=grid * grid)  # one query frame per call
    build_track_cache(np.zeros((frames, 16, 32, 3), np.uint8), cotracker, grid, 16, 8, 15)
    assert len(model.calls) == authors_work(frames, 16, 8)[0] == 48
    assert set(model.calls) == {((1, 16, 3, 16, 32), grid * grid)}
    batched = _FakeCoTracker()  # inference.cotracker3.max_queries: a window's query frames in one call
    build_track_cache(np.zeros((frames, 16, 32, 3), np.uint8), CoTracker3Tracker(model=batched, max_queries=4096),
                      grid, 16, 8, 15)
    assert batched.calls == [((1, 16, 3, 16, 32), 16 * grid * grid)] * 3


def test_cache_for_the_video_vote_serves_every_voting_range() -> None:
    """Baseline-II's use: every frame through its voting range over the whole video, from a window's clip where one
    holds it, else from a clip of its own range; the vote reads the same trajectories either way."""
    frames, grid, vote = 20, 4, 5
    video = np.zeros((frames, 16, 16, 3), np.uint8)
    both = build_track_cache(video, _RecordingTracker(), grid, 8, 2, vote, ("windows", "video"))
    alone = build_track_cache(video, _RecordingTracker(), grid, 8, 2, vote, ("video",))
    assert all(len(t.clip.queries) and t.clip.frames == vote for t in alone.clips)
    assert both.work < build_track_cache(video, _RecordingTracker(), grid, 8, 2, vote).work + alone.work
    for cache in (both, alone):
        positions, visible, offsets = cache.video_layout()
        for t in range(frames):
            start, stop = vote_range(t, frames, vote)
            inside = (t + offsets >= start) & (t + offsets < stop)
            assert visible[t, inside].all()
            assert cache is both or not visible[t, ~inside].any()  # a window's clip may reach further
            steps = offsets[inside][:, None, None] * VELOCITY * np.array([grid / 16, grid / 16])
            np.testing.assert_allclose(positions[t, inside], _cells(grid)[None] + steps, atol=1e-5)
    with pytest.raises(SmiteInputError, match="tracked for video"):
        alone.check_plan(8, 2, vote, ("windows",))
    with pytest.raises(SmiteInputError, match="no clip for window"):
        alone.window_layout(0, 8)


def test_flow_clips_share_each_frame_pairs_flow() -> None:
    """FlowTracker.track_clips gives what one `track` call per clip gives, computing each pair's flow once."""
    video = _translating(14, size=32)
    clips = [(0, 8, _queries(grid_queries(3, 32, 32), 2)), (4, 12, _queries(grid_queries(3, 32, 32), 5)),
             (6, 14, _queries(grid_queries(3, 32, 32), 7))]
    shared = FlowTracker()
    together = shared.track_clips(video, clips)
    separate = FlowTracker()
    for (start, stop, queries), (positions, visible) in zip(clips, together, strict=True):
        expected_positions, expected_visible = separate.track(video[start:stop], queries)
        np.testing.assert_array_equal(positions, expected_positions)
        np.testing.assert_array_equal(visible, expected_visible)
    assert shared.flows_computed == 2 * 13 < separate.flows_computed == 2 * 7 * 3


def test_cache_cost_is_linear_in_video_length() -> None:
    counts = []
    for frames in (32, 64):
        tracker = FlowTracker()
        cache = build_track_cache(_translating(frames, size=32), tracker, grid=4, window=8, overlap=4, vote_window=5)
        counts.append((tracker.flows_computed, tracker.points_advanced, cache.work))
    for index in range(3):
        assert 1.8 <= counts[1][index] / counts[0][index] <= 2.2, counts  # 2 + boundary effects (video ends)


def test_cache_rejects_even_window() -> None:
    with pytest.raises(ValueError, match="odd"):
        build_track_cache(np.zeros((3, 8, 8, 3), np.uint8), _RecordingTracker(), grid=2, window=3, overlap=0,
                          vote_window=4)


# ---------------------------------------------------------------- cache files


def _small_cache() -> TrackCache:
    return build_track_cache(np.zeros((7, 16, 16, 3), np.uint8), _RecordingTracker(), grid=2, window=4, overlap=1,
                             vote_window=3, uses=("windows", "video"))


@pytest.mark.parametrize("name", ["tracks.npz", "tracks"])
def test_save_load_round_trip(tmp_path, name: str) -> None:
    cache = _small_cache()
    cache.tiles, cache.tile_size = (_small_cache(),), 0.5
    path = tmp_path / name
    save_track_cache(path, cache)
    assert sorted(p.name for p in tmp_path.iterdir()) == [name]  # exactly there, no temporary left
    loaded = load_track_cache(path)
    for view, original in ((loaded, cache), (loaded.tiles[0], cache.tiles[0])):
        assert [t.clip for t in view.clips] == [t.clip for t in original.clips]
        for got, want in zip(view.clips, original.clips, strict=True):
            np.testing.assert_array_equal(got.positions, want.positions)
            np.testing.assert_array_equal(got.visible, want.visible)
        assert (view.grid, view.frame_size, view.tracker, view.vote_window, view.window, view.overlap, view.uses,
                view.num_frames) == (2, (16, 16), "recording", 3, 4, 1, ("windows", "video"), 7)
    assert loaded.tile_size == 0.5


def test_cache_knows_its_plan(tmp_path) -> None:
    """A cache tracked for one plan is refused for another, naming the file."""
    path = tmp_path / "tracks.npz"
    save_track_cache(path, _small_cache())
    cache = load_track_cache(path)
    cache.check_plan(4, 1, 3, ("windows", "video"), path)
    with pytest.raises(SmiteInputError, match=r"tracks.npz.*window of 3 frames.*over 5"):
        cache.check_plan(4, 1, 5, ("windows",), path)
    with pytest.raises(SmiteInputError, match=r"tracks.npz.*windows of 4 frames overlapping by 1.*uses 8 and 2"):
        cache.check_plan(8, 2, 3, ("windows",), path)
    cache.check_plan(8, 2, 3, ("video",), path)  # the whole-video vote does not depend on the windows


def test_load_rejects_missing_corrupt_and_foreign_files(tmp_path) -> None:
    missing = tmp_path / "missing.npz"
    with pytest.raises(SmiteInputError, match="missing.npz"):
        load_track_cache(missing)
    corrupt = tmp_path / "corrupt.npz"
    save_track_cache(corrupt, _small_cache())
    corrupt.write_bytes(corrupt.read_bytes()[:200])
    with pytest.raises(SmiteInputError, match="corrupt.npz") as info:
        load_track_cache(corrupt)
    assert "\n" not in str(info.value)
    garbage = tmp_path / "garbage.npz"
    garbage.write_bytes(b"not a zip file at all")
    with pytest.raises(SmiteInputError, match="garbage.npz"):
        load_track_cache(garbage)
    foreign = tmp_path / "foreign.npz"
    np.savez(foreign, positions=np.zeros((1, 1, 1, 2)))
    with pytest.raises(SmiteInputError, match="not a SMITE track cache"):
        load_track_cache(foreign)


# ---------------------------------------------------------------- CoTracker3


def test_cotracker_not_installed_is_a_clear_error(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.setitem(sys.modules, "cotracker", None)  # import of cotracker now fails, installed or not
    monkeypatch.setitem(sys.modules, "cotracker.predictor", None)
    weights = tmp_path / "scaled_offline.pth"
    weights.write_bytes(b"")
    with pytest.raises(SmiteInputError) as info:
        CoTracker3Tracker(weights)
    message = str(info.value)
    assert "CoTracker3 is not installed: pip install 'smite[paper]'" in message and "--tracker flow" in message
    assert "\n" not in message


def test_cotracker_missing_checkpoint_names_the_file(tmp_path) -> None:
    with pytest.raises(SmiteInputError, match="nowhere.pth"):
        load_cotracker3(tmp_path / "nowhere.pth")


class _FakeCoTracker:
    """Stands in for CoTrackerPredictor: checks its inputs, moves points by +1 px in x per frame."""

    def __init__(self) -> None:
        self.calls: list[tuple[tuple[int, ...], int]] = []

    def __call__(self, video, queries, backward_tracking):
        import torch

        assert backward_tracking is True
        assert video.dtype == torch.float32 and video.ndim == 5 and video.shape[2] == 3
        assert queries.dtype == torch.float32 and queries.shape[0] == 1 and queries.shape[2] == 3
        self.calls.append((tuple(video.shape), queries.shape[1]))
        frames = video.shape[1]
        steps = torch.arange(frames, dtype=torch.float32)[:, None] - queries[0, :, 0][None, :]
        tracks = queries[0, None, :, 1:].repeat(frames, 1, 1)
        tracks[..., 0] += steps
        tracks[0] = -99.0  # garbage in frame 0: the query frame must be restored from the query
        visibility = torch.rand(1, frames, queries.shape[1]) < 2.0  # all True, bool like the predictor's
        visibility[0, -1] = False
        return tracks[None], visibility


def test_cotracker_converts_inputs_and_outputs() -> None:
    frames = np.random.default_rng(0).integers(0, 256, size=(4, 12, 20, 3), dtype=np.uint8)
    queries = np.array([[0, 3.0, 4.0], [2, 5.0, 6.0], [1, 7.0, 1.0], [3, 2.0, 2.0], [0, 1.0, 1.0]])
    model = _FakeCoTracker()
    tracker = CoTracker3Tracker(model=model, max_queries=2)
    assert isinstance(tracker, Tracker) and tracker.name == "cotracker3"
    positions, visible = tracker.track(frames, queries)
    assert model.calls == [((1, 4, 3, 12, 20), 2), ((1, 4, 3, 12, 20), 2), ((1, 4, 3, 12, 20), 1)]
    assert positions.shape == (4, 5, 2) and positions.dtype == np.float32
    assert visible.shape == (4, 5) and visible.dtype == bool
    np.testing.assert_array_equal(positions[2, 1], [5.0, 6.0])
    np.testing.assert_array_equal(positions[3, 1], [6.0, 6.0])  # one frame after its query: +1 px
    np.testing.assert_array_equal(positions[0, 0], [3.0, 4.0])  # restored query point
    np.testing.assert_array_equal(positions[0, 1], [-99.0, -99.0])  # not its query frame: as the model said
    assert visible[:3].all() and visible[3, 3] and not visible[3, [0, 1, 2, 4]].any()


def test_cotracker_video_tensor_layout() -> None:
    from smite.track.cotracker import video_tensor

    frames = np.random.default_rng(1).integers(0, 256, size=(2, 3, 4, 3), dtype=np.uint8)
    video = video_tensor(frames, "cpu")
    assert tuple(video.shape) == (1, 2, 3, 3, 4)
    np.testing.assert_array_equal(video[0].permute(0, 2, 3, 1).numpy(), frames.astype(np.float32))


def test_cotracker3_with_random_weights() -> None:
    """Runs only where the cotracker package is installed: the real model, no weights, tiny video."""
    predictor_module = pytest.importorskip("cotracker.predictor")
    predictor = predictor_module.CoTrackerPredictor(checkpoint=None, offline=True, v2=False, window_len=60)
    tracker = CoTracker3Tracker(model=predictor.eval())
    frames = np.random.default_rng(0).integers(0, 256, size=(4, 32, 32, 3), dtype=np.uint8)
    queries = np.array([[0, 8.0, 8.0], [3, 20.0, 12.0]])
    positions, visible = tracker.track(frames, queries)
    assert positions.shape == (4, 2, 2) and visible.shape == (4, 2)
    np.testing.assert_allclose(positions[3, 1], [20.0, 12.0], atol=1e-4)


def test_smite_track_caches_trajectories_with_cotracker3(tmp_path) -> None:
    """`smite track --tracker cotracker3` with a random-weight checkpoint file, through the installed cotracker
    package's model code (CI installs one for this test; users install CoTracker from its repository)."""
    predictor_module = pytest.importorskip("cotracker.predictor")
    import torch
    import yaml

    from smite.cli import main
    from smite.track import load_track_cache

    torch.manual_seed(0)
    predictor = predictor_module.CoTrackerPredictor(checkpoint=None, offline=True, v2=False, window_len=60)
    checkpoint = tmp_path / "random_cotracker3.pth"
    torch.save(predictor.model.state_dict(), checkpoint)
    frames_dir = tmp_path / "frames"
    frames_dir.mkdir()
    for index, frame in enumerate(_translating(3, size=48)):
        cv2.imwrite(str(frames_dir / f"{index:05d}.png"), cv2.cvtColor(frame, cv2.COLOR_RGB2BGR))
    config = tmp_path / "run.yaml"
    config.write_text(yaml.safe_dump({"method": {"models": {"cotracker3": {"path": str(checkpoint)}},
                                                 "inference": {"cotracker3": {"interp_shape": [64, 64]}}}}))  # fast
    out = tmp_path / "tracks.npz"
    assert main(["track", str(frames_dir), "--out", str(out), "--tracker", "cotracker3", "--window", "3",
                 "--backbone", "embedded", "--config", str(config), "--device", "cpu", "--quiet"]) == 0
    cache = load_track_cache(out)
    grid = cache.grid
    (clip,) = cache.clips  # three frames: one window, all of them query frames
    assert (cache.tracker, cache.vote_window, clip.positions.shape) == ("cotracker3", 3, (3, 3, grid * grid, 2))
    assert np.isfinite(clip.positions).all()
    for query in range(3):
        np.testing.assert_array_equal(clip.positions[query, query], _cells(grid))


def test_cotracker_input_range_switch(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    """inference.cotracker3.input_max: the authors hand CoTracker3 frames in [0, 1]; 255 is the range its forward
    expects."""
    from smite.config import inference_settings
    from smite.trackers import make_tracker

    frames = np.full((3, 8, 8, 3), 255, dtype=np.uint8)
    seen = []

    class Recorder(_FakeCoTracker):
        def __call__(self, video, queries, backward_tracking):
            seen.append(float(video.max()))
            return super().__call__(video, queries, backward_tracking)

    queries = np.array([[0, 3.0, 4.0]])
    for input_max in (1.0, 255.0):
        CoTracker3Tracker(model=Recorder(), input_max=input_max).track(frames, queries)
    assert seen == [1.0, 255.0]
    assert inference_settings().cotracker3.input_max == 1.0  # the default follows the authors' preprocess_frames
    import smite.track.cotracker as cotracker

    monkeypatch.setattr(cotracker, "load_cotracker3", lambda *args, **kwargs: Recorder())  # no weights here
    from smite.config import method_settings

    weights = tmp_path / "scaled_offline.pth"
    weights.write_bytes(b"")
    spec = method_settings({"models": {"cotracker3": {"path": str(weights)}}}).model("cotracker3")
    assert make_tracker("cotracker3", inference_settings(cotracker3={"input_max": 255}), spec).input_max == 255.0
    assert make_tracker("cotracker3", inference_settings(), spec).input_max == 1.0
    assert make_tracker("cotracker3", inference_settings(), spec).max_queries == 4096  # one query frame of 64 x 64
    assert make_tracker("cotracker3", inference_settings(cotracker3={"max_queries": 65536}), spec).max_queries == 65536


def test_tracks_are_computed_on_the_model_input(method) -> None:
    """As the authors track their prepared frames: the video resized to the model's square input (the embedded
    model's 96 px here), whatever the frame's own shape; trajectories are in attention-grid cells either way."""
    from smite.track.run import compute_tracks

    frames = _translating(4)[:, :, :40]  # a non-square video
    cache = compute_tracks(frames, override(method, {"inference": {"vote_window": 3}}), progress=False)
    assert cache.frame_size == (96, 96) and cache.grid == 24


def test_every_tracker_entry_names_what_exists() -> None:
    """Each TRACKERS entry's settings section is an inference section, its model a pinned model; the settings'
    choices and the command's are the registry's names; an unknown name is one error listing them."""
    import dataclasses

    from smite.settings import SECTION, InferenceSettings, pinned_models
    from smite.trackers import TRACKERS, make_tracker, tracker_problem

    sections = {f.name for f in dataclasses.fields(InferenceSettings) if SECTION in f.metadata}
    for name, kind in TRACKERS.items():
        assert kind.settings is None or kind.settings in sections, name
        assert kind.model_key is None or kind.model_key in pinned_models(), name
    from smite.config import inference_settings

    with pytest.raises(SmiteInputError, match="unknown tracker 'raft': use flow or cotracker3"):
        make_tracker("raft", inference_settings())
    with pytest.raises(SmiteInputError, match=r"needs its weights \(models.cotracker3\)"):
        make_tracker("cotracker3", inference_settings())
    assert isinstance(make_tracker("flow", inference_settings()), FlowTracker)
    assert tracker_problem("flow") is None


STILL_TRACKER = '''"""A tracker that keeps every point where it was queried (the walk-through's new tracker)."""

import numpy as np

from smite.track.base import check_track_inputs


class StillTracker:
    name = "still"

    def __init__(self, step: float) -> None:
        self.step = step

    def track(self, frames, queries, max_steps=None):
        frames, queries = check_track_inputs(frames, queries)
        positions = np.repeat(queries[None, :, 1:3], len(frames), 0).astype(np.float32)
        positions += self.step * (np.arange(len(frames))[:, None, None] - queries[None, :, :1])
        return positions, np.ones(positions.shape[:2], bool)


def from_settings(settings, weights):
    return StillTracker(settings.step)
'''


def test_adding_a_tracker_is_one_registry_line_and_its_settings(tmp_path) -> None:
    """docs/architecture.md, 'Add a tracker': its class, one TRACKERS line and one settings section, in a copy of
    the library; `smite track --tracker still` then tracks with it, configured by inference.still."""
    import shutil
    import subprocess
    from pathlib import Path

    repo = Path(__file__).parents[1]
    copy = tmp_path / "copy"
    shutil.copytree(repo / "smite", copy / "smite", ignore=shutil.ignore_patterns("__pycache__"))
    (copy / "smite" / "track" / "still.py").write_text(STILL_TRACKER)
    registry = copy / "smite" / "trackers.py"
    anchor = "TRACKERS: dict[str, TrackerKind] = {\n"
    registry.write_text(registry.read_text().replace(anchor, anchor + (
        '    "still": TrackerKind("smite.track.still:from_settings", "moves points by a step", settings="still"),\n')))
    settings = copy / "smite" / "settings.py"
    section_anchor = "@dataclass(frozen=True)\nclass InferenceSettings(Section):"
    field_anchor = "    tiles: int = setting(1,"
    text = settings.read_text().replace(section_anchor, (
        '@dataclass(frozen=True)\nclass StillSettings(Section):\n    path = "inference.still"\n'
        '    step: float = setting(0.0, "pixels every point moves right and down per frame", minimum=0)\n\n\n'
        + section_anchor)).replace(field_anchor, (
            '    still: StillSettings = section(StillSettings, "the still tracker", tracking=True)\n' + field_anchor))
    settings.write_text(text)
    frames = tmp_path / "frames"
    frames.mkdir()
    for index, frame in enumerate(_translating(3, size=32)):
        cv2.imwrite(str(frames / f"{index:05d}.png"), cv2.cvtColor(frame, cv2.COLOR_RGB2BGR))
    config = tmp_path / "run.yaml"
    config.write_text("method:\n  inference:\n    still: {step: 1.5}\n")
    out = tmp_path / "tracks.npz"
    result = subprocess.run([sys.executable, "-m", "smite.cli", "track", str(frames), "--out", str(out), "--tracker",
                             "still", "--window", "3", "--backbone", "embedded", "--config", str(config), "--device",
                             "cpu", "--quiet"], cwd=tmp_path, capture_output=True, text=True, timeout=300,
                            env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(copy)})
    assert result.returncode == 0, result.stderr
    cache = load_track_cache(out)
    (clip,) = cache.clips
    assert cache.tracker == "still"
    from smite.settings import MethodSettings

    side = MethodSettings().backbone.model_side("embedded")  # tracked on the model's input (compute_tracks)
    moved = clip.positions[0, 1] - clip.positions[0, 0]  # query frame 0, frames 1 and 0, in grid cells
    np.testing.assert_allclose(moved, np.full_like(moved, 1.5 * cache.grid / side), rtol=1e-5)
