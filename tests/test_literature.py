"""config/literature.csv: the paper's reported numbers are well formed and agree with the paper's own arithmetic."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

REPO = Path(__file__).resolve().parents[1]
LITERATURE = REPO / "config" / "literature.csv"
PAPER = REPO.parent / "shared" / "paper" / "smite-paper.txt"
KEY = ["table", "method", "column", "metric"]

SEQUENCES = ["Chair", "Full face 1", "Full face 2", "Half face 1", "Half face 2", "Long scene scale", "Vlog"]
ROUNDING = 0.005 + 1e-9  # half a unit in the second decimal (how Tables 6 and 7 print)

# Rows appended from Tables 5, 6, 7, 9, 10, 11, 12 of the paper.
EXPECTED_ROWS = {"table5": 16, "table6": 64, "table7": 96, "table9": 28, "table10": 24, "table11": 49, "table12": 43}

# Table 6 "Mean" cells that are NOT the mean of the seven sequences printed beside them (a slip in the paper).
# Baseline-I: the seven F sum to 3.44 (mean 0.491, printed 0.5) and the seven mIoU to 550.53 (mean 78.65,
# printed 74.91).
TABLE6_MEAN_MISMATCHES = {("baseline1", "F"), ("baseline1", "mIoU")}


@pytest.fixture(scope="module")
def literature() -> pd.DataFrame:
    return pd.read_csv(LITERATURE, dtype={"value": str})


def _values(literature: pd.DataFrame, table: str) -> pd.DataFrame:
    frame = literature[literature["table"] == table].copy()
    frame["value"] = frame["value"].astype(float)
    return frame


def _cell(frame: pd.DataFrame, method: str, column: str, metric: str) -> float:
    match = frame[(frame["method"] == method) & (frame["column"] == column) & (frame["metric"] == metric)]
    assert len(match) == 1, (method, column, metric)
    return float(match["value"].iloc[0])


def test_header_and_row_counts(literature: pd.DataFrame) -> None:
    assert list(literature.columns) == ["table", "method", "column", "metric", "value", "citation"]
    counts = literature["table"].value_counts().to_dict()
    for table, n in EXPECTED_ROWS.items():
        assert counts.get(table) == n, table
    assert literature["citation"].notna().all()


def test_no_duplicate_keys(literature: pd.DataFrame) -> None:
    duplicated = literature[literature.duplicated(KEY, keep=False)]
    assert duplicated.empty, duplicated


def test_values_numeric_and_in_range(literature: pd.DataFrame) -> None:
    values = pd.to_numeric(literature["value"], errors="coerce")
    assert values.notna().all(), literature[values.isna()]
    for row, value in zip(literature.itertuples(index=False), values, strict=True):
        if row.table == "table5" or row.metric == "training time":
            low, high = 0.0, np.inf  # dataset counts / seconds
        elif row.table in ("table9", "table10"):
            low, high = 0.0, 100.0  # DAVIS J and F are printed in percent
        elif row.metric == "F" or row.metric.startswith("F @"):
            low, high = 0.0, 1.0
        else:
            low, high = 0.0, 100.0
        assert low <= value <= high, row


def test_table5_counts_consistent(literature: pd.DataFrame) -> None:
    frame = _values(literature, "table5")
    assert set(frame["method"]) == {"davis2016", "pumavos", "ytvos", "smite50"}
    for dataset in frame["method"].unique():
        train = _cell(frame, dataset, "statistic", "training videos")
        test = _cell(frame, dataset, "statistic", "testing videos")
        parts = _cell(frame, dataset, "statistic", "avg parts per video")
        multi = _cell(frame, dataset, "statistic", "multi-part videos")
        assert multi <= train + test
        assert parts >= 1.0
        # One part per video on average exactly when no video has several parts.
        assert (parts == 1.0) == (multi == 0)
        # Every non-multi-part video has one part, every multi-part one at least two.
        assert parts * (train + test) >= (train + test - multi) + 2 * multi - 0.005 * (train + test)


def test_table6_mean_column(literature: pd.DataFrame) -> None:
    frame = _values(literature, "table6")
    for method in ["gsam2", "baseline1", "xmem++", "smite"]:
        for metric in ["F", "mIoU"]:
            computed = np.mean([_cell(frame, method, seq, metric) for seq in SEQUENCES])
            printed = _cell(frame, method, "Mean", metric)
            if (method, metric) in TABLE6_MEAN_MISMATCHES:
                assert abs(computed - printed) > ROUNDING, (method, metric, computed, printed)
            else:
                assert abs(computed - printed) <= ROUNDING, (method, metric, computed, printed)


def test_table7_mean_rows(literature: pd.DataFrame) -> None:
    frame = _values(literature, "table7")
    for method in ["xmem++", "smite"]:
        for k in [1, 5, 10]:
            for metric in [f"F @{k}", f"mIoU @{k}"]:
                computed = np.mean([_cell(frame, method, seq, metric) for seq in SEQUENCES])
                printed = _cell(frame, method, "Mean", metric)
                assert abs(computed - printed) <= ROUNDING, (method, metric, computed, printed)


def test_table7_one_frame_repeats_table6(literature: pd.DataFrame) -> None:
    table6, table7 = _values(literature, "table6"), _values(literature, "table7")
    for method in ["xmem++", "smite"]:
        for seq in [*SEQUENCES, "Mean"]:
            for metric in ["F", "mIoU"]:
                assert _cell(table6, method, seq, metric) == _cell(table7, method, seq, f"{metric} @1")


@pytest.mark.parametrize("table", ["table11", "table12"])
def test_part_average_is_mean_of_parts(literature: pd.DataFrame, table: str) -> None:
    frame = _values(literature, table)
    wide = frame.pivot(index="method", columns="column", values="value")
    parts = [column for column in wide.columns if column != "average"]
    complete = wide.dropna()  # rows with a "-" cell print no average either
    assert len(complete) >= 6
    for method, row in complete.iterrows():
        assert abs(row[parts].mean() - row["average"]) <= 0.1, (table, method, row[parts].mean(), row["average"])
    assert wide[wide.isna().any(axis=1)]["average"].isna().all()


@pytest.mark.parametrize("table", ["table9", "table10"])
def test_smite_plus_implies_feasible_excluded_videos(literature: pd.DataFrame, table: str) -> None:
    """SMITE averages all 20 DAVIS-2016 val videos, SMITE+ the 18 kept: the 2 dropped must average within 0..100."""
    frame = _values(literature, table)
    for metric in ["J", "F"]:
        all20 = _cell(frame, "smite", "DAVIS-2016 val", metric)
        kept18 = _cell(frame, "smite+", "DAVIS-2016 val", metric)
        dropped = (20 * all20 - 18 * kept18) / 2
        assert 0.0 <= dropped <= 100.0, (table, metric, dropped)


# --- spot checks against the paper text, parsed independently of the CSV -------------------------------------------

def _paper_lines() -> list[str]:
    if not PAPER.is_file():
        pytest.skip(f"paper text not found at {PAPER}")
    return [line.strip() for line in PAPER.read_text(encoding="utf-8").splitlines()]


def _line_after(lines: list[str], caption: str, prefix: str) -> list[str]:
    """Numeric tokens of the first line starting with `prefix` after the caption line `caption`."""
    start = next(i for i, line in enumerate(lines) if line.startswith(caption))
    line = next(line for line in lines[start + 1:] if line.startswith(prefix))
    return [token for token in line.split() if re.fullmatch(r"\d+(\.\d+)?|-", token)]


def _printed(literature: pd.DataFrame, table: str, method: str, column: str, metric: str) -> str:
    match = literature[(literature["table"] == table) & (literature["method"] == method)
                       & (literature["column"] == column) & (literature["metric"] == metric)]
    assert len(match) == 1, (table, method, column, metric)
    return str(match["value"].iloc[0])


def test_spot_check_against_paper(literature: pd.DataFrame) -> None:
    lines = _paper_lines()
    ours11 = _line_after(lines, "Table 11:", "Ours ")
    assert ours11 == ["82.3", "57.5", "55.9", "70.1", "72.6", "80.1", "69.8"]
    car_parts = ["body", "light", "plate", "wheel", "window", "background", "average"]
    for column, value in zip(car_parts, ours11, strict=True):
        assert _printed(literature, "table11", "smite", column, "IoU") == value

    regan11 = _line_after(lines, "Table 11:", "ReGAN ")
    assert _printed(literature, "table11", "regan", "average", "IoU") == regan11[-1] == "52.15"

    crf12 = _line_after(lines, "Table 12:", "CNN+CRF")
    assert crf12 == ["55.0", "46.8", "-", "37.2", "76", "-"]
    assert _printed(literature, "table12", "cnn+crf", "background", "IoU") == "76"
    assert not ((literature["table"] == "table12") & (literature["method"] == "cnn+crf")
                & literature["column"].isin(["neck+torso", "average"])).any()

    smite_plus9 = _line_after(lines, "Table 9:", "SMITE+")
    assert _printed(literature, "table9", "smite+", "DAVIS-2016 val", "J") == smite_plus9[0] == "82.39"
    assert _printed(literature, "table9", "smite+", "DAVIS-2016 val", "F") == smite_plus9[1]
    xmem10 = _line_after(lines, "Table 10:", "XMem ")
    assert _printed(literature, "table10", "xmem", "DAVIS-2016 val", "J") == xmem10[-2]
    assert _printed(literature, "table10", "xmem", "DAVIS-2016 val", "F") == xmem10[-1]

    baseline6 = _line_after(lines, "Table 6:", "Baseline-I ")  # first half: Chair .. Half face 1
    assert _printed(literature, "table6", "baseline1", "Full face 2", "F") == baseline6[4] == "0.7"
    vlog7 = _line_after(lines, "Table 7:", "Vlog (Ours)")
    assert _printed(literature, "table7", "smite", "Vlog", "mIoU @10") == vlog7[5]

    pumavos = _line_after(lines, "Table 5:", "Avg parts per video")
    assert _printed(literature, "table5", "pumavos", "statistic", "avg parts per video") == pumavos[1] == "1.08"
