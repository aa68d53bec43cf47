"""log p(x_t; theta) along one parameter: the score is the slope of the curve.

Truths: central differences of log_prob equal the SymPy score (Gaussian, softmax and unnormalized
exp-linear policies); the slice passes through log p at the current parameter; log-softmax is
concave in beta, so its tangent lies above it everywhere and touches it at the current beta.
"""

import numpy as np
import pytest

import pgviz
from pgviz.slices import finite_difference_score, log_prob_slice, tangent_slice

SOFTMAX = pgviz.ExpLinear(alpha=0.5, beta=-0.3, actions=[0.0, 1.0, 2.0])


@pytest.mark.parametrize(
    "dist, x_value",
    [(pgviz.Gaussian(1.0, 0.5), 1.7), (SOFTMAX, 2.0), (pgviz.ExpLinear(0.5, -0.3), 2.0), (pgviz.Exponential(2.0), 0.4)],
)
def test_finite_differences_equal_the_score(dist, x_value):
    np.testing.assert_allclose(finite_difference_score(dist, x_value), dist.score([x_value])[0], atol=1e-8)


def test_unnormalized_score_is_one_and_a():
    np.testing.assert_allclose(finite_difference_score(pgviz.ExpLinear(0.5, -0.3), 2.0), [1.0, 2.0], atol=1e-8)


def test_slice_passes_through_log_p_and_its_slope_is_the_score():
    values = np.linspace(-0.31, -0.29, 3)
    curve = log_prob_slice(SOFTMAX, 2.0, "beta", values)
    assert curve[1] == pytest.approx(SOFTMAX.log_prob([2.0])[0])
    assert (curve[2] - curve[0]) / 0.02 == pytest.approx(SOFTMAX.score([2.0])[0, 1], abs=1e-4)


def test_tangent_lies_above_the_concave_log_softmax():
    values = np.linspace(-3, 3, 61)
    curve = log_prob_slice(SOFTMAX, 2.0, 1, values)
    tangent = tangent_slice(SOFTMAX, 2.0, 1, values)
    assert np.all(tangent >= curve - 1e-12)
    assert np.min(tangent - curve) == pytest.approx(0.0, abs=1e-12)


@pytest.mark.parametrize(
    "call, error",
    [
        (lambda: log_prob_slice("gaussian", 1.0, 0, [0.0]), TypeError),
        (lambda: log_prob_slice(SOFTMAX, 5.0, 0, [0.0]), ValueError),
        (lambda: log_prob_slice(SOFTMAX, 2.0, "gamma", [0.0]), ValueError),
        (lambda: log_prob_slice(SOFTMAX, 2.0, 2, [0.0]), ValueError),
        (lambda: tangent_slice(SOFTMAX, 2.0, 1, "abc"), TypeError),
        (lambda: finite_difference_score(SOFTMAX, 2.0, step=0.0), ValueError),
    ],
)
def test_bad_arguments(call, error):
    with pytest.raises(error):
        call()
