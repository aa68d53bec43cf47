"""Exact expectations under a distribution, and from them the exact gradient, baseline and variance.

Exact expectations E[h(x)] are computed (see :func:`exact_expectation`) by

* enumeration for a finite support;
* exact moments when h is a polynomial in x and the distribution has a polynomial
  reparameterization x = g(eps; theta): E[h] = sum_n c_n E[eps^n], in rational arithmetic;
* otherwise composite Gauss-Legendre quadrature in the noise eps (:mod:`pgviz.quadrature`),
  exact to ~1e-14 for piecewise smooth h; the tests check it against SymPy's exact integrals
  (``method="symbolic"``).

On top of them: :func:`exact_gradient` E[f s] and :func:`optimal_baseline` b*, what every Monte
Carlo figure of notebooks 01-03 is compared against (the estimators' exact variances are in
:mod:`pgviz.studies`).
"""

from __future__ import annotations

import numpy as np
import sympy as sp

from pgviz.costs import check_cost
from pgviz.distributions import Distribution, check_distribution
from pgviz.quadrature import (
    check_integrand,
    inverse_reparameterization,
    kinks,
    quadrature_expectation,
    values_on_support,
)
from pgviz.symbolic import check_expression, eps, numpy_function, x
from pgviz.validation import check_choice, check_real

__all__ = [
    "METHODS",
    "exact_expectation",
    "exact_gradient",
    "optimal_baseline",
    "check_baseline",
    "reparameterization_jacobian",
    "derivative_almost_everywhere",
]

METHODS = ("auto", "symbolic", "moments", "quadrature")


def check_baseline(baseline):
    """None, the string "optimal", or a finite real number (as float)."""
    if baseline is None or (isinstance(baseline, str) and baseline == "optimal"):
        return baseline
    if isinstance(baseline, str):
        raise ValueError(f"baseline must be None, a real number or 'optimal', got {baseline!r}")
    return check_real(baseline, "baseline")


def check_method(method):
    return check_choice(method, "method", METHODS)


def _noise_moment(noise: str, n: int) -> sp.Rational:
    """E[eps^n] for the standard noise: (n-1)!! for even n under N(0, 1), n! under Exp(1)."""
    if noise == "standard_normal":
        return sp.Integer(0) if n % 2 else sp.factorial2(n - 1) if n else sp.Integer(1)
    if noise == "standard_exponential":
        return sp.factorial(n)
    raise ValueError(f"no moments known for noise {noise!r}")  # pragma: no cover


def _moments(expr: sp.Expr, dist: Distribution) -> float:
    """E[expr] for expr polynomial in x, through x = g(eps; theta) and the noise moments (exact)."""
    in_eps = sp.expand(expr.subs(x, dist.reparameterization).subs(dist.subs))
    poly = sp.Poly(in_eps, eps)
    total = sum(c * _noise_moment(dist.noise, m[0]) for m, c in zip(poly.monoms(), poly.coeffs()))
    return float(sp.N(total, 30))


def exact_expectation(h, dist: Distribution, method: str = "auto") -> float:
    """E_{x~p(x;theta)}[h(x)] at the current parameters, exactly or by high-accuracy quadrature.

    ``h`` is a SymPy expression in x (it may contain the parameter symbols, e.g. a score) or, for
    the quadrature, a vectorized callable. ``method``: "auto" (enumeration for a finite support;
    exact moments when h is a polynomial in x; quadrature otherwise), "symbolic" (SymPy's
    integral/sum, :meth:`Distribution.expectation`; can be slow), "moments" or "quadrature".
    See the module docstring for the quadrature rule. Returns a float.
    """
    dist = check_distribution(dist)
    method = check_method(method)
    is_expr = isinstance(h, sp.Basic)
    if not is_expr and not callable(h):
        raise TypeError(f"h must be a SymPy expression in x or a callable, got {type(h).__name__}")
    if is_expr:
        extra = h.free_symbols - {x, *dist.param_symbols}
        if extra:
            raise ValueError(f"h may contain x and the parameters of dist only, not {sorted(map(str, extra))}")
        h = check_expression(h, "h")
        check_integrand(h, dist)
    if method == "symbolic":
        if not is_expr:
            raise TypeError("method='symbolic' needs h as a SymPy expression")
        return float(dist.expectation(h))
    if dist.is_finite:
        if method in ("moments", "quadrature"):
            raise ValueError(f"method={method!r} is for continuous distributions; {type(dist).__name__} is finite")
        if is_expr:  # exact: substitute each support point and the parameters (K is small)
            h_values = values_on_support(h.subs(dist.subs), dist)
        else:
            h_values = np.asarray(h(dist.support_values), dtype=float)
        if not np.all(np.isfinite(h_values)):
            raise ValueError(f"h is not finite at a support point of {type(dist).__name__}: E[h] does not exist")
        return float((dist.probabilities() * h_values).sum())
    if dist.reparameterization is None:
        if not is_expr:
            raise TypeError(f"{type(dist).__name__} has no reparameterization: give h as a SymPy expression")
        return float(dist.expectation(h))
    polynomial = is_expr and h.is_polynomial(x) and dist.reparameterization.is_polynomial(eps)
    if method == "moments" or (method == "auto" and polynomial):
        if not polynomial:
            raise ValueError("method='moments' needs h polynomial in x")
        return _moments(h, dist)
    if is_expr:
        fn = numpy_function(h, (x, *dist.param_symbols))
        return float(quadrature_expectation(lambda xs: fn(xs, *dist.param_vector), kinks(h), dist))
    return float(quadrature_expectation(h, [], dist))


def score_moment(f, dist: Distribution, power_f: int, power_s: int, method: str) -> np.ndarray:
    """E[f^power_f * s_j^power_s] for each parameter j: [P]."""
    if dist.is_finite and method == "auto":  # exact enumeration over the K support points
        if isinstance(f, sp.Expr):
            f_values = values_on_support(f, dist)  # [K]
        else:
            f_values = np.asarray(f(dist.support_values), dtype=float)
        if not np.all(np.isfinite(f_values)):
            raise ValueError(f"f is not finite at a support point of {type(dist).__name__}: E[f s] does not exist")
        product = f_values[:, None] ** power_f * dist.score(dist.support_values) ** power_s  # [K, P]
        return (dist.probabilities()[:, None] * product).sum(axis=0)
    if isinstance(f, sp.Expr):
        return np.array([exact_expectation(f**power_f * s**power_s, dist, method) for s in dist.score_exprs])
    return np.array(
        [
            exact_expectation(
                lambda xs, j=j: np.asarray(f(xs), dtype=float) ** power_f * dist.score(xs)[:, j] ** power_s,
                dist,
                "quadrature",
            )
            for j in range(dist.num_params)
        ]
    )


def exact_gradient(f, dist: Distribution, method: str = "auto") -> np.ndarray:
    """The exact gradient grad_theta E_{x~p(x;theta)}[f(x)] = E[f(x) grad_theta log p(x; theta)]: [P].

    Computed as E[f s_j] for each score component s_j by :func:`exact_expectation` (exact for a
    finite support and for polynomial f; high-accuracy quadrature otherwise). ``f``: a SymPy
    expression in :data:`pgviz.x` (or a vectorized callable, then by enumeration/quadrature
    without knowledge of its kinks). Notebooks 01-03.
    """
    f = check_cost(f)
    dist = check_distribution(dist)
    method = check_method(method)
    return score_moment(f, dist, 1, 1, method)


def optimal_baseline(f, dist: Distribution, method: str = "auto") -> np.ndarray:
    """The per-parameter optimal constant baseline b*_j = E[f s_j^2] / E[s_j^2]: [P].

    It minimizes Var[(f - b) s_j] over constants b: d/db E[(f - b)^2 s_j^2] = 0. Exact values
    (not estimated from the samples), so baselined per-sample terms stay independent and the
    estimator stays unbiased (E[b s_j] = b E[s_j] = 0). Notebook 02.
    """
    f = check_cost(f)
    dist = check_distribution(dist)
    method = check_method(method)
    key = None
    if isinstance(f, sp.Expr):  # cached per (f, distribution, theta, method): sliders revisit values
        key = (f, type(dist).__name__, dist.log_prob_expr, dist.support, tuple(dist.param_vector.tolist()), method)
        if key in _BASELINE_CACHE:
            return _BASELINE_CACHE[key].copy()
    value = score_moment(f, dist, 1, 2, method) / score_moment(sp.Integer(1), dist, 1, 2, method)
    if key is not None:
        if len(_BASELINE_CACHE) >= 256:
            _BASELINE_CACHE.pop(next(iter(_BASELINE_CACHE)))
        _BASELINE_CACHE[key] = value.copy()
    return value


_BASELINE_CACHE: dict = {}


def reparameterization_jacobian(dist: Distribution) -> list[sp.Expr]:
    """d/dtheta_j g(eps; theta), written in x (eps = g^{-1}(x)): one expression per parameter."""
    inverse = inverse_reparameterization(dist.reparameterization)
    return [sp.simplify(sp.diff(dist.reparameterization, s).subs(eps, inverse)) for s in dist.param_symbols]


def derivative_almost_everywhere(f: sp.Expr) -> sp.Expr:
    """f'(x) with Dirac deltas dropped: the derivative almost everywhere, as autodiff computes it."""
    derivative = sp.diff(f, x)
    return derivative.replace(lambda e: isinstance(e, sp.DiracDelta), lambda e: sp.Integer(0))
