"""Dataset downloads: resumable, retried, checksum-verified, and extracted atomically.

A dataset's `source` lists files to fetch (HTTP(S) `url`, a `file:` URL of a local copy such as a
mirror on a shared filesystem, or Google Drive `gdrive_id`) into a download cache, each verified
against a pinned sha256 or, when none is pinned, against the digest recorded next to it
(`<name>.sha256`) at its first complete download. A file only gets its final name once it is
complete and verified, so the cache never holds a half or poisoned file under the name that later
runs trust. A file put into the cache by hand (e.g. when Google Drive refuses a scripted download)
is used like a downloaded one.

`prepare_dataset` extracts every file into a staging folder next to the dataset root and swaps it
into place with renames, so the root is either absent, the previous complete dataset, or the new
complete one with its manifest.json.
"""

from __future__ import annotations

import gzip
import hashlib
import inspect
import json
import logging
import lzma
import re
import shutil
import stat
import tarfile
import time
import zipfile
import zlib
from collections.abc import Iterable
from datetime import datetime, timezone
from pathlib import Path, PurePosixPath
from urllib.parse import urlparse
from urllib.request import url2pathname

import gdown
import requests
from tqdm import tqdm

from smite.atomic import atomic_dir, atomic_output, publish_file
from smite.errors import SmiteInputError

log = logging.getLogger(__name__)

CHUNK_SIZE = 1 << 16  # small enough that a cut connection loses little, large enough to stream fast
MAX_BACKOFF = 60.0
SPEC_KEYS = frozenset({"name", "url", "gdrive_id", "mirrors", "sha256", "extract", "strip", "into"})
EXTRACT_KINDS = ("zip", "tar", "none")
_TAR_SUFFIXES = (".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tbz2", ".tar.xz", ".txz")
_SHA256 = re.compile(r"[0-9a-f]{64}")
# Written into every prepared root besides manifest.json: Snakemake deletes a rule's output
# (manifest.json) before rerunning it, and the root must still be recognised as ours, not user data.
MARKER = ".smite-dataset"
# Folders that macOS adds to zips it makes; never part of a dataset.
_JUNK_TOP = frozenset({"__MACOSX"})


class _TransientError(Exception):
    """A failure of the server or the connection that another attempt may not meet."""


_TRANSIENT = (
    requests.ConnectionError,
    requests.Timeout,
    requests.exceptions.ChunkedEncodingError,
    requests.exceptions.ContentDecodingError,
    _TransientError,
)
_GDOWN_ERRORS = (
    gdown.exceptions.FileURLRetrievalError,
    getattr(gdown.exceptions, "DownloadError", gdown.exceptions.FileURLRetrievalError),
    requests.RequestException,
)


def sha256_of(path: str | Path) -> str:
    """Hex sha256 of a file, read in chunks (archives can be many GB)."""
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def check_spec(spec: dict) -> dict:
    """Validate one `source.files` entry; return it with defaults filled in.

    Defaults: `sha256` None, `extract` from the name's suffix (zip, tar or none), `strip` 0, `into` "".
    """
    if not isinstance(spec, dict):
        raise SmiteInputError(None, f"dataset source file entry must be a mapping, got {spec!r}")
    name = spec.get("name")
    if not isinstance(name, str) or not name or name in (".", "..") or "/" in name or "\\" in name:
        raise SmiteInputError(None, f"dataset source file entry needs a plain file `name`, got {name!r}")

    def bad(problem: str) -> SmiteInputError:
        return SmiteInputError(None, f"dataset source file {name!r}: {problem}")

    unknown = sorted(set(spec) - SPEC_KEYS)
    if unknown:
        raise bad(f"unknown key(s) {', '.join(unknown)} (known: {', '.join(sorted(SPEC_KEYS))})")
    if (spec.get("url") is None) == (spec.get("gdrive_id") is None):
        raise bad("give exactly one of `url` and `gdrive_id`")
    for key in ("url", "gdrive_id"):
        if spec.get(key) is not None and (not isinstance(spec[key], str) or not spec[key]):
            raise bad(f"`{key}` must be a non-empty string")
    mirrors = spec.get("mirrors") or []
    if not isinstance(mirrors, list) or not all(
            isinstance(m, dict) and set(m) in ({"url"}, {"gdrive_id"}) and isinstance(next(iter(m.values())), str)
            for m in mirrors):
        raise bad("`mirrors` must be a list of {url: ...} or {gdrive_id: ...} entries, tried in order")
    sha256 = spec.get("sha256")
    if sha256 is not None:
        sha256 = str(sha256).lower()
        if not _SHA256.fullmatch(sha256):
            raise bad(f"`sha256` must be 64 hex digits or null, got {spec['sha256']!r}")
    extract = spec.get("extract") or _extract_kind_from_name(name)
    if extract not in EXTRACT_KINDS:
        raise bad(f"`extract` must be one of {', '.join(EXTRACT_KINDS)}, got {extract!r}")
    strip = spec.get("strip") or 0
    if not isinstance(strip, int) or isinstance(strip, bool) or strip < 0:
        raise bad(f"`strip` must be a whole number >= 0, got {spec.get('strip')!r}")
    into = spec.get("into") or ""
    if not isinstance(into, str) or _safe_parts(into) is None:
        raise bad(f"`into` must be a relative folder without '..', got {into!r}")
    return {**spec, "mirrors": mirrors, "sha256": sha256, "extract": extract, "strip": strip, "into": into}


def download_file(
    spec: dict,
    cache_dir: str | Path,
    retries: int = 5,
    timeout: float = 60.0,
    *,
    backoff: float = 1.0,
    progress: bool = True,
) -> Path:
    """Fetch one `source.files` entry into `cache_dir/<name>`, verified; return that path.

    A cached file that verifies is not fetched again. URLs resume from `<name>.part` with HTTP Range
    requests and retry connection errors, cut transfers and 5xx answers `retries` times, waiting
    `backoff * 2**n` seconds (attempts that got more bytes do not count). Google Drive files go
    through gdown, which resumes and retries itself.
    """
    return _fetch(check_spec(spec), Path(cache_dir), retries, timeout, backoff, progress)[0]


def extract(archive: str | Path, spec: dict, dest: str | Path, *, progress: bool = True) -> None:
    """Unpack `archive` into `dest / spec["into"]`, dropping `spec["strip"]` leading path components.

    Members with absolute paths or '..' components, links and special files are refused before
    anything is written. `extract: none` copies the file as is. Writes straight into `dest`:
    `prepare_dataset` provides the atomicity, by extracting into a staging folder.
    """
    spec = check_spec(spec)
    _extract(Path(archive), spec, Path(dest), progress)


def prepare_dataset(
    source: dict,
    root: str | Path,
    cache_dir: str | Path | None = None,
    *,
    retries: int = 5,
    timeout: float = 60.0,
    backoff: float = 1.0,
    progress: bool = True,
) -> dict:
    """Download and extract every file of a `kind: download` source into `root`; return the manifest.

    Everything is extracted into `.<root name>.partial` next to `root`, with manifest.json written
    last, and renamed into place. An existing `root` must be empty or hold an earlier prepared
    dataset (manifest.json, or the MARKER file should the manifest be gone), which is replaced; any
    other folder is user data and an error.
    `cache_dir` defaults to `.downloads` next to `root`.
    """
    root = Path(root)
    specs = _check_source(source)
    check_dataset_root(root)
    cache = Path(cache_dir) if cache_dir is not None else root.parent / ".downloads"
    fetched = [_fetch(spec, cache, retries, timeout, backoff, progress) for spec in specs]

    with atomic_dir(root) as staging:
        entries = []
        for spec, (path, digest) in zip(specs, fetched, strict=True):
            count = _extract(path, spec, staging, progress)
            entries.append(_manifest_entry(spec, path, digest, count))
        manifest = {
            "generator": "smite.data.download",
            "dataset": root.name,
            "prepared": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "source": source,
            "files": entries,
        }
        (staging / MARKER).write_text("prepared by smite.data.download; manifest.json describes it\n", encoding="utf-8")
        with atomic_output(staging / "manifest.json") as tmp:
            tmp.write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    log.info("prepared %s from %d file(s)", root, len(entries))
    return manifest


# --- source and root checks -------------------------------------------------------------------


def _check_source(source: dict) -> list[dict]:
    """The validated file specs of a `kind: download` source (all checked before any download)."""
    if not isinstance(source, dict) or source.get("kind", "download") != "download":
        raise SmiteInputError(None, f"dataset source must have `kind: download`, got {source!r}")
    files = source.get("files")
    if not isinstance(files, list) or not files:
        raise SmiteInputError(None, "dataset source needs a non-empty `files` list")
    specs = [check_spec(spec) for spec in files]
    names = [spec["name"] for spec in specs]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise SmiteInputError(None, f"dataset source names a file more than once: {', '.join(duplicates)}")
    return specs


def check_dataset_root(root: Path) -> None:
    """Refuse a dataset root that holds files but no earlier prepared dataset (manifest.json or MARKER).

    MARKER matters when Snakemake deleted manifest.json (the rule's output) before rerunning the rule.
    """
    if root.exists() and not root.is_dir():
        raise SmiteInputError(root, "dataset root exists and is not a folder")
    if (root / "manifest.json").is_file() or (root / MARKER).is_file() or not root.is_dir():
        return
    if any(p.is_file() or p.is_symlink() for p in root.rglob("*")):
        raise SmiteInputError(root, "dataset root is not empty and holds no prepared dataset (manifest.json); "
                                    "move it away or choose another root")


def _manifest_entry(spec: dict, path: Path, digest: str, count: int) -> dict:
    """What the manifest says about one downloaded file."""
    origin = {"url": spec["url"]} if spec.get("url") else {"gdrive_id": spec["gdrive_id"]}
    return {
        "name": spec["name"],
        **origin,
        "sha256": digest,
        "bytes": path.stat().st_size,
        "extract": spec["extract"],
        "strip": spec["strip"],
        "into": spec["into"],
        "extracted_files": count,
    }


# --- download and verification ----------------------------------------------------------------


def _fetch(spec: dict, cache: Path, retries: int, timeout: float, backoff: float, progress: bool) -> tuple[Path, str]:
    """The verified cached file of a checked spec and its sha256, downloading it if needed."""
    cache.mkdir(parents=True, exist_ok=True)
    final = cache / spec["name"]
    record = cache / f"{spec['name']}.sha256"
    if final.is_file():
        digest = sha256_of(final)
        _verify(final, digest, spec, record, fresh=False)
        log.info("using cached %s (sha256 %s)", final, digest)
        return final, digest

    tried = origins(spec)  # the file's own link, then its mirrors, in order
    failures = []
    for origin in tried:
        try:
            part = _download(origin, spec["name"], cache, final, retries, timeout, backoff, progress)
            break
        except SmiteInputError as error:
            if len(tried) == 1:
                raise
            log.warning("%s: %s", link(origin), error.problem)
            failures.append(link(origin))
    else:
        raise SmiteInputError(final, f"could not be downloaded from {' nor '.join(failures)} (the log has each "
                                     f"reason): download it by hand and save it as {final}, or fill the dataset's "
                                     "folder by hand and give it `kind: local`")
    digest = sha256_of(part)
    _verify(part, digest, spec, record, fresh=True, name=final)
    publish_file(part, final)
    log.info("downloaded %s (sha256 %s)", final, digest)
    return final, digest


def origins(spec: dict) -> list[dict]:
    """Where a file can come from, in the order tried: its `url` or `gdrive_id`, then each of its `mirrors`."""
    own = {"url": spec["url"]} if spec.get("url") else {"gdrive_id": spec["gdrive_id"]}
    return [own, *spec.get("mirrors", [])]


def link(origin: dict) -> str:
    """An origin as a link a person can open."""
    return origin["url"] if "url" in origin else f"https://drive.google.com/file/d/{origin['gdrive_id']}/view"


def _download(origin: dict, name: str, cache: Path, final: Path, retries: int, timeout: float, backoff: float,
              progress: bool) -> Path:
    """Fetch one origin of a file into its partial file in `cache`; the partial file."""
    local = local_path(origin["url"]) if "url" in origin else None
    if local is not None:
        part = cache / f"{name}.part"
        log.info("copying %s to %s", origin["url"], final)
        _copy_local(local, part, final)
    elif "url" in origin:
        part = cache / f"{name}.part"
        log.info("downloading %s to %s", origin["url"], final)
        _http_download(origin["url"], part, final, retries, timeout, backoff, progress)
    else:
        part = cache / f"{name}.gdrive.part"  # gdown keeps its own partial files next to it
        log.info("downloading Google Drive file %s to %s", origin["gdrive_id"], final)
        _gdrive_download(origin["gdrive_id"], part, final, retries, timeout, progress)
    return part


def _verify(path: Path, digest: str, spec: dict, record: Path, *, fresh: bool, name: Path | None = None) -> None:
    """Check `digest` against the pinned or recorded sha256; record it when there is neither.

    A mismatch with the pin deletes the file (it can only be wrong); a mismatch with the record
    keeps a cached file for inspection but deletes a fresh download.
    """
    name = name or path
    pinned = spec.get("sha256")
    if pinned:
        if digest != pinned:
            path.unlink(missing_ok=True)
            raise SmiteInputError(name, f"sha256 mismatch: expected {pinned} (pinned in the dataset source), "
                                        f"got {digest}; the file was deleted, run again to download it afresh")
        return
    recorded = _read_record(record)
    if recorded is None:
        with atomic_output(record) as tmp:
            tmp.write_text(f"{digest}  {name.name}\n", encoding="utf-8")
        log.info("recorded sha256 %s of %s in %s", digest, name.name, record)
        return
    if digest == recorded:
        return
    if fresh:
        path.unlink(missing_ok=True)
        raise SmiteInputError(name, f"sha256 mismatch: the download has {digest} but {recorded} was recorded in "
                                    f"{record} at the first download; the remote file changed (delete {record.name} "
                                    "to accept the new version)")
    raise SmiteInputError(name, f"sha256 mismatch: the cached file has {digest} but {recorded} was recorded in "
                                f"{record} when it was downloaded; the file changed since (delete it and "
                                f"{record.name} to download it afresh)")


def _read_record(record: Path) -> str | None:
    """The digest recorded in a `<name>.sha256` file (sha256sum format), or None if there is none."""
    if not record.is_file():
        return None
    fields = record.read_text(encoding="utf-8").split()
    if not fields or not _SHA256.fullmatch(fields[0].lower()):
        raise SmiteInputError(record, "not a sha256 record (expected '<64 hex digits>  <file name>')")
    return fields[0].lower()


def local_path(url: str) -> Path | None:
    """The file a `file:` URL names, else None: `file:///abs/path`, or `file:rel/path` (also `file://rel/path`)
    relative to the working directory, as the DAG's paths are."""
    parsed = urlparse(url)
    if parsed.scheme != "file":
        return None
    host = "" if parsed.netloc in ("", "localhost") else parsed.netloc
    return Path(url2pathname(host + parsed.path))


def _copy_local(source: Path, part: Path, final: Path) -> None:
    """A local copy into `part` (verified like a download afterwards)."""
    if not source.is_file():
        raise SmiteInputError(final, f"the file: URL names no file ({source})")
    shutil.copyfile(source, part)


def _http_download(url: str, part: Path, final: Path, retries: int, timeout: float, backoff: float,
                   progress: bool) -> None:
    """Download `url` into `part` (resuming it), retrying transient failures with exponential backoff."""
    failures = 0
    while True:
        before = _size(part)
        try:
            _http_attempt(url, part, final, timeout, progress)
            return
        except _TRANSIENT as error:
            failures = 0 if _size(part) > before else failures + 1
            if failures > retries:
                raise SmiteInputError(final, f"download from {url} failed {failures} times in a row, last: {error}; "
                                             "run again to resume it") from error
            delay = min(backoff * 2 ** max(failures - 1, 0), MAX_BACKOFF)
            log.warning("download of %s interrupted (%s); retrying in %.1f s", url, error, delay)
            time.sleep(delay)
        except requests.RequestException as error:  # a bad URL, too many redirects: no retry helps
            raise SmiteInputError(final, f"download from {url} failed: {error}") from error


def _http_attempt(url: str, part: Path, final: Path, timeout: float, progress: bool) -> None:
    """One request: append the rest of the file to `part`, or restart it if the server will not resume."""
    offset = _size(part)
    headers = {"Accept-Encoding": "identity"}  # byte offsets must count the bytes on disk
    if offset:
        headers["Range"] = f"bytes={offset}-"
    with requests.get(url, headers=headers, stream=True, timeout=timeout) as response:
        total = _expected_total(response, url, part, final, offset)
        if total is not None and total == offset and response.status_code == 416:
            return  # the partial file was already complete
        if response.status_code != 206:
            offset = 0
        with open(part, "ab" if offset else "wb") as out, tqdm(
            total=total, initial=offset, unit="B", unit_scale=True, unit_divisor=1024, desc=final.name,
            disable=not progress, mininterval=1.0,
        ) as bar:
            for chunk in response.iter_content(CHUNK_SIZE):
                out.write(chunk)
                bar.update(len(chunk))
    size = _size(part)
    if total is not None and size != total:
        if size > total:
            part.unlink()
        raise _TransientError(f"got {size} of {total} bytes")


def _expected_total(response: requests.Response, url: str, part: Path, final: Path, offset: int) -> int | None:
    """The full file size the answer announces (None if unknown); raise on answers not worth using."""
    code = response.status_code
    if code == 206:
        match = re.fullmatch(r"bytes (\d+)-(\d+)/(\d+|\*)", response.headers.get("Content-Range", "").strip())
        if match is None or int(match[1]) != offset:
            part.unlink(missing_ok=True)
            raise _TransientError(f"server resumed with Content-Range {response.headers.get('Content-Range')!r} "
                                  f"instead of from byte {offset}; restarting")
        return None if match[3] == "*" else int(match[3])
    if code == 416 and offset:
        match = re.fullmatch(r"bytes \*/(\d+)", response.headers.get("Content-Range", "").strip())
        if match and int(match[1]) == offset:
            return offset
        part.unlink(missing_ok=True)
        raise _TransientError(f"server refused to resume from byte {offset}; restarting")
    if code >= 500 or code in (408, 429):
        raise _TransientError(f"HTTP {code} {response.reason}")
    if code != 200:
        raise SmiteInputError(final, f"download from {url} failed: HTTP {code} {response.reason}")
    if offset:
        log.info("server ignored the Range request for %s; downloading it from the start", url)
    length = response.headers.get("Content-Length")
    encoded = response.headers.get("Content-Encoding", "identity").lower() not in ("", "identity")
    return int(length) if length and length.isdigit() and not encoded else None


def _gdrive_download(file_id: str, part: Path, final: Path, retries: int, timeout: float, progress: bool) -> None:
    """Download a Google Drive file into `part` with gdown (which resumes its own partial file)."""
    kwargs: dict = {"id": file_id, "output": str(part), "resume": True, "quiet": not progress}
    parameters = inspect.signature(gdown.download).parameters
    takes_any = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters.values())
    for key, value in (("retries", retries), ("timeout", timeout)):
        if key in parameters or takes_any:  # gdown >= 6 retries and times out itself
            kwargs[key] = value
    try:
        result = gdown.download(**kwargs)
    except _GDOWN_ERRORS as error:
        raise SmiteInputError(final, f"Google Drive download of file id {file_id} failed: {error} (if Drive refuses "
                                     f"scripted downloads, download it in a browser and save it as {final})") from error
    if result is None or not part.is_file():
        raise SmiteInputError(final, f"Google Drive download of file id {file_id} produced no file (if Drive refuses "
                                     f"scripted downloads, download it in a browser and save it as {final})")


def _size(path: Path) -> int:
    """Size of a file, 0 if it does not exist."""
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return 0


# --- extraction -------------------------------------------------------------------------------


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

