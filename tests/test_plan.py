"""The DAG's plan (smite.plan), evaluation protocols, local datasets and Table 5 statistics."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from smite.config import deep_merge, method_settings, read_yaml, train_settings
from smite.data.clip import Clip
from smite.data.davis.protocol import ZERO_SHOT_GROUP
from smite.data.kinds import Group
from smite.data.layouts import dataset_statistics, generate_layout, prepare
from smite.data.protocols import held_out_frames, training_frames
from smite.errors import SmiteInputError
from smite.plan import (
    collections,
    group_overrides,
    stage_slice,
    track_overrides,
    track_uses,
    video_folder,
    zero_shot_shots,
)
from smite.settings import tracking_settings
from smite.trackers import TRACKERS

CONFIG = Path(__file__).resolve().parents[1] / "config"


def test_paper_plan_has_every_protocol():
    config = read_yaml(CONFIG / "paper.yaml")
    plan = collections(config)
    assert set(plan) == {"smite50", "pumavos", "davis_zeroshot", "davis_semi", "pascal_part"}
    assert sum(len(g.videos) for g in plan["smite50"].values()) == 42  # 10 cars + 14 faces + 9 horses + 9 non-text
    assert plan["smite50"]["horse"].overrides == {  # paper 7.5; authors' code (window, scripts/configs/horse.sh)
        "inference": {"lambda_track": 1.0, "vote_window": 15}, "train": {"augment": {"crop_min_ratio": 0.8}}}
    assert not plan["smite50"]["non-text"].text_parts
    assert list(plan["davis_zeroshot"]) == [ZERO_SHOT_GROUP] and len(plan["davis_zeroshot"]["all"].videos) == 20
    assert len(plan["davis_semi"]) == 20 and all(g.videos == [name] for name, g in plan["davis_semi"].items())
    assert zero_shot_shots(config) == 30
    assert plan["pumavos"]["chair"].parts is None  # PUMaVOS names its parts by palette index
    assert plan["pascal_part"]["horse"].videos == []


def _windows(config: dict, category: str, video: str) -> tuple[int, int]:
    """(tracking, segmentation) vote window of one SMITE-50 video, as its track and segment rules get them."""
    plan = collections(config)
    tracked = method_settings(track_overrides(config["method"], plan, "smite50", category, video))
    segmented = method_settings(group_overrides(config["method"], plan["smite50"][category]))
    return tracked.inference.vote_window, segmented.inference.vote_window


@pytest.mark.parametrize("paper_windows, horse", [(None, 15), (False, 15), (True, 7)])
def test_paper_vote_windows_switch_sets_tracking_and_segmentation_window(paper_windows, horse):
    """Default: the authors' code (15 for every category); paper_vote_windows: the paper's 7 for horses."""
    config = read_yaml(CONFIG / "paper.yaml")
    if paper_windows is None:
        config.pop("paper_vote_windows")
    else:
        config["paper_vote_windows"] = paper_windows
    assert _windows(config, "horse", "horse2") == (horse, horse)
    assert _windows(config, "car", "car2") == (15, 15)
    assert _windows(config, "face", "face5") == (15, 15)


def test_track_job_gets_only_the_tracking_slice():
    config = read_yaml(CONFIG / "paper.yaml")
    sliced = track_overrides(config["method"], collections(config), "smite50", "horse", "horse2")
    assert sliced == {"backbone": {"name": "sd21"}, "precision": "fp16",
                      "inference": {"tracker": "cotracker3", "vote_window": 15}}  # no lambda_track, no training
    davis = track_overrides(config["method"], collections(config), "davis2016", "-", "blackswan")
    assert davis["inference"] == {"tracker": "cotracker3"}  # zero-shot and semi groups share the cache


def test_videos_are_tracked_for_the_whole_video_vote_only_where_baseline2_runs():
    config = read_yaml(CONFIG / "config.yaml")
    assert track_uses(config) == ["windows", "video"]  # Table 1 runs Baseline-II
    without = {**config, "methods": [m for m in config["methods"] if m != "baseline2"]}
    assert track_uses(without) == ["windows"]  # the guided windows (and flicker) only


def test_each_stage_gets_the_sections_it_reads():
    """A training job's params hold no inference settings (a new lambda_reg does not re-train), a segmentation
    job's no training settings (its checkpoint input carries them), and the slices leave the resolved values
    of what each stage reads unchanged."""
    config = read_yaml(CONFIG / "paper.yaml")
    horse = group_overrides(config["method"], collections(config)["smite50"]["horse"])
    train, segment = stage_slice(horse, "train"), stage_slice(horse, "segment")
    assert "inference" not in train and train["train"]["augment"]["crop_min_ratio"] == 0.8
    assert "train" not in segment and segment["inference"]["lambda_track"] == 1.0
    assert method_settings(train).train == method_settings(horse).train
    assert method_settings(segment).inference == method_settings(horse).inference
    run = deep_merge(config["method"], {"inference": {"lambda_reg": 2.0}})
    changed = group_overrides(run, collections(config)["smite50"]["horse"])
    assert stage_slice(changed, "train") == train
    assert stage_slice(changed, "segment") == deep_merge(segment, {"inference": {"lambda_reg": 2.0}})


def test_run_window_applies_where_the_category_sets_none():
    config = read_yaml(Path(__file__).parent / "fixtures" / "small_config.yaml")
    assert _windows(config, "robot", "robot_00") == (5, 5)


def test_groups_sharing_a_cache_must_track_alike():
    plan = {"davis_zeroshot": {"all": Group(["background", "object"], ["v"])},
            "davis_semi": {"v": Group(["background", "object"], ["v"], {"inference": {"vote_window": 7}})}}
    with pytest.raises(ValueError, match="track them differently"):
        track_overrides({}, plan, "davis2016", "-", "v")


def test_category_augmentation_reaches_its_training():
    """Authors' code: min crop ratio 0.8 horse, 0.6 others; rotation +-10 faces, +-30 others; no zoom-out on faces."""
    config = read_yaml(CONFIG / "paper.yaml")
    plan = collections(config)
    augment = {c: train_settings(method_settings(group_overrides(config["method"], plan["smite50"][c]))).augment
               for c in plan["smite50"]}
    assert {c: a.crop_min_ratio for c, a in augment.items()} == {"car": 0.6, "face": 0.6, "horse": 0.8, "non-text": 0.6}
    assert {c: a.rotate_limit for c, a in augment.items()} == {"car": 30, "face": 10, "horse": 30, "non-text": 30}
    assert augment["face"].zoom_out_p == 0 < augment["horse"].zoom_out_p
    defaults = method_settings().train.augment
    assert augment["horse"].flip_p == defaults.flip_p  # only the category's keys change


def test_schema_validates_category_settings():
    from snakemake.exceptions import WorkflowError
    from snakemake.utils import validate

    config = read_yaml(CONFIG / "paper.yaml")
    validate(config, str(CONFIG / "schema.yaml"))
    config["paper_vote_windows"] = "yes"
    with pytest.raises(WorkflowError):
        validate(config, str(CONFIG / "schema.yaml"))
    config["paper_vote_windows"] = True
    config["datasets"]["smite50"]["categories"]["horse"]["augment"]["crop_ratio"] = 0.8  # typo of crop_min_ratio
    with pytest.raises(WorkflowError):
        validate(config, str(CONFIG / "schema.yaml"))
    embedded = read_yaml(CONFIG / "config.yaml")
    validate(embedded, str(CONFIG / "schema.yaml"))
    assert embedded["paper_vote_windows"] is False  # the schema's default


def test_every_groups_method_is_checked_before_the_first_job():
    """A value the schema lets through but the method cannot use (an even vote window for one category, an
    overlap as long as the window) stops the plan with one line naming the file, the key and the group."""
    from smite.plan import RunPlan

    config = read_yaml(CONFIG / "paper.yaml")
    RunPlan(config, "results/x").check_methods("config/paper.yaml")
    config["datasets"]["smite50"]["categories"]["horse"]["vote_window"] = 6
    with pytest.raises(SmiteInputError, match=r"^config/paper.yaml: method setting 'inference.vote_window' must be a "
                                              r"positive odd number of frames \(group smite50/horse\)$"):
        RunPlan(config, "results/x").check_methods("config/paper.yaml")
    config = read_yaml(CONFIG / "config.yaml")
    config["method"]["inference"]["overlap"] = config["method"]["inference"]["window"]
    with pytest.raises(SmiteInputError, match="'inference.overlap' must be below window"):
        RunPlan(config, "results/x").check_methods()


def test_embedded_plan_without_optional_datasets():
    config = read_yaml(CONFIG / "config.yaml")
    config["datasets"] = {"smite50": config["datasets"]["smite50"]}
    assert set(collections(config)) == {"smite50"}


def test_video_folder_tells_smite50_videos_apart_by_category():
    assert video_folder("smite50", "car") == "car"
    assert video_folder("davis_semi", "bear") == video_folder("davis_zeroshot", "all") == "-"  # one cache per video


def _clip(annotated: list[int]) -> Clip:
    frames = np.zeros((20, 4, 4, 3), np.uint8)
    return Clip("v", frames, ["background", "a"], {t: np.zeros((4, 4), np.int64) for t in annotated})


def test_held_out_frames_cover_every_shots_setting():
    clip = _clip(list(range(0, 20, 2)))  # 10 annotated frames
    held = held_out_frames("pumavos", clip, [1, 5])
    assert held == set(training_frames("pumavos", clip, 1)) | set(training_frames("pumavos", clip, 5))
    assert 0 in held and len(held) == 5
    assert held_out_frames("davis_semi", _clip([3, 4, 5]), [1]) == {3}  # the first annotated frame trains
    assert held_out_frames("smite50", clip, [10]) == set()  # references are separate images


def test_local_dataset_is_checked_then_recorded(tmp_path):
    root = tmp_path / "PUMaVOS"
    with pytest.raises(SmiteInputError, match="download it by hand"):
        prepare({"key": "pumavos", "kind": "local"}, root)
    assert not root.exists()
    generate_layout("pumavos", tmp_path / "synthetic", frames=4, size=48, categories=["robot"])
    (tmp_path / "synthetic" / "manifest.json").unlink()
    manifest = prepare({"key": "pumavos", "kind": "local"}, tmp_path / "synthetic")
    assert manifest["items"] == ["robot_00"] and (tmp_path / "synthetic" / "manifest.json").is_file()


def test_unknown_dataset_kind_is_one_clear_error(tmp_path):
    with pytest.raises(SmiteInputError, match="not synthetic, download or local"):
        prepare({"key": "davis2016", "kind": "magic"}, tmp_path)


def test_statistics_count_parts_present_in_ground_truth(tmp_path):
    generate_layout("davis2016", tmp_path / "davis", frames=3, size=48, train_sequences=2, val_sequences=3)
    stats = dataset_statistics("davis2016", tmp_path / "davis")
    assert (stats["training videos"], stats["testing videos"]) == (2, 3)
    assert stats["avg parts per video"] == 1.0 and stats["multi-part videos"] == 0  # one object per video
    generate_layout("pumavos", tmp_path / "pumavos", frames=3, size=64, categories=["robot", "fish"])
    stats = dataset_statistics("pumavos", tmp_path / "pumavos")
    assert stats["testing videos"] == 2 and stats["training videos"] == 0
    assert stats["multi-part videos"] == 2 and 1 < stats["avg parts per video"] <= 4


def test_synthetic_dataset_regenerates_after_snakemake_removed_its_manifest(tmp_path):
    """Snakemake deletes a rule's output (manifest.json) before rerunning it: the rest must not block the rerun."""
    spec = {"key": "davis2016", "kind": "synthetic", "synth": {"frames": 2, "size": 48}}
    first = prepare(spec, tmp_path / "davis")
    (tmp_path / "davis" / "manifest.json").unlink()
    assert prepare(spec, tmp_path / "davis") == first
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "notes.txt").write_text("user data")
    with pytest.raises(SmiteInputError, match="not empty"):
        prepare(spec, tmp_path / "other")
    assert (tmp_path / "other" / "notes.txt").read_text() == "user data"


def test_model_paths_have_the_train_rules_wildcards():
    """The checkpoint and training-benchmark templates the rules and the tables share (one spelling each)."""
    import string

    from smite.plan import CHECKPOINT_PATH, REFERENCES_PATH, TRACKS_PATH, TRAIN_BENCHMARK_PATH

    def names(template: str) -> list[str]:
        return [field for _, field, _, _ in string.Formatter().parse(template) if field]

    for template in (CHECKPOINT_PATH, TRAIN_BENCHMARK_PATH):
        assert names(template) == ["collection", "group", "mode", "shots"]
    assert names(REFERENCES_PATH) == ["collection", "group", "shots"]
    assert names(TRACKS_PATH) == ["dataset", "folder", "video"]
    assert CHECKPOINT_PATH.format(collection="smite50", group="horse", mode="two-phase", shots=10) == (
        "models/smite50/horse/two-phase_10shot.safetensors")
    rules = "".join(p.read_text() for p in (CONFIG.parent / "rules").glob("*.smk"))
    for spelled in (".safetensors", "benchmarks/train", "{RESULTS}/references/", "{RESULTS}/tracks/"):
        assert spelled not in rules, spelled  # the rules use the templates


def test_output_paths_are_spelled_once_in_the_library():
    """Segmentations, scores, ground truth and the benchmarks tables read: templates in smite.plan, used by rules."""
    from smite.methods import method_folder
    from smite.plan import GSAM2_METRICS_PATH, METRICS_PATH, SEGMENT_JOB_PATH, SEGMENT_PATH

    fields = {"collection": "smite50", "method": "smite", "mode": "two-phase", "shots": 10, "group": "horse",
              "video": "h1"}
    assert SEGMENT_PATH.format(**fields) == "segment/smite50/two-phase_10shot/horse/h1/smite"
    assert str(method_folder(SEGMENT_JOB_PATH.format(**fields), "smite")) == SEGMENT_PATH.format(**fields)
    assert GSAM2_METRICS_PATH == "metrics/{collection}/gsam2/text_0shot/{group}/{video}.json"
    assert METRICS_PATH.format(**fields) == "metrics/smite50/smite/two-phase_10shot/horse/h1.json"
    rules = "".join(p.read_text() for p in (CONFIG.parent / "rules").glob("*.smk"))
    for spelled in ("{RESULTS}/segment/", "{RESULTS}/metrics/", "{RESULTS}/ground_truth/", "{RESULTS}/statistics/"):
        assert spelled not in rules, spelled


def _run_plan(**changes):
    from smite.plan import RunPlan

    return RunPlan({**read_yaml(CONFIG / "config.yaml"), **changes}, "results/x")


def test_table1_reads_every_video_of_every_category_by_each_method():
    plan = _run_plan(methods=["baseline1", "gsam2", "smite"])
    inputs = plan.table_inputs("table1")
    assert list(inputs) == ["baseline1", "gsam2", "smite"]
    assert inputs["baseline1"][:2] == ["results/x/metrics/smite50/baseline1/embeddings_10shot/robot/robot_00.json",
                                       "results/x/metrics/smite50/baseline1/embeddings_10shot/robot/robot_01.json"]
    assert len(inputs["smite"]) == 6 and all("/smite/two-phase_10shot/" in p for p in inputs["smite"])
    # GSAM2 is prompted by part names: not on the category whose parts no word names (glyph)
    assert [p.split("/")[-2] for p in inputs["gsam2"]] == ["robot", "robot", "fish", "fish"]
    assert all("/gsam2/text_0shot/" in p for p in inputs["gsam2"])
    assert plan.table_inputs("table4") == inputs


@pytest.mark.parametrize(("limit", "videos"), [(1, 3), (None, 6)])
def test_ablation_tables_score_the_first_videos_of_each_category(limit, videos):
    plan = _run_plan(ablation_videos=limit)
    ladder = plan.table_inputs("table2")
    assert list(ladder) == ["baseline1", "baseline3", "smite_ca", "smite_track", "smite"]
    assert all(len(files) == videos for files in ladder.values())
    assert {p.split("/")[-1] for p in ladder["smite_ca"]} == (
        {"robot_00.json", "fish_00.json", "glyph_00.json"} if limit else {f"{c}_0{k}.json" for c in
                                                                          ("robot", "fish", "glyph") for k in (0, 1)})
    shots = plan.table_inputs("table3")
    assert list(shots) == ["shots_1", "shots_5", "shots_10"]
    assert all(len(files) == videos for files in shots.values()) and "two-phase_5shot" in shots["shots_5"][0]
    modes = plan.table_inputs("table8")
    assert len(modes["metrics_joint"]) == videos and "/smite/joint_10shot/" in modes["metrics_joint"][0]
    assert modes["train_joint"][0] == "results/x/benchmarks/train/smite50/robot/joint_10shot.tsv"
    assert modes["models_two-phase"][2] == "results/x/models/smite50/glyph/two-phase_10shot.safetensors"


def test_appendix_tables_read_their_protocols_outputs():
    plan = _run_plan()
    assert plan.table_inputs("table5") == {"statistics": [f"results/x/statistics/{d}.json"
                                                          for d in ("smite50", "pumavos", "davis2016")]}
    assert plan.table_inputs("table6") == {
        "baseline1": ["results/x/metrics/pumavos/baseline1/embeddings_1shot/robot_00/robot_00.json"],
        "smite": ["results/x/metrics/pumavos/smite/two-phase_1shot/robot_00/robot_00.json"]}
    assert [files[0].split("/")[-3] for files in plan.table_inputs("table7").values()] == [
        "two-phase_1shot", "two-phase_5shot", "two-phase_10shot"]
    # zero-shot: one model trained on one frame of each of the 6 train videos segments both val videos
    assert plan.table_inputs("table9")["smite"] == [
        f"results/x/metrics/davis_zeroshot/smite/two-phase_6shot/all/{v}.json" for v in ("robot_val00", "fish_val01")]
    assert plan.table_inputs("table10")["smite"][1] == (
        "results/x/metrics/davis_semi/smite/two-phase_1shot/fish_val01/fish_val01.json")
    assert plan.table_inputs("table11") == {
        "baseline1": ["results/x/metrics/pascal_part/baseline1/embeddings_10shot/robot.json"],
        "smite": ["results/x/metrics/pascal_part/smite/two-phase_10shot/robot.json"]}
    assert plan.pascal_classes("table12") == ["fish"]


def test_tables_of_datasets_not_in_the_run_read_nothing():
    config = read_yaml(CONFIG / "config.yaml")
    plan = _run_plan(datasets={"smite50": config["datasets"]["smite50"]})
    assert plan.table_inputs("table5") == {"statistics": ["results/x/statistics/smite50.json"]}
    for table in ("table6", "table7", "table9", "table10", "table11", "table12"):
        assert plan.table_inputs(table) == {}, table


def test_figures_read_table1s_runs_and_their_benchmarks():
    plan = _run_plan()
    strip = plan.qualitative_inputs("glyph")
    assert list(strip) == ["baseline1", "baseline2", "baseline3", "smite"]
    assert strip["baseline2"] == strip["baseline1"] == "results/x/segment/smite50/embeddings_10shot/glyph/glyph_00"
    stages = plan.stage_benchmarks()
    assert stages["train"] == sorted(f"results/x/benchmarks/train/smite50/{c}/{m}_10shot.tsv"
                                     for c in ("robot", "fish", "glyph") for m in ("embeddings", "two-phase"))
    assert stages["track"][0] == "results/x/benchmarks/track/smite50/fish/fish_00.tsv"
    # one segmentation job per video and checkpoint (the three baselines share one), one evaluation per method
    assert len(stages["segment"]) == 2 * 6 and len(stages["evaluate"]) == 4 * 6
    assert stages["segment"][0] == "results/x/benchmarks/segment/smite50/embeddings_10shot/fish/fish_00.tsv"
    assert stages["evaluate"][0] == (
        "results/x/benchmarks/evaluate/smite50/baseline1/embeddings_10shot/robot/robot_00.tsv")
    assert plan.training_curve_inputs()["joint"][1] == "results/x/models/smite50/fish/joint_10shot.safetensors"


def test_no_dataset_name_is_compared_as_a_string():
    """docs/architecture.md, 'Add a dataset': datasets and collections dispatch through the registries of
    smite.data.protocols (DATASET_TYPES, PROTOCOLS), never by comparing their names in code."""
    import re

    from smite.data.protocols import COLLECTION_DATASET, DATASET_TYPES, PROTOCOLS, VIDEO_DATASETS

    repo = CONFIG.parent
    names = "|".join(sorted({*COLLECTION_DATASET, *COLLECTION_DATASET.values()}))
    comparison = re.compile(rf"""(==|!=)\s*["']({names})["']|["']({names})["']\s*(==|!=|(not\s+)?in\b)"""
                            rf"""|in\s*[(\[{{]\s*["']({names})["']""")
    sources = [*repo.glob("smite/**/*.py"), *repo.glob("rules/*.smk"), repo / "Snakefile"]
    found = [f"{path.relative_to(repo)}:{number}" for path in sources
             for number, line in enumerate(path.read_text().splitlines(), 1) if comparison.search(line)]
    assert found == []
    assert set(COLLECTION_DATASET.values()) - {"pascal_part"} == set(VIDEO_DATASETS)  # every video dataset laid out
    assert set(COLLECTION_DATASET.values()) == set(DATASET_TYPES) and set(PROTOCOLS) == set(COLLECTION_DATASET)


def test_a_segmentation_job_runs_every_method_planned_for_its_video_and_checkpoint():
    """Tables 1-2 and Figures 8/12 read the first video of a category by SMITE and its ablations with the two-phase
    checkpoint: one job runs them; the second video is in Table 1 only, so its job runs SMITE alone."""
    plan = _run_plan()
    assert plan.job_methods("smite50", "fish", "fish_00", "two-phase", 10) == ("smite_ca", "smite_track", "smite")
    assert plan.job_methods("smite50", "fish", "fish_01", "two-phase", 10) == ("smite",)
    assert plan.job_methods("smite50", "fish", "fish_01", "embeddings", 10) == ("baseline1", "baseline2", "baseline3")
    assert plan.job_methods("smite50", "fish", "fish_00", "two-phase", 5) == ("smite",)
    assert plan.planned_job("smite50", "fish", "fish_00", "smite_ca", "two-phase", 10) == (
        "results/x/segment/smite50/two-phase_10shot/fish/fish_00")
    with pytest.raises(SmiteInputError, match="smite_ca with the two-phase_10shot checkpoint"):
        plan.planned_job("smite50", "fish", "fish_01", "smite_ca", "two-phase", 10)
    with pytest.raises(SmiteInputError, match="joint_1shot"):
        plan.job_methods("smite50", "fish", "fish_00", "joint", 1)
    # every run a table reads is in a job
    for table in ("table1", "table2", "table3", "table8"):
        for files in plan.table_inputs(table).values():
            for path in files:
                if "/metrics/smite50/" in path:
                    method, checkpoint, group, video = path.removesuffix(".json").split("/")[-4:]
                    mode, shots = checkpoint.removesuffix("shot").rsplit("_", 1)
                    assert method in plan.job_methods("smite50", group, video, mode, int(shots)), path
    # with every video in the ablations, both videos' jobs run the whole ladder
    assert _run_plan(ablation_videos=None).job_methods("smite50", "fish", "fish_01", "two-phase", 10) == (
        "smite_ca", "smite_track", "smite")


def test_jobs_run_only_the_methods_the_run_computes():
    """A run without Baseline-II draws no Figure 12, so no job segments with it (its trajectories are tracked for
    the guided windows alone, smite.plan.track_uses): every job's methods are among the run's lists."""
    from smite.plan import run_methods, track_uses

    plan = _run_plan(methods=["baseline1", "smite"], ablation=["baseline1"])
    assert plan.comparisons() == [] and track_uses(plan.config) == ["windows"]
    assert plan.job_methods("smite50", "fish", "fish_00", "embeddings", 10) == ("baseline1",)
    assert {run.method for run in plan.planned_runs} <= run_methods(plan.config)
    assert _run_plan().comparisons() == ["figure8", "figure12"]


def test_track_jobs_get_every_setting_the_tracking_code_reads() -> None:
    """The settings declared tracking=True (the track rule's slice of the method overrides) are the inference
    settings smite.track reads: one missing would leave stale trajectories after a change, one too many would
    re-track for nothing."""
    import ast

    read = set()
    for path in (Path(__file__).parents[1] / "smite" / "track").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "inference":
                read.add(node.attr)
    read |= {kind.settings for kind in TRACKERS.values() if kind.settings}  # make_tracker hands each its section
    assert read == set(tracking_settings())
