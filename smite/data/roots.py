"""What makes a folder a prepared dataset: its manifest, or the marker its preparation leaves (downloads and the
synthetic generator share this, so that neither imports the other)."""

from __future__ import annotations

from pathlib import Path

from smite.errors import SmiteInputError

MANIFEST = "manifest.json"  # written last: its presence says the dataset is complete
MARKER = ".smite-dataset"  # left by every preparation, so a rerun may replace the folder once the manifest is gone


def check_dataset_root(root: Path) -> None:
    """Refuse a dataset root that holds files but no earlier prepared dataset (manifest.json or MARKER).

    MARKER matters when Snakemake deleted manifest.json (the rule's output) before rerunning the rule.
    """
    if root.exists() and not root.is_dir():
        raise SmiteInputError(root, "dataset root exists and is not a folder")
    if (root / MANIFEST).is_file() or (root / MARKER).is_file() or not root.is_dir():
        return
    if any(p.is_file() or p.is_symlink() for p in root.rglob("*")):
        raise SmiteInputError(root, "dataset root is not empty and holds no prepared dataset (manifest.json); "
                                    "move it away or choose another root")
