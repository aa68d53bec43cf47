"""pgviz.exercises: exercises that check themselves and say which mistake was made (notebooks 01-08).

A learner writes a function in a notebook; ``exercises.check(name, function)`` calls it on seeded
inputs, compares its outputs with the exact answers pgviz computes (closed forms, enumeration,
finite differences) and prints one line: correct, the recognised mistake, or the first input where
it differs and by how much. Nothing is ever executed but the learner's own function.

Modules by concern, imports pointing one way: ``core`` (the checker) -> ``scores`` (notebook 01),
``estimators`` (02-03), ``trajectories`` (04), ``reinforce`` (05-06), ``groups`` (07), ``ppo`` (08).
They build on the math modules and the two wings; nothing here imports ``plots`` or ``widgets``.
"""

from __future__ import annotations

import numpy as np

from pgviz.exercises import estimators, groups, ppo, reinforce, scores, trajectories
from pgviz.exercises.core import STATUSES, Case, Exercise, Mistake, Result, check_exercise
from pgviz.validation import check_choice, check_count

__all__ = ["EXERCISES", "check", "hint", "for_notebook", "Exercise", "Mistake", "Case", "Result", "STATUSES"]

#: Every exercise by name (the name of the function the learner writes), in notebook order.
EXERCISES = {
    e.name: e for module in (scores, estimators, trajectories, reinforce, groups, ppo) for e in module.EXERCISES
}


def check(name: str, function, rng: np.random.Generator | None = None, quiet: bool = False) -> Result:
    """Check the learner's ``function`` for the exercise ``name`` (a key of :data:`EXERCISES`).

    Prints a one-line verdict (unless ``quiet``) and returns a :class:`Result` with ``.passed``,
    ``.status``, ``.message`` and ``.mistakes`` (the keys of the recognised mistakes). ``rng``:
    where the inputs come from (default: a Generator seeded by the exercise, so a notebook's
    output is the same on every run).
    """
    exercise = EXERCISES[check_choice(name, "name", tuple(EXERCISES))]
    return check_exercise(exercise, function, rng, quiet)


def hint(name: str) -> str:
    """The hint of the exercise ``name``."""
    return EXERCISES[check_choice(name, "name", tuple(EXERCISES))].hint


def for_notebook(notebook: int) -> list[Exercise]:
    """The exercises at the end of notebook ``notebook`` (1-8), in order."""
    notebook = check_count(notebook, "notebook", 1, 8)
    return [e for e in EXERCISES.values() if e.notebook == notebook]
