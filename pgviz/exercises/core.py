"""The checker of the exercises: run the learner's function, compare with the exact answer, name the mistake.

An :class:`Exercise` builds its inputs from a seeded ``numpy.random.Generator`` (a list of
:class:`Case`); each case holds the arguments the learner's function is called with, the exact
answer computed by pgviz (a closed form, an enumeration, a finite difference) and what each known
wrong variant returns on the same arguments. :func:`check_exercise` calls the learner's function
on every case and returns a :class:`Result` whose message is one short line:

* ``"not attempted yet: <hint>"`` while the function still raises ``NotImplementedError``;
* ``"correct: ..."`` when every output matches the exact answer;
* ``"not yet: <the mistake>"`` when the outputs match a known wrong variant on every input (a
  mistake may concern some entries only, e.g. the d/dmu component: then several can be named);
* otherwise the first input where the output differs, with the expected value and by how much;
* an exception in the learner's function is one line with the exercise's hint, never a traceback.

The checker never executes text: it calls a function the learner defined. Notebooks 01-08 end
with these exercises; ``tests/exercise_solutions.py`` holds a reference solution and the known
mistakes written as code, outside the package.
"""

from __future__ import annotations

import copy
import inspect
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from pgviz.validation import check_callable, check_rng

__all__ = ["Case", "Mistake", "Exercise", "Result", "Named", "check_exercise", "STATUSES"]

#: What a :class:`Result` can say, in the order the checker decides it.
STATUSES = ("not attempted", "error", "not numbers", "shape", "correct", "mistake", "wrong")

MAX_MESSAGE = 160  # characters of a learner's exception message shown
MAX_SHOWN = 6  # entries of an array shown in full


@dataclass(frozen=True)
class Mistake:
    """A known wrong variant: ``message`` says what was done and what to do instead.

    ``entries``: the indices (along the last axis) the mistake concerns, or None for the whole
    output; a learner's output matches it when those entries equal the variant's on every input.
    """

    key: str
    message: str
    entries: tuple[int, ...] | None = None


@dataclass(frozen=True)
class Case:
    """One input: the learner's arguments (in the stub's order), the exact answer, and every
    known mistake's output on the same arguments (``mistakes``: key -> array)."""

    args: dict
    answer: np.ndarray
    mistakes: dict = field(default_factory=dict)


class Named:
    """A callable argument with a readable name, so a verdict can say which input it was."""

    def __init__(self, function: Callable, text: str):
        self._function, self._text = function, text

    def __call__(self, *args):
        return self._function(*args)

    def __repr__(self) -> str:
        return self._text


@dataclass(frozen=True)
class Exercise:
    """An exercise: the learner writes ``signature``; ``make_cases(rng)`` gives the seeded inputs.

    ``entry_names`` name the entries of the last axis of the answer (e.g. ("d/dmu", "d/dsigma")),
    for messages. Outputs match when ``np.allclose(output, answer, rtol, atol)``.
    """

    name: str
    notebook: int
    title: str
    signature: str
    hint: str
    make_cases: Callable
    mistakes: tuple[Mistake, ...] = ()
    seed: int = 0
    rtol: float = 1e-6
    atol: float = 1e-9
    entry_names: tuple[str, ...] | None = None

    def cases(self, rng: np.random.Generator | None = None) -> list[Case]:
        """The inputs, from ``rng`` (default: a Generator seeded with the exercise's seed)."""
        rng = np.random.default_rng(self.seed) if rng is None else check_rng(rng)
        return list(self.make_cases(rng))

    def check(self, function, rng: np.random.Generator | None = None, quiet: bool = False) -> Result:
        """:func:`check_exercise` on this exercise."""
        return check_exercise(self, function, rng, quiet)


@dataclass(frozen=True)
class Result:
    """A verdict: ``status`` (one of :data:`STATUSES`), the one-line ``message``, and the keys of
    the recognised mistakes (empty unless ``status == "mistake"``). ``passed`` is True when correct.

    A check prints its message; shown as a cell's value a Result adds nothing more
    (``print(result)`` shows the message again)."""

    exercise: str
    status: str
    message: str
    mistakes: tuple[str, ...] = ()

    @property
    def passed(self) -> bool:
        return self.status == "correct"

    def __str__(self) -> str:
        return self.message

    def _ipython_display_(self) -> None:  # the check already printed the message
        return None


def check_exercise(exercise: Exercise, function, rng: np.random.Generator | None = None, quiet: bool = False) -> Result:
    """Call ``function`` on every input of ``exercise`` and say whether, and how, it is wrong.

    ``function`` is the learner's own function (text is refused: nothing is ever executed but the
    function itself). ``rng``: where the inputs come from (default: seeded by the exercise).
    Prints the verdict unless ``quiet``; returns the :class:`Result`.
    """
    if not isinstance(exercise, Exercise):
        raise TypeError(f"exercise must be a pgviz.exercises Exercise, got {type(exercise).__name__}")
    check_callable(function, "function")
    cases = exercise.cases(rng)
    result = _verdict(exercise, function, cases)
    if not quiet:
        print(result.message)
    return result


def _verdict(exercise: Exercise, function, cases: list[Case]) -> Result:
    outputs = []
    for number, case in enumerate(cases, 1):
        where = f"input {number} of {len(cases)}: {describe(case.args)}"
        try:
            with warnings.catch_warnings(), np.errstate(all="ignore"):
                warnings.simplefilter("ignore")
                raw = function(*copy.deepcopy(list(case.args.values())))
        except NotImplementedError:
            return Result(exercise.name, "not attempted", f"not attempted yet: {exercise.hint}")
        except Exception as error:  # the learner's code: any exception becomes one line
            return Result(exercise.name, "error", _error_message(exercise, function, case, error, where))
        output, problem = _as_numbers(raw, case.answer)
        if problem:
            status = "shape" if problem.startswith("returned shape") else "not numbers"
            return Result(exercise.name, status, f"not yet: your function {problem} ({where}). Hint: {exercise.hint}")
        outputs.append(output)
    if all(_close(exercise, out, case.answer) for out, case in zip(outputs, cases)):
        return Result(exercise.name, "correct", f"correct: {exercise.title}, exact on all {len(cases)} inputs.")
    found = _recognised(exercise, outputs, cases)
    if found:
        text = " Also: ".join(mistake.message for mistake in found)
        return Result(exercise.name, "mistake", f"not yet: {text}", tuple(m.key for m in found))
    return Result(exercise.name, "wrong", _first_difference(exercise, outputs, cases))


def _error_message(exercise, function, case, error, where) -> str:
    try:  # a call that cannot even bind its arguments: say how the checker calls the function
        inspect.signature(function).bind(*case.args.values())
    except TypeError:
        return f"not yet: the checker calls {exercise.signature}, but your function takes {_parameters(function)}."
    except ValueError:  # a builtin without a signature
        pass
    text = " ".join(str(error).split())
    text = text if len(text) <= MAX_MESSAGE else text[: MAX_MESSAGE - 3] + "..."
    name = type(error).__name__
    return f"not yet: your function raised {name}{': ' + text if text else ''} ({where}). Hint: {exercise.hint}"


def _parameters(function) -> str:
    try:
        return f"({', '.join(inspect.signature(function).parameters)})"
    except (TypeError, ValueError):
        return "other arguments"


def _as_numbers(raw, answer: np.ndarray):
    """The output as a float array shaped like the answer, or (None, the problem in words)."""
    if raw is None:
        return None, "returned None: is a `return` statement missing?"
    try:
        output = np.asarray(raw, dtype=float)
    except (TypeError, ValueError):
        return None, f"returned {type(raw).__name__}, not numbers"
    if output.shape != answer.shape:
        if output.size == answer.size and np.squeeze(output).shape == np.squeeze(answer).shape:
            return output.reshape(answer.shape), ""
        return None, f"returned shape {output.shape} where the answer has shape {answer.shape}"
    return output, ""


def _close(exercise: Exercise, output, expected, entries=None) -> bool:
    if output.shape != np.shape(expected):
        return False
    if entries is not None:
        output, expected = output[..., list(entries)], np.asarray(expected)[..., list(entries)]
    return bool(np.allclose(output, expected, rtol=exercise.rtol, atol=exercise.atol, equal_nan=True))


def _recognised(exercise: Exercise, outputs, cases) -> list[Mistake]:
    """The known mistakes the outputs match on every input: one for the whole output, else those of
    some entries (each matching on its entries, while the output is not right on them)."""
    whole, partial = [], []
    for mistake in exercise.mistakes:
        variants = [case.mistakes[mistake.key] for case in cases]
        if not all(_close(exercise, out, v, mistake.entries) for out, v in zip(outputs, variants)):
            continue
        if mistake.entries is None:
            whole.append(mistake)
        elif not all(_close(exercise, out, c.answer, mistake.entries) for out, c in zip(outputs, cases)):
            partial.append(mistake)
    return whole[:1] or partial


def _first_difference(exercise: Exercise, outputs, cases) -> str:
    """The first input where the output is not the exact answer: both values and the largest gap."""
    number, output, case = next(
        (n, out, c) for n, (out, c) in enumerate(zip(outputs, cases), 1) if not _close(exercise, out, c.answer)
    )
    expected = np.asarray(case.answer, dtype=float)
    gap = np.abs(np.where(np.isfinite(output), output, np.inf) - expected)
    where, entry = f"on input {number} of {len(cases)} ({describe(case.args)})", ""
    if gap.ndim:
        index = np.unravel_index(int(np.argmax(gap)), gap.shape)
        entry = f" at entry [{', '.join(str(int(i)) for i in index)}]"
        if exercise.entry_names:  # the component by name: "in d/dmu", "at entry [3, 0] (d/dw0)"
            name = exercise.entry_names[index[-1]]
            entry = f" in {name}" if gap.ndim == 1 else f"{entry} ({name})"
        if gap.ndim > 1 or gap.size > MAX_SHOWN:  # a large array: show the entry that differs most
            output, expected, gap = output[index], expected[index], gap[index]
    return (
        f"not yet: {where} your function returned {numbers(output)} where the exact answer is {numbers(expected)} "
        f"(off by {float(np.max(gap)):.3g}{entry}). Hint: {exercise.hint}"
    )


def numbers(value) -> str:
    """A short, stable text of a number or a 1-d array (4 significant digits, at most 6 entries)."""
    array = np.asarray(value, dtype=float)
    if array.ndim == 0:
        return f"{float(array) + 0.0:.4g}"
    if array.ndim > 1:
        return f"an array of shape {array.shape}"
    shown = [f"{v + 0.0:.4g}" for v in array]
    if len(shown) > MAX_SHOWN:
        shown = shown[:3] + ["…"] + shown[-2:]
    return "[" + ", ".join(shown) + "]"


def describe(args: dict) -> str:
    """The arguments of one input in a few words: small values in full, large arrays by shape."""
    parts = []
    for name, value in args.items():
        if isinstance(value, Named):
            parts.append(repr(value))
        elif isinstance(value, (bool, np.bool_, int, np.integer)):
            parts.append(f"{name} = {value}")
        elif isinstance(value, (float, np.floating)):
            parts.append(f"{name} = {numbers(value)}")
        elif isinstance(value, np.ndarray) and (value.ndim > 1 or value.size > MAX_SHOWN):
            parts.append(f"{name}: array of shape {value.shape}")
        elif isinstance(value, np.ndarray):
            parts.append(f"{name} = {numbers(value)}")
        else:
            parts.append(f"{name} = {value!r}")
    return ", ".join(parts)
