"""The benchmark scripts still run (at toy size: their figures are measured by hand, benchmarks/RESULTS.md)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).parents[1]


def test_stream_benchmark_runs_at_toy_size() -> None:
    """bench_stream.py: two clip lengths of a small video through `smite segment` (the two-pass flow), a peak each."""
    result = subprocess.run([sys.executable, str(REPO / "benchmarks" / "bench_stream.py"), "--frames", "2", "4",
                             "--methods", "baseline1", "--size", "64", "96"], capture_output=True, text=True,
                            timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "'refinement': 'hierarchical'" in result.stdout and "ratio_4_to_2" in result.stdout
