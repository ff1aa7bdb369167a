"""DAVIS-2016 (paper Tables 9-10): its reader, synthetic stand-in, toy copy, Table 5 statistics and its two
collections.

`DATASET` is what the dataset registry (smite.data.protocols.DATASET_TYPES) holds for it; the reader's names are
the package's."""

from smite.data.davis import protocol, synth, toy
from smite.data.davis.reader import (
    ANNOTATIONS_DIR,
    FPS,
    IMAGE_SETS_DIR,
    JPEG_DIR,
    PARTS,
    RESOLUTION,
    annotations_dir,
    export_ground_truth,
    frames_dir,
    items,
    list_sequences,
    load_sequence,
    read_clip,
    read_object_mask,
    read_split,
    semi_supervised_references,
    split_file,
    statistics,
    video_source,
    zero_shot_references,
)
from smite.data.kinds import DatasetType, VideoLayout

DATASET = DatasetType(
    items=items,
    synthetic=synth.synthetic,
    toy=toy.write,
    videos=VideoLayout(video_source, read_clip),
    statistics=statistics,
)

__all__ = [
    "ANNOTATIONS_DIR",
    "DATASET",
    "IMAGE_SETS_DIR",
    "JPEG_DIR",
    "FPS",
    "PARTS",
    "RESOLUTION",
    "annotations_dir",
    "export_ground_truth",
    "frames_dir",
    "items",
    "list_sequences",
    "load_sequence",
    "protocol",
    "read_clip",
    "read_object_mask",
    "read_split",
    "semi_supervised_references",
    "split_file",
    "statistics",
    "synth",
    "toy",
    "video_source",
    "zero_shot_references",
]
