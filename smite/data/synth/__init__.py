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

This package holds what every layout shares: the objects (`objects`), their rendering (`render`) and the
generators' common machinery (`common`). Each dataset package writes its own layout with them (its `synth`
module: smite.data.smite50.synth for SMITE-50, and the PUMaVOS, DAVIS-2016 and SLiMe PASCAL-Part layouts), so the
tables on those datasets run end to end without the real data.
"""

from smite.data.synth.objects import CATEGORY_PARTS
from smite.data.synth.render import render_reference, render_video

__all__ = ["CATEGORY_PARTS", "render_reference", "render_video"]
