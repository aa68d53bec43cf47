"""What automatic differentiation of a REINFORCE loss gives on reparameterized samples (notebook 03).

Code writes the score-function estimator as a surrogate loss L = -(1/N) Σ_i r(a_i) log pi(a_i; theta)
and lets autodiff compute -grad L. The reward r(a_i) comes from the environment: a number, with no
gradient. What matters is whether the gradient may flow through the action a_i:

* ``stop_gradient=True`` (the sample held fixed, ``a.detach()`` or ``dist.sample()``):
  grad_theta log pi(a; theta) at fixed a is the score, and -grad L is the score-function estimator
  (unbiased).
* ``stop_gradient=False`` (a = g(eps; theta) drawn with ``rsample``, the gradient flowing through
  a into log pi): the derivative is the *total* d/dtheta log pi(g(eps; theta); theta). For a Gaussian
  log pi(mu + sigma eps; mu, sigma) = -eps^2/2 - log sigma - log(2 pi)/2, so it is (0, -1/sigma):
  the mean gets no gradient at all, and the sigma component is -E[r]/sigma, not the policy gradient.

That total derivative is not useless in itself: averaged with r = 1 it is the pathwise gradient of
E[log pi] = -entropy, which entropy-regularized methods (SAC) use on purpose.
"""

from __future__ import annotations

import functools

import numpy as np
import sympy as sp

from pgviz.costs import check_cost, cost_values
from pgviz.distributions import Distribution
from pgviz.estimators import check_reparameterized
from pgviz.expectations import exact_expectation
from pgviz.quadrature import inverse_reparameterization
from pgviz.symbolic import eps, numpy_function, x
from pgviz.validation import check_bool, check_real_array

__all__ = ["log_prob_derivatives_in_noise", "surrogate_gradient_terms", "surrogate_gradient"]


@functools.lru_cache(maxsize=32)
def _derivatives(log_prob_expr, reparameterization, symbols, stop_gradient):
    at_sample = log_prob_expr.subs(x, reparameterization)  # log pi(g(eps; theta); theta)
    if stop_gradient:  # differentiate at a fixed action, then put the sample in
        return tuple(sp.simplify(sp.diff(log_prob_expr, s).subs(x, reparameterization)) for s in symbols)
    return tuple(sp.simplify(sp.diff(at_sample, s)) for s in symbols)  # through the action too


def log_prob_derivatives_in_noise(dist: Distribution, stop_gradient: bool = True) -> tuple[sp.Expr, ...]:
    """d/dtheta_j log pi(a; theta) at a = g(eps; theta), as expressions in eps: one per parameter.

    ``stop_gradient=True``: the partial derivative at a fixed action (the score, written in eps);
    ``False``: the total derivative of log pi(g(eps; theta); theta), the action moving with theta.
    For a Gaussian: ((eps/sigma, (eps^2 - 1)/sigma)) and (0, -1/sigma).
    """
    dist = check_reparameterized(dist)
    stop_gradient = check_bool(stop_gradient, "stop_gradient")
    return _derivatives(dist.log_prob_expr, dist.reparameterization, dist.param_symbols, stop_gradient)


def surrogate_gradient_terms(f, dist: Distribution, noise, stop_gradient: bool = True) -> np.ndarray:
    """Per-sample -grad_theta of the loss -r(a_i) log pi(a_i; theta), a_i = g(eps_i; theta): [N, P].

    ``f`` is the reward r (a SymPy expression in :data:`pgviz.x` or a vectorized callable),
    evaluated at the sample and never differentiated. ``noise`` eps [N] from
    ``dist.sample_noise``. ``stop_gradient`` as in :func:`log_prob_derivatives_in_noise`: with True
    these are the score-function terms of :func:`pgviz.score_function` on the same draws.
    """
    f = check_cost(f)
    derivatives = log_prob_derivatives_in_noise(dist, stop_gradient)
    noise = check_real_array(noise, "noise", ndim=1)
    theta = dist.param_vector
    rewards = cost_values(f, dist.transform(noise))  # [N], numbers from the environment
    columns = [numpy_function(d, (eps, *dist.param_symbols))(noise, *theta) for d in derivatives]
    return rewards[:, None] * np.stack(columns, axis=-1)


def surrogate_gradient(f, dist: Distribution, stop_gradient: bool = True) -> np.ndarray:
    """The exact mean of :func:`surrogate_gradient_terms`: E[r(a) d/dtheta log pi], [P].

    With ``stop_gradient=True`` this is the policy gradient grad_theta E[r]; with False it is
    E[r(a) * total derivative], for a Gaussian (0, -E[r]/sigma). ``f``: a SymPy expression.
    """
    f = check_cost(f, allow_callable=False)
    derivatives = log_prob_derivatives_in_noise(dist, stop_gradient)
    inverse = inverse_reparameterization(dist.reparameterization)  # eps = g^{-1}(x; theta)
    return np.array([exact_expectation(f * d.subs(eps, inverse), dist) for d in derivatives])
