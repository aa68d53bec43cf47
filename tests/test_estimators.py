"""Monte Carlo gradient estimators against exact answers: closed forms, unbiasedness within 5 SE.

Truths used: closed-form Gaussian expectations E[f] for every catalog cost (differentiated by SymPy),
hand-derived variances for (x - k)^2 (see test_exact_variance_square_closed_forms), and exact
enumeration for finite supports.
"""

import io

import numpy as np
import pytest
import sympy as sp
from PIL import Image

import pgviz
from pgviz.costs import cost
from pgviz.estimators import (
    confidence_interval,
    control_variate,
    estimate,
    exact_expectation,
    exact_gradient,
    exact_variance,
    optimal_baseline,
    pathwise,
    running_mean,
    running_standard_error,
    score_function,
    standard_error,
)

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
    """For a polynomial f the exact moments, the quadrature and SymPy's integral agree."""
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


NUM = 200_000


@pytest.mark.parametrize("name", sorted(CLOSED_MEANS))
@pytest.mark.parametrize("mu, sigma", GRID)
def test_estimators_unbiased_within_5_se(name, mu, sigma):
    """Mean of 2e5 seeded per-sample terms within 5 SE of the exact gradient, for every estimator."""
    f = cost(name, K_VALUES[name])
    dist = pgviz.Gaussian(mu, sigma)
    exact = exact_gradient(f, dist)
    runs = {
        "no baseline": score_function(f, dist, NUM, np.random.default_rng(1)),
        "baseline 2": score_function(f, dist, NUM, np.random.default_rng(2), baseline=2.0),
        "optimal": score_function(f, dist, NUM, np.random.default_rng(3), baseline="optimal"),
    }
    if name != "step":
        runs["pathwise"] = pathwise(f, dist, NUM, np.random.default_rng(4))
    for label, terms in runs.items():
        assert terms.shape == (NUM, 2)
        se = standard_error(terms)
        assert np.all(np.abs(estimate(terms) - exact) <= 5 * se), (label, estimate(terms), exact, se)


@pytest.mark.parametrize("mu, sigma", GRID)
def test_pathwise_is_silently_wrong_for_a_step(mu, sigma):
    """d/dx 1[x > k] = 0 almost everywhere: every pathwise term is 0, the exact gradient is not."""
    f = cost("step", 0.3)
    dist = pgviz.Gaussian(mu, sigma)
    terms = pathwise(f, dist, NUM, np.random.default_rng(5))
    assert np.all(terms == 0.0)
    exact = exact_gradient(f, dist)
    assert np.all(np.abs(exact) > 0.01)
    np.testing.assert_array_equal(exact_variance(f, dist, "pathwise"), [0.0, 0.0])


def test_pathwise_and_score_function_share_samples():
    """Equal seeds give the same x: pathwise for f = x is (1, eps) with x = mu + sigma*eps."""
    dist = pgviz.Gaussian(1.0, 2.0)
    terms = pathwise(x, dist, 1000, np.random.default_rng(7))
    samples = dist.sample(1000, np.random.default_rng(7))
    np.testing.assert_allclose(terms[:, 0], 1.0)
    np.testing.assert_allclose(terms[:, 1], (samples - 1.0) / 2.0)
    sf = score_function(x, dist, 1000, np.random.default_rng(7))
    np.testing.assert_allclose(sf, samples[:, None] * dist.score(samples))


@pytest.mark.parametrize("mu, sigma, k", [(1.0, 1.0, 1.0), (0.5, 2.0, -1.0), (-1.0, 0.7, 2.5)])
def test_exact_variance_square_closed_forms(mu, sigma, k):
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
    f = cost("square", k)
    dist = pgviz.Gaussian(mu, sigma)
    d, s2 = mu - k, sigma**2

    def var_b(b):
        c = d**2 - b
        return [c**2 / s2 + 6 * c + 8 * d**2 + 15 * s2, 2 * c**2 / s2 + 20 * c + 40 * d**2 + 74 * s2]

    np.testing.assert_allclose(exact_gradient(f, dist), [2 * d, 2 * sigma], rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(exact_variance(f, dist), var_b(0.0), rtol=1e-12)
    np.testing.assert_allclose(exact_variance(f, dist, baseline=1.7), var_b(1.7), rtol=1e-12)
    np.testing.assert_allclose(optimal_baseline(f, dist), [d**2 + 3 * s2, d**2 + 5 * s2], rtol=1e-12)
    np.testing.assert_allclose(
        exact_variance(f, dist, baseline="optimal"), [8 * d**2 + 6 * s2, 40 * d**2 + 24 * s2], rtol=1e-12
    )
    np.testing.assert_allclose(exact_variance(f, dist, "pathwise"), [4 * s2, 4 * d**2 + 8 * s2], rtol=1e-12)
    # The quadrature rule gives the same numbers as the exact moments.
    np.testing.assert_allclose(
        exact_variance(f, dist, baseline="optimal", method="quadrature"),
        [8 * d**2 + 6 * s2, 40 * d**2 + 24 * s2],
        rtol=1e-9,
    )


def _variance_se(terms):
    """Standard error of the sample variance: sqrt((m4 - var^2) / N), m4 the 4th central moment."""
    centred = terms - terms.mean(0)
    return np.sqrt(((centred**4).mean(0) - centred.var(0) ** 2) / terms.shape[0])


@pytest.mark.parametrize("name", ["square", "bump", "cosine", "step", "abs"])
def test_sampled_variances_match_exact_variance(name):
    """terms.var(0) within 5 standard errors of the variance estimate of exact_variance."""
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


def test_finite_supports_by_enumeration():
    """Bernoulli: E[f] = f(0)(1-p) + f(1)p, so d/dz = (f(1) - f(0)) p(1-p); score function unbiased."""
    dist = pgviz.Bernoulli(0.4)
    p = 1 / (1 + np.exp(-0.4))
    f = (x - 3) ** 2  # f(0) = 9, f(1) = 4
    np.testing.assert_allclose(exact_gradient(f, dist), [(4 - 9) * p * (1 - p)], rtol=1e-12)
    terms = score_function(f, dist, NUM, np.random.default_rng(3), baseline=2.0)
    assert abs(estimate(terms)[0] - (4 - 9) * p * (1 - p)) <= 5 * standard_error(terms)[0]
    # On two points the optimal baseline makes every term equal the gradient: zero variance.
    optimal = score_function(f, dist, 1000, np.random.default_rng(3), baseline="optimal")
    np.testing.assert_allclose(optimal, (4 - 9) * p * (1 - p), rtol=1e-12)
    np.testing.assert_allclose(exact_variance(f, dist, baseline="optimal"), [0.0], atol=1e-12)
    # callable f gives the same terms as the SymPy one
    np.testing.assert_allclose(
        score_function(lambda v: (v - 3) ** 2, dist, 100, np.random.default_rng(3)),
        score_function(f, dist, 100, np.random.default_rng(3)),
    )
    # Var of (f - b) s with s = x - p: E[(f-b)^2 (x-p)^2] - grad^2, by enumeration
    expected = (1 - p) * 81 * p**2 + p * 16 * (1 - p) ** 2 - ((4 - 9) * p * (1 - p)) ** 2
    np.testing.assert_allclose(exact_variance(f, dist), [expected], rtol=1e-12)


def test_pathwise_refuses_distributions_without_reparameterization():
    for dist in (pgviz.Bernoulli(0.0), pgviz.Categorical([0.0, 1.0, 2.0]), pgviz.ExpLinear(0.0, 1.0, actions=(0, 1))):
        with pytest.raises(TypeError, match="reparameterization"):
            pathwise(x, dist, 10, np.random.default_rng(0))
        with pytest.raises(TypeError, match="reparameterization"):
            exact_variance(x, dist, estimator="pathwise")


def test_exponential_distribution_pathwise_and_score():
    """Exp(rate): E[x^2] = 2/rate^2, so d/drate = -4/rate^3; both estimators within 5 SE."""
    dist = pgviz.Exponential(2.0)
    exact = -4 / 2.0**3
    np.testing.assert_allclose(exact_gradient(x**2, dist), [exact], rtol=1e-12)
    for terms in (
        score_function(x**2, dist, NUM, np.random.default_rng(1)),
        pathwise(x**2, dist, NUM, np.random.default_rng(1)),
    ):
        assert abs(estimate(terms)[0] - exact) <= 5 * standard_error(terms)[0]


def test_summaries():
    terms = np.array([[1.0, 2.0], [3.0, 2.0], [5.0, 8.0]])
    np.testing.assert_allclose(estimate(terms), [3.0, 4.0])
    np.testing.assert_allclose(standard_error(terms), [2.0 / np.sqrt(3), np.sqrt(12.0) / np.sqrt(3)])
    low, high = confidence_interval(terms, 0.95)
    np.testing.assert_allclose(high - estimate(terms), 1.959963984540054 * standard_error(terms))
    np.testing.assert_allclose(estimate(terms) - low, high - estimate(terms))
    np.testing.assert_allclose(running_mean(terms), [[1, 2], [2, 2], [3, 4]])
    rse = running_standard_error(terms)
    assert np.isnan(rse[0]).all()
    np.testing.assert_allclose(rse[-1], standard_error(terms))
    np.testing.assert_allclose(rse[1], [np.sqrt(2.0) / np.sqrt(2), 0.0])


def test_control_variate_with_the_score_is_the_baseline():
    """g - c (s - 0) with c = b is exactly the baselined estimator (f - b) s; optimal c lowers variance."""
    f = cost("square", 1.0)
    dist = pgviz.Gaussian(1.0, 1.0)
    samples = dist.sample(50_000, np.random.default_rng(2))
    plain = score_function(f, dist, 50_000, np.random.default_rng(2))
    score = dist.score(samples)
    baselined = score_function(f, dist, 50_000, np.random.default_rng(2), baseline=3.0)
    np.testing.assert_allclose(control_variate(plain, score, 0.0, coefficient=3.0), baselined)
    reduced = control_variate(plain, score, 0.0)
    assert np.all(reduced.var(0) < plain.var(0))
    # optimal c ~ b* = (3, 5) here (d = 0, sigma = 1): variances near the exact optimum (6, 24)
    np.testing.assert_allclose(reduced.var(0), exact_variance(f, dist, baseline="optimal"), rtol=0.05)


def test_argument_validation():
    dist = pgviz.Gaussian()
    rng = np.random.default_rng(0)
    with pytest.raises(TypeError, match="dist"):
        score_function(x, "gaussian", 10, rng)
    with pytest.raises(TypeError, match="f"):
        score_function("x**2", dist, 10, rng)
    with pytest.raises(ValueError, match="f must be an expression in pgviz.x only"):
        score_function(x + sp.Symbol("y"), dist, 10, rng)
    with pytest.raises(TypeError, match="num_samples"):
        score_function(x, dist, 10.0, rng)
    with pytest.raises(ValueError, match="num_samples"):
        score_function(x, dist, 0, rng)
    with pytest.raises(TypeError, match="rng"):
        score_function(x, dist, 10, 0)
    with pytest.raises(ValueError, match="baseline"):
        score_function(x, dist, 10, rng, baseline=float("inf"))
    with pytest.raises(TypeError, match="baseline"):
        score_function(x, dist, 10, rng, baseline="mean")
    with pytest.raises(TypeError, match="f"):
        pathwise(lambda v: v, dist, 10, rng)
    with pytest.raises(ValueError, match="estimator"):
        exact_variance(x, dist, estimator="reinforce")
    with pytest.raises(ValueError, match="baseline"):
        exact_variance(x, dist, estimator="pathwise", baseline=1.0)
    with pytest.raises(ValueError, match="method"):
        exact_gradient(x, dist, method="magic")
    with pytest.raises(ValueError, match="normalized"):
        exact_gradient(x, pgviz.ExpLinear(0.0, 1.0))
    with pytest.raises(ValueError, match="level"):
        confidence_interval(np.ones((3, 1)), 1.5)
    with pytest.raises(ValueError, match="terms"):
        estimate(np.ones((1, 2)))
    with pytest.raises(ValueError, match="control"):
        control_variate(np.ones((4, 2)), np.ones(3))


def test_convergence_app_controls():
    """Setting a control's value fires the update: N moves the marker to the running mean; bad f shows a message."""
    from pgviz.widgets.estimators import ConvergenceApp

    dist = pgviz.Gaussian(1.0, 1.0)
    app = ConvergenceApp(
        "(x - 1)**2",
        dist,
        np.random.default_rng(0),
        max_samples=20_000,
        estimators=("score_function", "pathwise"),
        controls=("num_samples", "theta", "param", "cost"),
    )
    app.slider.value = 1000
    terms = score_function(cost("square", 1.0), dist, 20_000, np.random.default_rng(app.seed))[:1000, 0]
    np.testing.assert_allclose(app.current()["score_function"][0], terms.mean())
    np.testing.assert_allclose(app.markers["score_function"][0].get_ydata(), [terms.mean()])
    assert app.data["exact"] == pytest.approx(0.0, abs=1e-12)
    app.param_menu.value = 1
    assert app.data["exact"] == pytest.approx(2.0)  # d/dsigma E[(x-1)^2] = 2 sigma
    app.cost_text.value = "__import__('os')"
    assert "not changed" in app.readout.value and app.data["exact"] == pytest.approx(2.0)
    app.cost_text.value = "step(x)"
    assert "pathwise" in app.readout.value and np.all(app.data["terms"]["pathwise"] == 0)
    app.theta_sliders[1].value = 2.0
    np.testing.assert_allclose(app.data["exact"], exact_gradient(sp.Heaviside(x, 0), pgviz.Gaussian(1.0, 2.0))[1])
    with pytest.raises(ValueError, match="controls"):
        ConvergenceApp(x, dist, np.random.default_rng(0), controls=("volume",))
    with pytest.raises(TypeError, match="reparameterization"):
        ConvergenceApp(x, pgviz.Bernoulli(0.0), np.random.default_rng(0), estimators=("pathwise",))


def test_variance_curves_match_exact_variance_per_k():
    """exact_variance_curve (k as an argument) equals exact_variance at each k; sampled ones within 5 SE-ish."""
    from pgviz.costs import COSTS, k
    from pgviz.studies import exact_variance_curve, sampled_variances

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
    sampled = sampled_variances(COSTS["square"][0], k, [0.0], dist, NUM, np.random.default_rng(0), "pathwise")
    np.testing.assert_allclose(sampled[0], [4.0, 12.0], rtol=0.05)  # pathwise (4 sigma^2, 4d^2 + 8 sigma^2), d = 1


def test_categorical_by_enumeration():
    """Categorical softmax: d/dz_j E[f] = p_j (f(j) - E[f]) (one-hot minus probabilities); estimators agree."""
    dist = pgviz.Categorical([0.0, 0.5, 1.0])
    p = np.exp([0.0, 0.5, 1.0]) / np.exp([0.0, 0.5, 1.0]).sum()
    f_values = (np.arange(3) - 2.0) ** 2
    exact = p * (f_values - p @ f_values)
    f = (x - 2) ** 2
    np.testing.assert_allclose(exact_gradient(f, dist), exact, rtol=1e-12)
    for baseline in (None, 1.0, "optimal"):
        terms = score_function(f, dist, NUM, np.random.default_rng(9), baseline=baseline)
        assert np.all(np.abs(estimate(terms) - exact) <= 5 * standard_error(terms))
        assert np.all(np.abs(terms.var(0) - exact_variance(f, dist, baseline=baseline)) <= 5 * _variance_se(terms))


def test_study_argument_validation():
    from pgviz.costs import COSTS, k
    from pgviz.estimators import (
        exact_variance_curve,
        repeated_estimates,
        rms_error_vs_n,
        sampled_variances,
        variance_study,
    )

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
    np.testing.assert_allclose(rms_error_vs_n(x, dist, np.array([4]), 3, rng).shape, (1, 2))


def test_callable_cost_matches_sympy_cost():
    """A vectorized callable f gives the same terms, gradient and variances as its SymPy form."""
    f = cost("cosine", 2.0)
    dist = pgviz.Gaussian(0.3, 0.8)

    def f_callable(values):
        return np.cos(2.0 * values)

    np.testing.assert_allclose(
        score_function(f_callable, dist, 1000, np.random.default_rng(4), baseline="optimal"),
        score_function(f, dist, 1000, np.random.default_rng(4), baseline="optimal"),
        rtol=1e-10,
    )
    np.testing.assert_allclose(exact_gradient(f_callable, dist), exact_gradient(f, dist), rtol=1e-10)
    np.testing.assert_allclose(
        exact_variance(f_callable, dist, baseline="optimal"), exact_variance(f, dist, baseline="optimal"), rtol=1e-9
    )
    with pytest.raises(ValueError, match="same shape"):
        score_function(lambda v: v[:1], dist, 10, np.random.default_rng(0))


def test_blocked_computation_equals_the_formula_across_blocks():
    """score_function and pathwise work in blocks of CHUNK_ROWS rows after drawing the noise at
    once: the terms equal (f(x) - b) * score(x) and f'(x) dx/dtheta computed on whole arrays, for
    an N that spans more than one block, with x = dist.sample(N) from an equally seeded rng."""
    from pgviz.estimators import CHUNK_ROWS

    num_samples = CHUNK_ROWS + 12_345
    for dist in (pgviz.Gaussian(0.7, 1.3), pgviz.Exponential(1.7)):
        samples = dist.sample(num_samples, np.random.default_rng(5))
        f_values = (samples - 2.0) ** 2
        terms = pgviz.score_function((pgviz.x - 2) ** 2, dist, num_samples, np.random.default_rng(5), baseline=0.5)
        np.testing.assert_allclose(terms, (f_values - 0.5)[:, None] * dist.score(samples), rtol=1e-10, atol=1e-12)
        pathwise_terms = pgviz.pathwise((pgviz.x - 2) ** 2, dist, num_samples, np.random.default_rng(5))
        noise = dist.sample_noise(num_samples, np.random.default_rng(5))
        if isinstance(dist, pgviz.Gaussian):  # x = mu + sigma eps: dx/dmu = 1, dx/dsigma = eps
            jacobian = np.column_stack([np.ones(num_samples), noise])
        else:  # x = eps / rate: dx/drate = -eps / rate^2
            jacobian = (-noise / dist.param_vector[0] ** 2)[:, None]
        np.testing.assert_allclose(pathwise_terms, (2 * (samples - 2.0))[:, None] * jacobian, rtol=1e-10, atol=1e-12)


def test_estimators_on_given_noise_equal_the_sampling_ones():
    """score_function_on_noise / pathwise_on_noise on dist.sample_noise(N, rng) give the terms of
    score_function / pathwise with an equally seeded rng; param picks one column; the same noise
    at a new theta gives the new theta's terms (x = g(eps; theta) moved, not resampled)."""
    from pgviz.estimators import pathwise_on_noise, score_function_on_noise

    f = cost("bump", 0.7)
    for dist in (pgviz.Gaussian(0.4, 1.3), pgviz.Exponential(1.7)):
        noise = dist.sample_noise(5_000, np.random.default_rng(8))
        for baseline in (None, 0.3, "optimal"):
            expected = score_function(f, dist, 5_000, np.random.default_rng(8), baseline=baseline)
            np.testing.assert_array_equal(score_function_on_noise(f, dist, noise, baseline=baseline), expected)
            for j in range(dist.num_params):
                np.testing.assert_array_equal(
                    score_function_on_noise(f, dist, noise, baseline, param=j), expected[:, j]
                )
        expected = pathwise(f, dist, 5_000, np.random.default_rng(8))
        np.testing.assert_array_equal(pathwise_on_noise(f, dist, noise), expected)
        np.testing.assert_array_equal(pathwise_on_noise(f, dist, noise, param=dist.num_params - 1), expected[:, -1])
        moved = dist.with_params(dist.param_vector * 1.5)
        samples = moved.transform(noise)
        np.testing.assert_allclose(
            score_function_on_noise(f, moved, noise),
            cost_values(f, samples)[:, None] * moved.score(samples),
            rtol=1e-10,
            atol=1e-12,
        )


def cost_values(f, samples):
    return pgviz.symbolic.numpy_function(f, (x,))(samples)


@pytest.mark.parametrize("call", ["score", "pathwise"])
def test_on_noise_argument_validation(call):
    from pgviz.estimators import pathwise_on_noise, score_function_on_noise

    estimator = score_function_on_noise if call == "score" else pathwise_on_noise
    dist, f = pgviz.Gaussian(0.0, 1.0), x**2
    for noise, error, match in [
        ("abc", TypeError, "noise"),
        (3.0, TypeError, "noise"),
        (np.ones((3, 2)), ValueError, "1-D"),
        ([], ValueError, "1-D"),
        ([0.0, np.nan], ValueError, "finite"),
        ([[1.0], [2.0, 3.0]], TypeError, "noise"),
    ]:
        with pytest.raises(error, match=match):
            estimator(f, dist, noise)
    for param in (2, -1, 0.5, True, "mu"):
        with pytest.raises(ValueError, match="param"):
            estimator(f, dist, np.zeros(4), param=param)
    with pytest.raises(TypeError, match="reparameterization"):
        estimator(f, pgviz.Bernoulli(0.0), np.zeros(4))


def test_running_at_equals_the_mean_and_standard_error_of_the_first_n_terms():
    """convergence_data keeps block sums at the grid points only; running_at(n) for N on and off
    the grid equals the plain mean and standard error (ddof 1) of the first n per-sample terms."""
    from pgviz.widgets.estimators import convergence_data, running_at

    dist = pgviz.Gaussian(0.5, 1.2)
    data = convergence_data(
        cost("cosine", 2.0), dist, seed=4, param=1, max_samples=50_000, estimators=("score_function", "pathwise")
    )
    terms = {
        "score_function": score_function(cost("cosine", 2.0), dist, 50_000, np.random.default_rng(4))[:, 1],
        "pathwise": pathwise(cost("cosine", 2.0), dist, 50_000, np.random.default_rng(4))[:, 1],
    }
    for name, expected in terms.items():
        np.testing.assert_array_equal(data["terms"][name], expected)
        for n in (2, 7, int(data["n_grid"][100]), int(data["n_grid"][100]) + 1, 31_415, 50_000):
            mean, se = running_at(data, name, n)
            np.testing.assert_allclose(mean, expected[:n].mean(), rtol=1e-10, atol=1e-13)
            np.testing.assert_allclose(se, expected[:n].std(ddof=1) / np.sqrt(n), rtol=1e-8)
        grid = data["n_grid"][data["n_grid"] > 1]
        np.testing.assert_allclose(
            data["running"][name][-grid.size :], [expected[:n].mean() for n in grid], rtol=1e-9, atol=1e-12
        )
    for n in (0, 50_001, 2.5, True):
        with pytest.raises(ValueError, match="n must be"):
            running_at(data, "pathwise", n)
    with pytest.raises(ValueError, match="name must be"):
        running_at(data, "score_function_baseline", 10)


def test_convergence_app_keeps_its_y_limits_for_small_theta_moves():
    """Small theta moves keep the y limits (only the curves are redrawn) while every band from
    N = 10 on and the exact value stay inside them; a large move sets new limits that hold them."""
    from pgviz.widgets.estimators import ConvergenceApp

    app = ConvergenceApp(
        "exp(-(x - 2)**2)",
        pgviz.Gaussian(1.0, 1.0),
        np.random.default_rng(3),
        max_samples=20_000,
        estimators=("score_function", "pathwise"),
        controls=("theta",),
    )

    def inside():
        low, high = app.ax.get_ylim()
        start = np.searchsorted(app.data["n_grid"], 10)
        for name in app.estimators:
            running, se = app.data["running"][name][start:], app.data["running_se"][name][start:]
            assert low <= np.min(running - 2 * se) and np.max(running + 2 * se) <= high
        assert low <= app.data["exact"] <= high

    limits = app.ax.get_ylim()
    for mu in (1.05, 1.1):
        app.theta_sliders[0].value = mu
        inside()
    assert app.ax.get_ylim() == limits
    app.theta_sliders[0].value = -2.5
    inside()
    assert app.ax.get_ylim() != limits
    assert app.exact_text.get_text().strip() == f"exact {app.data['exact']:+.4f}"


def test_convergence_app_blitted_pictures_equal_full_draws():
    """A seeded walk over N, mu, sigma and the gradient component: after each change the app's
    picture (blitted when only the curves move) equals that of the same app drawing everything."""
    from pgviz.widgets.estimators import ConvergenceApp

    class FullDraws(ConvergenceApp):
        blit = False

    def make(cls):
        return cls(
            "(x - 1)**2",
            pgviz.Gaussian(1.0, 1.0),
            np.random.default_rng(2),
            max_samples=20_000,
            estimators=("score_function", "score_function_baseline", "pathwise"),
            controls=("num_samples", "theta", "param"),
        )

    blitted, reference = make(ConvergenceApp), make(FullDraws)
    rng = np.random.default_rng(11)
    for _ in range(14):
        control = str(rng.choice(["N", "N", "mu", "mu", "sigma", "param"]))
        for app in (blitted, reference):
            if control == "N":
                app.slider.value = 10 ** float(rng.uniform(0, 4.3)) if app is blitted else blitted.slider.value
            elif control == "param":
                app.param_menu.value = 1 - app.param_menu.value
            else:
                slider = app.theta_sliders[0 if control == "mu" else 1]
                slider.value = round(slider.value + 0.05, 2)
        np.testing.assert_array_equal(
            np.asarray(Image.open(io.BytesIO(blitted.image.value))),
            np.asarray(Image.open(io.BytesIO(reference.image.value))),
        )


def test_convergence_app_precomputes_the_next_theta_step(monkeypatch):
    """After a one-step move of a theta slider inside a running event loop (as in a Jupyter
    kernel), the next step in the same direction is computed once the loop is idle; moving there
    then computes nothing, and shows the numbers a fresh computation gives."""
    import asyncio

    import pgviz.widgets.estimators as widget_module
    from pgviz.widgets.estimators import ConvergenceApp, convergence_data

    app = ConvergenceApp(
        "(x - 1)**2",
        pgviz.Gaussian(1.0, 1.0),
        np.random.default_rng(0),
        max_samples=20_000,
        estimators=("score_function", "pathwise"),
        controls=("num_samples", "theta"),
    )

    async def press_right():
        app.theta_sliders[0].value += app.theta_sliders[0].step  # 1.0 -> 1.05
        await asyncio.sleep(0)  # the loop runs the scheduled computation of mu = 1.1

    asyncio.run(press_right())
    assert app._precomputed is not None and app._precomputed[0][1] == (1.1, 1.0)
    calls = []
    monkeypatch.setattr(widget_module, "convergence_data", lambda *a, **k: calls.append(1))
    app.theta_sliders[0].value = 1.1000000000000005  # what a slider step can leave
    assert calls == [] and app._key[1] == (1.1, 1.0)
    fresh = convergence_data(app.f, pgviz.Gaussian(1.1, 1.0), app.seed, 0, 20_000, app.estimators, app.noise)
    for name in app.estimators:
        np.testing.assert_array_equal(app.data["running"][name], fresh["running"][name])
    assert app.data["exact"] == fresh["exact"]
    monkeypatch.undo()
    for bad, error in (
        ([float("nan"), 1.0], ValueError),
        ([1.0, -1.0], ValueError),
        ([1.0], ValueError),
        ("1.0", TypeError),
        (["a", 1.0], TypeError),
        (1.0, TypeError),
    ):
        with pytest.raises(error):
            app.precompute_theta(bad)

    async def jump():
        app.theta_sliders[1].value = 2.0  # a jump of many steps: no next step is predicted
        await asyncio.sleep(0)

    asyncio.run(jump())
    assert app._precomputed[0][1] == (1.1, 1.0) and app._key[1] == (1.1, 2.0)
