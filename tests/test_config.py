"""The typed method configuration (smite.config): built from smite/defaults.yaml, every value checked once."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
import yaml

from smite.config import (
    TRACKERS,
    AugmentConfig,
    InferenceConfig,
    TrainConfig,
    inference_config,
    load_defaults,
    method_config,
    train_config,
)
from smite.errors import SmiteInputError
from smite.methods import TRAINING_MODES

REPO = Path(__file__).resolve().parents[1]


def _fields(cls: type) -> set[str]:
    return {field.name for field in dataclasses.fields(cls)}


def test_sections_schema_and_dataclasses_name_the_same_settings() -> None:
    """defaults.yaml, the run-config schema and the dataclasses list one set of keys per section."""
    defaults = load_defaults()
    schema = yaml.safe_load((REPO / "config" / "schema.yaml").read_text())
    method_schema = schema["properties"]["method"]["properties"]
    augment_schema = schema["$defs"]["augment"]["properties"]
    assert _fields(InferenceConfig) == set(defaults["inference"]) == set(method_schema["inference"]["properties"])
    assert _fields(AugmentConfig) == set(defaults["train"]["augment"]) == set(augment_schema)
    train_keys = _fields(TrainConfig) - {"seed", "augment"}  # seed: the run's; augment: its own section
    assert train_keys == set(defaults["train"]) - {"shots", "augment"}
    assert train_keys == set(method_schema["train"]["properties"]) - {"shots", "augment"}
    assert tuple(method_schema["inference"]["properties"]["tracker"]["enum"]) == TRACKERS
    assert tuple(method_schema["train"]["properties"]["mode"]["enum"]) == TRAINING_MODES


def test_defaults_are_the_yaml_values_typed() -> None:
    defaults = load_defaults()
    inference = inference_config()
    for name, value in defaults["inference"].items():
        assert getattr(inference, name) == (tuple(value) if isinstance(value, list) else value), name
    assert inference.reference_timesteps == (95, 104) and isinstance(inference.guidance_lr, float)
    train = train_config()
    assert {name: getattr(train, name) for name in _fields(TrainConfig) - {"seed", "augment"}} == {
        k: v for k, v in defaults["train"].items() if k not in ("shots", "augment")}
    assert dataclasses.asdict(train.augment) == defaults["train"]["augment"]
    assert train.seed == defaults["seed"]


def test_overrides_and_changes_reach_the_typed_config() -> None:
    method = method_config({"seed": 4, "inference": {"window": 8, "overlap": 4, "lambda_track": 1},
                            "train": {"augment": {"crop_min_ratio": 0.8}}})
    inference = inference_config(method, vote_window=7)
    assert (inference.window, inference.overlap, inference.vote_window) == (8, 4, 7)
    assert inference.lambda_track == 1.0 and isinstance(inference.lambda_track, float)  # an int for a number
    train = train_config(method, epochs=3, mode=None)  # None: not given on the command line
    assert (train.epochs, train.mode, train.seed, train.augment.crop_min_ratio) == (3, "two-phase", 4, 0.8)


@pytest.mark.parametrize(("overrides", "message"), [
    ({"inference": {"overlap": 16}}, "'inference.overlap' must be below window (16)"),
    ({"inference": {"guided_updates": 4}}, "'inference.guided_updates' must be below guided_timesteps (4)"),
    ({"inference": {"guided_timesteps": 5, "schedule_steps": 4}}, "'inference.guided_timesteps' must not exceed"),
    ({"inference": {"vote_window": 6}}, "'inference.vote_window' must be a positive odd number"),
    ({"inference": {"tracker": "raft"}}, "'inference.tracker' must be one of flow, cotracker3"),
    ({"inference": {"reference_timesteps": [104, 95]}}, "'inference.reference_timesteps' must be [low, high]"),
    ({"inference": {"reference_timesteps": [95, 100, 104]}}, "must be a list of 2 integers"),
    ({"inference": {"cotracker_interp_shape": [384, "512"]}}, "must be a list of 2 integers or null"),
    ({"inference": {"cotracker_interp_shape": 3}}, "'inference.cotracker_interp_shape' must be"),
    ({"train": {"mode": "phased"}}, "'train.mode' must be one of embeddings, two-phase, joint"),
    ({"train": {"min_timestep": 200}}, "'train.min_timestep' must not exceed max_timestep"),
])
def test_inconsistent_values_are_one_error_naming_key_and_file(overrides, message) -> None:
    with pytest.raises(SmiteInputError) as error:
        method_config(overrides, "run.yaml")
    assert message in str(error.value) and str(error.value).startswith("run.yaml: ")
    assert "\n" not in str(error.value)


def test_library_changes_are_checked_like_overrides() -> None:
    base = inference_config()
    with pytest.raises(SmiteInputError, match="unknown method setting 'inference.windw'"):
        inference_config(windw=3)
    with pytest.raises(SmiteInputError, match="'inference.window' must be an integer, got '8'"):
        dataclasses.replace(base, window="8")
    with pytest.raises(SmiteInputError, match="'inference.crop_refinement' must be true or false"):
        dataclasses.replace(base, crop_refinement=1)
    with pytest.raises(SmiteInputError, match="'train.epochs' must be an integer"):
        train_config(epochs=2.5)
    with pytest.raises(SmiteInputError, match="lacks window"):
        inference_config({"inference": {k: v for k, v in load_defaults()["inference"].items() if k != "window"}})
    assert dataclasses.replace(base, cotracker_interp_shape=(384, 512)).cotracker_interp_shape == (384, 512)
