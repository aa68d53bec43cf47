"""Every notebook 01-08 ends with its exercises, and what a reader sees there is what the tests check.

Truths checked on the committed files (ast and text, nothing from a notebook is executed): the
exercise section is the last before the generated navigation; each exercise of
``pgviz.exercises.for_notebook(n)`` has a statement, a stub cell defining the function with the
exercise's signature and raising NotImplementedError, a check cell whose stored output is
"not attempted yet: <hint>" (the stub's verdict, stable under nbval), and a collapsed solution
whose code is exactly the reference solution of tests/exercise_solutions.py, which the catalog
tests run against the checker.
"""

from __future__ import annotations

import ast
import pathlib
import re

import nbformat
import pytest

from pgviz import exercises

ROOT = pathlib.Path(__file__).resolve().parents[1]
NOTEBOOKS = {int(p.name[:2]): p for p in sorted((ROOT / "notebooks").glob("0[1-8]-*.ipynb"))}
SOLUTIONS_TEXT = (ROOT / "tests" / "exercise_solutions.py").read_text()
SOLUTIONS = {
    node.name: ast.get_source_segment(SOLUTIONS_TEXT, node)
    for node in ast.parse(SOLUTIONS_TEXT).body
    if isinstance(node, ast.FunctionDef)
}
DETAILS = re.compile(r"^<details><summary>Show a solution</summary>\n\n```python\n(.*)\n```\n\n</details>$", re.S)


def section(path: pathlib.Path) -> list:
    """The cells from the "## Exercises" heading to the generated navigation (excluded)."""
    cells = nbformat.read(path, as_version=4).cells
    starts = [i for i, c in enumerate(cells) if c.cell_type == "markdown" and c.source.startswith("## Exercises")]
    assert len(starts) == 1, f"{path.name}: one '## Exercises' section expected, found {len(starts)}"
    end = len(cells)
    while cells[end - 1].get("metadata", {}).get("pgviz", {}).get("generated") == "navigation":
        end -= 1
    return cells[starts[0] : end]


def parameters(signature: str) -> list[str]:
    return [p.strip() for p in signature[signature.index("(") + 1 : -1].split(",")]


def test_every_notebook_with_exercises_is_there():
    assert sorted(NOTEBOOKS) == list(range(1, 9))


@pytest.mark.parametrize("number", range(1, 9), ids=lambda n: f"notebook-{n:02d}")
def test_the_notebook_ends_with_its_exercises(number):
    cells = section(NOTEBOOKS[number])
    code = [c for c in cells if c.cell_type == "code"]
    assert code[0].source == "from pgviz import exercises"
    stubs = [c for c in code if "exercise-stub" in c.metadata.get("tags", [])]
    checks = [c for c in code if "exercise-check" in c.metadata.get("tags", [])]
    solutions = [c for c in cells if c.cell_type == "markdown" and c.source.startswith("<details>")]
    expected = exercises.for_notebook(number)
    assert len(stubs) == len(checks) == len(solutions) == len(expected)
    assert len(code) == 1 + 2 * len(expected)
    for exercise, stub, check, solution in zip(expected, stubs, checks, solutions):
        (function,) = ast.parse(stub.source).body
        assert isinstance(function, ast.FunctionDef) and function.name == exercise.name
        assert [a.arg for a in function.args.args] == parameters(exercise.signature)
        last = function.body[-1]
        assert isinstance(last, ast.Raise) and ast.unparse(last.exc) == "NotImplementedError"
        assert check.source == f'exercises.check("{exercise.name}", {exercise.name})'
        assert [o.get("text") for o in check.outputs] == [f"not attempted yet: {exercise.hint}\n"]
        shown = DETAILS.match(solution.source)
        assert shown, f"{exercise.name}: the solution is not a collapsed <details> block of Python"
        assert shown.group(1) == SOLUTIONS[exercise.name], f"{exercise.name}: the notebook shows another solution"


@pytest.mark.parametrize("number", range(1, 9), ids=lambda n: f"notebook-{n:02d}")
def test_only_exercise_stubs_define_functions(number):
    """No logic lives only in a notebook: a cell that defines a function is an exercise stub, on purpose
    (the learner's function is the exercise), and is tagged so."""
    for cell in nbformat.read(NOTEBOOKS[number], as_version=4).cells:
        if cell.cell_type != "code":
            continue
        body = ast.parse("\n".join(line for line in cell.source.splitlines() if not line.startswith("%"))).body
        if any(isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) for node in body):
            assert "exercise-stub" in cell.metadata.get("tags", []), cell.source.splitlines()[0]
