"""A state-dependent Gaussian policy on a one-step continuous problem.

Truths: the chain rule (SymPy); the score against central differences of log_prob; for the
quadratic reward -(a - 2s)^2 with s ~ U(-1, 1) the closed form J = -(w0^2 + (w1 - 2)^2/3 + sigma^2)
and its gradient (-2 w0, -2(w1 - 2)/3, -2 sigma^2); for the bump exp(-(a - 2s)^2) the quadrature
gradient against central differences of the quadrature J and against SymPy's integral of the
closed-form inner expectation; the sampled -log pi * A terms within 5 SE of the exact gradient;
the deterministic policy gradient against central differences and as the sigma -> 0 limit.
"""

import numpy as np
import pytest
import sympy as sp

from pgviz.continuous import ContinuousBandit, LinearGaussianPolicy, action, policy_gradient_terms, state

BUMP = ContinuousBandit(sp.exp(-((action - 2 * state) ** 2)))
QUADRATIC = ContinuousBandit(-((action - 2 * state) ** 2))
POLICY = LinearGaussianPolicy(0.5, 0.5, np.log(0.8))


def test_chain_rule():
    assert POLICY.check_chain_rule()


def test_score_against_central_differences():
    s, a, h = np.array([0.3]), np.array([-0.4]), 1e-6
    theta = POLICY.param_vector
    for j in range(3):
        up, down = theta.copy(), theta.copy()
        up[j] += h
        down[j] -= h
        fd = (POLICY.with_params(up).log_prob(s, a) - POLICY.with_params(down).log_prob(s, a)) / (2 * h)
        assert POLICY.score(s, a)[0, j] == pytest.approx(fd[0], abs=1e-7)


def test_quadratic_reward_closed_form():
    w0, w1, sigma = 0.5, 0.5, 0.8
    assert QUADRATIC.exact_return(POLICY) == pytest.approx(-(w0**2 + (w1 - 2) ** 2 / 3 + sigma**2), abs=1e-12)
    expected = [-2 * w0, -2 * (w1 - 2) / 3, -2 * sigma**2]
    np.testing.assert_allclose(QUADRATIC.exact_gradient(POLICY), expected, atol=1e-12)


def test_bump_gradient_against_finite_differences_and_sympy():
    exact = BUMP.exact_gradient(POLICY)
    np.testing.assert_allclose(exact, BUMP.finite_difference_gradient(POLICY), atol=1e-8)
    s, w0, w1, c = sp.symbols("s w0 w1 c", real=True)
    var = 1 + 2 * sp.exp(2 * c)  # E_a exp(-(a - m)^2) = exp(-(mu - m)^2 / var) / sqrt(var), by hand
    inner = sp.exp(-((w0 + w1 * s - 2 * s) ** 2) / var) / sp.sqrt(var)
    nodes, weights = np.polynomial.legendre.leggauss(200)  # over s in [-1, 1], density 1/2
    for j, symbol in enumerate((w0, w1, c)):
        derivative = sp.lambdify((s, w0, w1, c), sp.diff(inner, symbol))
        assert weights @ derivative(nodes, 0.5, 0.5, np.log(0.8)) / 2 == pytest.approx(exact[j], abs=1e-12)


@pytest.mark.parametrize("weight", ["advantage", "reward"])
def test_sampled_loss_gradient_within_five_standard_errors(weight):
    n = 40_000
    terms = policy_gradient_terms(BUMP, POLICY, n, np.random.default_rng(11), weight)
    se = terms.std(0, ddof=1) / np.sqrt(n)
    assert np.all(np.abs(terms.mean(0) - BUMP.exact_gradient(POLICY)) < 5 * se)


def test_deterministic_policy_gradient():
    w, h = np.array([0.5, 0.5]), 1e-6
    dpg = BUMP.deterministic_policy_gradient(w)
    for j in range(2):
        up, down = w.copy(), w.copy()
        up[j] += h
        down[j] -= h
        fd = (BUMP.deterministic_return(up) - BUMP.deterministic_return(down)) / (2 * h)
        assert dpg[j] == pytest.approx(fd, abs=1e-8)
    np.testing.assert_allclose(BUMP.deterministic_finite_difference_gradient(w), dpg, atol=1e-8)
    narrow = LinearGaussianPolicy(0.5, 0.5, np.log(1e-3))
    np.testing.assert_allclose(BUMP.exact_gradient(narrow)[:2], dpg, atol=1e-5)


@pytest.mark.parametrize(
    "call, error",
    [
        (lambda: LinearGaussianPolicy("0", 0.0, 0.0), TypeError),
        (lambda: POLICY.with_params([0.0, 1.0]), ValueError),
        (lambda: POLICY.score([0.0, 1.0], [0.0]), ValueError),
        (lambda: ContinuousBandit("a"), TypeError),
        (lambda: ContinuousBandit(action * sp.Symbol("y")), ValueError),
        (lambda: ContinuousBandit(action, 1.0, -1.0), ValueError),
        (lambda: BUMP.exact_gradient("policy"), TypeError),
        (lambda: BUMP.deterministic_policy_gradient([0.0]), ValueError),
        (lambda: policy_gradient_terms(BUMP, POLICY, 10, np.random.default_rng(0), "return"), ValueError),
        (lambda: policy_gradient_terms(BUMP, POLICY, 0, np.random.default_rng(0)), ValueError),
        (lambda: policy_gradient_terms(BUMP, POLICY, 10, 0), TypeError),
    ],
)
def test_bad_arguments(call, error):
    with pytest.raises(error):
        call()
