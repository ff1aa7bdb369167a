"""Rendering the synthetic objects: reference images, and videos with motion, articulation, a passing occluder,
lighting drift and sensor noise (drawn at twice the size, reduced with INTER_AREA)."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import cv2
import numpy as np

from smite.data.synth.objects import (
    BASE_SCALE,
    CATEGORY_PARTS,
    JOINTS,
    PIECES,
    SHAPES,
    Look,
    apply,
    background_image,
    draw,
    draw_object,
    rgb,
    rotation,
    sample_looks,
    scaling,
    superellipse,
    translation,
)

# ----------------------------------------------------------------------------- rendering


@dataclass(frozen=True)
class _Instance:
    """One object: its category, proportions and part textures."""

    category: str
    shape: dict[str, float]
    looks: list[Look]


def _new_instance(category: str, rng: np.random.Generator) -> _Instance:
    return _Instance(category, SHAPES[category](rng), sample_looks(category, rng))


def _placement(x: float, y: float, angle_deg: float, scale_px: float) -> np.ndarray:
    """Object units -> canvas pixels."""
    return translation(x, y) @ rotation(math.radians(angle_deg)) @ scaling(scale_px)


def _render_object(
    canvas: np.ndarray, instance: _Instance, joints: dict[str, float], placement: np.ndarray
) -> np.ndarray:
    """Draw the object over `canvas` (in place) and return its label map at canvas size."""
    labels = np.zeros(canvas.shape[:2], np.uint8)
    pieces = PIECES[instance.category](instance.shape, {k: math.radians(a) for k, a in joints.items()})
    draw_object(canvas, labels, pieces, instance.looks, placement)
    return labels


def _finish(
    canvas: np.ndarray,
    labels: np.ndarray,
    size: int,
    gain: float,
    offset: float,
    noise_std: float,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray]:
    """Reduce the 2x canvas to the output size, apply lighting and sensor noise, quantise."""
    image = cv2.resize(canvas, (size, size), interpolation=cv2.INTER_AREA) * gain + offset
    if noise_std > 0:
        image = image + rng.standard_normal(image.shape, dtype=np.float32) * noise_std
    small = cv2.resize(labels, (size, size), interpolation=cv2.INTER_NEAREST)
    return np.clip(np.rint(image), 0, 255).astype(np.uint8), small.astype(np.int64)


def _min_pixels(size: int) -> int:
    """Pixels a part needs to count as visible."""
    return max(6, int(0.0008 * size * size))


def _all_parts_visible(labels: np.ndarray, num_parts: int, size: int) -> bool:
    counts = np.bincount(labels.ravel(), minlength=num_parts)
    return bool((counts[1:] >= _min_pixels(size)).all())


def render_reference(
    category: str, rng: np.random.Generator, size: int, noise_std: float
) -> tuple[np.ndarray, np.ndarray]:
    """One reference image (RGB uint8) and its label map, with every part visible."""
    side = 2 * size
    instance = _new_instance(category, rng)
    background = background_image(rng, side, side)
    gain, offset = rng.uniform(0.85, 1.15), rng.uniform(-12, 12)
    for _ in range(30):
        joints = {name: rest + amp * rng.uniform(-1, 1) for name, (rest, amp) in JOINTS[category].items()}
        x, y = side * (0.5 + rng.uniform(-0.06, 0.06, 2))
        scale = BASE_SCALE[category] * side * rng.uniform(0.85, 1.15)
        canvas = background.copy()
        labels = _render_object(canvas, instance, joints, _placement(x, y, rng.uniform(-30, 30), scale))
        image, small = _finish(canvas, labels, size, gain, offset, noise_std, rng)
        if _all_parts_visible(small, len(CATEGORY_PARTS[category]), size):
            break
    return image, small


def _wave(
    rng: np.random.Generator, low: float, high: float, f_low: float = 0.3, f_high: float = 0.9
) -> Callable[[float], float]:
    """A smooth random signal of normalised time tau in [0, 1): amplitude * sin(2 pi f tau + phase)."""
    amplitude, frequency, phase = (
        rng.uniform(low, high),
        rng.uniform(f_low, f_high),
        rng.uniform(0, 2 * np.pi),
    )
    return lambda tau: amplitude * math.sin(2 * math.pi * frequency * tau + phase)


@dataclass
class _Occluder:
    """A textured bar or disc sweeping across the object during [start, end) (normalised time)."""

    polygon: np.ndarray
    look: Look
    angle: float
    centre: np.ndarray
    reach: float
    start: float
    end: float

    def draw(self, canvas: np.ndarray, labels: np.ndarray, tau: float) -> None:
        if not self.start <= tau < self.end:
            return
        along = -self.reach + 2 * self.reach * (tau - self.start) / (self.end - self.start)
        direction = np.array([math.cos(self.angle), math.sin(self.angle)])
        matrix = translation(*(self.centre + along * direction)) @ rotation(self.angle)
        draw(canvas, labels, apply(matrix, self.polygon), np.linalg.inv(matrix), self.look, 0)


def _new_occluder(rng: np.random.Generator, side: int, centre: np.ndarray) -> _Occluder:
    """A bar (perpendicular to its motion) or a disc, passing near the object's mean position."""
    if rng.uniform() < 0.5:
        half = rng.uniform(0.05, 0.075) * side
        polygon = np.array([(-half, -side), (half, -side), (half, side), (-half, side)])
    else:
        polygon = superellipse(0, 0, *(2 * [rng.uniform(0.12, 0.17) * side]))
    hue = rng.uniform(15, 45)
    look = Look(
        str(rng.choice(["stripes", "checker"])),
        rgb(hue, rng.uniform(0.1, 0.3), rng.uniform(0.45, 0.65)),
        rgb(hue, 0.2, 0.3),
        rng.uniform(0.04, 0.07) * side,
        rng.uniform(0, np.pi),
    )
    angle = rng.uniform(0, 2 * np.pi)
    normal = np.array([-math.sin(angle), math.cos(angle)])
    start = rng.uniform(0.1, 0.35)
    return _Occluder(
        polygon,
        look,
        angle,
        centre + normal * rng.uniform(-0.1, 0.1) * side,
        0.8 * side,
        start,
        start + rng.uniform(0.4, 0.55),
    )


def render_video(
    category: str,
    rng: np.random.Generator,
    num_frames: int,
    size: int,
    noise_std: float,
    occluder: bool = True,
) -> tuple[np.ndarray, list[np.ndarray]]:
    """Frames (T, H, W, 3) uint8 and per-frame label maps of one animated object.

    `occluder=False` leaves the passing occluder out but draws the same random numbers, so the
    two renderings differ only where it passes (used to check it).
    """
    side, margin = 2 * size, int(0.08 * 2 * size)
    instance = _new_instance(category, rng)
    background = background_image(rng, side + 2 * margin, side + 2 * margin)
    centre = side * (0.5 + rng.uniform(-0.05, 0.05, 2))
    path = (_wave(rng, 0.05, 0.12), _wave(rng, 0.05, 0.12))
    rest_angle, turn = rng.uniform(-10, 10), _wave(rng, 10, 20)
    scale, zoom = BASE_SCALE[category] * side * rng.uniform(0.9, 1.1), _wave(rng, 0.1, 0.22)
    limbs = {name: (rest, _wave(rng, 0.6 * amp, amp, 0.5, 1.5)) for name, (rest, amp) in JOINTS[category].items()}
    pan = (_wave(rng, 0.5, 1.0), _wave(rng, 0.5, 1.0))
    gain, light = (rng.uniform(0.88, 1.12), _wave(rng, 0.04, 0.1)), (rng.uniform(-10, 10), _wave(rng, 2, 8))
    sweep = _new_occluder(rng, side, centre)
    frames, labels = [], []
    for t in range(num_frames):
        tau = t / num_frames
        dx, dy = (margin * (1 + wave(tau)) for wave in pan)
        canvas = background[int(dy) : int(dy) + side, int(dx) : int(dx) + side].copy()
        placement = _placement(
            centre[0] + side * path[0](tau),
            centre[1] + side * path[1](tau),
            rest_angle + turn(tau),
            scale * (1 + zoom(tau)),
        )
        joints = {name: rest + swing(tau) for name, (rest, swing) in limbs.items()}
        label = _render_object(canvas, instance, joints, placement)
        if occluder:
            sweep.draw(canvas, label, tau)
        frame, small = _finish(canvas, label, size, gain[0] + gain[1](tau), light[0] + light[1](tau), noise_std, rng)
        frames.append(frame)
        labels.append(small)
    return np.stack(frames), labels


