"""Shared tools of the hostile-input tests (tests/test_hostile_*.py).

* :func:`refuses`: the call raises TypeError or ValueError whose message names the argument, and
  does so fast: an alarm stops a call that runs past :data:`SECONDS` (a hang counts as a failure,
  not as a slow pass; the alarm is a guard, not a measurement).
* :func:`no_text_to_sympify`: a fixture that, for a whole test module, makes ``sympy.sympify``
  fail on a ``str`` passed by pgviz, and SymPy's string parser fail on any hostile text the tests
  pass (marked with :data:`CANARY`), so that any path by which text could reach SymPy's
  evaluator is caught, inside pgviz or inside SymPy.
* :data:`CARELESS_REALS`: values a careless or hostile caller passes where a real number belongs.
"""

from __future__ import annotations

import contextlib
import math
import signal
import sys

import numpy as np
import pytest
import sympy
import sympy.core.sympify
import sympy.parsing.sympy_parser as sympy_parser

#: A call that takes longer than this is treated as hanging.
SECONDS = 10

#: Things that are not a finite real number, each with the exception a real-valued argument gives.
CARELESS_REALS = [
    (float("nan"), ValueError),
    (float("inf"), ValueError),
    (-float("inf"), ValueError),
    (10**400, ValueError),
    (True, TypeError),
    ("1.5", TypeError),
    (None, TypeError),
    (1 + 2j, TypeError),
    ({}, TypeError),
    (np.float64("nan"), ValueError),
]


class Hang(Exception):
    """Raised by the alarm inside a call that ran past SECONDS."""


@contextlib.contextmanager
def time_limit(seconds: float = SECONDS):
    def on_alarm(signum, frame):
        raise Hang(f"the call ran for more than {seconds} s")

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def refuses(call, name: str, kind=(TypeError, ValueError)):
    """Assert ``call()`` raises ``kind`` with a message naming ``name``, within SECONDS; return it."""
    with time_limit(), pytest.raises(kind) as info:
        call()
    assert name in str(info.value), f"the message {str(info.value)!r} does not name {name!r}"
    return info.value


def finite(call):
    """Run ``call()`` within SECONDS and assert every number it returns is finite; return it."""
    with time_limit():
        result = call()
    values = np.asarray(result, dtype=float)
    assert np.all(np.isfinite(values)), f"not finite: {result!r}"
    return result


#: A token every hostile text in these tests carries: SymPy's parser must never see it.
CANARY = "pgviz_canary"


@pytest.fixture(scope="module")
def no_text_to_sympify():
    """For a whole module: ``sympy.sympify`` fails on any text it gets from pgviz's own code, and
    SymPy's string parser fails on any text that carries the :data:`CANARY` (the hostile strings
    the tests pass). SymPy's own constant strings (e.g. unit prefixes parsed on a lazy import)
    still parse."""
    original_sympify, original_parse = sympy.sympify, sympy_parser.parse_expr

    def guarded_sympify(value, *args, **kwargs):
        caller = sys._getframe(1).f_globals.get("__name__", "")
        if isinstance(value, str) and (caller.startswith("pgviz") or CANARY in value):
            raise AssertionError(f"text reached sympify from {caller}: {value!r}")
        return original_sympify(value, *args, **kwargs)

    def guarded_parse(text, *args, **kwargs):
        if CANARY in str(text):
            raise AssertionError(f"hostile text reached SymPy's parser: {text!r}")
        return original_parse(text, *args, **kwargs)

    sympy.sympify = sympy.core.sympify.sympify = guarded_sympify
    sympy_parser.parse_expr = guarded_parse
    try:
        yield
    finally:
        sympy.sympify = sympy.core.sympify.sympify = original_sympify
        sympy_parser.parse_expr = original_parse


def close(a, b, rtol: float = 1e-12) -> bool:
    """Equal to ``rtol`` (relative), or both within 1e-300 of zero."""
    return bool(np.all(np.isclose(a, b, rtol=rtol, atol=1e-300)))


def expit(z: float) -> float:
    """The logistic function 1/(1 + e^-z), written independently of pgviz (math, both signs)."""
    return 1 / (1 + math.exp(-z)) if z >= 0 else math.exp(z) / (1 + math.exp(z))
