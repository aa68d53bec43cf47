"""Hostile and careless input to the estimator layers: statistics, expectations, estimators, studies,
convergence.

Truths checked: each call gives a TypeError/ValueError naming the argument (or saying why the
expectation does not exist), or finite numbers; expectations that exist still come out right
(E[exp(x)] under Exp(2) is 2, E[log x] under Exp(1) is minus Euler's gamma to the quadrature's
accuracy near a log singularity). SymPy's string parser is made to fail for the whole module.
"""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp
from hostile import CANARY, CARELESS_REALS, finite, no_text_to_sympify, refuses  # noqa: F401

import pgviz
from pgviz.convergence import convergence_data, running_at
from pgviz.costs import COSTS, k
from pgviz.studies import exact_variance_curve, repeated_estimates, rms_error_vs_n, sampled_variances, variance_study

pytestmark = pytest.mark.usefixtures("no_text_to_sympify")
x = pgviz.x
gaussian = pgviz.Gaussian(1.0, 1.0)
rng = np.random.default_rng(13)


# ------------------------------------------------------------------------------ statistics
def test_summaries_refuse_nan_and_wrong_types():
    refuses(lambda: pgviz.estimate([[np.nan], [1.0]]), "terms")
    refuses(lambda: pgviz.standard_error("12"), "terms", TypeError)
    refuses(lambda: pgviz.running_mean([[1.0]]), "N >= 2")
    refuses(lambda: pgviz.confidence_interval(np.ones((3, 1)), level=1.5), "level")
    terms = np.random.default_rng(0).normal(size=(10, 2))
    refuses(lambda: pgviz.control_variate(terms, terms[:, 0], coefficient=None), "coefficient", TypeError)
    refuses(lambda: pgviz.control_variate(terms, terms[:, 0], coefficient=[1.0, 2.0, 3.0]), "coefficient")
    refuses(lambda: pgviz.control_variate(terms, terms[:, 0], control_mean=np.nan), "control_mean")
    refuses(lambda: pgviz.control_variate(terms, terms[:3, 0]), "control")


# ------------------------------------------------------------------------------ expectations that do not exist
@pytest.mark.parametrize(
    ("f", "dist", "why"),
    [
        (sp.log(x), pgviz.Gaussian(), "not finite"),
        (sp.sqrt(x), pgviz.Gaussian(), "not finite"),
        (x**0.5, pgviz.Gaussian(), "not finite"),
        (sp.exp(sp.exp(x)), pgviz.Gaussian(), "not finite"),
        (1 / x, pgviz.Gaussian(), "pole"),
        (sp.tan(x), pgviz.Gaussian(), "pole"),
        (sp.exp(x), pgviz.Exponential(1.0), "does not vanish"),
        (1 / x, pgviz.Exponential(1.0), "pole"),
        (sp.log(x), pgviz.Bernoulli(0.3), "not finite"),
    ],
)
def test_expectations_that_do_not_exist_are_refused_with_the_reason(f, dist, why):
    refuses(lambda: pgviz.exact_gradient(f, dist), why, ValueError)
    refuses(lambda: pgviz.exact_expectation(f, dist), why, ValueError)


def test_expectations_that_exist_still_come_out_right():
    assert abs(finite(lambda: pgviz.exact_expectation(sp.exp(x), pgviz.Exponential(2.0))) - 2.0) < 1e-10
    euler_gamma = float(sp.EulerGamma)  # E[log x] = -gamma under Exp(1); the rule is cruder at a log singularity
    assert abs(finite(lambda: pgviz.exact_expectation(sp.log(x), pgviz.Exponential(1.0))) + euler_gamma) < 1e-3
    assert abs(finite(lambda: pgviz.exact_expectation(sp.cos(3 * x), pgviz.Gaussian())) - np.exp(-4.5)) < 1e-12


def test_sampling_estimators_refuse_costs_undefined_at_the_samples():
    for f in (sp.log(x), sp.sqrt(x)):
        refuses(lambda f=f: pgviz.score_function(f, pgviz.Gaussian(), 100, rng), "not finite", ValueError)
    refuses(lambda: pgviz.pathwise(sp.log(x), pgviz.Gaussian(), 100, rng), "not finite", ValueError)
    refuses(lambda: pgviz.score_function(lambda v: np.log(v), pgviz.Gaussian(), 100, rng), "not finite", ValueError)


# ------------------------------------------------------------------------------ estimators
@pytest.mark.parametrize(("value", "error"), [case for case in CARELESS_REALS if case[0] is not None])
def test_the_baseline_refuses_careless_values(value, error):  # (None is "no baseline")
    if isinstance(value, str):
        error = ValueError  # a string other than "optimal"
    refuses(lambda: pgviz.score_function(x**2, gaussian, 10, rng, baseline=value), "baseline", error)


def test_estimator_arguments_are_checked_before_any_work():
    attack = f"__import__('os').system('echo {CANARY}') or x"
    refuses(lambda: pgviz.score_function(attack, gaussian, 10, rng), "f", TypeError)
    refuses(lambda: pgviz.score_function(x * sp.I, gaussian, 10, rng), "f", ValueError)
    refuses(lambda: pgviz.score_function(x, "gaussian", 10, rng), "dist", TypeError)
    refuses(lambda: pgviz.score_function(x, gaussian, 10**12, rng), "num_samples")
    refuses(lambda: pgviz.pathwise(x, pgviz.Bernoulli(), 10, rng), "reparameterization", TypeError)
    refuses(lambda: pgviz.score_function_on_noise(x, pgviz.Exponential(), [-1.0, 2.0]), "noise")
    refuses(lambda: pgviz.pathwise_on_noise(x, gaussian, [[0.0]]), "noise")
    refuses(lambda: pgviz.pathwise_on_noise(x, gaussian, [np.inf]), "noise")
    refuses(lambda: pgviz.score_function_on_noise(x, gaussian, [0.0, 1.0], param=2), "param")
    refuses(lambda: pgviz.score_function_terms(x, gaussian, ["a"]), "samples", TypeError)
    refuses(lambda: pgviz.exact_variance(x, gaussian, estimator="pathwise", baseline=1.0), "baseline")
    refuses(lambda: pgviz.exact_variance(x, gaussian, estimator="reinforce"), "estimator")
    refuses(lambda: pgviz.exact_gradient(x, gaussian, method="fast"), "method")


# ------------------------------------------------------------------------------ studies and convergence
def test_studies_bound_their_work_before_it_starts():
    square = COSTS["square"][0]
    refuses(lambda: repeated_estimates(x**2, gaussian, 10**6, 10**6, rng), "num_samples x num_repeats")
    refuses(lambda: rms_error_vs_n(x**2, gaussian, [10**7] * 100, 200, rng), "num_repeats")
    refuses(lambda: rms_error_vs_n(x**2, gaussian, "10", 20, rng), "n_values", TypeError)
    refuses(lambda: exact_variance_curve(square, k, [np.nan], gaussian), "k_values")
    refuses(lambda: exact_variance_curve(square, k, np.zeros(10**5), gaussian), "len(k_values)")
    refuses(lambda: sampled_variances(square, k, np.zeros(1000), gaussian, 10**6, rng), "num_samples x len(k_values)")
    refuses(lambda: variance_study(square, k, [0.0, 1.0], gaussian, rng, num_sampled=0), "num_sampled")
    refuses(lambda: variance_study(square, "k", [0.0, 1.0], gaussian, rng), "k_symbol", TypeError)


def test_convergence_data_checks_its_arguments():
    refuses(lambda: convergence_data(x, "G", 0), "dist", TypeError)
    refuses(lambda: convergence_data(x, gaussian, -1), "seed")
    refuses(lambda: convergence_data(x, gaussian, 0, param=5), "param")
    refuses(lambda: convergence_data(x, gaussian, 0, estimators=("reinforce",)), "estimators")
    refuses(lambda: convergence_data(x, gaussian, 0, estimators="score_function"), "estimators")
    refuses(lambda: convergence_data(sp.log(x), gaussian, 0, max_samples=1000), "not finite", ValueError)
    data = convergence_data(x**2, gaussian, 0, max_samples=1000)
    refuses(lambda: running_at(data, "score_function", 0), "n")
    refuses(lambda: running_at(data, "pathwise", 5), "name")
