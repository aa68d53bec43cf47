"""The binder/ layout against repo2docker's rules, and every Binder link against the notebooks.

repo2docker (jupyterhub/repo2docker, docs "Configuration files"): once a ``binder/`` (or
``.binder/``) folder exists, only the configuration files in it are read and root ones are
ignored; with ``environment.yml`` the Python version comes from its ``python=`` line (default
3.10) and ``runtime.txt`` is ignored; the repository's own package is not installed unless
``postBuild`` does it (it runs from the repository root); a ``start`` script must end with
``exec "$@"``. Binder opens a notebook in JupyterLab with
``https://mybinder.org/v2/gh/<org>/<repo>/<ref>?urlpath=lab/tree/<path>``.

Each ``*_problems`` function returns a list of human-readable problems (empty when all is well);
the tests run them on this repository and on broken copies in a temporary folder, so that each
check is shown able to fail. mybinder.org is not reachable from CI: this tests the layout, not a
build.
"""

from __future__ import annotations

import json
import os
import pathlib
import re
import shutil
import stat
import sys

import pytest
import tomllib
import yaml

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))

import repo_info  # noqa: E402  (tools/ is not a package)

# repo2docker's configuration files (docs: config_files). In the root they are ignored once
# binder/ exists.
REPO2DOCKER_CONFIG_FILES = (
    "environment.yml",
    "Pipfile",
    "Pipfile.lock",
    "requirements.txt",
    "setup.py",
    "pyproject.toml",
    "Project.toml",
    "REQUIRE",
    "install.R",
    "apt.txt",
    "DESCRIPTION",
    "postBuild",
    "start",
    "runtime.txt",
    "default.nix",
    "Dockerfile",
)
BINDER_LINK = re.compile(r"https?://mybinder\.org/v2/[^\s)\"'<>\]]*")


def _requirement_name(spec: str) -> str:
    """'numpy==2.4.6; python_version >= "3.11"' -> 'numpy' (lower case, '_' as '-')."""
    return re.split(r"[\s=<>!~;\[]", spec.strip(), maxsplit=1)[0].lower().replace("_", "-")


def _environment_packages(environment_file: pathlib.Path) -> dict[str, str]:
    """conda package name -> version spec ('' when unpinned) of an environment.yml."""
    spec = yaml.safe_load(environment_file.read_text())
    packages = {}
    for dependency in spec.get("dependencies") or []:
        if isinstance(dependency, str):
            name, _, version = dependency.partition("=")
            packages[name.strip().lower().replace("_", "-")] = version.strip("= ")
    return packages


def _postbuild_installs_repo(text: str) -> bool:
    """True when some line pip-installs the repository root ('.', './', '.[extra]')."""
    pattern = re.compile(r"^\s*(python3?\s+-m\s+)?pip3?\s+install\b.*\s(-e\s+)?\.(/)?(\[[\w,-]+\])?\s*$")
    return any(pattern.match(line) for line in text.splitlines())


def layout_problems(root: pathlib.Path) -> list[str]:
    """What would make Binder build a different environment than the one the tests use."""
    problems: list[str] = []
    binder = root / "binder"
    if not binder.is_dir():
        return ["binder/ is missing"]
    if (root / ".binder").exists():
        problems.append(".binder/ exists beside binder/: keep one configuration folder")

    environment = binder / "environment.yml"
    if not environment.is_symlink():
        problems.append(
            "binder/environment.yml must be a symlink to ../environment.yml "
            "(one environment file for conda users and Binder)"
        )
    if not environment.exists():
        problems.append("binder/environment.yml does not resolve to a file")
        return problems
    if environment.resolve() != (root / "environment.yml").resolve():
        problems.append(f"binder/environment.yml resolves to {environment.resolve()}, not the root environment.yml")
    packages = _environment_packages(environment)
    if packages.get("python") != "3.11":
        problems.append("environment.yml must pin python=3.11 (repo2docker's default is 3.10)")
    if "pip" not in packages:
        problems.append("environment.yml must list pip (postBuild pip-installs pgviz)")

    # pgviz is installed with --no-deps, so its runtime dependencies must come from conda.
    pyproject = tomllib.loads((root / "pyproject.toml").read_text())
    for dependency in pyproject["project"].get("dependencies", []):
        if _requirement_name(dependency) not in packages:
            problems.append(f"pgviz dependency {_requirement_name(dependency)!r} is not in environment.yml")

    postbuild = binder / "postBuild"
    if not postbuild.is_file():
        problems.append("binder/postBuild is missing: nothing would install pgviz on Binder")
    else:
        text = postbuild.read_text()
        lines = [line for line in text.splitlines() if line.strip() and not line.startswith("#!")]
        commands = [line for line in lines if not line.lstrip().startswith("#")]
        if not os.access(postbuild, os.X_OK) or not postbuild.stat().st_mode & stat.S_IXUSR:
            problems.append("binder/postBuild is not executable (git: chmod +x, mode 100755)")
        if not text.startswith("#!"):
            problems.append("binder/postBuild must start with a shebang line")
        if not commands or commands[0].strip() != "set -euo pipefail":
            problems.append("binder/postBuild must run 'set -euo pipefail' before any command")
        if not _postbuild_installs_repo(text):
            problems.append("binder/postBuild does not pip-install the repository root ('.')")

    start = binder / "start"
    if start.exists():
        commands = [
            line.strip()
            for line in start.read_text().splitlines()
            if line.strip() and not line.lstrip().startswith("#")
        ]
        if not commands or commands[-1] != 'exec "$@"':
            problems.append('binder/start must end with exec "$@"')
        if not os.access(start, os.X_OK):
            problems.append("binder/start is not executable")
    if (binder / "runtime.txt").exists():
        problems.append("binder/runtime.txt is ignored beside environment.yml: pin python there")

    # Root configuration files are ignored once binder/ exists: each one present must be one
    # Binder does not need.
    for name in REPO2DOCKER_CONFIG_FILES:
        path = root / name
        if not path.exists() or (binder / name).exists() and name == "environment.yml":
            continue
        if name in ("pyproject.toml", "setup.py"):
            continue  # the package itself: postBuild installs it (checked above)
        if name == "requirements.txt":
            for line in path.read_text().splitlines():
                line = line.split("#", 1)[0].strip()
                if line and not line.startswith("-") and _requirement_name(line) not in packages:
                    problems.append(
                        f"requirements.txt needs {_requirement_name(line)!r}, which "
                        "Binder would not install (only binder/ is read)"
                    )
            continue
        problems.append(f"root {name} is ignored by repo2docker because binder/ exists; move it to binder/{name}")
    return problems


def _texts_with_links(root: pathlib.Path) -> dict[str, str]:
    """README.md and the markdown of every notebook, by relative path."""
    texts = {"README.md": (root / "README.md").read_text()}
    for notebook in sorted((root / repo_info.NOTEBOOK_DIR).glob("*.ipynb")):
        cells = json.loads(notebook.read_text()).get("cells", [])
        texts[notebook.relative_to(root).as_posix()] = "\n".join(
            "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
            for cell in cells
            if cell.get("cell_type") == "markdown"
        )
    return texts


def link_problems(root: pathlib.Path) -> list[str]:
    """Every Binder link opens JupyterLab on an existing notebook of this repository."""
    expected = re.compile(
        rf"https://mybinder\.org/v2/gh/{re.escape(repo_info.GITHUB_REPO)}/"
        rf"{re.escape(repo_info.BINDER_REF)}\?urlpath=lab/tree/{repo_info.NOTEBOOK_DIR}/"
        r"(?P<name>[^/?#&]+\.ipynb)"
    )
    problems = []
    for where, text in _texts_with_links(root).items():
        for link in BINDER_LINK.findall(text):
            match = expected.fullmatch(link)
            if match is None:
                problems.append(
                    f"{where}: {link} is not https://mybinder.org/v2/gh/"
                    f"{repo_info.GITHUB_REPO}/{repo_info.BINDER_REF}"
                    f"?urlpath=lab/tree/{repo_info.NOTEBOOK_DIR}/<file>.ipynb"
                )
            elif not (root / repo_info.NOTEBOOK_DIR / match["name"]).is_file():
                problems.append(f"{where}: {link} opens {match['name']}, which does not exist")
    return problems


def missing_readme_links(root: pathlib.Path) -> list[str]:
    """Series notebooks (NN-*.ipynb) without a Binder link in the README."""
    readme = root / "README.md"
    linked = set(
        re.findall(r"urlpath=lab/tree/" + repo_info.NOTEBOOK_DIR + r"/([^/?#&)\s]+\.ipynb)", readme.read_text())
    )
    return [
        f"README.md has no Binder link for {path.name}"
        for path in sorted((root / repo_info.NOTEBOOK_DIR).glob("*.ipynb"))
        if repo_info.NOTEBOOK_NAME.match(path.name) and path.name not in linked
    ]


# --- this repository ---------------------------------------------------------------------------


def test_binder_layout_follows_repo2docker_rules():
    assert layout_problems(ROOT) == []


def test_every_binder_link_opens_an_existing_notebook():
    assert link_problems(ROOT) == []


def test_readme_has_a_binder_link_per_notebook():
    assert missing_readme_links(ROOT) == []


def test_readme_has_a_binder_link():
    assert BINDER_LINK.search((ROOT / "README.md").read_text())


def test_binder_url_is_built_from_the_one_repository_setting():
    url = repo_info.binder_url("01-what-is-grad-log-pi.ipynb")
    assert url == (
        "https://mybinder.org/v2/gh/"
        + repo_info.GITHUB_REPO
        + "/HEAD?urlpath=lab/tree/notebooks/01-what-is-grad-log-pi.ipynb"
    )
    with pytest.raises(ValueError, match="notebook_name"):
        repo_info.binder_url("../setup.py")


# --- the checks can fail: broken copies --------------------------------------------------------


@pytest.fixture
def repo_copy(tmp_path):
    """A copy of the files the checks read, with symlinks kept as symlinks."""
    copy = tmp_path / "repo"
    copy.mkdir()
    for name in ("README.md", "environment.yml", "pyproject.toml", "requirements.txt"):
        shutil.copy2(ROOT / name, copy / name)
    shutil.copytree(ROOT / "binder", copy / "binder", symlinks=True)
    (copy / "notebooks").mkdir()
    for notebook in (ROOT / "notebooks").glob("*.ipynb"):
        shutil.copy2(notebook, copy / "notebooks" / notebook.name)
    if not (copy / "notebooks" / "01-what-is-grad-log-pi.ipynb").exists():
        (copy / "notebooks" / "01-what-is-grad-log-pi.ipynb").write_text(
            json.dumps({"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5})
        )
    return copy


def test_copy_starts_clean(repo_copy):
    assert layout_problems(repo_copy) == []
    assert link_problems(repo_copy) == []


def test_link_to_a_missing_notebook_fails(repo_copy):
    readme = repo_copy / "README.md"
    readme.write_text(readme.read_text() + "\n" + repo_info.binder_url("99-nowhere.ipynb") + "\n")
    assert any("99-nowhere.ipynb, which does not exist" in p for p in link_problems(repo_copy))


def test_link_opening_the_classic_interface_fails(repo_copy):
    readme = repo_copy / "README.md"
    readme.write_text(
        readme.read_text()
        + "\nhttps://mybinder.org/v2/gh/"
        + repo_info.GITHUB_REPO
        + "/HEAD?filepath=notebooks/01-x.ipynb\n"
    )
    assert any("filepath=" in p for p in link_problems(repo_copy))


def test_renamed_notebook_breaks_its_links(repo_copy):
    notebook = repo_copy / "notebooks" / "01-what-is-grad-log-pi.ipynb"
    notebook.rename(notebook.with_name("01-renamed.ipynb"))
    assert any("01-what-is-grad-log-pi.ipynb, which does not exist" in p for p in link_problems(repo_copy))
    assert "README.md has no Binder link for 01-renamed.ipynb" in missing_readme_links(repo_copy)


def test_copied_environment_file_fails(repo_copy):
    link = repo_copy / "binder" / "environment.yml"
    link.unlink()
    shutil.copy2(ROOT / "environment.yml", link)
    assert any("must be a symlink" in p for p in layout_problems(repo_copy))


def test_environment_without_python_pin_fails(repo_copy):
    environment = repo_copy / "environment.yml"
    environment.write_text(environment.read_text().replace("python=3.11", "python"))
    assert any("python=3.11" in p for p in layout_problems(repo_copy))


def test_postbuild_problems_are_found(repo_copy):
    postbuild = repo_copy / "binder" / "postBuild"
    postbuild.chmod(0o644)
    postbuild.write_text("echo hello\npip install numpy\n")
    problems = layout_problems(repo_copy)
    assert any("not executable" in p for p in problems)
    assert any("shebang" in p for p in problems)
    assert any("set -euo pipefail" in p for p in problems)
    assert any("does not pip-install the repository root" in p for p in problems)


def test_start_without_exec_fails(repo_copy):
    start = repo_copy / "binder" / "start"
    start.write_text("#!/bin/bash\nexport FOO=1\n")
    start.chmod(0o755)
    assert any('exec "$@"' in p for p in layout_problems(repo_copy))
    start.write_text('#!/bin/bash\nexport FOO=1\nexec "$@"\n')
    assert layout_problems(repo_copy) == []


def test_root_only_config_file_fails(repo_copy):
    (repo_copy / "apt.txt").write_text("graphviz\n")
    assert any("root apt.txt is ignored" in p for p in layout_problems(repo_copy))


def test_requirement_missing_from_environment_fails(repo_copy):
    requirements = repo_copy / "requirements.txt"
    requirements.write_text(requirements.read_text() + "scipy==1.16.0\n")
    assert any("'scipy'" in p for p in layout_problems(repo_copy))


def test_package_dependency_missing_from_environment_fails(repo_copy):
    environment = repo_copy / "environment.yml"
    environment.write_text(environment.read_text().replace("  - sympy=1.14.0\n", ""))
    assert any("'sympy'" in p for p in layout_problems(repo_copy))
