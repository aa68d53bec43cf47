"""Notebook hygiene: what a reader and strict nbval rely on, checked on the committed files.

Each notebook was executed top to bottom in one fresh kernel (`make execute`), stores no error and
no machine path, tags its widget cells for nbval and shows a static figure before each widget,
starts by importing pgviz and making a seeded Generator, and stays within a size budget. (A
progress bar is a widget too, tagged like any other, but has no picture of its own to show first.)
"""

from __future__ import annotations

import json
import pathlib
import re

import nbformat
import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]-*.ipynb"))
SIZE_BUDGET_BYTES = 1_500_000
MACHINE_PATH = re.compile(r"(/work/|/tmp/|/root/|/home/\w+|/Users/\w+|[A-Z]:\\\\Users)")
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
IGNORE_TAG = "nbval-ignore-output"
PROGRESS_REPR = "HBox(children=(IntProgress("


def code_cells(nb):
    return [cell for cell in nb.cells if cell.cell_type == "code" and cell.source.strip()]


def tags(cell) -> list[str]:
    return cell.get("metadata", {}).get("tags", [])


def has_widget(cell) -> bool:
    return any(WIDGET_MIME in out.get("data", {}) for out in cell.get("outputs", []))


def is_progress_bar(out) -> bool:
    """pgviz.progress.Progress's bar: a widget with no picture of its own to show statically."""
    return out.get("data", {}).get("text/plain", "").startswith(PROGRESS_REPR)


def has_app(cell) -> bool:
    """A widget output that is an interactive figure (not only a progress bar)."""
    return any(WIDGET_MIME in out.get("data", {}) and not is_progress_bar(out) for out in cell.get("outputs", []))


def has_figure(cell) -> bool:
    return any("image/png" in out.get("data", {}) for out in cell.get("outputs", []))


def hygiene_problems(path: pathlib.Path) -> list[str]:
    """Every hygiene problem of one notebook file, as readable strings (empty when clean)."""
    problems = []
    if path.stat().st_size > SIZE_BUDGET_BYTES:
        problems.append(f"{path.stat().st_size} bytes, over the {SIZE_BUDGET_BYTES} budget")
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    cells = code_cells(nb)
    counts = [cell.execution_count for cell in cells]
    if counts != list(range(1, len(cells) + 1)):
        problems.append(f"execution counts {counts} are not 1..{len(cells)}: not one fresh top-to-bottom run")
    text = json.dumps(nb)
    if MACHINE_PATH.search(text):
        problems.append(f"holds a machine path: {MACHINE_PATH.search(text).group(0)!r}")
    if cells:
        first = cells[0].source
        if "import pgviz" not in first or not re.search(r"rng\s*=\s*np\.random\.default_rng\(\s*[^)\s]", first):
            problems.append("first code cell must import pgviz and make rng = np.random.default_rng(SEED)")
    previous_figure = False
    for number, cell in enumerate(cells, 1):
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                problems.append(f"code cell {number} stores an error: {out.get('ename')}")
            if out.get("output_type") == "stream" and out.get("name") == "stderr":
                problems.append(f"code cell {number} writes to stderr (a warning?)")
        if has_widget(cell):
            if IGNORE_TAG not in tags(cell):
                problems.append(f"code cell {number} shows a widget but is not tagged {IGNORE_TAG}")
            if has_app(cell) and not previous_figure:
                problems.append(f"code cell {number} shows a widget with no static figure before it")
        elif IGNORE_TAG in tags(cell) and "nbval-ignore-output:" not in cell.source:
            problems.append(f"code cell {number} ignores its output without a '# nbval-ignore-output: reason'")
        previous_figure = has_figure(cell) or (previous_figure and has_widget(cell))
    return problems


def test_there_are_notebooks():
    assert NOTEBOOKS, "no notebooks/NN-slug.ipynb found"
    assert NOTEBOOKS[0].name.startswith("00-") or NOTEBOOKS[0].name.startswith("01-")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_hygiene(path):
    assert hygiene_problems(path) == []


def test_hygiene_check_can_fail(tmp_path):
    """A notebook with a stored error, a machine path, an untagged widget and counts out of order."""
    nb = nbformat.v4.new_notebook()
    first = nbformat.v4.new_code_cell("print('no pgviz here')", execution_count=2)
    first.outputs = [nbformat.v4.new_output("stream", name="stdout", text="/tmp/x\n")]
    widget = nbformat.v4.new_code_cell("app", execution_count=1)
    widget.outputs = [
        nbformat.v4.new_output("display_data", data={WIDGET_MIME: {"model_id": "m"}, "text/plain": "VBox()"})
    ]
    progress = nbformat.v4.new_code_cell("curves = rl.reinforce_learning_curves(...)", execution_count=4)
    progress.outputs = [
        nbformat.v4.new_output(
            "display_data", data={WIDGET_MIME: {"model_id": "p"}, "text/plain": PROGRESS_REPR + "value=0))"}
        )
    ]
    broken = nbformat.v4.new_code_cell("1/0", execution_count=3)
    broken.outputs = [
        nbformat.v4.new_output("error", ename="ZeroDivisionError", evalue="division by zero", traceback=[])
    ]
    nb.cells = [first, widget, broken, progress]
    path = tmp_path / "99-broken.ipynb"
    nbformat.write(nb, path)
    listed = hygiene_problems(path)
    # a progress bar needs the tag but no static figure: it has no picture of its own
    assert "code cell 4 shows a widget but is not tagged nbval-ignore-output" in listed
    assert "code cell 4 shows a widget with no static figure before it" not in listed
    problems = "\n".join(listed)
    for expected in (
        "execution counts",
        "machine path",
        "first code cell",
        "stores an error",
        "not tagged nbval-ignore-output",
        "no static figure before it",
    ):
        assert expected in problems
