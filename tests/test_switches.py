"""Table R: the code-vs-paper switches, which categories each applies to, what its jobs compute, and the table."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from smite.config import method_settings, read_yaml
from smite.plan import RunPlan
from smite.switches import INFERENCE, SWITCHES, TRAIN
from smite.tables import DEFAULT_ROW, table_r

REPO = Path(__file__).parents[1]


@pytest.fixture(scope="module")
def paper_plan() -> RunPlan:
    return RunPlan(read_yaml(REPO / "config" / "paper.yaml"), "results/paper")


@pytest.fixture(scope="module")
def embedded_plan() -> RunPlan:
    return RunPlan(read_yaml(REPO / "config" / "config.yaml"), "results/embedded")


def _flat(settings: object, section: str) -> dict:
    return dict(vars(getattr(settings, section)))


def test_each_switch_changes_only_its_own_settings(paper_plan: RunPlan) -> None:
    """Where a switch applies, its jobs' settings differ from the group's as configured in the keys it names and
    nowhere else (the other stage's section is the group's)."""
    applied = 0
    for name, cases in paper_plan.switch_cases.items():
        switch = SWITCHES[name]
        other = TRAIN if switch.stage == INFERENCE else INFERENCE
        for group, case in cases.items():
            if isinstance(case, str):
                continue
            applied += 1
            flipped = method_settings(paper_plan.switch_overrides(name, group))
            reference = method_settings(_group_overrides(paper_plan, group))
            changed = {k for k, v in _flat(flipped, switch.stage).items() if _flat(reference, switch.stage)[k] != v}
            assert changed and changed <= set(case[switch.stage]), (name, group, changed)
            assert _flat(flipped, other) == _flat(reference, other), name
    # 11 switches x 4 categories, less tiles (3 untiled), the vote window (3 equal to the paper's), the box (face)
    assert applied == 11 * 4 - 7
    assert "cannot be combined" in paper_plan.switch_cases["paper_box"]["face"]  # tiled: no box refinement


def _group_overrides(plan: RunPlan, group: str) -> dict:
    from smite.plan import group_overrides

    return group_overrides(plan.config.get("method", {}), plan.groups["smite50"][group])


def test_switches_apply_where_the_run_has_what_they_change(paper_plan: RunPlan, embedded_plan: RunPlan) -> None:
    """CoTracker3's input range applies to a run that tracks with it, tile merging to a tiled category, the paper's
    vote window to the category where the paper's differs (horses: 7); on the embedded run (flow tracker, no tiles,
    no paper vote windows) those three say why not."""
    paper = paper_plan.switch_cases
    assert all(not isinstance(case, str) for case in paper["cotracker_0_255"].values())
    assert [g for g, case in paper["tiles_averaged"].items() if not isinstance(case, str)] == ["face"]
    assert [g for g, case in paper["paper_vote_window"].items() if not isinstance(case, str)] == ["horse"]
    assert paper["paper_vote_window"]["horse"]["inference"]["vote_window"] == 7
    embedded = embedded_plan.switch_cases
    assert list(embedded["one_pass"]) == ["robot"]  # config table_r.categories
    for name in ("cotracker_0_255", "tiles_averaged", "paper_vote_window"):
        assert isinstance(embedded[name]["robot"], str), name
    assert "flow" in embedded["cotracker_0_255"]["robot"]
    computed = [name for name, cases in embedded.items() if not isinstance(cases["robot"], str)]
    assert computed == ["one_pass", "paper_box", "released_weights", "inference_posterior_mean", "ldm_plain",
                        "phase2_every_epoch", "loss_unscaled", "train_posterior_mean"]


def test_released_weights_switch_is_the_released_configuration(paper_plan: RunPlan) -> None:
    """The 0 / 0 row computes what config/authors_released.yaml runs: both weights 0 for every category."""
    for case in paper_plan.switch_cases["released_weights"].values():
        assert case["inference"]["lambda_track"] == 0.0 and case["inference"]["lambda_reg"] == 0.0


def test_table_r_reads_smite_and_each_applicable_switch(embedded_plan: RunPlan) -> None:
    """Table R's inputs: SMITE's scores on config table_r's videos, and each switch's where it applies."""
    inputs = embedded_plan.table_inputs("tableR")
    assert inputs[DEFAULT_ROW] == ["results/embedded/metrics/smite50/smite/two-phase_10shot/robot/robot_00.json"]
    assert inputs["one_pass"] == ["results/embedded/metrics_switched/smite50/one_pass/robot/robot_00.json"]
    assert inputs["cotracker_0_255"] == []


def test_table_r_rows_are_differences_on_the_categories_each_switch_applies_to() -> None:
    """Closed form: two categories, a switch applied to one of them; its difference is against SMITE there."""
    metrics = pd.DataFrame([
        {"method": DEFAULT_ROW, "category": "a", "video": "a0", "mIoU": 40.0, "F": 0.5, "J": 0.5, "flicker": 0.2,
         "warped_agreement": 0.9},
        {"method": DEFAULT_ROW, "category": "b", "video": "b0", "mIoU": 60.0, "F": 0.7, "J": 0.7, "flicker": 0.1,
         "warped_agreement": 0.9},
        {"method": "s", "category": "a", "video": "a0", "mIoU": 35.0, "F": 0.4, "J": 0.4, "flicker": 0.3,
         "warped_agreement": 0.9},
    ])
    switches = {"s": {"label": "S", "stage": INFERENCE, "code": "c", "paper": "p", "not_applied": {"b": "no b"}},
                "t": {"label": "T", "stage": TRAIN, "code": "c", "paper": "p", "not_applied": {"a": "x", "b": "y"}}}
    table = table_r(metrics, switches, ["a", "b"]).set_index("Switch")
    assert table.loc["as configured (the authors' code)", "mIoU"] == pytest.approx(50.0)
    assert table.loc["S", "mIoU"] == pytest.approx(35.0) and table.loc["S", "mIoU (diff)"] == pytest.approx(-5.0)
    assert table.loc["S", "flicker (diff)"] == pytest.approx(0.1) and table.loc["S", "categories"] == "a"
    assert table.loc["T", "source"] == "not applicable: x; y" and np.isnan(table.loc["T", "mIoU"])
