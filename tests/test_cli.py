"""The `smite` command end to end on a tiny synthetic set, and its one-line errors (exit 2)."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np
import pytest
import yaml

from smite.cli import main
from smite.data.masks import read_label_png
from smite.data.smite50 import export_label_pngs, load_video_clip, video_path
from smite.data.video import read_video


@pytest.fixture(scope="module")
def fast_config(tmp_path_factory):
    """Method overrides that make the full SMITE method run in seconds (plumbing, not quality)."""
    path = tmp_path_factory.mktemp("config") / "fast.yaml"
    path.write_text(yaml.safe_dump({"method": {"backbone": {"name": "embedded"}, "precision": "fp32", "inference": {
        "window": 6, "overlap": 2, "guided_updates": 1, "updates_per_step": 1, "vote_window": 5}}}))
    return path


@pytest.fixture(scope="module")
def trained(synth_root, tmp_path_factory):
    """A checkpoint trained by `smite train` (2 epochs: plumbing, not quality)."""
    out = tmp_path_factory.mktemp("ckpt") / "fish.safetensors"
    code = main(["train", str(synth_root / "fish"), "--out", str(out), "--backbone", "embedded",
                 "--mode", "embeddings", "--epochs", "2", "--shots", "2", "--device", "cpu", "--quiet"])
    assert code == 0
    return out


def test_train_track_segment_evaluate(synth_root, trained, fast_config, tmp_path, capsys):
    video = video_path(synth_root, "fish", "fish_00")
    tracks = tmp_path / "tracks.npz"
    assert main(["track", str(video), "--out", str(tracks), "--window", "5", "--backbone", "embedded",
                 "--config", str(fast_config), "--quiet"]) == 0
    out = tmp_path / "seg"
    assert main(["segment", str(video), "--model", str(trained), "--out", str(out), "--device", "cpu",
                 "--method", "smite", "--tracks", str(tracks), "--config", str(fast_config), "--quiet"]) == 0
    frames, _ = read_video(video)
    masks = sorted((out / "masks").glob("*.png"))
    assert len(masks) == len(frames)
    first = read_label_png(masks[0])
    assert first.shape == frames.shape[1:3] and first.max() < 5
    parts = json.loads((out / "parts.json").read_text())["parts"]
    assert parts == {"0": "background", "1": "body", "2": "fin", "3": "tail", "4": "eye"}
    assert len(read_video(out / "overlay.mp4")[0]) == len(frames)
    assert not list(tmp_path.glob(".*partial"))

    clip = load_video_clip(synth_root, "fish", "fish_00", ["background", "body", "fin", "tail", "eye"])
    gt = tmp_path / "gt"
    export_label_pngs(clip, gt)
    metrics = tmp_path / "m.json"
    assert main(["evaluate", str(out / "masks"), str(gt), "--out", str(metrics), "--tracks", str(tracks),
                 "--video", str(video)]) == 0
    scores = json.loads(metrics.read_text())
    assert 0 <= scores["flicker"] <= 1 and 0 <= scores["warped_agreement"] <= 1
    assert scores["frames"] == len(clip.labels)
    assert 0 <= scores["mIoU"] <= 100 and 0 <= scores["F"] <= 1
    assert "mIoU" in capsys.readouterr().out


def test_segment_is_deterministic(synth_root, trained, tmp_path):
    video = video_path(synth_root, "fish", "fish_00")
    outs = []
    for name in ("a", "b"):
        assert main(["segment", str(video), "--model", str(trained), "--out", str(tmp_path / name),
                     "--device", "cpu", "--method", "baseline2", "--per-part-masks", "--quiet"]) == 0
        outs.append([read_label_png(p) for p in sorted((tmp_path / name / "masks").glob("*.png"))])
    for a, b in zip(*outs, strict=True):
        np.testing.assert_array_equal(a, b)
    mattes = sorted(p for p in (tmp_path / "a" / "part_masks").iterdir())
    assert [m.name for m in mattes] == ["01_body", "02_fin", "03_tail", "04_eye"]
    for part, folder in enumerate(mattes, start=1):  # exact mattes: 0 or 255, equal to the label masks
        pngs = sorted(folder.glob("*.png"))
        assert len(pngs) == len(outs[0])
        for png, labels in zip(pngs, outs[0], strict=True):
            matte = cv2.imread(str(png), cv2.IMREAD_UNCHANGED)
            assert matte.dtype == np.uint8 and matte.ndim == 2
            np.testing.assert_array_equal(matte, np.where(labels == part, 255, 0))


def _error(capsys, argv) -> str:
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("smite: error:") and "\n" not in err and "Traceback" not in err
    return err


def test_bad_inputs_give_one_line_and_exit_2(synth_root, trained, tmp_path, capsys):
    corrupt = tmp_path / "broken.mp4"
    corrupt.write_bytes(np.random.default_rng(0).bytes(2000))
    assert "broken.mp4" in _error(capsys, ["segment", str(corrupt), "--model", str(trained), "--out",
                                           str(tmp_path / "o1"), "--device", "cpu"])
    assert not (tmp_path / "o1").exists()

    empty = tmp_path / "empty"
    empty.mkdir()
    assert "empty" in _error(capsys, ["segment", str(empty), "--model", str(trained), "--out",
                                      str(tmp_path / "o2"), "--device", "cpu"])

    foreign = tmp_path / "foreign.safetensors"
    foreign.write_text("hello")
    video = video_path(synth_root, "fish", "fish_00")
    assert "foreign.safetensors" in _error(capsys, ["segment", str(video), "--model", str(foreign), "--out",
                                                    str(tmp_path / "o3"), "--device", "cpu"])
    assert not (tmp_path / "o3").exists()

    refs = tmp_path / "refs"
    shutil.copytree(synth_root / "fish", refs)
    first_label = sorted(refs.glob("*.npy"))[0]
    labels = np.load(first_label)
    labels[0, 0] = 9
    np.save(first_label, labels)
    assert first_label.name in _error(capsys, ["train", str(refs), "--out", str(tmp_path / "x.safetensors"),
                                               "--backbone", "embedded", "--epochs", "1", "--device", "cpu"])
    assert not (tmp_path / "x.safetensors").exists()

    gt = tmp_path / "gt_bad"
    gt.mkdir()
    assert "gt_bad" in _error(capsys, ["evaluate", str(tmp_path), str(gt), "--out", str(tmp_path / "m.json")])

    wrong = tmp_path / "wrong_tracks.npz"
    other = video_path(synth_root, "robot", "robot_00")
    assert main(["track", str(other), "--out", str(wrong), "--window", "3", "--backbone", "embedded", "--quiet"]) == 0
    assert "wrong_tracks.npz" in _error(capsys, ["segment", str(video), "--model", str(trained), "--out",
                                                 str(tmp_path / "o4"), "--tracks", str(wrong), "--method",
                                                 "baseline2", "--device", "cpu"])


def test_unwritable_output_and_foreign_backbone(synth_root, trained, tmp_path, capsys):
    video = video_path(synth_root, "fish", "fish_00")
    blocker = tmp_path / "a_file"
    blocker.write_text("not a folder")
    err = _error(capsys, ["segment", str(video), "--model", str(trained), "--out", str(blocker / "out"),
                          "--method", "baseline1", "--device", "cpu", "--quiet"])
    assert "a_file" in err

    from smite.learn.checkpoint import load_checkpoint, save_checkpoint

    state, metadata = load_checkpoint(trained)
    other = tmp_path / "other_backbone.safetensors"
    save_checkpoint(other, state, replace(metadata, backbone={"backbone": "embedded", "config_sha256": "0" * 16}))
    err = _error(capsys, ["segment", str(video), "--model", str(other), "--out", str(tmp_path / "o5"),
                          "--method", "baseline1", "--device", "cpu", "--quiet"])
    assert "other_backbone.safetensors" in err and "trained on backbone" in err
    assert not (tmp_path / "o5").exists()


@pytest.mark.parametrize("suffix", [".avi", ".mkv"])
def test_other_size_and_container(synth_root, trained, tmp_path, suffix):
    """A non-square video in another container: masks come back at the input size."""
    frames, _ = read_video(video_path(synth_root, "fish", "fish_00"))
    wide = np.stack([cv2.resize(f, (160, 100), interpolation=cv2.INTER_AREA) for f in frames[:6]])
    video = tmp_path / f"shot{suffix}"
    writer = cv2.VideoWriter(str(video), cv2.VideoWriter_fourcc(*"MJPG"), 25.0, (160, 100))  # another tool's file
    for frame in wide:
        writer.write(cv2.cvtColor(frame, cv2.COLOR_RGB2BGR))
    writer.release()
    out = tmp_path / "out"
    assert main(["segment", str(video), "--model", str(trained), "--out", str(out), "--method", "baseline1",
                 "--device", "cpu", "--quiet"]) == 0
    masks = sorted((out / "masks").glob("*.png"))
    assert len(masks) == 6 and read_label_png(masks[0]).shape == (100, 160)
    assert read_video(out / "overlay.mp4")[0].shape[1:3] == (100, 160)


def test_interrupted_segment_leaves_nothing(synth_root, trained, tmp_path, monkeypatch, capsys):
    import smite.segment.outputs

    calls = {"n": 0}
    original = smite.segment.outputs.save_label_png

    def interrupt_midway(path, labels):
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt
        original(path, labels)

    monkeypatch.setattr(smite.segment.outputs, "save_label_png", interrupt_midway)
    out = tmp_path / "out"
    code = main(["segment", str(video_path(synth_root, "fish", "fish_00")), "--model", str(trained), "--out",
                 str(out), "--method", "baseline1", "--device", "cpu", "--quiet"])
    assert code == 130 and calls["n"] == 3
    assert not out.exists() and not list(tmp_path.glob(".*"))


def test_every_option_is_explained(capsys):
    from smite.cli import build_parser

    parser = build_parser()
    subcommands = parser._subparsers._group_actions[0].choices
    for name, sub in subcommands.items():
        for action in sub._actions:
            if action.dest != "help":
                assert action.help, (name, action.dest)


def test_cpu_note_for_paper_guidance_settings(capsys):
    from smite.cli import _warn_if_slow
    from smite.config import method_settings

    _warn_if_slow(method_settings({"device": "cpu"}), "smite")
    assert "3x15 guided updates on a CPU" in capsys.readouterr().err
    _warn_if_slow(method_settings({"device": "cpu", "inference": {"updates_per_step": 2}}), "smite")
    _warn_if_slow(method_settings({"device": "cpu"}), "baseline1")
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize(("method", "message"), [
    ({"inference": {"windw": 3}}, "unknown method setting 'inference.windw'"),
    ({"train": {"epoch": 3}}, "unknown method setting 'train.epoch'"),
    ({"train": {"epochs": "300"}}, "'train.epochs' must be an integer"),
    ({"inference": {"lambda_reg": "8"}}, "'inference.lambda_reg' must be a number"),
    ({"train": {"phase2_train_embeddings": 1}}, "must be true or false"),
    ({"inference": {"window": 8}}, "'inference.overlap' must be below window (8)"),  # the default overlap is 8
])
def test_config_typos_give_one_line(tmp_path, capsys, method, message):
    """A run config's `method:` is checked against the packaged defaults: key and file named, exit 2."""
    config = tmp_path / "run.yaml"
    config.write_text(yaml.safe_dump({"method": method}))
    line = _error(capsys, ["config", "--config", str(config)])
    assert message in line and "run.yaml" in line


def test_config_prints_resolved_values(tmp_path, capsys):
    config = tmp_path / "run.yaml"
    config.write_text(yaml.safe_dump({"method": {"inference": {"lambda_track": 1}}}))  # an int for a float is fine
    assert main(["config", "--config", str(config)]) == 0
    printed = yaml.safe_load(capsys.readouterr().out)
    assert printed["inference"]["lambda_track"] == 1 and printed["inference"]["guidance_lr"] == 10.0


def test_readme_python_example_runs(synth_root, trained, tmp_path, monkeypatch):
    """The README's "From Python" block, run as written on a trained checkpoint and a synthetic video."""
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    code = readme.split("### From Python", 1)[1].split("```python\n", 1)[1].split("```", 1)[0]
    shutil.copy(trained, tmp_path / "model.safetensors")
    shutil.copy(video_path(synth_root, "fish", "fish_00"), tmp_path / "video.mp4")
    monkeypatch.chdir(tmp_path)
    namespace: dict = {}
    exec(compile(code, "README.md", "exec"), namespace)
    frames, labels = namespace["frames"], namespace["labels"]
    assert labels.shape == frames.shape[:3] and labels.min() >= 0 and labels.max() < 5
    assert namespace["inference"].lambda_reg == 4.0 and namespace["inference"].window == 6


def test_config_lists_each_model_with_its_revision(capsys) -> None:
    """`smite config --config config/paper.yaml` names every pretrained model the paper's run loads, pinned."""
    from smite.cli import main
    from smite.settings import MethodSettings

    assert main(["config", "--config", str(Path(__file__).parents[1] / "config" / "paper.yaml")]) == 0
    header = [line for line in capsys.readouterr().out.splitlines() if line.startswith("# ")]
    for key, spec in MethodSettings().models.items():
        assert f"# {key}: {spec.repo}@{spec.revision}  ({spec.title})" in header
    assert main(["config"]) == 0  # the packaged defaults: SD 2.1 only (flow tracker, no GSAM2 run)
    assert [line for line in capsys.readouterr().out.splitlines() if line.startswith("# sd21")] != []


def test_a_segmentation_job_equals_each_method_run_alone(synth_root, trained, fast_config, tmp_path):
    """One model load for every method of a job (the workflow's segment_video): each method's masks and legend are
    byte for byte those of the method segmented alone in its own process state, whatever the order."""
    from smite.api import segment_video, segment_video_job, segment_video_methods
    from smite.config import method_settings
    from smite.methods import method_folder

    video = video_path(synth_root, "fish", "fish_00")
    method = method_settings(yaml.safe_load(fast_config.read_text())["method"])
    methods = ["baseline1", "baseline2", "smite"]
    segment_video_job(video, trained, tmp_path / "job", methods, method, progress=False)
    assert sorted(p.name for p in (tmp_path / "job").iterdir()) == methods
    segment_video_methods(video, trained, {m: tmp_path / "reversed" / m for m in reversed(methods)}, method,
                          progress=False)
    for name in methods:
        alone = tmp_path / "alone" / name
        segment_video(video, trained, alone, name, method, progress=False)
        for other in (method_folder(tmp_path / "job", name), tmp_path / "reversed" / name):
            assert (other / "parts.json").read_bytes() == (alone / "parts.json").read_bytes()
            masks = sorted((alone / "masks").glob("*.png"))
            assert masks and [p.read_bytes() for p in masks] == [
                (other / "masks" / p.name).read_bytes() for p in masks], (name, other)
    assert not list(tmp_path.glob(".*partial"))


def test_a_segmentation_job_reads_the_protocol_frames_and_writes_the_scored_labels(synth_root, trained, fast_config,
                                                                                  tmp_path):
    """With `frames` (the run's video protocol) a job segments the video's first frames only; each method also writes
    its labels at inference.score_size square (scored/), which the evaluation scores; score_size 0 writes none."""
    from PIL import Image

    from smite.api import segment_video_job
    from smite.config import method_settings
    from smite.methods import method_folder

    video = video_path(synth_root, "fish", "fish_00")
    overrides = yaml.safe_load(fast_config.read_text())["method"]
    for score_size in (96, 0):
        method = method_settings({**overrides,
                                  "inference": {**overrides.get("inference", {}), "score_size": score_size}})
        job = tmp_path / f"job{score_size}"
        segment_video_job(video, trained, job, ["baseline1", "smite"], method, progress=False, frames=8)
        for name in ("baseline1", "smite"):
            folder = method_folder(job, name)
            masks = sorted((folder / "masks").glob("*.png"))
            assert len(masks) == 8 and json.loads((folder / "parts.json").read_text())["frames"] == 8
            scored = sorted((folder / "scored").glob("*.png"))
            assert [p.name for p in scored] == ([p.name for p in masks] if score_size else [])
            assert all(Image.open(p).size == (96, 96) for p in scored)


def _library_copy(tmp_path: Path) -> Path:
    """A copy of the smite package (for a walk-through's edits), as the folder to put on PYTHONPATH."""
    copy = tmp_path / "copy"
    shutil.copytree(Path(__file__).parents[1] / "smite", copy / "smite", ignore=shutil.ignore_patterns("__pycache__"))
    return copy


def _run_in_copy(copy: Path, script: str, *args: object) -> None:
    """`script` in a fresh interpreter that imports the library from `copy`."""
    import subprocess
    import sys

    result = subprocess.run([sys.executable, "-c", script, *map(str, args)], cwd=copy.parent, capture_output=True,
                            text=True, timeout=600,
                            env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(copy), "OMP_NUM_THREADS": "2"})
    assert result.returncode == 0, result.stderr[-3000:]


def _masks(folder: Path) -> np.ndarray:
    return np.stack([read_label_png(p) for p in sorted((folder / "masks").glob("*.png"))])


AREA_ENERGY = '''

def background_area(maps: SliceMaps) -> torch.Tensor:
    """The walk-through's new energy: the share of the slice's maps given to the background."""
    return maps.S.softmax(1)[:, 0].mean()
'''

SEGMENT_THREE_WAYS = """
import sys
from pathlib import Path
import yaml
from smite.cli import main
video, model, config, out = sys.argv[1:5]
for name, method, weight in (("smite", "smite", 0), ("off", "smite_area", 0), ("on", "smite_area", 50)):
    run = yaml.safe_load(Path(config).read_text())
    run["method"]["inference"]["lambda_area"] = weight
    with open(f"{out}/{name}.yaml", "w") as target:
        yaml.safe_dump(run, target)
    code = main(["segment", video, "--model", model, "--out", f"{out}/{name}", "--device", "cpu", "--method", method,
                 "--config", f"{out}/{name}.yaml", "--quiet"])
    assert code == 0, name
"""


def test_adding_an_energy_is_one_function_one_registry_line_and_its_weight(synth_root, trained, fast_config,
                                                                           tmp_path):
    """docs/architecture.md, 'Add a guidance energy', in a copy of the library: a function of a slice's maps, its
    ENERGIES line (reading S alone), its weight as one InferenceSettings setting, and a Method naming it. `smite
    segment --method smite_area` then descends it: at weight 0 the masks are SMITE's to the bit (a term of weight 0
    is not computed), at weight 50 they move."""
    copy = _library_copy(tmp_path)
    energy = copy / "smite" / "guide" / "energy.py"
    energy.write_text(energy.read_text() + AREA_ENERGY)
    registry = copy / "smite" / "energies.py"
    entry = '"lambda_reg", ("reference", "mask")),  # eq. 6, paper 4.4\n'
    assert entry in registry.read_text()
    registry.write_text(registry.read_text().replace(
        entry, entry + '    "area": EnergyKind("smite.guide.energy:background_area", "lambda_area", ()),\n'))
    settings = copy / "smite" / "settings.py"
    weight_anchor = '    lambda_reg: float = setting('
    assert weight_anchor in settings.read_text()
    settings.write_text(settings.read_text().replace(weight_anchor, (
        '    lambda_area: float = setting(0.0, "weight of the background-area energy", minimum=0)\n' + weight_anchor)))
    methods = copy / "smite" / "methods.py"
    method_anchor = '    Method("smite", "SMITE (ours)"'
    assert method_anchor in methods.read_text()
    methods.write_text(methods.read_text().replace(method_anchor, (
        '    Method("smite_area", "SMITE + area", "two-phase", "smite_area", public=True, inflated=True,\n'
        '           passes=GUIDED, energies=("track", "reg", "area")),\n' + method_anchor)))
    out = tmp_path / "out"
    out.mkdir()
    video = video_path(synth_root, "fish", "fish_00")
    _run_in_copy(copy, SEGMENT_THREE_WAYS, video, trained, fast_config, out)

    smite, off, on = (_masks(out / name) for name in ("smite", "off", "on"))
    np.testing.assert_array_equal(off, smite)
    assert (on != smite).any()


NEW_PASSES = '''


class HoldPass:
    """The walk-through's identity window pass: the previous pass's maps as they are."""

    def __init__(self, model, variant, inference, trace=None) -> None:
        self.config = inference

    def window(self, view, posterior, window, maps):
        return maps


class WindowMeanPass(HoldPass):
    """The walk-through's smoothing window pass: every frame of a window takes the window's mean raw maps."""

    def window(self, view, posterior, window, maps):
        return InferenceWas(maps.raw.mean(0, keepdim=True).expand_as(maps.raw).clone(), maps.low, maps.high)
'''

SEGMENT_BY_METHODS = """
import sys
from smite.cli import main
video, model, config, out = sys.argv[1:5]
for method in sys.argv[5:]:
    code = main(["segment", video, "--model", model, "--out", f"{out}/{method}", "--device", "cpu", "--method", method,
                 "--config", config, "--quiet"])
    assert code == 0, method
"""


def test_adding_a_pass_is_one_class_one_registry_line_and_a_method(synth_root, trained, fast_config, tmp_path):
    """docs/architecture.md, 'Add an inference pass', in a copy of the library: two window passes (an identity and a
    window mean of the maps), their PASSES lines and a Method naming each after the reference pass. `smite segment`
    then runs them: the identity gives Baseline-III's masks to the bit, the mean other masks."""
    copy = _library_copy(tmp_path)
    passes = copy / "smite" / "segment" / "passes.py"
    passes.write_text(passes.read_text() + NEW_PASSES)
    registry = copy / "smite" / "passes.py"
    entry = '    "vote": PassKind('
    assert entry in registry.read_text()
    registry.write_text(registry.read_text().replace(entry, (
        '    "hold": PassKind("smite.segment.passes:HoldPass", WINDOW, "the maps as they are"),\n'
        '    "mean": PassKind("smite.segment.passes:WindowMeanPass", WINDOW, "the window mean of the maps"),\n'
        + entry)))
    methods = copy / "smite" / "methods.py"
    method_anchor = '    Method("gsam2", "GSAM2"'
    assert method_anchor in methods.read_text()
    methods.write_text(methods.read_text().replace(method_anchor, (
        '    Method("hold", "Baseline-III held", "embeddings", "hold", public=True, inflated=True,\n'
        '           passes=("reference", "hold")),\n'
        '    Method("mean", "Baseline-III window mean", "embeddings", "mean", public=True, inflated=True,\n'
        '           passes=("reference", "mean")),\n' + method_anchor)))
    out = tmp_path / "out"
    out.mkdir()
    video = video_path(synth_root, "fish", "fish_00")
    _run_in_copy(copy, SEGMENT_BY_METHODS, video, trained, fast_config, out, "baseline3", "hold", "mean")

    baseline3, hold, mean = (_masks(out / name) for name in ("baseline3", "hold", "mean"))
    np.testing.assert_array_equal(hold, baseline3)
    assert (mean != baseline3).any()
