"""The REINFORCE loss on reparameterized samples, with and without a stop-gradient at the sample.

Truths: for a Gaussian, d/dtheta log pi(mu + sigma eps; mu, sigma) = (0, -1/sigma) (hand-derived;
the same is -grad of the entropy log sigma + log(2 pi e)/2); for an exponential, x = eps/lambda
gives d/dlambda log p(eps/lambda; lambda) = 1/lambda = d/dlambda E[log p]; with the stop-gradient
the mean is the exact policy gradient, without it (0, -E[r]/sigma); the sampled terms with the
stop-gradient are pgviz.score_function's on the same draws.
"""

import numpy as np
import pytest
import sympy as sp

import pgviz
from pgviz.surrogates import log_prob_derivatives_in_noise, surrogate_gradient, surrogate_gradient_terms

GAUSSIAN = pgviz.Gaussian(1.0, 0.7)
REWARD = pgviz.parse_cost("exp(-(x - 2)**2)")


def test_total_derivative_of_gaussian_log_density_at_the_sample():
    mu, sigma = GAUSSIAN.param_symbols
    total = log_prob_derivatives_in_noise(GAUSSIAN, stop_gradient=False)
    assert total[0] == 0 and sp.simplify(total[1] + 1 / sigma) == 0
    entropy = sp.log(sigma) + sp.log(2 * sp.pi * sp.E) / 2
    assert sp.simplify(total[1] + sp.diff(entropy, sigma)) == 0


def test_partial_derivative_is_the_score_in_noise():
    mu, sigma = GAUSSIAN.param_symbols
    eps = pgviz.eps
    partial = log_prob_derivatives_in_noise(GAUSSIAN, stop_gradient=True)
    assert sp.simplify(partial[0] - eps / sigma) == 0 and sp.simplify(partial[1] - (eps**2 - 1) / sigma) == 0


def test_exponential_total_derivative_is_the_gradient_of_expected_log_density():
    dist = pgviz.Exponential(2.0)
    (rate,) = dist.param_symbols
    assert sp.simplify(log_prob_derivatives_in_noise(dist, False)[0] - 1 / rate) == 0
    np.testing.assert_allclose(surrogate_gradient(sp.Integer(1), dist, False), [0.5], rtol=1e-12)


@pytest.mark.parametrize("reward", [REWARD, pgviz.parse_cost("-(x - 2)**2"), pgviz.parse_cost("cos(3*x)")])
def test_exact_means_with_and_without_the_stop_gradient(reward):
    np.testing.assert_allclose(
        surrogate_gradient(reward, GAUSSIAN, True), pgviz.exact_gradient(reward, GAUSSIAN), atol=1e-12
    )
    wrong = surrogate_gradient(reward, GAUSSIAN, False)
    expected = [0.0, -pgviz.exact_expectation(reward, GAUSSIAN) / 0.7]
    np.testing.assert_allclose(wrong, expected, atol=1e-12)


def test_sampled_terms():
    noise = GAUSSIAN.sample_noise(20_000, np.random.default_rng(7))
    right = surrogate_gradient_terms(REWARD, GAUSSIAN, noise, True)
    np.testing.assert_allclose(right, pgviz.score_function(REWARD, GAUSSIAN, 20_000, np.random.default_rng(7)))
    wrong = surrogate_gradient_terms(REWARD, GAUSSIAN, noise, False)
    assert np.all(wrong[:, 0] == 0)
    exact = surrogate_gradient(REWARD, GAUSSIAN, False)
    assert abs(wrong[:, 1].mean() - exact[1]) < 5 * wrong[:, 1].std(ddof=1) / np.sqrt(20_000)


@pytest.mark.parametrize(
    "call, error",
    [
        (lambda: log_prob_derivatives_in_noise(pgviz.Categorical([0.0, 1.0]), True), TypeError),
        (lambda: log_prob_derivatives_in_noise(GAUSSIAN, 1), TypeError),
        (lambda: surrogate_gradient_terms(REWARD, GAUSSIAN, "noise"), TypeError),
        (lambda: surrogate_gradient(lambda v: v, GAUSSIAN), TypeError),
    ],
)
def test_bad_arguments(call, error):
    with pytest.raises(error):
        call()
