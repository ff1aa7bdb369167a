"""A warm worker: workflow scripts run in children forked from one process that has already imported torch,
diffusers and matplotlib, so that a job skips their ~5 s of imports (the embedded DAG has about 90 such jobs,
and about 50 evaluation jobs that save 0.4 s each).

The Snakefile starts one for a local run (`onstart`) and stops it when the run ends. A workflow script calls
:func:`run_in_worker` first thing: when a worker serves this run, the script is executed there again, in a
fresh fork with the job's working directory, environment, arguments and standard streams, and the job exits
with the child's status. Without a worker (a cluster job, a conda environment, a worker that is gone, another
Python) the call returns and the script runs in its own process as usual. The worker changes where a job
computes, never what: the child runs the same file from its first line.

No library does this (Python's forkserver serves one parent process, not the separate processes Snakemake
spawns), hence this module.
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import gc
import importlib
import json
import os
import runpy
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SOCKET_ENV = "SMITE_WORKER"  # the socket of the worker serving this run, set for the jobs Snakemake spawns
CHILD_ENV = "SMITE_WORKER_CHILD"  # set in a forked child, so that its own run_in_worker() call returns
PRELOAD = ("smite.api", "smite.figures", "smite.evaluate", "smite.metrics")  # what the scripts that use it import
CONNECT_TIMEOUT_S = 5.0  # a socket that accepts no connection within this time has no worker behind it
# a worker starts a job once its imports are done (5-10 s after the run starts on a busy machine); one that
# has not started it within this time is not used for it
START_TIMEOUT_S = 120.0
POLL_S = 0.5  # how often the worker checks that the run which started it is still there


def supported() -> bool:
    """Linux only: it forks a process that has imported torch (macOS forbids that once frameworks are loaded;
    Windows has no fork) and passes file descriptors over a Unix socket."""
    return sys.platform.startswith("linux") and hasattr(os, "fork") and hasattr(socket, "send_fds")


def _interpreter() -> dict[str, str]:
    """What must match between a job's Python and the worker's for the job to run there."""
    return {"prefix": sys.prefix, "version": sys.version}


# -- client: the job's own process -------------------------------------------------------------------------
def run_in_worker() -> None:
    """Run the calling script in the warm worker and exit with its status; return if no worker takes it."""
    path = os.environ.get(SOCKET_ENV)
    if not path or os.environ.get(CHILD_ENV) or not supported():
        return
    main = sys.modules["__main__"]
    script = getattr(main, "__real_file__", None) or getattr(main, "__file__", None)
    if script is None:
        return
    request = {"script": os.path.abspath(script), "argv": sys.argv, "cwd": os.getcwd(), "env": dict(os.environ),
               "interpreter": _interpreter()}
    connection = _submit(path, request)
    if connection is None:
        return
    sys.exit(_wait(connection))


def _submit(path: str, request: dict[str, Any]) -> tuple[socket.socket, Any, int] | None:
    """Hand the job and its standard streams to the worker; None when it does not start the job."""
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.settimeout(CONNECT_TIMEOUT_S)
        sock.connect(path)
        sock.settimeout(START_TIMEOUT_S)
        socket.send_fds(sock, [b"\0"], [0, 1, 2])
        sock.sendall(json.dumps(request).encode() + b"\n")
        reader = sock.makefile("rb")
        reply = json.loads(reader.readline() or b"{}")
    except (OSError, ValueError):
        sock.close()
        return None
    if "pid" not in reply:  # refused (another Python) or gone before starting: the job runs here
        sock.close()
        return None
    sock.settimeout(None)
    return sock, reader, int(reply["pid"])


def _wait(connection: tuple[socket.socket, Any, int]) -> int:
    """The child's exit status; a signal to this process (Snakemake cancelling the job) kills the child first."""
    sock, reader, pid = connection

    def cancel(signum: int, _frame: Any) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
        while sock.recv(4096):  # the child's end closes once it is gone: it writes nothing after that
            pass
        os._exit(128 + signum)

    for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(signum, cancel)
    line = reader.readline()
    if not line:
        print(f"smite worker: the process running {sys.argv[0]} ended without a status", file=sys.stderr)
        return 1
    return int(json.loads(line)["status"])


# -- worker ------------------------------------------------------------------------------------------------
def serve(path: str, parent: int, preload: tuple[str, ...] = PRELOAD) -> None:
    """Listen on `path` and fork a child per job until the process `parent` (the Snakemake run) is gone.

    It listens before importing, so that jobs submitted meanwhile wait in the queue instead of importing
    for themselves.
    """
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(64)
    for module in preload:
        importlib.import_module(module)
    # the imported objects go to the permanent generation: a child's garbage collections then skip them instead
    # of writing to every page of the inherited heap (copy-on-write faults: 0.5 s on a short job, measured)
    gc.collect()
    gc.freeze()
    listener.settimeout(POLL_S)
    children: set[int] = set()
    try:
        while _alive(parent):
            _reap(children)
            try:
                connection, _ = listener.accept()
            except TimeoutError:
                continue
            pid = os.fork()
            if pid == 0:
                listener.close()
                os._exit(_child(connection))
            connection.close()
            children.add(pid)
    finally:
        with contextlib.suppress(OSError):
            os.unlink(path)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # it exists, under another user
        pass
    return True


def _reap(children: set[int]) -> None:
    for pid in list(children):
        with contextlib.suppress(ChildProcessError):
            if os.waitpid(pid, os.WNOHANG)[0]:
                children.discard(pid)


def _child(connection: socket.socket) -> int:
    """Become the job: its streams, directory, environment and argv; run its script; report the status."""
    for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(signum, signal.SIG_DFL)
    _, fds, _, _ = socket.recv_fds(connection, 1, 3)
    reader = connection.makefile("rb")
    request = json.loads(reader.readline())
    if request["interpreter"] != _interpreter() or len(fds) != 3:
        connection.sendall(b"{}\n")
        return 0
    for target, fd in enumerate(fds):
        os.dup2(fd, target)
        os.close(fd)
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"], **{CHILD_ENV: "1"})
    sys.argv = request["argv"]
    connection.sendall(json.dumps({"pid": os.getpid()}).encode() + b"\n")
    threading.Thread(target=_die_with_client, args=(connection,), daemon=True).start()
    status = _run_script(request["script"])
    connection.sendall(json.dumps({"status": status}).encode() + b"\n")
    return status


def _die_with_client(connection: socket.socket) -> None:
    """The job's own process never writes after its request: end of stream means it is gone (killed)."""
    with contextlib.suppress(OSError):
        connection.recv(1)
    os.kill(os.getpid(), signal.SIGKILL)


def _run_script(script: str) -> int:
    """Run the file as __main__ as `python script` would: its exit status, a traceback on stderr if it raises."""
    try:
        runpy.run_path(script, run_name="__main__")
        status = 0
    except SystemExit as exit_:
        if exit_.code is None:
            status = 0
        elif isinstance(exit_.code, int):
            status = exit_.code
        else:  # sys.exit("message") prints the message and exits with 1
            print(exit_.code, file=sys.stderr)
            status = 1
    except BaseException:  # noqa: BLE001 - reported as the process would report it (its excepthook)
        sys.excepthook(*sys.exc_info())
        status = 1
    atexit._run_exitfuncs()  # flush logs as interpreter exit would; os._exit follows
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    return status


# -- the run's side: start and stop ------------------------------------------------------------------------
@dataclass
class Worker:
    """A started worker: its process and socket."""

    process: subprocess.Popen
    path: Path

    def stop(self) -> None:
        """End the worker (jobs already running in its children finish on their own) and remove its socket."""
        if self.process.poll() is None:
            self.process.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=10)
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()
        with contextlib.suppress(OSError):
            self.path.parent.rmdir()
        if os.environ.get(SOCKET_ENV) == str(self.path):
            del os.environ[SOCKET_ENV]


_RUNNING: list[Worker] = []  # the worker this process started, if any


def start(log_file: str | Path | None = None) -> Worker:
    """Start a worker for the jobs this process spawns: its socket path goes into this process's environment,
    which they inherit. The socket lives in a private temporary folder on this machine."""
    path = Path(tempfile.mkdtemp(prefix="smite-worker-")) / "socket"
    if log_file:
        Path(log_file).parent.mkdir(parents=True, exist_ok=True)
    output = open(log_file, "ab") if log_file else subprocess.DEVNULL  # noqa: SIM115 - the worker holds it
    process = subprocess.Popen(
        [sys.executable, "-m", "smite.worker", "--socket", str(path), "--parent", str(os.getpid())],
        stdout=output, stderr=output, stdin=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + CONNECT_TIMEOUT_S
    while not path.exists() and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    os.environ[SOCKET_ENV] = str(path)
    worker = Worker(process, path)
    _RUNNING.append(worker)
    return worker


def stop() -> None:
    """Stop the workers this process started."""
    while _RUNNING:
        _RUNNING.pop().stop()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--socket", required=True, help="path of the Unix socket to listen on")
    parser.add_argument("--parent", type=int, required=True, help="serve until this process is gone")
    args = parser.parse_args(argv)
    serve(args.socket, args.parent)


if __name__ == "__main__":
    main()
