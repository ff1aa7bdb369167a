"""A dataset folder from its run-config entry: generated (synthetic) or downloaded, verified and extracted."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from smite.atomic import atomic_output
from smite.data.kinds import DatasetType
from smite.data.protocols import DATASET_TYPES
from smite.data.roots import MANIFEST
from smite.errors import SmiteInputError

log = logging.getLogger(__name__)


def dataset_type(layout: str, where: str | Path | None = None) -> DatasetType:
    """The registry entry of a dataset; one clear error for a name the project does not know."""
    if layout not in DATASET_TYPES:
        raise SmiteInputError(where, f"unknown dataset {layout!r} (known: {', '.join(DATASET_TYPES)})")
    return DATASET_TYPES[layout]


def generate_layout(layout: str, out_dir: str | Path, **settings: Any) -> dict:
    """A dataset's synthetic stand-in from plain settings (e.g. a YAML section), with its manifest."""
    return dataset_type(layout, out_dir).synthetic(out_dir, **settings)


def dataset_statistics(key: str, root: str | Path) -> dict[str, Any]:
    """Table 5's statistics of one video dataset by its config key."""
    count = dataset_type(key, root).statistics
    if count is None:
        raise SmiteInputError(root, f"Table 5 does not describe the {key} dataset")
    return {"dataset": key, **count(Path(root))}


def prepare(spec: dict[str, Any], root: str | Path) -> dict[str, Any]:
    """Make `root` a complete dataset (manifest.json written last) as its `kind` says; return the manifest.

    spec: the run config's `datasets.<key>` entry plus `key` (its layout): `kind: synthetic` uses its
    `synth` settings, `kind: download` its `source` (see smite.data.download).
    """
    root = Path(root)
    layout, kind = spec["key"], spec["kind"]
    items = dataset_type(layout, root).items
    if kind == "synthetic":
        log.info("generating the synthetic %s set in %s", layout, root)
        return generate_layout(layout, root, **spec.get("synth", {}))
    if kind == "download":
        from smite.data.download import prepare_dataset

        log.info("downloading %s into %s", spec.get("name", layout), root)
        manifest = prepare_dataset(spec["source"], root)
        if not items(root):  # e.g. an archive whose top folder `strip` did not remove
            (root / MANIFEST).unlink()
            raise SmiteInputError(root, f"the download holds no {layout} items at this folder: check the "
                                        "source's `strip` (top folders of the archive to remove)")
        return manifest
    if kind == "local":
        return record_local(layout, root)
    raise SmiteInputError(root, f"dataset kind {kind!r} is not synthetic, download or local")


def record_local(layout: str, root: Path) -> dict[str, Any]:
    """A dataset fetched by hand: check that its layout reads, then write its manifest (file list and sizes)."""
    if not root.is_dir():
        raise SmiteInputError(root, f"{layout} folder not found: download it by hand into this folder")
    items = dataset_type(layout, root).items(root)
    if not items:
        raise SmiteInputError(root, f"no {layout} items found: is this the dataset's top folder?")
    files = sorted(p for p in root.rglob("*") if p.is_file() and p.name != MANIFEST)
    manifest = {"generator": "smite.data.layouts", "layout": layout, "kind": "local", "items": items,
                "files": len(files), "bytes": sum(p.stat().st_size for p in files)}
    with atomic_output(root / MANIFEST) as tmp:
        tmp.write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return manifest
