"""Exact moments of one Monte Carlo term, for standard errors that come from the math, not the samples.

A statistical test compares a sampled variance (or a root-mean-square error) with its exact value
within 5 standard errors; those SEs follow from the exact variance and fourth central moment of one
term, computed here by :func:`pgviz.expectations.exact_expectation` (its Gauss-Legendre rule, exact to
about 1e-13, for a continuous distribution; enumeration for a finite one).
"""

from __future__ import annotations

import numpy as np
import sympy as sp

from pgviz.estimators import ESTIMATORS
from pgviz.expectations import (
    derivative_almost_everywhere,
    exact_expectation,
    optimal_baseline,
    reparameterization_jacobian,
)


def exact_term_moments(f, dist, estimator):
    """The variance and the fourth central moment of one term of ``estimator``, per parameter: ([P], [P]).

    Terms written as SymPy expressions in x - (f - b) s_j, or f'(x) dx/dtheta_j - and averaged with
    :func:`pgviz.expectations.exact_expectation`.
    """
    entry = ESTIMATORS[estimator]
    if entry.kind == "pathwise":
        terms = [derivative_almost_everywhere(f) * jac for jac in reparameterization_jacobian(dist)]
    else:
        b = optimal_baseline(f, dist) if entry.baseline else np.zeros(dist.num_params)
        terms = [(f - sp.Float(b_j, 30)) * s for b_j, s in zip(b, dist.score_exprs)]
    method = "auto" if dist.is_finite else "quadrature"  # the quadrature is exact to ~1e-13, and fast
    variances, fourth = [], []
    for term in terms:
        centred = term - sp.Float(exact_expectation(term, dist, method), 30)
        variances.append(exact_expectation(centred**2, dist, method))
        fourth.append(exact_expectation(centred**4, dist, method))
    return np.array(variances), np.array(fourth)


def sample_variance_se(variance, fourth, num_samples):
    """Standard error of the sample variance of N terms: sqrt((mu_4 - sigma^4) / N)."""
    return np.sqrt((fourth - variance**2) / num_samples)


def mean_moments(variance, fourth, n):
    """Variance and fourth central moment of the mean of n iid terms: sigma^2/n, (mu_4 + 3 (n - 1) sigma^4) / n^3."""
    return variance / n, (fourth + 3 * (n - 1) * variance**2) / n**3
