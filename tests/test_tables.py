"""Table builders (Tables 1-12) from small metric fixtures, against hand-computed means and the paper's numbers."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from smite.errors import SmiteInputError
from smite.metrics.records import ScoredRun, read_metrics, write_metrics
from smite.tables import (
    NOT_RUN,
    THIS_RUN,
    TableContext,
    load_metrics,
    load_part_scores,
    read_literature,
    table1,
    table2,
    table3,
    table4,
    table5,
    table6,
    table7,
    table8,
    table_davis,
    table_pascal,
    write_table,
)

LITERATURE = Path(__file__).resolve().parents[1] / "config" / "literature.csv"


def _metrics(tmp_path: Path, method: str, scores: dict[tuple[str, str], dict]) -> list[Path]:
    """Metrics records as the DAG's evaluation jobs write them, each naming the run it scores; the file names say
    nothing (the tables read the group and video from the record)."""
    paths = []
    for k, ((group, video), values) in enumerate(scores.items()):
        path = tmp_path / method / f"{k}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        paths.append(write_metrics(path, values, ScoredRun("smite50", group, video, method, "two-phase", 10)))
    return paths


def test_table5_puts_computed_statistics_beside_the_paper():
    stats = {"smite50": {"name": "synthetic", "training videos": 0, "testing videos": 6,
                         "avg parts per video": 4.0, "multi-part videos": 6}}
    frame = table5(stats, read_literature(LITERATURE, "table5")).set_index("Dataset")
    assert list(frame.index) == ["DAVIS-2016", "PUMaVOS", "YT-VOS", "SMITE-50"]  # the paper's column order
    smite = frame.loc["SMITE-50"]
    assert smite["source"].startswith(THIS_RUN)
    assert smite["testing videos"] == 6 and smite["testing videos (paper)"] == 50
    assert smite["testing videos (diff)"] == -44
    assert smite["avg parts per video (paper)"] == pytest.approx(6.39)
    assert frame.loc["YT-VOS"]["source"].startswith("reported") and np.isnan(frame.loc["YT-VOS"]["testing videos"])
    assert frame.loc["YT-VOS"]["training videos (paper)"] == 3945
    assert frame.loc["DAVIS-2016"]["source"] == "not present in this run"


def test_table6_rows_means_and_reported_xmem(tmp_path):
    files = {
        "smite": _metrics(tmp_path, "smite", {("chair", "chair"): {"F": 0.4, "mIoU": 60.0},
                                              ("vlog", "vlog"): {"F": 0.8, "mIoU": 80.0}}),
        "baseline1": _metrics(tmp_path, "baseline1", {("chair", "chair"): {"F": 0.2, "mIoU": 50.0},
                                                      ("vlog", "vlog"): {"F": 0.6, "mIoU": 70.0}}),
    }
    metrics = load_metrics(files)
    frame = table6(metrics, read_literature(LITERATURE, "table6"), {"chair": "Chair", "vlog": "Vlog"},
                   ["gsam2", "baseline1", "smite"]).set_index("Method")
    assert list(frame.index) == ["GSAM2", "Baseline-I", "XMem++", "SMITE (ours)"]  # the paper's row order
    ours = frame.loc["SMITE (ours)"]
    assert ours["chair mIoU"] == 60.0 and ours["chair mIoU (paper)"] == pytest.approx(63.32)
    assert ours["chair mIoU (diff)"] == pytest.approx(60.0 - 63.32)
    assert ours["Mean F"] == pytest.approx(0.6) and ours["Mean mIoU (paper)"] == pytest.approx(82.14)
    xmem = frame.loc["XMem++"]
    assert xmem["source"].startswith("reported") and np.isnan(xmem["chair mIoU"])
    assert xmem["vlog F (paper)"] == pytest.approx(0.16)
    assert frame.loc["GSAM2"]["source"] == NOT_RUN  # in the run, but no sequence names its parts: nothing scored


def test_table7_one_row_per_sequence_and_method(tmp_path):
    by_shots = {k: load_metrics({"smite": _metrics(tmp_path / str(k), "smite",
                                                   {("chair", "chair"): {"F": 0.1 * k, "mIoU": 10.0 * k}})})
                for k in (1, 5)}
    frame = table7(by_shots, read_literature(LITERATURE, "table7"), {"chair": "Chair"})
    assert list(zip(frame["Sequence"], frame["Method"], strict=True)) == [
        ("chair", "XMem++"), ("chair", "SMITE (ours)"), ("Mean", "XMem++"), ("Mean", "SMITE (ours)")]
    ours = frame.iloc[1]
    assert ours["mIoU @5"] == 50.0 and ours["mIoU @5 (paper)"] == pytest.approx(90.62)
    assert frame.iloc[0]["F @1 (paper)"] == pytest.approx(0.99) and np.isnan(frame.iloc[0]["F @1"])
    assert "F @10" not in frame.columns  # only the shots this run computed


def test_davis_table_smite_plus_excludes_named_videos(tmp_path):
    files = _metrics(tmp_path, "smite", {("all", "a"): {"J": 0.8, "F": 0.7}, ("all", "b"): {"J": 0.4, "F": 0.5}})
    frame = table_davis(load_metrics({"smite": files}), read_literature(LITERATURE, "table9"), ["b"])
    frame = frame.set_index("Method")
    assert frame.loc["SMITE"]["J"] == pytest.approx(60.0) and frame.loc["SMITE"]["videos"] == 2
    assert frame.loc["SMITE+"]["J"] == pytest.approx(80.0) and frame.loc["SMITE+"]["videos"] == 1
    assert frame.loc["SMITE"]["J (paper)"] == pytest.approx(80.8)
    assert frame.loc["SMITE+"]["F (paper)"] == pytest.approx(87.6)
    assert frame.loc["oast"]["J (paper)"] == pytest.approx(86.6) and frame.loc["oast"]["source"].startswith("reported")
    assert list(frame.index[:2]) == ["fsnet", "f2net"]  # reported methods in the paper's order, ours last


def test_davis_table_without_data_says_not_run():
    empty = load_metrics({"smite": []})
    frame = table_davis(empty, read_literature(LITERATURE, "table10"), []).set_index("Method")
    assert frame.loc["SMITE"]["source"] == NOT_RUN and np.isnan(frame.loc["SMITE"]["J"])
    assert frame.loc["xmem"]["J (paper)"] == pytest.approx(91.5)


def test_pascal_table_per_part_iou_and_average(tmp_path):
    parts = ["background", "body", "light", "plate", "wheel", "window"]
    per_part = {name: {"IoU": 10.0 * k} for k, name in enumerate(parts)}
    path = write_metrics(tmp_path / "any.json", {"mIoU": 25.0, "per_part": per_part},
                         ScoredRun("pascal_part", "car", None, "smite", "two-phase", 10))
    scores = load_part_scores({"smite": [path]})
    frame = table_pascal(scores, read_literature(LITERATURE, "table11"), {"car": parts})
    rows = frame.set_index("Method")
    ours = rows.loc["smite"]
    assert ours["body"] == 10.0 and ours["body (paper)"] == pytest.approx(82.3)
    assert ours["background"] == 0.0 and ours["average"] == 25.0 and ours["average (paper)"] == pytest.approx(69.8)
    assert rows.loc["slime"]["source"] == NOT_RUN and rows.loc["slime"]["body (paper)"] == pytest.approx(81.5)
    assert rows.loc["seggpt"]["source"].endswith("supervised")
    # computed columns first, in the paper's order (parts, background, average), each with paper and diff
    assert list(frame.columns[3:9]) == ["body", "body (paper)", "body (diff)", "light", "light (paper)",
                                        "light (diff)"]
    assert [c for c in frame.columns if "(" not in c][3:] == ["body", "light", "plate", "wheel", "window",
                                                               "background", "average"]


def test_written_table_marks_rows_and_round_trips(tmp_path):
    frame = table5({}, read_literature(LITERATURE, "table5"))
    context = TableContext(title="Table 5", config="c.yaml", backbone="embedded", tracker="flow", dataset="none")
    csv, md, tex, page = write_table(frame, tmp_path / "table5", context)
    assert pd.read_csv(csv)["testing videos (paper)"].tolist() == [20, 24, 508, 50]
    # the report's page: title, provenance lines and the table as HTML, the same numbers as the CSV
    from html.parser import HTMLParser

    cells: list[str] = []

    class Cells(HTMLParser):
        def handle_data(self, data: str) -> None:
            cells.append(data.strip())

    Cells().feed(page.read_text())
    assert "<table" in page.read_text() and any(cell.startswith("config: c.yaml") for cell in cells)
    assert "testing videos (paper)" in cells and any(cell.startswith("508") for cell in cells)
    assert "None" not in cells and "–" in cells
    text = md.read_text()
    assert "not present in this run" in text and "reported" in text and "backbone: embedded" in text
    assert tex.read_text().startswith("% Table 5")
    # the resolved versions of the packages that can change the numbers
    from importlib import metadata

    assert f"torch {metadata.version('torch')}" in text and f"pandas {metadata.version('pandas')}" in text
    assert "% software: python " in tex.read_text()


# Two categories with different video counts: the paper's Mean is the mean of the category means (35 here),
# not the mean over all videos (40).
SCORES = {("robot", "r1"): {"mIoU": 40.0, "F": 0.4, "flicker": 0.1, "warped_agreement": 0.9},
          ("robot", "r2"): {"mIoU": 60.0, "F": 0.6, "flicker": 0.3, "warped_agreement": 0.7},
          ("fish", "f1"): {"mIoU": 20.0, "F": 0.2, "flicker": 0.5, "warped_agreement": 0.5}}


def _ladder(tmp_path: Path, methods: list[str]) -> pd.DataFrame:
    return load_metrics({m: _metrics(tmp_path, m, SCORES) for m in methods})


def test_table1_category_means_mean_of_categories_and_paper_columns(tmp_path):
    metrics = _ladder(tmp_path, ["baseline1", "smite"])
    frame = table1(metrics, read_literature(LITERATURE, "table1"), {"robot": None, "fish": "Horses"},
                   ["baseline1", "smite"]).set_index("Method")
    smite = frame.loc["SMITE (ours)"]
    assert smite["source"] == THIS_RUN and smite["robot mIoU"] == 50.0 and smite["fish mIoU"] == 20.0
    assert smite["Mean mIoU"] == 35.0 and smite["Mean F"] == pytest.approx(0.35)
    assert "robot mIoU (paper)" not in frame.columns  # no paper column for a synthetic category
    assert smite["fish mIoU (paper)"] == pytest.approx(75.09) and smite["Mean mIoU (paper)"] == pytest.approx(75.14)
    assert smite["Mean mIoU (diff)"] == pytest.approx(35.0 - 75.14)
    assert frame.loc["Baseline-I", "Mean mIoU (paper)"] == pytest.approx(66.62)
    for method in ("Baseline-II", "GSAM2"):
        assert frame.loc[method, "source"] == NOT_RUN and np.isnan(frame.loc[method, "Mean mIoU"])


def test_table2_ladder_rows_in_the_papers_order(tmp_path):
    metrics = _ladder(tmp_path, ["baseline1", "smite_ca", "smite"])
    frame = table2(metrics, read_literature(LITERATURE, "table2"), ["robot", "fish"]).set_index("Step")
    assert list(frame.index) == ["Baseline I (SLiMe)", "+IUNet (Baseline III)", "+CA Tuning", "+Tracking",
                                 "+LP Reg (SMITE)"]
    assert frame.loc["+CA Tuning", "mIoU"] == 35.0 and frame.loc["+CA Tuning", "source"] == THIS_RUN
    assert frame.loc["+Tracking", "source"] == NOT_RUN and np.isnan(frame.loc["+Tracking", "mIoU"])
    assert frame.loc["+LP Reg (SMITE)", "mIoU (paper)"] == pytest.approx(75.14)
    assert frame.loc["Baseline I (SLiMe)", "mIoU (paper)"] == pytest.approx(66.22)


def test_table3_and_table8_one_row_per_setting(tmp_path):
    by_shots = {k: load_metrics({"smite": _metrics(tmp_path / str(k), "smite",
                                                   {key: {**v, "mIoU": v["mIoU"] + k} for key, v in SCORES.items()})})
                for k in (1, 10)}
    shots = table3(by_shots, read_literature(LITERATURE, "table3"), ["robot", "fish"]).set_index("Training samples")
    assert shots.loc["1-shot", "mIoU"] == 36.0 and shots.loc["10-shot", "mIoU"] == 45.0
    assert shots.loc["1-shot", "mIoU (paper)"] == pytest.approx(58.55)
    modes = table8({"two-phase": by_shots[10], "joint": by_shots[1]}, {"two-phase": 12.5, "joint": 7.0},
                   read_literature(LITERATURE, "table8"), ["robot", "fish"]).set_index("Training strategy")
    assert modes.loc["joint", "mIoU"] == 36.0 and modes.loc["joint", "training time per category (s)"] == 7.0
    assert modes.loc["two-phase", "mIoU (paper)"] == pytest.approx(75.14)
    assert modes.loc["joint", "mIoU (paper)"] == pytest.approx(62.17)


def test_table4_temporal_measures_beside_the_user_study(tmp_path):
    metrics = _ladder(tmp_path, ["baseline1", "smite"])
    frame = table4(metrics, read_literature(LITERATURE, "table4"), ["robot", "fish"],
                   ["baseline1", "smite"]).set_index("Method")
    smite = frame.loc["SMITE (ours)"]
    assert smite["flicker"] == pytest.approx((0.2 + 0.5) / 2) and smite["warped agreement"] == pytest.approx(0.65)
    assert smite["user rank Horse/Car/Face (paper)"] == pytest.approx(1.46)
    assert smite["user rank Non-Text (paper)"] == pytest.approx(1.03)
    assert frame.loc["Baseline-III", "source"] == NOT_RUN and np.isnan(frame.loc["Baseline-III", "flicker"])


# ---------------------------------------------------------------- one spec per table


def test_every_table_is_one_spec_one_caption_one_script():
    """The walk-through 'Add a table': a TableSpec, a caption, paper values (Table R, this project's, has none); the
    rule loops over the specs and every one of them runs the same script."""
    from smite.table_specs import TABLE_SPECS, TABLES

    repo = LITERATURE.parents[1]
    assert list(TABLE_SPECS) == [*(f"table{k}" for k in range(1, 13)), "tableR"] == list(TABLES)
    literature = pd.read_csv(LITERATURE)
    for name, spec in TABLE_SPECS.items():
        assert (repo / "report" / f"{name}.rst").is_file(), name
        assert name in set(literature["table"]) or name == "tableR", name
        assert name == f"table{spec.number}" and spec.title.format(shots=10).startswith(f"Table {spec.number}:")
    rules = (repo / "rules" / "tables.smk").read_text()
    assert "for table, table_spec in TABLE_SPECS.items():" in rules and rules.count("workflow_scripts/") == 1
    assert sorted(p.name for p in (repo / "workflow_scripts").glob("make_table*.py")) == ["make_table.py"]


def test_table_spec_builds_what_its_builder_builds(tmp_path):
    """A spec wires the job's inputs and params into its builder: Table 2 through its spec equals table2 called on
    the same metric files, and its ablation note follows the spec's own notes."""
    from smite.table_specs import TABLE_SPECS, ablation_note

    files = {method: _metrics(tmp_path, method, {("robot", "robot_00"): {"mIoU": 40.0 + i, "F": 0.5},
                                                ("fish", "fish_00"): {"mIoU": 30.0 + i, "F": 0.4}})
             for i, method in enumerate(["baseline1", "baseline3", "smite"])}
    params = {"methods": list(files), "dataset": {"categories": {"robot": {}, "fish": {}}},
              "ablation_note": ablation_note({"ablation_videos": 1})}
    paper = read_literature(LITERATURE, "table2")
    spec = TABLE_SPECS["table2"]
    expected = table2(load_metrics(files), paper, ["robot", "fish"])
    pd.testing.assert_frame_equal(spec.build(files, params, paper), expected)
    assert spec.header_notes(params) == ("Each step adds one component to the previous row.",
                                         "Scored on the first 1 video(s) of each category (config ablation_videos).")
    assert TABLE_SPECS["table1"].header_notes(params)[-1].startswith("mIoU (%)")  # no ablation note on Table 1


def test_a_metrics_record_names_its_run_and_a_table_needs_one(tmp_path):
    run = ScoredRun("smite50", "fish", "fish_00", "smite", "two-phase", 10)
    path = write_metrics(tmp_path / "m.json", {"mIoU": 50.0, "F": 0.5}, run)
    record = read_metrics(path)
    assert record.run == run and record.scores == {"mIoU": 50.0, "F": 0.5}
    assert json.loads(path.read_text())["run"]["video"] == "fish_00"
    bare = write_metrics(tmp_path / "cli.json", {"mIoU": 50.0})  # `smite evaluate`: no run
    with pytest.raises(SmiteInputError, match="cli.json.*names no run"):
        load_metrics({"smite": [bare]})
    (tmp_path / "broken.json").write_text("{not json")
    with pytest.raises(SmiteInputError, match="broken.json.*not a metrics record"):
        read_metrics(tmp_path / "broken.json")
