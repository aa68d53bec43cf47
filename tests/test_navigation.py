"""Generated navigation (tools/navigation.py): up to date here, and stale when the series changes.

The truth checked: the README contents, notebooks/00-index.ipynb and every notebook's prev/next
cells equal what the generator writes from the notebooks present now; adding, renaming or
retitling a notebook without running ``make nav`` makes them stale; regenerating touches only
the generated markdown cells (code cells, outputs and execution counts are the same objects, so
nbval sees the same notebook).
"""

from __future__ import annotations

import json
import pathlib
import re
import shutil
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))

import navigation  # noqa: E402
import repo_info  # noqa: E402

MARKDOWN_LINK = re.compile(r"\]\(([^)\s]+)\)")


def _notebook(title: str, code: str = "print(1)") -> dict:
    """A small executed notebook in nbformat 4.5 form."""
    return {
        "cells": [
            {"cell_type": "markdown", "id": "title", "metadata": {}, "source": [f"# {title}\n", "\n", "Text."]},
            {
                "cell_type": "code",
                "execution_count": 1,
                "id": "code",
                "metadata": {},
                "outputs": [{"name": "stdout", "output_type": "stream", "text": ["1\n"]}],
                "source": [code],
            },
        ],
        "metadata": {"kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def _write_notebook(path: pathlib.Path, notebook: dict) -> None:
    path.write_text(navigation.dumps_notebook(notebook), encoding="utf-8")


def _series_names(root: pathlib.Path) -> list[str]:
    return [entry.name for entry in navigation.series(root)]


@pytest.fixture
def repo_copy(tmp_path):
    """README and notebooks copied to tmp, topped up to three notebooks, navigation regenerated."""
    copy = tmp_path / "repo"
    (copy / "notebooks").mkdir(parents=True)
    shutil.copy2(ROOT / "README.md", copy / "README.md")
    for notebook in (ROOT / "notebooks").glob("*.ipynb"):
        shutil.copy2(notebook, copy / "notebooks" / notebook.name)
    for number in range(len(_series_names(copy)) + 1, 4):
        _write_notebook(
            copy / "notebooks" / f"{number:02d}-synthetic-{number}.ipynb", _notebook(f"Synthetic notebook {number}")
        )
    navigation.write(copy)
    assert navigation.stale_files(copy) == []
    return copy


def _relative(root: pathlib.Path, paths: list[pathlib.Path]) -> set[str]:
    return {path.relative_to(root).as_posix() for path in paths}


# --- this repository ---------------------------------------------------------------------------


def test_navigation_is_up_to_date():
    stale = [path.relative_to(ROOT).as_posix() for path in navigation.stale_files(ROOT)]
    assert stale == [], f"run `make nav`: {stale}"


def test_check_command_passes_on_this_tree():
    result = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "navigation.py"), "--check"], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr


# --- stale when the series changes -------------------------------------------------------------


def test_adding_a_notebook_without_regenerating_is_stale(repo_copy):
    names = _series_names(repo_copy)
    number = int(names[-1][:2]) + 1
    new = repo_copy / "notebooks" / f"{number:02d}-added-later.ipynb"
    _write_notebook(new, _notebook("Added later"))
    stale = _relative(repo_copy, navigation.stale_files(repo_copy))
    assert {
        "README.md",
        "notebooks/00-index.ipynb",
        f"notebooks/{new.name}",
        f"notebooks/{names[-1]}",
    } <= stale  # the previous last one gains a "next" link
    result = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "navigation.py"), "--check", "--root", str(repo_copy)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1
    assert f"stale: notebooks/{new.name}" in result.stdout
    navigation.write(repo_copy)
    assert navigation.stale_files(repo_copy) == []
    assert repo_info.binder_url(new.name) in (repo_copy / "README.md").read_text()


def test_renaming_a_notebook_without_regenerating_is_stale(repo_copy):
    names = _series_names(repo_copy)
    old = repo_copy / "notebooks" / names[1]
    renamed = old.with_name(names[1][:3] + "renamed.ipynb")
    old.rename(renamed)
    stale = _relative(repo_copy, navigation.stale_files(repo_copy))
    assert {
        "README.md",
        "notebooks/00-index.ipynb",
        f"notebooks/{names[0]}",
        f"notebooks/{renamed.name}",
        f"notebooks/{names[2]}",
    } <= stale


def test_retitling_a_notebook_without_regenerating_is_stale(repo_copy):
    names = _series_names(repo_copy)
    path = repo_copy / "notebooks" / names[0]
    notebook = json.loads(path.read_text())
    for cell in notebook["cells"]:
        if cell["cell_type"] == "markdown" and not navigation.is_generated(cell):
            source = "".join(cell["source"])
            cell["source"] = re.sub(r"(?m)^# .*$", "# A new title", source, count=1)
            break
    _write_notebook(path, notebook)
    assert "README.md" in _relative(repo_copy, navigation.stale_files(repo_copy))
    navigation.write(repo_copy)
    assert "A new title" in (repo_copy / "README.md").read_text()


def test_hand_edited_navigation_cell_is_stale(repo_copy):
    path = repo_copy / "notebooks" / _series_names(repo_copy)[0]
    path.write_text(path.read_text().replace("pgviz contents", "contents", 1))
    assert _relative(repo_copy, navigation.stale_files(repo_copy)) == {path.relative_to(repo_copy).as_posix()}


# --- what is generated --------------------------------------------------------------------------


def test_regenerating_changes_only_the_navigation_cells(repo_copy):
    path = repo_copy / "notebooks" / _series_names(repo_copy)[1]
    before = json.loads(path.read_text())
    before["cells"] = [cell for cell in before["cells"] if not navigation.is_generated(cell)]
    _write_notebook(path, before)  # navigation removed, as an author would commit it
    navigation.write(repo_copy)
    after = json.loads(path.read_text())
    assert [navigation.is_generated(cell) for cell in after["cells"]] == [True] + [False] * len(before["cells"]) + [
        True
    ]
    assert after["cells"][1:-1] == before["cells"]  # code, outputs, counts: unchanged
    assert all(cell["cell_type"] == "markdown" for cell in after["cells"] if navigation.is_generated(cell))
    assert navigation.write(repo_copy) == []  # idempotent: nothing left to write


def test_every_generated_link_resolves(repo_copy):
    names = _series_names(repo_copy)
    for name in [repo_info.INDEX_NAME, *names]:
        notebook = json.loads((repo_copy / "notebooks" / name).read_text())
        for cell in notebook["cells"]:
            if not navigation.is_generated(cell):
                continue
            for target in MARKDOWN_LINK.findall("".join(cell["source"])):
                if target.startswith("https://"):
                    assert target == repo_info.BINDER_BADGE or target in {
                        repo_info.binder_url(n) for n in [repo_info.INDEX_NAME, *names]
                    }, target
                else:
                    assert (repo_copy / "notebooks" / target).is_file(), (name, target)


def test_prev_next_follow_the_numbering(repo_copy):
    names = _series_names(repo_copy)
    for position, name in enumerate(names):
        notebook = json.loads((repo_copy / "notebooks" / name).read_text())
        top = "".join(notebook["cells"][0]["source"])
        bottom = "".join(notebook["cells"][-1]["source"])
        for cell_text in (top, bottom):
            links = [
                t for t in MARKDOWN_LINK.findall(cell_text) if t.endswith(".ipynb") and not t.startswith("https://")
            ]
            expected = ([names[position - 1]] if position > 0 else []) + (
                [names[position + 1]] if position + 1 < len(names) else []
            )
            assert [t for t in links if t != repo_info.INDEX_NAME] == expected
        assert repo_info.binder_url(name) in top


def test_index_notebook_is_markdown_only_and_lists_every_notebook(repo_copy):
    index = json.loads((repo_copy / "notebooks" / repo_info.INDEX_NAME).read_text())
    assert {cell["cell_type"] for cell in index["cells"]} == {"markdown"}
    text = "".join("".join(cell["source"]) for cell in index["cells"])
    for name in _series_names(repo_copy):
        assert f"]({name})" in text and repo_info.binder_url(name) in text


def test_notebook_without_a_title_is_an_error(repo_copy):
    notebook = _notebook("x")
    notebook["cells"][0]["source"] = ["No heading here.\n"]
    _write_notebook(repo_copy / "notebooks" / "09-untitled.ipynb", notebook)
    with pytest.raises(navigation.NavigationError, match="09-untitled.ipynb"):
        navigation.stale_files(repo_copy)


def test_readme_without_markers_is_an_error(repo_copy):
    readme = repo_copy / "README.md"
    readme.write_text(readme.read_text().replace(navigation.CONTENTS_END, ""))
    with pytest.raises(navigation.NavigationError, match="markers"):
        navigation.stale_files(repo_copy)


def test_number_in_the_title_is_not_repeated(repo_copy):
    number = int(_series_names(repo_copy)[-1][:2]) + 1
    name = f"{number:02d}-numbered.ipynb"
    _write_notebook(repo_copy / "notebooks" / name, _notebook(f"{number:02d} — Numbered title"))
    navigation.write(repo_copy)
    assert f"[{number:02d} · Numbered title]({name})" in (repo_copy / "notebooks" / repo_info.INDEX_NAME).read_text()
