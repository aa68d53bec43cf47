"""The checker of pgviz.exercises on a toy exercise whose answer is known by construction.

Truths used: the toy's exact answer is 2·x on the seeded inputs, its two known mistakes are −2·x
(whole output) and x in entry 1 only; every verdict is one line, and the same on every run.
"""

from __future__ import annotations

import numpy as np
import pytest

from pgviz import exercises
from pgviz.exercises.core import Case, Exercise, Mistake, check_exercise, describe, numbers
from pgviz.validation import check_callable


def _toy_cases(rng):
    cases = []
    for size in (3, 4):
        values = np.round(rng.normal(size=size), 3)
        answer = 2 * values
        cases.append(
            Case({"values": values, "scale": 2.0}, answer, {"sign": -answer, "half": np.r_[answer[0], values[1:]]})
        )
    return cases


TOY = Exercise(
    name="double",
    notebook=1,
    title="doubling",
    signature="double(values, scale)",
    hint="multiply every value by scale.",
    make_cases=_toy_cases,
    mistakes=(Mistake("sign", "the sign is flipped."), Mistake("half", "entries 1 and on are not doubled.", (1, 2))),
    seed=5,
)


def check(function):
    return check_exercise(TOY, function, quiet=True)


def test_correct():
    result = check(lambda values, scale: scale * values)
    assert result.passed and result.status == "correct"
    assert result.message == "correct: doubling, exact on all 2 inputs."


def test_a_stub_is_not_attempted_and_the_message_is_the_hint(capsys):
    def double(values, scale):
        raise NotImplementedError

    result = check_exercise(TOY, double)
    assert capsys.readouterr().out == "not attempted yet: multiply every value by scale.\n"
    assert result.status == "not attempted" and not result.passed


def test_a_whole_output_mistake_is_named():
    result = check(lambda values, scale: -scale * values)
    assert result.status == "mistake" and result.mistakes == ("sign",)
    assert result.message == "not yet: the sign is flipped."


def test_a_mistake_of_some_entries_is_named_while_the_others_are_right():
    result = check(lambda values, scale: np.r_[scale * values[0], values[1:]])
    assert result.mistakes == ("half",)


def test_an_unknown_error_gives_the_first_input_that_differs_and_by_how_much():
    result = check(lambda values, scale: scale * values + np.r_[0.0, 0.0, 0.5, np.zeros(values.size - 3)])
    assert result.status == "wrong"
    first = TOY.cases()[0]
    assert "on input 1 of 2" in result.message
    assert f"values = {numbers(first.args['values'])}" in result.message
    assert "off by 0.5 at entry [2]" in result.message
    assert result.message.endswith("Hint: multiply every value by scale.")


def test_an_exception_is_one_line_with_the_hint():
    result = check(lambda values, scale: {}["missing key"])
    assert result.status == "error" and "\n" not in result.message
    assert result.message.startswith("not yet: your function raised KeyError: 'missing key' (input 1 of 2:")
    assert result.message.endswith("Hint: multiply every value by scale.")

    def long_error(values, scale):
        raise ValueError("x" * 500 + "\nsecond line")

    long = check(long_error)
    assert "\n" not in long.message and "xxx..." in long.message and len(long.message) < 400


def test_a_wrong_signature_says_how_the_checker_calls():
    result = check(lambda values: values)
    assert result.status == "error"
    assert result.message == "not yet: the checker calls double(values, scale), but your function takes (values)."


@pytest.mark.parametrize(
    ("returned", "status", "words"),
    [
        (None, "not numbers", "returned None: is a `return` statement missing?"),
        ("text", "not numbers", "returned str, not numbers"),
        (np.zeros(7), "shape", "returned shape (7,) where the answer has shape (3,)"),
    ],
)
def test_outputs_that_are_not_the_answer_shape(returned, status, words):
    result = check(lambda values, scale: returned)
    assert result.status == status and words in result.message and "Hint:" in result.message


def test_a_column_vector_of_the_right_size_is_accepted():
    assert check(lambda values, scale: (scale * values)[:, None]).passed


def test_inputs_are_copies_so_a_function_that_mutates_them_changes_nothing():
    def double(values, scale):
        values *= scale
        return values

    assert check(double).passed and check(double).passed
    assert np.all(TOY.cases()[0].args["values"] == np.round(np.random.default_rng(5).normal(size=3), 3))


def test_warnings_are_silenced_and_nan_is_reported_as_a_difference(recwarn):
    result = check(lambda values, scale: np.log(-np.abs(values)))
    assert result.status == "wrong" and "nan" in result.message and not recwarn.list


def test_verdicts_are_the_same_on_every_run_and_another_rng_gives_other_inputs():
    wrong = lambda values, scale: values + 1.0  # noqa: E731
    assert check(wrong).message == check(wrong).message
    other = check_exercise(TOY, wrong, np.random.default_rng(99), quiet=True)
    assert other.message != check(wrong).message


def test_text_is_refused_never_executed():
    with pytest.raises(TypeError, match="function must be a function you defined"):
        check("def double(values, scale): return 2 * values")
    with pytest.raises(TypeError, match="function must be"):
        exercises.check("bernoulli_score", b"lambda: 0")
    with pytest.raises(TypeError, match="function must be"):
        check(int)  # a class is not the learner's function
    with pytest.raises(TypeError, match="exercise must be"):
        check_exercise("double", lambda values, scale: values)


def test_bad_names_and_rngs_are_refused_by_name():
    with pytest.raises(ValueError, match="name must be one of"):
        exercises.check("no_such_exercise", lambda: 0)
    with pytest.raises(TypeError, match="rng must be a numpy.random.Generator"):
        exercises.check("bernoulli_score", lambda logit, actions: actions, rng=0)
    with pytest.raises(ValueError, match="notebook must be"):
        exercises.for_notebook(9)
    assert check_callable(len, "f") is len


def test_a_result_shows_nothing_more_as_a_cell_value():
    result = check(lambda values, scale: scale * values)
    assert result._ipython_display_() is None and str(result) == result.message


def test_describe_keeps_large_arrays_short():
    text = describe({"x": np.arange(100.0), "k": 3, "sigma": 0.5, "small": np.array([1.0, -0.0])})
    assert text == "x: array of shape (100,), k = 3, sigma = 0.5, small = [1, 0]"
