"""pgviz.estimators: the Monte Carlo gradient estimators, against exact gradients and their own equations.

Truths used: the exact gradient of pgviz.expectations (itself checked against closed forms in
tests/test_expectations.py), unbiasedness within 5 standard errors of seeded runs; the terms
computed by hand from the samples (score and Jacobian in closed form); and the readable
``score_function_terms`` / ``pathwise_terms`` (the equations as written) on the same samples,
which the fast estimators must equal.
"""

import numpy as np
import pytest
import sympy as sp

import pgviz
import pgviz.estimators as estimators_module
from pgviz.costs import cost
from pgviz.estimators import (
    CHUNK_ROWS,
    ESTIMATORS,
    check_estimator,
    pathwise,
    pathwise_on_noise,
    pathwise_terms,
    score_function,
    score_function_on_noise,
    score_function_terms,
)
from pgviz.expectations import exact_gradient
from pgviz.plots.style import COLORS
from pgviz.statistics import estimate, standard_error

x = pgviz.x
K_VALUES = {"linear": 0.0, "square": 1.5, "bump": 0.7, "cosine": 2.0, "step": 0.3, "abs": -0.4}
GRID = [(0.0, 1.0), (1.0, 0.5), (-1.0, 2.0)]
NUM = 200_000


@pytest.mark.parametrize("name", sorted(K_VALUES))
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


def test_finite_supports_unbiased_and_the_two_point_optimal_baseline_is_exact():
    """Bernoulli: the score function is unbiased for (f(1) - f(0)) p (1 - p); on two points the optimal
    baseline makes every term equal the gradient. Categorical: unbiased for p_j (f(j) - E[f])."""
    p = 1 / (1 + np.exp(-0.4))
    f = (x - 3) ** 2  # f(0) = 9, f(1) = 4
    bernoulli = pgviz.Bernoulli(0.4)
    gradient = (4 - 9) * p * (1 - p)
    terms = score_function(f, bernoulli, NUM, np.random.default_rng(3), baseline=2.0)
    assert abs(estimate(terms)[0] - gradient) <= 5 * standard_error(terms)[0]
    optimal = score_function(f, bernoulli, 1000, np.random.default_rng(3), baseline="optimal")
    np.testing.assert_allclose(optimal, gradient, rtol=1e-12)
    logits = np.array([0.0, 0.5, 1.0])
    probabilities = np.exp(logits) / np.exp(logits).sum()
    f_values = (np.arange(3) - 2.0) ** 2
    exact = probabilities * (f_values - probabilities @ f_values)
    for baseline in (None, 1.0, "optimal"):
        terms = score_function((x - 2) ** 2, pgviz.Categorical(logits), NUM, np.random.default_rng(9), baseline)
        assert np.all(np.abs(estimate(terms) - exact) <= 5 * standard_error(terms)), baseline


def test_exponential_distribution_pathwise_and_score():
    """Exp(rate): E[x^2] = 2/rate^2, so d/drate = -4/rate^3; both estimators within 5 SE."""
    dist = pgviz.Exponential(2.0)
    exact = -4 / 2.0**3
    for terms in (
        score_function(x**2, dist, NUM, np.random.default_rng(1)),
        pathwise(x**2, dist, NUM, np.random.default_rng(1)),
    ):
        assert abs(estimate(terms)[0] - exact) <= 5 * standard_error(terms)[0]


@pytest.mark.parametrize("mu, sigma", GRID)
def test_pathwise_is_silently_wrong_for_a_step(mu, sigma):
    """d/dx 1[x > k] = 0 almost everywhere: every pathwise term is 0, the exact gradient is not."""
    f = cost("step", 0.3)
    dist = pgviz.Gaussian(mu, sigma)
    assert np.all(pathwise(f, dist, 10_000, np.random.default_rng(5)) == 0.0)
    assert np.all(np.abs(exact_gradient(f, dist)) > 0.01)


def test_pathwise_and_score_function_share_samples():
    """Equal seeds give the same x: pathwise for f = x is (1, eps) with x = mu + sigma*eps, and the
    score function is x * score(x) on those x."""
    dist = pgviz.Gaussian(1.0, 2.0)
    terms = pathwise(x, dist, 1000, np.random.default_rng(7))
    samples = dist.sample(1000, np.random.default_rng(7))
    np.testing.assert_allclose(terms[:, 0], 1.0)
    np.testing.assert_allclose(terms[:, 1], (samples - 1.0) / 2.0)
    sf = score_function(x, dist, 1000, np.random.default_rng(7))
    np.testing.assert_allclose(sf, samples[:, None] * dist.score(samples))


# ------------------------------------------------------------------------ fast == readable
DISTRIBUTIONS = [
    pgviz.Gaussian(0.7, 1.3),
    pgviz.Exponential(1.7),
    pgviz.Bernoulli(0.4),
    pgviz.Categorical([0.3, -1.0, 0.2]),
]
SMALL_CHUNK, SPANNING = 1000, 2500  # three blocks, the last one partial


def assert_same_terms(fast, readable, exact: bool):
    """Equal arrays; ``exact=False``: to 1e-12 of the largest term (the fast path writes the score in
    eps, e.g. eps/sigma for (x - mu)/sigma^2: the same number, rounded differently)."""
    assert fast.shape == readable.shape
    if exact:
        np.testing.assert_array_equal(fast, readable)
    else:
        np.testing.assert_allclose(fast, readable, rtol=1e-12, atol=1e-12 * np.abs(readable).max())


@pytest.mark.parametrize("f", [(x - 2) ** 2, sp.Heaviside(x - 1, 0)], ids=["square", "step"])
@pytest.mark.parametrize("baseline", [None, 0.5, "optimal"], ids=["none", "number", "optimal"])
@pytest.mark.parametrize("dist", DISTRIBUTIONS, ids=repr)
def test_score_function_equals_its_readable_form_across_blocks(dist, baseline, f, monkeypatch):
    """score_function(f, dist, N, rng) = score_function_terms(f, dist, dist.sample(N, rng'), b) for
    equally seeded rng, rng', with N spanning three blocks (CHUNK_ROWS made small to cross them)."""
    monkeypatch.setattr(estimators_module, "CHUNK_ROWS", SMALL_CHUNK)
    fast = score_function(f, dist, SPANNING, np.random.default_rng(5), baseline=baseline)
    samples = dist.sample(SPANNING, np.random.default_rng(5))
    readable = score_function_terms(f, dist, samples, baseline=baseline)
    assert_same_terms(fast, readable, exact=dist.is_finite)
    if dist.reparameterization is not None:  # and on the noise those samples came from
        noise = dist.sample_noise(SPANNING, np.random.default_rng(5))
        assert_same_terms(score_function_on_noise(f, dist, noise, baseline=baseline), readable, exact=False)


@pytest.mark.parametrize("f", [(x - 2) ** 2, sp.cos(2 * x), sp.Abs(x - 1)], ids=["square", "cosine", "abs"])
@pytest.mark.parametrize("dist", DISTRIBUTIONS[:2], ids=repr)
def test_pathwise_equals_its_readable_form_across_blocks(dist, f, monkeypatch):
    """pathwise(f, dist, N, rng) = pathwise_terms(f, dist, dist.sample_noise(N, rng')), exactly."""
    monkeypatch.setattr(estimators_module, "CHUNK_ROWS", SMALL_CHUNK)
    fast = pathwise(f, dist, SPANNING, np.random.default_rng(6))
    noise = dist.sample_noise(SPANNING, np.random.default_rng(6))
    readable = pathwise_terms(f, dist, noise)
    assert_same_terms(fast, readable, exact=True)
    assert_same_terms(pathwise_on_noise(f, dist, noise), readable, exact=True)


def test_blocked_computation_equals_the_formula_across_real_blocks():
    """With the real CHUNK_ROWS and N spanning two blocks: the terms equal (f(x) - b) * score(x) and
    f'(x) dx/dtheta written out by hand (Gaussian score ((x - mu)/sigma^2, ((x - mu)^2 - sigma^2)/sigma^3),
    Jacobian (1, eps); exponential score 1/rate - x, Jacobian -eps/rate^2), and the readable forms."""
    num_samples = CHUNK_ROWS + 12_345
    f = (x - 2) ** 2
    for dist in (pgviz.Gaussian(0.7, 1.3), pgviz.Exponential(1.7)):
        samples = dist.sample(num_samples, np.random.default_rng(5))
        noise = dist.sample_noise(num_samples, np.random.default_rng(5))
        if isinstance(dist, pgviz.Gaussian):
            mu, sigma = dist.param_vector
            score = np.column_stack([(samples - mu) / sigma**2, ((samples - mu) ** 2 - sigma**2) / sigma**3])
            jacobian = np.column_stack([np.ones(num_samples), noise])
        else:
            (rate,) = dist.param_vector
            score = (1 / rate - samples)[:, None]
            jacobian = (-noise / rate**2)[:, None]
        terms = score_function(f, dist, num_samples, np.random.default_rng(5), baseline=0.5)
        np.testing.assert_allclose(terms, ((samples - 2.0) ** 2 - 0.5)[:, None] * score, rtol=1e-10, atol=1e-10)
        assert_same_terms(terms, score_function_terms(f, dist, samples, baseline=0.5), exact=False)
        terms = pathwise(f, dist, num_samples, np.random.default_rng(5))
        np.testing.assert_allclose(terms, (2 * (samples - 2.0))[:, None] * jacobian, rtol=1e-10, atol=1e-12)
        assert_same_terms(terms, pathwise_terms(f, dist, noise), exact=True)


def test_estimators_on_given_noise_equal_the_sampling_ones():
    """score_function_on_noise / pathwise_on_noise on dist.sample_noise(N, rng) give the terms of
    score_function / pathwise with an equally seeded rng; param picks one column; the same noise
    at a new theta gives the new theta's terms (x = g(eps; theta) moved, not resampled)."""
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
            np.exp(-0.7 * samples**2)[:, None] * moved.score(samples),
            rtol=1e-10,
            atol=1e-12,
        )


def test_callable_cost_gives_the_terms_of_its_sympy_form():
    f = cost("cosine", 2.0)
    dist = pgviz.Gaussian(0.3, 0.8)
    np.testing.assert_allclose(
        score_function(lambda v: np.cos(2.0 * v), dist, 1000, np.random.default_rng(4), baseline="optimal"),
        score_function(f, dist, 1000, np.random.default_rng(4), baseline="optimal"),
        rtol=1e-10,
    )
    bernoulli = pgviz.Bernoulli(0.4)
    np.testing.assert_allclose(
        score_function(lambda v: (v - 3) ** 2, bernoulli, 100, np.random.default_rng(3)),
        score_function((x - 3) ** 2, bernoulli, 100, np.random.default_rng(3)),
    )
    with pytest.raises(ValueError, match="same shape"):
        score_function(lambda v: v[:1], dist, 10, np.random.default_rng(0))


def test_the_registry_names_every_estimator_once():
    """Each entry of ESTIMATORS has a label, a kind the studies can run and a colour of its own."""
    assert set(ESTIMATORS) == {"score_function", "score_function_baseline", "pathwise"}
    for name, entry in ESTIMATORS.items():
        assert check_estimator(name) is entry and entry.label
        assert entry.kind in ("score_function", "pathwise") and entry.baseline in (None, "optimal")
        assert name in COLORS
    assert len({COLORS[name] for name in ESTIMATORS}) == len(ESTIMATORS)
    with pytest.raises(ValueError, match="estimator must be one of"):
        check_estimator("reinforce")


def test_pathwise_refuses_distributions_without_reparameterization():
    for dist in (pgviz.Bernoulli(0.0), pgviz.Categorical([0.0, 1.0, 2.0]), pgviz.ExpLinear(0.0, 1.0, actions=(0, 1))):
        with pytest.raises(TypeError, match="reparameterization"):
            pathwise(x, dist, 10, np.random.default_rng(0))
        with pytest.raises(TypeError, match="reparameterization"):
            pathwise_terms(x, dist, np.zeros(3))


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
    with pytest.raises(ValueError, match="baseline"):
        score_function(x, dist, 10, rng, baseline="mean")
    with pytest.raises(TypeError, match="f"):
        pathwise(lambda v: v, dist, 10, rng)
    with pytest.raises(ValueError, match="samples must be a 1-d array"):
        score_function_terms(x, dist, np.zeros((3, 2)))
    with pytest.raises(ValueError, match="normalized"):
        score_function_terms(x, pgviz.ExpLinear(0.0, 1.0), np.zeros(3))


@pytest.mark.parametrize("call", ["score", "pathwise"])
def test_on_noise_argument_validation(call):
    estimator = score_function_on_noise if call == "score" else pathwise_on_noise
    dist, f = pgviz.Gaussian(0.0, 1.0), x**2
    for noise, error, match in [
        ("abc", TypeError, "noise"),
        (3.0, ValueError, "1-d"),
        (np.ones((3, 2)), ValueError, "1-d"),
        ([], ValueError, "at least one"),
        ([0.0, np.nan], ValueError, "finite"),
        ([[1.0], [2.0, 3.0]], TypeError, "noise"),
    ]:
        with pytest.raises(error, match=match):
            estimator(f, dist, noise)
    for param, error in ((2, ValueError), (-1, ValueError), (0.5, TypeError), (True, TypeError), ("mu", TypeError)):
        with pytest.raises(error, match="param"):
            estimator(f, dist, np.zeros(4), param=param)
    with pytest.raises(TypeError, match="reparameterization"):
        estimator(f, pgviz.Bernoulli(0.0), np.zeros(4))
