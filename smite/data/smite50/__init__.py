"""SMITE-50 (the paper's benchmark): its reader, synthetic stand-in, toy copy, Table 5 statistics and collection.

`DATASET` is what the dataset registry (smite.data.protocols.DATASET_TYPES) holds for it; the reader's names are
the package's."""

from smite.data.kinds import DatasetType, VideoLayout
from smite.data.smite50 import protocol, synth, toy
from smite.data.smite50.reader import (
    FRAMES_DIR,
    FRAMES_NUMBERS,
    GROUND_TRUTH_DIR,
    VIDEOS_DIR,
    annotated_frames,
    export_label_pngs,
    ground_truth_dir,
    list_categories,
    list_videos,
    load_ground_truth,
    load_video_clip,
    read_frames_numbers,
    read_ground_truth,
    reference_dir,
    statistics,
    video_path,
    write_ground_truth,
)

DATASET = DatasetType(
    items=list_categories,
    synthetic=synth.synthetic,
    toy=toy.write,
    videos=VideoLayout(video_path, load_video_clip, by_category=True, annotated=annotated_frames),
    statistics=statistics,
)

__all__ = [
    "DATASET",
    "FRAMES_DIR",
    "FRAMES_NUMBERS",
    "GROUND_TRUTH_DIR",
    "VIDEOS_DIR",
    "annotated_frames",
    "export_label_pngs",
    "ground_truth_dir",
    "list_categories",
    "list_videos",
    "load_ground_truth",
    "load_video_clip",
    "protocol",
    "read_frames_numbers",
    "read_ground_truth",
    "reference_dir",
    "statistics",
    "synth",
    "toy",
    "video_path",
    "write_ground_truth",
]
