"""The estimators' variances, exactly and over many runs, and studies across costs (notebooks 02, 03).

* :func:`exact_variance`: the exact single-sample variance of each estimator of
  :data:`pgviz.estimators.ESTIMATORS` (its exact mean is :func:`pgviz.expectations.exact_gradient`);
* :func:`repeated_estimates`, :func:`rms_error_vs_n`: independent N-sample estimates, and their
  root-mean-square error against the exact gradient as N grows (slope -1/2, notebook 02);
* :func:`exact_variance_curve`, :func:`sampled_variances`, :func:`variance_study`: single-sample
  variances of the three estimators of :data:`pgviz.estimators.ESTIMATORS` across a family of
  costs f(x; k) - the reproduction of Mohamed, Rosca, Figurnov & Mnih (JMLR 2020), Section 3,
  Figures 2 and 3 (notebook 03).
"""

from __future__ import annotations

import numpy as np
import sympy as sp

from pgviz.costs import check_cost
from pgviz.distributions import MAX_SAMPLES, Distribution, check_distribution, check_num_samples
from pgviz.estimators import ESTIMATORS, check_estimator, check_reparameterized, pathwise, score_function
from pgviz.expectations import (
    check_baseline,
    check_method,
    derivative_almost_everywhere,
    exact_expectation,
    exact_gradient,
    reparameterization_jacobian,
    score_moment,
)
from pgviz.quadrature import quadrature_expectation
from pgviz.symbolic import exact_rational, numpy_function, x
from pgviz.validation import check_count, check_real_array, check_rng

__all__ = [
    "exact_variance",
    "repeated_estimates",
    "rms_error_vs_n",
    "exact_variance_curve",
    "sampled_variances",
    "variance_study",
]


def exact_variance(
    f, dist: Distribution, estimator: str = "score_function", baseline=None, method: str = "auto"
) -> np.ndarray:
    """The single-sample variance of an estimator of grad_theta E[f(x)], by exact integration: [P].

    score_function: Var[(f - b) s_j] = E[(f - b)^2 s_j^2] - (E[f s_j])^2 (b: 0, a number or the
    optimal b*_j of :func:`optimal_baseline`; "score_function_baseline" is the optimal one).
    pathwise: Var[f'(x) dx/dtheta_j] = E[(f'(x) dx/dtheta_j)^2] - (E[f'(x) dx/dtheta_j])^2 with f'
    the derivative almost everywhere (so for a step f this is the variance of the wrong, all-zero
    estimator). ``estimator``: a name of :data:`ESTIMATORS`. The N-sample estimator's variance is
    this divided by N. Notebooks 02, 03 (Mohamed et al. Figs. 2-3).
    """
    entry = check_estimator(estimator)
    f = check_cost(f, allow_callable=entry.kind == "score_function")
    dist = check_distribution(dist)
    baseline = check_baseline(baseline)
    method = check_method(method)
    if entry.baseline is not None:
        if baseline is not None and baseline != entry.baseline:
            raise ValueError(f"baseline: estimator {estimator!r} uses the optimal baseline; leave baseline=None")
        baseline = entry.baseline
    if entry.kind == "pathwise":
        if baseline is not None:
            raise ValueError("baseline applies to the score_function estimator only; use baseline=None")
        dist = check_reparameterized(dist)
        derivative = derivative_almost_everywhere(f)
        terms = [derivative * d for d in reparameterization_jacobian(dist)]
        mean = np.array([exact_expectation(t, dist, method) for t in terms])
        second = np.array([exact_expectation(t**2, dist, method) for t in terms])
        return np.maximum(second - mean**2, 0.0)
    gradient = score_moment(f, dist, 1, 1, method)
    f_s2 = score_moment(f, dist, 1, 2, method)
    f2_s2 = score_moment(f, dist, 2, 2, method)
    s2 = score_moment(sp.Integer(1), dist, 0, 2, method)
    if baseline is None:
        b = np.zeros(dist.num_params)
    elif isinstance(baseline, str):
        b = f_s2 / s2
    else:
        b = np.full(dist.num_params, baseline)
    second = f2_s2 - 2 * b * f_s2 + b**2 * s2  # E[(f - b)^2 s^2]
    return np.maximum(second - gradient**2, 0.0)


#: The most values of k a variance curve is computed at (each costs one quadrature column).
MAX_K_VALUES = 10_000


def _check_work(num_draws: int, what: str) -> None:
    """Refuse, before any work, a study that would draw more than MAX_SAMPLES samples in all."""
    if num_draws > MAX_SAMPLES:
        raise ValueError(f"{what} = {num_draws:,} samples; a study draws at most {MAX_SAMPLES:,} (about a minute)")


def _check_k_values(k_values) -> np.ndarray:
    """The values of k: a finite 1-d array of at most MAX_K_VALUES numbers."""
    k_values = check_real_array(k_values, "k_values").reshape(-1)
    check_count(k_values.size, "len(k_values)", 1, MAX_K_VALUES)
    return k_values


def _run(name: str, f, dist: Distribution, num_samples: int, rng: np.random.Generator) -> np.ndarray:
    """Per-sample terms [N, P] of the registered estimator ``name`` on fresh samples."""
    entry = check_estimator(name)
    if entry.kind == "pathwise":
        return pathwise(f, dist, num_samples, rng)
    return score_function(f, dist, num_samples, rng, baseline=entry.baseline)


def repeated_estimates(
    f,
    dist: Distribution,
    num_samples: int,
    num_repeats: int,
    rng: np.random.Generator,
    estimator: str = "score_function",
) -> np.ndarray:
    """``num_repeats`` independent N-sample estimates: [R, P] (their mean is unbiased; notebook 02).

    ``estimator``: a name of :data:`pgviz.estimators.ESTIMATORS`.
    """
    check_estimator(estimator)
    num_samples = check_num_samples(num_samples)
    num_repeats = check_num_samples(num_repeats, "num_repeats")
    _check_work(num_samples * num_repeats, "num_samples x num_repeats")
    rng = check_rng(rng)
    terms = _run(estimator, f, dist, num_samples * num_repeats, rng)  # [R*N, P]
    return terms.reshape(num_repeats, num_samples, -1).mean(axis=1)


def rms_error_vs_n(
    f, dist: Distribution, n_values, num_repeats: int, rng: np.random.Generator, estimator: str = "score_function"
) -> np.ndarray:
    """Root-mean-square error of the N-sample estimate over repeats, for each N: [G, P].

    It equals sqrt(Var/N) for an unbiased estimator (slope -1/2 on log-log axes; notebook 02).
    """
    f = check_cost(f)
    dist = check_distribution(dist)
    check_estimator(estimator)
    num_repeats = check_num_samples(num_repeats, "num_repeats")
    rng = check_rng(rng)
    if isinstance(n_values, (str, bytes, dict)):
        raise TypeError(f"n_values must be whole numbers >= 1, got {type(n_values).__name__}")
    n_values = [
        check_count(n.item() if isinstance(n, np.generic) else n, "n_values[i]") for n in np.atleast_1d(n_values)
    ]
    _check_work(sum(n_values) * num_repeats, "sum(n_values) x num_repeats")
    exact = exact_gradient(f, dist)
    return np.array(
        [
            np.sqrt(((repeated_estimates(f, dist, n, num_repeats, rng, estimator) - exact) ** 2).mean(0))
            for n in n_values
        ]
    )


def _check_family(f, k_symbol) -> None:
    if not isinstance(k_symbol, sp.Symbol):
        raise TypeError(f"k_symbol must be a SymPy Symbol, got {type(k_symbol).__name__}")
    if not isinstance(f, sp.Expr) or f.free_symbols - {x, k_symbol}:
        raise ValueError("f must be a SymPy expression in pgviz.x and k_symbol only")


def exact_variance_curve(
    f, k_symbol: sp.Symbol, k_values, dist: Distribution, estimator: str = "score_function"
) -> np.ndarray:
    """Exact single-sample variance for a family f(x; k) over many k at once: [K, P].

    ``estimator``: a name of :data:`pgviz.estimators.ESTIMATORS` (the optimal constant baseline is
    optimal per k). The same Gauss-Legendre rule as :func:`exact_expectation`, compiled once with
    k as an argument, so hundreds of k cost one evaluation (Mohamed et al. 2020, Figs. 2-3;
    notebook 03). f must be smooth (no steps or kinks) in x; ``dist`` must have a
    reparameterization.
    """
    entry = check_estimator(estimator)
    _check_family(f, k_symbol)
    if f.atoms(sp.Heaviside, sp.Abs, sp.sign, sp.Max, sp.Min, sp.Piecewise):
        raise ValueError("f must be smooth in x for exact_variance_curve (use exact_variance per k)")
    dist = check_distribution(dist)
    if dist.reparameterization is None:
        raise TypeError(f"dist {type(dist).__name__} has no reparameterization")
    k_values = _check_k_values(k_values)  # [K]
    args = (x, *dist.param_symbols, k_symbol)
    theta = dist.param_vector

    def expect(h):  # E[h(x; k)] for every k: [K]
        fn = numpy_function(h, args)
        return quadrature_expectation(lambda xs: fn(xs[:, None], *theta, k_values[None, :]), [], dist)

    out = []
    if entry.kind == "pathwise":
        derivative = sp.diff(f, x)
        for jac in reparameterization_jacobian(dist):
            term = derivative * jac
            out.append(expect(term**2) - expect(term) ** 2)
    else:
        for s in dist.score_exprs:
            gradient, f_s2, f2_s2 = expect(f * s), expect(f * s**2), expect(f**2 * s**2)
            s2 = exact_expectation(s**2, dist)
            b = f_s2 / s2 if entry.baseline == "optimal" else 0.0
            out.append(f2_s2 - 2 * b * f_s2 + b**2 * s2 - gradient**2)
    return np.maximum(np.stack(out, axis=-1), 0.0)


def sampled_variances(
    f,
    k_symbol: sp.Symbol,
    k_values,
    dist: Distribution,
    num_samples: int,
    rng: np.random.Generator,
    estimator: str = "score_function",
) -> np.ndarray:
    """Monte Carlo single-sample variances terms.var(0) of an estimator for f(x; k) at each k: [K, P]."""
    check_estimator(estimator)
    _check_family(f, k_symbol)
    dist = check_distribution(dist)
    num_samples = check_num_samples(num_samples)
    rng = check_rng(rng)
    k_values = _check_k_values(k_values)
    _check_work(num_samples * k_values.size, "num_samples x len(k_values)")
    return np.array(
        [_run(estimator, f.subs(k_symbol, exact_rational(float(k))), dist, num_samples, rng).var(0) for k in k_values]
    )


def variance_study(
    f,
    k_symbol: sp.Symbol,
    k_values,
    dist: Distribution,
    rng: np.random.Generator,
    num_sampled: int = 7,
    num_samples: int = 100_000,
) -> tuple[dict, dict]:
    """Exact and Monte Carlo single-sample variances of the three estimators against k.

    Returns ``(exact, sampled)``: exact {name: [K, P]} from :func:`exact_variance_curve` on
    ``k_values``; sampled {name: (k [J], [J, P])} from :func:`sampled_variances` at ``num_sampled``
    k spread over the grid, ``num_samples`` samples each - the input of
    :func:`pgviz.plots.studies.plot_variance_vs_k` (Mohamed et al. 2020, Figs. 2-3; notebook 03).
    """
    num_sampled = check_count(num_sampled, "num_sampled")
    _check_family(f, k_symbol)
    dist = check_distribution(dist)
    rng = check_rng(rng)
    k_values = _check_k_values(k_values)
    num_samples = check_num_samples(num_samples)
    _check_work(num_samples * num_sampled * len(ESTIMATORS), "num_samples x num_sampled x 3 estimators")
    picks = k_values[np.linspace(0, k_values.size - 1, num_sampled).round().astype(int)]
    exact = {name: exact_variance_curve(f, k_symbol, k_values, dist, name) for name in ESTIMATORS}
    sampled = {
        name: (picks, sampled_variances(f, k_symbol, picks, dist, num_samples, rng, name)) for name in ESTIMATORS
    }
    return exact, sampled
