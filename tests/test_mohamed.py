"""Mohamed, Rosca, Figurnov & Mnih (JMLR 2020), Section 3, Figures 2 and 3: N(mu = 1, sigma = 1).

The paper plots single-sample variances against k; it prints no numbers, so the truths here are
closed forms derived by hand from Gaussian characteristic functions, E[exp(i b eps)] = exp(-b^2/2)
and E[eps^2 exp(i b eps)] = (1 - b^2) exp(-b^2/2), plus the figures' qualitative facts.
"""

import numpy as np
import pytest
from exact_moments import exact_term_moments, sample_variance_se

import pgviz
from pgviz.costs import COSTS, k
from pgviz.studies import exact_variance_curve, sampled_variances

MU, SIGMA = 1.0, 1.0
DIST = pgviz.Gaussian(MU, SIGMA)
K_LOG = np.geomspace(0.1, 10, 41)


def test_cosine_pathwise_variance_closed_form():
    """f = cos(kx): pathwise d/dmu term -k sin(kx); E[sin^2 kx] = (1 - cos(2k mu) e^{-2k^2 sigma^2})/2,
    E[sin kx] = sin(k mu) e^{-k^2 sigma^2/2}, so Var = k^2 (E[sin^2] - E[sin]^2)."""
    kk = K_LOG
    second = (1 - np.cos(2 * kk * MU) * np.exp(-2 * kk**2 * SIGMA**2)) / 2
    mean = np.sin(kk * MU) * np.exp(-(kk**2) * SIGMA**2 / 2)
    expected = kk**2 * (second - mean**2)
    got = exact_variance_curve(COSTS["cosine"][0], k, kk, DIST, "pathwise")[:, 0]
    np.testing.assert_allclose(got, expected, rtol=1e-9, atol=1e-15)


def test_cosine_score_function_variance_closed_form():
    """f = cos(kx): score-function d/dmu term cos(kx) eps / sigma. With cos^2 = (1 + cos 2kx)/2 and
    E[eps^2 cos(a + b eps)] = cos(a) (1 - b^2) e^{-b^2/2} (a = 2k mu, b = 2k sigma):
    Var = (1/2 + cos(2k mu)(1 - 4k^2 sigma^2) e^{-2k^2 sigma^2}/2)/sigma^2 - (k sin(k mu) e^{-k^2 sigma^2/2})^2."""
    kk = K_LOG
    second = (0.5 + np.cos(2 * kk * MU) * (1 - 4 * kk**2 * SIGMA**2) * np.exp(-2 * kk**2 * SIGMA**2) / 2) / SIGMA**2
    gradient = -kk * np.sin(kk * MU) * np.exp(-(kk**2) * SIGMA**2 / 2)
    got = exact_variance_curve(COSTS["cosine"][0], k, kk, DIST, "score_function")[:, 0]
    np.testing.assert_allclose(got, second - gradient**2, rtol=1e-9, atol=1e-15)


def test_figure_2_square_cost_shape():
    """(x - k)^2, k in [-3, 3]: pathwise d/dmu variance is 4 sigma^2 for every k and below both score
    function curves; the score function variances are smallest at k = mu."""
    kk = np.linspace(-3, 3, 61)
    curves = {
        name: exact_variance_curve(COSTS["square"][0], k, kk, DIST, name)
        for name in ("score_function", "score_function_baseline", "pathwise")
    }
    np.testing.assert_allclose(curves["pathwise"][:, 0], 4 * SIGMA**2, rtol=1e-10)
    assert np.all(curves["pathwise"] < curves["score_function_baseline"])
    assert np.all(curves["score_function_baseline"] <= curves["score_function"] + 1e-12)
    assert kk[np.argmin(curves["score_function"][:, 0])] == pytest.approx(MU)


@pytest.mark.parametrize("name", ["bump", "cosine"])
def test_figure_3_no_estimator_wins_everywhere(name):
    """exp(-k x^2) and cos(k x), k from 0.1 to 10: pathwise has the lower d/dmu variance at k = 0.1
    and the higher one at k = 10 (Mohamed et al.: the ranking depends on the cost)."""
    pathwise = exact_variance_curve(COSTS[name][0], k, K_LOG, DIST, "pathwise")[:, 0]
    score = exact_variance_curve(COSTS[name][0], k, K_LOG, DIST, "score_function")[:, 0]
    assert pathwise[0] < score[0]
    assert pathwise[-1] > score[-1]


@pytest.mark.parametrize("name", ["square", "bump", "cosine"])
def test_monte_carlo_variances_on_the_exact_curves(name):
    """Sampled variances at 3 values of k within 5 standard errors of the exact curves, the SE of a
    sample variance sqrt((mu_4 - sigma^4) / N) from the exact fourth central moment of one term."""
    kk = np.array([-2.0, 0.5, 2.5]) if name == "square" else np.array([0.2, 1.0, 5.0])
    num_samples = 200_000
    for estimator in ("score_function", "score_function_baseline", "pathwise"):
        exact = exact_variance_curve(COSTS[name][0], k, kk, DIST, estimator)
        sampled = sampled_variances(COSTS[name][0], k, kk, DIST, num_samples, np.random.default_rng(2020), estimator)
        for row, k_value in enumerate(kk):
            variance, fourth = exact_term_moments(COSTS[name][0].subs(k, k_value), DIST, estimator)
            np.testing.assert_allclose(exact[row], variance, rtol=1e-8, atol=1e-12)
            se = sample_variance_se(variance, fourth, num_samples)
            assert np.all(np.abs(sampled[row] - exact[row]) <= 5 * se), (name, estimator, k_value)
