"""The declared dependencies, the conda file and the pinned environment (constraints.txt) agree."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

REPO = Path(__file__).resolve().parents[1]
tomllib = pytest.importorskip("tomllib")  # Python 3.11+


def _declared() -> list[Requirement]:
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    return [Requirement(r) for r in project["dependencies"] + project["optional-dependencies"]["test"]]


def _pins() -> dict[str, Version]:
    pins = {}
    for line in (REPO / "constraints.txt").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, version = line.split("==")
            pins[canonicalize_name(name)] = Version(version)
    return pins


def test_constraints_pin_every_declared_dependency_within_its_range() -> None:
    pins = _pins()
    for requirement in _declared():
        name = canonicalize_name(requirement.name)
        assert name in pins, f"constraints.txt does not pin {requirement.name}: run bash .ci/lock.sh"
        assert requirement.specifier.contains(pins[name], prereleases=True), (requirement, pins[name])
    assert all(not str(v).count("+") for v in pins.values())  # no local build tags (+cpu): CPU and CUDA match


def test_conda_file_lists_the_declared_dependencies() -> None:
    conda = yaml.safe_load((REPO / "environment.yml").read_text())
    pip_section = next(d["pip"] for d in conda["dependencies"] if isinstance(d, dict))
    listed = {str(Requirement(r)) for r in pip_section if not r.startswith("-")}
    assert listed == {str(r) for r in _declared()}
    assert re.search(r"python=3\.\d+", " ".join(map(str, conda["dependencies"])))


def test_every_rule_runs_in_the_environment_that_environment_yml_creates() -> None:
    """`--sdm conda` activates one existing, named environment in every rule: the one `conda env create -f
    environment.yml` makes (whose `- -e .` installs this package, which a copied env file could not)."""
    from snakemake.api import SnakemakeApi
    from snakemake.settings.types import ConfigSettings, OutputSettings, ResourceSettings

    name = yaml.safe_load((REPO / "environment.yml").read_text())["name"]
    schema = yaml.safe_load((REPO / "config" / "schema.yaml").read_text())
    assert schema["properties"]["resources"]["properties"]["conda_env"]["default"] == name
    with SnakemakeApi(OutputSettings(quiet=True)) as api:
        workflow = api.workflow(snakefile=REPO / "Snakefile", workdir=REPO, resource_settings=ResourceSettings(),
                                config_settings=ConfigSettings())
        rules = list(workflow._workflow.rules)  # the API has no public rule listing
    computing = [rule for rule in rules if rule.script or rule.shellcmd]
    assert len(computing) >= 20
    assert {rule.name: rule.conda_env for rule in computing} == {rule.name: name for rule in computing}
