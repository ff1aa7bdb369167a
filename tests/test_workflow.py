"""The Snakemake DAG: lint, dry run, and one end-to-end run of the embedded default."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

REPO = Path(__file__).resolve().parents[1]
SNAKEMAKE = [sys.executable, "-m", "snakemake"]


def _copy_repo(target: Path) -> Path:
    """The workflow files only (no results, no caches) in a temporary folder."""
    for name in ("Snakefile", "rules", "workflow_scripts", "config", "profiles", "environment.yml"):
        source = REPO / name
        if source.is_dir():
            shutil.copytree(source, target / name)
        else:
            shutil.copy2(source, target / name)
    return target


def _run(args: list[str], cwd: Path, timeout: int) -> subprocess.CompletedProcess:
    return subprocess.run(SNAKEMAKE + args, cwd=cwd, capture_output=True, text=True, timeout=timeout)


def test_lint_is_clean(tmp_path):
    result = _run(["--lint"], _copy_repo(tmp_path), 300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Congratulations, your workflow is in a good condition!" in result.stdout + result.stderr


def test_dry_run_plans_every_table(tmp_path):
    """3 categories x 2 videos; 6 methods on every video, 3 more settings (1/5-shot, joint) on the first."""
    result = _run(["-n", "--cores", "2", "all_tables"], _copy_repo(tmp_path), 300)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    expected = [("synth_benchmark", 1), ("track_video", 6), ("train_category", 15), ("segment_video", 45),
                ("evaluate_video", 45), ("make_table1", 1), ("make_table2", 1), ("make_table3", 1),
                ("make_table4", 1), ("make_table8", 1), ("figure_qualitative", 3), ("figure_training_curves", 1),
                ("figure_shots_curve", 1)]
    for rule, count in expected:
        assert any(line.split()[:2] == [rule, str(count)] for line in output.splitlines()), (rule, output)


def test_one_table_by_target(tmp_path):
    result = _run(["-n", "--cores", "2", "table1"], _copy_repo(tmp_path), 300)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "make_table1" in output and "make_table2" not in output


def test_config_schema_rejects_unknown_method(tmp_path):
    repo = _copy_repo(tmp_path)
    config = (repo / "config" / "config.yaml").read_text().replace("methods: [baseline1,", "methods: [magic,")
    (repo / "config" / "config.yaml").write_text(config)
    result = _run(["-n", "--cores", "1", "all_tables"], repo, 300)
    assert result.returncode != 0 and "magic" in result.stdout + result.stderr


@pytest.mark.e2e
def test_embedded_dag_end_to_end(tmp_path):
    """`snakemake --cores 2 all_tables` on the embedded default: tables 1-4 and 8 with computed rows."""
    repo = _copy_repo(tmp_path)
    result = _run(["--cores", "2", "all_tables"], repo, 1800)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    tables = repo / "results" / "embedded" / "tables"
    table = pd.read_csv(tables / "table1.csv")
    for method in ("Baseline-I", "Baseline-II", "Baseline-III", "SMITE (ours)"):
        row = table[table["Method"] == method].iloc[0]
        assert row["source"] == "this run"
        for column in ("robot mIoU", "fish mIoU", "glyph mIoU", "Mean mIoU", "Mean F"):
            assert pd.notna(row[column]), (method, column)
        assert 0 < row["Mean mIoU"] <= 100 and 0 < row["Mean F"] <= 1
    assert table[table["Method"] == "Baseline-I"].iloc[0]["Mean mIoU (paper)"] == pytest.approx(66.62)
    gsam2 = table[table["Method"] == "GSAM2"].iloc[0]
    assert gsam2["source"] == "not run" and pd.isna(gsam2["Mean mIoU"])
    for name, rows in [("table2", 5), ("table3", 3), ("table4", 5), ("table8", 2)]:
        frame = pd.read_csv(tables / f"{name}.csv")
        assert len(frame) == rows, name
    ablation = pd.read_csv(tables / "table2.csv")
    assert (ablation["source"] == "this run").all() and ablation["mIoU"].notna().all()
    consistency = pd.read_csv(tables / "table4.csv")
    assert consistency[consistency["source"] == "this run"]["flicker"].between(0, 1).all()
    figures = repo / "results" / "embedded" / "figures"
    for name in ("training_curves", "shots_curve", "qualitative_robot"):
        assert (figures / f"{name}.png").stat().st_size > 0 and (figures / f"{name}.pdf").stat().st_size > 0
    markdown = (tables / "table1.md").read_text()
    assert "backbone: embedded" in markdown and "synthetic" in markdown
    for rule_dir in ("train", "track", "segment", "evaluate"):
        assert list((repo / "results" / "embedded" / "benchmarks" / rule_dir).rglob("*.tsv"))


def _small_run(tmp_path: Path, name: str) -> Path:
    (tmp_path / name).mkdir()
    repo = _copy_repo(tmp_path / name)
    shutil.copy2(REPO / "tests" / "fixtures" / "small_config.yaml", repo / "config" / "small.yaml")
    return repo


SMALL = ["table1", "--cores", "2", "--configfile", "config/small.yaml"]


def _outputs(repo: Path) -> dict[str, bytes]:
    """Table CSV and every mask PNG of a small run, by relative path."""
    results = repo / "results" / "small"
    files = [results / "tables" / "table1.csv", *sorted((results / "segment").rglob("masks/*.png"))]
    return {str(f.relative_to(results)): f.read_bytes() for f in files}


def test_small_dag_is_deterministic_and_resumes_after_kill(tmp_path):
    """Two runs give byte-identical tables and masks; a run killed with SIGKILL mid-training, unlocked and
    rerun (the profile sets --rerun-incomplete) ends with the same outputs as the uninterrupted one."""
    import os
    import signal
    import time

    straight = _small_run(tmp_path, "straight")
    result = _run(SMALL, straight, 900)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]

    killed = _small_run(tmp_path, "killed")
    process = subprocess.Popen(SNAKEMAKE + SMALL, cwd=killed, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.time() + 300
    while not list((killed / "results" / "small" / "logs" / "train").rglob("*.log")) and time.time() < deadline:
        time.sleep(0.5)
    time.sleep(2)  # inside a training job
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    assert not (killed / "results" / "small" / "tables" / "table1.csv").exists()
    assert _run(["--unlock", "--configfile", "config/small.yaml"], killed, 300).returncode == 0
    resumed = _run(SMALL, killed, 900)
    assert resumed.returncode == 0, resumed.stdout[-3000:] + resumed.stderr[-3000:]

    first, second = _outputs(straight), _outputs(killed)
    assert len(first) > 10 and first.keys() == second.keys()
    for path in first:
        assert first[path] == second[path], path
