"""Hostile and careless input to the lowest layers: validation, symbolic, distributions, costs.

Truths checked: each call gives a TypeError/ValueError naming the argument, or finite numbers that
equal a closed form; extreme logits (±800, ±1e6) give the exact probabilities, samples, scores
and exact gradients of Bernoulli, Categorical and the normalized exp-linear policy, against
formulas written here with ``math`` and ``mpmath`` (not pgviz's code). SymPy's string parser is
made to fail for the whole module: no text reaches it.
"""

from __future__ import annotations

import math

import mpmath
import numpy as np
import pytest
import sympy as sp
from hostile import CANARY, CARELESS_REALS, close, expit, finite, no_text_to_sympify, refuses  # noqa: F401

import pgviz
from pgviz import validation
from pgviz.costs import COSTS, cost, cost_text
from pgviz.derivations import log_derivative_trick
from pgviz.parser import parse_cost
from pgviz.symbolic import check_expression, numpy_function, simplify_zero

pytestmark = pytest.mark.usefixtures("no_text_to_sympify")
x = pgviz.x
rng = np.random.default_rng(12)


# ------------------------------------------------------------------------------ validation
@pytest.mark.parametrize(("value", "error"), CARELESS_REALS)
def test_check_real_refuses_what_is_not_a_finite_real(value, error):
    refuses(lambda: validation.check_real(value, "alpha"), "alpha", error)


def test_checks_name_the_argument_and_the_limit():
    refuses(lambda: validation.check_count(2**64, "num_samples", 1, 10**8), "100,000,000")
    refuses(lambda: validation.check_count(3.0, "num_runs"), "num_runs", TypeError)
    refuses(lambda: validation.check_index(True, "param", 2), "param", TypeError)
    refuses(lambda: validation.check_in_range(1.5, "p", 0, 1), "p")
    refuses(lambda: validation.check_bool(1, "reward_to_go"), "reward_to_go", TypeError)
    refuses(lambda: validation.check_choice(["mean"], "reduction", ("mean", "sum")), "reduction")
    for bad in ("12", {1: 2}, None, [1, "a"], [[1, 2], [3]], [True, False], [1 + 1j]):
        refuses(lambda bad=bad: validation.check_real_array(bad, "features"), "features")
    refuses(lambda: validation.check_real_array([10**400, 1], "big", finite=False), "float range", ValueError)
    assert validation.check_count(np.int64(3), "n") == 3


# ------------------------------------------------------------------------------ symbolic
@pytest.mark.parametrize(
    "expr", [sp.oo * x, sp.nan, 1 / (x - x), x * sp.I, sp.sqrt(-1) * x, sp.log(-1) * x, (-8) ** sp.Rational(1, 3) * x]
)
def test_expressions_must_be_finite_and_real(expr):
    refuses(lambda: check_expression(expr, "f"), "f", ValueError)


def test_text_is_never_an_expression():
    attack = f"__import__('os').system('echo {CANARY}') or x"
    refuses(lambda: check_expression(attack, "f"), "text", TypeError)
    refuses(lambda: numpy_function(attack, (x,)), "text", TypeError)
    refuses(lambda: simplify_zero(attack), "text", TypeError)
    refuses(lambda: pgviz.Gaussian().expectation(attack), "text", TypeError)
    refuses(lambda: log_derivative_trick(pgviz.Gaussian(), attack), "text", TypeError)
    refuses(lambda: pgviz.exact_expectation(attack, pgviz.Gaussian()), "h", TypeError)


# ------------------------------------------------------------------------------ distributions
@pytest.mark.parametrize(("value", "error"), CARELESS_REALS)
def test_every_parameter_refuses_careless_values(value, error):
    refuses(lambda: pgviz.Gaussian(value, 1.0), "mu", error)
    refuses(lambda: pgviz.Gaussian(0.0, value), "sigma", error)
    refuses(lambda: pgviz.Exponential(value), "rate", error)
    refuses(lambda: pgviz.Bernoulli(value), "logit", error)
    refuses(lambda: pgviz.ExpLinear(value, 1.0), "alpha", error)


def test_parameter_ranges_say_what_is_allowed():
    refuses(lambda: pgviz.Gaussian(0.0, 1e-300), "sigma must be in [1e-100")
    refuses(lambda: pgviz.Exponential(1e-320), "rate must be in [1e-100")
    refuses(lambda: pgviz.Gaussian(1e300, 1.0), "mu must be in")
    refuses(lambda: pgviz.Gaussian().with_params(True), "theta", TypeError)
    refuses(lambda: pgviz.Gaussian().with_params([0.0, np.nan]), "sigma")
    refuses(lambda: pgviz.Gaussian().with_params([0.0, 1.0, 2.0]), "theta")


def test_samples_and_points_are_checked():
    gaussian = pgviz.Gaussian()
    refuses(lambda: gaussian.sample(2**64, rng), "num_samples")
    refuses(lambda: gaussian.sample(10**12, rng), "num_samples")
    refuses(lambda: gaussian.sample(5, np.random.RandomState(0)), "rng", TypeError)
    refuses(lambda: gaussian.log_prob("1.5"), "x", TypeError)
    refuses(lambda: gaussian.score([np.nan]), "x")
    refuses(lambda: pgviz.Exponential().score([-1.0]), "support")
    refuses(lambda: pgviz.Bernoulli().log_prob([0.5]), "support")
    refuses(lambda: pgviz.Exponential().transform(["a"]), "eps_values", TypeError)


def test_logits_and_actions_must_be_sequences_of_reals():
    for bad in ({5.0: "a"}, "ab", 3.0, [[1.0, 2.0]], [0.0, None]):
        refuses(lambda bad=bad: pgviz.Categorical(bad), "logits", TypeError)
    refuses(lambda: pgviz.Categorical([1.0]), "logits")
    refuses(lambda: pgviz.ExpLinear(0.0, 1.0, actions={1: 2}), "actions", TypeError)
    refuses(lambda: pgviz.ExpLinear(0.0, 1.0, actions=[1.0, 1.0]), "actions")


def test_large_supports_are_refused_up_front():
    refuses(lambda: pgviz.Categorical([0.0] * 40), "<= 32")  # was 42 s of SymPy work
    refuses(lambda: pgviz.ExpLinear(0.0, 1.0, actions=np.arange(33.0)), "<= 32")
    assert close(finite(lambda: pgviz.Categorical([0.0] * 8).probabilities()), np.full(8, 1 / 8))


@pytest.mark.parametrize("z", [800.0, -800.0, 1e6, -1e6, 0.3])
def test_bernoulli_at_extreme_logits_equals_the_closed_form(z):
    dist = pgviz.Bernoulli(z)
    p = expit(z)
    assert close(dist.probabilities(), [1 - p, p])
    assert close(dist.score(np.array([0.0, 1.0]))[:, 0], [-p, 1 - p])
    samples = dist.sample(200, np.random.default_rng(1))
    assert np.all(samples == (1.0 if z > 0 else 0.0)) or abs(z) < 1
    # d/dz E[f] with f(0) = 2, f(1) = 5: (f(1) - f(0)) p (1 - p), exactly 0 at saturation in floats
    f = 2 + 3 * x
    assert close(pgviz.exact_gradient(f, dist), [3 * p * (1 - p)], rtol=1e-9)


def _softmax_mpmath(logits):
    """The softmax in 50-digit arithmetic (mpmath), rounded to floats: an independent reference."""
    mpmath.mp.dps = 50
    weights = [mpmath.e ** mpmath.mpf(z) for z in logits]
    total = mpmath.fsum(weights)
    return np.array([float(w / total) for w in weights])


@pytest.mark.parametrize("logits", [[0.0, 800.0, 0.0], [-800.0] * 3, [1e6, -1e6, 0.0], [-1e6, 3.0, 2.0]])
def test_categorical_at_extreme_logits_equals_the_closed_form(logits):
    dist = pgviz.Categorical(logits)
    probabilities = _softmax_mpmath(logits)
    assert close(dist.probabilities(), probabilities)
    assert close(dist.support_scores(), np.eye(3) - probabilities)  # one-hot minus the probabilities
    draws = dist.sample(3000, np.random.default_rng(2))
    counts = np.bincount(draws.astype(int), minlength=3) / 3000
    assert np.all(np.abs(counts - probabilities) <= 5 * np.sqrt(probabilities * (1 - probabilities) / 3000) + 1e-12)
    # E[(x - 1)^2] has gradient sum_k p_k (f_k - E f) (e_k): dE/dz_j = p_j (f_j - E[f])
    f_values = np.array([1.0, 0.0, 1.0])
    expected = probabilities * (f_values - probabilities @ f_values)
    assert close(pgviz.exact_gradient((x - 1) ** 2, dist), expected, rtol=1e-9)


@pytest.mark.parametrize("beta", [800.0, -800.0, 1e6, -1e6])
def test_normalized_exp_linear_at_extreme_logits_equals_the_closed_form(beta):
    actions = np.array([0.0, 1.0, 2.0])
    dist = pgviz.ExpLinear(0.5, beta, actions=actions)
    probabilities = _softmax_mpmath(0.5 + beta * actions)
    assert close(dist.probabilities(), probabilities)
    mean_action = probabilities @ actions
    assert close(dist.score(actions), np.stack([np.zeros(3), actions - mean_action], axis=1))
    assert np.all(dist.sample(100, np.random.default_rng(3)) == actions[np.argmax(probabilities)])


# ------------------------------------------------------------------------------ costs
@pytest.mark.parametrize("name", sorted(COSTS))
def test_every_catalog_entry_prints_as_text_the_parser_reads_back(name):
    for k_value in (COSTS[name][1], 1.3, -2.0, 0.25):
        f = cost(name, k_value)
        assert parse_cost(cost_text(f)) == f


@pytest.mark.parametrize(
    "text",
    [
        "sqrt(-1)*x",
        "log(-1)*x",
        "(-8)**(1/3)*x",
        "x**sin(exp(exp(exp(3))))",
        "exp(exp(exp(exp(10))))**2",
        "x/1e-300/1e-300",
        "(((x**10)**10)**10)**10",
        "step((((x**10)**10)**10)**10)",
        "log(0)*x",
        "exp(1000)*x",
    ],
)
def test_the_parser_refuses_complex_values_towers_and_huge_degrees_at_once(text):
    refuses(lambda: parse_cost(text), "", ValueError)


def test_costs_refuse_infinities_nan_text_and_ints_beyond_float_range():
    for bad in (sp.oo, sp.nan, 1 / (x - x), x * sp.I, x**10000, sp.Heaviside(x**10000, 0)):
        refuses(lambda bad=bad: pgviz.exact_gradient(bad, pgviz.Gaussian()), "f", ValueError)
    refuses(lambda: pgviz.exact_gradient("x**2", pgviz.Gaussian()), "f", TypeError)
    refuses(lambda: cost("square", 10**400), "k_value", ValueError)
    refuses(lambda: cost("square", float("nan")), "k_value", ValueError)
    assert math.isfinite(float(pgviz.exact_gradient(cost("square", 1e5), pgviz.Gaussian())[0]))
