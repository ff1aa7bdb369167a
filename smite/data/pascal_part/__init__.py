"""SLiMe's PASCAL-Part splits (paper Tables 11-12, still images): its reader, synthetic stand-in, toy copy and
collection.

`DATASET` is what the dataset registry (smite.data.protocols.DATASET_TYPES) holds for it; the reader's names are
the package's."""

from smite.data.kinds import DatasetType
from smite.data.pascal_part import protocol, synth, toy
from smite.data.pascal_part.reader import (
    PASCAL_PARTS,
    SPLITS,
    Item,
    export_ground_truth,
    items,
    load_split,
    split_dir,
    write_references,
)

DATASET = DatasetType(items=items, synthetic=synth.synthetic, toy=toy.write)

__all__ = [
    "DATASET",
    "Item",
    "PASCAL_PARTS",
    "SPLITS",
    "export_ground_truth",
    "items",
    "load_split",
    "protocol",
    "split_dir",
    "synth",
    "toy",
    "write_references",
]
