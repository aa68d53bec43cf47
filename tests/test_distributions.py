"""Each catalog distribution against independent truths: the standard library's normal density and
the exponential's closed form, finite differences of its own log_prob, closed-form Fisher
informations, exact probabilities, textbook moments of seeded samples (5 SE), and the change of
variables of each reparameterization (which must also reject a wrong map)."""

import copy
import math
import statistics

import numpy as np
import pytest
import sympy as sp

import pgviz
from pgviz.distributions import Distribution, softmax
from pgviz.symbolic import eps, x

SEED = 20261122


# One instance of every family, built (and its SymPy expressions compiled) once; random_catalog
# moves the parameters with with_params, which copies the instance.
CATALOG = [
    pgviz.Gaussian(0.0, 1.0),
    pgviz.Exponential(1.0),
    pgviz.Bernoulli(0.0),
    pgviz.Categorical([0.0, 0.0, 0.0, 0.0]),
    pgviz.ExpLinear(0.0, 1.0),
    pgviz.ExpLinear(0.0, 1.0, actions=(-1.0, 0.0, 0.5, 2.0)),
]


def random_catalog(rng):
    """One instance of every catalog distribution at a random parameter point (the order of CATALOG)."""
    return [
        CATALOG[0].with_params([rng.uniform(-2, 2), rng.uniform(0.3, 3)]),
        CATALOG[1].with_params([rng.uniform(0.2, 4)]),
        CATALOG[2].with_params([rng.uniform(-3, 3)]),
        CATALOG[3].with_params(rng.uniform(-2, 2, size=4)),
        CATALOG[4].with_params(rng.uniform(-1, 1, size=2)),
        CATALOG[5].with_params(rng.uniform(-1, 1, size=2)),
    ]


def points_in_support(dist, rng):
    if dist.is_finite:
        return dist.support_values
    if dist.support.inf == 0:
        return rng.exponential(2.0, size=7)
    return rng.normal(0.0, 3.0, size=7)


@pytest.mark.parametrize("mu, sigma", [(0.0, 1.0), (-1.3, 0.4), (2.5, 3.0)])
def test_gaussian_log_prob_is_the_log_of_the_standard_library_density(mu, sigma):
    """log p(x) = log NormalDist(mu, sigma).pdf(x), the density of Python's statistics module."""
    points = np.array([-4.0, -1.0, -0.25, 0.0, 0.5, 1.7, 6.0])
    expected = [math.log(statistics.NormalDist(mu, sigma).pdf(v)) for v in points]
    np.testing.assert_allclose(pgviz.Gaussian(mu, sigma).log_prob(points), expected, rtol=1e-13, atol=1e-14)


@pytest.mark.parametrize("rate", [0.3, 1.0, 4.5])
def test_exponential_log_prob_is_the_closed_form(rate):
    """log p(x) = log(rate) - rate x on [0, inf); the density integrates to 1 - exp(-rate b) up to b."""
    points = np.array([0.0, 0.1, 1.0, 2.5, 10.0])
    expected = [math.log(rate) - rate * v for v in points]
    np.testing.assert_allclose(pgviz.Exponential(rate).log_prob(points), expected, rtol=1e-14, atol=1e-15)
    grid = np.linspace(0.0, 2.0, 20_001)
    density = np.exp(pgviz.Exponential(rate).log_prob(grid))
    trapezoid = (density[:-1] + density[1:]).sum() / 2 * (grid[1] - grid[0])
    assert trapezoid == pytest.approx(1 - math.exp(-2 * rate), rel=1e-7)


def test_softmax_is_the_closed_form_and_does_not_overflow():
    """exp(z_k) / sum_j exp(z_j) row by row; logits near 1000 give the same as near 0 (shift invariance)."""
    logits = np.array([[0.0, 1.0, -2.0], [0.5, 0.5, 0.5]])
    expected = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(softmax(logits), expected, rtol=1e-15)
    np.testing.assert_allclose(softmax(logits + 1000.0), expected, rtol=1e-13)
    np.testing.assert_allclose(softmax(np.array([1000.0, 1001.0])), [1 / (1 + math.e), math.e / (1 + math.e)])


@pytest.mark.parametrize("trial", range(5))
def test_score_matches_central_finite_differences(trial):
    """score(x)[:, j] = (log_prob(x; theta + h e_j) - log_prob(x; theta - h e_j)) / 2h.

    h = 1e-5: truncation error h^2/6 |d^3 log p| and rounding error ~1e-16 |log p| / h are both
    below 1e-8 for these parameter ranges, so a tolerance of 1e-6 (relative and absolute) can
    only fail when the score is wrong.
    """
    rng = np.random.default_rng([SEED, trial])
    h = 1e-5
    for dist in random_catalog(rng):
        points = points_in_support(dist, rng)
        theta = dist.param_vector
        numeric = np.empty((len(points), dist.num_params))
        for j in range(dist.num_params):
            step = np.zeros_like(theta)
            step[j] = h
            up = dist.with_params(theta + step).log_prob(points)
            down = dist.with_params(theta - step).log_prob(points)
            numeric[:, j] = (up - down) / (2 * h)
        np.testing.assert_allclose(dist.score(points), numeric, rtol=1e-6, atol=1e-6, err_msg=repr(dist))


def test_shapes_and_param_names():
    rng = np.random.default_rng(SEED)
    for dist in random_catalog(rng):
        points = points_in_support(dist, rng)
        assert dist.log_prob(points).shape == (len(points),)
        assert dist.score(points).shape == (len(points), len(dist.param_names))
        assert len(dist.score_exprs) == len(dist.param_names) == dist.num_params
    assert pgviz.Gaussian(0, 1).param_names == ("mu", "sigma")
    assert pgviz.Categorical([0, 1, 2]).param_names == ("logit_0", "logit_1", "logit_2")
    assert pgviz.Exponential(1).param_names == ("rate",)
    assert pgviz.Bernoulli(0).param_names == ("logit",)


@pytest.mark.parametrize(
    "dist",
    [
        pgviz.Gaussian(0.5, 1.5),
        pgviz.Exponential(2.0),
        pgviz.Bernoulli(0.7),
        pgviz.Categorical([0.3, -1.0, 0.2]),
        pgviz.ExpLinear(0.4, -0.6, actions=(0, 1, 2)),
    ],
    ids=repr,
)
def test_score_mean_zero_and_fisher_identity_hold_symbolically(dist):
    """E[score] = 0 and E[score score^T] = -E[Hessian log p], with the parameters left as symbols."""
    assert pgviz.check_score_mean_zero(dist, symbolic=True).holds
    assert pgviz.check_fisher_identity(dist, symbolic=True).holds


def test_fisher_information_closed_forms():
    """Textbook Fisher informations: N(mu, sigma): diag(1/sigma^2, 2/sigma^2); Exp(rate): 1/rate^2;
    Bernoulli(logit z): p(1 - p) with p = sigmoid(z); Categorical: diag(p) - p p^T."""
    sigma, rate, z = 1.7, 2.5, 0.8
    np.testing.assert_allclose(
        np.array(pgviz.fisher_information(pgviz.Gaussian(0.3, sigma), symbolic=False), dtype=float),
        np.diag([1 / sigma**2, 2 / sigma**2]),
        rtol=1e-12,
    )
    assert float(pgviz.fisher_information(pgviz.Exponential(rate), symbolic=False)[0, 0]) == pytest.approx(
        1 / rate**2, rel=1e-12
    )
    p = 1 / (1 + np.exp(-z))
    assert float(pgviz.fisher_information(pgviz.Bernoulli(z), symbolic=False)[0, 0]) == pytest.approx(
        p * (1 - p), rel=1e-12
    )
    cat = pgviz.Categorical([0.3, -1.0, 0.2])
    probs = cat.probabilities()
    np.testing.assert_allclose(
        np.array(pgviz.fisher_information(cat, symbolic=False), dtype=float),
        np.diag(probs) - np.outer(probs, probs),
        rtol=1e-10,
        atol=1e-14,
    )


def test_identity_check_can_fail():
    """A 'Gaussian' missing its -log(sigma) normalizer: its "density" integrates to sigma and
    the sum of score times density, integral of (x - mu)^2/sigma^3 * exp(-(x - mu)^2/(2 sigma^2))/sqrt(2 pi),
    is 1, not 0; the check must say so."""

    class Unnormalized(Distribution):
        def __init__(self):
            mu, sigma = sp.Symbol("mu", real=True), sp.Symbol("sigma", positive=True)
            self._define((mu, sigma), (0.0, 1.0), -((x - mu) ** 2) / (2 * sigma**2) - sp.log(2 * sp.pi) / 2, sp.S.Reals)

    check = pgviz.check_score_mean_zero(Unnormalized())
    assert not check.holds
    assert check.lhs[0] == 0 and sp.simplify(check.lhs[1] - 1) == 0


def test_finite_probabilities_are_the_closed_forms():
    z = np.array([0.3, -1.0, 0.2, 1.1])
    np.testing.assert_allclose(pgviz.Categorical(z).probabilities(), np.exp(z) / np.exp(z).sum(), rtol=1e-12)
    np.testing.assert_allclose(pgviz.Bernoulli(0.4).probabilities(), [1 / (1 + np.exp(0.4)), 1 / (1 + np.exp(-0.4))])
    actions = np.array([0.0, 1.0, 2.0])
    policy = pgviz.ExpLinear(0.9, 0.5, actions=actions)
    weights = np.exp(0.9 + 0.5 * actions)
    np.testing.assert_allclose(policy.probabilities(), weights / weights.sum(), rtol=1e-12)


def test_normalized_exp_linear_score_is_feature_minus_its_mean():
    """Normalizing exp(alpha + beta a) over actions: the score is (0, a - E[a]); alpha cancels."""
    actions = np.array([-1.0, 0.0, 0.5, 2.0])
    policy = pgviz.ExpLinear(0.3, 0.8, actions=actions)
    mean_action = policy.probabilities() @ actions
    np.testing.assert_allclose(policy.score(actions), np.column_stack([np.zeros(4), actions - mean_action]), atol=1e-12)
    np.testing.assert_allclose(policy.support_scores(), policy.score(policy.support_values))
    as_written = pgviz.ExpLinear(0.3, 0.8)
    np.testing.assert_allclose(as_written.score(actions), np.column_stack([np.ones(4), actions]))
    np.testing.assert_allclose(as_written.log_prob(actions), 0.3 + 0.8 * actions)


def textbook_moments(dist):
    """(E[x], E[x^2]) in closed form: N(mu, sigma): mu, mu^2 + sigma^2; Exp(rate): 1/rate, 2/rate^2;
    a finite support: sum_k p_k v_k and sum_k p_k v_k^2 with p the sigmoid/softmax of the logits."""
    theta = dist.param_vector
    if isinstance(dist, pgviz.Gaussian):
        return theta[0], theta[0] ** 2 + theta[1] ** 2
    if isinstance(dist, pgviz.Exponential):
        return 1 / theta[0], 2 / theta[0] ** 2
    values = dist.support_values
    if isinstance(dist, pgviz.Bernoulli):
        probabilities = np.array([1 - 1 / (1 + np.exp(-theta[0])), 1 / (1 + np.exp(-theta[0]))])
    elif isinstance(dist, pgviz.Categorical):
        probabilities = np.exp(theta) / np.exp(theta).sum()
    else:  # the normalized exp-linear policy: exp(alpha + beta a) / sum_b exp(alpha + beta b)
        probabilities = np.exp(theta[0] + theta[1] * values) / np.exp(theta[0] + theta[1] * values).sum()
    return probabilities @ values, probabilities @ values**2


@pytest.mark.parametrize("trial", range(3))
def test_samples_have_the_exact_moments(trial):
    """Sample means of x and x^2 from 2e5 seeded draws lie within 5 SE of the textbook E[x], E[x^2]."""
    rng = np.random.default_rng([SEED, 100 + trial])
    for dist in random_catalog(rng):
        if not dist.is_normalized:
            continue
        draws = dist.sample(200_000, rng)
        for power, exact in zip((1, 2), textbook_moments(dist)):
            values = draws**power
            se = values.std(ddof=1) / np.sqrt(len(values))
            assert abs(values.mean() - exact) < 5 * se, (dist, power)


def test_finite_sampling_frequencies_match_probabilities():
    rng = np.random.default_rng(SEED)
    cat = pgviz.Categorical([0.5, -0.5, 1.5, 0.0])
    draws = cat.sample(100_000, rng)
    probs = cat.probabilities()
    freqs = np.array([(draws == k).mean() for k in range(4)])
    se = np.sqrt(probs * (1 - probs) / len(draws))
    assert np.all(np.abs(freqs - probs) < 5 * se)


def test_reparameterizations_carry_the_noise_density():
    """log p(g(eps)) + log |dg/deps| = log p_noise(eps) holds for the catalog's maps, and for
    mu - sigma eps too (the normal noise is symmetric); it fails for maps with the wrong scale."""
    gaussian, exponential = pgviz.Gaussian(0.2, 1.3), pgviz.Exponential(0.7)
    assert gaussian.check_reparameterization() and exponential.check_reparameterization()
    mu, sigma = gaussian.param_symbols
    (rate,) = exponential.param_symbols
    for dist, wrong in [
        (gaussian, mu + sigma**2 * eps),
        (gaussian, mu + 2 * sigma * eps),
        (gaussian, sigma * eps),
        (exponential, eps / rate**2),
    ]:
        changed = copy.copy(dist)
        changed.reparameterization = wrong
        assert changed.check_reparameterization() is False, wrong
    mirrored = copy.copy(gaussian)
    mirrored.reparameterization = mu - sigma * eps
    assert mirrored.check_reparameterization() is True
    assert pgviz.Bernoulli(0.0).reparameterization is None
    with pytest.raises(TypeError, match="no reparameterization"):
        pgviz.Bernoulli(0.0).check_reparameterization()


def test_sampling_is_reproducible_from_the_generator():
    g = pgviz.Gaussian(1.0, 2.0)
    a = g.sample(10, np.random.default_rng(7))
    b = g.sample(10, np.random.default_rng(7))
    np.testing.assert_array_equal(a, b)
    np.testing.assert_allclose(a, 1.0 + 2.0 * np.random.default_rng(7).standard_normal(10))


def test_latex_and_expressions():
    g = pgviz.Gaussian(0, 1)
    assert g._repr_latex_().startswith("$\\log p(x;\\, \\mu, \\sigma) =")
    mu, sigma = g.param_symbols
    assert sp.simplify(g.score_exprs[0] - (x - mu) / sigma**2) == 0
    assert sp.simplify(g.score_exprs[1] - ((x - mu) ** 2 - sigma**2) / sigma**3) == 0


def test_expectation_of_a_step_times_the_score_is_exact():
    """d/dmu P(x > k) = E[1[x > k] (x - mu)/sigma^2] = phi((k - mu)/sigma)/sigma under N(mu, sigma^2).

    SymPy finds no closed form with symbolic parameters here; with the values in it does, and the
    result must carry all its digits (not a low-precision numerical fallback)."""
    dist, k = pgviz.Gaussian(0.5, 1.5), 1.0
    value = float(dist.expectation(sp.Heaviside(x - k, 0) * dist.score_exprs[0]))
    z = (k - 0.5) / 1.5
    assert value == pytest.approx(np.exp(-(z**2) / 2) / np.sqrt(2 * np.pi) / 1.5, rel=1e-14)
