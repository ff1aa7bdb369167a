"""Dataset downloads against a local HTTP server: resume, retries, checksums, safe atomic extraction."""

from __future__ import annotations

import hashlib
import inspect
import io
import json
import random
import tarfile
import threading
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import gdown
import pytest

from smite.data.download import MARKER, download_file, extract, prepare_dataset, sha256_of
from smite.errors import SmiteInputError

FAST = {"backoff": 0.001, "progress": False, "timeout": 5.0}
BIG_SIZE = 600_000  # several download chunks, so a cut transfer leaves a partial file to resume


@dataclass
class FakeServer:
    """Files served over HTTP on 127.0.0.1 with Range support and scripted misbehaviour.

    `actions[path]` is a queue consumed one per request: "cut" (announce the full length, send
    half, close), "500", "ignore-range" (answer 200 with the whole file), or "ok".
    """

    url: str = ""
    files: dict[str, bytes] = field(default_factory=dict)
    actions: dict[str, list[str]] = field(default_factory=dict)
    requests: list[tuple[str, str | None]] = field(default_factory=list)  # (path, Range header)

    def hits(self, path: str) -> list[str | None]:
        """The Range headers of every request for `path`, in order."""
        return [range_ for p, range_ in self.requests if p == path]


def _handler(state: FakeServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:  # keep test output quiet
            pass

        def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
            range_header = self.headers.get("Range")
            state.requests.append((self.path, range_header))
            queue = state.actions.get(self.path, [])
            action = queue.pop(0) if queue else "ok"
            body = state.files.get(self.path)
            if body is None:
                self.send_error(404)
                return
            if action == "500":
                self.send_error(503, "busy")
                return
            start = 0
            if range_header and action != "ignore-range":
                start = int(range_header.removeprefix("bytes=").split("-")[0])
                if start >= len(body):
                    self.send_response(416)
                    self.send_header("Content-Range", f"bytes */{len(body)}")
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                self.send_response(206)
                self.send_header("Content-Range", f"bytes {start}-{len(body) - 1}/{len(body)}")
            else:
                self.send_response(200)
            rest = body[start:]
            self.send_header("Content-Length", str(len(rest)))
            self.end_headers()
            if action == "cut":
                self.wfile.write(rest[: len(rest) // 2])
                self.wfile.flush()
                self.close_connection = True
                return
            self.wfile.write(rest)

    return Handler


@pytest.fixture()
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeServer]:
    """A ThreadingHTTPServer on 127.0.0.1, port 0, serving `FakeServer.files`."""
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    state = FakeServer()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    state.url = f"http://127.0.0.1:{httpd.server_address[1]}"
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True)
    thread.start()
    yield state
    httpd.shutdown()
    httpd.server_close()
    thread.join()


TREE = {
    "dataset/videos/a.txt": b"alpha\n",
    "dataset/videos/sub/b.txt": b"beta\n",
    "dataset/README": b"readme\n",
}


def _big_bytes() -> bytes:
    return random.Random(0).randbytes(BIG_SIZE)


def _zip_bytes(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as zf:  # stored: the archive stays as big as its data
        for name, data in members.items():
            zf.writestr(name, data)
    return buffer.getvalue()


def _tar_gz_bytes(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tf:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def _spec(server: FakeServer, path: str, **extra: object) -> dict:
    return {"name": path.lstrip("/"), "url": server.url + path, "sha256": None, **extra}


def _tree(root: Path) -> dict[str, bytes]:
    """Every file under `root` (the marker left out) and its bytes."""
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file() and p.name != MARKER}


def test_download_extract_manifest_and_cache(server: FakeServer, tmp_path: Path) -> None:
    zip_data = _zip_bytes(TREE)
    server.files = {"/data.zip": zip_data, "/extra.tar.gz": _tar_gz_bytes({"x/y.txt": b"why\n"})}
    source = {
        "kind": "download",
        "files": [
            _spec(server, "/data.zip", extract="zip"),
            _spec(server, "/extra.tar.gz", extract="tar", into="more"),
        ],
    }
    root = tmp_path / "data" / "ds"
    manifest = prepare_dataset(source, root, **FAST)

    expected = {**TREE, "more/x/y.txt": b"why\n"}
    assert _tree(root) == {**expected, "manifest.json": (root / "manifest.json").read_bytes()}
    on_disk = json.loads((root / "manifest.json").read_text())
    assert on_disk == manifest
    assert manifest["source"] == source
    digest = hashlib.sha256(zip_data).hexdigest()
    assert manifest["files"][0]["sha256"] == digest
    assert manifest["files"][0]["extracted_files"] == len(TREE)
    cache = tmp_path / "data" / ".downloads"
    assert (cache / "data.zip.sha256").read_text().split()[0] == digest
    assert not list(cache.glob("*.part")) and not list(root.parent.glob(".ds.*"))

    assert (root / MARKER).is_file()

    (root / "manifest.json").unlink()  # as Snakemake does before rerunning the rule
    prepare_dataset(source, root, **FAST)  # replaces the earlier dataset from the cache
    assert len(server.requests) == 2, "cached, verified files are not downloaded again"
    assert _tree(root).keys() == expected.keys() | {"manifest.json"}


def test_resume_after_cut_connection(server: FakeServer, tmp_path: Path) -> None:
    data = _big_bytes()
    server.files = {"/big.bin": data}
    server.actions = {"/big.bin": ["cut"]}
    path = download_file(_spec(server, "/big.bin", extract="none"), tmp_path, **FAST)

    first, second = server.hits("/big.bin")
    assert first is None
    offset = int(second.removeprefix("bytes=").rstrip("-"))
    assert 0 < offset < len(data)
    assert path == tmp_path / "big.bin" and path.read_bytes() == data
    assert not (tmp_path / "big.bin.part").exists()


@pytest.mark.parametrize("kept", [1000, BIG_SIZE])
def test_partial_file_from_an_earlier_run_is_resumed(server: FakeServer, tmp_path: Path, kept: int) -> None:
    """A .part left by a killed run is resumed; a complete one (answer 416) is only verified."""
    data = _big_bytes()
    server.files = {"/big.bin": data}
    (tmp_path / "big.bin.part").write_bytes(data[:kept])
    path = download_file(_spec(server, "/big.bin"), tmp_path, **FAST)
    assert server.hits("/big.bin") == [f"bytes={kept}-"]
    assert path.read_bytes() == data


def test_wrong_pinned_checksum(server: FakeServer, tmp_path: Path) -> None:
    data = _zip_bytes(TREE)
    server.files = {"/data.zip": data}
    wrong = "0" * 64
    root = tmp_path / "ds"
    source = {"kind": "download", "files": [_spec(server, "/data.zip", sha256=wrong)]}
    with pytest.raises(SmiteInputError) as caught:
        prepare_dataset(source, root, tmp_path / "cache", **FAST)
    message = str(caught.value)
    assert "data.zip" in message and wrong in message and hashlib.sha256(data).hexdigest() in message
    assert list((tmp_path / "cache").iterdir()) == []  # no final file, no .part, no record
    assert not (root / "manifest.json").exists()


def test_pinned_checksum_accepts_the_right_file(server: FakeServer, tmp_path: Path) -> None:
    data = _zip_bytes(TREE)
    server.files = {"/data.zip": data}
    spec = _spec(server, "/data.zip", sha256=hashlib.sha256(data).hexdigest().upper())
    path = download_file(spec, tmp_path, **FAST)
    assert path.read_bytes() == data
    assert not (tmp_path / "data.zip.sha256").exists(), "a pinned digest needs no record"


def test_corrupted_cached_file_is_a_clear_error(server: FakeServer, tmp_path: Path) -> None:
    server.files = {"/data.zip": _zip_bytes(TREE)}
    source = {"kind": "download", "files": [_spec(server, "/data.zip")]}
    root, cache = tmp_path / "ds", tmp_path / "cache"
    prepare_dataset(source, root, cache, **FAST)
    before = (root / "manifest.json").read_text()
    cached = cache / "data.zip"
    cached.write_bytes(cached.read_bytes()[:-10] + b"corrupted!")

    with pytest.raises(SmiteInputError, match=r"data\.zip.*changed since"):
        prepare_dataset(source, root, cache, **FAST)
    assert (root / "manifest.json").read_text() == before, "the previous dataset is left in place"
    assert len(server.requests) == 1


@pytest.mark.parametrize("bad_member", ["../evil.txt", "dataset/../../evil.txt", "/abs.txt"])
@pytest.mark.parametrize("kind", ["zip", "tar"])
def test_path_traversal_is_refused(server: FakeServer, tmp_path: Path, kind: str, bad_member: str) -> None:
    members = {**TREE, bad_member: b"gotcha\n"}
    name = "bad.zip" if kind == "zip" else "bad.tar.gz"
    server.files = {f"/{name}": _zip_bytes(members) if kind == "zip" else _tar_gz_bytes(members)}
    root = tmp_path / "work" / "ds"
    source = {"kind": "download", "files": [_spec(server, f"/{name}")]}
    with pytest.raises(SmiteInputError, match="path traversal"):
        prepare_dataset(source, root, **FAST)
    assert not root.exists()
    assert not list(tmp_path.rglob("evil.txt")) and not list(tmp_path.rglob("abs.txt"))
    assert not (tmp_path / "work" / ".ds.partial").exists()


def test_failed_extraction_leaves_the_previous_dataset(server: FakeServer, tmp_path: Path) -> None:
    """A member that fails its CRC after others were written: no staging folder, the old root intact."""
    good = _zip_bytes(TREE)
    bad = bytearray(good)
    offset = bad.index(b"beta\n")  # data of the second member (stored, so its bytes appear as is)
    bad[offset] ^= 0xFF
    server.files = {"/good.zip": good, "/bad.zip": bytes(bad)}
    root = tmp_path / "ds"
    prepare_dataset({"kind": "download", "files": [_spec(server, "/good.zip")]}, root, **FAST)
    before = _tree(root)

    with pytest.raises(SmiteInputError, match=r"bad\.zip.*not a valid zip"):
        prepare_dataset({"kind": "download", "files": [_spec(server, "/bad.zip")]}, root, **FAST)
    assert _tree(root) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [".downloads", "ds"]


def test_server_ignoring_range_restarts_from_zero(server: FakeServer, tmp_path: Path) -> None:
    data = _big_bytes()
    server.files = {"/big.bin": data}
    server.actions = {"/big.bin": ["cut", "ignore-range"]}
    path = download_file(_spec(server, "/big.bin"), tmp_path, **FAST)
    first, second = server.hits("/big.bin")
    assert first is None and second is not None and second.startswith("bytes=")
    assert path.read_bytes() == data


def test_5xx_is_retried(server: FakeServer, tmp_path: Path) -> None:
    server.files = {"/data.zip": _zip_bytes(TREE)}
    server.actions = {"/data.zip": ["500", "500"]}
    path = download_file(_spec(server, "/data.zip"), tmp_path, **FAST)
    assert len(server.requests) == 3
    assert path.read_bytes() == server.files["/data.zip"]


def test_retries_run_out(server: FakeServer, tmp_path: Path) -> None:
    server.files = {"/data.zip": _zip_bytes(TREE)}
    server.actions = {"/data.zip": ["500"] * 10}
    with pytest.raises(SmiteInputError, match=r"data\.zip.*failed 3 times.*503"):
        download_file(_spec(server, "/data.zip"), tmp_path, retries=2, **FAST)
    assert len(server.requests) == 3
    assert not (tmp_path / "data.zip").exists()


def test_404_is_not_retried(server: FakeServer, tmp_path: Path) -> None:
    with pytest.raises(SmiteInputError, match="HTTP 404"):
        download_file(_spec(server, "/missing.zip"), tmp_path, **FAST)
    assert len(server.requests) == 1


def test_strip_and_into(server: FakeServer, tmp_path: Path) -> None:
    server.files = {"/data.zip": _zip_bytes(TREE), "/data.tar.gz": _tar_gz_bytes(TREE)}
    source = {
        "kind": "download",
        "files": [_spec(server, "/data.zip", strip=1, into="z"), _spec(server, "/data.tar.gz", strip=2, into="t/u")],
    }
    root = tmp_path / "ds"
    prepare_dataset(source, root, **FAST)
    assert _tree(root).keys() == {"z/videos/a.txt", "z/videos/sub/b.txt", "z/README", "t/u/a.txt", "t/u/sub/b.txt",
                                  "manifest.json"}
    assert (root / "t/u/sub/b.txt").read_bytes() == b"beta\n"


def test_extract_none_copies_and_strip_clash_is_refused(tmp_path: Path) -> None:
    plain = tmp_path / "labels.csv"
    plain.write_text("a,b\n")
    extract(plain, {"name": "labels.csv", "url": "http://x/labels.csv", "extract": "none", "into": "meta"},
            tmp_path / "out", progress=False)
    assert (tmp_path / "out/meta/labels.csv").read_text() == "a,b\n"

    clash = tmp_path / "clash.zip"
    clash.write_bytes(_zip_bytes({"one/x.txt": b"1", "two/x.txt": b"2"}))
    with pytest.raises(SmiteInputError, match="both be extracted"):
        extract(clash, {"name": "clash.zip", "url": "http://x/clash.zip", "strip": 1}, tmp_path / "out2")


def test_existing_root_without_manifest_is_not_touched(server: FakeServer, tmp_path: Path) -> None:
    server.files = {"/data.zip": _zip_bytes(TREE)}
    root = tmp_path / "ds"
    root.mkdir()
    (root / "mine.txt").write_text("user data")
    with pytest.raises(SmiteInputError, match="no prepared dataset"):
        prepare_dataset({"kind": "download", "files": [_spec(server, "/data.zip")]}, root, **FAST)
    assert _tree(root) == {"mine.txt": b"user data"}
    assert server.requests == [], "the root is checked before anything is downloaded"


def test_bad_spec_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(SmiteInputError, match="exactly one of"):
        download_file({"name": "a.zip"}, tmp_path)
    with pytest.raises(SmiteInputError, match="unknown key"):
        download_file({"name": "a.zip", "url": "http://x", "sha": "abc"}, tmp_path)
    with pytest.raises(SmiteInputError, match="64 hex"):
        download_file({"name": "a.zip", "url": "http://x", "sha256": "abc"}, tmp_path)


def test_gdrive_wiring(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Only checks the wiring to gdown (id, output, resume=True) with a fake: no Google Drive is reachable here."""
    calls: list[dict] = []
    data = _zip_bytes(TREE)
    real_signature = inspect.signature(gdown.download)

    def fake_download(**kwargs: object) -> str:
        calls.append(kwargs)
        Path(str(kwargs["output"])).write_bytes(data)
        return str(kwargs["output"])

    monkeypatch.setattr(gdown, "download", fake_download)
    spec = {"name": "SMITE-50.zip", "gdrive_id": "1WiWg6nrobaN0TPfGdxk04FveUGPuWnKk", "sha256": None}
    path = download_file(spec, tmp_path, progress=False)
    assert path == tmp_path / "SMITE-50.zip" and path.read_bytes() == data
    assert len(calls) == 1
    assert calls[0]["id"] == "1WiWg6nrobaN0TPfGdxk04FveUGPuWnKk" and calls[0]["resume"] is True
    real_signature.bind(**calls[0])  # the installed gdown accepts every argument passed
    assert sha256_of(path) == (tmp_path / "SMITE-50.zip.sha256").read_text().split()[0]

    download_file(spec, tmp_path, progress=False)
    assert len(calls) == 1, "a verified cached file is not fetched again"


@pytest.mark.parametrize("form", ["absolute", "relative"])
def test_file_url_is_copied_and_verified_like_a_download(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                         form: str) -> None:
    """A `file:` URL (a local mirror; the smoke run's toy archives) goes through the same cache, checksum and
    extraction; a wrong pinned checksum leaves no cached file and no dataset."""
    monkeypatch.chdir(tmp_path)
    data = _zip_bytes(TREE)
    (tmp_path / "mirror").mkdir()
    (tmp_path / "mirror" / "data.zip").write_bytes(data)
    url = (tmp_path / "mirror" / "data.zip").as_uri() if form == "absolute" else "file:mirror/data.zip"
    good = {"kind": "download", "files": [{"name": "data.zip", "url": url, "sha256": hashlib.sha256(data).hexdigest()}]}
    prepare_dataset(good, tmp_path / "ds", tmp_path / "cache", **FAST)
    assert _tree(tmp_path / "ds").keys() == TREE.keys() | {"manifest.json"}

    wrong = {"kind": "download", "files": [{**good["files"][0], "sha256": "1" * 64, "name": "other.zip"}]}
    with pytest.raises(SmiteInputError, match="other.zip"):
        prepare_dataset(wrong, tmp_path / "ds2", tmp_path / "cache", **FAST)
    assert not (tmp_path / "cache" / "other.zip").exists() and not (tmp_path / "ds2").exists()

    missing = {"kind": "download", "files": [{"name": "gone.zip", "url": "file:mirror/gone.zip"}]}
    with pytest.raises(SmiteInputError, match="names no file"):
        prepare_dataset(missing, tmp_path / "ds3", tmp_path / "cache", **FAST)


def test_mirrors_are_tried_in_order(server: FakeServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A file with mirrors (PUMaVOS: the XMem++ README's Drive file and its mirror): the first origin that gives
    the file wins; when none does, one line names every link tried and where to put the file by hand."""
    data = _zip_bytes(TREE)
    server.files["/mirror.zip"] = data
    tried: list[str] = []

    def refusing_drive(**kwargs: object) -> None:  # Drive answering with a quota page: gdown gives no file
        tried.append(str(kwargs["id"]))
        return None

    monkeypatch.setattr(gdown, "download", refusing_drive)
    spec = {"name": "data.zip", "gdrive_id": "first-id", "sha256": None,
            "mirrors": [{"gdrive_id": "second-id"}, {"url": server.url + "/mirror.zip"}]}
    path = download_file(spec, tmp_path / "cache", **FAST)
    assert path.read_bytes() == data and tried == ["first-id", "second-id"]

    spec = {"name": "gone.zip", "gdrive_id": "first-id", "mirrors": [{"gdrive_id": "second-id"}]}
    with pytest.raises(SmiteInputError) as error:
        download_file(spec, tmp_path / "cache", **FAST)
    message = str(error.value)
    assert "\n" not in message and str(tmp_path / "cache" / "gone.zip") in message
    assert ("https://drive.google.com/file/d/first-id/view nor https://drive.google.com/file/d/second-id/view"
            in message)
    with pytest.raises(SmiteInputError, match="mirrors"):
        download_file({"name": "x.zip", "url": server.url + "/x", "mirrors": ["not a mapping"]}, tmp_path, **FAST)


def test_the_paper_fetches_pumavos_from_the_xmem_readme_links() -> None:
    """config/paper.yaml: PUMaVOS is downloaded (the XMem++ README's Drive file, then its mirror), not by hand."""
    import yaml

    spec = yaml.safe_load((Path(__file__).parents[1] / "config" / "paper.yaml").read_text())["datasets"]["pumavos"]
    (entry,) = spec["source"]["files"]
    assert spec["kind"] == "download" and entry["gdrive_id"] == "1VAClrxhWWiu9Y39QtcoUhp2YBN7R_ZCD"
    assert entry["mirrors"] == [{"gdrive_id": "1qPqg72sqlwCMyvgHFFKBd2HCKFguNJCT"}]
