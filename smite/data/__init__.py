"""Data layer: clips, video and mask I/O, reference sets, dataset readers, synthetic benchmark."""

from smite.data.clip import Clip
from smite.data.masks import VOC_PALETTE, colorize, overlay, read_binary_png, read_label_png, save_label_png
from smite.data.references import ReferenceSet, load_references, save_references
from smite.data.smite50 import (
    export_label_pngs,
    list_categories,
    list_videos,
    load_video_clip,
    read_frames_numbers,
    read_ground_truth,
    write_ground_truth,
)
from smite.data.synth import (
    DavisSynthConfig,
    PascalPartSynthConfig,
    PumavosSynthConfig,
    SynthConfig,
    generate_benchmark,
    generate_davis,
    generate_layout,
    generate_pascal_part,
    generate_pumavos,
)
from smite.data.video import read_video, write_frames, write_video

__all__ = [
    "VOC_PALETTE",
    "Clip",
    "DavisSynthConfig",
    "PascalPartSynthConfig",
    "PumavosSynthConfig",
    "ReferenceSet",
    "SynthConfig",
    "colorize",
    "export_label_pngs",
    "generate_benchmark",
    "generate_davis",
    "generate_layout",
    "generate_pascal_part",
    "generate_pumavos",
    "list_categories",
    "list_videos",
    "load_references",
    "load_video_clip",
    "overlay",
    "read_binary_png",
    "read_frames_numbers",
    "read_ground_truth",
    "read_label_png",
    "read_video",
    "save_label_png",
    "save_references",
    "write_frames",
    "write_ground_truth",
    "write_video",
]
