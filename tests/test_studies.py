"""pgviz.studies: exact single-sample variances against closed forms, and the Monte Carlo studies'
numbers against those exact values.

Truths used: the variances of the (x - k)^2 cost derived by hand (test_exact_variance_square_closed_forms);
exact enumeration over finite supports; and, for the sampled studies, the exact mean, variance and
fourth central moment of one term (tests/exact_moments.py, by exact expectations), from which the
standard error of every Monte Carlo quantity follows. Each statistical check is within 5 of those SEs.
"""

import numpy as np
import pytest
import sympy as sp
from exact_moments import exact_term_moments, mean_moments, sample_variance_se

import pgviz
from pgviz.costs import COSTS, cost, k
from pgviz.estimators import ESTIMATORS, pathwise, score_function
from pgviz.expectations import exact_gradient
from pgviz.studies import (
    exact_variance,
    exact_variance_curve,
    repeated_estimates,
    rms_error_vs_n,
    sampled_variances,
    variance_study,
)

x = pgviz.x
K_VALUES = {"square": 1.5, "bump": 0.7, "cosine": 2.0, "step": 0.3, "abs": -0.4}
NUM = 200_000


# --------------------------------------------------------------------------- exact variances
@pytest.mark.parametrize("mu, sigma, k_value", [(1.0, 1.0, 1.0), (0.5, 2.0, -1.0), (-1.0, 0.7, 2.5)])
def test_exact_variance_square_closed_forms(mu, sigma, k_value):
    """Single-sample variances for f = (x - k)^2 under N(mu, sigma^2), derived by hand.

    Write x = mu + sigma*eps, d = mu - k, so f = d^2 + 2 d sigma eps + sigma^2 eps^2; scores
    s_mu = eps/sigma, s_sigma = (eps^2 - 1)/sigma; gradient (2d, 2 sigma). With a constant b and
    c = d^2 - b, the even part of (f - b)^2 is c^2 + (4 d^2 sigma^2 + 2 c sigma^2) eps^2 + sigma^4 eps^4,
    and E[eps^2, eps^4, eps^6, eps^8] = 1, 3, 15, 105, so
      Var_mu(b)    = c^2/sigma^2 + 6c + 8 d^2 + 15 sigma^2         (b = 0: d^4/sigma^2 + 14 d^2 + 15 sigma^2)
      Var_sigma(b) = 2c^2/sigma^2 + 20c + 40 d^2 + 74 sigma^2      (b = 0: 2d^4/sigma^2 + 60 d^2 + 74 sigma^2)
    (using E[(eps^2-1)^2] = 2, E[eps^2 (eps^2-1)^2] = 10, E[eps^4 (eps^2-1)^2] = 78).
    Minimizing over c: c = -3 sigma^2 for mu, -5 sigma^2 for sigma, so b* = (d^2 + 3 sigma^2, d^2 + 5 sigma^2)
    and Var* = (8 d^2 + 6 sigma^2, 40 d^2 + 24 sigma^2).
    Pathwise: f' = 2(d + sigma eps), dx/dmu = 1, dx/dsigma = eps: Var = (4 sigma^2, 4 d^2 + 8 sigma^2).
    """
    f = cost("square", k_value)
    dist = pgviz.Gaussian(mu, sigma)
    d, s2 = mu - k_value, sigma**2

    def var_b(b):
        c = d**2 - b
        return [c**2 / s2 + 6 * c + 8 * d**2 + 15 * s2, 2 * c**2 / s2 + 20 * c + 40 * d**2 + 74 * s2]

    optimal = [8 * d**2 + 6 * s2, 40 * d**2 + 24 * s2]
    np.testing.assert_allclose(exact_gradient(f, dist), [2 * d, 2 * sigma], rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(exact_variance(f, dist), var_b(0.0), rtol=1e-12)
    np.testing.assert_allclose(exact_variance(f, dist, baseline=1.7), var_b(1.7), rtol=1e-12)
    np.testing.assert_allclose(exact_variance(f, dist, baseline="optimal"), optimal, rtol=1e-12)
    np.testing.assert_allclose(exact_variance(f, dist, "score_function_baseline"), optimal, rtol=1e-12)
    np.testing.assert_allclose(exact_variance(f, dist, "pathwise"), [4 * s2, 4 * d**2 + 8 * s2], rtol=1e-12)
    # The quadrature rule gives the same numbers as the exact moments.
    np.testing.assert_allclose(exact_variance(f, dist, baseline="optimal", method="quadrature"), optimal, rtol=1e-9)


def test_exact_variance_by_enumeration():
    """Finite supports: Var[(f - b) s_j] = sum_k p_k (f_k - b)^2 s_kj^2 - (sum_k p_k f_k s_kj)^2, with
    s = x - p (Bernoulli) and s_kj = delta_kj - p_j (Categorical); on two points the optimal baseline
    leaves no variance."""
    p = 1 / (1 + np.exp(-0.4))
    f = (x - 3) ** 2  # f(0) = 9, f(1) = 4
    bernoulli = pgviz.Bernoulli(0.4)
    expected = (1 - p) * 81 * p**2 + p * 16 * (1 - p) ** 2 - ((4 - 9) * p * (1 - p)) ** 2
    np.testing.assert_allclose(exact_variance(f, bernoulli), [expected], rtol=1e-12)
    np.testing.assert_allclose(exact_variance(f, bernoulli, baseline="optimal"), [0.0], atol=1e-12)
    logits = np.array([0.0, 0.5, 1.0])
    probabilities = np.exp(logits) / np.exp(logits).sum()
    f_values = (np.arange(3) - 2.0) ** 2
    scores = np.eye(3) - probabilities  # [K, P]
    for b in (0.0, 1.0):
        second = probabilities @ ((f_values - b)[:, None] ** 2 * scores**2)
        gradient = probabilities @ (f_values[:, None] * scores)
        np.testing.assert_allclose(
            exact_variance((x - 2) ** 2, pgviz.Categorical(logits), baseline=b), second - gradient**2, rtol=1e-12
        )


@pytest.mark.parametrize("mu, sigma", [(0.0, 1.0), (1.0, 0.5)])
def test_pathwise_variance_of_a_step_is_that_of_the_all_zero_estimator(mu, sigma):
    np.testing.assert_array_equal(exact_variance(cost("step", 0.3), pgviz.Gaussian(mu, sigma), "pathwise"), [0, 0])


def _variance_se(terms):
    """Standard error of the sample variance: sqrt((m4 - var^2) / N), m4 the 4th central moment."""
    centred = terms - terms.mean(0)
    return np.sqrt(((centred**4).mean(0) - centred.var(0) ** 2) / terms.shape[0])


@pytest.mark.parametrize("name", sorted(K_VALUES))
def test_sampled_variances_match_exact_variance(name):
    """terms.var(0) within 5 standard errors (from the terms' fourth moment) of exact_variance."""
    f = cost(name, K_VALUES[name])
    dist = pgviz.Gaussian(0.5, 1.2)
    cases = [("score_function", None), ("score_function", "optimal"), ("score_function", -1.0)]
    if name != "step":
        cases.append(("pathwise", None))
    for estimator, baseline in cases:
        rng = np.random.default_rng(11)
        terms = (
            pathwise(f, dist, NUM, rng)
            if estimator == "pathwise"
            else score_function(f, dist, NUM, rng, baseline=baseline)
        )
        exact = exact_variance(f, dist, estimator, baseline)
        assert np.all(np.abs(terms.var(0) - exact) <= 5 * _variance_se(terms)), (estimator, baseline)


def test_exact_variance_of_a_callable_cost_matches_its_sympy_form():
    f, dist = cost("cosine", 2.0), pgviz.Gaussian(0.3, 0.8)
    np.testing.assert_allclose(
        exact_variance(lambda v: np.cos(2.0 * v), dist, baseline="optimal"),
        exact_variance(f, dist, baseline="optimal"),
        rtol=1e-9,
    )


# --------------------------------------------------------------------------- variance curves
def test_variance_curves_match_exact_variance_per_k():
    """exact_variance_curve (k as an argument) equals exact_variance at each k, for every estimator."""
    dist = pgviz.Gaussian(1.0, 1.0)
    k_values = [0.2, 1.0, 4.0]
    for name in ("square", "bump", "cosine"):
        for study, (estimator, baseline) in {
            "score_function": ("score_function", None),
            "score_function_baseline": ("score_function", "optimal"),
            "pathwise": ("pathwise", None),
        }.items():
            curve = exact_variance_curve(COSTS[name][0], k, k_values, dist, study)
            for row, k_value in zip(curve, k_values):
                np.testing.assert_allclose(
                    row, exact_variance(cost(name, k_value), dist, estimator, baseline), rtol=1e-9, atol=1e-13
                )


def test_sampled_pathwise_variance_of_the_square_cost_is_the_closed_form():
    """Pathwise (x - 0)^2 under N(1, 1): Var = (4 sigma^2, 4 d^2 + 8 sigma^2) = (4, 12), within 5 exact SEs."""
    num_samples = 50_000
    sampled = sampled_variances(
        COSTS["square"][0], k, [0.0], pgviz.Gaussian(1.0, 1.0), num_samples, np.random.default_rng(0), "pathwise"
    )
    variance, fourth = exact_term_moments(cost("square", 0.0), pgviz.Gaussian(1.0, 1.0), "pathwise")
    np.testing.assert_allclose(variance, [4.0, 12.0], rtol=1e-12)
    assert np.all(np.abs(sampled[0] - [4.0, 12.0]) <= 5 * sample_variance_se(variance, fourth, num_samples))


def test_variance_study_samples_lie_on_its_exact_curves():
    """variance_study: the exact curves are exact_variance_curve on the grid; the sampled variances,
    at k spread over the grid from its first to its last point, within 5 exact SEs of the curves there."""
    dist, family = pgviz.Gaussian(1.0, 1.0), COSTS["square"][0]
    k_values = np.linspace(-1.0, 2.0, 7)
    num_samples = 20_000
    exact, sampled = variance_study(
        family, k, k_values, dist, np.random.default_rng(1), num_sampled=3, num_samples=num_samples
    )
    assert set(exact) == set(sampled) == set(ESTIMATORS)
    for name in ESTIMATORS:
        np.testing.assert_allclose(exact[name], exact_variance_curve(family, k, k_values, dist, name), rtol=1e-12)
        picks, variances = sampled[name]
        np.testing.assert_array_equal(picks, [-1.0, 0.5, 2.0])
        for pick, row in zip(picks, variances):
            variance, fourth = exact_term_moments(family.subs(k, pick), dist, name)
            np.testing.assert_allclose(exact[name][k_values == pick][0], variance, rtol=1e-9)
            se = sample_variance_se(variance, fourth, num_samples)
            assert np.all(np.abs(row - variance) <= 5 * se), (name, pick, row, variance, se)


# --------------------------------------------------------------------------- repeated estimates
F_STUDY, DIST_STUDY = cost("square", 1.5), pgviz.Gaussian(0.5, 1.2)


@pytest.mark.parametrize("estimator", sorted(ESTIMATORS))
def test_repeated_estimates_are_unbiased_with_variance_over_n(estimator):
    """R independent N-sample estimates: their mean within 5 SE (sqrt(Var / (N R)), exact) of the exact
    gradient, their sample variance within 5 SE of Var / N (SE from the mean's exact fourth moment)."""
    num_samples, num_repeats = 20, 2_000
    estimates = repeated_estimates(F_STUDY, DIST_STUDY, num_samples, num_repeats, np.random.default_rng(2), estimator)
    assert estimates.shape == (num_repeats, 2)
    variance, fourth = exact_term_moments(F_STUDY, DIST_STUDY, estimator)
    np.testing.assert_allclose(variance, exact_variance(F_STUDY, DIST_STUDY, estimator), rtol=1e-9)
    exact = exact_gradient(F_STUDY, DIST_STUDY)
    assert np.all(np.abs(estimates.mean(0) - exact) <= 5 * np.sqrt(variance / (num_samples * num_repeats)))
    mean_variance, mean_fourth = mean_moments(variance, fourth, num_samples)
    spread_se = sample_variance_se(mean_variance, mean_fourth, num_repeats)
    assert np.all(np.abs(estimates.var(0, ddof=1) - mean_variance) <= 5 * spread_se)


@pytest.mark.parametrize("estimator", ["score_function", "pathwise"])
def test_rms_error_is_sqrt_of_variance_over_n(estimator):
    """RMS error over R repeats: its square, the mean of R squared errors e^2 (E[e^2] = Var/N,
    Var[e^2] = mu_4(mean) - (Var/N)^2 exactly), within 5 SE of Var/N at every N - slope -1/2."""
    n_values, num_repeats = np.array([4, 32, 256]), 1_000
    rms = rms_error_vs_n(F_STUDY, DIST_STUDY, n_values, num_repeats, np.random.default_rng(3), estimator)
    assert rms.shape == (3, 2)
    variance, fourth = exact_term_moments(F_STUDY, DIST_STUDY, estimator)
    for row, n in zip(rms, n_values):
        mean_variance, mean_fourth = mean_moments(variance, fourth, n)
        se = np.sqrt((mean_fourth - mean_variance**2) / num_repeats)
        assert np.all(np.abs(row**2 - mean_variance) <= 5 * se), (n, row**2, mean_variance, se)


def test_study_argument_validation():
    dist, rng = pgviz.Gaussian(), np.random.default_rng(0)
    with pytest.raises(ValueError, match="estimator"):
        repeated_estimates(x, dist, 10, 10, rng, estimator="magic")
    with pytest.raises(ValueError, match="num_samples"):
        repeated_estimates(x, dist, 0, 10, rng)
    with pytest.raises(TypeError, match="n_values"):
        rms_error_vs_n(x, dist, [10.5], 10, rng)
    with pytest.raises(TypeError, match="rng"):
        rms_error_vs_n(x, dist, [10], 10, 0)
    with pytest.raises(TypeError, match="k_symbol"):
        exact_variance_curve(COSTS["square"][0], "k", [1.0], dist)
    with pytest.raises(ValueError, match="smooth"):
        exact_variance_curve(COSTS["step"][0], k, [1.0], dist)
    with pytest.raises(TypeError, match="reparameterization"):
        exact_variance_curve(COSTS["square"][0], k, [1.0], pgviz.Bernoulli(0.0))
    with pytest.raises(ValueError, match="f must"):
        sampled_variances(x + sp.Symbol("y"), k, [1.0], dist, 10, rng)
    with pytest.raises(ValueError, match="num_sampled"):
        variance_study(COSTS["square"][0], k, [1.0], dist, rng, num_sampled=0)
    with pytest.raises(ValueError, match="estimator"):
        exact_variance(x, dist, estimator="reinforce")
    with pytest.raises(ValueError, match="baseline"):
        exact_variance(x, dist, estimator="pathwise", baseline=1.0)
    with pytest.raises(ValueError, match="leave baseline=None"):
        exact_variance(x, dist, estimator="score_function_baseline", baseline=1.0)
    for dist in (pgviz.Bernoulli(0.0), pgviz.Categorical([0.0, 1.0, 2.0])):
        with pytest.raises(TypeError, match="reparameterization"):
            exact_variance(x, dist, estimator="pathwise")
