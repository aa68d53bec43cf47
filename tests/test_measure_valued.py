"""The measure-valued (weak) derivative estimator of a Gaussian, coupled (Mohamed et al. 2020, Sec. 6).

Truths: the decompositions d/dmu N = (p+ - p-)/(sigma sqrt(2 pi)) with Rayleigh parts and
d/dsigma N = (Maxwell - N)/sigma, and |M| U ~ half-normal (SymPy); unbiasedness (the exact mean
equals pgviz.exact_gradient); hand-derived closed forms for (x - k)^2 with d = mu - k: coupled
Var_mu = 4 d^2 (4 - pi)/pi and Var_sigma = 4 d^2 + 4 sigma^2, uncoupled Var_mu = 4 d^2 (2 - pi/2)/pi +
4 sigma^2/pi; seeded samples within 5 SE of the exact mean.
"""

import numpy as np
import pytest
import sympy as sp

import pgviz
from pgviz.costs import COSTS, k
from pgviz.measure_valued import (
    double_sided_maxwell_density,
    measure_valued_mean,
    measure_valued_study,
    measure_valued_terms,
    measure_valued_variance,
    measure_valued_variance_curve,
    rayleigh_density,
)


def test_decompositions_of_the_gaussian_derivative():
    x = sp.Symbol("x", real=True)
    mu, sigma = sp.Symbol("mu", real=True), sp.Symbol("sigma", positive=True)
    normal = sp.exp(-((x - mu) ** 2) / (2 * sigma**2)) / (sigma * sp.sqrt(2 * sp.pi))
    (w,), (m,) = rayleigh_density.free_symbols, double_sided_maxwell_density.free_symbols
    positive = rayleigh_density.subs(w, (x - mu) / sigma) / sigma  # density of mu + sigma W, on x > mu
    assert sp.simplify(sp.diff(normal, mu) - positive / (sigma * sp.sqrt(2 * sp.pi))) == 0  # on x > mu
    maxwell = double_sided_maxwell_density.subs(m, (x - mu) / sigma) / sigma
    assert sp.simplify(sp.diff(normal, sigma) - (maxwell - normal) / sigma) == 0
    y, t = sp.symbols("y t", positive=True)
    product = sp.integrate(2 * double_sided_maxwell_density.subs(m, t) / t, (t, y, sp.oo))  # density of |M| U
    assert sp.simplify(product - 2 * sp.exp(-(y**2) / 2) / sp.sqrt(2 * sp.pi)) == 0


@pytest.mark.parametrize("name, k_value", [("square", -1.0), ("bump", 2.0), ("cosine", 3.0), ("cosine", 0.5)])
def test_unbiased(name, k_value):
    dist = pgviz.Gaussian(1.0, 1.3)
    f = pgviz.cost(name, k_value)
    np.testing.assert_allclose(measure_valued_mean(f, dist), pgviz.exact_gradient(f, dist), atol=1e-11)


@pytest.mark.parametrize("k_value", [0.0, 1.3, 2.0])
def test_a_step_cost_is_never_differentiated_and_the_rule_stays_within_its_stated_error(k_value):
    dist, f = pgviz.Gaussian(1.0, 1.0), pgviz.cost("step", k_value)
    np.testing.assert_allclose(measure_valued_mean(f, dist), pgviz.exact_gradient(f, dist), atol=1e-4)


@pytest.mark.parametrize("k_value, sigma", [(-3.0, 1.0), (0.0, 1.0), (2.0, 0.5), (1.0, 2.0)])
def test_square_cost_closed_forms(k_value, sigma):
    dist, d = pgviz.Gaussian(1.0, sigma), 1.0 - k_value
    f = pgviz.cost("square", k_value)
    coupled = [4 * d**2 * (4 - np.pi) / np.pi, 4 * d**2 + 4 * sigma**2]
    np.testing.assert_allclose(measure_valued_variance(f, dist), coupled, rtol=1e-10, atol=1e-12)
    uncoupled_mu = 4 * d**2 * (2 - np.pi / 2) / np.pi + 4 * sigma**2 / np.pi
    assert measure_valued_variance(f, dist, coupled=False)[0] == pytest.approx(uncoupled_mu, rel=1e-10)


def test_sampled_terms_within_five_standard_errors():
    dist, f = pgviz.Gaussian(1.0, 1.0), pgviz.cost("cosine", 2.0)
    n = 50_000
    terms = measure_valued_terms(f, dist, n, np.random.default_rng(9))
    se = terms.std(0, ddof=1) / np.sqrt(n)
    assert np.all(np.abs(terms.mean(0) - pgviz.exact_gradient(f, dist)) < 5 * se)
    variance = measure_valued_variance(f, dist)
    assert np.all(np.abs(terms.var(0) - variance) < 0.05 * variance)


def test_curve_equals_pointwise():
    dist, ks = pgviz.Gaussian(1.0, 1.0), np.array([0.5, 2.0])
    curve = measure_valued_variance_curve(COSTS["bump"][0], k, ks, dist)
    for row, k_value in zip(curve, ks):
        np.testing.assert_allclose(row, measure_valued_variance(pgviz.cost("bump", k_value), dist), rtol=1e-12)


def test_study_matches_its_parts():
    dist, ks = pgviz.Gaussian(1.0, 1.0), np.array([0.5, 2.0])
    exact, (picked, sampled) = measure_valued_study(
        COSTS["cosine"][0], k, ks, dist, np.random.default_rng(3), [2.0], 40_000
    )
    np.testing.assert_allclose(exact, measure_valued_variance_curve(COSTS["cosine"][0], k, ks, dist))
    terms = measure_valued_terms(pgviz.cost("cosine", 2.0), dist, 40_000, np.random.default_rng(3))
    np.testing.assert_allclose(sampled[0], terms.var(0), rtol=1e-12)
    assert picked.tolist() == [2.0]


@pytest.mark.parametrize(
    "call, error",
    [
        (lambda: measure_valued_terms(pgviz.x, pgviz.Exponential(1.0), 10, np.random.default_rng(0)), TypeError),
        (lambda: measure_valued_terms(pgviz.x, pgviz.Gaussian(), 0, np.random.default_rng(0)), ValueError),
        (lambda: measure_valued_terms(pgviz.x, pgviz.Gaussian(), 10, 1), TypeError),
        (lambda: measure_valued_variance(pgviz.x, pgviz.Gaussian(), coupled="yes"), TypeError),
        (lambda: measure_valued_variance_curve(pgviz.x, "k", [1.0], pgviz.Gaussian()), TypeError),
        (lambda: measure_valued_variance_curve(pgviz.x, k, [np.nan], pgviz.Gaussian()), ValueError),
        (lambda: measure_valued_variance_curve(pgviz.x, k, "abc", pgviz.Gaussian()), TypeError),
        (lambda: measure_valued_study(pgviz.x, k, [1.0], pgviz.Gaussian(), 0, [1.0]), TypeError),
        (lambda: measure_valued_study(pgviz.x, k, [1.0], pgviz.Gaussian(), np.random.default_rng(0), ["a"]), TypeError),
    ],
)
def test_bad_arguments(call, error):
    with pytest.raises(error):
        call()
