"""PUMaVOS (XMem++'s partial-object set, paper Tables 6-7): its reader, synthetic stand-in, toy copy, Table 5
statistics and collection.

`DATASET` is what the dataset registry (smite.data.protocols.DATASET_TYPES) holds for it; the reader's names are
the package's."""

from smite.data.kinds import DatasetType, VideoLayout
from smite.data.pumavos import protocol, synth, toy
from smite.data.pumavos.reader import (
    ANNOTATIONS_DIR,
    FPS,
    JPEG_DIR,
    annotation_files,
    annotations_dir,
    check_no_other_references,
    default_parts,
    export_ground_truth,
    frame_files,
    frames_dir,
    list_sequences,
    list_visible,
    load_sequence,
    read_annotations,
    read_clip,
    read_frames,
    reference_name,
    sequence_folders,
    statistics,
    training_frames,
    video_source,
    write_training_references,
)

DATASET = DatasetType(
    items=list_sequences,
    synthetic=synth.synthetic,
    toy=toy.write,
    videos=VideoLayout(video_source, read_clip),
    statistics=statistics,
)

__all__ = [
    "ANNOTATIONS_DIR",
    "DATASET",
    "FPS",
    "JPEG_DIR",
    "annotation_files",
    "annotations_dir",
    "check_no_other_references",
    "default_parts",
    "export_ground_truth",
    "frame_files",
    "frames_dir",
    "list_sequences",
    "list_visible",
    "load_sequence",
    "protocol",
    "read_annotations",
    "read_clip",
    "read_frames",
    "reference_name",
    "sequence_folders",
    "statistics",
    "synth",
    "toy",
    "training_frames",
    "video_source",
    "write_training_references",
]
