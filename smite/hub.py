"""Pretrained models: declared once (smite/pretrained.yaml, the `models` setting), pinned by revision, fetched once.

Every pretrained model the pipeline loads (Stable Diffusion 2.1 base, CoTracker3, Grounding DINO, SAM 2) is a
`models.<key>` entry: a hub repository and a 40-hex revision, with its source, or a local `path` (a folder in
the library's layout, or a file) in their place. Loading goes through the Hugging Face cache with that revision
(`from_pretrained(repo, revision=...)`, `hf_hub_download(repo, file, revision=...)`), so HF_HOME, HF_ENDPOINT and
HF_HUB_OFFLINE apply to every model alike: "offline" means the cache, nothing else. `fetch` fills the cache on a
host with network (`smite fetch-weights`, the DAG's `fetch_weights` rule); model jobs then read it only.

A model that cannot be had is one SmiteInputError line naming the model, its id and revision, the config key to
change and the local-folder alternative, with the `hf download` command that would fetch it.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from smite.atomic import write_atomic
from smite.errors import SmiteInputError

COTRACKER_INSTALL = "pip install 'smite[paper]' (CoTracker from its repository, CC-BY-NC 4.0)"

T = TypeVar("T")


@dataclass(frozen=True)
class ModelSpec:
    """One `models.<key>` entry: where a pretrained model comes from."""

    key: str
    title: str  # what the model is, for messages ("Stable Diffusion 2.1 base")
    repo: str | None
    revision: str | None
    path: str | None  # a local folder or file used instead of repo and revision
    file: str | None  # the one file of the repository that is loaded (CoTracker3's checkpoint)
    patterns: tuple[str, ...]  # what `fetch` downloads of the repository (all when empty)
    sha256: str | None  # of `file`, where it is known
    source: str

    @property
    def config_key(self) -> str:
        return f"models.{self.key}"

    @property
    def local(self) -> bool:
        return self.path is not None

    def where(self) -> str:
        """`repo@revision` or the local path."""
        return self.path if self.local else f"{self.repo}@{self.revision}"

    @classmethod
    def from_entry(cls, key: str, entry: dict[str, Any]) -> ModelSpec:
        """A `models.<key>` entry of a config file (smite/pretrained.yaml, a run's overrides)."""
        known = {f for f in cls.__dataclass_fields__ if f != "key"}
        unknown = sorted(set(entry) - known)
        if unknown:
            raise SmiteInputError(None, f"unknown method setting 'models.{key}.{unknown[0]}' "
                                        f"(known here: {', '.join(sorted(known))})")
        return cls(key=key, title=entry.get("title", key), repo=entry.get("repo"), revision=entry.get("revision"),
                   path=entry.get("path"), file=entry.get("file"), patterns=tuple(entry.get("patterns") or ()),
                   sha256=entry.get("sha256"), source=entry.get("source", ""))

    def entry(self) -> dict[str, Any]:
        """The config-file entry it was read from (the inverse of from_entry)."""
        return {"title": self.title, "repo": self.repo, "revision": self.revision, "patterns": list(self.patterns),
                **({"file": self.file} if self.file else {}), **({"sha256": self.sha256} if self.sha256 else {}),
                "source": self.source, "path": self.path}

    def download_command(self) -> str:
        """The `hf download` command that puts this model in the cache."""
        selected = f" {self.file}" if self.file else "".join(f" --include '{p}'" for p in self.patterns)
        return f"hf download {self.repo}{selected} --revision {self.revision}"


def pinned_spec(models: Mapping[str, ModelSpec], key: str) -> ModelSpec:
    """The `models.<key>` entry of a run's settings (MethodSettings.model), checked: a 40-hex revision unless a
    local path."""
    if key not in models:
        raise SmiteInputError(None, f"no pretrained model '{key}' under models: (known: {', '.join(sorted(models))})")
    spec = models[key]
    if spec.path is None:
        revision = spec.revision or ""
        if not spec.repo or len(revision) != 40 or any(c not in "0123456789abcdef" for c in revision):
            raise SmiteInputError(None, f"method setting '{spec.config_key}' needs a hub repo and a 40-hex revision "
                                        f"(or a local path); got {spec.repo!r} at {spec.revision!r}")
    return spec


def offline() -> bool:
    """Whether HF_HUB_OFFLINE asks for the cache only (huggingface_hub's own reading of the variable)."""
    return os.environ.get("HF_HUB_OFFLINE", "").strip().lower() in {"1", "on", "yes", "true"}


# -- errors ------------------------------------------------------------------------------------------------------
def _chain(error: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        yield error
        error = error.__cause__ or error.__context__


def reason(error: BaseException) -> str:
    """What went wrong, in a few words, from huggingface_hub's error types anywhere in the exception's chain."""
    from huggingface_hub import errors

    causes = list(_chain(error))
    not_cached = "it is not in the Hugging Face cache and the hub cannot be reached"
    known = ((errors.GatedRepoError, "the repository is gated (log in with `hf auth login` and accept its terms)"),
             (errors.RepositoryNotFoundError, "the repository does not exist on the hub (or is private)"),
             (errors.RevisionNotFoundError, "the hub has no such revision"),
             (errors.RemoteEntryNotFoundError, "the revision lacks a file it needs"),
             (errors.LocalEntryNotFoundError, not_cached + (" (HF_HUB_OFFLINE is set)" if offline() else "")))
    for kind, words in known:
        if any(isinstance(cause, kind) for cause in causes):
            return words
    for cause in causes:
        if type(cause).__name__ in {"ConnectError", "ConnectionError", "ConnectTimeout", "ReadTimeout", "timeout"}:
            return f"the hub cannot be reached ({type(cause).__name__})"
    text = " ".join(str(error).split())
    return text[:300] if text else type(error).__name__


def unavailable(spec: ModelSpec, error: BaseException | str) -> SmiteInputError:
    """The one line for a model that cannot be had."""
    why = error if isinstance(error, str) else reason(error)
    if spec.local:
        return SmiteInputError(spec.path, f"{spec.title} ({spec.config_key}.path): {why}; give a folder or file "
                                          f"in its own layout, or remove {spec.config_key}.path for the pinned "
                                          f"{spec.repo}@{spec.revision}")
    return SmiteInputError(spec.repo, f"{spec.title} ({spec.config_key}: {spec.repo} at revision {spec.revision}): "
                                      f"{why}; fetch it on a host with network (`{spec.download_command()}`, or "
                                      f"`smite fetch-weights`), change {spec.config_key}.repo/.revision, or set "
                                      f"{spec.config_key}.path to a local copy")


def guarded(spec: ModelSpec, load: Callable[[], T]) -> T:
    """load() with the hub's and the libraries' loading errors turned into the one line."""
    try:
        return load()
    except SmiteInputError:
        raise
    except (OSError, ValueError, RuntimeError, KeyError) as error:
        raise unavailable(spec, error) from error
    except Exception as error:  # huggingface_hub's HTTP errors derive from httpx's, not OSError
        if type(error).__module__.split(".")[0] in {"huggingface_hub", "httpx", "requests"}:
            raise unavailable(spec, error) from error
        raise


# -- loading -----------------------------------------------------------------------------------------------------
def pretrained_args(spec: ModelSpec) -> tuple[str, str | None, bool]:
    """What a `from_pretrained` call takes for this model: the path or the repo, its revision (None for a path),
    and whether to stay in the cache (HF_HUB_OFFLINE)."""
    if spec.local:
        if not Path(spec.path).exists():
            raise unavailable(spec, "no such folder or file")
        return spec.path, None, True
    return spec.repo, spec.revision, offline()


def model_file(spec: ModelSpec) -> Path:
    """The model's one file (`file`), from the local path or the cache at its revision (downloaded if allowed)."""
    if spec.local:
        path = Path(spec.path)
        if not path.is_file():
            raise unavailable(spec, "no such file")
        return path
    from huggingface_hub import hf_hub_download

    path = Path(guarded(spec, lambda: hf_hub_download(spec.repo, spec.file, revision=spec.revision,
                                                      local_files_only=offline())))
    if spec.sha256 and file_sha256(path) != spec.sha256:
        raise unavailable(spec, f"{spec.file} in the cache has another sha256 than {spec.sha256}")
    return path


@functools.cache
def file_sha256(path: Path) -> str:
    """sha256 of a file, remembered across processes by (path, size, mtime) in the user's cache folder: a
    5 GB local model is hashed once, not by every job that loads it."""
    stat = Path(path).stat()
    key = f"{Path(path).resolve()}|{stat.st_size}|{stat.st_mtime_ns}"
    store = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "smite" / "sha256.json"
    known = _read_json(store)
    if key in known:
        return known[key]
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 22), b""):
            digest.update(block)
    known[key] = digest.hexdigest()
    with contextlib.suppress(OSError):  # a read-only home: the digest is still right, only not remembered
        write_atomic(store, json.dumps(known))
    return known[key]


def _read_json(path: Path) -> dict[str, str]:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return {}


def folder_digest(path: str | Path) -> str:
    """sha256 over a local model's files (relative name and content), so a table names the weights exactly."""
    root = Path(path)
    files = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.is_file())
    digest = hashlib.sha256()
    for file in files:
        digest.update(str(file.relative_to(root) if file != root else file.name).encode())
        digest.update(file_sha256(file).encode())
    return digest.hexdigest()


def identity(spec: ModelSpec) -> dict[str, str]:
    """The resolved identity written into checkpoints and table headers: repo and commit, or path and digest."""
    if spec.local:
        return {"model": spec.key, "path": str(Path(spec.path).resolve()), "sha256": folder_digest(spec.path)}
    return {"model": spec.key, "repo": spec.repo, "revision": spec.revision}


def describe(identity_: dict[str, str]) -> str:
    """An identity in a few characters: repo@commit12, or path (sha256 12)."""
    if "path" in identity_:
        return f"{identity_['path']} (sha256 {identity_['sha256'][:12]})"
    return f"{identity_['repo']}@{identity_['revision'][:12]}"


# -- fetching and checking ---------------------------------------------------------------------------------------
def fetch(spec: ModelSpec) -> dict[str, str]:
    """Put the model in the Hugging Face cache at its revision (nothing to do for a local path); its identity."""
    if spec.local:
        pretrained_args(spec)  # exists
        return identity(spec)
    if spec.file:
        model_file(spec)
    else:
        from huggingface_hub import snapshot_download

        guarded(spec, lambda: snapshot_download(spec.repo, revision=spec.revision,
                                                allow_patterns=list(spec.patterns) or None))
    return identity(spec)


def cached(spec: ModelSpec) -> bool:
    """Whether the cache holds the model at its revision (a snapshot with what `fetch` downloads)."""
    if spec.local:
        return Path(spec.path).exists()
    from huggingface_hub import snapshot_download

    try:
        folder = Path(snapshot_download(spec.repo, revision=spec.revision, local_files_only=True,
                                        allow_patterns=[spec.file] if spec.file else list(spec.patterns) or None))
    except Exception:  # noqa: BLE001 - any failure to find it locally means: not cached
        return False
    return (folder / spec.file).is_file() if spec.file else any(folder.iterdir())


def problem(spec: ModelSpec, timeout: float = 10.0) -> str | None:
    """None when the model is cached or the hub has it at its revision; else the one line saying why not."""
    if cached(spec):
        return None
    if spec.local:
        return str(unavailable(spec, "no such folder or file"))
    if offline():
        return str(unavailable(spec, "it is not in the Hugging Face cache and HF_HUB_OFFLINE is set"))
    from huggingface_hub import constants
    from huggingface_hub.utils import build_hf_headers, get_session, hf_raise_for_status

    url = f"{constants.ENDPOINT}/api/models/{spec.repo}/revision/{spec.revision}"
    try:  # one request, no retries: a run without network learns it in seconds
        hf_raise_for_status(get_session().get(url, headers=build_hf_headers(), timeout=timeout))
    except Exception as error:  # noqa: BLE001 - every failure is reported in one line
        return str(unavailable(spec, error))
    return None


def write_weights(path: str | Path, specs: list[ModelSpec]) -> dict[str, dict[str, str]]:
    """Fetch every model and write their identities (JSON, by key) to `path`, atomically."""
    identities = {spec.key: fetch(spec) for spec in specs}
    write_atomic(path, json.dumps(identities, indent=2, sort_keys=True))
    return identities


def run_problems(specs: list[ModelSpec]) -> list[str]:
    """What stops a run before its first job: models neither cached nor on the hub."""
    return [line for line in (problem(spec) for spec in specs) if line]
