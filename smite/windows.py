"""Which frames are processed together and which vote together: the windows of guided inference and the voting
ranges inside them (torch-free, so that planning the trajectories a video needs loads neither torch nor diffusers).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Window:
    """Frames [start, stop) processed together; the first `handover` of them are the previous window's last.

    Every frame is output by the last window that holds it; for the hand-over frames the previous
    window's final S is the reference (the authors' `saved_was`).
    """

    start: int
    stop: int
    handover: int


def plan_windows(frames: int, size: int, overlap: int) -> list[Window]:
    """The authors' create_slices2 (src/slicing.py): windows of `size` frames, each starting `overlap` frames
    before the previous one's end; the last is shifted back to hold `size` frames where the video allows."""
    if size < 1 or not 0 <= overlap < size:
        raise ValueError(f"need 0 <= overlap < window size, got {overlap} and {size}")
    windows: list[Window] = []
    start = 0
    while start < frames:
        previous_stop = start
        if start > 0:
            start -= overlap
        stop = min(start + size, frames)
        if stop == frames and stop - size > 0:
            start = stop - size
        windows.append(Window(start, stop, previous_stop - start))
        start = stop
    return windows


def vote_range(frame: int, frames: int, window: int) -> tuple[int, int]:
    """Frames [start, stop) that vote for `frame` among `frames` processed ones (authors' determine_window).

    The window holds `window` frames centred on `frame`, shifted inside [0, frames) near the ends; it is
    cut only when fewer than `window` frames are processed.
    """
    if window < 1 or window % 2 == 0:
        raise ValueError(f"the voting window must be a positive odd number of frames, got {window}")
    start = min(max(frame - window // 2, 0), max(frames - window, 0))
    return start, min(start + window, frames)
