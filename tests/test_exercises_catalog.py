"""Every exercise of pgviz.exercises: its reference solution passes, each known mistake is named.

Truths used: the reference solutions and the wrong variants of tests/exercise_solutions.py, written
by hand as a learner would write them (not the package's own computation of the variants), against
the exact answers pgviz computes (closed forms, enumeration, linear solves, sums over every
completion).
"""

from __future__ import annotations

import ast
import pathlib

import numpy as np
import pytest
from exercise_solutions import MISTAKES, SOLUTIONS

from pgviz import exercises
from pgviz.exercises.core import STATUSES

NAMES = list(exercises.EXERCISES)
CASES = [(name, key) for name in NAMES for key in MISTAKES[name]]
PACKAGE = pathlib.Path(exercises.__file__).parent


@pytest.mark.parametrize("name", NAMES)
def test_the_reference_solution_passes(name):
    result = exercises.check(name, SOLUTIONS[name], quiet=True)
    assert result.passed, result.message


@pytest.mark.parametrize(("name", "key"), CASES, ids=[f"{n}-{k}" for n, k in CASES])
def test_each_known_mistake_gets_its_message(name, key):
    result = exercises.check(name, MISTAKES[name][key], quiet=True)
    message = next(m.message for m in exercises.EXERCISES[name].mistakes if m.key == key)
    assert result.status == "mistake" and result.mistakes == (key,), result.message
    assert result.message == f"not yet: {message}"


@pytest.mark.parametrize("name", NAMES)
def test_every_mistake_the_checker_knows_has_a_written_wrong_variant(name):
    assert [m.key for m in exercises.EXERCISES[name].mistakes] == list(MISTAKES[name])


@pytest.mark.parametrize("name", NAMES)
def test_a_stub_and_an_exception(name):
    exercise = exercises.EXERCISES[name]

    def stub(*args):
        raise NotImplementedError

    def broken(*args):
        raise IndexError("index 7 is out of bounds for axis 0 with size 3")

    assert exercises.check(name, stub, quiet=True).message == f"not attempted yet: {exercise.hint}"
    error = exercises.check(name, broken, quiet=True)
    assert error.status == "error" and "\n" not in error.message
    assert error.message.startswith("not yet: your function raised IndexError: index 7 is out of bounds")
    assert error.message.endswith(f"Hint: {exercise.hint}")


@pytest.mark.parametrize("name", NAMES)
def test_the_mistakes_are_told_apart_on_the_inputs(name):
    """Each mistake differs from the answer, and from every other mistake, on at least one input."""
    exercise = exercises.EXERCISES[name]
    cases = exercise.cases()
    assert len(cases) >= 3

    def same(a, b, entries):
        a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
        if entries is not None:
            a, b = a[..., list(entries)], b[..., list(entries)]
        return a.shape == b.shape and np.allclose(a, b, rtol=exercise.rtol, atol=exercise.atol, equal_nan=True)

    for m in exercise.mistakes:
        assert not all(same(c.mistakes[m.key], c.answer, m.entries) for c in cases), m.key
        for other in exercise.mistakes:
            if other.key != m.key and m.entries == other.entries:
                assert not all(same(c.mistakes[m.key], c.mistakes[other.key], None) for c in cases), (m.key, other.key)
    for case in cases:
        assert np.all(np.isfinite(case.answer))


def test_an_unrecognised_error_reports_the_first_input():
    result = exercises.check("reward_to_go", lambda rewards, gamma: rewards * 0.0, quiet=True)
    assert result.status == "wrong" and result.message.startswith("not yet: on input 1 of 4 (rewards")
    assert set(r.status for r in [result]) <= set(STATUSES)


def test_two_mistakes_in_different_components_are_both_named():
    def both(f, mu, sigma, samples):
        d = samples - mu
        return np.mean(f(samples)[:, None] * np.stack([d / sigma, d**2 / sigma**3], axis=1), axis=0)

    assert exercises.check("score_function_estimate", both, quiet=True).mistakes == ("mu_sigma", "no_minus")


def test_two_to_four_exercises_per_notebook():
    for notebook in range(1, 9):
        assert 2 <= len(exercises.for_notebook(notebook)) <= 4


def test_the_exercises_import_nothing_from_plots_or_widgets():
    for path in PACKAGE.glob("*.py"):
        tree = ast.parse(path.read_text())
        modules = [n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)]
        modules += [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
        assert not [m for m in modules if m and m.startswith(("pgviz.plots", "pgviz.widgets"))], path.name
        assert len(path.read_text().splitlines()) <= 300, path.name


def test_the_solutions_are_not_importable_from_the_package():
    """The package names the solutions' file in a docstring but never imports it or defines a solution."""
    for path in PACKAGE.glob("*.py"):
        tree = ast.parse(path.read_text())
        imported = [n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)]
        imported += [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
        assert not [m for m in imported if m and "solution" in m], path.name
        defined = {n.name for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)}
        assert not defined & set(NAMES), path.name
