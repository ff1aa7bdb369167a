"""Data layer: clips, video and mask I/O, reference sets, one package per dataset, the synthetic objects.

Names are imported from their submodules on first use (PEP 562), so that `import smite.data.masks` in a job
that only segments does not load the synthetic generator, the downloader and their dependencies.
"""

from __future__ import annotations

import importlib
from typing import Any

_SUBMODULE = {
    **dict.fromkeys(["Clip"], "clip"),
    **dict.fromkeys(["VOC_PALETTE", "colorize", "overlay", "read_binary_png", "read_label_png", "save_label_png"],
                    "masks"),
    **dict.fromkeys(["ReferenceSet", "load_references", "save_references"], "references"),
    **dict.fromkeys(["export_label_pngs", "list_categories", "list_videos", "load_video_clip", "read_frames_numbers",
                     "read_ground_truth", "write_ground_truth"], "smite50"),
    **dict.fromkeys(["SynthSettings", "generate_benchmark"], "smite50.synth"),
    **dict.fromkeys(["PumavosSynthSettings", "generate_pumavos"], "pumavos.synth"),
    **dict.fromkeys(["DavisSynthSettings", "generate_davis"], "davis.synth"),
    **dict.fromkeys(["PascalPartSynthSettings", "generate_pascal_part"], "pascal_part.synth"),
    **dict.fromkeys(["read_video", "write_frames", "write_video"], "video"),
}


def __getattr__(name: str) -> Any:
    if name in _SUBMODULE:
        return getattr(importlib.import_module(f"smite.data.{_SUBMODULE[name]}"), name)
    raise AttributeError(f"module 'smite.data' has no attribute {name!r}")


__all__ = sorted(_SUBMODULE)
