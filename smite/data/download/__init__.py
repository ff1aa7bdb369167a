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

Modules: ``prepare`` (a dataset from its source), ``fetch`` (one file into the cache), ``extract``.
"""

from smite.data.download.fetch import local_path, origins, sha256_of
from smite.data.download.prepare import MARKER, check_dataset_root, check_spec, download_file, extract, prepare_dataset

__all__ = [
    "MARKER",
    "check_dataset_root",
    "check_spec",
    "download_file",
    "extract",
    "local_path",
    "origins",
    "prepare_dataset",
    "sha256_of",
]
