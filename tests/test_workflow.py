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


def test_dry_run_plans_table1(tmp_path):
    result = _run(["-n", "--cores", "2", "all_tables"], _copy_repo(tmp_path), 300)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    for rule, count in [("synth_benchmark", 1), ("train_category", 3), ("segment_video", 9),
                        ("evaluate_video", 9), ("make_table1", 1)]:
        assert any(line.split()[:2] == [rule, str(count)] for line in output.splitlines()), (rule, output)


def test_config_schema_rejects_unknown_method(tmp_path):
    repo = _copy_repo(tmp_path)
    config = (repo / "config" / "config.yaml").read_text().replace("methods: [baseline1]", "methods: [magic]")
    (repo / "config" / "config.yaml").write_text(config)
    result = _run(["-n", "--cores", "1", "all_tables"], repo, 300)
    assert result.returncode != 0 and "magic" in result.stdout + result.stderr


@pytest.mark.e2e
def test_embedded_dag_end_to_end(tmp_path):
    """`snakemake --cores 2 all_tables` on the embedded default: Table 1 with computed Baseline-I rows."""
    repo = _copy_repo(tmp_path)
    result = _run(["--cores", "2", "all_tables"], repo, 1800)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    tables = repo / "results" / "embedded" / "tables"
    table = pd.read_csv(tables / "table1.csv")
    row = table[table["Method"] == "Baseline-I"].iloc[0]
    assert row["source"] == "this run"
    for column in ("robot mIoU", "fish mIoU", "glyph mIoU", "Mean mIoU", "Mean F"):
        assert pd.notna(row[column]), column
    assert 0 < row["Mean mIoU"] <= 100 and 0 < row["Mean F"] <= 1
    assert row["Mean mIoU (paper)"] == pytest.approx(66.62)
    not_run = table[table["source"] == "not run"]
    assert set(not_run["Method"]) == {"Baseline-II", "Baseline-III", "GSAM2", "SMITE (ours)"}
    assert not_run["Mean mIoU"].isna().all()
    markdown = (tables / "table1.md").read_text()
    assert "backbone: embedded" in markdown and "synthetic" in markdown
    for rule_dir in ("train", "segment", "evaluate"):
        assert list((repo / "results" / "embedded" / "benchmarks" / rule_dir).rglob("*.tsv"))
