"""Plumbing shared by the workflow scripts: logging to the rule's log, threads, method config."""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path
from typing import Any

from smite.config import method_config
from smite.worker import CHILD_ENV


def start(snakemake: Any) -> dict[str, Any]:
    """Log to the rule's log file, use the rule's threads; return the merged method config."""
    handler = logging.FileHandler(snakemake.log[0], mode="w")
    logging.basicConfig(level=logging.INFO, handlers=[handler],
                        format="%(asctime)s %(name)s %(levelname)s %(message)s", force=True)
    sys.stderr = handler.stream  # progress bars and warnings go to the log too
    if os.environ.get(CHILD_ENV):
        logging.getLogger(__name__).info("running in a child of the run's warm worker (smite.worker)")
    if "torch" in sys.modules:  # only scripts that compute with torch pay for importing it
        sys.modules["torch"].set_num_threads(max(1, int(snakemake.threads)))
    return method_config(snakemake.params.get("method", {}) if hasattr(snakemake.params, "get") else {})


def table_context(snakemake: Any, title: str, dataset: dict[str, Any] | None, *notes: str) -> Any:
    """The provenance header of a table rule: config files, backbone, tracker and dataset from its params."""
    from smite.tables import TableContext

    params = snakemake.params
    return TableContext(
        title=title, config=", ".join(params.config_files), backbone=params.backbone, tracker=params.tracker,
        dataset=dataset["name"] if dataset else "not present in this run",
        notes=tuple(note for note in (*notes, (dataset or {}).get("note", "")) if note),
    )


def table_stem(snakemake: Any) -> Path:
    """Output path of a table without its suffix (write_table adds .csv, .md, .tex)."""
    return Path(snakemake.output[0]).with_suffix("")
