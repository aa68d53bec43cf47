"""Distributions, each defined once as a SymPy log-density; everything numeric is generated from it.

A :class:`Distribution` p(x; theta) holds ``log_prob_expr`` (log p as a SymPy expression in
:data:`pgviz.symbolic.x`), ``score_exprs`` (its derivatives), NumPy ``log_prob``/``score``
compiled from the stable form of log p, and ``sample``: inverse CDF over a finite support, or the
reparameterization x = g(eps; theta) of standard noise (:meth:`Distribution.check_reparameterization`
proves it carries the noise onto p). Also here: the one numeric :func:`softmax` of the package,
which :mod:`pgviz.rl.policy` builds on. The families are in :mod:`pgviz.families`. Notebooks 01, 03.
"""

from __future__ import annotations

import copy
import functools

import numpy as np
import sympy as sp

from pgviz.compiled import jit
from pgviz.symbolic import (
    check_expression,
    eps,
    exact_rational,
    numpy_function,
    numpy_table,
    readable_form,
    stable_form,
    symbolic_expectation,
    x,
)
from pgviz.validation import check_count, check_in_range, check_real_array, check_rng

__all__ = ["Distribution", "NOISE", "softmax", "check_distribution", "check_num_samples", "MAX_SAMPLES", "MAX_SUPPORT"]

#: The largest number of draws one call makes (8 bytes each: 0.8 GB), and the largest finite support.
MAX_SAMPLES = 10**8
MAX_SUPPORT = 32

# The noise each reparameterization starts from: how to draw it, and its log-density in eps.
NOISE = {
    "standard_normal": (lambda rng, n: rng.standard_normal(n), -(eps**2) / 2 - sp.log(2 * sp.pi) / 2, sp.S.Reals),
    "standard_exponential": (lambda rng, n: rng.standard_exponential(n), -eps, sp.Interval(0, sp.oo)),
}


@jit
def softmax(logits):
    """exp(z_k) / Σ_j exp(z_j) over the last axis of ``logits`` [..., K] (a NumPy array), computed
    as exp(z_k − max z) / Σ_j exp(z_j − max z) so that no exponential overflows.

    Compiled with numba (:func:`pgviz.compiled.jit`), so the REINFORCE loop of
    :mod:`pgviz.rl.learning_curves` calls this same function at every step.
    """
    z = np.ascontiguousarray(np.asarray(logits, dtype=np.float64))
    rows = z.reshape(-1, z.shape[-1])
    out = np.empty_like(rows)
    for i in range(rows.shape[0]):
        top, total = rows[i].max(), 0.0
        for k in range(rows.shape[1]):
            out[i, k] = np.exp(rows[i, k] - top)
            total += out[i, k]
        out[i] /= total
    return out.reshape(z.shape)


def check_num_samples(num_samples, name: str = "num_samples") -> int:
    """A whole number in [1, MAX_SAMPLES], else TypeError/ValueError naming ``name``."""
    return check_count(num_samples, name, 1, MAX_SAMPLES)


class Distribution:
    """A parametric distribution p(x; theta) generated from its SymPy log-density.

    Subclasses set, in ``__init__``, the parameter symbols and values, the log-density, the
    support (a SymPy set) and, for continuous ones, a reparameterization, then call
    :meth:`_define`. Instances are immutable; :meth:`with_params` returns a changed copy.
    """

    #: ``True`` when exp(log p) sums/integrates to 1 over the support.
    is_normalized = True
    #: Allowed [low, high] of each parameter (others: any finite number). Beyond these, scores such
    #: as (x - mu)/sigma^2 would overflow to inf.
    PARAM_RANGES: dict[str, tuple[float, float]] = {}

    def _define(self, symbols, values, log_prob_expr, support, reparameterization=None, noise=None, names=None):
        self.param_symbols: tuple[sp.Symbol, ...] = tuple(symbols)
        self.param_names: tuple[str, ...] = tuple(names or (s.name for s in self.param_symbols))
        self._values = self._check_param_vector(values)  # [P]
        self.log_prob_expr: sp.Expr = log_prob_expr
        self.support: sp.Set = support
        self.reparameterization: sp.Expr | None = reparameterization
        self.noise: str | None = noise
        # The numeric code comes from the stable form of log p, differentiated as such (pgviz.symbolic).
        stable = stable_form(log_prob_expr)
        stable_scores = [sp.diff(stable, s) for s in self.param_symbols]
        if self.is_finite:
            points = sorted(support)
            self.support_values = np.array([float(v) for v in points], dtype=float)  # [K]
            self._table_fn = numpy_table(
                [[stable.subs(x, v), *(e.subs(x, v) for e in stable_scores)] for v in points], self.param_symbols
            )  # theta -> [K, 1 + P]: log p and the score
        else:
            args = (x, *self.param_symbols)
            self._log_prob_fn = numpy_function(stable, args)
            self._score_fns = [numpy_function(e, args) for e in stable_scores]
        if reparameterization is not None:
            self._transform_fn = numpy_function(reparameterization, (eps, *self.param_symbols))

    @functools.cached_property
    def score_exprs(self) -> tuple[sp.Expr, ...]:
        """d/dtheta_j log p(x; theta) for each parameter, as SymPy differentiates log_prob_expr
        (simplified for reading; the numeric score is generated from the stable form)."""
        return tuple(readable_form(sp.diff(self.log_prob_expr, s)) for s in self.param_symbols)

    # ----------------------------------------------------------------- parameters
    @property
    def num_params(self) -> int:
        """P, the length of the parameter vector theta."""
        return len(self.param_symbols)

    @property
    def param_vector(self) -> np.ndarray:
        """theta as a [P] array, in ``param_names`` order (a copy)."""
        return self._values.copy()

    @property
    def params(self) -> dict[str, float]:
        """``{name: value}`` in ``param_names`` order."""
        return dict(zip(self.param_names, self._values.tolist()))

    @property
    def subs(self) -> dict[sp.Symbol, sp.Rational]:
        """``{symbol: exact value}``, for substituting the current parameters into SymPy expressions."""
        return {s: exact_rational(v) for s, v in zip(self.param_symbols, self._values)}

    def _check_param_vector(self, values) -> np.ndarray:
        """The parameters as a float [P] array: each a finite real number in its PARAM_RANGES."""
        theta = []
        for name, value in zip(self.param_names, values, strict=True):
            low, high = self.PARAM_RANGES.get(name, (-np.inf, np.inf))
            theta.append(check_in_range(value.item() if isinstance(value, np.generic) else value, name, low, high))
        return np.array(theta, dtype=float)

    def with_params(self, theta) -> Distribution:
        """A copy with the parameter vector theta ([P], ``param_names`` order)."""
        theta = check_real_array(theta, "theta", finite=False).reshape(-1)
        if theta.shape != (self.num_params,):
            raise ValueError(
                f"theta must have {self.num_params} entries ({', '.join(self.param_names)}), got {theta.size}"
            )
        theta = self._check_param_vector(theta)
        new = copy.copy(self)
        new._values = theta
        new.__dict__.pop("_tables", None)
        return new

    # ----------------------------------------------------------------- support
    @property
    def is_finite(self) -> bool:
        """True for a finite support (a probability mass function)."""
        return isinstance(self.support, sp.FiniteSet)

    def _check_x(self, x_values) -> np.ndarray:
        values = check_real_array(x_values, "x")
        if self.is_finite:
            if not np.all(np.isin(values, self.support_values)):
                allowed = ", ".join(f"{v:g}" for v in self.support_values)
                raise ValueError(f"x must lie in the support {{{allowed}}} of {type(self).__name__}")
        else:
            lower = float(self.support.inf)
            if np.any(values < lower):
                raise ValueError(
                    f"x must lie in the support [{lower:g}, inf) of {type(self).__name__}, got min {values.min():g}"
                )
        return values

    # ----------------------------------------------------------------- numerics
    def _tables_now(self):
        """For a finite support: log p and the score at every support point, [K] and [K, P]."""
        tables = self.__dict__.get("_tables")
        if tables is None:
            table = self._table_fn(*self._values)  # [K, 1 + P]
            tables = self.__dict__["_tables"] = (table[:, 0].copy(), table[:, 1:].copy())
        return tables

    def _support_index(self, values: np.ndarray) -> np.ndarray:
        return np.searchsorted(self.support_values, values)

    def probabilities(self) -> np.ndarray:
        """[K] probabilities exp(log p(x_k)) of the support points (finite support only)."""
        if not self.is_finite:
            raise TypeError(f"{type(self).__name__} has a continuous support: it has a density, not probabilities")
        return np.exp(self._tables_now()[0])

    def support_scores(self) -> np.ndarray:
        """[K, P] score of every support point, in ``support_values`` order (finite support only)."""
        if not self.is_finite:
            raise TypeError(f"{type(self).__name__} has a continuous support: it has no table of scores")
        return self._tables_now()[1].copy()

    def log_prob(self, x_values) -> np.ndarray:
        """log p(x; theta) for each sample: x [N] -> [N]."""
        values = self._check_x(x_values)
        if self.is_finite:
            return self._tables_now()[0][self._support_index(values)]
        return self._log_prob_fn(values, *self._values)

    def score(self, x_values) -> np.ndarray:
        """The score d/dtheta log p(x; theta): x [N] -> [N, P], columns in ``param_names`` order."""
        values = self._check_x(x_values)
        if self.is_finite:
            return self._tables_now()[1][self._support_index(values)]
        return np.stack([fn(values, *self._values) for fn in self._score_fns], axis=-1)

    def sample(self, num_samples, rng) -> np.ndarray:
        """``num_samples`` independent draws x ~ p(x; theta) using ``rng``: -> [N].

        Finite support: inverse CDF of the probabilities exp(log p). Continuous: x = g(eps; theta)
        with eps drawn from the standard noise of the reparameterization.
        """
        num_samples = check_num_samples(num_samples)
        rng = check_rng(rng)
        if not self.is_normalized:
            raise ValueError(
                f"{type(self).__name__} as written is not normalized, so it cannot be sampled; "
                "give it a finite action set to normalize it"
            )
        if self.is_finite:
            cdf = np.cumsum(self.probabilities())
            index = np.searchsorted(cdf / cdf[-1], rng.random(num_samples), side="right")
            return self.support_values[np.minimum(index, len(self.support_values) - 1)]
        return self.transform(self.sample_noise(num_samples, rng))

    def sample_noise(self, num_samples, rng) -> np.ndarray:
        """Parameter-free noise eps [N] of the reparameterization (TypeError when there is none)."""
        if self.reparameterization is None:
            raise TypeError(f"{type(self).__name__} has no reparameterization x = g(eps; theta)")
        num_samples = check_num_samples(num_samples)
        rng = check_rng(rng)
        return NOISE[self.noise][0](rng, num_samples)

    def transform(self, eps_values, check: bool = True) -> np.ndarray:
        """x = g(eps; theta) for noise eps [N] -> [N] (the reparameterization). ``check=False``
        skips the check of eps, for callers that checked it once for many calls."""
        if self.reparameterization is None:
            raise TypeError(f"{type(self).__name__} has no reparameterization x = g(eps; theta)")
        return self._transform_fn(check_real_array(eps_values, "eps_values") if check else eps_values, *self._values)

    # ----------------------------------------------------------------- exact, symbolic
    @property
    def density_expr(self) -> sp.Expr:
        """p(x; theta) = exp(log p(x; theta))."""
        return sp.exp(self.log_prob_expr)

    def expectation(self, expr, symbolic: bool = False) -> sp.Expr:
        """E[expr] under p, exactly: a sum over a finite support, an integral otherwise.

        ``expr`` is a SymPy expression in ``x`` (and possibly the parameter symbols). The sum or
        integral is done with the parameters as symbols (and cached); with ``symbolic=False`` the
        current values are then put in (as the exact rationals equal to the floats) and the result
        is evaluated to 30 significant digits.
        """
        if not self.is_normalized:
            raise ValueError(f"{type(self).__name__} as written is not normalized: it has no expectation")
        expr = check_expression(expr, "expr", (x, *self.param_symbols))
        result = symbolic_expectation(self.log_prob_expr, self.support, expr)
        if symbolic:
            return result  # may hold an unevaluated Integral: SymPy found no closed form
        if result.has(sp.Integral):  # try again with the values in (often easier for SymPy)
            result = sp.integrate((expr * self.density_expr).subs(self.subs), (x, self.support.inf, self.support.sup))
        if result.has(sp.Integral):
            raise ValueError(
                f"expr: SymPy finds no closed form for E[{expr}] under {self!r}; "
                "pgviz.exact_expectation integrates it by quadrature"
            )
        return result.subs(self.subs).evalf(30)

    def check_reparameterization(self) -> bool:
        """True when x = g(eps; theta) carries the noise density to p(x; theta), by change of variables:
        log p(g(eps); theta) + log |dg/deps| = log p_noise(eps), proved by SymPy."""
        if self.reparameterization is None:
            raise TypeError(f"{type(self).__name__} has no reparameterization x = g(eps; theta)")
        g = self.reparameterization
        noise_log_density = NOISE[self.noise][1]
        lhs = self.log_prob_expr.subs(x, g) + sp.log(sp.Abs(sp.diff(g, eps)))
        return sp.simplify(sp.expand_log(lhs - noise_log_density, force=True)) == 0

    # ----------------------------------------------------------------- display
    def _signature_latex(self) -> str:
        names = ", ".join(sp.latex(s) for s in self.param_symbols)
        return f"p(x;\\, {names})"

    def _repr_latex_(self) -> str:
        return f"$\\log {self._signature_latex()} = {sp.latex(self.log_prob_expr)}$"

    def __repr__(self) -> str:
        values = ", ".join(f"{n}={v:.4g}" for n, v in self.params.items())
        return f"{type(self).__name__}({values})"


def check_distribution(dist, name: str = "dist") -> Distribution:
    """A normalized pgviz distribution (one with expectations), else TypeError/ValueError naming ``name``."""
    if not isinstance(dist, Distribution):
        raise TypeError(f"{name} must be a pgviz Distribution (e.g. pgviz.Gaussian(0, 1)), got {type(dist).__name__}")
    if not dist.is_normalized:
        raise ValueError(f"{name} must be normalized; {type(dist).__name__} as written is not (give it actions)")
    return dist
