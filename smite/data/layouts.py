"""A dataset folder from its run-config entry: generated (synthetic) or downloaded, verified and extracted."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from smite.atomic import atomic_output
from smite.data import davis, pumavos, smite50
from smite.data.synth import generate_layout
from smite.errors import SmiteInputError

log = logging.getLogger(__name__)
DATASET_LAYOUTS = ("smite50", "pumavos", "davis2016", "pascal_part")
MANIFEST = "manifest.json"


def prepare(spec: dict[str, Any], root: str | Path) -> dict[str, Any]:
    """Make `root` a complete dataset (manifest.json written last) as its `kind` says; return the manifest.

    spec: the run config's `datasets.<key>` entry plus `key` (its layout): `kind: synthetic` uses its
    `synth` settings, `kind: download` its `source` (see smite.data.download).
    """
    root = Path(root)
    layout, kind = spec["key"], spec["kind"]
    if layout not in DATASET_LAYOUTS:
        raise SmiteInputError(root, f"unknown dataset {layout!r} (known: {', '.join(DATASET_LAYOUTS)})")
    if kind == "synthetic":
        log.info("generating the synthetic %s set in %s", layout, root)
        return generate_layout(layout, root, **spec.get("synth", {}))
    if kind == "download":
        from smite.data.download import prepare_dataset

        log.info("downloading %s into %s", spec.get("name", layout), root)
        manifest = prepare_dataset(spec["source"], root)
        if not LISTERS[layout](root):  # e.g. an archive whose top folder `strip` did not remove
            (root / MANIFEST).unlink()
            raise SmiteInputError(root, f"the download holds no {layout} items at this folder: check the "
                                        "source's `strip` (top folders of the archive to remove)")
        return manifest
    if kind == "local":
        return record_local(layout, root)
    raise SmiteInputError(root, f"dataset kind {kind!r} is not synthetic, download or local")


def _pascal_classes(root: Path) -> list[str]:
    return sorted(p.name for p in root.iterdir() if (p / "test").is_dir())


LISTERS = {"smite50": smite50.list_categories, "pumavos": pumavos.list_sequences,
           "davis2016": lambda root: davis.read_split(root, "val"), "pascal_part": _pascal_classes}


def record_local(layout: str, root: Path) -> dict[str, Any]:
    """A dataset fetched by hand: check that its layout reads, then write its manifest (file list and sizes)."""
    if not root.is_dir():
        raise SmiteInputError(root, f"{layout} folder not found: download it by hand into this folder")
    items = LISTERS[layout](root)
    if not items:
        raise SmiteInputError(root, f"no {layout} items found: is this the dataset's top folder?")
    files = sorted(p for p in root.rglob("*") if p.is_file() and p.name != MANIFEST)
    manifest = {"generator": "smite.data.layouts", "layout": layout, "kind": "local", "items": items,
                "files": len(files), "bytes": sum(p.stat().st_size for p in files)}
    with atomic_output(root / MANIFEST) as tmp:
        tmp.write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return manifest
