"""pgviz.statistics: summaries of Monte Carlo terms, against hand computations and closed forms.

Truths used: means, sample standard deviations and running values of a 3 x 2 array worked out by
hand; the 97.5% normal quantile 1.959963984540054; for the control variate, the closed-form optimal
coefficient c* = Cov(f s, s) / Var(s) = E[f s^2] / E[s^2] = (3, 5) and the variance (6, 24) it
leaves for f = (x - 1)^2 under N(1, 1) (derived in tests/test_studies.py), checked within 5
standard errors.
"""

import numpy as np
import pytest

import pgviz
from pgviz.costs import cost
from pgviz.estimators import score_function
from pgviz.statistics import (
    check_terms,
    confidence_interval,
    control_variate,
    estimate,
    mean_and_standard_error,
    running_mean,
    running_standard_error,
    standard_error,
)


def test_summaries_of_a_small_array_worked_by_hand():
    """Columns (1, 3, 5) and (2, 2, 8): means 3 and 4, sample SDs 2 and sqrt(12), SE = SD / sqrt(3)."""
    terms = np.array([[1.0, 2.0], [3.0, 2.0], [5.0, 8.0]])
    np.testing.assert_allclose(estimate(terms), [3.0, 4.0])
    np.testing.assert_allclose(standard_error(terms), [2.0 / np.sqrt(3), np.sqrt(12.0) / np.sqrt(3)])
    low, high = confidence_interval(terms, 0.95)
    np.testing.assert_allclose(high - estimate(terms), 1.959963984540054 * standard_error(terms))
    np.testing.assert_allclose(estimate(terms) - low, high - estimate(terms))
    np.testing.assert_allclose(running_mean(terms), [[1, 2], [2, 2], [3, 4]])
    rse = running_standard_error(terms)
    assert np.isnan(rse[0]).all()  # one term says nothing about the spread
    np.testing.assert_allclose(rse[1], [np.sqrt(2.0) / np.sqrt(2), 0.0])
    np.testing.assert_allclose(rse[-1], standard_error(terms))
    # a 1-d array is one column
    np.testing.assert_allclose(estimate(np.array([1.0, 3.0, 5.0])), [3.0])


def test_running_values_from_sums_equal_the_direct_ones_at_every_n():
    """mean_and_standard_error(S_n, Q_n, n) is the mean and the ddof-1 SE of the first n terms."""
    terms = np.random.default_rng(0).normal(2.0, 3.0, size=(40, 2))
    means, ses = running_mean(terms), running_standard_error(terms)
    for n in range(2, 41):
        np.testing.assert_allclose(means[n - 1], terms[:n].mean(0), rtol=1e-12)
        np.testing.assert_allclose(ses[n - 1], terms[:n].std(0, ddof=1) / np.sqrt(n), rtol=1e-9)
    # broadcasting: sums [G, P] with n [G, 1]
    n = np.array([[1], [5], [40]])
    sums = np.array([terms[: k[0]].sum(0) for k in n])
    squares = np.array([(terms[: k[0]] ** 2).sum(0) for k in n])
    mean, se = mean_and_standard_error(sums, squares, n)
    np.testing.assert_allclose(mean, means[n[:, 0] - 1], rtol=1e-12)
    assert np.isnan(se[0]).all()
    np.testing.assert_allclose(se[1:], ses[n[1:, 0] - 1], rtol=1e-9)


# f = (x - 1)^2 under N(1, 1): c* = E[f s^2] / E[s^2] = (3, 5), leaving the variances (6, 24).
F, DIST = cost("square", 1.0), pgviz.Gaussian(1.0, 1.0)
C_STAR, OPTIMAL_VARIANCE = np.array([3.0, 5.0]), np.array([6.0, 24.0])
NUM = 50_000


def _variance_se(terms):
    """Standard error of the sample variance: sqrt((m4 - var^2) / N), m4 the 4th central moment."""
    centred = terms - terms.mean(0)
    return np.sqrt(((centred**4).mean(0) - centred.var(0) ** 2) / terms.shape[0])


def test_control_variate_with_the_score_is_the_baseline():
    """g - c (s - 0) with the score s as control and c = b is exactly the baselined estimator (f - b) s."""
    samples = DIST.sample(NUM, np.random.default_rng(2))
    plain = score_function(F, DIST, NUM, np.random.default_rng(2))
    baselined = score_function(F, DIST, NUM, np.random.default_rng(2), baseline=3.0)
    np.testing.assert_allclose(control_variate(plain, DIST.score(samples), 0.0, coefficient=3.0), baselined)
    np.testing.assert_allclose(
        control_variate(plain, DIST.score(samples), [0.0, 0.0], coefficient=[3.0, 3.0]), baselined
    )


def test_control_variate_with_the_exact_coefficient_leaves_the_exact_optimal_variance():
    """With c = c* = (3, 5) the terms' variance is (6, 24) within 5 SE, and their mean the gradient."""
    samples = DIST.sample(NUM, np.random.default_rng(3))
    plain = score_function(F, DIST, NUM, np.random.default_rng(3))
    reduced = control_variate(plain, DIST.score(samples), 0.0, coefficient=C_STAR)
    assert np.all(np.abs(reduced.var(0) - OPTIMAL_VARIANCE) <= 5 * _variance_se(reduced)), reduced.var(0)
    gradient = np.array([0.0, 2.0])  # d/dmu, d/dsigma of E[(x - 1)^2] = (mu - 1)^2 + sigma^2
    assert np.all(np.abs(estimate(reduced) - gradient) <= 5 * standard_error(reduced))


def test_fitted_coefficient_estimates_the_exact_c_star_within_5_se():
    """coefficient="optimal" fits c = Cov(g, h) / Var(h) on the samples: within 5 SE of c* = (3, 5).

    The slope's SE is the sandwich sqrt(sum h_c^2 e^2) / sum h_c^2 (h_c the centred control, e the
    residual g_c - c h_c), and with the fitted c the variance is within 5 SE of (6, 24) too.
    """
    samples = DIST.sample(NUM, np.random.default_rng(4))
    plain = score_function(F, DIST, NUM, np.random.default_rng(4))
    score = DIST.score(samples)  # [N, P]
    reduced = control_variate(plain, score, 0.0)
    fitted = ((plain - reduced) * score).sum(0) / (score**2).sum(0)  # the c it used, per column
    h = score - score.mean(0)
    residual = (plain - plain.mean(0)) - fitted * h
    slope_se = np.sqrt((h**2 * residual**2).sum(0)) / (h**2).sum(0)
    assert np.all(np.abs(fitted - C_STAR) <= 5 * slope_se), (fitted, slope_se)
    assert np.all(np.abs(reduced.var(0) - OPTIMAL_VARIANCE) <= 5 * _variance_se(reduced))


def test_control_variate_with_a_nonzero_mean_control_stays_unbiased():
    """h = x with E[h] = mu under N(mu, 1) and a fixed c: E[g - c (h - mu)] = E[g], within 5 SE."""
    dist = pgviz.Gaussian(0.5, 1.0)
    samples = dist.sample(NUM, np.random.default_rng(5))
    terms = score_function(F, dist, NUM, np.random.default_rng(5))
    shifted = control_variate(terms, samples, control_mean=0.5, coefficient=2.0)
    gradient = np.array([2 * (0.5 - 1.0), 2.0])
    assert np.all(np.abs(estimate(shifted) - gradient) <= 5 * standard_error(shifted))
    # the wrong mean biases it by exactly c * (mu - wrong mean)
    wrong = control_variate(terms, samples, control_mean=0.0, coefficient=2.0)
    np.testing.assert_allclose(estimate(wrong) - estimate(shifted), -2.0 * 0.5, rtol=1e-9)


def test_bad_arguments_name_the_argument():
    with pytest.raises(ValueError, match="level"):
        confidence_interval(np.ones((3, 1)), 1.5)
    with pytest.raises(ValueError, match="terms"):
        estimate(np.ones((1, 2)))
    with pytest.raises(ValueError, match="terms"):
        standard_error(np.ones((2, 2, 2)))
    with pytest.raises(TypeError, match="terms"):
        check_terms("abc")
    with pytest.raises(ValueError, match="terms must contain only finite"):
        running_mean(np.array([1.0, np.nan]))
    with pytest.raises(ValueError, match="control"):
        control_variate(np.ones((4, 2)), np.ones(3))
    with pytest.raises(ValueError, match="coefficient"):
        control_variate(np.ones((4, 2)), np.ones(4), coefficient="best")
    with pytest.raises(ValueError, match="control_mean"):
        control_variate(np.ones((4, 2)), np.ones(4), control_mean=[0.0, 0.0, 0.0])
