"""Every staged write of the project: a file or a folder is written under a temporary name beside its target and
renamed into place when complete, so that a crash or an interrupt never leaves a half-written output under the
expected name (Snakemake, the command and the library all rely on it).

Hand-written because the standard library has the parts (``tempfile``, ``os.replace``) but no folder swap, and the
few packages that wrap the file case (atomicwrites, now unmaintained) do not cover folders.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from smite.errors import SmiteInputError


def _read_umask() -> int:
    """The process umask (only readable by setting it, so it is set straight back)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


# Files made by mkstemp and folders made by mkdtemp are private; finished ones get the usual umask-based mode.
FILE_MODE = 0o666 & ~_read_umask()
DIR_MODE = 0o777 & ~_read_umask()


def publish_file(temporary: str | Path, path: str | Path) -> Path:
    """Give a finished temporary file its mode and its name (one rename)."""
    os.chmod(temporary, FILE_MODE)
    os.replace(temporary, path)
    return Path(path)


def temporary_beside(path: str | Path) -> Path:
    """A new empty temporary file in `path`'s folder, same suffix (OpenCV, PIL and PyAV pick formats by it)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=path.suffix, dir=path.parent)
    os.close(fd)
    return Path(name)


@contextlib.contextmanager
def atomic_output(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path (same folder, same suffix) that replaces `path` on success.

    On any error the temporary file is removed and `path` is left untouched.
    """
    temporary = temporary_beside(path)
    try:
        yield temporary
        publish_file(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def write_atomic(path: str | Path, content: str | bytes) -> Path:
    """Write a small text or bytes file atomically."""
    with atomic_output(path) as temporary:
        if isinstance(content, bytes):
            temporary.write_bytes(content)
        else:
            temporary.write_text(content, encoding="utf-8")
    return Path(path)


@contextlib.contextmanager
def atomic_dir(path: str | Path) -> Iterator[Path]:
    """Yield an empty staging folder beside `path` (``.<name>.partial``) that replaces `path` as a whole on success.

    On any error, an interrupt included, the staging folder is removed and `path` is left untouched, so a folder
    under the expected name is always complete. A staging folder left by a killed run is cleared first.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if not os.access(path.parent, os.W_OK):
        raise SmiteInputError(path.parent, "output folder is not writable")
    staging = path.with_name(f".{path.name}.partial")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    try:
        yield staging
        swap_into_place(staging, path)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def swap_into_place(staging: Path, root: Path) -> None:
    """Replace `root` (a folder, or nothing) by the finished `staging` folder with renames; the old one is removed
    only once the new one is in place."""
    os.chmod(staging, DIR_MODE)
    if not root.exists():
        os.replace(staging, root)
        return
    old = Path(tempfile.mkdtemp(prefix=f".{root.name}.old.", dir=root.parent))
    os.replace(root, old / "dataset")
    os.replace(staging, root)
    shutil.rmtree(old, ignore_errors=True)
