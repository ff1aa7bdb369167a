"""Fetching one file into the download cache: HTTP(S) with resume and retries, a `file:` URL of a local copy, or
Google Drive (gdown); the file's own link, then its mirrors; verified against its pinned sha256 or the digest
recorded at its first complete download, and only then given its final name."""

from __future__ import annotations

import hashlib
import inspect
import logging
import re
import shutil
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlparse
from urllib.request import url2pathname

import requests
from tqdm import tqdm

from smite.atomic import atomic_output, publish_file
from smite.errors import SmiteInputError

log = logging.getLogger(__name__)



CHUNK_SIZE = 1 << 16  # small enough that a cut connection loses little, large enough to stream fast

MAX_BACKOFF = 60.0

_SHA256 = re.compile(r"[0-9a-f]{64}")

class _TransientError(Exception):
    """A failure of the server or the connection that another attempt may not meet."""

_TRANSIENT = (
    requests.ConnectionError,
    requests.Timeout,
    requests.exceptions.ChunkedEncodingError,
    requests.exceptions.ContentDecodingError,
    _TransientError,
)



def _gdown_errors(gdown: Any) -> tuple[type[BaseException], ...]:
    """What a failed Google Drive download raises (gdown is imported when one is fetched: 0.2 s of imports that
    every job importing this package, such as the synthetic generator's, would pay)."""
    return (gdown.exceptions.FileURLRetrievalError,
            getattr(gdown.exceptions, "DownloadError", gdown.exceptions.FileURLRetrievalError),
            requests.RequestException)

def sha256_of(path: str | Path) -> str:
    """Hex sha256 of a file, read in chunks (archives can be many GB)."""
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()

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
    import gdown

    kwargs: dict = {"id": file_id, "output": str(part), "resume": True, "quiet": not progress}
    parameters = inspect.signature(gdown.download).parameters
    takes_any = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters.values())
    for key, value in (("retries", retries), ("timeout", timeout)):
        if key in parameters or takes_any:  # gdown >= 6 retries and times out itself
            kwargs[key] = value
    try:
        result = gdown.download(**kwargs)
    except _gdown_errors(gdown) as error:
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
