"""The method settings (smite.settings, smite.config): declared once, every view generated from the declarations,
every value checked once, read as attributes everywhere else."""

from __future__ import annotations

import ast
import dataclasses
import io
from contextlib import redirect_stdout
from pathlib import Path

import jsonschema
import pytest
import yaml

from smite.cli import build_parser, main
from smite.config import build_section, inference_settings, method_settings, read_run_config, train_settings
from smite.errors import SmiteInputError
from smite.settings import SECTION, SETTING, InferenceSettings, MethodSettings, setting
from smite.settings_views import commented_yaml, flag_help, method_schema, schema_text, settings_mapping

REPO = Path(__file__).resolve().parents[1]
RUN_CONFIGS = ("config.yaml", "paper.yaml", "paper_smoke.yaml")


def _settings(cls: type = MethodSettings, prefix: str = "") -> list[tuple[str, dataclasses.Field]]:
    """Every declared setting, by dotted name."""
    found = []
    for f in dataclasses.fields(cls):
        if SECTION in f.metadata:
            found += _settings(f.default_factory, f"{prefix}{f.name}.")
        else:
            found.append((prefix + f.name, f))
    return found


def test_generated_views_follow_the_declarations() -> None:
    """The one check that the files and texts made from the declarations are current: the schema file, the
    commented YAML of `smite config` (it reads back as the settings) and the command's help."""
    assert (REPO / "config" / "method_schema.yaml").read_text() == schema_text(), \
        "config/method_schema.yaml is stale: run `smite config --schema > config/method_schema.yaml`"
    schema = yaml.safe_load((REPO / "config" / "schema.yaml").read_text())
    assert schema["properties"]["method"]["$ref"] == "method_schema.yaml"
    defaults = MethodSettings()
    printed = io.StringIO()
    with redirect_stdout(printed):
        assert main(["config"]) == 0
    assert yaml.safe_load(printed.getvalue()) == settings_mapping(defaults)
    for name, f in _settings():
        assert f.metadata[SETTING].doc, f"{name} has no doc"
        if not isinstance(f.default, dict) and f.default is not dataclasses.MISSING:
            assert f"# {f.metadata[SETTING].doc}" in printed.getvalue(), name
    train = build_parser()._subparsers._group_actions[0].choices["train"]
    epochs = next(a for a in train._actions if a.dest == "epochs")
    assert epochs.help == flag_help("train.epochs") and "default: 300; paper 7.5" in epochs.help


def test_the_schema_and_the_checks_agree() -> None:
    """The generated JSON schema (what Snakemake validates a run config with) accepts the run configs' `method:`
    sections and rejects what method_settings rejects, value by value (jsonschema checks the schema, not us)."""
    schema = method_schema()
    for name in RUN_CONFIGS:
        overrides = read_run_config(REPO / "config" / name)["method"]
        jsonschema.validate(overrides, schema)
        method_settings(overrides, name)
    for bad in ({"train": {"epochs": 0}}, {"train": {"epochs": 2.5}}, {"inference": {"tracker": "raft"}},
                {"train": {"augment": {"flip_p": 1.5}}}, {"inference": {"lowpass_spatial": 0}},
                {"gsam2": {"precision": "fp8"}}, {"inference": {"reference_timesteps": [95]}},
                {"inference": {"cotracker3": {"interp_shape": [4, 512]}}}, {"seed": -1}, {"parts_init": "zeros"},
                {"train": {"epoch": 3}}, {"models": {"sd21": {"revison": "main"}}}):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(bad, schema)
        with pytest.raises(SmiteInputError):
            method_settings(bad, "run.yaml")


def test_defaults_are_the_declared_values_typed() -> None:
    method = method_settings()
    assert method == MethodSettings()
    inference = inference_settings()
    assert inference.reference_timesteps == (95, 104) and isinstance(inference.guidance_lr, float)
    for name, f in _settings():
        section, _, key = name.rpartition(".")
        value = method
        for part in filter(None, section.split(".")):
            value = getattr(value, part)
        expected = f.default if f.default is not dataclasses.MISSING else f.default_factory()
        assert getattr(value, key) == expected, name
    assert method.seed == 0 and not hasattr(train_settings(), "seed")  # the run's seed, given to train() itself


def test_overrides_and_changes_reach_the_typed_settings() -> None:
    method = method_settings({"seed": 4, "inference": {"window": 8, "overlap": 4, "lambda_track": 1},
                            "train": {"augment": {"crop_min_ratio": 0.8}},
                            "models": {"sd21": {"path": "/models/sd"}}, "backbone": {"embedded": {"image_size": 64}}})
    inference = inference_settings(method, vote_window=7)
    assert (inference.window, inference.overlap, inference.vote_window) == (8, 4, 7)
    assert inference.lambda_track == 1.0 and isinstance(inference.lambda_track, float)  # an int for a number
    train = train_settings(method, epochs=3, mode=None)  # None: not given on the command line
    assert (train.epochs, train.mode, method.seed, train.augment.crop_min_ratio) == (3, "two-phase", 4, 0.8)
    assert method.models["sd21"].path == "/models/sd" and method.models["sd21"].revision  # merged into the pin
    assert method.backbone.embedded["image_size"] == 64 and method.backbone.embedded["unet"]["sample_size"] == 24
    assert method.backbone.attention_grid("embedded") == 16 and MethodSettings().backbone.attention_grid() == 64


@pytest.mark.parametrize(("overrides", "message"), [
    ({"inference": {"overlap": 16}}, "'inference.overlap' must be below window (16)"),
    ({"inference": {"guided_updates": 4}}, "'inference.guided_updates' must be below guided_timesteps (4)"),
    ({"inference": {"guided_timesteps": 5, "schedule_steps": 4}}, "'inference.guided_timesteps' must not exceed"),
    ({"inference": {"vote_window": 6}}, "'inference.vote_window' must be a positive odd number"),
    ({"inference": {"tracker": "raft"}}, "'inference.tracker' must be one of flow, cotracker3"),
    ({"inference": {"reference_timesteps": [104, 95]}}, "'inference.reference_timesteps' must be [low, high]"),
    ({"inference": {"reference_timesteps": [95, 100, 104]}}, "must be a list of 2 integers"),
    ({"inference": {"cotracker3": {"interp_shape": [384, "512"]}}}, "must be a list of 2 integers or null"),
    ({"inference": {"cotracker3": {"interp_shape": 3}}}, "'inference.cotracker3.interp_shape' must be"),
    ({"train": {"mode": "phased"}}, "'train.mode' must be one of embeddings, two-phase, joint"),
    ({"train": {"min_timestep": 200}}, "'train.min_timestep' must not exceed max_timestep"),
    ({"train": {"epochs": 0}}, "'train.epochs' must be at least 1, got 0"),
    ({"train": {"augment": {"flip_p": 2}}}, "'train.augment.flip_p' must be at most 1"),
    ({"train": {"epoch": 3}}, "unknown method setting 'train.epoch' (known here: augment,"),
    ({"inference": 3}, "method.inference must be a mapping"),
])
def test_inconsistent_values_are_one_error_naming_key_and_file(overrides, message) -> None:
    with pytest.raises(SmiteInputError) as error:
        method_settings(overrides, "run.yaml")
    assert message in str(error.value) and str(error.value).startswith("run.yaml: ")
    assert "\n" not in str(error.value)


def test_library_changes_are_checked_like_overrides() -> None:
    base = inference_settings()
    with pytest.raises(SmiteInputError, match="unknown method setting 'inference.windw'"):
        inference_settings(windw=3)
    with pytest.raises(SmiteInputError, match="'inference.window' must be an integer, got '8'"):
        dataclasses.replace(base, window="8")
    with pytest.raises(SmiteInputError, match="'train.phase2_train_embeddings' must be true or false"):
        dataclasses.replace(train_settings(), phase2_train_embeddings=1)
    with pytest.raises(SmiteInputError, match="inference.refinement"):
        dataclasses.replace(base, refinement="box")
    with pytest.raises(SmiteInputError, match="'train.epochs' must be an integer"):
        train_settings(epochs=2.5)
    shape = dataclasses.replace(base.cotracker3, interp_shape=(384, 512))
    assert dataclasses.replace(base, cotracker3=shape).cotracker3.interp_shape == (384, 512)


def test_adding_a_setting_is_one_declaration() -> None:
    """docs/architecture.md, "Add a setting": one `setting(...)` line, and the checks, the typed object, the
    commented YAML and the schema have it."""

    @dataclasses.dataclass(frozen=True)
    class WithKnob(InferenceSettings):
        knob: float = setting(0.5, "a new knob", "ours", minimum=0)

    assert build_section(WithKnob, {"knob": 2}, "inference").knob == 2.0
    with pytest.raises(SmiteInputError, match="'inference.knob' must be at least 0"):
        build_section(WithKnob, {"knob": -1}, "inference")
    assert "knob: 0.5  # a new knob [ours]" in commented_yaml(WithKnob())
    from smite.settings_views import _section_schema

    assert _section_schema(WithKnob)["properties"]["knob"]["minimum"] == 0


def test_the_library_reads_settings_as_attributes() -> None:
    """No string-keyed read of the method settings outside the modules that build them: a subscript of a name
    `method` or `settings` (the typed objects' names throughout the library) with a string key."""
    allowed = {"config.py", "settings.py", "settings_views.py"}
    found = []
    for path in sorted((REPO / "smite").rglob("*.py")):
        if path.name in allowed:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if (isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name)
                    and node.value.id in {"method", "settings"} and isinstance(node.slice, ast.Constant)
                    and isinstance(node.slice.value, str)):
                found.append(f"{path.relative_to(REPO)}:{node.lineno}")
    assert not found
