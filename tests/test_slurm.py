"""The small DAG through SLURM (profiles/slurm) gives the same bytes as a local run.

Needs a SLURM cluster whose node sees this machine's /tmp, e.g. the single-node one that
`.ci/slurm/start_cluster.sh` starts (as root, on Debian); skipped with the reason when there is none.
"""

from __future__ import annotations

import shutil
import subprocess
import time

import pytest
from test_workflow import SMALL, SNAKEMAKE, _outputs, _run, _small_run

START = ".ci/slurm/start_cluster.sh"


def _cluster_problem() -> str | None:
    """Why no SLURM job can run here, or None when a node is up."""
    for command in ("sbatch", "squeue", "sinfo", "srun"):
        if shutil.which(command) is None:
            return f"no SLURM client ('{command}' not found); start a test cluster with {START}"
    try:
        states = subprocess.run(["sinfo", "-h", "-o", "%T"], capture_output=True, text=True, timeout=30)
    except subprocess.TimeoutExpired:
        return f"'sinfo' does not answer; start the test cluster with {START}"
    if states.returncode != 0:
        return f"'sinfo' fails ({states.stderr.strip()}); start the test cluster with {START}"
    if not {"idle", "mixed", "allocated", "completing"} & set(states.stdout.split()):
        return f"no SLURM node is up (states: {states.stdout.split()}); start the test cluster with {START}"
    return None


def _partition() -> str:
    """The cluster's default partition (marked '*' by sinfo), else its first."""
    names = subprocess.run(["sinfo", "-h", "-o", "%P"], capture_output=True, text=True, check=True).stdout.split()
    return next((name.rstrip("*") for name in names if name.endswith("*")), names[0])


def _test_cluster_overrides(repo) -> list[str]:
    """What the test node needs on top of the profile: no GPU (it has no GPU GRES) and little memory for every
    rule (memory is only booked, not enforced); the partition named explicitly."""
    listed = subprocess.run(SNAKEMAKE + ["--list-rules", "--configfile", "config/small.yaml"], cwd=repo,
                            capture_output=True, text=True, timeout=300)
    assert listed.returncode == 0, listed.stdout + listed.stderr
    rules = [line.split()[0] for line in listed.stdout.splitlines() if line.strip()]
    assert rules, listed.stdout
    resources = [f"{rule}:{item}" for rule in rules for item in ("gpu=0", "mem_mb=1000", "runtime=30")]
    return ["--set-resources", *resources,
            "--default-resources", f"slurm_partition={_partition()}", "mem_mb=1000", "runtime=30",
            "--slurm-keep-successful-logs",            # evidence that the jobs went through SLURM
            "--slurm-init-seconds-before-status-checks", "2"]


def test_small_dag_through_slurm_matches_local_run(tmp_path):
    """`--profile profiles/slurm` on the small DAG: every job but the local ones is an sbatch job, and the
    table and every mask PNG are byte-identical to those of a local `--cores 2` run."""
    problem = _cluster_problem()
    if problem:
        pytest.skip(problem)

    local = _small_run(tmp_path, "local")
    result = _run(SMALL, local, 900)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]

    cluster = _small_run(tmp_path, "slurm")
    args = ["table1", "--configfile", "config/small.yaml", "--profile", "profiles/slurm",
            *_test_cluster_overrides(cluster)]
    started = time.time()
    result = _run(args, cluster, 1200)
    log = result.stdout + result.stderr
    assert result.returncode == 0, log[-5000:]
    print(f"SLURM run: {time.time() - started:.0f} s")

    submitted = [line for line in log.splitlines() if "has been submitted with SLURM jobid" in line]
    slurm_logs = sorted((cluster / ".snakemake" / "slurm_logs").rglob("*.log"))
    assert submitted and slurm_logs, log[-5000:]
    assert len(slurm_logs) == len(submitted), (submitted, slurm_logs)
    submitted_rules = {path.relative_to(cluster / ".snakemake" / "slurm_logs").parts[0] for path in slurm_logs}
    assert any(rule.startswith("rule_train") for rule in submitted_rules), submitted_rules
    assert any(rule.startswith("rule_segment") for rule in submitted_rules), submitted_rules

    first, second = _outputs(local), _outputs(cluster)
    assert len(first) > 10 and first.keys() == second.keys()
    for path in first:
        assert first[path] == second[path], path
