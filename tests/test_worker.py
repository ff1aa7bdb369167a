"""smite.worker: a script that calls run_in_worker() runs in a child of the warm worker when one serves the run,
with the job's streams, directory, arguments and exit status, and in its own process otherwise."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from smite import worker

SCRIPT = """
import json, os, sys
from smite.worker import run_in_worker
run_in_worker()
warm = "torch" in sys.modules  # the worker imported it; a fresh process has not
record = {"pid": os.getpid(), "ppid": os.getppid(), "cwd": os.getcwd(), "argv": sys.argv[1:], "warm": warm,
          "env": os.environ.get("JOB_VALUE")}
print(json.dumps(record))
print("on stderr", file=sys.stderr)
mode = sys.argv[1]
if mode == "raise":
    raise ValueError("bad input")
if mode == "sleep":
    open(sys.argv[2], "w").write(str(os.getpid()))
    import time
    time.sleep(120)
sys.exit(int(mode))
"""


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """A worker started as the Snakefile starts it, and the environment a job of that run gets."""
    folder = tmp_path_factory.mktemp("worker")
    script = folder / "job.py"
    script.write_text(SCRIPT)
    running = worker.start(folder / "worker.log")
    os.environ.pop(worker.SOCKET_ENV)  # the jobs get it; this test process itself is not a job
    env = {**os.environ, "JOB_VALUE": "from the job"}
    yield running, script, env
    worker.stop()
    assert not running.path.exists() and running.process.poll() is not None


def _job(script: Path, env: dict[str, str], cwd: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(script), *args], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=120)


def test_a_job_runs_in_a_child_of_the_worker_with_its_streams_directory_arguments_and_status(served, tmp_path):
    running, script, env = served
    result = _job(script, {**env, worker.SOCKET_ENV: str(running.path)}, tmp_path, "3", "extra")
    assert result.returncode == 3, result.stderr
    record = json.loads(result.stdout)
    assert record["ppid"] == running.process.pid and record["warm"]
    assert record["cwd"] == str(tmp_path) and record["argv"] == ["3", "extra"] and record["env"] == "from the job"
    assert result.stderr == "on stderr\n"


def test_an_exception_in_the_worker_fails_the_job_with_its_traceback(served, tmp_path):
    running, script, env = served
    result = _job(script, {**env, worker.SOCKET_ENV: str(running.path)}, tmp_path, "raise")
    assert result.returncode == 1
    assert json.loads(result.stdout.splitlines()[0])["ppid"] == running.process.pid
    assert "ValueError: bad input" in result.stderr and "Traceback" in result.stderr


def test_without_a_worker_the_job_runs_in_its_own_process(served, tmp_path):
    _, script, env = served
    for job_env in (env, {**env, worker.SOCKET_ENV: str(tmp_path / "no-such-socket")}):
        result = _job(script, job_env, tmp_path, "0")
        assert result.returncode == 0, result.stderr
        record = json.loads(result.stdout)
        assert record["ppid"] == os.getpid() and not record["warm"]


def test_cancelling_a_job_kills_its_child_in_the_worker(served, tmp_path):
    running, script, env = served
    pid_file = tmp_path / "pid"
    job = subprocess.Popen([sys.executable, str(script), "sleep", str(pid_file)], cwd=tmp_path,
                           env={**env, worker.SOCKET_ENV: str(running.path)}, stdout=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while not pid_file.exists() or not pid_file.read_text():
        assert time.monotonic() < deadline and job.poll() is None
        time.sleep(0.05)
    child = int(pid_file.read_text())
    assert child != job.pid and json.loads(job.stdout.readline())["ppid"] == running.process.pid
    job.send_signal(signal.SIGTERM)
    assert job.wait(timeout=30) == 128 + signal.SIGTERM
    assert not Path(f"/proc/{child}").exists() or "zombie" in Path(f"/proc/{child}/status").read_text()


def test_a_job_of_another_python_is_not_taken(served):
    running, _, _ = served
    request = {"script": "x.py", "argv": [], "cwd": "/", "env": {}, "interpreter": {"prefix": "/elsewhere"}}
    assert worker._submit(str(running.path), request) is None


def test_the_worker_ends_with_the_run_that_started_it(tmp_path):
    run = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
    server = subprocess.Popen([sys.executable, "-m", "smite.worker", "--socket", str(tmp_path / "socket"),
                               "--parent", str(run.pid)])
    try:
        run.kill()
        run.wait()
        assert server.wait(timeout=60) == 0
    finally:
        server.kill()
