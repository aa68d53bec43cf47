"""Summaries of Monte Carlo terms: the estimate, its standard error, intervals and running values.

Every estimator in pgviz returns per-sample terms g_1, ..., g_N (shape [N, P]); these functions
turn them into what a figure or a printed line shows. The running mean and standard error after
n terms are written once, from the sums S_n = Σ_{i≤n} g_i and Q_n = Σ_{i≤n} g_i²:

    mean_n = S_n / n,   s²_n = (Q_n / n − mean_n²) · n / (n − 1),   SE_n = sqrt(s²_n / n),

so a widget that keeps only the sums at a grid of n (notebooks 01–03) and a running curve over
every n (notebook 04) compute the same numbers.
"""

from __future__ import annotations

import statistics as _stdlib_statistics

import numpy as np

from pgviz.validation import check_in_range, check_real_array

__all__ = [
    "check_terms",
    "estimate",
    "standard_error",
    "confidence_interval",
    "mean_and_standard_error",
    "running_mean",
    "running_standard_error",
    "control_variate",
]


def check_terms(terms, name: str = "terms") -> np.ndarray:
    """Per-sample terms as a float array [N, P] (a 1-d array is one column), finite, N >= 2."""
    terms = check_real_array(terms, name)
    if terms.ndim == 1:
        terms = terms[:, None]
    if terms.ndim != 2 or terms.shape[0] < 2:
        raise ValueError(f"{name} must have shape [N, P] with N >= 2, got {terms.shape}")
    return terms


def estimate(terms) -> np.ndarray:
    """The Monte Carlo estimate (1/N) Σ_i g_i of per-sample terms [N, P]: [P]."""
    return check_terms(terms).mean(axis=0)


def standard_error(terms) -> np.ndarray:
    """The standard error sqrt(s² / N) of the estimate, s² the unbiased sample variance: [P]."""
    terms = check_terms(terms)
    return terms.std(axis=0, ddof=1) / np.sqrt(terms.shape[0])


def confidence_interval(terms, level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """The normal-approximation interval estimate ∓ z · SE (z = 1.96 for 95%): ([P], [P])."""
    level = check_in_range(level, "level", 0.0, 1.0, low_open=True, high_open=True)
    terms = check_terms(terms)
    z = _stdlib_statistics.NormalDist().inv_cdf(0.5 + level / 2)
    center, se = estimate(terms), standard_error(terms)
    return center - z * se, center + z * se


def mean_and_standard_error(sums, squares, n) -> tuple[np.ndarray, np.ndarray]:
    """The estimate and its standard error after n terms, from their sum S_n and sum of squares Q_n.

    Shapes broadcast (e.g. sums [G, P] and n [G, 1]); n = 1 gives a standard error of NaN (one term
    says nothing about the spread).
    """
    sums, squares, n = np.asarray(sums, dtype=float), np.asarray(squares, dtype=float), np.asarray(n, dtype=float)
    mean = sums / n
    with np.errstate(invalid="ignore", divide="ignore"):
        variance = np.maximum(squares / n - mean**2, 0.0) * n / (n - 1)
        return mean, np.sqrt(variance / n)


def running_mean(terms) -> np.ndarray:
    """The estimate after each of the first n samples, n = 1..N: cumsum / n, [N, P]."""
    terms = check_terms(terms)
    return np.cumsum(terms, axis=0) / np.arange(1, terms.shape[0] + 1)[:, None]


def running_standard_error(terms) -> np.ndarray:
    """The standard error after each of the first n samples (n = 1 gets NaN): [N, P]."""
    terms = check_terms(terms)
    n = np.arange(1, terms.shape[0] + 1)[:, None]
    return mean_and_standard_error(np.cumsum(terms, axis=0), np.cumsum(terms**2, axis=0), n)[1]


def control_variate(terms, control, control_mean=0.0, coefficient="optimal") -> np.ndarray:
    """Per-sample terms with a control variate: g_i - c (h_i - E[h]), [N, P].

    Unbiased for any fixed c since E[h - E[h]] = 0. ``control`` h: [N] or [N, P] with known mean
    ``control_mean`` (scalar or [P]); ``coefficient``: a number/[P] array, or "optimal", the
    variance-minimizing c = Cov(g, h) / Var(h) per parameter estimated from these samples (which
    adds an O(1/N) bias). The score itself (mean 0) is the classic control variate: with h = s
    it gives the baselined estimator of notebook 02.
    """
    terms = check_terms(terms)
    control = check_real_array(control, "control")
    if control.ndim == 1:
        control = np.repeat(control[:, None], terms.shape[1], axis=1)
    if control.shape != terms.shape:
        raise ValueError(f"control must have shape [N] or {terms.shape}, got {control.shape}")
    centred = control - _per_parameter(control_mean, "control_mean", terms.shape[1])
    if isinstance(coefficient, str):
        if coefficient != "optimal":
            raise ValueError(f"coefficient must be a number, a [P] array or 'optimal', got {coefficient!r}")
        g = terms - terms.mean(0)
        h = control - control.mean(0)
        c = (g * h).sum(0) / np.maximum((h * h).sum(0), 1e-300)
    else:
        c = _per_parameter(coefficient, "coefficient", terms.shape[1])
    return terms - c * centred


def _per_parameter(value, name: str, num_params: int) -> np.ndarray:
    """A finite number or [P] array, broadcast to [P]."""
    array = check_real_array(value, name)
    if array.ndim > 1 or (array.ndim == 1 and array.shape != (num_params,)):
        raise ValueError(f"{name} must be a number or a [{num_params}] array, got shape {array.shape}")
    return np.broadcast_to(array, (num_params,))
