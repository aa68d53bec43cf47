"""The distribution families of the series, each defined once by its SymPy log-density.

Gaussian and Exponential (continuous, with a reparameterization x = g(eps; theta)), Bernoulli and
Categorical (finite supports, logits), and seed 000's exp-linear policy (unnormalized as written,
a softmax over a finite action set otherwise). Everything numeric is generated from the
log-density by :class:`pgviz.distributions.Distribution`. Notebooks 01-03.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import sympy as sp

from pgviz.distributions import MAX_SUPPORT, Distribution
from pgviz.symbolic import eps, x
from pgviz.validation import check_count, check_real_array

__all__ = ["Gaussian", "Bernoulli", "Categorical", "Exponential", "ExpLinear"]


class Gaussian(Distribution):
    """Normal distribution N(mu, sigma^2); x = mu + sigma * eps with eps ~ N(0, 1).

    log p(x; mu, sigma) = -(x - mu)^2 / (2 sigma^2) - log sigma - log(2 pi) / 2.
    Score: ((x - mu)/sigma^2, ((x - mu)^2 - sigma^2)/sigma^3). Notebooks 01–03.
    """

    PARAM_RANGES = {"mu": (-1e100, 1e100), "sigma": (1e-100, 1e100)}

    def __init__(self, mu: float = 0.0, sigma: float = 1.0):
        mu_s, sigma_s = sp.Symbol("mu", real=True), sp.Symbol("sigma", positive=True)
        log_p = -((x - mu_s) ** 2) / (2 * sigma_s**2) - sp.log(sigma_s) - sp.log(2 * sp.pi) / 2
        self._define((mu_s, sigma_s), (mu, sigma), log_p, sp.S.Reals, mu_s + sigma_s * eps, "standard_normal")


class Exponential(Distribution):
    """Exponential distribution with rate lambda on [0, inf); x = eps / lambda with eps ~ Exp(1).

    log p(x; lambda) = log lambda - lambda x. Score: 1/lambda - x.
    """

    PARAM_RANGES = {"rate": (1e-100, 1e100)}

    def __init__(self, rate: float = 1.0):
        rate_s = sp.Symbol("lambda", positive=True)
        log_p = sp.log(rate_s) - rate_s * x
        self._define(
            (rate_s,), (rate,), log_p, sp.Interval(0, sp.oo), eps / rate_s, "standard_exponential", names=("rate",)
        )


class Bernoulli(Distribution):
    """Bernoulli distribution on {0, 1} with logit z: p(1) = 1 / (1 + exp(-z)).

    log p(x; z) = x z - log(1 + exp z). Score: x - sigmoid(z) (the feature minus its mean).
    """

    def __init__(self, logit: float = 0.0):
        z = sp.Symbol("z", real=True)
        log_p = x * z - sp.log(1 + sp.exp(z))
        self._define((z,), (logit,), log_p, sp.FiniteSet(0, 1), names=("logit",))


class Categorical(Distribution):
    """Categorical distribution on {0, ..., K-1} with softmax logits z_0..z_{K-1} (a vector parameter).

    log p(x; z) = sum_k delta_{x,k} z_k - log sum_k exp z_k.
    Score: d/dz_j = delta_{x,j} - p(j) (one-hot minus the probabilities).
    ``param_names`` expands the vector: ("logit_0", ..., "logit_{K-1}").
    """

    def __init__(self, logits: Sequence[float] = (0.0, 0.0, 0.0)):
        if np.ndim(logits) != 1 or isinstance(logits, (str, bytes, dict)):
            raise TypeError(f"logits must be a sequence of real numbers, got {type(logits).__name__}")
        values = check_real_array(logits, "logits", ndim=1)
        check_count(len(values), "the number of logits", 2, MAX_SUPPORT)
        z = sp.symbols(f"z_0:{len(values)}", real=True)
        log_p = sum(sp.KroneckerDelta(x, k) * z_k for k, z_k in enumerate(z)) - sp.log(sum(sp.exp(z_k) for z_k in z))
        names = tuple(f"logit_{k}" for k in range(len(values)))
        self._define(z, values, log_p, sp.FiniteSet(*range(len(values))), names=names)


class ExpLinear(Distribution):
    """The exp-linear policy pi(a; alpha, beta) = exp(alpha + beta a) of seed 000.

    ``ExpLinear(alpha, beta)`` is the policy *as written*: log pi = alpha + beta a, score (1, a).
    It is not normalized (it does not sum to one over any action set), so it has no samples and no
    expectations. ``ExpLinear(alpha, beta, actions=(a_1, ..., a_K))`` normalizes it over a finite
    action set: log pi = alpha + beta a - log sum_b exp(alpha + beta b), a softmax policy whose
    score is (0, a - E[a]): the feature minus its expectation, and alpha cancels. Notebook 01.
    """

    PARAM_RANGES = {"alpha": (-1e100, 1e100), "beta": (-1e100, 1e100)}

    def __init__(self, alpha: float = 0.0, beta: float = 1.0, actions: Sequence[float] | None = None):
        alpha_s, beta_s = sp.Symbol("alpha", real=True), sp.Symbol("beta", real=True)
        linear = alpha_s + beta_s * x
        if actions is None:
            self.is_normalized = False
            self._define((alpha_s, beta_s), (alpha, beta), linear, sp.S.Reals)
            return
        if np.ndim(actions) != 1 or isinstance(actions, (str, bytes, dict)):
            raise TypeError(f"actions must be a sequence of distinct real numbers, got {type(actions).__name__}")
        values = check_real_array(actions, "actions", ndim=1).tolist()
        check_count(len(values), "the number of actions", 2, MAX_SUPPORT)
        if len(set(values)) != len(values) or max(abs(a) for a in values) > 1e100:
            raise ValueError(f"actions must hold distinct numbers of size at most 1e100, got {values}")
        exact_actions = [sp.nsimplify(a, rational=True) for a in values]
        normalizer = sp.log(sum(sp.exp(linear.subs(x, a)) for a in exact_actions))
        self._define((alpha_s, beta_s), (alpha, beta), linear - normalizer, sp.FiniteSet(*exact_actions))

    def _signature_latex(self) -> str:
        return "\\pi(a;\\, \\alpha, \\beta)"

    def _repr_latex_(self) -> str:
        return f"$\\log {self._signature_latex()} = {sp.latex(self.log_prob_expr.subs(x, sp.Symbol('a')))}$"
