"""The Snakemake DAG: lint, dry run, and one end-to-end run of the embedded default."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
SNAKEMAKE = [sys.executable, "-m", "snakemake"]


def _copy_repo(target: Path) -> Path:
    """The workflow files only (no results, no caches) in a temporary folder."""
    for name in ("Snakefile", "rules", "workflow_scripts", "config", "profiles", "report", "environment.yml"):
        source = REPO / name
        if source.is_dir():
            shutil.copytree(source, target / name)
        else:
            shutil.copy2(source, target / name)
    return target


def _run(args: list[str], cwd: Path, timeout: int, hf_home: Path | None = None) -> subprocess.CompletedProcess:
    """Snakemake in `cwd`; with `hf_home`, offline against that Hugging Face cache (a paper run's weights)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("HF_")}
    if hf_home is not None:
        env.update(HF_HOME=str(hf_home), HF_HUB_OFFLINE="1")
    return subprocess.run(SNAKEMAKE + args, cwd=cwd, capture_output=True, text=True, timeout=timeout, env=env)


def test_lint_is_clean(tmp_path):
    result = _run(["--lint"], _copy_repo(tmp_path), 300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Congratulations, your workflow is in a good condition!" in result.stdout + result.stderr


def _job_counts(output: str) -> dict[str, int]:
    """Rule -> job count from Snakemake's 'Job stats' table."""
    counts = {}
    for line in output.split("Job stats:", 1)[1].splitlines()[3:]:
        fields = line.split()
        if len(fields) != 2 or not fields[1].isdigit():
            break
        counts[fields[0]] = int(fields[1])
    return counts


TABLE_RULES = {**{f"make_table{k}": 1 for k in range(1, 13)}, "make_tableR": 1}


def test_dry_run_plans_every_table(tmp_path):
    """Embedded default: SMITE-50 (3 categories x 2 videos, 4 settings on every video, 5 more on the first),
    PUMaVOS (1 sequence x 1/5/10 frames), DAVIS (2 val videos, zero-shot and semi) and PASCAL-Part (2 classes)."""
    result = _run(["-n", "--cores", "2", "all_tables"], _copy_repo(tmp_path), 300)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    expected = {"prepare_dataset": 4, "dataset_statistics": 3, "track_video": 6 + 1 + 2, "references": 3 + 1 + 2,
                "ground_truth": 6 + 1 + 2 + 2, "train": 15 + 4 + 1 + 2 + 4,
                # one job per video and checkpoint: SMITE-50 first videos 5 checkpoints, second videos 2
                "segment_video": 3 * (5 + 2) + 4 + 2 + 2,
                "evaluate_video": 47, "segment_images": 4, "evaluate_images": 4, "figure_qualitative": 3,
                "figure_training_curves": 1, "figure_shots_curve": 1, "figure_stage_costs": 1, "figure_comparison": 2,
                # Table R on robot_00 (config table_r): 4 inference and 4 training switches apply
                "train_switched": 4, "segment_switched": 8, "evaluate_switched": 8,
                "fetch_weights": 1, **TABLE_RULES}
    counts = _job_counts(output)
    for rule, count in expected.items():
        assert counts.get(rule) == count, (rule, counts)
    assert "segment_gsam2" not in counts  # GSAM2 needs pretrained weights: "not run" on the embedded default


def test_paper_config_plans_the_whole_paper(tmp_path, pinned_hf_home):
    """config/paper.yaml with no data present: downloads, 4 categories x settings, one track per video, 12 tables."""
    result = _run(["-n", "--cores", "2", "all_tables", "--configfile", "config/paper.yaml"], _copy_repo(tmp_path), 300,
                  pinned_hf_home)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    counts = _job_counts(output)
    expected = {
        "prepare_dataset": 4,  # SMITE-50, PUMaVOS, DAVIS-2016, PASCAL-Part
        "track_video": 42 + 7 + 20,  # one trajectory cache per video, shared by every method and protocol
        # SMITE-50: 4 categories x (embeddings, two-phase, joint, 1-shot, 5-shot); PUMaVOS 7 x (embeddings@1,
        # two-phase@1/5/10); DAVIS zero-shot 1 + semi 20; PASCAL-Part 2 classes x (embeddings, two-phase)
        "train": 4 * 5 + 7 * 4 + 1 + 20 + 2 * 2,
        "segment_gsam2": 10 + 14 + 9,  # cars, faces, horses: not the non-text category (paper Table 1)
        # one job per video and checkpoint, the model loaded once: SMITE-50 5 per video (embeddings: the three
        # baselines; two-phase: SMITE and its ablations; 1-shot, 5-shot, joint), PUMaVOS 4, DAVIS 1 + 1
        "segment_video": 42 * 5 + 7 * 4 + 20 + 20,
        "segment_images": 4,
        # Table R on every SMITE-50 video: 4 training switches per category; 11 switches per video less the
        # untiled (tile merge), the paper's vote window where it is the code's, the box on tiled faces
        "train_switched": 4 * 4,
        "segment_switched": 42 * 11 - (42 - 14) - (42 - 9) - 14,
        "fetch_weights": 1,
        **TABLE_RULES,
    }
    for rule, count in expected.items():
        assert counts.get(rule) == count, (rule, counts)
    assert "data/SMITE-50/manifest.json" in output and "data/DAVIS-2016/manifest.json" in output


def test_a_bad_group_setting_stops_the_run_before_any_job(tmp_path):
    """The run config's method settings are checked for every group at start: one line naming file, key, group."""
    repo = _copy_repo(tmp_path)
    config = yaml.safe_load((repo / "config" / "config.yaml").read_text())
    category = next(iter(config["datasets"]["smite50"]["categories"]))
    config["datasets"]["smite50"]["categories"][category]["vote_window"] = 6
    (repo / "config" / "bad.yaml").write_text(yaml.safe_dump(config))
    result = _run(["-n", "--cores", "1", "all_tables", "--configfile", "config/bad.yaml"], repo, 300)
    assert result.returncode != 0
    assert (f"config/bad.yaml: method setting 'inference.vote_window' must be a positive odd number of frames "
            f"(group smite50/{category})") in result.stdout + result.stderr


_JOB_PARAMS = """
import json, sys
from pathlib import Path
from snakemake.api import SnakemakeApi
from snakemake.settings.types import ConfigSettings, DAGSettings, OutputSettings, ResourceSettings

targets, overrides = json.loads(sys.argv[1]), json.loads(sys.argv[2])
with SnakemakeApi(OutputSettings(quiet={"all"})) as api:
    workflow = api.workflow(resource_settings=ResourceSettings(cores=1), snakefile=Path("Snakefile"), workdir=Path("."),
                            config_settings=ConfigSettings(configfiles=[Path("config/paper.yaml")], config=overrides))
    inner = workflow.dag(DAGSettings(targets=set(targets))).workflow_api._workflow  # Snakemake 9 internals
    inner._prepare_dag(forceall=False, ignore_incomplete=True, lock_warn_only=True, nolock=True)
    inner._build_dag()
    jobs = [job for job in inner.dag.jobs if "overrides" in job.params.keys()]
    print(json.dumps({job.rule.name: dict(job.params.overrides) for job in jobs}))
"""


@pytest.mark.parametrize("paper_windows, window", [(False, 15), (True, 7)])
def test_horse_video_tracks_and_segments_over_its_category_window(tmp_path, paper_windows, window, pinned_hf_home):
    """The rules' params, as Snakemake evaluates them: track, train and segment jobs of a horse video get the
    category's method (window 15 by the authors' code, 7 with paper_vote_windows; crop ratio 0.8)."""
    import json

    repo = _copy_repo(tmp_path)
    targets = ["results/paper/tracks/smite50/horse/horse2.npz",
               "results/paper/segment/smite50/two-phase_10shot/horse/horse2"]
    result = subprocess.run([sys.executable, "-c", _JOB_PARAMS, json.dumps(targets),
                             json.dumps({"paper_vote_windows": paper_windows})],
                            cwd=repo, capture_output=True, text=True, timeout=300,
                            env={**os.environ, "HF_HOME": str(pinned_hf_home), "HF_HUB_OFFLINE": "1"})
    assert result.returncode == 0, result.stdout + result.stderr
    methods = json.loads(result.stdout.strip().splitlines()[-1])
    assert {"track_video", "train", "segment_video"} <= set(methods)
    assert {rule: methods[rule]["inference"]["vote_window"] for rule in ("track_video", "segment_video")} == {
        "track_video": window, "segment_video": window}
    assert methods["track_video"]["inference"] == {"tracker": "cotracker3", "vote_window": window}
    assert "train" not in methods["track_video"]  # the tracking slice: training settings do not re-track
    assert methods["train"]["train"]["augment"] == {"crop_min_ratio": 0.8}
    assert "inference" not in methods["train"] and "train" not in methods["segment_video"]  # stage slices
    assert methods["segment_video"]["inference"]["lambda_track"] == 1.0


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
def test_embedded_dag_end_to_end(tmp_path, capsys):
    """`snakemake --cores 2 all_tables` on the embedded default: tables 1-12 with computed rows, figures, report."""
    repo = _copy_repo(tmp_path)
    start = time.perf_counter()
    result = _run(["--cores", "2", "all_tables"], repo, 3600)
    with capsys.disabled():  # the README's run-time figure comes from this line of a clean CI run
        print(f"\nembedded DAG (snakemake --cores 2 all_tables): {time.perf_counter() - start:.0f} s wall")
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
    _check_model_job_records(repo / "results" / "embedded" / "benchmarks")
    _check_appendix_tables(tables)
    switched = pd.read_csv(tables / "tableR.csv")  # SMITE as configured, then one row per switch
    assert len(switched) == 12 and switched["source"].str.startswith("not applicable").sum() == 3
    computed = switched[switched["source"] == "this run"]
    assert len(computed) == 9 and computed["mIoU"].notna().all() and computed["mIoU (diff)"].abs().iloc[1:].gt(0).all()
    assert (figures / "stage_costs.png").stat().st_size > 0
    report = _run(["--report", "report.html"], repo, 600)
    assert report.returncode == 0, report.stdout[-3000:] + report.stderr[-3000:]
    _check_report_and_overlay(repo, "embedded")
    for figure in ("figure8", "figure12"):
        assert (figures / f"{figure}.png").stat().st_size > 0


def _check_model_job_records(benchmarks: Path) -> None:
    """Every training and segmentation record is its job's own process: one that imported torch and diffusers
    (hundreds of MB resident, seconds of CPU), not a stub waiting for another process to compute."""
    records = [*(benchmarks / "train").rglob("*.tsv"), *(benchmarks / "segment").rglob("*.tsv"),
               *(benchmarks / "train_switched").rglob("*.tsv"), *(benchmarks / "segment_switched").rglob("*.tsv")]
    assert len(records) > 40
    for path in records:
        record = pd.read_csv(path, sep="\t").iloc[0]
        assert float(record["max_rss"]) > 200, (path, record["max_rss"])  # MB
        seen = _last_sample_at_least(float(record["s"]))
        assert float(record["cpu_time"]) > 0.3 * seen, (path, record["cpu_time"], record["s"], seen)


def _last_sample_at_least(seconds: float) -> float:
    """How far into a job of `seconds` Snakemake's benchmark took its last sample, at the least. Its cpu_time is the
    CPU time at that sample, not at the job's end: it samples every BENCHMARK_INTERVAL_SHORT seconds for its first
    BENCHMARK_INTERVAL samples, then every BENCHMARK_INTERVAL seconds (a 43 s job's last sample may be at 15 s)."""
    from snakemake.benchmark import BENCHMARK_INTERVAL, BENCHMARK_INTERVAL_SHORT

    dense = BENCHMARK_INTERVAL * BENCHMARK_INTERVAL_SHORT
    return max(min(seconds, dense), seconds - BENCHMARK_INTERVAL)


def _embedded_items(report: Path) -> list[str]:
    """The texts snakemake --report embeds (results are base64 data inside the single HTML file)."""
    import base64
    import re

    items = []
    for blob in re.findall(r"base64,([A-Za-z0-9+/=]{200,})", report.read_text(errors="replace")):
        try:
            items.append(base64.b64decode(blob).decode("utf-8"))
        except (ValueError, UnicodeDecodeError):
            continue  # images
    return items


def _check_report_and_overlay(repo: Path, run: str) -> None:
    """report.html shows Table 1 as an HTML table with its title; a DAG overlay is H.264 with a frame per mask;
    headless Chromium renders the report (a screenshot that is not blank) where it is installed."""
    import av
    import cv2
    import numpy as np

    items = _embedded_items(repo / "report.html")
    assert any("<table" in item and "Table 1:" in item for item in items), "no table 1 page in report.html"
    segment = next((repo / "results" / run / "segment").rglob("overlay.mp4"))
    with av.open(str(segment)) as container:
        stream = container.streams.video[0]
        count = sum(1 for _ in container.decode(stream))
        assert (stream.codec_context.name, stream.codec_context.pix_fmt) == ("h264", "yuv420p")
    assert count == len(list((segment.parent / "masks").glob("*.png")))
    chromium = shutil.which("chromium")
    if chromium is None:
        return
    shot = repo / "report.png"
    subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--window-size=1200,900",
                    "--virtual-time-budget=10000", f"--screenshot={shot}", (repo / "report.html").as_uri()],
                   capture_output=True, timeout=180)
    image = cv2.imread(str(shot))
    assert image is not None and float(image.std()) > 5 and len(np.unique(image.reshape(-1, 3), axis=0)) > 50


def _check_appendix_tables(tables: Path) -> None:
    """Tables 5-7 and 9-12 of the embedded run: computed rows filled, reported rows beside them."""
    stats = pd.read_csv(tables / "table5.csv").set_index("Dataset")
    assert stats.loc["SMITE-50"]["testing videos"] == 6 and stats.loc["SMITE-50"]["testing videos (paper)"] == 50
    assert stats.loc["DAVIS-2016"]["training videos"] == 6 and stats.loc["YT-VOS"]["source"].startswith("reported")
    pumavos = pd.read_csv(tables / "table6.csv").set_index("Method")
    for method in ("Baseline-I", "SMITE (ours)"):
        assert pumavos.loc[method]["source"] == "this run" and 0 < pumavos.loc[method]["robot_00 mIoU"] <= 100
    assert pumavos.loc["XMem++"]["Mean mIoU (paper)"] == pytest.approx(80.65)
    shots = pd.read_csv(tables / "table7.csv")
    ours = shots[(shots["Method"] == "SMITE (ours)") & (shots["Sequence"] == "robot_00")].iloc[0]
    assert all(0 < ours[f"mIoU @{k}"] <= 100 for k in (1, 5, 10))
    for name in ("table9", "table10"):
        davis = pd.read_csv(tables / f"{name}.csv").set_index("Method")
        assert davis.loc["SMITE"]["source"] == "this run" and davis.loc["SMITE"]["videos"] == 2
        assert 0 < davis.loc["SMITE"]["J"] <= 100 and pd.notna(davis.loc["SMITE"]["J (paper)"])
    for name, cls in (("table11", "robot"), ("table12", "fish")):
        pascal = pd.read_csv(tables / f"{name}.csv")
        computed = pascal[pascal["source"] == "this run"]
        assert set(computed["Method"]) == {"slime", "smite"} and (computed["Class"] == cls).all()
        assert computed["average"].between(0, 100).all() and computed["average (paper)"].notna().all()


@pytest.mark.e2e
def test_paper_configuration_runs_end_to_end_at_toy_size(tmp_path, capsys):
    """config/paper_smoke.yaml: the paper's DAG (downloads of toy archives in the real layouts by file: URL,
    the four readers, GSAM2, every table with the paper's categories) runs to the end; a wrong checksum fails
    its dataset with one clear error and leaves no dataset that looks complete."""
    repo = _copy_repo(tmp_path)
    start = time.perf_counter()
    result = _run(["--cores", "2", "all_tables", "--configfile", "config/paper_smoke.yaml"], repo, 3600)
    with capsys.disabled():
        print(f"\npaper smoke DAG (config/paper_smoke.yaml): {time.perf_counter() - start:.0f} s wall")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    tables = repo / "results" / "paper_smoke" / "tables"
    table1 = pd.read_csv(tables / "table1.csv").set_index("Method")
    for method in ("Baseline-I", "Baseline-II", "Baseline-III", "GSAM2", "SMITE (ours)"):
        assert table1.loc[method, "source"] == "this run", method
        for category in ("car", "face", "horse", "non-text"):
            if method == "GSAM2" and category == "non-text":  # no words name its parts (paper Table 1)
                assert pd.isna(table1.loc[method, f"{category} mIoU"])
                continue
            assert 0 <= table1.loc[method, f"{category} mIoU"] <= 100, (method, category)
            assert pd.notna(table1.loc[method, f"{category} mIoU (paper)"]), (method, category)
    for name in ("table2", "table3", "table4", "table8"):
        frame = pd.read_csv(tables / f"{name}.csv")
        assert (frame["source"] == "this run").any(), name
    pumavos = pd.read_csv(tables / "table6.csv").set_index("Method")
    assert pumavos.loc["SMITE (ours)", "source"] == "this run"
    assert pd.notna(pumavos.loc["SMITE (ours)", "chair mIoU"]) and pd.notna(pumavos.loc["SMITE (ours)",
                                                                                          "chair mIoU (paper)"])
    assert pumavos.loc["GSAM2", "source"] == "not run"  # PUMaVOS names no parts: no text prompts
    for name in ("table9", "table10"):
        davis = pd.read_csv(tables / f"{name}.csv").set_index("Method")
        assert davis.loc["SMITE", "source"] == "this run" and pd.notna(davis.loc["SMITE", "J"])
    for name, cls in (("table11", "car"), ("table12", "horse")):
        pascal = pd.read_csv(tables / f"{name}.csv")
        computed = pascal[pascal["source"] == "this run"]
        assert (computed["Class"] == cls).all() and computed["average (paper)"].notna().all()
    assert "SMITE-50" in (tables / "table1.md").read_text()
    report = _run(["--report", "report.html", "--configfile", "config/paper_smoke.yaml"], repo, 600)
    assert report.returncode == 0, report.stdout[-3000:] + report.stderr[-3000:]
    _check_report_and_overlay(repo, "paper_smoke")

    bad = repo / "config" / "bad_checksum.yaml"  # the same archive, pinned to another digest
    files = [{"name": "SMITE-50.zip", "url": "file:resources/paper_smoke/archives/SMITE-50.zip",
              "sha256": "0" * 64, "extract": "zip", "strip": 1}]
    bad.write_text(yaml.safe_dump({"base": "config/paper_smoke.yaml", "run": "bad_checksum", "datasets": {
        "smite50": {"root": "resources/paper_smoke/SMITE-50-bad", "source": {"files": files}}}}))
    failed = _run(["--cores", "1", "resources/paper_smoke/SMITE-50-bad/manifest.json", "--configfile",
                   "config/bad_checksum.yaml"], repo, 600)
    assert failed.returncode != 0
    log = (repo / "results" / "bad_checksum" / "logs" / "datasets" / "resources" / "paper_smoke"
           / "SMITE-50-bad.log").read_text()
    assert "SMITE-50.zip" in log and "0" * 64 in log
    assert not (repo / "resources" / "paper_smoke" / "SMITE-50-bad").exists()
    assert not list((repo / "resources" / "paper_smoke").glob(".SMITE-50-bad*"))


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
    logs = killed / "results" / "small" / "logs" / "train"
    while not list(logs.rglob("*.log")) and time.time() < deadline:
        time.sleep(0.2)
    models = killed / "results" / "small" / "models"
    # a job's log is opened first thing in its script: a training job is running and its checkpoint not written
    assert list(logs.rglob("*.log")) and not list(models.rglob("*.safetensors"))
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


def test_every_workflow_script_belongs_to_a_rule():
    """A script no rule runs is dead code that still looks like part of the DAG."""
    rules = "".join(p.read_text() for p in (REPO / "rules").glob("*.smk"))
    scripts = sorted(p.name for p in (REPO / "workflow_scripts").glob("*.py"))
    named = [name for name in scripts if f"../workflow_scripts/{name}" in rules or f'"{name}"' in rules]
    assert scripts and sorted(set(scripts) - set(named)) == []


def test_adding_a_method_is_one_registry_line(tmp_path):
    """docs/architecture.md, 'Add a method variant': one `Method` line, its name in the run's `methods:` and the
    schema's enum, and the DAG plans its segmentation and evaluation of every SMITE-50 video and Table 1 reads
    them, with nothing else changed (a copy of the library, so the registry edit is a real one)."""
    repo = _copy_repo(tmp_path)
    shutil.copytree(REPO / "smite", repo / "smite", ignore=shutil.ignore_patterns("__pycache__"))
    registry = repo / "smite" / "methods.py"
    anchor = '    Method("smite", "SMITE (ours)"'
    line = ('    Method("smite_reg", "SMITE (low-pass regulariser only)", "two-phase", "smite_reg", inflated=True,\n'
            '           passes=GUIDED, energies=("reg",)),\n')
    registry.write_text(registry.read_text().replace(anchor, line + anchor))
    schema = repo / "config" / "schema.yaml"
    schema.write_text(schema.read_text().replace("enum: [baseline1, baseline2, baseline3, gsam2, smite]",
                                                 "enum: [baseline1, baseline2, baseline3, gsam2, smite_reg, smite]"))
    config = yaml.safe_load((repo / "config" / "config.yaml").read_text())
    config["methods"] = [*config["methods"], "smite_reg"]
    (repo / "config" / "added.yaml").write_text(yaml.safe_dump(config))
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("HF_")}, "PYTHONPATH": str(repo)}
    before = subprocess.run(SNAKEMAKE + ["-n", "--cores", "1", "all_tables"], cwd=repo, capture_output=True,
                            text=True, timeout=300, env=env)
    after = subprocess.run(SNAKEMAKE + ["-n", "--cores", "1", "all_tables", "--configfile", "config/added.yaml"],
                           cwd=repo, capture_output=True, text=True, timeout=300, env=env)
    assert before.returncode == 0 and after.returncode == 0, after.stdout + after.stderr
    videos = 6  # the embedded default's SMITE-50 videos
    counts, added = _job_counts(before.stdout + before.stderr), _job_counts(after.stdout + after.stderr)
    assert added["segment_video"] == counts["segment_video"]  # it joins each video's two-phase job
    assert added["evaluate_video"] - counts["evaluate_video"] == videos
    assert after.stdout.count("metrics/smite50/smite_reg/two-phase_10shot/") >= videos


def test_adding_a_table_is_one_spec(tmp_path):
    """docs/architecture.md, 'Add a table': one TableSpec (here Table 1's builder on the ablation videos) and its
    caption, in a copy of the library; the DAG then has its target and rule, whose inputs are the files its
    `inputs` names, with nothing else changed."""
    repo = _copy_repo(tmp_path)
    shutil.copytree(REPO / "smite", repo / "smite", ignore=shutil.ignore_patterns("__pycache__"))
    specs = repo / "smite" / "table_specs.py"
    anchor = "    TableSpec(\n        number=\"R\","
    spec = ('    TableSpec(\n        number="13", title="Table 13: Table 1 on the ablation videos", group="SMITE-50",\n'
            '        notes=(), inputs=_methods_inputs("methods", limited=True), build=_table1,\n'
            '        settings=_methods("methods")),\n')
    assert anchor in specs.read_text()
    specs.write_text(specs.read_text().replace(anchor, spec + anchor))
    (repo / "report" / "table13.rst").write_text("Table 1 on the ablation videos.\n")
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("HF_")}, "PYTHONPATH": str(repo)}
    result = subprocess.run(SNAKEMAKE + ["-n", "--cores", "1", "table13"], cwd=repo, capture_output=True,
                            text=True, timeout=300, env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    block = result.stdout.split("rule make_table13:", 1)[1].split("\n\n", 1)[0]
    inputs = next(line for line in block.splitlines() if line.strip().startswith("input:"))
    assert "metrics/smite50/smite/two-phase_10shot/robot/robot_00.json" in inputs  # the first video of each ...
    assert "robot_01" not in inputs  # ... category only (ablation_videos: 1)
    assert "results/embedded/tables/table13.html" in block


PARTS_VIDEO_PACKAGE = '''"""The walk-through's new dataset: sequences of frames with part labels. Its layout is
PUMaVOS's here, so its functions are PUMaVOS's; a dataset of another layout has its own, of the same signatures."""

from smite.data.kinds import DatasetType, VideoLayout
from smite.data.pumavos import list_sequences, read_clip, synth, toy, training_frames, video_source
from smite.data.pumavos.protocol import groups, write_references

DATASET = DatasetType(items=list_sequences, synthetic=synth.synthetic, toy=toy.write,
                      videos=VideoLayout(video_source, read_clip))

__all__ = ["DATASET", "groups", "training_frames", "write_references"]
'''


def test_adding_a_dataset_is_its_package_and_one_line_in_each_registry(tmp_path):
    """docs/architecture.md, 'Add a dataset', in a copy of the project: its package exporting its DATASET, one line
    in DATASET_TYPES and one Protocol line, its section in the schema and the run config, and a table that reports
    it. The DAG then
    prepares it, trains a model per sequence on its own frames, segments and scores its videos and builds the
    table from those metrics, with nothing else changed."""
    repo = _copy_repo(tmp_path)
    shutil.copytree(REPO / "smite", repo / "smite", ignore=shutil.ignore_patterns("__pycache__"))
    (repo / "smite" / "data" / "parts_video").mkdir()
    (repo / "smite" / "data" / "parts_video" / "__init__.py").write_text(PARTS_VIDEO_PACKAGE)
    protocols = repo / "smite" / "data" / "protocols.py"
    text = protocols.read_text()
    imports, dataset_anchor, protocol_anchor = ("from smite.data import davis, pascal_part, pumavos, smite50\n",
                                                '    "davis2016": davis.DATASET,\n', "    DAVIS_ZERO_SHOT: Protocol(")
    assert imports in text and dataset_anchor in text and protocol_anchor in text
    protocols.write_text(text.replace(imports, imports + "from smite.data import parts_video\n").replace(
        dataset_anchor, '    "parts_video": parts_video.DATASET,\n' + dataset_anchor).replace(protocol_anchor, (
            '    "parts_video": Protocol("parts_video", parts_video.groups, parts_video.training_frames,\n'
            "                            parts_video.write_references),\n" + protocol_anchor)))
    schema = repo / "config" / "schema.yaml"
    schema_anchor = "      pumavos:\n        type: object\n"
    assert schema_anchor in schema.read_text()
    schema.write_text(schema.read_text().replace(schema_anchor, "      parts_video: {type: object}\n" + schema_anchor))
    config = yaml.safe_load((repo / "config" / "config.yaml").read_text())
    config["datasets"]["parts_video"] = {**config["datasets"]["pumavos"], "name": "synthetic part videos",
                                         "root": "resources/synthetic_parts_video"}
    (repo / "config" / "added.yaml").write_text(yaml.safe_dump(config))
    specs = repo / "smite" / "table_specs.py"
    spec_anchor = "    TableSpec(\n        number=\"R\","
    assert spec_anchor in specs.read_text()
    specs.write_text(specs.read_text().replace(spec_anchor, (
        '    TableSpec(\n        number="13", title="Table 13: the part videos", group="PUMaVOS", notes=(),\n'
        '        inputs=lambda plan: {"smite": plan.video_runs("parts_video", "smite", shots=1)}, build=_table6,\n'
        '        settings=_dataset("pumavos", "parts_video"), dataset=_shown("pumavos")),\n') + spec_anchor))
    (repo / "report" / "table13.rst").write_text("The part videos.\n")
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("HF_")}, "PYTHONPATH": str(repo)}
    result = subprocess.run(SNAKEMAKE + ["-n", "--cores", "1", "table13", "--configfile", "config/added.yaml"],
                            cwd=repo, capture_output=True, text=True, timeout=300, env=env)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    jobs = result.stdout.split("\n\n")
    manifest = "resources/synthetic_parts_video/manifest.json"
    prepared = [j for j in jobs if "rule prepare_dataset:" in j and manifest in j]
    trained = [j for j in jobs if "rule train:" in j and "parts_video" in j]
    scored = [j for j in jobs if "rule evaluate_video:" in j and "metrics/parts_video/smite/" in j]
    assert len(prepared) == 1 and trained and scored
    block = result.stdout.split("rule make_table13:", 1)[1].split("\n\n", 1)[0]
    inputs = next(line for line in block.splitlines() if line.strip().startswith("input:"))
    assert "metrics/parts_video/smite/two-phase_1shot/robot_00/robot_00.json" in inputs, inputs
