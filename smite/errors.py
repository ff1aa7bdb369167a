"""The one exception type that the command line turns into a clear one-line error (exit 2)."""

from __future__ import annotations

from pathlib import Path


class SmiteInputError(Exception):
    """Bad user input: names the offending file and what is wrong with it."""

    def __init__(self, path: str | Path | None, problem: str) -> None:
        self.path = None if path is None else Path(path)
        self.problem = problem
        super().__init__(f"{self.path}: {problem}" if self.path is not None else problem)
