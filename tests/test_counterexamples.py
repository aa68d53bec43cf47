"""U(0, theta): the log-derivative trick fails when the support moves with theta.

Truths: E[x] = theta/2 has derivative 1/2 while E[x * score] = -1/2 (hand-derived); Leibniz's
boundary term f(theta)/theta makes up the difference; for f = cos x the true derivative equals a
central difference of E[cos x] = sin(theta)/theta computed without SymPy; seeded samples of the
score-function terms average to -1/2 and of the pathwise terms to 1/2 (5 SE).
"""

import numpy as np
import pytest
import sympy as sp

import pgviz
from pgviz.counterexamples import (
    moving_support,
    moving_support_pathwise_terms,
    moving_support_score_terms,
    theta,
)

x = pgviz.x


def test_linear_cost_half_against_minus_half():
    result = moving_support(x)
    assert result.true_derivative == sp.Rational(1, 2)
    assert result.score_form == sp.Rational(-1, 2)
    assert result.boundary_term == 1
    assert not result.trick_holds and result.leibniz_holds
    assert result.at(2.5) == {"true_derivative": 0.5, "score_form": -0.5, "boundary_term": 1.0}


def test_square_cost_symbolic_in_theta():
    result = moving_support(x**2)
    assert sp.simplify(result.true_derivative - 2 * theta / 3) == 0
    assert sp.simplify(result.score_form + theta / 3) == 0
    assert result.leibniz_holds and not result.trick_holds


def test_cosine_derivative_matches_a_finite_difference():
    t, h = 1.3, 1e-6
    expected = (np.sin(t + h) / (t + h) - np.sin(t - h) / (t - h)) / (2 * h)  # E[cos x] = sin(theta)/theta
    assert moving_support(sp.cos(x)).at(t)["true_derivative"] == pytest.approx(expected, abs=1e-8)


def test_constant_cost_the_trick_holds_only_when_the_boundary_term_vanishes():
    # f(theta) = 0 at the moving end: f = theta0 - x would need theta; f = x - x = 0 is trivial, so use
    # f = 1: boundary 1/theta, derivative of E[1] = 1 is 0, score form -1/theta.
    result = moving_support(sp.Integer(1))
    assert result.true_derivative == 0 and result.leibniz_holds and not result.trick_holds


def test_sampled_terms_average_to_the_two_different_numbers():
    n = 40_000
    score_terms = moving_support_score_terms(x, 1.0, n, np.random.default_rng(0))
    path_terms = moving_support_pathwise_terms(x, 1.0, n, np.random.default_rng(0))
    for terms, target in ((score_terms, -0.5), (path_terms, 0.5)):
        assert abs(terms.mean() - target) < 5 * terms.std(ddof=1) / np.sqrt(n)


@pytest.mark.parametrize(
    "call, error",
    [
        (lambda: moving_support("x"), TypeError),
        (lambda: moving_support(x + sp.Symbol("y")), ValueError),
        (lambda: moving_support_score_terms(x, 0.0, 10, np.random.default_rng(0)), ValueError),
        (lambda: moving_support_score_terms(x, 1.0, 0, np.random.default_rng(0)), ValueError),
        (lambda: moving_support_pathwise_terms(x, 1.0, 10, 0), TypeError),
        (lambda: moving_support(x).at(-1.0), ValueError),
    ],
)
def test_bad_arguments(call, error):
    with pytest.raises(error):
        call()
