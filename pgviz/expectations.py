"""Exact expectations under a distribution, and from them the exact gradient, baseline and variance.

Exact expectations E[h(x)] are computed (see :func:`exact_expectation`) by

* enumeration for a finite support;
* exact moments when h is a polynomial in x and the distribution has a polynomial
  reparameterization x = g(eps; theta): E[h] = sum_n c_n E[eps^n], in rational arithmetic;
* otherwise composite Gauss-Legendre quadrature in the noise eps (24 nodes on each of 600
  panels over [-14, 14] for N(0, 1), [0, 90] for Exp(1); the tail beyond holds less than 1e-39 of
  the mass), with panel edges placed at every kink or jump of h (zeros of the arguments of
  Heaviside, Abs, sign, Max, Min), so the rule is exact to ~1e-14 for piecewise smooth h. The
  tests check it against SymPy's exact integrals (``method="symbolic"``).

On top of them: :func:`exact_gradient` E[f s] and :func:`optimal_baseline` b*, what every Monte
Carlo figure of notebooks 01-03 is compared against (the estimators' exact variances are in
:mod:`pgviz.estimators`).
"""

from __future__ import annotations

import functools

import numpy as np
import sympy as sp

from pgviz.costs import check_cost
from pgviz.distributions import NOISE, Distribution, check_distribution
from pgviz.symbolic import check_expression, eps, numpy_function, x
from pgviz.validation import check_choice, check_real

__all__ = [
    "METHODS",
    "exact_expectation",
    "exact_gradient",
    "optimal_baseline",
    "check_baseline",
    "check_defined",
    "inverse_reparameterization",
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


def _kinks(expr: sp.Expr) -> list[float]:
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


def _check_integrand(h: sp.Expr, dist: Distribution) -> None:
    """Refuse, before any work, integrands whose expectation is out of reach or does not exist."""
    degrees = [abs(float(p.exp)) for p in h.atoms(sp.Pow) if p.base.has(x) and p.exp.is_number]
    if degrees and max(degrees) > MAX_INTEGRAND_DEGREE:
        raise ValueError(
            f"h has x to the power {max(degrees):g}; exact expectations take powers up to {MAX_INTEGRAND_DEGREE}"
        )
    low = float(dist.support.inf) if not dist.is_finite else -np.inf
    poles = [p for p in _poles(h.subs(dist.subs)) if p >= low]
    if poles:
        where = "at infinitely many x" if np.inf in poles else f"at x = {min(poles):g}"
        raise ValueError(f"h has a pole {where} where {type(dist).__name__} puts mass: E[h] does not exist")


def check_defined(f: sp.Expr, dist: Distribution) -> None:
    """ValueError unless the cost f is finite wherever ``dist`` can put a sample: at every support
    point, or at the quadrature nodes, which reach further into the tails than any sample does.

    The pathwise estimator needs it: it evaluates f' only, which can be finite where f is not
    (f = log x under a Gaussian has f' = 1/x at negative x)."""
    if dist.is_finite:
        values = _values_on_support(f, dist)
    else:
        lower, upper = _NOISE_RANGE[dist.noise]
        eps_grid = np.linspace(lower, upper, _PANELS * _NODES.size)
        with np.errstate(all="ignore"):
            values = numpy_function(f, (x,))(dist.transform(eps_grid))
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
        h = np.asarray(values_of_x(dist.transform(nodes)), dtype=float)  # [Q] or [Q, P]
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
        _check_integrand(h, dist)
    if method == "symbolic":
        if not is_expr:
            raise TypeError("method='symbolic' needs h as a SymPy expression")
        return float(dist.expectation(h))
    if dist.is_finite:
        if method in ("moments", "quadrature"):
            raise ValueError(f"method={method!r} is for continuous distributions; {type(dist).__name__} is finite")
        if is_expr:  # exact: substitute each support point and the parameters (K is small)
            h_values = _values_on_support(h.subs(dist.subs), dist)
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
        return float(quadrature_expectation(lambda xs: fn(xs, *dist.param_vector), _kinks(h), dist))
    return float(quadrature_expectation(h, [], dist))


def _values_on_support(expr: sp.Expr, dist: Distribution) -> np.ndarray:
    """A constant-parameter expression in x at every support point, to 30 digits (NaN where undefined)."""
    values = []
    for v in sorted(dist.support):
        value = sp.N(expr.subs(x, v), 30)
        values.append(float(value) if value.is_real and value.is_finite else np.nan)
    return np.array(values)


def score_moment(f, dist: Distribution, power_f: int, power_s: int, method: str) -> np.ndarray:
    """E[f^power_f * s_j^power_s] for each parameter j: [P]."""
    if dist.is_finite and method == "auto":  # exact enumeration over the K support points
        if isinstance(f, sp.Expr):
            f_values = _values_on_support(f, dist)  # [K]
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
