"""Toy datasets in the real layouts (smite.data.toy) and run configs built on another (`base:`)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pytest

from smite.config import overlay, read_run_config, read_yaml
from smite.data import davis, pascal_part, pumavos, smite50
from smite.data.download import prepare_dataset
from smite.data.protocols import DATASET_TYPES
from smite.data.references import load_references
from smite.data.toy import ToySettings, relabel, write_toy_archive, write_toy_dataset

REPO = Path(__file__).resolve().parents[1]
SMALL = ToySettings(size=32, frames=4, pumavos_frames=12, annotate_every=2, references=10, pascal_images=1)


def test_relabel_merges_or_cuts_parts_into_bands_of_equal_size() -> None:
    labels = np.zeros((1, 6, 12), dtype=np.int64)
    labels[0, :, 0:6] = 1  # part 1: 36 pixels in columns 0..5
    labels[0, :, 6:9] = 2
    labels[0, 0, 9:12] = 3
    labels[0, 1, 9:12] = 4
    assert np.array_equal(relabel(labels, 2), np.minimum(labels, 2))
    cut = relabel(labels, 6)  # parts 1 and 2 get two bands each, 3 and 4 one each
    assert np.array_equal(cut[0, :, 0:3], np.full((6, 3), 1)) and np.array_equal(cut[0, :, 3:6], np.full((6, 3), 2))
    assert set(np.unique(cut[0, :, 6:9])) == {3, 4} and (cut[0, :, 6:9] == 3).sum() == 9
    assert np.array_equal(cut[0, 0, 9:12], [5, 5, 5]) and np.array_equal(cut[0, 1, 9:12], [6, 6, 6])
    assert np.array_equal(cut > 0, labels > 0)


def _spec(key: str) -> dict:
    paper = read_run_config(REPO / "config" / "paper_smoke.yaml")
    return {"key": key, **paper["datasets"][key]}


@pytest.mark.parametrize("key", ["smite50", "davis2016", "pascal_part"])
def test_toy_archive_is_deterministic_and_reads_back_through_the_download(tmp_path: Path, key: str) -> None:
    spec = _spec(key)
    name = spec["source"]["files"][0]["name"]
    first, second = tmp_path / "a" / name, tmp_path / "b" / name
    write_toy_archive(DATASET_TYPES[key].toy, spec, SMALL, first)
    write_toy_archive(DATASET_TYPES[key].toy, spec, SMALL, second)
    assert first.read_bytes() == second.read_bytes()
    files = [{**spec["source"]["files"][0], "url": first.as_uri(),
              "sha256": hashlib.sha256(first.read_bytes()).hexdigest()}]
    root = tmp_path / "data"
    prepare_dataset({"kind": "download", "files": files}, root, tmp_path / "cache", progress=False)
    if key == "smite50":
        assert smite50.list_categories(root) == list(spec["categories"])
        for category, entry in spec["categories"].items():
            assert smite50.list_videos(root, category) == entry["videos"]
            references = load_references(smite50.reference_dir(root, category))
            assert references.parts == entry["parts"] and len(references.images) == SMALL.references
            seen = np.unique(np.concatenate([labels.ravel() for labels in references.labels]))
            assert set(seen) == set(range(len(entry["parts"])))  # every named part is drawn
    elif key == "davis2016":
        assert davis.read_split(root, "train") == spec["train"] and davis.read_split(root, "val") == spec["val"]
        clip = davis.load_sequence(root, spec["val"][0])
        assert len(clip.frames) == SMALL.frames
    else:
        for cls, entry in spec["classes"].items():
            items = pascal_part.load_split(root, cls, "train_10", entry["parts"])
            assert len(items) == 10


def test_toy_local_dataset_is_a_pumavos_folder(tmp_path: Path) -> None:
    spec = _spec("pumavos")
    write_toy_dataset(DATASET_TYPES["pumavos"].toy, spec, SMALL, tmp_path / "PUMaVOS")
    assert pumavos.list_sequences(tmp_path / "PUMaVOS") == sorted(spec["sequences"])
    assert not list(tmp_path.glob(".PUMaVOS.*"))


def test_overlay_merges_mappings_replaces_lists_and_null_removes() -> None:
    base = {"a": {"x": 1, "y": [1, 2], "z": {"k": 1}}, "b": 2}
    assert overlay(base, {"a": {"y": [3], "z": None}, "c": 3}) == {"a": {"x": 1, "y": [3]}, "b": 2, "c": 3}
    assert base == {"a": {"x": 1, "y": [1, 2], "z": {"k": 1}}, "b": 2}


def test_smoke_config_is_the_papers_but_for_data_sizes_and_models() -> None:
    """Categories, parts, paper columns, per-category settings, methods and tables come from config/paper.yaml;
    the videos are some of the paper's."""
    paper = read_yaml(REPO / "config" / "paper.yaml")
    smoke = read_run_config(REPO / "config" / "paper_smoke.yaml")
    assert "base" not in smoke and smoke["run"] == "paper_smoke"
    for key in ("methods", "ablation", "shots", "shots_ablation", "training_modes", "paper_vote_windows",
                "video_protocol"):
        assert smoke[key] == paper[key], key
    for name, entry in paper["datasets"]["smite50"]["categories"].items():
        toy = smoke["datasets"]["smite50"]["categories"][name]
        for key in ("parts", "paper_column", "lambda_track", "augment"):
            assert toy.get(key) == entry.get(key), (name, key)
        assert toy["videos"] and set(toy["videos"]) <= set(entry["videos"])
    assert set(smoke["datasets"]["pumavos"]["sequences"]) < set(paper["datasets"]["pumavos"]["sequences"])
    for split in ("train", "val"):
        assert set(smoke["datasets"]["davis2016"][split]) <= set(paper["datasets"]["davis2016"][split])
    assert smoke["datasets"]["pascal_part"]["classes"] == paper["datasets"]["pascal_part"]["classes"]
    assert smoke["datasets"]["pumavos"]["kind"] == "local"
