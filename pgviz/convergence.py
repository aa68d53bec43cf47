"""What a convergence figure shows: running Monte Carlo estimates and their standard errors on a
grid of sample counts N (notebooks 01-03).

:func:`convergence_data` computes, for each estimator of :data:`pgviz.estimators.ESTIMATORS`, the
10^6 per-sample terms of one gradient component, and their sums and sums of squares at 240
log-spaced N; :func:`running_at` gives the estimate and its standard error at any other N from
those sums. The widget :class:`pgviz.widgets.estimators.ConvergenceApp` draws these numbers.
"""

from __future__ import annotations

import numpy as np

from pgviz.distributions import Distribution, check_distribution
from pgviz.estimators import ESTIMATORS, pathwise_on_noise, score_function, score_function_on_noise
from pgviz.expectations import exact_gradient
from pgviz.statistics import mean_and_standard_error
from pgviz.validation import check_choice, check_count, check_index

__all__ = ["convergence_data", "running_at", "draw_noise", "GRID_POINTS"]

#: Number of log-spaced sample counts N at which the running sums are kept.
GRID_POINTS = 240


def draw_noise(dist: Distribution, seed: int, max_samples: int):
    """The noise eps [M] of ``default_rng(seed)`` for a reparameterized dist (the same at every
    theta), or None for a finite support (sampled again per theta by inverse CDF)."""
    if dist.reparameterization is None:
        return None
    return dist.sample_noise(max_samples, np.random.default_rng(seed))


def _terms(name: str, f, dist: Distribution, param: int, noise, max_samples: int, seed: int) -> np.ndarray:
    """Per-sample terms [M] of one named estimator for gradient component ``param``, on the
    samples of ``default_rng(seed)`` (``noise``: their eps, from :func:`draw_noise`)."""
    baseline = ESTIMATORS[name].baseline
    if ESTIMATORS[name].kind == "pathwise":
        return pathwise_on_noise(f, dist, noise, param=param)
    if noise is None:
        return score_function(f, dist, max_samples, np.random.default_rng(seed), baseline=baseline)[:, param]
    return score_function_on_noise(f, dist, noise, baseline=baseline, param=param)


def convergence_data(
    f,
    dist: Distribution,
    seed: int,
    param: int = 0,
    max_samples: int = 10**6,
    estimators=("score_function",),
    noise=None,
) -> dict:
    """Everything a convergence figure shows, for gradient component ``param``.

    For each estimator: the per-sample terms ([M]), their sums and sums of squares over the first
    n terms at every n of a log-spaced grid ([G]; the sums at any other N are one short sum away,
    see :func:`running_at`), and the running estimate and standard error on that grid ([G]). All
    estimators use the samples of ``numpy.random.default_rng(seed)`` (common random numbers);
    ``noise``: their eps (``dist.sample_noise(max_samples, default_rng(seed))``), when the caller
    keeps it across theta. Returns a dict with ``n_grid`` [G], ``terms`` {name: [M]},
    ``sums``/``squares`` {name: [G]}, ``running``/``running_se`` {name: [G]}, ``exact``.
    """
    dist = check_distribution(dist)
    seed = check_count(seed, "seed", 0)
    max_samples = check_count(max_samples, "max_samples", 10)
    param = check_index(param, "param", dist.num_params)
    if isinstance(estimators, str) or not estimators:
        raise ValueError(f"estimators must be a non-empty tuple of names from {tuple(ESTIMATORS)}, got {estimators!r}")
    for name in estimators:
        check_choice(name, "estimators[i]", tuple(ESTIMATORS))
    if noise is None:
        noise = draw_noise(dist, seed, max_samples)
    elif dist.reparameterization is None or np.shape(noise) != (max_samples,):
        raise ValueError(
            f"noise must be dist.sample_noise(max_samples, default_rng(seed)) ([{max_samples}]) "
            "for a reparameterized dist"
        )
    n_grid = np.unique(np.geomspace(1, max_samples, GRID_POINTS).astype(int))  # [G], ends at M
    starts = np.concatenate(([0], n_grid[:-1]))  # [G]: term block k is [starts[k], n_grid[k])
    data = {"n_grid": n_grid, "terms": {}, "sums": {}, "squares": {}, "running": {}, "running_se": {}}
    for name in estimators:
        terms = _terms(name, f, dist, param, noise, max_samples, seed)  # [M]
        # Sums over the first n_grid[k] terms: block sums, then a running sum of G numbers.
        sums = np.cumsum(np.add.reduceat(terms, starts))  # [G]
        squares = np.cumsum(np.add.reduceat(np.square(terms), starts))  # [G]
        if not (np.isfinite(sums[-1]) and np.isfinite(squares[-1])):  # a NaN or inf term reaches both
            raise ValueError("f is not finite at some samples (e.g. log or sqrt of a negative number)")
        data["terms"][name], data["sums"][name], data["squares"][name] = terms, sums, squares
        data["running"][name], data["running_se"][name] = mean_and_standard_error(sums, squares, n_grid)
    # Gauss-Legendre in eps (accurate to ~1e-13, see pgviz.expectations) rather than SymPy's exact
    # moments for a polynomial f: the same value to the digits shown, in under a millisecond.
    method = "quadrature" if noise is not None else "auto"
    data["exact"] = float(exact_gradient(f, dist, method=method)[param])
    return data


def running_at(data: dict, name: str, n: int) -> tuple[float, float]:
    """The running estimate and its standard error after the first n terms of estimator ``name``
    (1 <= n <= M): the grid's sums up to the largest grid point <= n, plus the terms after it."""
    check_choice(name, "name", tuple(data["terms"]))
    n_grid, terms = data["n_grid"], data["terms"][name]
    n = check_count(n, "n", 1, terms.size)
    k = int(np.searchsorted(n_grid, n, side="right")) - 1  # n_grid[0] = 1 <= n
    rest = terms[n_grid[k] : n]
    total = data["sums"][name][k] + rest.sum()
    squares = data["squares"][name][k] + np.square(rest).sum()
    mean, se = mean_and_standard_error(np.array([total]), np.array([squares]), np.array([n]))
    return float(mean[0]), float(se[0])
