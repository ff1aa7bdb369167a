"""Deterministic synthetic benchmark of articulated multi-part objects, in the SMITE-50 layout.

Why: the real SMITE-50 cannot ship with the project, and tests and smoke runs need a benchmark
with exact ground truth. Each category is an object built from geometric primitives (ellipses,
superellipses, polygons) whose parts each carry their own colour and texture (flat, stripes,
dots, checker, rings) in the part's own frame, so parts are recognisable from local appearance
and textures move with them. Instances vary in proportions, hue and texture scale; backgrounds
are smooth colour fields with random clutter and textured patches.

Videos animate a smooth path, rotation (within +-30 deg), scale, limb articulation, a passing
textured occluder (its pixels are background in the labels), slow lighting drift and Gaussian
sensor noise. Everything is drawn at twice the output size and reduced with INTER_AREA
(labels with INTER_NEAREST). Every item draws from its own generator seeded by
(seed, category, item kind, item index), so the same seed gives byte-identical files whatever
the generation order.

The same objects and videos are also written in the PUMaVOS, DAVIS-2016 and SLiMe PASCAL-Part
layouts (generate_pumavos, generate_davis, generate_pascal_part; generate_layout picks by name),
so the tables on those datasets run end to end without the real data.
"""

from __future__ import annotations

import colorsys
import json
import math
import zlib
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from smite.atomic import atomic_dir, atomic_output
from smite.data import davis, pascal_part, pumavos
from smite.data.download import MARKER, check_dataset_root
from smite.data.masks import save_grey_png, save_label_png
from smite.data.references import save_references
from smite.data.smite50 import FRAMES_NUMBERS, GROUND_TRUTH_DIR, VIDEOS_DIR, write_ground_truth
from smite.data.video import write_image, write_video

CATEGORY_PARTS: dict[str, tuple[str, ...]] = {
    "robot": ("background", "head", "torso", "arm", "leg"),
    "fish": ("background", "body", "fin", "tail", "eye"),
    # The "non-text" category: four regions of one blob that differ by texture, not shape or name.
    "glyph": ("background", "part_a", "part_b", "part_c", "part_d"),
}

# Per part (background excluded): texture kind and base colour (hue in degrees, saturation, value).
# Glyph hues are offsets from a random per-instance hue, so its parts differ mainly by texture.
PART_STYLES: dict[str, tuple[tuple[str, float, float, float], ...]] = {
    "robot": (
        ("flat", 50, 0.75, 0.95),
        ("checker", 215, 0.70, 0.80),
        ("stripes", 0, 0.75, 0.85),
        ("dots", 125, 0.60, 0.70),
    ),
    "fish": (
        ("dots", 28, 0.85, 0.95),
        ("stripes", 285, 0.55, 0.80),
        ("checker", 180, 0.70, 0.80),
        ("rings", 55, 0.15, 0.97),
    ),
    "glyph": (
        ("stripes", 0, 0.60, 0.85),
        ("dots", 25, 0.60, 0.80),
        ("checker", -25, 0.60, 0.75),
        ("flat", 50, 0.60, 0.90),
    ),
}

# Joint name -> (rest angle, swing amplitude) in degrees.
JOINTS: dict[str, dict[str, tuple[float, float]]] = {
    "robot": {"head": (0, 12), "arm_l": (22, 28), "arm_r": (-22, 28), "leg_l": (6, 14), "leg_r": (-6, 14)},
    "fish": {"tail": (0, 25), "dorsal": (0, 12), "ventral": (0, 12), "pectoral": (15, 20)},
    "glyph": {"cut0": (0, 12), "cut1": (0, 12), "cut2": (0, 12), "cut3": (0, 12), "wave": (0, 60)},
}

# Pixels per object unit, as a fraction of the frame side (object units span roughly -1..1).
BASE_SCALE: dict[str, float] = {"robot": 0.54, "fish": 0.64, "glyph": 0.43}

_REFERENCE, _VIDEO = 0, 1
FPS = 24.0


@dataclass(frozen=True)
class SynthConfig:
    """Size and randomness of a synthetic benchmark."""

    seed: int = 0
    size: int = 128
    references_per_category: int = 10
    videos_per_category: int = 3
    min_frames: int = 24
    max_frames: int = 36
    annotate_every: int = 4
    noise_std: float = 4.0
    categories: tuple[str, ...] = ("robot", "fish", "glyph")

    def __post_init__(self) -> None:
        _check_config(
            self,
            [
                (self.references_per_category < 1, "references_per_category must be at least 1"),
                (self.videos_per_category < 1, "videos_per_category must be at least 1"),
                (not 1 <= self.min_frames <= self.max_frames, "need 1 <= min_frames <= max_frames"),
                (not 3 <= self.annotate_every <= 5, f"annotate_every must be 3..5, got {self.annotate_every}"),
            ],
        )


def _check_config(config: Any, problems: list[tuple[bool, str]]) -> None:
    """Normalise `categories` to a tuple (YAML/JSON give lists) and raise ValueError on the first problem.

    `config` is a frozen dataclass with seed, size, categories and noise_std; `problems` adds its own checks.
    """
    object.__setattr__(config, "categories", tuple(config.categories))
    unknown = [name for name in config.categories if name not in CATEGORY_PARTS]
    common = [
        (not config.categories, "categories must not be empty"),
        (bool(unknown), f"unknown categories {unknown} (known: {sorted(CATEGORY_PARTS)})"),
        (config.size < 32 or config.size % 2, f"size must be even and at least 32, got {config.size}"),
        (config.noise_std < 0, "noise_std must be non-negative"),
    ]
    for failed, message in common + problems:
        if failed:
            raise ValueError(message)


@dataclass(frozen=True)
class Look:
    """A texture: kind, two RGB colours (0..255), cycle length and orientation in local units."""

    kind: str
    colour_a: np.ndarray
    colour_b: np.ndarray
    period: float
    angle: float


@dataclass(frozen=True)
class Piece:
    """One filled polygon of a part, given in its own frame; `frame` maps it to object units."""

    part: int
    polygon: np.ndarray
    frame: np.ndarray


# ----------------------------------------------------------------------------- geometry


def _rotation(angle: float) -> np.ndarray:
    c, s = math.cos(angle), math.sin(angle)
    return np.array([[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, 1.0]])


def _translation(x: float, y: float) -> np.ndarray:
    return np.array([[1.0, 0.0, x], [0.0, 1.0, y], [0.0, 0.0, 1.0]])


def _scaling(scale: float) -> np.ndarray:
    return np.diag([scale, scale, 1.0])


def _about(pivot: tuple[float, float], angle: float) -> np.ndarray:
    """Frame of a limb hinged at `pivot` and turned by `angle` (radians)."""
    return _translation(*pivot) @ _rotation(angle)


def _superellipse(cx: float, cy: float, rx: float, ry: float, power: float = 2.0, n: int = 48) -> np.ndarray:
    """Polygon of |x/rx|^p + |y/ry|^p = 1: an ellipse for p = 2, a rounded box for larger p."""
    t = np.linspace(0.0, 2.0 * np.pi, n, endpoint=False)
    c, s = np.cos(t), np.sin(t)
    x = rx * np.sign(c) * np.abs(c) ** (2.0 / power)
    y = ry * np.sign(s) * np.abs(s) ** (2.0 / power)
    return np.stack([cx + x, cy + y], axis=1)


def _apply(matrix: np.ndarray, points: np.ndarray) -> np.ndarray:
    """Apply a 3x3 affine matrix to (N, 2) points."""
    return points @ matrix[:2, :2].T + matrix[:2, 2]


# ----------------------------------------------------------------------------- categories


def _robot_shape(rng: np.random.Generator) -> dict[str, float]:
    keys = ("tw", "th", "hw", "hh", "hp", "aw", "al", "lw", "ll")
    lows = (0.62, 0.72, 0.24, 0.20, 2.0, 0.17, 0.62, 0.20, 0.45)
    highs = (0.78, 0.88, 0.30, 0.26, 5.0, 0.22, 0.78, 0.26, 0.58)
    return dict(zip(keys, rng.uniform(lows, highs).tolist(), strict=True))


def _robot_pieces(s: dict[str, float], j: dict[str, float]) -> list[Piece]:
    """Legs, torso, arms, head (drawing order: later pieces occlude earlier ones)."""
    top, bottom = -s["th"] / 2, s["th"] / 2
    leg = _superellipse(0, s["ll"] / 2, s["lw"] / 2, s["ll"] / 2, 4)
    arm = _superellipse(0, s["al"] / 2, s["aw"] / 2, s["al"] / 2, 3)
    pieces = [
        Piece(4, leg, _about((side * s["tw"] * 0.27, bottom - 0.05), j[name]))
        for side, name in ((-1, "leg_l"), (1, "leg_r"))
    ]
    pieces.append(Piece(2, _superellipse(0, 0, s["tw"] / 2, s["th"] / 2, 5), np.eye(3)))
    pieces += [
        Piece(3, arm, _about((side * (s["tw"] / 2 + s["aw"] * 0.3), top + 0.1), j[name]))
        for side, name in ((-1, "arm_l"), (1, "arm_r"))
    ]
    head = _superellipse(0, -s["hh"] * 0.92, s["hw"], s["hh"], s["hp"])
    pieces.append(Piece(1, head, _about((0, top + 0.02), j["head"])))
    return pieces


def _fish_shape(rng: np.random.Generator) -> dict[str, float]:
    keys = ("bl", "bh", "tl", "tw", "fh", "er")
    lows = (0.55, 0.32, 0.30, 0.26, 0.22, 0.075)
    highs = (0.66, 0.40, 0.40, 0.36, 0.30, 0.09)
    return dict(zip(keys, rng.uniform(lows, highs).tolist(), strict=True))


def _fish_pieces(s: dict[str, float], j: dict[str, float]) -> list[Piece]:
    """Fins and tail behind the body, pectoral fin and eye on top of it."""
    cx, bl, bh = 0.12, s["bl"], s["bh"]
    tail = np.array([(0.1, 0), (-s["tl"], -s["tw"]), (-s["tl"] * 0.65, 0), (-s["tl"], s["tw"])])
    dorsal = np.array([(-0.25, 0.1), (0.2, 0.1), (-0.12, -s["fh"])])
    ventral = np.array([(-0.18, -0.1), (0.12, -0.1), (-0.1, s["fh"] * 0.75)])
    pectoral = np.array([(0.02, -0.05), (0.02, 0.05), (-0.3, 0.1), (-0.26, -0.02)])
    return [
        Piece(2, dorsal, _about((cx - 0.05, -bh * 0.85), j["dorsal"])),
        Piece(2, ventral, _about((cx - 0.1, bh * 0.85), j["ventral"])),
        Piece(3, tail, _about((cx - bl * 0.85, 0), j["tail"])),
        Piece(1, _superellipse(cx, 0, bl, bh), np.eye(3)),
        Piece(2, pectoral, _about((cx + bl * 0.15, bh * 0.25), j["pectoral"])),
        Piece(4, _superellipse(0, 0, s["er"], s["er"], n=24), _translation(cx + bl * 0.58, -bh * 0.3)),
    ]


def _glyph_shape(rng: np.random.Generator) -> dict[str, float]:
    shape = {"radius": rng.uniform(0.72, 0.85), "aspect": rng.uniform(0.85, 1.15)}
    shape |= {f"a{n}": rng.uniform(0.03, 0.1) for n in (2, 3, 4)}
    shape |= {f"phi{n}": rng.uniform(0, 2 * np.pi) for n in (2, 3, 4)}
    shape |= {f"w{k}": rng.uniform(0.7, 1.3) for k in range(4)}
    shape |= {
        "start": rng.uniform(0, 2 * np.pi),
        "cx": rng.uniform(-0.12, 0.12),
        "cy": rng.uniform(-0.12, 0.12),
    }
    return {key: float(value) for key, value in shape.items()}


def _glyph_pieces(s: dict[str, float], j: dict[str, float]) -> list[Piece]:
    """A wobbly blob cut into four fans around an off-centre point, one per part."""
    widths = np.array([s[f"w{k}"] for k in range(4)])
    cuts = s["start"] + np.concatenate([[0.0], np.cumsum(widths / widths.sum() * 2 * np.pi)])
    cuts[:4] += np.array([j[f"cut{k}"] for k in range(4)])
    cuts[4] = cuts[0] + 2 * np.pi
    pieces = []
    for k in range(4):
        theta = np.linspace(cuts[k], cuts[k + 1], max(6, int((cuts[k + 1] - cuts[k]) * 12)))
        wave = sum(s[f"a{n}"] * np.cos(n * theta + s[f"phi{n}"] + j["wave"] * (n - 1)) for n in (2, 3, 4))
        r = s["radius"] * (1.0 + wave)
        rim = np.stack([r * np.cos(theta) * s["aspect"], r * np.sin(theta) / s["aspect"]], axis=1)
        pieces.append(Piece(k + 1, np.vstack([[s["cx"], s["cy"]], rim]), np.eye(3)))
    return pieces


_SHAPES: dict[str, Callable[[np.random.Generator], dict[str, float]]] = {
    "robot": _robot_shape,
    "fish": _fish_shape,
    "glyph": _glyph_shape,
}
_PIECES: dict[str, Callable[[dict[str, float], dict[str, float]], list[Piece]]] = {
    "robot": _robot_pieces,
    "fish": _fish_pieces,
    "glyph": _glyph_pieces,
}


# ----------------------------------------------------------------------------- appearance


def _rgb(hue: float, sat: float, val: float) -> np.ndarray:
    """RGB (0..255, float32) of an HSV colour with hue in degrees."""
    rgb = colorsys.hsv_to_rgb((hue % 360.0) / 360.0, float(np.clip(sat, 0, 1)), float(np.clip(val, 0, 1)))
    return np.array(rgb, dtype=np.float32) * 255.0


def _sample_looks(category: str, rng: np.random.Generator) -> list[Look]:
    """Per-instance part textures: the category's kinds with jittered hue, tone and scale."""
    base = rng.uniform(0, 360) if category == "glyph" else 0.0
    looks = []
    for kind, hue, sat, val in PART_STYLES[category]:
        h = base + hue + rng.uniform(-12, 12)
        s, v = sat + rng.uniform(-0.12, 0.12), val + rng.uniform(-0.12, 0.05)
        dark = rng.uniform(0.05, 0.15) if kind == "rings" else rng.uniform(0.35, 0.6)
        period = rng.uniform(0.09, 0.1) if kind == "rings" else rng.uniform(0.1, 0.17)
        looks.append(
            Look(
                kind,
                _rgb(h, s, v),
                _rgb(h + rng.uniform(-25, 25), s, v * dark),
                period,
                rng.uniform(0, np.pi),
            )
        )
    return looks


def _texture(look: Look, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """(h, w, 3) float32 colours of a texture at local coordinates (u, v)."""
    c, s = math.cos(look.angle), math.sin(look.angle)
    a = (c * u + s * v) / look.period
    b = (c * v - s * u) / look.period
    if look.kind == "stripes":
        t = (a % 1.0) < 0.5
    elif look.kind == "checker":
        t = (np.floor(2 * a) + np.floor(2 * b)) % 2 == 0
    elif look.kind == "dots":
        t = (a % 1.0 - 0.5) ** 2 + (b % 1.0 - 0.5) ** 2 < 0.3**2
    elif look.kind == "rings":
        t = (np.hypot(u, v) / look.period) % 1.0 < 0.5
    else:  # flat, with a gentle shading gradient
        shade = (1.0 - 0.2 * np.clip(b * look.period, -1, 1))[..., None]
        return (look.colour_a * shade).astype(np.float32)
    t = t.astype(np.float32)[..., None]
    return look.colour_a + t * (look.colour_b - look.colour_a)


def _draw(
    canvas: np.ndarray,
    labels: np.ndarray | None,
    points: np.ndarray,
    inverse: np.ndarray,
    look: Look,
    part: int,
) -> None:
    """Fill a pixel-space polygon with a texture evaluated in local coordinates (via `inverse`)."""
    height, width = canvas.shape[:2]
    x0, y0 = np.maximum(np.floor(points.min(axis=0)).astype(int), 0)
    x1, y1 = np.minimum(np.ceil(points.max(axis=0)).astype(int) + 1, (width, height))
    if x1 <= x0 or y1 <= y0:
        return
    mask = np.zeros((y1 - y0, x1 - x0), np.uint8)
    shifted = np.round((points - (x0, y0)) * 16).astype(np.int32)
    cv2.fillPoly(mask, [shifted], 1, lineType=cv2.LINE_8, shift=4)
    inside = mask.astype(bool)
    xs, ys = np.arange(x0, x1, dtype=np.float32)[None, :], np.arange(y0, y1, dtype=np.float32)[:, None]
    u = inverse[0, 0] * xs + inverse[0, 1] * ys + inverse[0, 2]
    v = inverse[1, 0] * xs + inverse[1, 1] * ys + inverse[1, 2]
    canvas[y0:y1, x0:x1][inside] = _texture(look, u, v)[inside]
    if labels is not None:
        labels[y0:y1, x0:x1][inside] = part


def _draw_object(
    canvas: np.ndarray, labels: np.ndarray, pieces: list[Piece], looks: list[Look], placement: np.ndarray
) -> None:
    """Draw pieces in order; `placement` maps object units to canvas pixels."""
    for piece in pieces:
        matrix = placement @ piece.frame
        _draw(
            canvas,
            labels,
            _apply(matrix, piece.polygon),
            np.linalg.inv(matrix),
            looks[piece.part - 1],
            piece.part,
        )


def _random_look(rng: np.random.Generator, period: float) -> Look:
    """A muted random texture for background clutter."""
    hue = rng.uniform(0, 360)
    sat, val = rng.uniform(0.1, 0.5), rng.uniform(0.3, 0.85)
    kind = str(rng.choice(["stripes", "dots", "checker", "flat"]))
    return Look(kind, _rgb(hue, sat, val), _rgb(hue + 30, sat, val * 0.6), period, rng.uniform(0, np.pi))


def _background(rng: np.random.Generator, height: int, width: int) -> np.ndarray:
    """Smooth colour field + random shapes + a few textured patches + fine grain, float32 RGB."""
    field = cv2.resize(rng.uniform(0, 1, (4, 4, 3)).astype(np.float32), (width, height), interpolation=cv2.INTER_CUBIC)
    grey = field.mean(axis=2, keepdims=True)
    canvas = np.ascontiguousarray(60.0 + 140.0 * (grey + 0.5 * (field - grey)), dtype=np.float32)
    side = min(height, width)
    for _ in range(int(rng.integers(12, 24))):
        _clutter_shape(canvas, rng, side)
    for _ in range(int(rng.integers(2, 5))):
        centre = rng.uniform(0, 1, 2) * (width, height)
        box = cv2.boxPoints((tuple(centre), tuple(rng.uniform(0.1, 0.35, 2) * side), rng.uniform(0, 180)))
        matrix = _translation(*centre)
        _draw(canvas, None, box, np.linalg.inv(matrix), _random_look(rng, rng.uniform(0.03, 0.08) * side), 0)
    grain = cv2.GaussianBlur(rng.normal(0, 6, (height, width)).astype(np.float32), (0, 0), 1.2)
    return np.clip(canvas + grain[..., None], 0, 255)


def _clutter_shape(canvas: np.ndarray, rng: np.random.Generator, side: int) -> None:
    """One random muted ellipse, box or line."""
    colour = tuple(float(c) for c in _rgb(rng.uniform(0, 360), rng.uniform(0.05, 0.45), rng.uniform(0.25, 0.85)))
    x, y = (int(c) for c in rng.uniform(0, 1, 2) * canvas.shape[1::-1])
    kind = int(rng.integers(0, 3))
    thickness = -1 if rng.uniform() < 0.6 else int(rng.integers(2, 6))
    if kind == 0:
        axes = tuple(int(a) for a in rng.uniform(0.03, 0.15, 2) * side)
        cv2.ellipse(canvas, (x, y), axes, float(rng.uniform(0, 180)), 0, 360, colour, thickness)
    elif kind == 1:
        box = cv2.boxPoints(((x, y), tuple(rng.uniform(0.04, 0.2, 2) * side), rng.uniform(0, 180)))
        cv2.drawContours(canvas, [np.round(box).astype(np.int32)], 0, colour, thickness)
    else:
        end = (x + int(rng.uniform(-0.3, 0.3) * side), y + int(rng.uniform(-0.3, 0.3) * side))
        cv2.line(canvas, (x, y), end, colour, int(rng.integers(2, 7)))


# ----------------------------------------------------------------------------- rendering


@dataclass(frozen=True)
class _Instance:
    """One object: its category, proportions and part textures."""

    category: str
    shape: dict[str, float]
    looks: list[Look]


def _new_instance(category: str, rng: np.random.Generator) -> _Instance:
    return _Instance(category, _SHAPES[category](rng), _sample_looks(category, rng))


def _placement(x: float, y: float, angle_deg: float, scale_px: float) -> np.ndarray:
    """Object units -> canvas pixels."""
    return _translation(x, y) @ _rotation(math.radians(angle_deg)) @ _scaling(scale_px)


def _render_object(
    canvas: np.ndarray, instance: _Instance, joints: dict[str, float], placement: np.ndarray
) -> np.ndarray:
    """Draw the object over `canvas` (in place) and return its label map at canvas size."""
    labels = np.zeros(canvas.shape[:2], np.uint8)
    pieces = _PIECES[instance.category](instance.shape, {k: math.radians(a) for k, a in joints.items()})
    _draw_object(canvas, labels, pieces, instance.looks, placement)
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
    background = _background(rng, side, side)
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
        matrix = _translation(*(self.centre + along * direction)) @ _rotation(self.angle)
        _draw(canvas, labels, _apply(matrix, self.polygon), np.linalg.inv(matrix), self.look, 0)


def _new_occluder(rng: np.random.Generator, side: int, centre: np.ndarray) -> _Occluder:
    """A bar (perpendicular to its motion) or a disc, passing near the object's mean position."""
    if rng.uniform() < 0.5:
        half = rng.uniform(0.05, 0.075) * side
        polygon = np.array([(-half, -side), (half, -side), (half, side), (-half, side)])
    else:
        polygon = _superellipse(0, 0, *(2 * [rng.uniform(0.12, 0.17) * side]))
    hue = rng.uniform(15, 45)
    look = Look(
        str(rng.choice(["stripes", "checker"])),
        _rgb(hue, rng.uniform(0.1, 0.3), rng.uniform(0.45, 0.65)),
        _rgb(hue, 0.2, 0.3),
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
    background = _background(rng, side + 2 * margin, side + 2 * margin)
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


# ----------------------------------------------------------------------------- benchmark


def _rng(seed: int, category: str, kind: int, index: int) -> np.random.Generator:
    """Generator of one item, independent of which other items are generated or in what order."""
    return np.random.default_rng([seed, zlib.crc32(category.encode()), kind, index])


def _write_category(root: Path, category: str, config: SynthConfig) -> dict:
    """Write one category's references, videos and ground truth; return its manifest entry."""
    parts = list(CATEGORY_PARTS[category])
    names = [f"{category}_ref{i:02d}" for i in range(config.references_per_category)]
    pairs = [
        render_reference(category, _rng(config.seed, category, _REFERENCE, i), config.size, config.noise_std)
        for i in range(len(names))
    ]
    save_references(root / category, [p[0] for p in pairs], [p[1] for p in pairs], parts, names)
    videos = {}
    for index in range(config.videos_per_category):
        name = f"{category}_{index:02d}"
        videos[name] = _write_video_item(root, category, name, _rng(config.seed, category, _VIDEO, index), config)
    return {"parts": parts, "references": names, "videos": videos}


def _write_video_item(root: Path, category: str, name: str, rng: np.random.Generator, config: SynthConfig) -> dict:
    """Render one video; write it, frames_numbers.txt and the ground truth of its annotated frames."""
    num_frames = int(rng.integers(config.min_frames, config.max_frames + 1))
    frames, labels = render_video(category, rng, num_frames, config.size, config.noise_std)
    annotated = list(range(0, num_frames, config.annotate_every))
    folder = root / VIDEOS_DIR / category / name
    write_video(folder / f"{name}.mp4", frames, FPS, kind="lossless")
    with atomic_output(folder / FRAMES_NUMBERS) as tmp:
        tmp.write_text(f"{annotated}\n", encoding="utf-8")
    for frame in annotated:
        write_ground_truth(
            root / GROUND_TRUTH_DIR / category / name / f"{frame:05d}",
            labels[frame],
            CATEGORY_PARTS[category],
        )
    return {"frames": num_frames, "fps": FPS, "annotated": annotated}


def generate_benchmark(out_dir: str | Path, config: SynthConfig | None = None) -> dict:
    """Write a synthetic benchmark in the SMITE-50 layout plus manifest.json; return the manifest.

    The benchmark is built in a temporary sibling folder and moved into place at the end, so
    `out_dir` is either absent, the previous benchmark, or complete. An existing `out_dir` must
    hold no files or an earlier benchmark (manifest.json), which is replaced.
    """
    config = config or SynthConfig()

    def write(build: Path) -> dict:
        return _manifest(config, {category: _write_category(build, category, config) for category in config.categories})

    return _build_atomically(Path(out_dir), write)


def _build_atomically(out_dir: Path, write: Callable[[Path], dict]) -> dict:
    """Run `write(build folder)`, add its manifest.json and move the folder to `out_dir` (see generate_benchmark)."""
    check_dataset_root(out_dir)
    with atomic_dir(out_dir) as build:
        manifest = write(build)
        (build / MARKER).write_text("generated by smite.data.synth; manifest.json describes it\n", encoding="utf-8")
        (build / "manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return manifest


def _manifest(config: SynthConfig, categories: dict) -> dict:
    """JSON-ready description: config, per-category parts/references/videos and totals."""
    videos = [video for entry in categories.values() for video in entry["videos"].values()]
    totals = {
        "references": sum(len(entry["references"]) for entry in categories.values()),
        "videos": len(videos),
        "frames": sum(video["frames"] for video in videos),
        "annotated_frames": sum(len(video["annotated"]) for video in videos),
    }
    config_dict = asdict(config) | {"categories": list(config.categories)}
    return {
        "generator": "smite.data.synth",
        "config": config_dict,
        "categories": categories,
        "totals": totals,
    }


# ----------------------------------------------------------------------------- other dataset layouts
#
# The same objects and videos in the PUMaVOS, DAVIS-2016 and SLiMe PASCAL-Part layouts, so the tables on
# those datasets run end to end without them. Item kinds keep every item's generator independent.

_PUMAVOS, _DAVIS = 2, {"train": 3, "val": 4}
_PASCAL = dict(zip(pascal_part.SPLITS, (5, 6, 7, 8), strict=True))
PASCAL_SPLITS = pascal_part.SPLITS


@dataclass(frozen=True)
class PumavosSynthConfig:
    """A PUMaVOS-layout set: per category, object videos whose parts are the category's parts."""

    seed: int = 0
    size: int = 64
    categories: tuple[str, ...] = ("robot", "fish")
    sequences_per_category: int = 1
    frames: int = 24
    annotate_every: int = 2
    noise_std: float = 4.0

    def __post_init__(self) -> None:
        _check_config(
            self,
            [
                (self.sequences_per_category < 1, "sequences_per_category must be at least 1"),
                (self.frames < 1, "frames must be at least 1"),
                (self.annotate_every < 1, "annotate_every must be at least 1"),
            ],
        )


@dataclass(frozen=True)
class DavisSynthConfig:
    """A DAVIS-2016-layout set: single-object videos (object = all parts), every frame annotated.

    Sequence i of a split shows categories[i % len(categories)].
    """

    seed: int = 0
    size: int = 64
    categories: tuple[str, ...] = ("robot", "fish", "glyph")
    train_sequences: int = 2
    val_sequences: int = 3
    frames: int = 12
    noise_std: float = 4.0

    def __post_init__(self) -> None:
        _check_config(
            self,
            [
                (self.train_sequences < 1 or self.val_sequences < 1, "need at least one train and one val sequence"),
                (self.frames < 1, "frames must be at least 1"),
            ],
        )


@dataclass(frozen=True)
class PascalPartSynthConfig:
    """A SLiMe PASCAL-Part-layout set: still images per category (class) and split."""

    seed: int = 0
    size: int = 64
    categories: tuple[str, ...] = ("robot", "fish")
    train_1: int = 1
    train_10: int = 10
    val: int = 3
    test: int = 6
    noise_std: float = 4.0

    def __post_init__(self) -> None:
        counts = {split: getattr(self, split) for split in PASCAL_SPLITS}
        _check_config(self, [(min(counts.values()) < 1, f"every split needs at least one image, got {counts}")])


def _layout_manifest(layout: str, config: Any, body: dict) -> dict:
    """Manifest of a generated layout: generator, layout name, config (JSON-ready) and `body`."""
    config_dict = asdict(config) | {"categories": list(config.categories)}
    return {"generator": "smite.data.synth", "layout": layout, "config": config_dict} | body


def generate_pumavos(out_dir: str | Path, config: PumavosSynthConfig | None = None) -> dict:
    """Write a synthetic set in the PUMaVOS layout plus manifest.json (atomically, as generate_benchmark)."""
    config = config or PumavosSynthConfig()

    def write(build: Path) -> dict:
        sequences = dict(
            _write_pumavos_sequence(build, category, index, config)
            for category in config.categories
            for index in range(config.sequences_per_category)
        )
        totals = {
            "sequences": len(sequences),
            "frames": sum(entry["frames"] for entry in sequences.values()),
            "annotated_frames": sum(len(entry["annotated"]) for entry in sequences.values()),
        }
        return _layout_manifest("pumavos", config, {"fps": pumavos.FPS, "sequences": sequences, "totals": totals})

    return _build_atomically(Path(out_dir), write)


def _write_pumavos_sequence(root: Path, category: str, index: int, config: PumavosSynthConfig) -> tuple[str, dict]:
    """JPEG frames and palette annotations of every annotate_every-th frame; return name and manifest entry."""
    name = f"{category}_{index:02d}"
    rng = _rng(config.seed, category, _PUMAVOS, index)
    frames, labels = render_video(category, rng, config.frames, config.size, config.noise_std)
    annotated = list(range(0, config.frames, config.annotate_every))
    for t, frame in enumerate(frames):
        write_image(pumavos.frames_dir(root, name) / f"{t:05d}.jpg", frame)
    for t in annotated:
        save_label_png(pumavos.annotations_dir(root, name) / f"{t:05d}.png", labels[t])
    parts = list(CATEGORY_PARTS[category])
    return name, {"category": category, "parts": parts, "frames": config.frames, "annotated": annotated}


def generate_davis(out_dir: str | Path, config: DavisSynthConfig | None = None) -> dict:
    """Write a synthetic set in the DAVIS-2016 layout (per-frame ImageSets lines) plus manifest.json."""
    config = config or DavisSynthConfig()

    def write(build: Path) -> dict:
        splits: dict[str, list[str]] = {}
        sequences = {}
        for split, count in (("train", config.train_sequences), ("val", config.val_sequences)):
            lines = []
            for index in range(count):
                category = config.categories[index % len(config.categories)]
                name = f"{category}_{split}{index:02d}"
                rng = _rng(config.seed, category, _DAVIS[split], index)
                lines += write_davis_sequence(build, name, category, rng, config)
                sequences[name] = {"category": category, "split": split, "frames": config.frames}
            with atomic_output(davis.split_file(build, split)) as tmp:
                tmp.write_text("".join(lines), encoding="utf-8")
            splits[split] = [name for name, entry in sequences.items() if entry["split"] == split]
        totals = {"sequences": len(sequences), "frames": sum(entry["frames"] for entry in sequences.values())}
        body = {"fps": davis.FPS, "parts": list(davis.PARTS), "splits": splits, "sequences": sequences}
        return _layout_manifest("davis2016", config, body | {"totals": totals})

    return _build_atomically(Path(out_dir), write)


def write_davis_sequence(
    root: Path, name: str, category: str, rng: np.random.Generator, config: DavisSynthConfig
) -> list[str]:
    """JPEG frames and 0/255 object masks (all parts) of every frame; return the sequence's ImageSets lines."""
    frames, labels = render_video(category, rng, config.frames, config.size, config.noise_std)
    lines = []
    for t, (frame, label) in enumerate(zip(frames, labels, strict=True)):
        write_image(davis.frames_dir(root, name) / f"{t:05d}.jpg", frame)
        mask = np.where(label > 0, 255, 0).astype(np.uint8)
        save_grey_png(davis.annotations_dir(root, name) / f"{t:05d}.png", mask)
        lines.append(
            f"/{davis.JPEG_DIR}/{davis.RESOLUTION}/{name}/{t:05d}.jpg "
            f"/{davis.ANNOTATIONS_DIR}/{davis.RESOLUTION}/{name}/{t:05d}.png\n"
        )
    return lines


def generate_pascal_part(out_dir: str | Path, config: PascalPartSynthConfig | None = None) -> dict:
    """Write synthetic still images in SLiMe's PASCAL-Part layout (`<class>/<split>/<stem>.png|.npy`)."""
    config = config or PascalPartSynthConfig()

    def write(build: Path) -> dict:
        classes = {
            category: {
                "parts": list(CATEGORY_PARTS[category]),
                "splits": {split: _write_pascal_split(build, category, split, config) for split in PASCAL_SPLITS},
            }
            for category in config.categories
        }
        totals = {split: sum(len(entry["splits"][split]) for entry in classes.values()) for split in PASCAL_SPLITS}
        return _layout_manifest("pascal_part", config, {"classes": classes, "totals": totals})

    return _build_atomically(Path(out_dir), write)


def _write_pascal_split(root: Path, category: str, split: str, config: PascalPartSynthConfig) -> list[str]:
    """Still images (PNG) with int64 .npy label maps of one class's split; return their stems."""
    stems = [f"{category}_{split}_{i:02d}" for i in range(getattr(config, split))]
    for index, stem in enumerate(stems):
        rng = _rng(config.seed, category, _PASCAL[split], index)
        image, labels = render_reference(category, rng, config.size, config.noise_std)
        write_image(pascal_part.split_dir(root, category, split) / f"{stem}.png", image)
        with atomic_output(pascal_part.split_dir(root, category, split) / f"{stem}.npy") as tmp:
            np.save(tmp, labels.astype(np.int64))
    return stems


LAYOUTS: dict[str, tuple[type, Callable[..., dict]]] = {
    "smite50": (SynthConfig, generate_benchmark),
    "pumavos": (PumavosSynthConfig, generate_pumavos),
    "davis2016": (DavisSynthConfig, generate_davis),
    "pascal_part": (PascalPartSynthConfig, generate_pascal_part),
}


def generate_layout(layout: str, out_dir: str | Path, **settings: Any) -> dict:
    """Generate one layout from plain settings (e.g. a YAML section): LAYOUTS[layout] config fields."""
    if layout not in LAYOUTS:
        raise ValueError(f"unknown layout {layout!r} (known: {', '.join(LAYOUTS)})")
    config_type, generate = LAYOUTS[layout]
    return generate(out_dir, config_type(**settings))
