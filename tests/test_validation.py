"""pgviz.validation: each check returns the value in its checked form, or raises TypeError for the
wrong kind of value and ValueError for a value out of range, naming the argument and what is allowed."""

import numpy as np
import pytest

from pgviz.validation import (
    check_bool,
    check_choice,
    check_count,
    check_in_range,
    check_index,
    check_positive,
    check_real,
    check_real_array,
    check_rng,
)


@pytest.mark.parametrize(
    "call, expected",
    [
        (lambda: check_real(np.float32(1.5), "a"), 1.5),
        (lambda: check_real(3, "a"), 3.0),
        (lambda: check_positive(0.25, "a"), 0.25),
        (lambda: check_in_range(1.0, "a", 0.0, 1.0), 1.0),
        (lambda: check_count(np.int64(7), "a"), 7),
        (lambda: check_count(0, "a", minimum=0), 0),
        (lambda: check_index(2, "a", 3), 2),
        (lambda: check_bool(np.bool_(True), "a"), True),
        (lambda: check_choice("mean", "a", ("sum", "mean")), "mean"),
    ],
)
def test_accepted_values_come_back_checked(call, expected):
    value = call()
    assert value == expected and type(value) is type(expected)


@pytest.mark.parametrize(
    "call, error, message",
    [
        (lambda: check_real(True, "alpha"), TypeError, "alpha must be a real number"),
        (lambda: check_real("1", "alpha"), TypeError, "alpha must be a real number"),
        (lambda: check_real(1j, "alpha"), TypeError, "alpha must be a real number"),
        (lambda: check_real(float("nan"), "alpha"), ValueError, "alpha must be finite"),
        (lambda: check_real(10**400, "alpha"), ValueError, "beyond float range"),
        (lambda: check_positive(0.0, "sigma"), ValueError, r"sigma must be > 0"),
        (lambda: check_in_range(1.0, "p", 0.0, 1.0, high_open=True), ValueError, r"p must be in \[0, 1\)"),
        (lambda: check_in_range(0.0, "p", 0.0, 1.0, low_open=True), ValueError, r"p must be in \(0, 1\]"),
        (lambda: check_count(2.0, "n"), TypeError, "n must be an integer >= 1"),
        (lambda: check_count(True, "n"), TypeError, "n must be an integer >= 1"),
        (lambda: check_count(11, "n", 1, 10), ValueError, "n must be an integer >= 1 and <= 10"),
        (lambda: check_index(3, "k", 3), ValueError, r"k must be an integer index in \[0, 3\)"),
        (lambda: check_index(-1, "k", 3), ValueError, r"k must be an integer index in \[0, 3\)"),
        (lambda: check_bool(1, "flag"), TypeError, "flag must be True or False"),
        (lambda: check_choice(["sum"], "reduction", ("sum",)), ValueError, "reduction must be one of"),
        (lambda: check_choice("median", "reduction", ("sum",)), ValueError, "reduction must be one of"),
        (lambda: check_rng(np.random.RandomState(0)), TypeError, "rng must be a numpy.random.Generator"),
        (lambda: check_real_array("abc", "x"), TypeError, "x must be an array of real numbers"),
        (lambda: check_real_array([True, False], "x"), TypeError, "x must be an array of real numbers"),
        (lambda: check_real_array([1 + 2j], "x"), TypeError, "x must be an array of real numbers"),
        (lambda: check_real_array([[1.0], [2.0, 3.0]], "x"), TypeError, "x must be an array of real numbers"),
        (lambda: check_real_array([1.0, np.inf], "x"), ValueError, "x must contain only finite numbers"),
        (lambda: check_real_array([1.0, 2.0], "x", ndim=2), ValueError, "x must be a 2-d array"),
    ],
)
def test_refused_values_name_the_argument(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_real_arrays_are_float_and_copied_only_when_needed():
    floats = np.array([1.0, 2.0])
    assert check_real_array(floats, "x") is floats
    converted = check_real_array([1, 2**70], "x")  # Python ints beyond int64 become floats
    assert converted.dtype == float and converted[1] == 2.0**70
    assert np.isnan(check_real_array([np.nan], "x", finite=False)[0])
