"""pgviz.expectations: exact expectations, gradients and baselines against closed forms.

Truths used: closed-form Gaussian means E[f] of every catalog cost (standard Gaussian integrals,
differentiated by SymPy); SymPy's own integrals; the moments E[x^n] = n! / rate^n of the
exponential; exact enumeration for finite supports; the optimal baseline of (x - k)^2 derived by
hand (see tests/test_studies.py, test_exact_variance_square_closed_forms).
"""

import math

import numpy as np
import pytest
import sympy as sp

import pgviz
from pgviz.costs import cost
from pgviz.expectations import (
    derivative_almost_everywhere,
    exact_expectation,
    exact_gradient,
    optimal_baseline,
    reparameterization_jacobian,
)
from pgviz.quadrature import inverse_reparameterization

x = pgviz.x
mu_s, sigma_s, k_s = sp.symbols("mu sigma k", real=True)
Phi = lambda z: (1 + sp.erf(z / sp.sqrt(2))) / 2  # noqa: E731

# Closed-form E[f] under N(mu, sigma^2) (standard Gaussian integrals), as SymPy expressions.
CLOSED_MEANS = {
    "linear": mu_s,
    "square": (mu_s - k_s) ** 2 + sigma_s**2,
    "bump": sp.exp(-k_s * mu_s**2 / (1 + 2 * k_s * sigma_s**2)) / sp.sqrt(1 + 2 * k_s * sigma_s**2),
    "cosine": sp.cos(k_s * mu_s) * sp.exp(-(k_s**2) * sigma_s**2 / 2),
    "step": Phi((mu_s - k_s) / sigma_s),
    "abs": sigma_s * sp.sqrt(2 / sp.pi) * sp.exp(-((mu_s - k_s) ** 2) / (2 * sigma_s**2))
    + (mu_s - k_s) * (1 - 2 * Phi(-(mu_s - k_s) / sigma_s)),
}
K_VALUES = {"linear": 0.0, "square": 1.5, "bump": 0.7, "cosine": 2.0, "step": 0.3, "abs": -0.4}
GRID = [(0.0, 1.0), (1.0, 0.5), (-1.0, 2.0)]


def closed_gradient(name, mu, sigma):
    mean = CLOSED_MEANS[name].subs(k_s, K_VALUES[name])
    return np.array([float(sp.diff(mean, s).subs({mu_s: mu, sigma_s: sigma})) for s in (mu_s, sigma_s)])


@pytest.mark.parametrize("name", sorted(CLOSED_MEANS))
@pytest.mark.parametrize("mu, sigma", GRID)
def test_exact_gradient_matches_closed_forms(name, mu, sigma):
    """Quadrature/moments against the derivative of the closed-form Gaussian mean, to 1e-9."""
    f = cost(name, K_VALUES[name])
    got = exact_gradient(f, pgviz.Gaussian(mu, sigma))
    np.testing.assert_allclose(got, closed_gradient(name, mu, sigma), rtol=1e-9, atol=1e-11)


def test_quadrature_agrees_with_sympy_integration():
    """For a polynomial f the exact moments, the quadrature and SymPy's integral agree; for a bump and
    a step the quadrature agrees with SymPy and with Phi."""
    dist = pgviz.Gaussian(0.5, 1.5)
    h = (x - 1) ** 3 * dist.score_exprs[1]
    symbolic = exact_expectation(h, dist, method="symbolic")
    np.testing.assert_allclose(exact_expectation(h, dist, method="moments"), symbolic, rtol=1e-12)
    np.testing.assert_allclose(exact_expectation(h, dist, method="quadrature"), symbolic, rtol=1e-10)
    bump = sp.exp(-(x**2))  # non-polynomial: SymPy's integral against the quadrature
    np.testing.assert_allclose(
        exact_expectation(bump, dist), exact_expectation(bump, dist, method="symbolic"), rtol=1e-12
    )
    step = sp.Heaviside(x - 1, 0)
    np.testing.assert_allclose(exact_expectation(step, dist), float(Phi(sp.Rational(-1, 3))), rtol=1e-12)


@pytest.mark.parametrize("rate", [0.4, 2.5])
def test_exponential_moments_are_n_factorial_over_rate_to_the_n(rate):
    """E[x^n] = n! / rate^n, by the exact moments and by the quadrature (a callable h)."""
    dist = pgviz.Exponential(rate)
    for n in range(1, 5):
        expected = math.factorial(n) / rate**n
        assert exact_expectation(x**n, dist) == pytest.approx(expected, rel=1e-14)
        assert exact_expectation(lambda v, n=n: v**n, dist) == pytest.approx(expected, rel=1e-11)
    # a kink inside the support: E[|x - 1|] = E[x] - 1 + 2 E[(1 - x)^+] = 1/rate - 1 + 2 (1 - (1 - e^-rate)/rate)
    kink = 1 / rate - 1 + 2 * (1 - (1 - math.exp(-rate)) / rate)
    assert exact_expectation(sp.Abs(x - 1), dist) == pytest.approx(kink, rel=1e-12)


def test_finite_supports_by_enumeration():
    """Bernoulli: d/dz E[f] = (f(1) - f(0)) p (1 - p); Categorical: d/dz_j E[f] = p_j (f(j) - E[f])."""
    p = 1 / (1 + np.exp(-0.4))
    f = (x - 3) ** 2  # f(0) = 9, f(1) = 4
    bernoulli = pgviz.Bernoulli(0.4)
    np.testing.assert_allclose(exact_gradient(f, bernoulli), [(4 - 9) * p * (1 - p)], rtol=1e-12)
    assert exact_expectation(f, bernoulli) == pytest.approx(9 * (1 - p) + 4 * p, rel=1e-14)
    # E[f s^2] / E[s^2] with s = x - p: (9 p^2 (1 - p) + 4 (1 - p)^2 p) / (p (1 - p))
    np.testing.assert_allclose(optimal_baseline(f, bernoulli), [9 * p + 4 * (1 - p)], rtol=1e-12)
    logits = np.array([0.0, 0.5, 1.0])
    probabilities = np.exp(logits) / np.exp(logits).sum()
    f_values = (np.arange(3) - 2.0) ** 2
    categorical = pgviz.Categorical(logits)
    np.testing.assert_allclose(
        exact_gradient((x - 2) ** 2, categorical), probabilities * (f_values - probabilities @ f_values), rtol=1e-12
    )
    # a callable h on a finite support is evaluated at the support points
    assert exact_expectation(lambda v: (v - 2.0) ** 2, categorical) == pytest.approx(probabilities @ f_values)


@pytest.mark.parametrize("mu, sigma, k", [(1.0, 1.0, 1.0), (0.5, 2.0, -1.0)])
def test_optimal_baseline_of_the_square_cost(mu, sigma, k):
    """b* = E[f s^2] / E[s^2] = (d^2 + 3 sigma^2, d^2 + 5 sigma^2) for (x - k)^2, d = mu - k; the
    quadrature gives the same numbers as the exact moments."""
    d, s2 = mu - k, sigma**2
    dist = pgviz.Gaussian(mu, sigma)
    expected = [d**2 + 3 * s2, d**2 + 5 * s2]
    np.testing.assert_allclose(optimal_baseline(cost("square", k), dist), expected, rtol=1e-12)
    np.testing.assert_allclose(optimal_baseline(cost("square", k), dist, method="quadrature"), expected, rtol=1e-10)


def test_reparameterization_helpers():
    """x = mu + sigma eps: eps = (x - mu)/sigma, dx/dmu = 1, dx/dsigma = eps; x = eps/rate: dx/drate = -x/rate;
    the derivative almost everywhere drops the Dirac delta of a step and keeps the sign of a kink."""
    gaussian, exponential = pgviz.Gaussian(0.0, 1.0), pgviz.Exponential(1.0)
    mu, sigma = gaussian.param_symbols
    (rate,) = exponential.param_symbols
    assert sp.simplify(inverse_reparameterization(gaussian.reparameterization) - (x - mu) / sigma) == 0
    jacobian = reparameterization_jacobian(gaussian)
    assert jacobian[0] == 1 and sp.simplify(jacobian[1] - (x - mu) / sigma) == 0
    assert sp.simplify(reparameterization_jacobian(exponential)[0] + x / rate) == 0
    assert derivative_almost_everywhere(sp.Heaviside(x - 1, 0)) == 0
    assert derivative_almost_everywhere(sp.Abs(x - 1)).subs(x, 3) == 1
    assert derivative_almost_everywhere(sp.Abs(x - 1)).subs(x, -3) == -1


def test_callable_cost_matches_sympy_cost():
    """A vectorized callable f gives the gradient and baseline of its SymPy form (both by quadrature)."""
    f = cost("cosine", 2.0)
    dist = pgviz.Gaussian(0.3, 0.8)

    def f_callable(values):
        return np.cos(2.0 * values)

    np.testing.assert_allclose(exact_gradient(f_callable, dist), exact_gradient(f, dist), rtol=1e-10)
    np.testing.assert_allclose(optimal_baseline(f_callable, dist), optimal_baseline(f, dist), rtol=1e-10)


def test_bad_arguments_name_the_argument():
    dist = pgviz.Gaussian()
    with pytest.raises(ValueError, match="method"):
        exact_gradient(x, dist, method="magic")
    with pytest.raises(ValueError, match="normalized"):
        exact_gradient(x, pgviz.ExpLinear(0.0, 1.0))
    with pytest.raises(TypeError, match="dist"):
        exact_gradient(x, "gaussian")
    with pytest.raises(TypeError, match="f"):
        optimal_baseline("x**2", dist)
    with pytest.raises(TypeError, match="h must be"):
        exact_expectation("x", dist)
    with pytest.raises(ValueError, match="h may contain x and the parameters"):
        exact_expectation(x * sp.Symbol("y"), dist)
    with pytest.raises(ValueError, match="moments"):
        exact_expectation(sp.exp(x), dist, method="moments")
    with pytest.raises(TypeError, match="symbolic"):
        exact_expectation(lambda v: v, dist, method="symbolic")
    with pytest.raises(ValueError, match="continuous"):
        exact_expectation(x, pgviz.Bernoulli(0.0), method="quadrature")
