"""PUMaVOS, DAVIS-2016 and PASCAL-Part readers on hand-built trees, their errors, and the synthetic layouts."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from smite.cli import build_parser, main
from smite.data import davis, pascal_part, pumavos
from smite.data.clip import Clip
from smite.data.davis.synth import DavisSynthSettings, generate_davis
from smite.data.layouts import generate_layout
from smite.data.masks import VOC_PALETTE, read_label_png, save_label_png
from smite.data.pascal_part.synth import PascalPartSynthSettings, generate_pascal_part
from smite.data.pumavos.synth import PumavosSynthSettings, generate_pumavos
from smite.data.references import load_references
from smite.errors import SmiteInputError

H, W = 16, 24


def _frame(value: int, height: int = H, width: int = W) -> np.ndarray:
    """A flat frame (flat, so JPEG keeps it almost exactly)."""
    return np.full((height, width, 3), value, np.uint8)


def _save(path: Path, array: np.ndarray, palette: bool = False) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    image = Image.fromarray(array)
    if palette:
        image.putpalette(VOC_PALETTE.tobytes())
    image.save(path)


def _labels(seed: int, high: int, height: int = H, width: int = W) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, high, (height, width)).astype(np.int64)


def _files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


# ----------------------------------------------------------------------------- PUMaVOS


@pytest.fixture()
def pumavos_root(tmp_path: Path) -> tuple[Path, dict[int, np.ndarray]]:
    """Sequence `seq` of 6 JPEG frames with palette annotations on frames 0 and 3 (parts 0..2)."""
    root = tmp_path / "pumavos"
    for t in range(6):
        _save(root / "JPEGImages" / "seq" / f"{t:05d}.jpg", _frame(40 * t))
    labels = {0: _labels(0, 3), 3: _labels(1, 3)}
    for t, label in labels.items():
        save_label_png(root / "Annotations" / "seq" / f"{t:05d}.png", label)
    (root / "JPEGImages" / "other").mkdir()
    (root / "JPEGImages" / ".DS_Store").write_text("")
    return root, labels


def test_pumavos_sequence_labels_equal_the_written_arrays(pumavos_root: tuple[Path, dict]) -> None:
    root, labels = pumavos_root
    assert pumavos.list_sequences(root) == ["other", "seq"]
    clip = pumavos.load_sequence(root, "seq")
    assert clip.frames.shape == (6, H, W, 3) and clip.size == (H, W)
    assert np.abs(clip.frames[:, 0, 0, 0].astype(int) - [0, 40, 80, 120, 160, 200]).max() <= 2
    assert sorted(clip.labels) == [0, 3]
    assert all(np.array_equal(clip.labels[t], labels[t]) and clip.labels[t].dtype == np.int64 for t in labels)
    assert clip.parts == ["background", "part_1", "part_2"] and clip.fps == pumavos.FPS
    named = pumavos.load_sequence(root, "seq", ["background", "head", "body", "tail"])
    assert named.parts == ["background", "head", "body", "tail"]


def test_pumavos_annotation_stems_match_frames(tmp_path: Path) -> None:
    # Unpadded numbers match numbered frames by value; other frame names by position.
    for t in range(4):
        _save(tmp_path / "a" / "JPEGImages" / "s" / f"{t + 1:05d}.jpg", _frame(0))
        _save(tmp_path / "b" / "JPEGImages" / "s" / f"img{t}.jpg", _frame(0))
    save_label_png(tmp_path / "a" / "Annotations" / "s" / "3.png", np.ones((H, W), np.int64))
    save_label_png(tmp_path / "b" / "Annotations" / "s" / "img1.png", np.ones((H, W), np.int64))
    save_label_png(tmp_path / "b" / "Annotations" / "s" / "3.png", np.ones((H, W), np.int64))
    assert sorted(pumavos.load_sequence(tmp_path / "a", "s").labels) == [2]  # 00003.jpg is the third frame
    assert sorted(pumavos.load_sequence(tmp_path / "b", "s").labels) == [1, 3]


def test_pumavos_errors_name_the_file(pumavos_root: tuple[Path, dict], tmp_path: Path) -> None:
    root, _ = pumavos_root
    with pytest.raises(SmiteInputError, match=r"00000\.png.*label 2 but only 2 parts"):
        pumavos.load_sequence(root, "seq", ["background", "body"])
    with pytest.raises(SmiteInputError, match="distinct"):
        pumavos.load_sequence(root, "seq", ["background", "body", "body"])
    save_label_png(root / "Annotations" / "seq" / "00004.png", np.zeros((H + 2, W), np.int64))
    with pytest.raises(SmiteInputError, match=r"00004\.png.*24x18 but the frames are 24x16"):
        pumavos.load_sequence(root, "seq")
    (root / "Annotations" / "seq" / "00004.png").unlink()
    save_label_png(root / "Annotations" / "seq" / "00009.png", np.zeros((H, W), np.int64))
    with pytest.raises(SmiteInputError, match=r"00009\.png.*no frame matches"):
        pumavos.load_sequence(root, "seq")
    (root / "Annotations" / "seq" / "00009.png").unlink()
    _save(root / "JPEGImages" / "seq" / "00006.jpg", _frame(0, H, W + 2))
    with pytest.raises(SmiteInputError, match=r"00006\.jpg.*frame size"):
        pumavos.load_sequence(root, "seq")
    with pytest.raises(SmiteInputError, match=r"JPEGImages/other.*no frame images"):
        pumavos.load_sequence(root, "other")
    _save(root / "JPEGImages" / "other" / "00000.jpg", _frame(0))
    with pytest.raises(SmiteInputError, match=r"Annotations/other.*not found"):
        pumavos.load_sequence(root, "other")
    with pytest.raises(SmiteInputError, match="JPEGImages"):
        pumavos.list_sequences(tmp_path / "nowhere")


def _clip(annotated: list[int], frames: int = 24, parts: int = 3) -> Clip:
    labels = {t: _labels(t, parts) for t in annotated}
    video = np.stack([_frame(t * 5) for t in range(frames)])
    return Clip("clip", video, ["background"] + [f"p{k}" for k in range(1, parts)], labels)


def test_training_frames_are_evenly_spaced_annotated_frames() -> None:
    clip = _clip(list(range(0, 24, 2)))  # 12 annotated frames
    assert pumavos.training_frames(clip, 1) == [0]
    assert pumavos.training_frames(clip, 5) == [0, 6, 12, 16, 22]
    assert pumavos.training_frames(clip, 12) == list(range(0, 24, 2))
    ten = pumavos.training_frames(clip, 10)
    assert len(set(ten)) == 10 and ten[0] == 0 and set(ten) <= set(clip.labels)
    with pytest.raises(SmiteInputError, match="13 training frames asked but only 12 annotated"):
        pumavos.training_frames(clip, 13)


def test_training_references_and_ground_truth(tmp_path: Path) -> None:
    clip = _clip([0, 4, 8, 12])
    frames = pumavos.training_frames(clip, 2)
    names = pumavos.write_training_references(clip, frames, tmp_path / "refs")
    refs = load_references(tmp_path / "refs")
    assert refs.names == names == ["clip_00000", "clip_00012"] and refs.parts == clip.parts
    assert all(np.array_equal(a, clip.labels[t]) for a, t in zip(refs.labels, frames, strict=True))
    assert all(np.array_equal(a, clip.frames[t]) for a, t in zip(refs.images, frames, strict=True))
    pumavos.write_training_references(clip, frames, tmp_path / "refs")  # same set again: fine
    with pytest.raises(SmiteInputError, match="already holds other images"):
        pumavos.write_training_references(clip, [4], tmp_path / "refs")
    with pytest.raises(SmiteInputError, match=r"frames \[5\] have no annotation"):
        pumavos.write_training_references(clip, [5], tmp_path / "other")
    paths = pumavos.export_ground_truth(clip, tmp_path / "gt", exclude=frames)
    assert [p.name for p in paths] == ["00004.png", "00008.png"]
    assert np.array_equal(read_label_png(paths[0]), clip.labels[4])


# ----------------------------------------------------------------------------- DAVIS-2016


def _davis_sequence(root: Path, seq: str, frames: int, height: int = 8, width: int = 8) -> list[np.ndarray]:
    """Frames and 0/255 grey masks; mask t holds the bits of t in its first 9 pixels (frames past 256 differ)."""
    masks = []
    for t in range(frames):
        _save(davis.frames_dir(root, seq) / f"{t:05d}.jpg", _frame(t % 256, height, width))
        mask = np.zeros((height, width), np.uint8)
        mask.flat[:9] = 255 * ((t >> np.arange(9)) & 1)
        _save(davis.annotations_dir(root, seq) / f"{t:05d}.png", mask)
        masks.append(mask)
    return masks


def _split_file(root: Path, split: str, text: str) -> None:
    path = davis.split_file(root, split)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def test_davis_split_files_in_both_formats(tmp_path: Path) -> None:
    per_frame = "".join(
        f"/JPEGImages/480p/{seq}/{t:05d}.jpg /Annotations/480p/{seq}/{t:05d}.png\n"
        for seq in ["bear", "blackswan", "bear"]
        for t in range(3)
    )
    _split_file(tmp_path, "train", per_frame + "\n")
    _split_file(tmp_path, "val", "bear\n\nblackswan\r\ncows\nbear\n")
    assert davis.read_split(tmp_path, "train") == ["bear", "blackswan"]
    assert davis.read_split(tmp_path, "val") == ["bear", "blackswan", "cows"]
    _split_file(tmp_path, "bad", "bear\nblack swan\n")
    with pytest.raises(SmiteInputError, match=r"bad\.txt.*line 2"):
        davis.read_split(tmp_path, "bad")
    _split_file(tmp_path, "empty", "\n\n")
    with pytest.raises(SmiteInputError, match=r"empty\.txt.*no sequences"):
        davis.read_split(tmp_path, "empty")
    with pytest.raises(SmiteInputError, match=r"test\.txt.*missing split file"):
        davis.read_split(tmp_path, "test")


def test_davis_masks_become_zero_one(tmp_path: Path) -> None:
    masks = _davis_sequence(tmp_path, "s", 4)
    clip = davis.load_sequence(tmp_path, "s")
    assert clip.parts == ["background", "object"] and sorted(clip.labels) == [0, 1, 2, 3]
    assert all(np.array_equal(clip.labels[t], masks[t] // 255) for t in range(4))
    # The same masks as RGB, as a 0/255 palette PNG and as a palette PNG with index 1 read alike.
    _save(davis.annotations_dir(tmp_path, "s") / "00001.png", np.repeat(masks[1][..., None], 3, axis=2))
    _save(davis.annotations_dir(tmp_path, "s") / "00002.png", masks[2], palette=True)
    _save(davis.annotations_dir(tmp_path, "s") / "00003.png", masks[3] // 255, palette=True)
    again = davis.load_sequence(tmp_path, "s")
    assert all(np.array_equal(again.labels[t], masks[t] // 255) for t in range(4))


def test_davis_long_video_keeps_frame_numbers_past_256(tmp_path: Path) -> None:
    masks = _davis_sequence(tmp_path, "long", 300)
    clip = davis.load_sequence(tmp_path, "long")
    assert clip.num_frames == 300 and sorted(clip.labels) == list(range(300))
    assert np.array_equal(clip.labels[299], masks[299] // 255) and not np.array_equal(clip.labels[299], clip.labels[43])
    paths = davis.export_ground_truth(clip, tmp_path / "gt", exclude=[0])
    assert len(paths) == 299 and paths[-1].name == "00299.png"
    assert np.array_equal(read_label_png(paths[-1]), clip.labels[299])


def test_davis_zero_shot_references_are_deterministic(tmp_path: Path) -> None:
    for seq in ["a", "b", "c"]:
        _davis_sequence(tmp_path, seq, 40)
    picks = davis.zero_shot_references(tmp_path, ["a", "b", "c"], 7, tmp_path / "r1")
    assert [seq for seq, _ in picks] == ["a", "b", "c"] and all(0 <= t < 40 for _, t in picks)
    assert davis.zero_shot_references(tmp_path, ["c", "a", "b"], 7, tmp_path / "r2") == [picks[2], picks[0], picks[1]]
    assert _files(tmp_path / "r1") == _files(tmp_path / "r2")
    others = [davis.zero_shot_references(tmp_path, ["a", "b", "c"], seed, tmp_path / f"s{seed}") for seed in range(3)]
    assert any(other != picks for other in others)
    refs = load_references(tmp_path / "r1")
    assert refs.parts == ["background", "object"] and refs.names == [f"{s}_{t:05d}" for s, t in picks]
    seq, frame = picks[0]
    assert np.array_equal(refs.labels[0], davis.load_sequence(tmp_path, seq).labels[frame])


def test_davis_semi_supervised_reference_is_the_first_frame(tmp_path: Path) -> None:
    masks = _davis_sequence(tmp_path, "v", 5)
    clip = davis.load_sequence(tmp_path, "v")
    assert davis.semi_supervised_references(clip, tmp_path / "refs") == [("v", 0)]
    refs = load_references(tmp_path / "refs")
    assert refs.names == ["v_00000"] and np.array_equal(refs.labels[0], masks[0] // 255)


def test_davis_errors_name_the_file(tmp_path: Path) -> None:
    _davis_sequence(tmp_path, "s", 3)
    _save(davis.annotations_dir(tmp_path, "s") / "00001.png", np.zeros((9, 8), np.uint8))
    with pytest.raises(SmiteInputError, match=r"00001\.png.*8x9 but the frames are 8x8"):
        davis.load_sequence(tmp_path, "s")
    (davis.annotations_dir(tmp_path, "s") / "00001.png").write_bytes(b"not a png")
    with pytest.raises(SmiteInputError, match=r"00001\.png.*unreadable"):
        davis.load_sequence(tmp_path, "s")
    with pytest.raises(SmiteInputError, match=r"480p/missing.*not found"):
        davis.load_sequence(tmp_path, "missing")


# ----------------------------------------------------------------------------- PASCAL-Part


@pytest.fixture()
def pascal_root(tmp_path: Path) -> Path:
    """car/train_1 with one RGBA image, car/test with two RGB images (labels 0..5)."""
    root = tmp_path / "pascal"
    folder = pascal_part.split_dir(root, "car", "train_1")
    rgba = np.dstack([_frame(90), np.full((H, W), 255, np.uint8)])
    _save(folder / "2008_000001.png", rgba)
    np.save(folder / "2008_000001.npy", _labels(0, 6).astype(np.uint8))
    for index in (10, 2):
        _save(pascal_part.split_dir(root, "car", "test") / f"img{index}.png", _frame(index))
        np.save(pascal_part.split_dir(root, "car", "test") / f"img{index}.npy", _labels(index, 6))
    return root


def test_pascal_split_loading(pascal_root: Path) -> None:
    parts = pascal_part.PASCAL_PARTS["car"]
    [(stem, image, labels)] = pascal_part.load_split(pascal_root, "car", "train_1", parts)
    assert stem == "2008_000001" and image.shape == (H, W, 3) and image.dtype == np.uint8
    assert (image == 90).all() and labels.dtype == np.int64 and np.array_equal(labels, _labels(0, 6))
    test = pascal_part.load_split(pascal_root, "car", "test", parts)
    assert [item[0] for item in test] == ["img2", "img10"]


def test_pascal_references_and_ground_truth(pascal_root: Path, tmp_path: Path) -> None:
    parts = pascal_part.PASCAL_PARTS["car"]
    names = pascal_part.write_references(pascal_root, "car", "train_1", parts, tmp_path / "refs")
    refs = load_references(tmp_path / "refs")  # parts.txt written: a REFS_DIR
    assert refs.names == names == ["2008_000001"] and refs.parts == parts
    items = pascal_part.load_split(pascal_root, "car", "test", parts)
    paths = pascal_part.export_ground_truth(items, tmp_path / "gt")
    assert [p.name for p in paths] == ["img2.png", "img10.png"]
    assert np.array_equal(read_label_png(paths[1]), items[1][2])


def test_pascal_errors_name_the_file(pascal_root: Path) -> None:
    parts = pascal_part.PASCAL_PARTS["car"]
    folder = pascal_part.split_dir(pascal_root, "car", "test")
    with pytest.raises(SmiteInputError, match=r"car/val.*no 'val' split folder"):
        pascal_part.load_split(pascal_root, "car", "val", parts)
    with pytest.raises(SmiteInputError, match=r"img2\.npy.*label 5 outside the 5 parts"):
        pascal_part.load_split(pascal_root, "car", "test", parts[:5])
    np.save(folder / "img10.npy", np.zeros((H, W + 1), np.int64))
    with pytest.raises(SmiteInputError, match=r"img10\.npy.*25x16 but the image is 24x16"):
        pascal_part.load_split(pascal_root, "car", "test", parts)
    (folder / "img10.npy").rename(folder / "lonely.npy")
    with pytest.raises(SmiteInputError, match=r"lonely\.npy.*mask without"):
        pascal_part.load_split(pascal_root, "car", "test", parts)
    (folder / "lonely.npy").unlink()
    with pytest.raises(SmiteInputError, match=r"img10\.png.*image without a mask"):
        pascal_part.load_split(pascal_root, "car", "test", parts)
    np.save(folder / "img10.npy", np.zeros((H, W), np.float32))
    with pytest.raises(SmiteInputError, match=r"img10\.npy.*integer"):
        pascal_part.load_split(pascal_root, "car", "test", parts)


# ----------------------------------------------------------------------------- synthetic layouts

PUMAVOS_TINY = PumavosSynthSettings(size=32, categories=("robot", "glyph"), frames=6, annotate_every=2)
DAVIS_TINY = DavisSynthSettings(size=32, train_sequences=2, val_sequences=2, frames=4)
PASCAL_TINY = PascalPartSynthSettings(size=32, categories=("fish",), train_10=3, val=1, test=2)


def test_synthetic_pumavos_round_trip(tmp_path: Path) -> None:
    manifest = generate_pumavos(tmp_path / "p", PUMAVOS_TINY)
    assert json.loads((tmp_path / "p" / "manifest.json").read_text()) == manifest
    assert manifest["layout"] == "pumavos"
    assert manifest["totals"] == {"sequences": 2, "frames": 12, "annotated_frames": 6}
    assert pumavos.list_sequences(tmp_path / "p") == sorted(manifest["sequences"]) == ["glyph_00", "robot_00"]
    for name, entry in manifest["sequences"].items():
        clip = pumavos.load_sequence(tmp_path / "p", name, entry["parts"])
        assert clip.frames.shape == (6, 32, 32, 3) and sorted(clip.labels) == entry["annotated"] == [0, 2, 4]
        present = np.unique(np.stack(list(clip.labels.values())))
        assert present[0] == 0 and len(present) >= 3 and present[-1] < len(entry["parts"])
        assert pumavos.training_frames(clip, 2) == [0, 4]
    generate_pumavos(tmp_path / "again", PUMAVOS_TINY)
    assert _files(tmp_path / "p") == _files(tmp_path / "again")


def test_synthetic_davis_round_trip(tmp_path: Path) -> None:
    manifest = generate_davis(tmp_path / "d", DAVIS_TINY)
    assert manifest["splits"] == {"train": ["robot_train00", "fish_train01"], "val": ["robot_val00", "fish_val01"]}
    first = davis.split_file(tmp_path / "d", "train").read_text().splitlines()[0]
    assert first == "/JPEGImages/480p/robot_train00/00000.jpg /Annotations/480p/robot_train00/00000.png"
    for split, names in manifest["splits"].items():
        assert davis.read_split(tmp_path / "d", split) == names
        for name in names:
            clip = davis.load_sequence(tmp_path / "d", name)
            assert clip.frames.shape == (4, 32, 32, 3) and sorted(clip.labels) == [0, 1, 2, 3]
            assert all(set(np.unique(label)) == {0, 1} for label in clip.labels.values())
    picks = davis.zero_shot_references(tmp_path / "d", manifest["splits"]["train"], 0, tmp_path / "refs")
    assert len(load_references(tmp_path / "refs")) == len(picks) == 2
    generate_davis(tmp_path / "again", DAVIS_TINY)
    assert _files(tmp_path / "d") == _files(tmp_path / "again")


def test_synthetic_pascal_part_round_trip(tmp_path: Path) -> None:
    manifest = generate_pascal_part(tmp_path / "pp", PASCAL_TINY)
    assert manifest["totals"] == {"train_1": 1, "train_10": 3, "val": 1, "test": 2}
    parts = manifest["classes"]["fish"]["parts"]
    for split, stems in manifest["classes"]["fish"]["splits"].items():
        items = pascal_part.load_split(tmp_path / "pp", "fish", split, parts)
        assert [stem for stem, _, _ in items] == stems
        assert all(image.shape == (32, 32, 3) and labels.max() == len(parts) - 1 for _, image, labels in items)
    pascal_part.write_references(tmp_path / "pp", "fish", "train_10", parts, tmp_path / "refs")
    assert len(load_references(tmp_path / "refs")) == 3
    generate_pascal_part(tmp_path / "again", PASCAL_TINY)
    assert _files(tmp_path / "pp") == _files(tmp_path / "again")
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no build folder left behind


def test_synthetic_layout_configs_and_output_rules(tmp_path: Path) -> None:
    for config_type, bad in [
        (PumavosSynthSettings, {"annotate_every": 0}),
        (PumavosSynthSettings, {"categories": ["dragon"]}),
        (DavisSynthSettings, {"val_sequences": 0}),
        (PascalPartSynthSettings, {"test": 0}),
        (PascalPartSynthSettings, {"size": 33}),
    ]:
        with pytest.raises(ValueError):
            config_type(**bad)
    assert PumavosSynthSettings(categories=["fish"]).categories == ("fish",)  # YAML lists are fine
    with pytest.raises(SmiteInputError, match="unknown dataset 'kitti'"):
        generate_layout("kitti", tmp_path / "k")
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "notes.txt").write_text("keep me")
    with pytest.raises(SmiteInputError, match="busy"):
        generate_layout("davis2016", tmp_path / "busy", size=32, frames=2)
    assert (tmp_path / "busy" / "notes.txt").read_text() == "keep me"
    manifest = generate_layout("pascal_part", tmp_path / "pp", size=32, categories=["robot"], train_10=1, test=1)
    assert manifest["config"]["categories"] == ["robot"]
    generate_layout("pumavos", tmp_path / "pp", size=32, categories=["robot"], frames=2)  # replaces a generated set
    assert not (tmp_path / "pp" / "robot").exists() and (tmp_path / "pp" / "JPEGImages" / "robot_00").is_dir()


def test_synth_command_layouts(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert build_parser().parse_args(["synth", "out"]).layout == "smite50"
    assert main(["synth", str(tmp_path / "davis"), "--layout", "davis2016", "--seed", "3"]) == 0
    assert "davis2016" in capsys.readouterr().out
    manifest = json.loads((tmp_path / "davis" / "manifest.json").read_text())
    assert manifest["config"]["seed"] == 3 and davis.read_split(tmp_path / "davis", "val") == manifest["splits"]["val"]
    with pytest.raises(SystemExit) as stop:
        main(["synth", str(tmp_path / "x"), "--layout", "kitti"])
    assert stop.value.code == 2


def test_every_dataset_is_one_package_exporting_one_dataset_type() -> None:
    """Each DATASET_TYPES entry is its package's DATASET (smite.data.<package>), and what it holds has one signature
    per role whatever the dataset: items(root), synthetic(out_dir, **settings), toy(root, spec, settings), a video's
    source(root, folder, video) and clip(root, group, video, parts), annotated(root, folder, video), and
    statistics(root)."""
    import importlib
    import inspect

    from smite.data.protocols import DATASET_TYPES

    packages = {"smite50": "smite50", "pumavos": "pumavos", "davis2016": "davis", "pascal_part": "pascal_part"}
    assert set(packages) == set(DATASET_TYPES)

    def arity(function) -> tuple[int, bool]:
        parameters = inspect.signature(function).parameters.values()
        return (sum(p.kind == p.POSITIONAL_OR_KEYWORD for p in parameters),
                any(p.kind == p.VAR_KEYWORD for p in parameters))

    for key, package in packages.items():
        kind = DATASET_TYPES[key]
        assert importlib.import_module(f"smite.data.{package}").DATASET is kind, key
        assert arity(kind.items) == (1, False) and arity(kind.synthetic) == (1, True) and arity(kind.toy) == (3, False)
        if kind.statistics is not None:
            assert arity(kind.statistics) == (1, False), key
        if kind.videos is not None:
            assert arity(kind.videos.source) == (3, False) and arity(kind.videos.clip) == (4, False), key
            assert kind.videos.annotated is None or arity(kind.videos.annotated) == (3, False), key
