"""The method registry (smite.methods) is the one list: configs, the DAG, the tables and the command follow it."""

from __future__ import annotations

from pathlib import Path

import yaml

from smite.cli import build_parser
from smite.energies import ENERGIES
from smite.methods import DIFFUSION_METHODS, METHODS, PUBLIC_METHODS, TRAINING_MODES
from smite.tables import ABLATION_STEPS, METHOD_NAMES

REPO = Path(__file__).resolve().parents[1]


def test_schema_method_lists_are_the_registrys() -> None:
    props = yaml.safe_load((REPO / "config" / "schema.yaml").read_text())["properties"]
    assert props["methods"]["items"]["enum"] == [n for n, m in METHODS.items() if m.in_table1]
    assert props["ablation"]["items"]["enum"] == [n for n, m in METHODS.items() if m.ablation_step]
    pumavos = props["datasets"]["properties"]["pumavos"]["properties"]["methods"]["items"]["enum"]
    assert set(pumavos) <= set(METHODS)


def test_tables_and_command_read_the_registry() -> None:
    assert list(METHOD_NAMES) == ["baseline1", "baseline2", "baseline3", "gsam2", "smite"]  # paper Table 1 order
    assert list(ABLATION_STEPS) == ["baseline1", "baseline3", "smite_ca", "smite_track", "smite"]  # Table 2
    segment = next(a for a in build_parser()._subparsers._group_actions[0].choices["segment"]._actions
                   if a.dest == "method")
    assert list(segment.choices) == PUBLIC_METHODS and set(PUBLIC_METHODS) <= set(DIFFUSION_METHODS)
    train = next(a for a in build_parser()._subparsers._group_actions[0].choices["train"]._actions
                 if a.dest == "mode")
    assert tuple(train.choices) == TRAINING_MODES
    assert {m.training_mode for m in DIFFUSION_METHODS.values()} <= set(TRAINING_MODES)


def test_variants_differ_only_where_the_paper_adds_a_step() -> None:
    """Each step of Table 2's ladder switches on exactly what the paper adds (4.1-4.4)."""
    ladder = [DIFFUSION_METHODS[name] for name in ("baseline3", "smite_ca", "smite_track", "smite")]
    assert all(m.inflated for m in ladder)
    assert [m.energies for m in ladder] == [(), (), ("track",), ("track", "reg")]
    assert set(ENERGIES) >= {e for m in METHODS.values() for e in m.energies}
    assert ladder[0].training_mode == "embeddings" and ladder[1].training_mode == "two-phase"
    assert METHODS["baseline2"].needs_tracks and not METHODS["baseline1"].needs_tracks
    assert not METHODS["gsam2"].diffusion and "gsam2" not in DIFFUSION_METHODS


def test_a_method_names_passes_and_energies_that_fit() -> None:
    """Method checks what it names: known passes and energies, a window pass first, energies exactly with a guided
    pass, that pass on the inflated UNet."""
    import dataclasses

    import pytest

    smite = METHODS["smite"]
    for changes, message in [({"passes": ("reference", "unknown")}, "not in PASSES"),
                             ({"energies": ("track", "area")}, "not in PASSES or ENERGIES"),
                             ({"passes": ("vote", "guided")}, "first pass must be a window pass"),
                             ({"passes": ("guided",)}, "a pass before it"),
                             ({"passes": ("reference",)}, "name both or neither"),
                             ({"energies": ()}, "name both or neither"),
                             ({"inflated": False}, "inflated UNet"),
                             ({"passes": ("reference", "guided", "vote")}, "one of its passes")]:
        with pytest.raises(ValueError, match=message):
            dataclasses.replace(smite, **changes)
    assert METHODS["baseline2"].video_passes == ("vote",) and METHODS["baseline2"].track_use == "video"
    assert not smite.video_passes and smite.guidance and not METHODS["smite_ca"].guidance
