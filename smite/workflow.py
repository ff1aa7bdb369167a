"""Plumbing shared by the workflow scripts: logging to the rule's log, threads, method config."""

from __future__ import annotations

import json
import logging
import os
import sys
import traceback
from pathlib import Path
from typing import Any

from smite.config import method_settings
from smite.errors import SmiteInputError
from smite.hub import describe
from smite.settings import MethodSettings


def start(snakemake: Any) -> MethodSettings:
    """Log to the rule's log file, use the rule's threads; return the run's method settings (built once per job).

    A job that reads the run's fetched weights (input `weights`, rule fetch_weights) loads pretrained models from
    the Hugging Face cache only (HF_HUB_OFFLINE, smite.hub). A failure's log ends with its one-line reason.
    """
    handler = logging.FileHandler(snakemake.log[0], mode="w")
    logging.basicConfig(level=logging.INFO, handlers=[handler],
                        format="%(asctime)s %(name)s %(levelname)s %(message)s", force=True)
    sys.stderr = handler.stream  # progress bars and warnings go to the log too
    sys.excepthook = _log_last_line
    if hasattr(snakemake.input, "weights"):
        os.environ["HF_HUB_OFFLINE"] = "1"
    if "torch" in sys.modules:  # only scripts that compute with torch pay for importing it
        sys.modules["torch"].set_num_threads(max(1, int(snakemake.threads)))
    return method_settings(snakemake.params.get("overrides", {}) if hasattr(snakemake.params, "get") else {})


def video_frames(snakemake: Any, dataset: str, folder: str, video: str) -> int | None:
    """How many frames of a video the run reads under its `video_protocol` (params `root`, `protocol`; None: all)."""
    from smite.data.protocols import protocol_frames

    return protocol_frames(dataset, snakemake.params.root, folder, video, snakemake.params.protocol)


def _log_last_line(kind: type[BaseException], error: BaseException, trace: Any) -> None:
    """The traceback, then the one line that says what is wrong (the last line of the job's log)."""
    traceback.print_exception(kind, error, trace)
    print(f"smite: error: {error}" if isinstance(error, SmiteInputError) else f"{kind.__name__}: {error}",
          file=sys.stderr)


def table_context(snakemake: Any, title: str, dataset: dict[str, Any] | None, *notes: str) -> Any:
    """The provenance header of a table rule: config files, backbone, tracker and dataset from its params."""
    from smite.tables import TableContext

    params = snakemake.params
    weights = json.loads(Path(snakemake.input.weights).read_text()) if hasattr(snakemake.input, "weights") else {}
    return TableContext(
        title=title, config=", ".join(params.config_files), backbone=params.backbone, tracker=params.tracker,
        dataset=dataset["name"] if dataset else "not present in this run",
        notes=tuple(note for note in (*notes, (dataset or {}).get("note", "")) if note),
        weights=", ".join(f"{key} {describe(identity)}" for key, identity in sorted(weights.items())),
    )


def table_stem(snakemake: Any) -> Path:
    """Output path of a table without its suffix (write_table adds .csv, .md, .tex)."""
    return Path(snakemake.output[0]).with_suffix("")
