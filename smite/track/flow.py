"""Embedded default tracker: dense OpenCV DIS optical flow chained frame by frame.

Each consecutive frame pair gets one forward (t -> t+1) and one backward (t+1 -> t) flow, computed once;
points then hop along the flow (bilinear sampling at their current position, all points at once). A hop
is rejected as an occlusion by the forward-backward consistency rule of Sundaram et al. (2010),
``|f + b(x+f)|^2 > 0.01 (|f|^2 + |b(x+f)|^2) + 0.5``; by default the same paper's motion-boundary rule also
stops a point where the flow changes sharply, ``|grad u|^2 + |grad v|^2 > 0.01 |f|^2 + 0.002``, because
DIS smooths flow across an occluder's edge and the points there are dragged along by the occluder with a
flow that still passes the consistency test (measured on a synthetic occlusion: 64 % of covered points
caught with the first rule alone, 99.7 % with both). A point that fails a rule or leaves the frame stays
invisible for the rest of that direction. The cost is one flow pair per frame pair plus one hop per point
and frame, so it grows linearly with the video length.
"""

from __future__ import annotations

import cv2
import numpy as np
from scipy.ndimage import map_coordinates

from smite.track.base import check_track_inputs, pin_queries

FB_RELATIVE = 0.01  # Sundaram et al.: tolerance relative to the flow magnitudes
FB_ABSOLUTE = 0.5  # Sundaram et al.: absolute tolerance in squared pixels
BOUNDARY_RELATIVE = 0.01  # Sundaram et al.: motion-boundary tolerance relative to |f|^2
BOUNDARY_ABSOLUTE = 0.002  # Sundaram et al.: absolute motion-boundary tolerance
MIN_FLOW_SIDE = 16  # DIS needs a side of at least 12 px: tinier frames are padded (edge replicated)


class FlowTracker:
    """Point tracker on OpenCV DIS flow with a forward-backward occlusion check (see the module docstring).

    preset: a ``cv2.DISOPTICAL_FLOW_PRESET_*`` value. max_side: compute flow on frames downscaled so that
    their longer side is at most this many pixels (faster; flows are rescaled to full resolution).
    motion_boundary: also apply Sundaram et al.'s motion-boundary rule (see the module docstring).
    ``flows_computed`` and ``points_advanced`` count the work done, so cost can be checked without timing.
    """

    name = "flow"

    def __init__(
        self,
        preset: int = cv2.DISOPTICAL_FLOW_PRESET_MEDIUM,
        max_side: int | None = None,
        motion_boundary: bool = True,
    ) -> None:
        if max_side is not None and max_side < MIN_FLOW_SIDE:
            raise ValueError(f"max_side must be at least {MIN_FLOW_SIDE} pixels, got {max_side}")
        self.preset = preset
        self.max_side = max_side
        self.motion_boundary = motion_boundary
        self.flows_computed = 0
        self.points_advanced = 0
        self._dis = cv2.DISOpticalFlow_create(preset)

    def track(
        self, frames: np.ndarray, queries: np.ndarray, max_steps: int | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Tracker protocol; ``max_steps`` stops chaining that many frames away from each query frame."""
        frames, queries = check_track_inputs(frames, queries)
        if max_steps is not None and max_steps < 0:
            raise ValueError(f"max_steps must be >= 0, got {max_steps}")
        num_frames, height, width = frames.shape[:3]
        limit = num_frames if max_steps is None else max_steps
        flows = self._flows(frames, _needed_pairs(queries[:, 0].astype(np.int64), num_frames, limit))
        return self._follow(flows, queries, num_frames, limit, (height, width))

    def track_clips(
        self, frames: np.ndarray, clips: list[tuple[int, int, np.ndarray]]
    ) -> list[tuple[np.ndarray, np.ndarray]]:
        """``track(frames[start:stop], queries)`` for every clip (start, stop, queries), each frame pair's flow
        computed once for all of them: clips are followed in order of their first frame, and a pair's flow is
        dropped once no later clip starts at or before it."""
        frames = np.asarray(frames)
        order = sorted(range(len(clips)), key=lambda index: clips[index][0])
        forward: dict[int, np.ndarray] = {}
        backward: dict[int, np.ndarray] = {}
        results: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        for position, index in enumerate(order):
            start, stop, queries = clips[index]
            clip_frames, queries = check_track_inputs(frames[start:stop], queries)
            computed = self._flows(frames, np.array([t for t in range(start, stop - 1) if t not in forward], int))
            forward.update(computed.forward)
            backward.update(computed.backward)
            field = _FlowField(computed.scale)
            field.forward = {t - start: forward[t] for t in range(start, stop - 1)}
            field.backward = {t - start: backward[t] for t in range(start, stop - 1)}
            results[index] = self._follow(field, queries, stop - start, stop - start, clip_frames.shape[1:3])
            following = clips[order[position + 1]][0] if position + 1 < len(order) else len(frames)
            for t in [t for t in forward if t < following]:
                del forward[t], backward[t]
        return [results[index] for index in range(len(clips))]

    def _follow(
        self, flows: _FlowField, queries: np.ndarray, num_frames: int, limit: int, shape: tuple[int, int]
    ) -> tuple[np.ndarray, np.ndarray]:
        """Chain every query both ways through `num_frames` frames, at most `limit` hops from its query frame."""
        start = queries[:, 0].astype(np.int64)
        positions = np.repeat(queries[None, :, 1:3], num_frames, axis=0)
        visible = np.zeros((num_frames, len(queries)), dtype=bool)
        last_forward = self._chain(flows, positions, visible, start, limit, +1, shape)
        last_backward = self._chain(flows, positions, visible, start, limit, -1, shape)
        positions = _hold_last(positions, last_backward, last_forward)
        pin_queries(positions, visible, queries)
        return positions.astype(np.float32), visible

    def _flows(self, frames: np.ndarray, pairs: np.ndarray) -> _FlowField:
        """Forward and backward flow of every needed pair (t, t+1), at the working resolution."""
        height, width = frames.shape[1:3]
        size = _working_size(height, width, self.max_side)
        gray: dict[int, np.ndarray] = {}

        def grey(t: int) -> np.ndarray:
            if t not in gray:
                image = cv2.cvtColor(frames[t], cv2.COLOR_RGB2GRAY)
                if size != (width, height):
                    image = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
                gray[t] = _pad_small(image)
            return gray[t]

        field = _FlowField(scale=(size[0] / width, size[1] / height))
        for t in pairs.tolist():
            field.forward[t] = _channels_first(self._dis.calc(grey(t), grey(t + 1), None))
            field.backward[t] = _channels_first(self._dis.calc(grey(t + 1), grey(t), None))
            gray.pop(t, None)  # frame t is not needed again: pairs come in increasing order
            self.flows_computed += 2
        return field

    def _chain(
        self,
        flows: _FlowField,
        positions: np.ndarray,
        visible: np.ndarray,
        start: np.ndarray,
        limit: int,
        direction: int,
        shape: tuple[int, int],
    ) -> np.ndarray:
        """Hop points from their query frames in one direction (in place); returns each point's last frame."""
        num_frames = positions.shape[0]
        order = np.argsort(start * direction, kind="stable")  # points in the order their query frames come
        keys = start[order] * direction  # ascending
        last = start.copy()
        frames = range(num_frames - 1) if direction > 0 else range(num_frames - 1, 0, -1)
        active = np.empty(0, dtype=np.int64)
        begun = 0
        for t in frames:
            end = int(np.searchsorted(keys, t * direction, side="right"))
            active = np.concatenate([active, order[begun:end]])
            begun = end
            active = active[np.abs(t - start[active]) < limit]
            if len(active) == 0:
                if begun == len(order):
                    break
                continue
            ok = self._hop(flows, t, direction, positions, active, shape)
            visible[t + direction, active] = ok
            last[active] = t + direction
            active = active[ok]
        return last

    def _hop(
        self,
        flows: _FlowField,
        t: int,
        direction: int,
        positions: np.ndarray,
        active: np.ndarray,
        shape: tuple[int, int],
    ) -> np.ndarray:
        """Move `active` points from frame t one frame on; returns which hops pass the rules and stay in frame."""
        forward, backward = flows.pair(t, direction)
        here = positions[t, active]
        step = flows.sample(forward, here)
        there = here + step
        back = flows.sample(backward, there)
        positions[t + direction, active] = there
        self.points_advanced += len(active)
        ok = _consistent(step, back) & _inside(there, shape)
        if self.motion_boundary:
            energy = flows.sample_scalar(_gradient_energy(forward), here)
            ok &= energy <= BOUNDARY_RELATIVE * np.sum(step**2, axis=1) + BOUNDARY_ABSOLUTE
        return ok


def from_settings(settings: None, weights: None) -> FlowTracker:
    """The registry's factory (smite.trackers): the flow tracker has no settings and no weights."""
    return FlowTracker()


class _FlowField:
    """Flows of one call, channels-first at the working scale, sampled in full-resolution pixels."""

    def __init__(self, scale: tuple[float, float]) -> None:
        self.scale = scale
        self.forward: dict[int, np.ndarray] = {}
        self.backward: dict[int, np.ndarray] = {}

    def pair(self, t: int, direction: int) -> tuple[np.ndarray, np.ndarray]:
        """(flow out of frame t, flow back into frame t) for a hop in `direction`."""
        if direction > 0:
            return self.forward[t], self.backward[t]
        return self.backward[t - 1], self.forward[t - 1]

    def sample(self, flow: np.ndarray, points: np.ndarray) -> np.ndarray:
        """Bilinear flow at full-resolution points (N, 2), in full-resolution pixels (edge values outside)."""
        sx, sy = self.scale
        coords = self._coords(points)
        fx = map_coordinates(flow[0], coords, order=1, mode="nearest")
        fy = map_coordinates(flow[1], coords, order=1, mode="nearest")
        return np.stack([fx / sx, fy / sy], axis=1)

    def sample_scalar(self, image: np.ndarray, points: np.ndarray) -> np.ndarray:
        """Bilinear value of a working-resolution (H, W) map at full-resolution points (N, 2)."""
        return map_coordinates(image, self._coords(points), order=1, mode="nearest")

    def _coords(self, points: np.ndarray) -> np.ndarray:
        """(row, col) working-resolution coordinates of full-resolution (x, y) points."""
        sx, sy = self.scale
        return np.stack([(points[:, 1] + 0.5) * sy - 0.5, (points[:, 0] + 0.5) * sx - 0.5])


def _consistent(step: np.ndarray, back: np.ndarray) -> np.ndarray:
    """Sundaram et al.'s forward-backward test, per point."""
    mismatch = np.sum((step + back) ** 2, axis=1)
    return mismatch <= FB_RELATIVE * (np.sum(step**2, axis=1) + np.sum(back**2, axis=1)) + FB_ABSOLUTE


def _gradient_energy(flow: np.ndarray) -> np.ndarray:
    """|grad u|^2 + |grad v|^2 of a (2, H, W) flow by central differences (scale-free, so any resolution)."""
    energy = np.zeros(flow.shape[1:], dtype=np.float32)
    for component in flow:
        energy += cv2.Sobel(component, cv2.CV_32F, 1, 0, ksize=1, scale=0.5) ** 2
        energy += cv2.Sobel(component, cv2.CV_32F, 0, 1, ksize=1, scale=0.5) ** 2
    return energy


def _inside(points: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """Whether points lie on the frame, whose extent is [-0.5, W - 0.5] x [-0.5, H - 0.5]."""
    height, width = shape
    x, y = points[:, 0], points[:, 1]
    return (x >= -0.5) & (x <= width - 0.5) & (y >= -0.5) & (y <= height - 0.5)


def _needed_pairs(start: np.ndarray, num_frames: int, limit: int) -> np.ndarray:
    """Frame pairs (t, t+1) within `limit` hops of some query frame: only these flows are computed."""
    pairs = np.arange(max(num_frames - 1, 0))
    if len(start) == 0 or limit == 0:
        return pairs[:0]
    query_frames = np.unique(start)
    # pair t is reached forward from query frames in [t - limit + 1, t], backward from [t + 1, t + limit]
    lo = np.searchsorted(query_frames, pairs - limit + 1)
    hi = np.searchsorted(query_frames, pairs + limit, side="right")
    return pairs[hi > lo]


def _hold_last(positions: np.ndarray, first: np.ndarray, last: np.ndarray) -> np.ndarray:
    """Positions with frames outside each point's reached range [first, last] held at the nearest estimate."""
    frames = np.arange(positions.shape[0])[:, None]
    source = np.clip(frames, first[None, :], last[None, :])
    return positions[source, np.arange(positions.shape[1])[None, :]]


def _working_size(height: int, width: int, max_side: int | None) -> tuple[int, int]:
    """(width, height) at which flow is computed: the frame size, shrunk to fit `max_side`."""
    if max_side is None or max(height, width) <= max_side:
        return width, height
    scale = max_side / max(height, width)
    return max(1, round(width * scale)), max(1, round(height * scale))


def _pad_small(image: np.ndarray) -> np.ndarray:
    """Pad (right/bottom, edge replicated) an image whose sides are all below MIN_FLOW_SIDE; others as is."""
    height, width = image.shape
    if max(height, width) >= MIN_FLOW_SIDE:
        return image
    return cv2.copyMakeBorder(image, 0, MIN_FLOW_SIDE - height, 0, MIN_FLOW_SIDE - width, cv2.BORDER_REPLICATE)


def _channels_first(flow: np.ndarray) -> np.ndarray:
    """(H, W, 2) -> contiguous (2, H, W), so sampling one component needs no copy."""
    return np.ascontiguousarray(flow.transpose(2, 0, 1))


def backward_flows(frames: np.ndarray, preset: int = cv2.DISOPTICAL_FLOW_PRESET_MEDIUM) -> np.ndarray:
    """Dense DIS flow from each frame t+1 back to frame t: (T-1, H, W, 2), the input of label warping."""
    dis = cv2.DISOpticalFlow_create(preset)
    gray = [_pad_small(cv2.cvtColor(frame, cv2.COLOR_RGB2GRAY)) for frame in frames]
    height, width = frames.shape[1:3]
    flows = [dis.calc(gray[t + 1], gray[t], None)[:height, :width] for t in range(len(frames) - 1)]
    return np.stack(flows) if flows else np.zeros((0, height, width, 2), np.float32)
