"""A dataset folder from its run-config entry: generated (synthetic) or downloaded, verified and extracted."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from smite.data.synth import generate_layout
from smite.errors import SmiteInputError

log = logging.getLogger(__name__)
DATASET_LAYOUTS = ("smite50", "pumavos", "davis2016", "pascal_part")


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
        return prepare_dataset(spec["source"], root)
    raise SmiteInputError(root, f"dataset kind {kind!r} is neither synthetic nor download")
