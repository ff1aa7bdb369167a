"""Extracting a fetched archive (zip, tar; or none) into the staging folder: leading folders stripped, macOS junk
dropped, every member's path checked to stay inside."""

from __future__ import annotations

import gzip
import logging
import lzma
import re
import shutil
import stat
import tarfile
import zipfile
import zlib
from collections.abc import Iterable
from pathlib import Path, PurePosixPath

from tqdm import tqdm

from smite.data.download.fetch import CHUNK_SIZE
from smite.errors import SmiteInputError

log = logging.getLogger(__name__)



EXTRACT_KINDS = ("zip", "tar", "none")

_TAR_SUFFIXES = (".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tbz2", ".tar.xz", ".txz")

# Folders that macOS adds to zips it makes; never part of a dataset.
_JUNK_TOP = frozenset({"__MACOSX"})

def _extract_kind_from_name(name: str) -> str:
    """zip, tar or none, from a file name's suffix."""
    lower = name.lower()
    if lower.endswith(".zip"):
        return "zip"
    return "tar" if lower.endswith(_TAR_SUFFIXES) else "none"

def _extract(archive: Path, spec: dict, dest: Path, progress: bool) -> int:
    """Unpack a checked spec's archive under `dest / into`; return the number of files written."""
    base = dest.joinpath(*PurePosixPath(spec["into"]).parts)
    base.mkdir(parents=True, exist_ok=True)
    if spec["extract"] == "none":
        shutil.copyfile(archive, base / spec["name"])
        return 1
    if spec["extract"] == "zip":
        return _extract_zip(archive, spec["strip"], base, progress)
    return _extract_tar(archive, spec["strip"], base, progress)

def _extract_zip(archive: Path, strip: int, base: Path, progress: bool) -> int:
    """Unpack a zip after checking every member."""
    try:
        with zipfile.ZipFile(archive) as zf:
            infos = zf.infolist()
            for info in infos:
                if stat.S_ISLNK(info.external_attr >> 16):
                    raise SmiteInputError(archive, f"member {info.filename!r} is a symbolic link; links are not "
                                                   "extracted (nothing was)")
            targets = _targets(archive, [(info.filename, info.is_dir()) for info in infos], strip, base)
            return _write_members(archive, infos, targets, lambda info: zf.open(info), progress)
    except (zipfile.BadZipFile, zlib.error, EOFError) as error:
        raise SmiteInputError(archive, f"not a valid zip archive: {error}") from error

def _extract_tar(archive: Path, strip: int, base: Path, progress: bool) -> int:
    """Unpack a tar (any compression tarfile reads) after checking every member."""
    try:
        with tarfile.open(archive, "r:*") as tf:
            members = tf.getmembers()
            for member in members:
                if not (member.isfile() or member.isdir()):
                    raise SmiteInputError(archive, f"member {member.name!r} is a link or special file; only files "
                                                   "and folders are extracted (nothing was)")
            targets = _targets(archive, [(m.name, m.isdir()) for m in members], strip, base)
            return _write_members(archive, members, targets, tf.extractfile, progress)
    except (tarfile.TarError, EOFError, zlib.error, lzma.LZMAError, gzip.BadGzipFile) as error:
        raise SmiteInputError(archive, f"not a valid tar archive: {error}") from error

def _write_members(archive: Path, members: list, targets: list[Path | None], open_member, progress: bool) -> int:
    """Write every member to its target (folders made, files streamed); return the file count."""
    written = 0
    for member, target in tqdm(zip(members, targets, strict=True), total=len(members), unit="member",
                               desc=f"extract {archive.name}", disable=not progress, leave=False):
        if target is None:
            continue
        if _is_dir_member(member):
            target.mkdir(parents=True, exist_ok=True)
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        with open_member(member) as src, open(target, "wb") as dst:
            shutil.copyfileobj(src, dst, CHUNK_SIZE)
        written += 1
    return written

def _is_dir_member(member: zipfile.ZipInfo | tarfile.TarInfo) -> bool:
    """Whether a zip or tar member is a folder."""
    return member.is_dir() if isinstance(member, zipfile.ZipInfo) else member.isdir()

def _targets(archive: Path, members: Iterable[tuple[str, bool]], strip: int, base: Path) -> list[Path | None]:
    """Where each (name, is folder) member goes (None: dropped); refuses unsafe names and clashes."""
    targets: list[Path | None] = []
    sources: dict[Path, str] = {}
    dropped = 0
    for name, is_dir in members:
        parts = _safe_parts(name)
        if parts is None:
            raise SmiteInputError(archive, f"member {name!r} has an absolute path or a '..' component (path "
                                           "traversal); refusing the archive (nothing was extracted)")
        kept = parts[strip:]
        if parts and parts[0] in _JUNK_TOP:
            targets.append(None)
            continue
        if not kept:
            dropped += not is_dir
            targets.append(None)
            continue
        target = base.joinpath(*kept)
        if not is_dir:
            if target in sources:
                raise SmiteInputError(archive, f"members {sources[target]!r} and {name!r} would both be extracted "
                                               f"to {'/'.join(kept)} (check `strip`)")
            sources[target] = name
        targets.append(target)
    if dropped:
        log.warning("%s: %d file(s) within the %d stripped leading folder(s) were not extracted", archive, dropped,
                    strip)
    return targets

def _safe_parts(name: str) -> tuple[str, ...] | None:
    """The path components of an archive member name, or None if it is absolute or climbs out with '..'."""
    name = name.replace("\\", "/")
    if name.startswith("/") or re.match(r"[A-Za-z]:", name):
        return None
    parts = tuple(part for part in name.split("/") if part not in ("", "."))
    return None if ".." in parts else parts
