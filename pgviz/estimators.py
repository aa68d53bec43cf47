"""Monte Carlo estimators of grad_theta E_{x~p(x;theta)}[f(x)], their exact means and variances.

Every estimator has one signature, ``(f, dist, num_samples, rng)``, and returns the per-sample
terms [N, P]: ``terms.mean(0)`` is the estimate and ``terms.var(0)`` the single-sample variance.
Because a continuous ``dist.sample`` is exactly ``dist.transform(dist.sample_noise(N, rng))``,
two estimators called with generators seeded alike use the same samples (common random numbers).

* :func:`score_function`: (f(x) - b) * d/dtheta log p(x; theta)   (Mohamed et al. 2020, Sec. 4)
* :func:`pathwise`: f'(g(eps; theta)) * d/dtheta g(eps; theta)   (Mohamed et al. 2020, Sec. 5)
* :func:`score_function_on_noise`, :func:`pathwise_on_noise`: the same on given noise eps, so that
  theta can move while the draws stay (what the widget apps do), optionally for one component.
* :func:`exact_gradient`, :func:`exact_variance`: the exact mean and single-sample variance.

Exact expectations E[h(x)] are computed (see :func:`exact_expectation`) by

* enumeration for a finite support;
* exact moments when h is a polynomial in x and the distribution has a polynomial
  reparameterization x = g(eps; theta): E[h] = sum_n c_n E[eps^n], in rational arithmetic;
* otherwise composite Gauss-Legendre quadrature in the noise eps (24 nodes on each of 600
  panels over [-14, 14] for N(0, 1), [0, 90] for Exp(1); the tail beyond holds less than 1e-39 of
  the mass), with panel edges placed at every kink or jump of h (zeros of the arguments of
  Heaviside, Abs, sign, Max, Min), so the rule is exact to ~1e-14 for piecewise smooth h. The
  tests check it against SymPy's exact integrals (``method="symbolic"``).

Notebooks 02 and 03 use these.
"""

from __future__ import annotations

import functools
import numbers
import statistics

import numpy as np
import sympy as sp

from pgviz.distributions import NOISE, Distribution, check_num_samples, check_rng
from pgviz.symbolic import eps, exact_rational, numpy_function, x

__all__ = [
    "score_function",
    "pathwise",
    "score_function_on_noise",
    "pathwise_on_noise",
    "exact_gradient",
    "exact_variance",
    "exact_expectation",
    "optimal_baseline",
    "estimate",
    "standard_error",
    "confidence_interval",
    "running_mean",
    "running_standard_error",
    "control_variate",
    "ESTIMATORS",
    "repeated_estimates",
    "rms_error_vs_n",
    "exact_variance_curve",
    "sampled_variances",
    "variance_study",
]

ESTIMATORS = ("score_function", "pathwise")
METHODS = ("auto", "symbolic", "moments", "quadrature")

# ------------------------------------------------------------------------------ argument checks


def _check_dist(dist) -> Distribution:
    if not isinstance(dist, Distribution):
        raise TypeError(f"dist must be a pgviz Distribution (e.g. pgviz.Gaussian(0, 1)), got {type(dist).__name__}")
    if not dist.is_normalized:
        raise ValueError(f"dist must be normalized; {type(dist).__name__} as written is not (give it actions)")
    return dist


def _check_cost(f, allow_callable: bool = True):
    """f as a SymPy expression in x only, or (when allowed) a callable."""
    if isinstance(f, sp.Basic):
        if not isinstance(f, sp.Expr):
            raise TypeError(f"f must be a SymPy expression in pgviz.x, got {type(f).__name__}")
        extra = f.free_symbols - {x}
        if extra:
            names = ", ".join(sorted(str(s) for s in extra))
            raise ValueError(f"f must be an expression in pgviz.x only; it also contains {names}")
        return f
    if allow_callable and callable(f):
        return f
    allowed = "a SymPy expression in pgviz.x" + (" or a vectorized callable" if allow_callable else "")
    raise TypeError(f"f must be {allowed}, got {type(f).__name__}")


def _check_baseline(baseline):
    if baseline is None or (isinstance(baseline, str) and baseline == "optimal"):
        return baseline
    if isinstance(baseline, bool) or not isinstance(baseline, numbers.Real):
        raise TypeError(f"baseline must be None, a real number or 'optimal', got {baseline!r}")
    if not np.isfinite(float(baseline)):
        raise ValueError(f"baseline must be finite, got {baseline}")
    return float(baseline)


def _check_method(method):
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
    return method


def _cost_values(f, x_values: np.ndarray) -> np.ndarray:
    """f evaluated at the samples: [N]."""
    if isinstance(f, sp.Expr):
        return numpy_function(f, (x,))(x_values)
    values = np.asarray(f(x_values), dtype=float)
    if values.shape != x_values.shape:
        raise ValueError(f"f must map an array of shape {x_values.shape} to the same shape, got {values.shape}")
    return values


# ------------------------------------------------------------------------------ exact expectations


def _noise_moment(noise: str, n: int) -> sp.Rational:
    """E[eps^n] for the standard noise: (n-1)!! for even n under N(0, 1), n! under Exp(1)."""
    if noise == "standard_normal":
        return sp.Integer(0) if n % 2 else sp.factorial2(n - 1) if n else sp.Integer(1)
    if noise == "standard_exponential":
        return sp.factorial(n)
    raise ValueError(f"no moments known for noise {noise!r}")  # pragma: no cover


@functools.lru_cache(maxsize=64)
def _inverse_reparameterization(reparameterization: sp.Expr) -> sp.Expr:
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


def _quadrature(values_of_x, kinks_x: list[float], dist: Distribution) -> np.ndarray:
    """E[h(x)] = int h(g(eps)) p_noise(eps) deps by composite Gauss-Legendre, split at the kinks."""
    lower, upper = _NOISE_RANGE[dist.noise]
    inverse = numpy_function(_inverse_reparameterization(dist.reparameterization), (x, *dist.param_symbols))
    kinks_eps = [float(inverse(np.array(c), *dist.param_vector)) for c in kinks_x]
    edges = np.unique(np.concatenate([np.linspace(lower, upper, _PANELS + 1),
                                      [e for e in kinks_eps if lower < e < upper]]))
    half = np.diff(edges)[:, None] / 2
    nodes = ((edges[:-1, None] + edges[1:, None]) / 2 + half * _NODES).ravel()  # [Q]
    weights = (half * _WEIGHTS).ravel()  # [Q]
    noise_density = numpy_function(sp.exp(NOISE[dist.noise][1]), (eps,))(nodes)
    h = np.asarray(values_of_x(dist.transform(nodes)), dtype=float)  # [Q] or [Q, P]
    w = weights * noise_density  # [Q]
    # An elementwise product and sum, not a BLAS dot: BLAS threads stall on a busy machine.
    return (w.reshape((-1,) + (1,) * (h.ndim - 1)) * h).sum(axis=0)


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
    dist = _check_dist(dist)
    method = _check_method(method)
    is_expr = isinstance(h, sp.Basic)
    if not is_expr and not callable(h):
        raise TypeError(f"h must be a SymPy expression in x or a callable, got {type(h).__name__}")
    if is_expr:
        h = sp.sympify(h)
        extra = h.free_symbols - {x, *dist.param_symbols}
        if extra:
            raise ValueError(f"h may contain x and the parameters of dist only, not {sorted(map(str, extra))}")
    if method == "symbolic":
        if not is_expr:
            raise TypeError("method='symbolic' needs h as a SymPy expression")
        return float(dist.expectation(h))
    if dist.is_finite:
        if method in ("moments", "quadrature"):
            raise ValueError(f"method={method!r} is for continuous distributions; {type(dist).__name__} is finite")
        if is_expr:  # exact: substitute each support point and the parameters (K is small)
            points = sorted(dist.support)
            h_values = np.array([float(sp.N(h.subs(x, v).subs(dist.subs), 30)) for v in points])
        else:
            h_values = np.asarray(h(dist.support_values), dtype=float)
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
        return float(_quadrature(lambda xs: fn(xs, *dist.param_vector), _kinks(h), dist))
    return float(_quadrature(h, [], dist))


def _score_product(f, dist: Distribution, power_f: int, power_s: int, method: str) -> np.ndarray:
    """E[f^power_f * s_j^power_s] for each parameter j: [P]."""
    if dist.is_finite and method == "auto":  # exact enumeration over the K support points
        if isinstance(f, sp.Expr):
            f_values = np.array([float(sp.N(f.subs(x, v), 30)) for v in sorted(dist.support)])  # [K]
        else:
            f_values = np.asarray(f(dist.support_values), dtype=float)
        product = f_values[:, None] ** power_f * dist.score(dist.support_values) ** power_s  # [K, P]
        return (dist.probabilities()[:, None] * product).sum(axis=0)
    if isinstance(f, sp.Expr):
        return np.array([exact_expectation(f**power_f * s**power_s, dist, method) for s in dist.score_exprs])
    return np.array([exact_expectation(lambda xs, j=j: np.asarray(f(xs), dtype=float) ** power_f
                                       * dist.score(xs)[:, j] ** power_s, dist, "quadrature")
                     for j in range(dist.num_params)])


def exact_gradient(f, dist: Distribution, method: str = "auto") -> np.ndarray:
    """The exact gradient grad_theta E_{x~p(x;theta)}[f(x)] = E[f(x) grad_theta log p(x; theta)]: [P].

    Computed as E[f s_j] for each score component s_j by :func:`exact_expectation` (exact for a
    finite support and for polynomial f; high-accuracy quadrature otherwise). ``f``: a SymPy
    expression in :data:`pgviz.x` (or a vectorized callable, then by enumeration/quadrature
    without knowledge of its kinks). Notebooks 01-03.
    """
    f = _check_cost(f)
    dist = _check_dist(dist)
    method = _check_method(method)
    return _score_product(f, dist, 1, 1, method)


def optimal_baseline(f, dist: Distribution, method: str = "auto") -> np.ndarray:
    """The per-parameter optimal constant baseline b*_j = E[f s_j^2] / E[s_j^2]: [P].

    It minimizes Var[(f - b) s_j] over constants b: d/db E[(f - b)^2 s_j^2] = 0. Exact values
    (not estimated from the samples), so baselined per-sample terms stay independent and the
    estimator stays unbiased (E[b s_j] = b E[s_j] = 0). Notebook 02.
    """
    f = _check_cost(f)
    dist = _check_dist(dist)
    method = _check_method(method)
    key = None
    if isinstance(f, sp.Expr):  # cached per (f, distribution, theta, method): sliders revisit values
        key = (f, type(dist).__name__, dist.log_prob_expr, dist.support, tuple(dist.param_vector.tolist()), method)
        if key in _BASELINE_CACHE:
            return _BASELINE_CACHE[key].copy()
    value = _score_product(f, dist, 1, 2, method) / _score_product(sp.Integer(1), dist, 1, 2, method)
    if key is not None:
        if len(_BASELINE_CACHE) >= 256:
            _BASELINE_CACHE.pop(next(iter(_BASELINE_CACHE)))
        _BASELINE_CACHE[key] = value.copy()
    return value


_BASELINE_CACHE: dict = {}


def _reparameterization_jacobian(dist: Distribution) -> list[sp.Expr]:
    """d/dtheta_j g(eps; theta), written in x (eps = g^{-1}(x)): one expression per parameter."""
    inverse = _inverse_reparameterization(dist.reparameterization)
    return [sp.simplify(sp.diff(dist.reparameterization, s).subs(eps, inverse)) for s in dist.param_symbols]


def _derivative_almost_everywhere(f: sp.Expr) -> sp.Expr:
    """f'(x) with Dirac deltas dropped: the derivative almost everywhere, as autodiff computes it."""
    derivative = sp.diff(f, x)
    return derivative.replace(lambda e: isinstance(e, sp.DiracDelta), lambda e: sp.Integer(0))


def exact_variance(f, dist: Distribution, estimator: str = "score_function", baseline=None,
                   method: str = "auto") -> np.ndarray:
    """The single-sample variance of an estimator of grad_theta E[f(x)], by exact integration: [P].

    score_function: Var[(f - b) s_j] = E[(f - b)^2 s_j^2] - (E[f s_j])^2 (b: 0, a number or the
    optimal b*_j of :func:`optimal_baseline`). pathwise: Var[f'(x) dx/dtheta_j] =
    E[(f'(x) dx/dtheta_j)^2] - (E[f'(x) dx/dtheta_j])^2 with f' the derivative almost everywhere
    (so for a step f this is the variance of the wrong, all-zero estimator). The N-sample
    estimator's variance is this divided by N. Notebooks 02, 03 (Mohamed et al. Figs. 2-3).
    """
    if estimator not in ESTIMATORS:
        raise ValueError(f"estimator must be one of {ESTIMATORS}, got {estimator!r}")
    f = _check_cost(f, allow_callable=estimator == "score_function")
    dist = _check_dist(dist)
    baseline = _check_baseline(baseline)
    method = _check_method(method)
    if estimator == "pathwise":
        if baseline is not None:
            raise ValueError("baseline applies to the score_function estimator only; use baseline=None")
        if dist.reparameterization is None:
            raise TypeError(f"dist {type(dist).__name__} has no reparameterization, so no pathwise estimator")
        derivative = _derivative_almost_everywhere(f)
        terms = [derivative * d for d in _reparameterization_jacobian(dist)]
        mean = np.array([exact_expectation(t, dist, method) for t in terms])
        second = np.array([exact_expectation(t**2, dist, method) for t in terms])
        return np.maximum(second - mean**2, 0.0)
    gradient = _score_product(f, dist, 1, 1, method)
    f_s2 = _score_product(f, dist, 1, 2, method)
    f2_s2 = _score_product(f, dist, 2, 2, method)
    s2 = _score_product(sp.Integer(1), dist, 0, 2, method)
    if baseline is None:
        b = np.zeros(dist.num_params)
    elif isinstance(baseline, str):
        b = f_s2 / s2
    else:
        b = np.full(dist.num_params, baseline)
    second = f2_s2 - 2 * b * f_s2 + b**2 * s2  # E[(f - b)^2 s^2]
    return np.maximum(second - gradient**2, 0.0)


# ------------------------------------------------------------------------------ estimators


def score_function(f, dist: Distribution, num_samples: int, rng: np.random.Generator,
                   baseline=None) -> np.ndarray:
    """Per-sample score-function (REINFORCE, log-derivative) terms (f(x_i) - b) grad_theta log p(x_i; theta).

    grad_theta E[f(x)] = E[f(x) grad_theta log p(x; theta)]; x_i ~ p(x; theta) drawn with ``rng``.
    ``f``: a SymPy expression in :data:`pgviz.x` or a vectorized callable [N] -> [N]; it is never
    differentiated, so it may be a step. ``baseline``: None (b = 0), a number, or "optimal" - the
    per-parameter constant b*_j = E[f s_j^2]/E[s_j^2] computed exactly (:func:`optimal_baseline`),
    not from the samples, so the N terms stay independent and unbiased. Returns [N, P]:
    ``.mean(0)`` is the estimate, ``.var(0)`` the single-sample variance. Notebooks 01-03.
    """
    f = _check_cost(f)
    dist = _check_dist(dist)
    num_samples = check_num_samples(num_samples)
    rng = check_rng(rng)
    baseline = _check_baseline(baseline)
    if dist.is_finite or dist.reparameterization is None:
        return _score_terms_sampled(f, dist, dist.sample(num_samples, rng), _baseline_vector(f, dist, baseline))
    noise = dist.sample_noise(num_samples, rng)  # [N], the same draws as dist.sample(num_samples, rng)
    return _score_terms_on_noise(f, dist, noise, _baseline_vector(f, dist, baseline), range(dist.num_params))


def score_function_on_noise(f, dist: Distribution, noise, baseline=None, param=None) -> np.ndarray:
    """:func:`score_function` on given noise: x_i = g(eps_i; theta) for ``noise`` eps [N].

    The same draws at every theta (common random numbers across theta): the widget apps redraw
    eps once, then move theta. ``noise`` comes from ``dist.sample_noise``; ``score_function(f,
    dist, N, rng)`` equals ``score_function_on_noise(f, dist, dist.sample_noise(N, rng))`` for
    equally seeded generators. ``param``: None for all P components ([N, P]), or one index for
    that component alone ([N], half the work for a Gaussian). TypeError when ``dist`` has no
    reparameterization (a finite support is sampled by inverse CDF instead).
    """
    f = _check_cost(f)
    dist = _check_dist(dist)
    noise = _check_noise(noise, dist)
    columns = _check_param(param, dist)
    baseline = _check_baseline(baseline)
    terms = _score_terms_on_noise(f, dist, noise, _baseline_vector(f, dist, baseline), columns)
    return terms if param is None else terms[:, 0]


def _check_noise(noise, dist: Distribution) -> np.ndarray:
    if dist.reparameterization is None:
        raise TypeError(f"dist {type(dist).__name__} has no reparameterization x = g(eps; theta), so no noise; "
                        "use score_function with an rng")
    if isinstance(noise, (str, bytes)) or not hasattr(noise, "__len__"):
        raise TypeError(f"noise must be a 1-D array of draws from dist.sample_noise, got {type(noise).__name__}")
    try:
        noise = np.asarray(noise, dtype=float)
    except (TypeError, ValueError) as error:
        raise TypeError("noise must be a 1-D array of real numbers (from dist.sample_noise)") from error
    if noise.ndim != 1 or noise.size < 1:
        raise ValueError(f"noise must be a 1-D array with at least one draw, got shape {noise.shape}")
    if not np.all(np.isfinite(noise)):
        raise ValueError("noise must be finite")
    return noise


def _check_param(param, dist: Distribution) -> range:
    """The gradient components to compute: all of them (param None) or one."""
    if param is None:
        return range(dist.num_params)
    if isinstance(param, bool) or not isinstance(param, numbers.Integral) or not 0 <= param < dist.num_params:
        raise ValueError(f"param must be None or an index in [0, {dist.num_params}) "
                         f"({', '.join(dist.param_names)}), got {param!r}")
    return range(int(param), int(param) + 1)


def _baseline_vector(f, dist: Distribution, baseline) -> np.ndarray:
    """The checked baseline as one constant per parameter: [P]."""
    if isinstance(baseline, str):
        # Exact b* by integration; the Gauss-Legendre rule (accurate to ~1e-13) is compiled once
        # per (f, distribution) and then costs well under a millisecond per call.
        quadrature = not dist.is_finite and dist.reparameterization is not None
        baseline = optimal_baseline(f, dist, method="quadrature" if quadrature else "auto")  # [P]
    return np.broadcast_to(0.0 if baseline is None else baseline, (dist.num_params,))  # [P]


def _score_terms_sampled(f, dist: Distribution, samples: np.ndarray, baseline: np.ndarray) -> np.ndarray:
    """(f(x_i) - b_j) s_j(x_i) for given samples x [N]: [N, P]."""
    if not dist.is_finite:  # pragma: no cover - no such distribution in the catalog
        return (_cost_values(f, samples)[:, None] - baseline) * dist.score(samples)
    # x takes K values: tabulate (f(x_k) - b_j) s_j(x_k) once, then look the samples up.
    terms = np.empty((dist.num_params, samples.size)).T  # [N, P], each column contiguous
    support = dist.support_values  # [K]
    if np.array_equal(support, np.arange(support.size)):  # {0, ..., K-1}: the value is the index
        index = samples.astype(np.intp)  # [N]
    else:
        index = np.searchsorted(support, samples)  # [N]
    table = (_cost_values(f, support)[:, None] - baseline) * dist.support_scores()  # [K, P]
    for j in range(dist.num_params):
        np.take(table[:, j], index, out=terms[:, j])
    return terms


def _score_terms_on_noise(f, dist: Distribution, noise: np.ndarray, baseline: np.ndarray,
                          columns: range) -> np.ndarray:
    """(f(x_i) - b_j) s_j(x_i) with x_i = g(eps_i; theta), for the components in ``columns``.

    The score is written in eps (e.g. eps/sigma for a Gaussian mean), which needs fewer array
    passes than the score in x. Returns [N, len(columns)], each column contiguous.
    """
    theta = dist.param_vector
    score_fns = _score_in_noise(dist.reparameterization, dist.score_exprs, dist.param_symbols)
    terms = np.empty((len(columns), noise.size)).T
    for rows in _chunks(noise.size):
        eps_rows = noise[rows]
        f_values = _cost_values(f, dist.transform(eps_rows))  # [chunk]
        for column, j in enumerate(columns):
            out = terms[rows, column]
            if baseline[j] == 0.0:
                np.multiply(f_values, score_fns[j](eps_rows, *theta), out=out)
            else:
                np.subtract(f_values, baseline[j], out=out)
                np.multiply(out, score_fns[j](eps_rows, *theta), out=out)
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
    return [numpy_function(sp.simplify(score.subs(x, reparameterization)), (eps, *symbols))
            for score in score_exprs]


def pathwise(f, dist: Distribution, num_samples: int, rng: np.random.Generator) -> np.ndarray:
    """Per-sample pathwise (reparameterization) terms f'(x_i) d/dtheta g(eps_i; theta), x_i = g(eps_i; theta).

    grad_theta E[f(x)] = E_eps[grad_theta f(g(eps; theta))] = E[f'(g(eps)) grad_theta g(eps; theta)]
    when f is differentiable. ``f`` must be a SymPy expression in :data:`pgviz.x`: it is
    differentiated almost everywhere (Dirac deltas dropped, as automatic differentiation does), so
    for a step f the terms are all 0 - silently wrong (notebook 02). Same samples as
    :func:`score_function` for an equally seeded ``rng``. TypeError when ``dist`` has no
    reparameterization (Bernoulli, Categorical). Returns [N, P]. Notebooks 02, 03.
    """
    f = _check_cost(f, allow_callable=False)
    dist = _check_reparameterized(dist)
    num_samples = check_num_samples(num_samples)
    rng = check_rng(rng)
    return _pathwise_terms(f, dist, dist.sample_noise(num_samples, rng), range(dist.num_params))


def pathwise_on_noise(f, dist: Distribution, noise, param=None) -> np.ndarray:
    """:func:`pathwise` on given noise eps [N] (see :func:`score_function_on_noise`): [N, P], or
    [N] for one component ``param``."""
    f = _check_cost(f, allow_callable=False)
    dist = _check_reparameterized(dist)
    noise = _check_noise(noise, dist)
    columns = _check_param(param, dist)
    terms = _pathwise_terms(f, dist, noise, columns)
    return terms if param is None else terms[:, 0]


def _check_reparameterized(dist) -> Distribution:
    dist = _check_dist(dist)
    if dist.reparameterization is None:
        raise TypeError(f"dist {type(dist).__name__} has no reparameterization x = g(eps; theta), "
                        "so it has no pathwise estimator; use score_function")
    return dist


def _pathwise_terms(f: sp.Expr, dist: Distribution, noise: np.ndarray, columns: range) -> np.ndarray:
    """f'(x_i) d/dtheta_j g(eps_i; theta) for the components in ``columns``: [N, len(columns)]."""
    derivative_fn = numpy_function(_derivative_almost_everywhere(f), (x,))
    jacobian_fns = _jacobian_functions(dist.reparameterization, dist.param_symbols)
    theta = dist.param_vector
    terms = np.empty((len(columns), noise.size)).T  # [N, len(columns)], each column contiguous
    for rows in _chunks(noise.size):  # blocks that stay in the cache (see CHUNK_ROWS)
        eps_rows = noise[rows]
        derivative = derivative_fn(dist.transform(eps_rows))  # f'(x) [chunk]
        for column, j in enumerate(columns):
            if jacobian_fns[j].expr == 1:  # dx/dtheta_j = 1 (a location parameter): the term is f'(x)
                terms[rows, column] = derivative
            else:
                np.multiply(derivative, jacobian_fns[j](eps_rows, *theta), out=terms[rows, column])
    return terms


@functools.lru_cache(maxsize=64)
def _jacobian_functions(reparameterization: sp.Expr, symbols: tuple) -> list:
    return [numpy_function(sp.diff(reparameterization, s), (eps, *symbols)) for s in symbols]


# ------------------------------------------------------------------------------ summaries


def _check_terms(terms) -> np.ndarray:
    if isinstance(terms, (str, bytes)):
        raise TypeError("terms must be an array of per-sample terms [N, P]")
    try:
        terms = np.asarray(terms, dtype=float)
    except (TypeError, ValueError) as error:
        raise TypeError("terms must be an array of real per-sample terms [N, P]") from error
    if terms.ndim == 1:
        terms = terms[:, None]
    if terms.ndim != 2 or terms.shape[0] < 2:
        raise ValueError(f"terms must have shape [N, P] with N >= 2, got {terms.shape}")
    return terms


def estimate(terms) -> np.ndarray:
    """The Monte Carlo estimate (1/N) sum_i g_i of per-sample terms [N, P]: [P]."""
    return _check_terms(terms).mean(axis=0)


def standard_error(terms) -> np.ndarray:
    """The standard error sqrt(s^2 / N) of the estimate, s^2 the unbiased sample variance: [P]."""
    terms = _check_terms(terms)
    return terms.std(axis=0, ddof=1) / np.sqrt(terms.shape[0])


def confidence_interval(terms, level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """The normal-approximation interval estimate -/+ z * SE (z = 1.96 for 95%): ([P], [P])."""
    if isinstance(level, bool) or not isinstance(level, numbers.Real) or not 0 < level < 1:
        raise ValueError(f"level must be a number in (0, 1), got {level!r}")
    terms = _check_terms(terms)
    z = statistics.NormalDist().inv_cdf(0.5 + level / 2)
    center, se = estimate(terms), standard_error(terms)
    return center - z * se, center + z * se


def running_mean(terms) -> np.ndarray:
    """The estimate after each of the first n samples, n = 1..N: cumsum / n, [N, P]."""
    terms = _check_terms(terms)
    return np.cumsum(terms, axis=0) / np.arange(1, terms.shape[0] + 1)[:, None]


def running_standard_error(terms) -> np.ndarray:
    """The standard error after each of the first n samples (n = 1 gets NaN): [N, P]."""
    terms = _check_terms(terms)
    n = np.arange(1, terms.shape[0] + 1)[:, None]
    mean = np.cumsum(terms, axis=0) / n
    square = np.cumsum(terms**2, axis=0) / n
    with np.errstate(invalid="ignore", divide="ignore"):
        variance = np.maximum(square - mean**2, 0.0) * n / (n - 1)
        return np.sqrt(variance / n)


def control_variate(terms, control, control_mean=0.0, coefficient="optimal") -> np.ndarray:
    """Per-sample terms with a control variate: g_i - c (h_i - E[h]), [N, P].

    Unbiased for any fixed c since E[h - E[h]] = 0. ``control`` h: [N] or [N, P] with known mean
    ``control_mean`` (scalar or [P]); ``coefficient``: a number/[P] array, or "optimal", the
    variance-minimizing c = Cov(g, h) / Var(h) per parameter estimated from these samples (which
    adds an O(1/N) bias). The score itself (mean 0) is the classic control variate: with h = s
    it gives the baselined estimator of notebook 02.
    """
    terms = _check_terms(terms)
    try:
        control = np.asarray(control, dtype=float)
    except (TypeError, ValueError) as error:
        raise TypeError("control must be an array of real numbers [N] or [N, P]") from error
    if control.ndim == 1:
        control = np.repeat(control[:, None], terms.shape[1], axis=1)
    if control.shape != terms.shape:
        raise ValueError(f"control must have shape [N] or {terms.shape}, got {control.shape}")
    try:
        mean = np.broadcast_to(np.asarray(control_mean, dtype=float), (terms.shape[1],))
    except (TypeError, ValueError) as error:
        raise ValueError(f"control_mean must be a number or [{terms.shape[1]}] array") from error
    centred = control - mean
    if isinstance(coefficient, str):
        if coefficient != "optimal":
            raise ValueError(f"coefficient must be a number, a [P] array or 'optimal', got {coefficient!r}")
        g = terms - terms.mean(0)
        h = control - control.mean(0)
        c = (g * h).sum(0) / np.maximum((h * h).sum(0), 1e-300)
    else:
        try:
            c = np.broadcast_to(np.asarray(coefficient, dtype=float), (terms.shape[1],))
        except (TypeError, ValueError) as error:
            raise ValueError("coefficient must be a number, a [P] array or 'optimal'") from error
    return terms - c * centred


# ------------------------------------------------------------------------------ studies (notebooks 02, 03)

STUDY_ESTIMATORS = {"score_function": ("score_function", None),
                    "score_function_baseline": ("score_function", "optimal"),
                    "pathwise": ("pathwise", None)}


def _run(name: str, f, dist: Distribution, num_samples: int, rng: np.random.Generator) -> np.ndarray:
    estimator, baseline = STUDY_ESTIMATORS[name]
    if estimator == "pathwise":
        return pathwise(f, dist, num_samples, rng)
    return score_function(f, dist, num_samples, rng, baseline=baseline)


def repeated_estimates(f, dist: Distribution, num_samples: int, num_repeats: int, rng: np.random.Generator,
                       estimator: str = "score_function") -> np.ndarray:
    """``num_repeats`` independent N-sample estimates: [R, P] (their mean is unbiased; notebook 02).

    ``estimator``: "score_function", "score_function_baseline" (optimal baseline) or "pathwise".
    """
    if estimator not in STUDY_ESTIMATORS:
        raise ValueError(f"estimator must be one of {tuple(STUDY_ESTIMATORS)}, got {estimator!r}")
    num_samples = check_num_samples(num_samples)
    num_repeats = check_num_samples(num_repeats)
    rng = check_rng(rng)
    terms = _run(estimator, f, dist, num_samples * num_repeats, rng)  # [R*N, P]
    return terms.reshape(num_repeats, num_samples, -1).mean(axis=1)


def rms_error_vs_n(f, dist: Distribution, n_values, num_repeats: int, rng: np.random.Generator,
                   estimator: str = "score_function") -> np.ndarray:
    """Root-mean-square error of the N-sample estimate over repeats, for each N: [G, P].

    It equals sqrt(Var/N) for an unbiased estimator (slope -1/2 on log-log axes; notebook 02).
    """
    f = _check_cost(f)
    dist = _check_dist(dist)
    if estimator not in STUDY_ESTIMATORS:
        raise ValueError(f"estimator must be one of {tuple(STUDY_ESTIMATORS)}, got {estimator!r}")
    check_num_samples(num_repeats)
    rng = check_rng(rng)
    try:
        n_values = [check_num_samples(n.item() if isinstance(n, np.integer) else n) for n in np.atleast_1d(n_values)]
    except TypeError as error:
        raise TypeError(f"n_values must be whole numbers >= 1: {error}") from None
    exact = exact_gradient(f, dist)
    return np.array([np.sqrt(((repeated_estimates(f, dist, n, num_repeats, rng, estimator) - exact) ** 2).mean(0))
                     for n in n_values])


def _check_family(f, k_symbol) -> None:
    if not isinstance(k_symbol, sp.Symbol):
        raise TypeError(f"k_symbol must be a SymPy Symbol, got {type(k_symbol).__name__}")
    if not isinstance(f, sp.Expr) or f.free_symbols - {x, k_symbol}:
        raise ValueError("f must be a SymPy expression in pgviz.x and k_symbol only")


def exact_variance_curve(f, k_symbol: sp.Symbol, k_values, dist: Distribution,
                         estimator: str = "score_function") -> np.ndarray:
    """Exact single-sample variance for a family f(x; k) over many k at once: [K, P].

    ``estimator``: "score_function", "score_function_baseline" (optimal constant baseline, per k)
    or "pathwise". The same Gauss-Legendre rule as :func:`exact_expectation`, compiled once with
    k as an argument, so hundreds of k cost one evaluation (Mohamed et al. 2020, Figs. 2-3;
    notebook 03). f must be smooth (no steps or kinks) in x; ``dist`` must have a
    reparameterization.
    """
    if estimator not in STUDY_ESTIMATORS:
        raise ValueError(f"estimator must be one of {tuple(STUDY_ESTIMATORS)}, got {estimator!r}")
    _check_family(f, k_symbol)
    if f.atoms(sp.Heaviside, sp.Abs, sp.sign, sp.Max, sp.Min, sp.Piecewise):
        raise ValueError("f must be smooth in x for exact_variance_curve (use exact_variance per k)")
    dist = _check_dist(dist)
    if dist.reparameterization is None:
        raise TypeError(f"dist {type(dist).__name__} has no reparameterization")
    k_values = np.asarray(k_values, dtype=float).reshape(-1)  # [K]
    args = (x, *dist.param_symbols, k_symbol)
    theta = dist.param_vector

    def expect(h):  # E[h(x; k)] for every k: [K]
        fn = numpy_function(h, args)
        return _quadrature(lambda xs: fn(xs[:, None], *theta, k_values[None, :]), [], dist)

    out = []
    if STUDY_ESTIMATORS[estimator][0] == "pathwise":
        derivative = sp.diff(f, x)
        for jac in _reparameterization_jacobian(dist):
            term = derivative * jac
            out.append(expect(term**2) - expect(term) ** 2)
    else:
        for s in dist.score_exprs:
            gradient, f_s2, f2_s2 = expect(f * s), expect(f * s**2), expect(f**2 * s**2)
            s2 = exact_expectation(s**2, dist)
            b = f_s2 / s2 if STUDY_ESTIMATORS[estimator][1] else 0.0
            out.append(f2_s2 - 2 * b * f_s2 + b**2 * s2 - gradient**2)
    return np.maximum(np.stack(out, axis=-1), 0.0)


def sampled_variances(f, k_symbol: sp.Symbol, k_values, dist: Distribution, num_samples: int,
                      rng: np.random.Generator, estimator: str = "score_function") -> np.ndarray:
    """Monte Carlo single-sample variances terms.var(0) of an estimator for f(x; k) at each k: [K, P]."""
    if estimator not in STUDY_ESTIMATORS:
        raise ValueError(f"estimator must be one of {tuple(STUDY_ESTIMATORS)}, got {estimator!r}")
    _check_family(f, k_symbol)
    dist = _check_dist(dist)
    num_samples = check_num_samples(num_samples)
    rng = check_rng(rng)
    return np.array([_run(estimator, f.subs(k_symbol, exact_rational(float(k))), dist, num_samples, rng).var(0)
                     for k in np.asarray(k_values, dtype=float).reshape(-1)])


def variance_study(f, k_symbol: sp.Symbol, k_values, dist: Distribution, rng: np.random.Generator,
                   num_sampled: int = 7, num_samples: int = 100_000) -> tuple[dict, dict]:
    """Exact and Monte Carlo single-sample variances of the three estimators against k.

    Returns ``(exact, sampled)``: exact {name: [K, P]} from :func:`exact_variance_curve` on
    ``k_values``; sampled {name: (k [J], [J, P])} from :func:`sampled_variances` at ``num_sampled``
    k spread over the grid, ``num_samples`` samples each - the input of
    :func:`pgviz.plots.estimators.plot_variance_vs_k` (Mohamed et al. 2020, Figs. 2-3; notebook 03).
    """
    if isinstance(num_sampled, bool) or not isinstance(num_sampled, numbers.Integral) or num_sampled < 1:
        raise ValueError(f"num_sampled must be an int >= 1, got {num_sampled!r}")
    _check_family(f, k_symbol)
    dist = _check_dist(dist)
    rng = check_rng(rng)
    k_values = np.asarray(k_values, dtype=float).reshape(-1)
    picks = k_values[np.linspace(0, k_values.size - 1, num_sampled).round().astype(int)]
    exact = {name: exact_variance_curve(f, k_symbol, k_values, dist, name) for name in STUDY_ESTIMATORS}
    sampled = {name: (picks, sampled_variances(f, k_symbol, picks, dist, num_samples, rng, name))
               for name in STUDY_ESTIMATORS}
    return exact, sampled
