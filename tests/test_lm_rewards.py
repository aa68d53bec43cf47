"""pgviz.lm rewards: correctness read off the completion's text, DAPO's soft overlong punishment.

Truths checked: correctness equals a parse of each completion's label (digits that add up to the
prompt's number, ended by <eos>); the overlong penalty equals DAPO's piecewise formula at each
length; bad input is refused naming the argument.
"""

from __future__ import annotations

import numpy as np
import pytest

from pgviz import lm as L

MODEL = L.TinyLM(3, 4, prompts=(2, 4, 7), rng=np.random.default_rng(0))
SPACE = MODEL.enumerate()


def test_correctness_from_the_text():
    for label, target, reward in zip(SPACE.labels, SPACE.targets, L.correctness(SPACE)):
        words = label.split()
        right = words[-1] == "<eos>" and sum(int(w) for w in words[:-1]) == target
        assert reward == float(right), label


@pytest.mark.parametrize("cache_length", [1, 2, 4])
def test_soft_overlong_punishment_follows_dapo(cache_length):
    penalty = L.soft_overlong_punishment(SPACE, cache_length)
    for length, value in zip(SPACE.lengths, penalty):
        free = MODEL.max_length - cache_length
        expected = 0.0 if length <= free else (free - length) / cache_length
        assert value == pytest.approx(expected)
    assert penalty[SPACE.lengths == MODEL.max_length].min() == -1.0


def test_length_penalized_reward():
    np.testing.assert_allclose(L.length_penalized(SPACE, 0.1), L.correctness(SPACE) - 0.1 * SPACE.lengths)


@pytest.mark.parametrize(
    ("call", "error", "argument"),
    [
        (lambda: L.correctness(MODEL), TypeError, "space"),
        (lambda: L.soft_overlong_punishment(SPACE, 0), ValueError, "cache_length"),
        (lambda: L.soft_overlong_punishment(SPACE, 5), ValueError, "cache_length"),
        (lambda: L.length_penalized(SPACE, "0.1"), TypeError, "coefficient"),
    ],
)
def test_bad_input_names_the_argument(call, error, argument):
    with pytest.raises(error, match=argument):
        call()
