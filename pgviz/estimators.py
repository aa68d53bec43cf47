"""Monte Carlo estimators of grad_theta E_{x~p(x;theta)}[f(x)], as the math reads and fast.

Every estimator has one signature, ``(f, dist, num_samples, rng)``, and returns the per-sample
terms [N, P] (``.mean(0)`` the estimate, ``.var(0)`` the single-sample variance); generators
seeded alike give every estimator the same samples (x = g(eps; theta) on the same eps).

* :func:`score_function`: (f(x) - b) d/dtheta log p(x; theta) (Mohamed et al. 2020, Sec. 4);
  :func:`pathwise`: f'(g(eps; theta)) d/dtheta g(eps; theta) (Sec. 5).
* :func:`score_function_terms`, :func:`pathwise_terms`: the same on given samples, written as the
  equations read; the fast ones (cache-sized blocks, a table over a finite support) are tested equal.
* :func:`score_function_on_noise`, :func:`pathwise_on_noise`: on given noise eps, so that theta
  can move while the draws stay (the widgets), optionally for one component.

Their exact means are :func:`pgviz.expectations.exact_gradient`, their variances
:func:`pgviz.studies.exact_variance`; :data:`ESTIMATORS` is the one registry of names and labels.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
import sympy as sp

from pgviz.costs import check_cost, cost_values
from pgviz.distributions import NOISE, Distribution, check_distribution, check_num_samples
from pgviz.expectations import check_baseline, derivative_almost_everywhere, optimal_baseline
from pgviz.quadrature import check_defined
from pgviz.symbolic import eps, numpy_function, x
from pgviz.validation import check_choice, check_index, check_real_array, check_rng

__all__ = [
    "Estimator",
    "ESTIMATORS",
    "check_estimator",
    "score_function",
    "pathwise",
    "score_function_terms",
    "pathwise_terms",
    "score_function_on_noise",
    "pathwise_on_noise",
    "CHUNK_ROWS",
]


@dataclass(frozen=True)
class Estimator:
    """One entry of :data:`ESTIMATORS`: a label for figures, the estimator kind, its baseline."""

    label: str
    kind: str  # "score_function" or "pathwise"
    baseline: str | None = None  # None or "optimal" (the exact b* of optimal_baseline)


#: The Monte Carlo gradient estimators of notebooks 01-03, by name (the one registry).
ESTIMATORS = {
    "score_function": Estimator("score function", "score_function"),
    "score_function_baseline": Estimator("score function + optimal baseline", "score_function", "optimal"),
    "pathwise": Estimator("pathwise", "pathwise"),
}


def check_estimator(name) -> Estimator:
    """The registry entry of an estimator name, else ValueError naming ``estimator``."""
    return ESTIMATORS[check_choice(name, "estimator", tuple(ESTIMATORS))]


def score_function_terms(f, dist: Distribution, samples, baseline=None) -> np.ndarray:
    """The score-function terms (f(x_i) - b) grad_theta log p(x_i; theta) on given samples x [N]: [N, P].

    This is the estimator exactly as Mohamed et al. (2020, Sec. 4) write it: evaluate the cost,
    subtract the baseline, multiply by the score. :func:`score_function` computes the same numbers
    on fresh samples, faster; the tests check the two are equal.
    """
    f = check_cost(f)
    dist = check_distribution(dist)
    x_values = check_real_array(samples, "samples", ndim=1)  # [N]
    b = _baseline_vector(f, dist, check_baseline(baseline))  # [P]
    return _finite((cost_values(f, x_values)[:, None] - b) * dist.score(x_values))  # [N, P]


def pathwise_terms(f, dist: Distribution, noise) -> np.ndarray:
    """The pathwise terms f'(x_i) d/dtheta g(eps_i; theta), x_i = g(eps_i; theta), on given noise eps [N]: [N, P].

    The estimator exactly as Mohamed et al. (2020, Sec. 5) write it: push the noise through the
    map, differentiate f at the sample (almost everywhere), multiply by the map's Jacobian.
    :func:`pathwise` computes the same numbers faster; the tests check the two are equal.
    """
    f = check_cost(f, allow_callable=False)
    dist = check_reparameterized(dist)
    check_defined(f, dist)
    eps_values = _check_noise(noise, dist)  # [N]
    x_values = dist.transform(eps_values)  # [N]
    derivative = numpy_function(derivative_almost_everywhere(f), (x,))(x_values)  # f'(x) [N]
    jacobian = np.stack(
        [fn(eps_values, *dist.param_vector) for fn in _jacobian_functions(dist.reparameterization, dist.param_symbols)],
        axis=-1,
    )  # dg/dtheta [N, P]
    return _finite(derivative[:, None] * jacobian)


def score_function(f, dist: Distribution, num_samples: int, rng: np.random.Generator, baseline=None) -> np.ndarray:
    """Per-sample score-function (REINFORCE, log-derivative) terms (f(x_i) - b) grad_theta log p(x_i; theta).

    grad_theta E[f(x)] = E[f(x) grad_theta log p(x; theta)]; x_i ~ p(x; theta) drawn with ``rng``.
    ``f``: a SymPy expression in :data:`pgviz.x` or a vectorized callable [N] -> [N]; it is never
    differentiated, so it may be a step. ``baseline``: None (b = 0), a number, or "optimal" - the
    per-parameter constant b*_j = E[f s_j^2]/E[s_j^2] computed exactly (:func:`optimal_baseline`),
    not from the samples, so the N terms stay independent and unbiased. Returns [N, P]:
    ``.mean(0)`` is the estimate, ``.var(0)`` the single-sample variance. The numbers of
    :func:`score_function_terms` on the same samples, computed from a table over a finite support
    or in cache-sized blocks of the noise. Notebooks 01-03.
    """
    f = check_cost(f)
    dist = check_distribution(dist)
    num_samples = check_num_samples(num_samples)
    rng = check_rng(rng)
    b = _baseline_vector(f, dist, check_baseline(baseline))  # [P]
    if dist.reparameterization is None:
        return _finite(_score_terms_tabulated(f, dist, dist.sample(num_samples, rng), b))
    noise = dist.sample_noise(num_samples, rng)  # [N], the same draws as dist.sample(num_samples, rng)
    return _finite(_score_terms_on_noise(f, dist, noise, b, range(dist.num_params)))


def score_function_on_noise(f, dist: Distribution, noise, baseline=None, param=None) -> np.ndarray:
    """:func:`score_function` on given noise: x_i = g(eps_i; theta) for ``noise`` eps [N].

    The same draws at every theta (common random numbers across theta): the widget apps redraw
    eps once, then move theta. ``noise`` comes from ``dist.sample_noise``; ``score_function(f,
    dist, N, rng)`` equals ``score_function_on_noise(f, dist, dist.sample_noise(N, rng))`` for
    equally seeded generators. ``param``: None for all P components ([N, P]), or one index for
    that component alone ([N], half the work for a Gaussian). TypeError when ``dist`` has no
    reparameterization (a finite support is sampled by inverse CDF instead).
    """
    f = check_cost(f)
    dist = check_distribution(dist)
    noise = _check_noise(noise, dist)
    columns = _check_param(param, dist)
    b = _baseline_vector(f, dist, check_baseline(baseline))
    terms = _finite(_score_terms_on_noise(f, dist, noise, b, columns))
    return terms if param is None else terms[:, 0]


def pathwise(f, dist: Distribution, num_samples: int, rng: np.random.Generator) -> np.ndarray:
    """Per-sample pathwise (reparameterization) terms f'(x_i) d/dtheta g(eps_i; theta), x_i = g(eps_i; theta).

    grad_theta E[f(x)] = E_eps[grad_theta f(g(eps; theta))] = E[f'(g(eps)) grad_theta g(eps; theta)]
    when f is differentiable. ``f`` must be a SymPy expression in :data:`pgviz.x`: it is
    differentiated almost everywhere (Dirac deltas dropped, as automatic differentiation does), so
    for a step f the terms are all 0 - silently wrong (notebook 02). Same samples as
    :func:`score_function` for an equally seeded ``rng``; the numbers of :func:`pathwise_terms`.
    TypeError when ``dist`` has no reparameterization (Bernoulli, Categorical). Returns [N, P].
    Notebooks 02, 03.
    """
    f = check_cost(f, allow_callable=False)
    dist = check_reparameterized(dist)
    check_defined(f, dist)
    num_samples = check_num_samples(num_samples)
    rng = check_rng(rng)
    return _finite(_pathwise_terms(f, dist, dist.sample_noise(num_samples, rng), range(dist.num_params)))


def pathwise_on_noise(f, dist: Distribution, noise, param=None) -> np.ndarray:
    """:func:`pathwise` on given noise eps [N] (see :func:`score_function_on_noise`): [N, P], or
    [N] for one component ``param``."""
    f = check_cost(f, allow_callable=False)
    dist = check_reparameterized(dist)
    check_defined(f, dist)
    noise = _check_noise(noise, dist)
    columns = _check_param(param, dist)
    terms = _finite(_pathwise_terms(f, dist, noise, columns))
    return terms if param is None else terms[:, 0]


def check_reparameterized(dist) -> Distribution:
    """A distribution with a reparameterization x = g(eps; theta), else TypeError."""
    dist = check_distribution(dist)
    if dist.reparameterization is None:
        raise TypeError(
            f"dist {type(dist).__name__} has no reparameterization x = g(eps; theta), "
            "so it has no pathwise estimator; use score_function"
        )
    return dist


def _finite(terms: np.ndarray) -> np.ndarray:
    """The terms, when every one is finite; else ValueError (f is undefined at some samples).
    A NaN or inf reaches the sum, so the elements are looked at only when the sum is not finite."""
    if not np.isfinite(terms.sum()) and not np.all(np.isfinite(terms)):
        raise ValueError(
            "f is not finite at some samples (e.g. log or sqrt of a negative number, a pole, an "
            "overflow): the estimator has no finite terms there"
        )
    return terms


def _check_noise(noise, dist: Distribution) -> np.ndarray:
    if dist.reparameterization is None:
        raise TypeError(
            f"dist {type(dist).__name__} has no reparameterization x = g(eps; theta), so no noise; "
            "use score_function with an rng"
        )
    noise = check_real_array(noise, "noise", ndim=1)
    if noise.size < 1:
        raise ValueError("noise must hold at least one draw (from dist.sample_noise)")
    lowest = float(NOISE[dist.noise][2].inf)
    if noise.min() < lowest:
        raise ValueError(
            f"noise must lie in the support of the {dist.noise.replace('_', ' ')} noise, [{lowest:g}, inf)"
        )
    return noise


def _check_param(param, dist: Distribution) -> range:
    """The gradient components to compute: all of them (param None) or one."""
    if param is None:
        return range(dist.num_params)
    param = check_index(param, "param", dist.num_params)
    return range(param, param + 1)


def _baseline_vector(f, dist: Distribution, baseline) -> np.ndarray:
    """The checked baseline as one constant per parameter: [P]."""
    if isinstance(baseline, str):
        # Exact b* by integration; the Gauss-Legendre rule (accurate to ~1e-13) is compiled once
        # per (f, distribution) and then costs well under a millisecond per call.
        quadrature = not dist.is_finite and dist.reparameterization is not None
        baseline = optimal_baseline(f, dist, method="quadrature" if quadrature else "auto")  # [P]
    return np.broadcast_to(0.0 if baseline is None else baseline, (dist.num_params,))  # [P]


def _score_terms_tabulated(f, dist: Distribution, samples: np.ndarray, baseline: np.ndarray) -> np.ndarray:
    """(f(x_i) - b_j) s_j(x_i) for samples of a finite support: tabulate (f(x_k) - b_j) s_j(x_k) over
    the K support points once, then look the samples up. [N, P], each column contiguous."""
    terms = np.empty((dist.num_params, samples.size)).T  # [N, P]
    support = dist.support_values  # [K]
    if np.array_equal(support, np.arange(support.size)):  # {0, ..., K-1}: the value is the index
        index = samples.astype(np.intp)  # [N]
    else:
        index = np.searchsorted(support, samples)  # [N]
    table = (cost_values(f, support)[:, None] - baseline) * dist.support_scores()  # [K, P]
    for j in range(dist.num_params):
        np.take(table[:, j], index, out=terms[:, j])
    return terms


def _score_terms_on_noise(f, dist: Distribution, noise: np.ndarray, baseline: np.ndarray, columns: range) -> np.ndarray:
    """(f(x_i) - b_j) s_j(x_i) with x_i = g(eps_i; theta), for the components in ``columns``.

    The score is written in eps (e.g. eps/sigma for a Gaussian mean), which needs fewer array
    passes than the score in x. Returns [N, len(columns)], each column contiguous.
    """
    theta = dist.param_vector
    score_fns = _score_in_noise(dist.reparameterization, dist.score_exprs, dist.param_symbols)
    terms = np.empty((len(columns), noise.size)).T
    for rows in _chunks(noise.size):
        eps_rows = noise[rows]
        f_values = cost_values(f, dist.transform(eps_rows, check=False))  # [chunk]
        for column, j in enumerate(columns):
            out = terms[rows, column]
            if baseline[j] == 0.0:
                np.multiply(f_values, score_fns[j](eps_rows, *theta), out=out)
            else:
                np.subtract(f_values, baseline[j], out=out)
                np.multiply(out, score_fns[j](eps_rows, *theta), out=out)
    return terms


def _pathwise_terms(f: sp.Expr, dist: Distribution, noise: np.ndarray, columns: range) -> np.ndarray:
    """f'(x_i) d/dtheta_j g(eps_i; theta) for the components in ``columns``: [N, len(columns)]."""
    derivative_fn = numpy_function(derivative_almost_everywhere(f), (x,))
    jacobian_fns = _jacobian_functions(dist.reparameterization, dist.param_symbols)
    theta = dist.param_vector
    terms = np.empty((len(columns), noise.size)).T  # [N, len(columns)], each column contiguous
    for rows in _chunks(noise.size):  # blocks that stay in the cache (see CHUNK_ROWS)
        eps_rows = noise[rows]
        derivative = derivative_fn(dist.transform(eps_rows, check=False))  # f'(x) [chunk]
        for column, j in enumerate(columns):
            if jacobian_fns[j].expr == 1:  # dx/dtheta_j = 1 (a location parameter): the term is f'(x)
                terms[rows, column] = derivative
            else:
                np.multiply(derivative, jacobian_fns[j](eps_rows, *theta), out=terms[rows, column])
    return terms


#: Rows per block of the elementwise work after the noise is drawn. Temporaries of this size stay
#: in the CPU cache; whole-N temporaries (8 MB each at N = 10^6) cost more in page faults than in
#: arithmetic. The noise itself is drawn in one call, so the samples do not depend on the blocks.
CHUNK_ROWS = 1 << 18


def _chunks(num_samples: int):
    """Slices covering range(num_samples) in blocks of CHUNK_ROWS."""
    return [slice(start, min(start + CHUNK_ROWS, num_samples)) for start in range(0, num_samples, CHUNK_ROWS)]


@functools.lru_cache(maxsize=64)
def _score_in_noise(reparameterization: sp.Expr, score_exprs: tuple, symbols: tuple) -> list:
    """The score d/dtheta_j log p(x; theta) at x = g(eps; theta), as NumPy functions of (eps, theta)."""
    return [numpy_function(sp.simplify(score.subs(x, reparameterization)), (eps, *symbols)) for score in score_exprs]


@functools.lru_cache(maxsize=64)
def _jacobian_functions(reparameterization: sp.Expr, symbols: tuple) -> list:
    """d/dtheta_j g(eps; theta) as NumPy functions of (eps, theta)."""
    return [numpy_function(sp.diff(reparameterization, s), (eps, *symbols)) for s in symbols]
