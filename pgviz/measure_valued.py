"""The measure-valued gradient estimator for a Gaussian, with coupling (Mohamed et al. 2020, Sec. 6).

The derivative of a density can be written as a scaled difference of two densities,
d/dtheta p(x; theta) = c_theta (p+(x; theta) - p-(x; theta)), so

    d/dtheta E_p[f] = c_theta (E_{p+}[f] - E_{p-}[f]):

sample once from each part and difference the costs. f is only evaluated, never differentiated
(like the score function). For N(mu, sigma^2) (the paper's Table 1):

* mu: c = 1/(sigma sqrt(2 pi)), p± = mu ± sigma W with W standard Weibull(2, 1/2), i.e. Rayleigh,
  density w exp(-w^2/2) on w > 0: the positive and negative halves of the score times the density.
  Coupling: one W for both parts, term (f(mu + sigma W) - f(mu - sigma W)) / (sigma sqrt(2 pi)).
* sigma: c = 1/sigma, p+ = mu + sigma M with M double-sided Maxwell, density m^2 exp(-m^2/2)/sqrt(2 pi),
  and p- = N(mu, sigma^2) itself. Coupling: the Gaussian draw is M U with U ~ U(0, 1) (the product
  of a double-sided Maxwell and an independent uniform is standard normal), term
  (f(mu + sigma M) - f(mu + sigma M U)) / sigma.

These are the couplings of the authors' code (google-deepmind/mc_gradients, the notebook
``variance_numerical_integration.ipynb``). Exact variances here are composite Gauss-Legendre
quadrature over w (1-d) and over (m, u) (2-d), the same integrals the sampler averages.
"""

from __future__ import annotations

import numpy as np
import sympy as sp

from pgviz.costs import check_cost, cost_values
from pgviz.distributions import check_num_samples
from pgviz.families import Gaussian
from pgviz.symbolic import numpy_function, x
from pgviz.validation import check_bool, check_real_array, check_rng

__all__ = [
    "rayleigh_density",
    "double_sided_maxwell_density",
    "measure_valued_terms",
    "measure_valued_variance",
    "measure_valued_mean",
    "measure_valued_variance_curve",
    "measure_valued_study",
]

_w, _m = sp.symbols("w m", real=True)
#: The density of the standard Weibull(2, 1/2) (Rayleigh) on w > 0, the mean's positive/negative parts.
rayleigh_density = _w * sp.exp(-(_w**2) / 2)
#: The standard double-sided Maxwell density on the real line, the positive part for sigma.
double_sided_maxwell_density = _m**2 * sp.exp(-(_m**2) / 2) / sp.sqrt(2 * sp.pi)

# Composite Gauss-Legendre rules: w in [0, 12] and m in [-12, 12] (tails below 1e-30) and u in [0, 1].
_G_NODES, _G_WEIGHTS = np.polynomial.legendre.leggauss(16)


def _rule(low: float, high: float, panels: int):
    edges = np.linspace(low, high, panels + 1)
    half = np.diff(edges)[:, None] / 2
    nodes = ((edges[:-1, None] + edges[1:, None]) / 2 + half * _G_NODES).ravel()
    return nodes, (half * _G_WEIGHTS).ravel()


_W_NODES, _W_WEIGHTS = _rule(0.0, 12.0, 96)
_M_NODES, _M_WEIGHTS = _rule(-12.0, 12.0, 192)
_U_NODES, _U_WEIGHTS = _rule(0.0, 1.0, 8)
_W_MASS = _W_WEIGHTS * _W_NODES * np.exp(-(_W_NODES**2) / 2)  # [W] quadrature weight x Rayleigh density
_M_MASS = _M_WEIGHTS * _M_NODES**2 * np.exp(-(_M_NODES**2) / 2) / np.sqrt(2 * np.pi)  # [M] x Maxwell density


def _check_gaussian(dist) -> Gaussian:
    if not isinstance(dist, Gaussian):
        raise TypeError(
            f"dist must be a pgviz.Gaussian (the measure-valued parts are the Gaussian's), got {type(dist).__name__}"
        )
    return dist


def _evaluate(f, values: np.ndarray) -> np.ndarray:
    return cost_values(f, values.ravel()).reshape(values.shape)


def _mu_terms(f, mu: float, sigma: float, w: np.ndarray) -> np.ndarray:
    """(f(mu + sigma w) - f(mu - sigma w)) / (sigma sqrt(2 pi)), coupled through w."""
    return (_evaluate(f, mu + sigma * w) - _evaluate(f, mu - sigma * w)) / (sigma * np.sqrt(2 * np.pi))


def _sigma_terms(f, mu: float, sigma: float, m: np.ndarray, u: np.ndarray) -> np.ndarray:
    """(f(mu + sigma m) - f(mu + sigma m u)) / sigma, the Gaussian draw coupled as m u."""
    return (_evaluate(f, mu + sigma * m) - _evaluate(f, mu + sigma * m * u)) / sigma


def _sigma_terms_independent(f, mu: float, sigma: float, m: np.ndarray, n: np.ndarray) -> np.ndarray:
    return (_evaluate(f, mu + sigma * m) - _evaluate(f, mu + sigma * n)) / sigma


def measure_valued_terms(f, dist: Gaussian, num_samples: int, rng: np.random.Generator) -> np.ndarray:
    """Per-sample coupled measure-valued terms for (d/dmu, d/dsigma) E[f(x)], x ~ N(mu, sigma^2): [N, 2].

    W ~ Rayleigh (``rng.rayleigh``), M = ± |Z| with Z ~ N(0, I_3) (the double-sided Maxwell),
    U ~ U(0, 1); see the module docstring. ``f``: a SymPy expression in :data:`pgviz.x` or a
    vectorized callable (never differentiated, so a step is fine). Mohamed et al. 2020, Sec. 6.
    """
    f = check_cost(f)
    dist = _check_gaussian(dist)
    num_samples = check_num_samples(num_samples)
    rng = check_rng(rng)
    mu, sigma = dist.param_vector
    w = rng.rayleigh(1.0, num_samples)  # [N]
    radius = np.sqrt((rng.standard_normal((num_samples, 3)) ** 2).sum(axis=1))  # [N] Maxwell magnitude
    m = np.where(rng.random(num_samples) < 0.5, -radius, radius)  # [N] double-sided
    u = rng.random(num_samples)  # [N]
    return np.stack([_mu_terms(f, mu, sigma, w), _sigma_terms(f, mu, sigma, m, u)], axis=-1)


def _moments(f, dist: Gaussian, coupled: bool):
    """(E[term], E[term^2]) for each component by quadrature: two [2] arrays."""
    mu, sigma = dist.param_vector
    if coupled:
        t_mu = _mu_terms(f, mu, sigma, _W_NODES)
        t_sigma = _sigma_terms(f, mu, sigma, _M_NODES[:, None], _U_NODES[None, :])  # [M, U]
        mass = _M_MASS[:, None] * _U_WEIGHTS[None, :]
        first = [_W_MASS @ t_mu, (mass * t_sigma).sum()]
        second = [_W_MASS @ t_mu**2, (mass * t_sigma**2).sum()]
        return np.array(first), np.array(second)
    # independent parts: Var = c^2 (Var_{p+}[f] + Var_{p-}[f]), the mean unchanged
    plus_mu, minus_mu = _evaluate(f, mu + sigma * _W_NODES), _evaluate(f, mu - sigma * _W_NODES)
    plus_sigma = _evaluate(f, mu + sigma * _M_NODES)
    gaussian_nodes, gaussian_weights = _M_NODES, _M_WEIGHTS * np.exp(-(_M_NODES**2) / 2) / np.sqrt(2 * np.pi)
    normal = _evaluate(f, mu + sigma * gaussian_nodes)
    c_mu, c_sigma = 1 / (sigma * np.sqrt(2 * np.pi)), 1 / sigma

    def var(values, weights):
        mean = weights @ values
        return weights @ values**2 - mean**2

    mean = np.array(
        [
            c_mu * (_W_MASS @ plus_mu - _W_MASS @ minus_mu),
            c_sigma * (_M_MASS @ plus_sigma - gaussian_weights @ normal),
        ]
    )
    variance = np.array(
        [
            c_mu**2 * (var(plus_mu, _W_MASS) + var(minus_mu, _W_MASS)),
            c_sigma**2 * (var(plus_sigma, _M_MASS) + var(normal, gaussian_weights)),
        ]
    )
    return mean, variance + mean**2


def measure_valued_mean(f, dist: Gaussian) -> np.ndarray:
    """The exact mean of the measure-valued terms, by quadrature: [2]. It equals grad E[f] (unbiased)."""
    f = check_cost(f)
    dist = _check_gaussian(dist)
    return _moments(f, dist, coupled=True)[0]


def measure_valued_variance(f, dist: Gaussian, coupled: bool = True) -> np.ndarray:
    """The exact single-sample variance of the measure-valued estimator of (d/dmu, d/dsigma) E[f]: [2].

    ``coupled``: True for the coupled terms of :func:`measure_valued_terms`; False for independent
    draws from the positive and negative parts, c^2 (Var_{p+}[f] + Var_{p-}[f]). ``f``: smooth or
    not (no kinks are located; for a step f the rule's error is about 1e-4), a SymPy expression
    or a vectorized callable. Notebook 03.
    """
    f = check_cost(f)
    dist = _check_gaussian(dist)
    coupled = check_bool(coupled, "coupled")
    first, second = _moments(f, dist, coupled)
    return np.maximum(second - first**2, 0.0)


def measure_valued_variance_curve(f, k_symbol: sp.Symbol, k_values, dist: Gaussian, coupled: bool = True) -> np.ndarray:
    """:func:`measure_valued_variance` for a family f(x; k) at each k of ``k_values`` [K]: [K, 2].

    The cost is compiled once with k as an argument (Mohamed et al. 2020, Figs. 2-3; notebook 03).
    """
    if not isinstance(k_symbol, sp.Symbol):
        raise TypeError(f"k_symbol must be a SymPy Symbol, got {type(k_symbol).__name__}")
    if not isinstance(f, sp.Expr) or f.free_symbols - {x, k_symbol}:
        raise ValueError("f must be a SymPy expression in pgviz.x and k_symbol only")
    dist = _check_gaussian(dist)
    coupled = check_bool(coupled, "coupled")
    k_values = check_real_array(k_values, "k_values").reshape(-1)
    family = numpy_function(f, (x, k_symbol))
    out = np.empty((k_values.size, 2))
    for i, k_value in enumerate(k_values):
        out[i] = measure_valued_variance(lambda xs, kv=k_value: family(xs, kv), dist, coupled)
    return out


def measure_valued_study(
    f, k_symbol: sp.Symbol, k_values, dist: Gaussian, rng: np.random.Generator, sampled_k, num_samples: int = 100_000
):
    """Exact and Monte Carlo variances of the coupled measure-valued estimator against k.

    Returns ``(exact [K, 2], (sampled_k [J], sampled [J, 2]))``: exact variances on ``k_values``
    (:func:`measure_valued_variance_curve`) and ``terms.var(0)`` of ``num_samples`` coupled terms at
    each k of ``sampled_k`` - one more entry for the dictionaries of
    :func:`pgviz.studies.variance_study` (Mohamed et al. 2020, Figs. 2-3; notebook 03).
    """
    rng = check_rng(rng)
    num_samples = check_num_samples(num_samples)
    sampled_k = check_real_array(sampled_k, "sampled_k").reshape(-1)
    exact = measure_valued_variance_curve(f, k_symbol, k_values, dist)
    family = numpy_function(f, (x, k_symbol))
    sampled = np.array(
        [
            measure_valued_terms(lambda xs, kv=k_value: family(xs, kv), dist, num_samples, rng).var(axis=0)
            for k_value in sampled_k
        ]
    )
    return exact, (sampled_k, sampled)
