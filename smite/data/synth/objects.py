"""The synthetic objects: categories and their parts, part styles and joints, the geometry of their pieces
and their textured appearance."""

from __future__ import annotations

import colorsys
import math
from collections.abc import Callable
from dataclasses import dataclass

import cv2
import numpy as np

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


def rotation(angle: float) -> np.ndarray:
    c, s = math.cos(angle), math.sin(angle)
    return np.array([[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, 1.0]])


def translation(x: float, y: float) -> np.ndarray:
    return np.array([[1.0, 0.0, x], [0.0, 1.0, y], [0.0, 0.0, 1.0]])


def scaling(scale: float) -> np.ndarray:
    return np.diag([scale, scale, 1.0])


def _about(pivot: tuple[float, float], angle: float) -> np.ndarray:
    """Frame of a limb hinged at `pivot` and turned by `angle` (radians)."""
    return translation(*pivot) @ rotation(angle)


def superellipse(cx: float, cy: float, rx: float, ry: float, power: float = 2.0, n: int = 48) -> np.ndarray:
    """Polygon of |x/rx|^p + |y/ry|^p = 1: an ellipse for p = 2, a rounded box for larger p."""
    t = np.linspace(0.0, 2.0 * np.pi, n, endpoint=False)
    c, s = np.cos(t), np.sin(t)
    x = rx * np.sign(c) * np.abs(c) ** (2.0 / power)
    y = ry * np.sign(s) * np.abs(s) ** (2.0 / power)
    return np.stack([cx + x, cy + y], axis=1)


def apply(matrix: np.ndarray, points: np.ndarray) -> np.ndarray:
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
    leg = superellipse(0, s["ll"] / 2, s["lw"] / 2, s["ll"] / 2, 4)
    arm = superellipse(0, s["al"] / 2, s["aw"] / 2, s["al"] / 2, 3)
    pieces = [
        Piece(4, leg, _about((side * s["tw"] * 0.27, bottom - 0.05), j[name]))
        for side, name in ((-1, "leg_l"), (1, "leg_r"))
    ]
    pieces.append(Piece(2, superellipse(0, 0, s["tw"] / 2, s["th"] / 2, 5), np.eye(3)))
    pieces += [
        Piece(3, arm, _about((side * (s["tw"] / 2 + s["aw"] * 0.3), top + 0.1), j[name]))
        for side, name in ((-1, "arm_l"), (1, "arm_r"))
    ]
    head = superellipse(0, -s["hh"] * 0.92, s["hw"], s["hh"], s["hp"])
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
        Piece(1, superellipse(cx, 0, bl, bh), np.eye(3)),
        Piece(2, pectoral, _about((cx + bl * 0.15, bh * 0.25), j["pectoral"])),
        Piece(4, superellipse(0, 0, s["er"], s["er"], n=24), translation(cx + bl * 0.58, -bh * 0.3)),
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


SHAPES: dict[str, Callable[[np.random.Generator], dict[str, float]]] = {
    "robot": _robot_shape,
    "fish": _fish_shape,
    "glyph": _glyph_shape,
}
PIECES: dict[str, Callable[[dict[str, float], dict[str, float]], list[Piece]]] = {
    "robot": _robot_pieces,
    "fish": _fish_pieces,
    "glyph": _glyph_pieces,
}


# ----------------------------------------------------------------------------- appearance


def rgb(hue: float, sat: float, val: float) -> np.ndarray:
    """RGB (0..255, float32) of an HSV colour with hue in degrees."""
    rgb = colorsys.hsv_to_rgb((hue % 360.0) / 360.0, float(np.clip(sat, 0, 1)), float(np.clip(val, 0, 1)))
    return np.array(rgb, dtype=np.float32) * 255.0


def sample_looks(category: str, rng: np.random.Generator) -> list[Look]:
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
                rgb(h, s, v),
                rgb(h + rng.uniform(-25, 25), s, v * dark),
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


def draw(
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


def draw_object(
    canvas: np.ndarray, labels: np.ndarray, pieces: list[Piece], looks: list[Look], placement: np.ndarray
) -> None:
    """Draw pieces in order; `placement` maps object units to canvas pixels."""
    for piece in pieces:
        matrix = placement @ piece.frame
        draw(
            canvas,
            labels,
            apply(matrix, piece.polygon),
            np.linalg.inv(matrix),
            looks[piece.part - 1],
            piece.part,
        )


def _random_look(rng: np.random.Generator, period: float) -> Look:
    """A muted random texture for background clutter."""
    hue = rng.uniform(0, 360)
    sat, val = rng.uniform(0.1, 0.5), rng.uniform(0.3, 0.85)
    kind = str(rng.choice(["stripes", "dots", "checker", "flat"]))
    return Look(kind, rgb(hue, sat, val), rgb(hue + 30, sat, val * 0.6), period, rng.uniform(0, np.pi))


def background_image(rng: np.random.Generator, height: int, width: int) -> np.ndarray:
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
        matrix = translation(*centre)
        draw(canvas, None, box, np.linalg.inv(matrix), _random_look(rng, rng.uniform(0.03, 0.08) * side), 0)
    grain = cv2.GaussianBlur(rng.normal(0, 6, (height, width)).astype(np.float32), (0, 0), 1.2)
    return np.clip(canvas + grain[..., None], 0, 255)


def _clutter_shape(canvas: np.ndarray, rng: np.random.Generator, side: int) -> None:
    """One random muted ellipse, box or line."""
    colour = tuple(float(c) for c in rgb(rng.uniform(0, 360), rng.uniform(0.05, 0.45), rng.uniform(0.25, 0.85)))
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


