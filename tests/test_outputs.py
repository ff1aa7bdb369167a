"""What a segmentation hands on, checked with the tools that will open it: PyAV for what the videos hold,
headless Chromium (Debian's `chromium`) for whether a browser plays them, OpenCV for the mattes."""

from __future__ import annotations

import json
import logging
import shutil
import subprocess
from pathlib import Path

import av
import cv2
import numpy as np
import pytest

from smite.data.masks import read_label_png
from smite.data.video import FrameBuffer, VideoWriter, open_video, read_image, read_video, write_video
from smite.errors import SmiteInputError
from smite.segment import write_outputs

PARTS = ["background", "body", "fin"]
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def _clip(frames: int = 7, height: int = 33, width: int = 46) -> tuple[np.ndarray, np.ndarray]:
    """Frames with an odd size and labels of a square moving right."""
    rng = np.random.default_rng(0)
    video = rng.integers(0, 255, (frames, height, width, 3), dtype=np.uint8)
    labels = np.zeros((frames, height, width), np.uint8)
    for t in range(frames):
        labels[t, 5:20, 2 + 3 * t : 14 + 3 * t] = 1
        labels[t, 22:30, 30:40] = 2
    return video, labels


def _stream_info(path: Path) -> tuple[str, str, int, float]:
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        frames = sum(1 for _ in container.decode(stream))
        return stream.codec_context.name, stream.codec_context.pix_fmt, frames, float(stream.average_rate)


def test_overlay_is_h264_yuv420p_one_frame_per_input_frame(tmp_path: Path) -> None:
    frames, labels = _clip()
    out = write_outputs(tmp_path / "out", frames, labels, PARTS, 29.97, {"method": "test"}, per_part_masks=True)
    codec, pix_fmt, count, fps = _stream_info(out / "overlay.mp4")
    assert (codec, pix_fmt, count) == ("h264", "yuv420p", len(frames)) and fps == pytest.approx(29.97)
    with open(out / "overlay.mp4", "rb") as handle:  # +faststart: the moov atom before the media data
        head = handle.read(4096)
    assert head.find(b"moov") != -1 and (head.find(b"mdat") == -1 or head.find(b"moov") < head.find(b"mdat"))
    masks = sorted((out / "masks").glob("*.png"))
    assert [read_label_png(m).tolist() for m in masks] == labels.tolist()
    for part in (1, 2):  # exact mattes: 0 or 255, equal to the label masks
        folder = out / "part_masks" / f"{part:02d}_{PARTS[part]}"
        for index, png in enumerate(sorted(folder.glob("*.png"))):
            np.testing.assert_array_equal(cv2.imread(str(png), cv2.IMREAD_UNCHANGED),
                                          np.where(labels[index] == part, 255, 0))
    assert json.loads((out / "parts.json").read_text())["parts"] == {"0": "background", "1": "body", "2": "fin"}


@pytest.mark.parametrize(("matte_format", "suffix", "codec", "exact"),
                         [("ffv1", ".mkv", "ffv1", True), ("prores", ".mov", "prores", False)])
def test_matte_videos_for_editors(tmp_path: Path, matte_format: str, suffix: str, codec: str, exact: bool) -> None:
    """--matte-format: each part also as one FFV1 (lossless: exact) or ProRes 4444 (visually lossless) file."""
    frames, labels = _clip()
    out = write_outputs(tmp_path / "out", frames, labels, PARTS, 25, {}, True, matte_format)
    video = out / "part_masks" / f"01_body{suffix}"
    with av.open(str(video)) as container:
        stream = container.streams.video[0]
        decoded = [f.to_ndarray(format="gray") for f in container.decode(stream)]
        assert stream.codec_context.name == codec and len(decoded) == len(frames)
    expected = np.where(labels == 1, 255, 0)
    error = max(np.abs(d[: labels.shape[1], : labels.shape[2]].astype(int) - e).max()
                for d, e in zip(decoded, expected, strict=True))
    assert error == 0 if exact else error <= 4


def test_lossless_videos_keep_every_pixel(tmp_path: Path) -> None:
    """The synthetic datasets' videos (kind lossless): decoded exactly as written."""
    frames, _ = _clip(height=32, width=46)
    write_video(tmp_path / "data.mp4", frames, 24, kind="lossless")
    decoded, fps = read_video(tmp_path / "data.mp4")
    np.testing.assert_array_equal(decoded, frames)
    assert fps == 24


def test_playable_videos_are_the_same_run_to_run(tmp_path: Path) -> None:
    """The same frames give the same overlay stream every time: the embedded run's synthetic PUMaVOS frames (96 px),
    encoded 6 times with x264's macroblock-tree rate control, gave 3 different streams."""
    import cv2

    from smite.data.layouts import generate_layout

    generate_layout("pumavos", tmp_path / "data", seed=0, size=96, categories=["robot"], frames=20, annotate_every=1)
    frames = np.stack([cv2.cvtColor(cv2.imread(str(path)), cv2.COLOR_BGR2RGB)
                       for path in sorted((tmp_path / "data" / "JPEGImages" / "robot_00").glob("*.jpg"))])
    streams = set()
    for index in range(6):
        write_video(tmp_path / f"{index}.mp4", frames, 24)
        decoded, _ = read_video(tmp_path / f"{index}.mp4")
        streams.add(decoded.tobytes())
    assert len(frames) == 20 and len(streams) == 1


def test_a_missing_encoder_is_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_codec(name: str, mode: str) -> None:
        raise av.error.FFmpegError(0, f"unknown encoder {name}")

    monkeypatch.setattr(av.codec, "Codec", no_codec)
    with pytest.raises(SmiteInputError) as error:
        VideoWriter(tmp_path / "x.mp4", 25)
    assert "no libx264 encoder" in str(error.value) and "\n" not in str(error.value)
    assert not list(tmp_path.iterdir())


def test_a_stream_is_read_window_by_window(tmp_path: Path) -> None:
    """open_video counts frames without decoding; FrameBuffer decodes each frame once and holds what is asked."""
    frames, _ = _clip(frames=12, height=32, width=46)
    write_video(tmp_path / "v.mp4", frames, 24, kind="lossless")
    stream = open_video(tmp_path / "v.mp4")
    assert (stream.count, stream.fps) == (12, 24)
    buffer = FrameBuffer(stream, stream.count)
    np.testing.assert_array_equal(buffer.get(0, 5), frames[:5])
    buffer.release(3)
    np.testing.assert_array_equal(buffer.get(3, 9), frames[3:9])
    assert len(buffer.held) == 6
    with pytest.raises(ValueError):
        buffer.get(2, 4)  # released


def test_rgba_images_are_composited_on_black(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    rgba = np.zeros((4, 4, 4), np.uint8)
    rgba[..., :3] = (200, 100, 50)  # BGR as OpenCV writes it
    rgba[..., 3] = 255
    rgba[0, 0, 3] = 0
    rgba[1, 1, 3] = 128
    cv2.imwrite(str(tmp_path / "plate.png"), rgba)
    with caplog.at_level(logging.WARNING):
        image = read_image(tmp_path / "plate.png")
    assert image[0, 0].tolist() == [0, 0, 0] and image[2, 2].tolist() == [50, 100, 200]
    assert image[1, 1].tolist() == [25, 50, 100]
    assert "alpha channel composited on black" in caplog.text


@pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (.ci/run installs it)")
def test_the_overlay_plays_in_a_browser(tmp_path: Path) -> None:
    """Headless Chromium loads a page with the overlay: readyState >= 2 (data for the current frame), no error."""
    frames, labels = _clip()
    out = write_outputs(tmp_path / "out", frames, labels, PARTS, 25, {})
    page = out / "page.html"
    page.write_text(
        '<html><body><div id="status">pending</div><video id="v" muted preload="auto"></video><script>'
        'const v = document.getElementById("v"), s = document.getElementById("status");'
        'v.onloadeddata = () => { s.textContent = "ready " + v.readyState; };'
        'v.onerror = () => { s.textContent = "error " + (v.error ? v.error.code : "?"); };'
        'v.src = "overlay.mp4";</script></body></html>')
    result = subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--virtual-time-budget=10000",
                             "--dump-dom", page.as_uri()], capture_output=True, text=True, timeout=120)
    status = result.stdout.split('<div id="status">', 1)[1].split("<", 1)[0]
    assert status.startswith("ready ") and int(status.split()[1]) >= 2, (status, result.stderr[-2000:])
