"""One source of truth for versions, and the commands the README promises.

requirements.txt holds the pins that `make` installs; environment.yml (conda route and Binder)
must pin the same versions for its Python (3.11). pyproject's own dependency ranges must admit the
pins. `.ci/run` must run the README's test command unchanged.
"""

from __future__ import annotations

import pathlib
import re

import tomllib
from packaging.requirements import Requirement

ROOT = pathlib.Path(__file__).resolve().parents[1]


def pinned_versions(requirements_text: str, python_version: str) -> dict[str, str]:
    """name -> pinned version of every `name==version` line that applies to ``python_version``."""
    pins = {}
    for line in requirements_text.splitlines():
        line = line.split("#", 1)[0].strip()
        if not line or line.startswith("-"):
            continue
        requirement = Requirement(line)
        if requirement.marker and not requirement.marker.evaluate({"python_version": python_version}):
            continue
        (spec,) = requirement.specifier  # exactly one '==' per pin
        assert spec.operator == "==", f"{line!r} is not an exact pin"
        pins[requirement.name.lower()] = spec.version
    return pins


def environment_versions(environment_text: str) -> dict[str, str]:
    """name -> version of every `- name=version` dependency line of an environment.yml."""
    versions = {}
    for match in re.finditer(r"^\s*-\s*([A-Za-z0-9_.-]+)\s*=\s*([^\s#=]+)\s*$", environment_text, re.M):
        versions[match.group(1).lower()] = match.group(2)
    return versions


def pin_mismatches(requirements_text: str, environment_text: str) -> list[str]:
    """Every disagreement between the two files, for the environment's own Python."""
    environment = environment_versions(environment_text)
    python = environment.pop("python", None)
    if python is None:
        return ["environment.yml pins no python version"]
    pins = pinned_versions(requirements_text, python)
    problems = [
        f"{name}: requirements.txt {version} but environment.yml {environment.get(name, 'missing')}"
        for name, version in pins.items()
        if environment.get(name) != version
    ]
    problems += [f"{name}: pinned in environment.yml only" for name in environment if name not in pins]
    return problems


def test_environment_pins_the_same_versions_as_requirements():
    requirements = (ROOT / "requirements.txt").read_text()
    environment = (ROOT / "environment.yml").read_text()
    assert environment_versions(environment)["python"] == "3.11"
    assert pin_mismatches(requirements, environment) == []


def test_a_disagreement_is_found():
    requirements = (ROOT / "requirements.txt").read_text()
    environment = (ROOT / "environment.yml").read_text()
    assert pin_mismatches(requirements, environment.replace("sympy=1.14.0", "sympy=1.13.3")) == [
        "sympy: requirements.txt 1.14.0 but environment.yml 1.13.3"
    ]
    assert pin_mismatches(requirements + "scipy==1.16.0\n", environment) == [
        "scipy: requirements.txt 1.16.0 but environment.yml missing"
    ]
    assert pin_mismatches(requirements, environment.replace("  - python=3.11\n", "")) == [
        "environment.yml pins no python version"
    ]


def test_python_310_pins_exist_for_every_package():
    """The README promises Python >= 3.10: every package has a pin that applies there too."""
    requirements = (ROOT / "requirements.txt").read_text()
    assert pinned_versions(requirements, "3.10").keys() == pinned_versions(requirements, "3.11").keys()


def test_pyproject_dependencies_admit_the_pins():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["requires-python"] == ">=3.10"
    pins = pinned_versions((ROOT / "requirements.txt").read_text(), "3.11")
    for line in project["dependencies"]:
        requirement = Requirement(line)
        assert requirement.name.lower() in pins, f"{requirement.name} is not pinned in requirements.txt"
        assert requirement.specifier.contains(pins[requirement.name.lower()]), line


def test_make_installs_the_pins_and_ci_runs_the_readme_test_command():
    makefile = (ROOT / "Makefile").read_text()
    assert "-r requirements.txt" in makefile
    readme = (ROOT / "README.md").read_text()
    quick_start = readme.split("## Quick start", 1)[1].split("```", 2)[1]
    commands = [line.split("#", 1)[0].strip() for line in quick_start.splitlines()[1:] if line.strip()]
    assert commands == ["make lab", "make test"]
    ci_lines = [line.strip() for line in (ROOT / ".ci" / "run").read_text().splitlines()]
    assert "make test" in ci_lines


def test_nbval_runs_strict_over_every_notebook():
    options = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["pytest"]["ini_options"]
    assert "--nbval " in options["addopts"] + " " and "--nbval-lax" not in options["addopts"]
    assert "--nbval-current-env" in options["addopts"]
    assert "notebooks" in options["testpaths"]
