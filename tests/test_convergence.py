"""pgviz.convergence: the numbers a convergence figure shows, against the plain mean and standard
error of the first n per-sample terms (computed here directly) and the exact gradient."""

import numpy as np
import pytest
import sympy as sp

import pgviz
from pgviz.convergence import GRID_POINTS, convergence_data, draw_noise, running_at
from pgviz.costs import cost
from pgviz.estimators import pathwise, score_function
from pgviz.expectations import exact_gradient

x = pgviz.x


def test_running_at_equals_the_mean_and_standard_error_of_the_first_n_terms():
    """convergence_data keeps block sums at the grid points only; running_at(n) for N on and off
    the grid equals the plain mean and standard error (ddof 1) of the first n per-sample terms."""
    f, dist = cost("cosine", 2.0), pgviz.Gaussian(0.5, 1.2)
    data = convergence_data(f, dist, seed=4, param=1, max_samples=50_000, estimators=("score_function", "pathwise"))
    terms = {
        "score_function": score_function(f, dist, 50_000, np.random.default_rng(4))[:, 1],
        "pathwise": pathwise(f, dist, 50_000, np.random.default_rng(4))[:, 1],
    }
    assert data["n_grid"][0] == 1 and data["n_grid"][-1] == 50_000 and len(data["n_grid"]) <= GRID_POINTS
    for name, expected in terms.items():
        np.testing.assert_array_equal(data["terms"][name], expected)
        for n in (2, 7, int(data["n_grid"][100]), int(data["n_grid"][100]) + 1, 31_415, 50_000):
            mean, se = running_at(data, name, n)
            np.testing.assert_allclose(mean, expected[:n].mean(), rtol=1e-10, atol=1e-13)
            np.testing.assert_allclose(se, expected[:n].std(ddof=1) / np.sqrt(n), rtol=1e-8)
        grid = data["n_grid"]
        np.testing.assert_allclose(data["running"][name], [expected[:n].mean() for n in grid], rtol=1e-9, atol=1e-12)
        assert np.isnan(data["running_se"][name][0])  # n = 1: one term, no spread
        assert np.isnan(running_at(data, name, 1)[1])
    assert data["exact"] == pytest.approx(exact_gradient(f, dist)[1], rel=1e-12)
    for n in (0, 50_001, 2.5, True):
        with pytest.raises((TypeError, ValueError), match="n must be"):
            running_at(data, "pathwise", n)
    with pytest.raises(ValueError, match="name must be"):
        running_at(data, "score_function_baseline", 10)


def test_given_noise_and_a_finite_support_use_the_samples_of_the_seed():
    """``noise`` = dist.sample_noise(M, default_rng(seed)) gives the same data as drawing it; a finite
    support (no noise) samples with default_rng(seed) itself."""
    f, dist = (x - 1) ** 2, pgviz.Gaussian(1.0, 1.0)
    noise = draw_noise(dist, 9, 1_000)
    np.testing.assert_array_equal(noise, dist.sample_noise(1_000, np.random.default_rng(9)))
    drawn = convergence_data(f, dist, 9, max_samples=1_000, estimators=("score_function_baseline",))
    given = convergence_data(f, dist, 9, max_samples=1_000, estimators=("score_function_baseline",), noise=noise)
    np.testing.assert_array_equal(
        drawn["running"]["score_function_baseline"], given["running"]["score_function_baseline"]
    )
    bernoulli = pgviz.Bernoulli(0.3)
    assert draw_noise(bernoulli, 9, 1_000) is None
    data = convergence_data(f, bernoulli, 9, max_samples=1_000)
    np.testing.assert_array_equal(
        data["terms"]["score_function"], score_function(f, bernoulli, 1_000, np.random.default_rng(9))[:, 0]
    )
    assert data["exact"] == pytest.approx(exact_gradient(f, bernoulli)[0], rel=1e-12)


def test_bad_arguments_name_the_argument():
    dist = pgviz.Gaussian(0.0, 1.0)
    with pytest.raises(ValueError, match="estimators must be"):
        convergence_data(x, dist, 0, max_samples=100, estimators="pathwise")
    with pytest.raises(ValueError, match="estimators"):
        convergence_data(x, dist, 0, max_samples=100, estimators=("reinforce",))
    with pytest.raises(ValueError, match="max_samples"):
        convergence_data(x, dist, 0, max_samples=5)
    with pytest.raises(ValueError, match="param"):
        convergence_data(x, dist, 0, param=2, max_samples=100)
    with pytest.raises(ValueError, match="noise must be"):
        convergence_data(x, dist, 0, max_samples=100, noise=np.zeros(99))
    with np.errstate(invalid="ignore"), pytest.raises(ValueError, match="f is not finite"):
        convergence_data(sp.log(x), dist, 0, max_samples=100)  # log of negative samples
