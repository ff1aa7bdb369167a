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


def _declared(*extras: str) -> list[Requirement]:
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    return [Requirement(r) for r in project["dependencies"] + sum((project["optional-dependencies"][e]
                                                                    for e in ("test", *extras)), [])]


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
    assert listed == {str(r) for r in _declared("paper")}  # conda runs are the paper's: CoTracker included
    assert re.search(r"python=3\.\d+", " ".join(map(str, conda["dependencies"])))


def test_conda_environment_installs_the_package_after_it_is_built(tmp_path: Path) -> None:
    """`--sdm conda` builds each rule's environment from a copy of environment.yml (so it holds no relative
    `-e .`), then runs environment.post-deploy.sh, the file Snakemake looks for beside it: that installs this
    package from the script's own folder, whatever the working directory."""
    import os
    import subprocess

    conda = yaml.safe_load((REPO / "environment.yml").read_text())
    pip_section = next(d["pip"] for d in conda["dependencies"] if isinstance(d, dict))
    assert not [r for r in pip_section if r.startswith("-e") or r.startswith(".")]
    script = REPO / "environment.post-deploy.sh"  # Snakemake's rule: the env file's .yml -> .post-deploy.sh
    assert script.is_file()
    fake = tmp_path / "bin"
    fake.mkdir()
    (fake / "pip").write_text(f'#!/bin/sh\necho "$@" > {tmp_path / "pip-args"}\n')
    (fake / "pip").chmod(0o755)
    elsewhere = tmp_path / "work"
    elsewhere.mkdir()
    env = {**os.environ, "PATH": f"{fake}{os.pathsep}{os.environ['PATH']}"}
    subprocess.run(["sh", os.path.relpath(script, elsewhere)], cwd=elsewhere, env=env, check=True)
    assert (tmp_path / "pip-args").read_text().split() == ["install", "--no-deps", "-e", str(REPO)]
    rules = "".join(p.read_text() for p in (REPO / "rules").glob("*.smk"))
    directives = re.findall(r"conda:\s*(\S+)", rules)
    scripts = re.findall(r"script:", rules)  # every rule that runs a script names the environment
    assert len(directives) == len(scripts) > 10 and set(directives) == {'"../environment.yml"'}


def test_cotracker_is_pinned_to_a_commit() -> None:
    """The `paper` extra installs CoTracker from its repository at a full commit hash, not a moving branch."""
    (cotracker,) = [r for r in _declared("paper") if r.name == "cotracker"]
    assert re.fullmatch(r"git\+https://github\.com/facebookresearch/co-tracker\.git@[0-9a-f]{40}", cotracker.url)
