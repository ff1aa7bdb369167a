"""Synthetic benchmark: determinism, SMITE-50 layout readable by the real reader, content checks."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from smite.data.references import load_references
from smite.data.smite50 import list_categories, list_videos, load_video_clip, reference_dir
from smite.data.smite50.synth import SynthSettings, generate_benchmark
from smite.data.synth import CATEGORY_PARTS, render_reference, render_video
from smite.errors import SmiteInputError

TINY = SynthSettings(references_per_category=2, videos_per_category=1, min_frames=12, max_frames=12)


def _files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    root = tmp_path_factory.mktemp("tiny") / "bench"
    return root, generate_benchmark(root, TINY)


def test_same_seed_gives_identical_files(tiny: tuple[Path, dict], tmp_path: Path) -> None:
    root, _ = tiny
    generate_benchmark(tmp_path / "again", TINY)
    first, second = _files(root), _files(tmp_path / "again")
    assert first.keys() == second.keys() and len(first) > 20
    assert all(first[name] == second[name] for name in first)
    assert not [p for p in tmp_path.iterdir() if p.name != "again"]  # no build folder left behind


def test_other_seed_gives_other_images(tiny: tuple[Path, dict], tmp_path: Path) -> None:
    root, _ = tiny
    other = SynthSettings(**{**TINY.__dict__, "seed": 1, "categories": ("fish",)})
    generate_benchmark(tmp_path / "other", other)
    for name in ["fish/fish_ref00.png", "videos/fish/fish_00/fish_00.mp4"]:
        assert (root / name).read_bytes() != (tmp_path / "other" / name).read_bytes()


def test_items_do_not_depend_on_the_category_list(tiny: tuple[Path, dict], tmp_path: Path) -> None:
    root, _ = tiny
    generate_benchmark(tmp_path / "fish_only", SynthSettings(**{**TINY.__dict__, "categories": ("fish",)}))
    assert _files(root / "fish") == _files(tmp_path / "fish_only" / "fish")


def test_manifest_matches_files(tiny: tuple[Path, dict]) -> None:
    root, manifest = tiny
    assert json.loads((root / "manifest.json").read_text()) == manifest
    assert sorted(manifest["categories"]) == sorted(TINY.categories) == list_categories(root)
    assert manifest["totals"] == {"references": 6, "videos": 3, "frames": 36, "annotated_frames": 9}


def test_reader_loads_every_video_with_its_annotations(tiny: tuple[Path, dict]) -> None:
    root, manifest = tiny
    for category in list_categories(root):
        parts = list(CATEGORY_PARTS[category])
        assert len(parts) >= 4 and parts[0] == "background"
        for video in list_videos(root, category):
            entry = manifest["categories"][category]["videos"][video]
            clip = load_video_clip(root, category, video)
            assert clip.parts == parts and clip.frames.shape == (entry["frames"], TINY.size, TINY.size, 3)
            annotated = sorted(clip.labels)
            assert annotated == entry["annotated"] and annotated[0] == 0
            assert set(np.diff(annotated).tolist()) == {TINY.annotate_every}
            present = set(np.unique(np.stack(list(clip.labels.values()))).tolist())
            assert present == set(range(len(parts)))


def test_every_part_visible_in_every_reference(tiny: tuple[Path, dict]) -> None:
    root, _ = tiny
    for category in TINY.categories:
        refs = load_references(reference_dir(root, category))
        assert len(refs) == TINY.references_per_category and refs.parts == list(CATEGORY_PARTS[category])
        for labels in refs.labels:
            counts = np.bincount(labels.ravel(), minlength=len(refs.parts))
            assert (counts[1:] >= 6).all()
            assert 0.15 < (labels > 0).mean() < 0.7  # object fills a good part of the frame


def test_instances_differ(tiny: tuple[Path, dict]) -> None:
    root, _ = tiny
    refs = load_references(reference_dir(root, "robot"))
    assert not np.array_equal(refs.labels[0], refs.labels[1])
    assert np.abs(refs.images[0].astype(float) - refs.images[1]).mean() > 10


def test_video_moves_and_parts_stay_visible() -> None:
    for category in CATEGORY_PARTS:
        frames, labels = render_video(category, np.random.default_rng(3), 24, 64, noise_std=0.0)
        assert np.abs(frames[0].astype(float) - frames[-1]).mean() > 5
        assert (labels[0] != labels[-1]).mean() > 0.05
        visible = [(np.bincount(lab.ravel(), minlength=5)[1:] > 0).all() for lab in labels[::4]]
        assert np.mean(visible) >= 0.5
        # Smooth motion: consecutive label maps overlap far more than the first and last.
        step = np.mean([(a != b).mean() for a, b in zip(labels[:-1], labels[1:], strict=True)])
        assert step < (labels[0] != labels[-1]).mean()


def test_occluder_hides_parts_as_background() -> None:
    for seed in range(3):
        args = ("robot", 24, 64, 0.0)
        _, shown = render_video(args[0], np.random.default_rng(seed), *args[1:])
        _, hidden = render_video(args[0], np.random.default_rng(seed), *args[1:], occluder=False)
        changed = [a != b for a, b in zip(shown, hidden, strict=True)]
        assert all((a[c] == 0).all() for a, c in zip(shown, changed, strict=True))  # occluded -> background
        lost = [1 - (a > 0).sum() / max((b > 0).sum(), 1) for a, b in zip(shown, hidden, strict=True)]
        assert max(lost) > 0.05  # some frame loses a visible share of the object
        assert sum(c.any() for c in changed) < len(changed)  # and the occluder is not always there


def test_noise_std_is_sensor_noise_only() -> None:
    clean, clean_labels = render_reference("fish", np.random.default_rng(5), 64, noise_std=0.0)
    noisy, noisy_labels = render_reference("fish", np.random.default_rng(5), 64, noise_std=8.0)
    assert np.array_equal(clean_labels, noisy_labels)
    assert 5 < (noisy.astype(float) - clean).std() < 11


def test_config_is_validated() -> None:
    for bad in [
        {"annotate_every": 2},
        {"annotate_every": 6},
        {"size": 63},
        {"categories": ("dragon",)},
        {"min_frames": 10, "max_frames": 5},
    ]:
        with pytest.raises(ValueError):
            SynthSettings(**bad)


def test_output_folder_rules(tmp_path: Path) -> None:
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "notes.txt").write_text("keep me")
    with pytest.raises(SmiteInputError, match="busy"):
        generate_benchmark(tmp_path / "busy", TINY)
    assert (tmp_path / "busy" / "notes.txt").read_text() == "keep me"
    small = SynthSettings(**{**TINY.__dict__, "categories": ("glyph",), "size": 32})
    generate_benchmark(tmp_path / "bench", small)
    (tmp_path / "bench" / "stale.txt").write_text("old")
    generate_benchmark(tmp_path / "bench", small)  # an earlier benchmark is replaced as a whole
    assert not (tmp_path / "bench" / "stale.txt").exists()
    assert list_categories(tmp_path / "bench") == ["glyph"]
