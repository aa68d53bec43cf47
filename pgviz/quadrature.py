"""The numerical integration behind the exact expectations: composite Gauss-Legendre in the noise.

E[h(x)] = ∫ h(g(eps; theta)) p_noise(eps) deps with 24 Gauss-Legendre nodes on each of 600 panels
over [-14, 14] for N(0, 1), [0, 90] for Exp(1) (the tail beyond holds less than 1e-39 of the
mass), with panel edges at every kink or jump of h (zeros of the arguments of Heaviside, Abs,
sign, Max, Min), so the rule is exact to ~1e-14 for piecewise smooth h. And the checks that keep
its answers honest: an integrand with a pole where the distribution puts mass, one that is not
finite at a node, or one that does not vanish in the tails is refused with the reason, since the
rule would return a finite but meaningless number. :mod:`pgviz.expectations` builds on it.
"""

from __future__ import annotations

import functools

import numpy as np
import sympy as sp

from pgviz.distributions import NOISE, Distribution
from pgviz.symbolic import eps, numpy_function, x

__all__ = [
    "quadrature_expectation",
    "inverse_reparameterization",
    "kinks",
    "check_integrand",
    "check_defined",
    "values_on_support",
    "MAX_INTEGRAND_DEGREE",
    "TAIL_TOLERANCE",
]


def values_on_support(expr: sp.Expr, dist: Distribution) -> np.ndarray:
    """A constant-parameter expression in x at every support point, to 30 digits (NaN where undefined)."""
    values = []
    for v in sorted(dist.support):
        value = sp.N(expr.subs(x, v), 30)
        values.append(float(value) if value.is_real and value.is_finite else np.nan)
    return np.array(values)


@functools.lru_cache(maxsize=64)
def inverse_reparameterization(reparameterization: sp.Expr) -> sp.Expr:
    """eps = g^{-1}(x; theta) for x = g(eps; theta) (unique for the catalog's affine maps)."""
    solutions = sp.solve(sp.Eq(x, reparameterization), eps)
    if len(solutions) != 1:
        raise ValueError("the reparameterization is not invertible in closed form")
    return solutions[0]


_NOISE_RANGE = {"standard_normal": (-14.0, 14.0), "standard_exponential": (0.0, 90.0)}
_PANELS = 600
_NODES, _WEIGHTS = np.polynomial.legendre.leggauss(24)


def kinks(expr: sp.Expr) -> list[float]:
    """Real x where expr has a kink or jump: zeros of the arguments of Heaviside/Abs/sign/Max/Min."""
    points = []
    for atom in expr.atoms(sp.Heaviside, sp.Abs, sp.sign, sp.Max, sp.Min, sp.Piecewise):
        args = atom.args[:1] if isinstance(atom, sp.Heaviside) else atom.args
        if isinstance(atom, (sp.Max, sp.Min)):
            args = [a - b for a in atom.args for b in atom.args if a != b]
        if isinstance(atom, sp.Piecewise):
            args = [c.lhs - c.rhs for _, c in atom.args if isinstance(c, sp.core.relational.Relational)]
        for arg in args:
            if arg.has(x) and arg.is_polynomial(x):
                coefficients = [complex(c) for c in sp.Poly(arg, x).all_coeffs()]
                if len(coefficients) > 1:
                    points += [r.real for r in np.roots(coefficients) if abs(r.imag) < 1e-12]
    return points


#: The largest power of x an integrand may hold (f² s² of a cost of degree 20, and some room).
MAX_INTEGRAND_DEGREE = 60
#: The share of |E| the outermost panels may hold before the integrand counts as not decaying.
TAIL_TOLERANCE = 1e-9


def _poles(expr: sp.Expr) -> list[float]:
    """Real x where expr divides by zero (zeros of polynomial denominators) or tan/cot/sec/csc blow
    up; ``[inf]`` stands for the infinitely many poles of a trigonometric function of x."""
    points = []
    for power in expr.atoms(sp.Pow):
        if power.base.has(x) and power.exp.is_number and power.exp.is_negative and power.base.is_polynomial(x):
            coefficients = [complex(c) for c in sp.Poly(power.base, x).all_coeffs()]
            points += [r.real for r in np.roots(coefficients) if abs(r.imag) < 1e-12] if len(coefficients) > 1 else []
    if any(f.args[0].has(x) for f in expr.atoms(sp.tan, sp.cot, sp.sec, sp.csc)):
        points.append(np.inf)
    return points


def check_integrand(h: sp.Expr, dist: Distribution) -> None:
    """Refuse, before any work, integrands whose expectation is out of reach or does not exist."""
    low = float(dist.support.inf) if not dist.is_finite else -np.inf
    # The checks depend on the parameters only through denominators in x that hold them (rare):
    # otherwise they are made once per integrand (a widget asks again at every theta).
    with_params = any(p.base.free_symbols - {x} for p in h.atoms(sp.Pow) if p.base.has(x) and p.exp.is_negative)
    problem = _integrand_problem(h.subs(dist.subs) if with_params else h, low)
    if problem:
        raise ValueError(problem.format(dist=type(dist).__name__))


@functools.lru_cache(maxsize=512)
def _integrand_problem(h: sp.Expr, low: float) -> str | None:
    """Why E[h] is out of reach or does not exist for a support starting at ``low``, or None."""
    degrees = [abs(float(p.exp)) for p in h.atoms(sp.Pow) if p.base.has(x) and p.exp.is_number]
    if degrees and max(degrees) > MAX_INTEGRAND_DEGREE:
        return f"h has x to the power {max(degrees):g}; exact expectations take powers up to {MAX_INTEGRAND_DEGREE}"
    poles = [p for p in _poles(h) if p >= low]
    if poles:
        where = "at infinitely many x" if np.inf in poles else f"at x = {min(poles):g}"
        return f"h has a pole {where} where {{dist}} puts mass: E[h] does not exist"
    return None


def check_defined(f: sp.Expr, dist: Distribution) -> None:
    """ValueError unless the cost f is finite wherever ``dist`` can put a sample: at every support
    point, or at the quadrature nodes, which reach further into the tails than any sample does.

    The pathwise estimator needs it: it evaluates f' only, which can be finite where f is not
    (f = log x under a Gaussian has f' = 1/x at negative x)."""
    if dist.is_finite:
        values = values_on_support(f, dist)
    else:
        lower, upper = _NOISE_RANGE[dist.noise]
        eps_grid = np.linspace(lower, upper, _PANELS * _NODES.size)
        with np.errstate(all="ignore"):
            values = numpy_function(f, (x,))(dist.transform(eps_grid, check=False))
    if not np.all(np.isfinite(values)):
        raise ValueError(
            f"f is not finite at some x where {type(dist).__name__} puts mass (a log or square root of a "
            "negative number, a pole): the gradient of E[f] does not exist"
        )


def quadrature_expectation(values_of_x, kinks_x: list[float], dist: Distribution) -> np.ndarray:
    """E[h(x)] = int h(g(eps)) p_noise(eps) deps by composite Gauss-Legendre, split at the kinks.

    ValueError when h is not finite at a node (log or sqrt of a negative number, say) or when the
    integrand has not decayed in the outermost panels (E[h] may not exist, e.g. E[exp(x)] under
    Exp(1)): the rule's answer would be a finite but meaningless number."""
    lower, upper = _NOISE_RANGE[dist.noise]
    inverse = numpy_function(inverse_reparameterization(dist.reparameterization), (x, *dist.param_symbols))
    kinks_eps = [float(inverse(np.array(c), *dist.param_vector)) for c in kinks_x]
    edges = np.unique(
        np.concatenate([np.linspace(lower, upper, _PANELS + 1), [e for e in kinks_eps if lower < e < upper]])
    )
    half = np.diff(edges)[:, None] / 2
    nodes = ((edges[:-1, None] + edges[1:, None]) / 2 + half * _NODES).ravel()  # [Q]
    weights = (half * _WEIGHTS).ravel()  # [Q]
    noise_density = numpy_function(sp.exp(NOISE[dist.noise][1]), (eps,))(nodes)
    with np.errstate(all="ignore"):
        h = np.asarray(values_of_x(dist.transform(nodes, check=False)), dtype=float)  # [Q] or [Q, P]
    if not np.all(np.isfinite(h)):
        raise ValueError(
            f"h is not finite at some x where {type(dist).__name__} puts mass (a log or square root "
            "of a negative number, a pole, an overflow): E[h] does not exist or is out of reach"
        )
    w = (weights * noise_density).reshape((-1,) + (1,) * (h.ndim - 1))  # [Q, 1...]
    terms = w * h  # An elementwise product and sum, not a BLAS dot: BLAS threads stall on a busy machine.
    outer = np.abs(terms[-2 * _NODES.size :]).sum(axis=0)
    if dist.noise == "standard_normal":
        outer = outer + np.abs(terms[: 2 * _NODES.size]).sum(axis=0)
    if np.any(outer > TAIL_TOLERANCE * np.maximum(np.abs(terms).sum(axis=0), 1e-300)):
        raise ValueError(
            f"h grows so fast that h times the density of {type(dist).__name__} does not vanish in its "
            "tails: E[h] may not exist (e.g. E[exp(x)] under Exp(1))"
        )
    return terms.sum(axis=0)
