"""GSAM2 baseline: prompts, box assignment, label combination, and the whole pipeline on tiny random models."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from smite.config import method_settings
from smite.data.video import write_image
from smite.errors import SmiteInputError
from smite.gsam2 import (
    TINY_RANDOM,
    GSAM2Models,
    assign_boxes,
    build_caption,
    build_tiny_gsam2,
    combine_part_logits,
    ground_parts,
    load_gsam2,
    part_prompt,
    run_gsam2_video,
    segment_gsam2,
    token_spans,
)

PARTS = ["background", "head", "left_ear", "tail"]
EVERY_BOX = {"box_threshold": 0.0, "text_threshold": 0.0, "prompt_frame": 0}  # random weights: keep every box


def every_box(**changes):
    """The gsam2 settings that keep every box of the random models, with `changes`."""
    return method_settings({"gsam2": {**EVERY_BOX, **changes}}).gsam2


# share of pixels a loaded-back model labels as the in-memory one: at least twice the measured disagreement under the
# scalar kernels (2 of 16384, test_load_from_local_folders) away from 1
MASKS_LOADED_BACK = 1 - 2 * 2 / 16384

@pytest.fixture(scope="module")
def models() -> GSAM2Models:
    return build_tiny_gsam2(seed=0)


@pytest.fixture(scope="module")
def clip() -> np.ndarray:
    """4 frames of 64x64: a bright square moving right on a dark background."""
    frames = np.full((4, 64, 64, 3), 30, dtype=np.uint8)
    for t in range(4):
        frames[t, 20:40, 10 + 4 * t:30 + 4 * t] = (220, 180, 60)
    return frames


def test_defaults_have_the_gsam2_section() -> None:
    defaults = method_settings()
    settings = defaults.gsam2
    assert settings.models == "pretrained"
    assert defaults.models["grounding_dino"].repo == "IDEA-Research/grounding-dino-tiny"
    assert defaults.models["sam2"].repo == "facebook/sam2.1-hiera-large"
    assert 0 < settings.box_threshold < 1 and 0 < settings.text_threshold < 1
    assert settings.prompt_frame == 0


def test_prompts_follow_grounding_dino_convention() -> None:
    assert part_prompt("Left_Ear") == "left ear"
    assert part_prompt(" front.wheel ") == "front wheel"
    caption, spans = build_caption(["background", "Head", "left_ear", "TAIL"])
    assert caption == "head. left ear. tail."
    assert [caption[s:e] for s, e in spans] == ["head", "left ear", "tail"]
    with pytest.raises(ValueError, match="no text"):
        build_caption(["background", "__"])


def test_token_spans_from_offsets(models: GSAM2Models) -> None:
    caption, spans = build_caption(["background", "ear", "left ear"])
    encoding = models.grounding_processor.tokenizer(caption, return_offsets_mapping=True)
    tokens = token_spans(encoding["offset_mapping"], spans)
    assert tokens[0] == [1, 2, 3]  # [CLS] e ##a ##r . l ##e ##f ##t e ##a ##r . [SEP]
    assert tokens[1] == [5, 6, 7, 8, 9, 10, 11]
    assert token_spans([(0, 0), (0, 3), (3, 4), (0, 0)], [(0, 3)]) == [[1]]  # special tokens belong to no part


def test_assign_boxes_closed_form() -> None:
    spans = [[1, 2], [4, 5]]  # part 1 = tokens 1-2, part 2 = tokens 4-5 (3 is the period)
    probs = torch.tensor([
        [0.0, 0.9, 0.8, 0.1, 0.1, 0.1],  # part 1, score 0.9
        [0.0, 0.5, 0.5, 0.1, 0.1, 0.1],  # part 1 again, weaker: dropped
        [0.0, 0.4, 0.1, 0.1, 0.7, 0.6],  # names both parts; part 2's span mean (0.65) beats part 1's (0.25)
        [0.0, 0.1, 0.1, 0.95, 0.1, 0.1],  # only the period above the text threshold: no part
    ])
    assert assign_boxes(probs, spans, text_threshold=0.3) == {1: 0, 2: 2}
    assert assign_boxes(probs, spans, text_threshold=0.99) == {}
    assert assign_boxes(torch.zeros(0, 6), spans, 0.3) == {}


def test_combine_part_logits_closed_form() -> None:
    logits = torch.tensor([
        [[2.0, -1.0, 0.5], [-3.0, -1.0, float("-inf")]],   # part 1
        [[1.0, 3.0, 0.7], [-0.5, -2.0, float("-inf")]],    # part 2
        [[float("-inf")] * 3, [0.1, -0.1, float("-inf")]],  # part 3 (absent in the first row)
    ])
    expected = torch.tensor([[1, 2, 2], [3, 0, 0]])
    assert torch.equal(combine_part_logits(logits), expected)
    assert torch.equal(combine_part_logits(torch.zeros(0, 2, 3)), torch.zeros(2, 3, dtype=torch.long))


def test_ground_parts_gives_one_box_per_part(models: GSAM2Models, clip: np.ndarray) -> None:
    detections = ground_parts(clip[0], PARTS, models, every_box())
    assert detections and set(detections) <= {1, 2, 3}
    for detection in detections.values():
        x0, y0, x1, y1 = detection.box
        assert 0 <= detection.score <= 1 and x0 <= x1 and y0 <= y1
    assert ground_parts(clip[0], PARTS, models, every_box(box_threshold=1.0)) == {}


def test_segment_runs_end_to_end(models: GSAM2Models, clip: np.ndarray) -> None:
    labels = segment_gsam2(clip, PARTS, models, every_box(), progress=False)
    assert labels.shape == clip.shape[:3] and labels.dtype == np.int64
    assert labels.min() >= 0 and labels.max() < len(PARTS)
    assert labels.any()  # SAM 2 produced masks (random weights: somewhere, not necessarily on the square)
    assert np.array_equal(labels, segment_gsam2(clip, PARTS, models, every_box(), progress=False))  # deterministic


def test_later_prompt_frame_tracks_both_ways(models: GSAM2Models, clip: np.ndarray) -> None:
    labels = segment_gsam2(clip, PARTS, models, every_box(prompt_frame=2), progress=False)
    assert labels.shape == clip.shape[:3] and labels.max() < len(PARTS)
    with pytest.raises(SmiteInputError, match="prompt_frame 4"):
        segment_gsam2(clip, PARTS, models, every_box(prompt_frame=4), progress=False)


def test_no_detection_gives_background(models: GSAM2Models, clip: np.ndarray) -> None:
    nothing = every_box(box_threshold=1.0)  # a sigmoid never exceeds 1
    labels = segment_gsam2(clip, PARTS, models, nothing, progress=False)
    assert labels.shape == clip.shape[:3] and not labels.any()


def test_run_writes_the_output_format(tmp_path: Path, clip: np.ndarray) -> None:
    folder = tmp_path / "frames"
    for index, frame in enumerate(clip):
        write_image(folder / f"{index:05d}.png", frame)
    method = method_settings({"device": "cpu", "gsam2": {**EVERY_BOX, "models": TINY_RANDOM}})
    out = run_gsam2_video(folder, tmp_path / "out", PARTS, method, progress=False)
    assert sorted(p.name for p in (out / "masks").iterdir()) == [f"{i:05d}.png" for i in range(len(clip))]
    assert (out / "overlay.mp4").stat().st_size > 0
    info = json.loads((out / "parts.json").read_text())
    assert info["parts"] == {str(k): name for k, name in enumerate(PARTS)}
    assert info["method"] == "gsam2" and info["frames"] == len(clip)
    assert info["grounding_model"] == TINY_RANDOM and info["sam2_model"] == TINY_RANDOM
    assert set(info["detections"]) <= set(PARTS[1:])


def test_load_from_local_folders(tmp_path: Path, models: GSAM2Models, clip: np.ndarray,
                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """The real from_pretrained path, offline: saved tiny models load back with every parameter and buffer to the
    bit, and give the same masks. Masks are held to MASKS_LOADED_BACK: under PyTorch's scalar kernels
    (ATEN_CPU_CAPABILITY=default) the loaded SAM 2, its tensors equal to the bit, puts 2 of 16384 pixels on another
    part (99.988 %; natively none): the same arithmetic on tensors at other addresses rounds differently there."""
    models.grounding_processor.save_pretrained(tmp_path / "gd")
    models.grounding_model.save_pretrained(tmp_path / "gd")
    models.sam2_model.save_pretrained(tmp_path / "sam2")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    method = method_settings({"models": {"grounding_dino": {"path": str(tmp_path / "gd")},
                                       "sam2": {"path": str(tmp_path / "sam2")}}})
    loaded = load_gsam2(method.gsam2, method.model("grounding_dino"), method.model("sam2"))
    assert loaded.identity["grounding_model"].startswith(str((tmp_path / "gd").resolve()) + " (sha256 ")
    assert loaded.identity["sam2_model"].startswith(str((tmp_path / "sam2").resolve()) + " (sha256 ")
    for name in ("grounding_model", "sam2_model"):
        saved, back = getattr(models, name), getattr(loaded, name)
        for tensors in (lambda m: m.state_dict(), lambda m: dict(m.named_buffers())):
            before, after = tensors(saved), tensors(back)
            assert before.keys() == after.keys() and all(torch.equal(before[k], after[k]) for k in before), name
    expected = segment_gsam2(clip, PARTS, models, every_box(), progress=False)
    agreement = float((segment_gsam2(clip, PARTS, loaded, every_box(), progress=False) == expected).mean())
    assert agreement >= MASKS_LOADED_BACK


def test_missing_weights_offline_is_one_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    revision = "a" * 40
    method = method_settings({"models": {"grounding_dino": {"repo": "smite-tests/no-such-grounding-dino",
                                                          "revision": revision}}})
    with pytest.raises(SmiteInputError) as error:
        load_gsam2(method.gsam2, method.model("grounding_dino"), method.model("sam2"))
    message = str(error.value)
    assert "\n" not in message
    assert "smite-tests/no-such-grounding-dino" in message and revision in message and "HF_HUB_OFFLINE" in message
    assert "models.grounding_dino" in message and "hf download smite-tests/no-such-grounding-dino" in message
