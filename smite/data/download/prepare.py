"""Preparing a `kind: download` dataset: its file specs checked, every file fetched, extracted into a staging folder
and swapped into place with its manifest.json, so the root is absent, the previous dataset or the new complete one."""

from __future__ import annotations

import json
import logging
from datetime import datetime, timezone
from pathlib import Path

from smite.atomic import atomic_dir, atomic_output
from smite.data.download.extract import EXTRACT_KINDS, _extract, _extract_kind_from_name, _safe_parts
from smite.data.download.fetch import _SHA256, _fetch
from smite.data.roots import MANIFEST, MARKER, check_dataset_root
from smite.errors import SmiteInputError

log = logging.getLogger(__name__)

SPEC_KEYS = frozenset({"name", "url", "gdrive_id", "mirrors", "sha256", "extract", "strip", "into"})

# Written into every prepared root besides manifest.json: Snakemake deletes a rule's output
# (manifest.json) before rerunning it, and the root must still be recognised as ours, not user data.

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
        with atomic_output(staging / MANIFEST) as tmp:
            tmp.write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    log.info("prepared %s from %d file(s)", root, len(entries))
    return manifest

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
