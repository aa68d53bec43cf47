"""A state-dependent Gaussian policy on a small continuous problem, with exact gradients (notebook 03).

The policy: pi(a | s; theta) = N(a; mu_theta(s), sigma_theta^2) with a linear mean
mu_theta(s) = w0 + w1 s and a learned log standard deviation, sigma_theta = exp(log_sigma), so
theta = (w0, w1, log_sigma). Its log-density is the :class:`pgviz.Gaussian` one with mu and sigma
replaced by those functions of (s, theta), so the chain rule gives the score:

    d log pi / d w_j       = (a - mu_theta(s)) / sigma^2 * d mu_theta(s) / d w_j    (= (1, s))
    d log pi / d log_sigma = sigma * d log pi / d sigma = (a - mu_theta(s))^2 / sigma^2 - 1.

The problem: a one-step continuous bandit (a contextual bandit): s ~ U(low, high), the agent
draws a ~ pi(. | s), gets r(s, a) and the episode ends. J(theta) = E_s E_{a~pi}[r(s, a)]; the
action value is Q(s, a) = r(s, a), the state value V(s) = E_a[r(s, a)] and the advantage
A(s, a) = r(s, a) - V(s). Everything exact is tensor-product Gauss quadrature: Gauss-Legendre in s
and Gauss-Hermite in the noise eps of a = mu + sigma eps, accurate to ~1e-13 for smooth r.

Also the deterministic policy gradient (Silver et al. 2014; DDPG): for a deterministic policy
a = mu_w(s), grad_w J = E_s[d r(s, a)/d a at a = mu_w(s) * grad_w mu_w(s)].
"""

from __future__ import annotations

import functools

import numpy as np
import sympy as sp

from pgviz.families import Gaussian
from pgviz.symbolic import numpy_function, simplify_zero, x
from pgviz.validation import check_count, check_positive, check_real, check_real_array, check_rng

__all__ = ["state", "action", "LinearGaussianPolicy", "ContinuousBandit", "policy_gradient_terms", "ADVANTAGES"]

#: The state and action symbols of the continuous problem.
state = sp.Symbol("s", real=True)
action = sp.Symbol("a", real=True)

_W0, _W1, _LOG_SIGMA = sp.symbols("w_0 w_1 log_sigma", real=True)
_NODES_S, _WEIGHTS_S = np.polynomial.legendre.leggauss(64)
_NODES_EPS, _WEIGHTS_EPS = np.polynomial.hermite_e.hermegauss(64)
_WEIGHTS_EPS = _WEIGHTS_EPS / np.sqrt(2 * np.pi)  # E over eps ~ N(0, 1)

#: What multiplies the score in :func:`policy_gradient_terms`.
ADVANTAGES = ("advantage", "reward")


class LinearGaussianPolicy:
    """pi(a | s; w0, w1, log_sigma) = N(a; w0 + w1 s, exp(log_sigma)^2). Notebook 03.

    ``log_prob_expr`` is :class:`pgviz.Gaussian`'s log-density with x -> a, mu -> w0 + w1 s and
    sigma -> exp(log_sigma); ``score_exprs`` its derivatives in (w0, w1, log_sigma).
    """

    param_names = ("w0", "w1", "log_sigma")

    def __init__(self, w0: float = 0.0, w1: float = 0.0, log_sigma: float = 0.0):
        self._values = np.array(
            [check_real(w0, "w0"), check_real(w1, "w1"), check_real(log_sigma, "log_sigma")], dtype=float
        )
        self.param_symbols = (_W0, _W1, _LOG_SIGMA)
        self.mean_expr = _W0 + _W1 * state
        self.sigma_expr = sp.exp(_LOG_SIGMA)
        symbolic = _symbolic_policy()
        self.log_prob_expr, self.score_exprs = symbolic["log_prob"], symbolic["score"]
        self._symbolic = symbolic

    @property
    def param_vector(self) -> np.ndarray:
        """theta = (w0, w1, log_sigma) as a [3] array (a copy)."""
        return self._values.copy()

    @property
    def sigma(self) -> float:
        """sigma = exp(log_sigma)."""
        return float(np.exp(self._values[2]))

    def with_params(self, theta) -> LinearGaussianPolicy:
        """The policy with theta = (w0, w1, log_sigma)."""
        theta = check_real_array(theta, "theta", ndim=1)
        if theta.shape != (3,):
            raise ValueError(f"theta must have 3 entries (w0, w1, log_sigma), got {theta.size}")
        return LinearGaussianPolicy(*theta.tolist())

    def chain_rule(self) -> list[tuple[sp.Expr, sp.Expr]]:
        """For each parameter: (d log pi / d theta_j, the chain rule's product), as SymPy expressions.

        w_j: (d log N / d mu at mu_theta(s)) * d mu_theta(s)/d w_j; log_sigma: (d log N / d sigma) *
        d sigma / d log_sigma.
        """
        score_mu, score_sigma = self._symbolic["gaussian_score"]
        products = [
            score_mu * sp.diff(self.mean_expr, _W0),
            score_mu * sp.diff(self.mean_expr, _W1),
            score_sigma * sp.diff(self.sigma_expr, _LOG_SIGMA),
        ]
        return list(zip(self.score_exprs, products))

    def check_chain_rule(self) -> bool:
        """True when SymPy proves every score component equals its chain-rule product."""
        return all(simplify_zero(total - product) for total, product in self.chain_rule())

    def mean(self, states) -> np.ndarray:
        """mu_theta(s) = w0 + w1 s for states [N]: [N]."""
        states = check_real_array(states, "states", ndim=1)
        return self._values[0] + self._values[1] * states

    def sample(self, states, rng: np.random.Generator) -> np.ndarray:
        """One action a_i ~ pi(. | s_i) per state, as mu_theta(s_i) + sigma eps_i: [N]."""
        rng = check_rng(rng)
        means = self.mean(states)
        return means + self.sigma * rng.standard_normal(means.size)

    def _check_pairs(self, states, actions):
        states = check_real_array(states, "states", ndim=1)
        actions = check_real_array(actions, "actions", ndim=1)
        if states.shape != actions.shape:
            raise ValueError(f"states and actions must have the same length, got {states.size} and {actions.size}")
        return states, actions

    def log_prob(self, states, actions) -> np.ndarray:
        """log pi(a_i | s_i; theta): [N]."""
        states, actions = self._check_pairs(states, actions)
        return self._symbolic["log_prob_fn"](states, actions, *self._values)

    def score(self, states, actions) -> np.ndarray:
        """grad_theta log pi(a_i | s_i; theta) = the chain-rule score: [N, 3]."""
        states, actions = self._check_pairs(states, actions)
        return np.stack([fn(states, actions, *self._values) for fn in self._symbolic["score_fns"]], axis=-1)

    def __repr__(self) -> str:
        w0, w1, log_sigma = self._values
        return f"LinearGaussianPolicy(w0={w0:.4g}, w1={w1:.4g}, log_sigma={log_sigma:.4g})"


@functools.lru_cache(maxsize=1)
def _symbolic_policy() -> dict:
    """The policy's SymPy expressions and their NumPy functions, built once for every instance."""
    gaussian = Gaussian()
    mu, sigma = gaussian.param_symbols
    into_policy = {x: action, mu: _W0 + _W1 * state, sigma: sp.exp(_LOG_SIGMA)}
    log_prob = gaussian.log_prob_expr.subs(into_policy)
    score = tuple(sp.simplify(sp.diff(log_prob, p)) for p in (_W0, _W1, _LOG_SIGMA))
    args = (state, action, _W0, _W1, _LOG_SIGMA)
    return {
        "log_prob": log_prob,
        "score": score,
        "gaussian_score": tuple(e.subs(into_policy) for e in gaussian.score_exprs),  # d/dmu, d/dsigma log N
        "log_prob_fn": numpy_function(log_prob, args),
        "score_fns": [numpy_function(e, args) for e in score],
    }


def _check_policy(policy) -> LinearGaussianPolicy:
    if not isinstance(policy, LinearGaussianPolicy):
        raise TypeError(f"policy must be a pgviz.continuous.LinearGaussianPolicy, got {type(policy).__name__}")
    return policy


class ContinuousBandit:
    """One step: s ~ U(state_low, state_high), a ~ pi(. | s), reward r(s, a), end. Notebook 03.

    ``reward``: a SymPy expression in :data:`state` and :data:`action` (smooth, for the quadrature).
    """

    def __init__(self, reward: sp.Expr, state_low: float = -1.0, state_high: float = 1.0):
        if not isinstance(reward, sp.Expr):
            raise TypeError(f"reward must be a SymPy expression in pgviz.continuous.state and action, got {reward!r}")
        extra = reward.free_symbols - {state, action}
        if extra:
            raise ValueError(f"reward may contain only the symbols s and a, not {sorted(map(str, extra))}")
        self.state_low = check_real(state_low, "state_low")
        self.state_high = check_real(state_high, "state_high")
        if not self.state_low < self.state_high:
            raise ValueError(f"state_low must be < state_high, got {state_low} and {state_high}")
        self.reward_expr = reward
        self.reward_derivative_expr = sp.diff(reward, action)  # d r / d a, for the deterministic gradient
        self._reward_fn = numpy_function(reward, (state, action))
        self._reward_derivative_fn = numpy_function(self.reward_derivative_expr, (state, action))
        half = (self.state_high - self.state_low) / 2
        self._states = self.state_low + half * (_NODES_S + 1)  # [Qs] quadrature states
        self._state_weights = _WEIGHTS_S / 2  # [Qs], sum 1: the uniform density times the rule

    def sample_states(self, num_samples: int, rng: np.random.Generator) -> np.ndarray:
        """s_i ~ U(state_low, state_high): [N]."""
        num_samples = check_count(num_samples, "num_samples")
        rng = check_rng(rng)
        return rng.uniform(self.state_low, self.state_high, num_samples)

    def reward(self, states, actions) -> np.ndarray:
        """r(s_i, a_i): [N]."""
        states = check_real_array(states, "states", ndim=1)
        actions = check_real_array(actions, "actions", ndim=1)
        return self._reward_fn(states, actions)

    def _on_nodes(self, policy: LinearGaussianPolicy, states: np.ndarray):
        """Actions a = mu(s) + sigma eps at every (state, eps node): [S, E], and the eps nodes [E]."""
        return policy.mean(states)[:, None] + policy.sigma * _NODES_EPS[None, :], _NODES_EPS

    def value(self, policy, states) -> np.ndarray:
        """V(s_i) = E_{a ~ pi(. | s_i)}[r(s_i, a)] by Gauss-Hermite quadrature: [N]."""
        policy = _check_policy(policy)
        states = check_real_array(states, "states", ndim=1)
        actions, _ = self._on_nodes(policy, states)
        rewards = self._reward_fn(states[:, None], actions)  # [N, E]
        return rewards @ _WEIGHTS_EPS

    def advantage(self, policy, states, actions) -> np.ndarray:
        """A(s_i, a_i) = r(s_i, a_i) - V(s_i): [N]."""
        return self.reward(states, actions) - self.value(policy, states)

    def exact_return(self, policy) -> float:
        """J(theta) = E_s E_a[r(s, a)] by quadrature in s and eps."""
        policy = _check_policy(policy)
        return float(self.value(policy, self._states) @ self._state_weights)

    def exact_gradient(self, policy) -> np.ndarray:
        """grad_theta J = E_s E_a[r(s, a) grad_theta log pi(a | s)] by quadrature: [3]."""
        policy = _check_policy(policy)
        actions, _ = self._on_nodes(policy, self._states)  # [S, E]
        states = np.broadcast_to(self._states[:, None], actions.shape)
        rewards = self._reward_fn(states, actions)  # [S, E]
        scores = policy.score(states.ravel(), actions.ravel()).reshape(actions.shape + (3,))  # [S, E, 3]
        weights = self._state_weights[:, None] * _WEIGHTS_EPS[None, :]  # [S, E]
        return np.einsum("se,se,sep->p", weights, rewards, scores)

    def finite_difference_gradient(self, policy, step: float = 1e-5) -> np.ndarray:
        """Central differences (J(theta + h e_j) - J(theta - h e_j)) / (2h): [3]."""
        policy = _check_policy(policy)
        step = check_positive(step, "step")
        theta, out = policy.param_vector, np.empty(3)
        for j in range(3):
            up, down = theta.copy(), theta.copy()
            up[j] += step
            down[j] -= step
            out[j] = (self.exact_return(policy.with_params(up)) - self.exact_return(policy.with_params(down))) / (
                2 * step
            )
        return out

    def deterministic_return(self, weights) -> float:
        """J(w) = E_s[r(s, mu_w(s))] for the deterministic policy mu_w(s) = w0 + w1 s."""
        w = _check_weights(weights)
        return float(self._reward_fn(self._states, w[0] + w[1] * self._states) @ self._state_weights)

    def deterministic_finite_difference_gradient(self, weights, step: float = 1e-5) -> np.ndarray:
        """Central differences of :meth:`deterministic_return` in w0 and w1: [2]."""
        w = _check_weights(weights)
        step = check_positive(step, "step")
        out = np.empty(2)
        for j in range(2):
            up, down = w.copy(), w.copy()
            up[j] += step
            down[j] -= step
            out[j] = (self.deterministic_return(up) - self.deterministic_return(down)) / (2 * step)
        return out

    def deterministic_policy_gradient(self, weights) -> np.ndarray:
        """grad_w J = E_s[d r(s, a)/d a at a = mu_w(s) * (1, s)] (the gradient DDPG follows): [2]."""
        w = _check_weights(weights)
        slope = self._reward_derivative_fn(self._states, w[0] + w[1] * self._states)  # [S] dQ/da at mu(s)
        features = np.stack([np.ones_like(self._states), self._states], axis=-1)  # [S, 2] grad_w mu(s)
        return (self._state_weights * slope) @ features


def _check_weights(weights) -> np.ndarray:
    weights = check_real_array(weights, "weights", ndim=1)
    if weights.shape != (2,):
        raise ValueError(f"weights must be (w0, w1), got {weights.size} entries")
    return weights


def policy_gradient_terms(
    problem: ContinuousBandit,
    policy: LinearGaussianPolicy,
    num_samples: int,
    rng: np.random.Generator,
    weight: str = "advantage",
) -> np.ndarray:
    """Per-sample terms A(s_i, a_i) grad_theta log pi(a_i | s_i): [N, 3], s_i ~ U, a_i ~ pi(. | s_i).

    Their mean is minus the gradient of the loss -(1/N) Σ log pi(a_i | s_i) A(s_i, a_i) with the
    actions and advantages held fixed. ``weight``: "advantage" (A = r - V(s), V exact) or "reward"
    (r itself, no baseline). Both are unbiased for grad_theta J. Notebook 03.
    """
    if not isinstance(problem, ContinuousBandit):
        raise TypeError(f"problem must be a pgviz.continuous.ContinuousBandit, got {type(problem).__name__}")
    policy = _check_policy(policy)
    num_samples = check_count(num_samples, "num_samples")
    rng = check_rng(rng)
    if weight not in ADVANTAGES:
        raise ValueError(f"weight must be one of {ADVANTAGES}, got {weight!r}")
    states = problem.sample_states(num_samples, rng)  # [N]
    actions = policy.sample(states, rng)  # [N]
    if weight == "advantage":
        weights = problem.advantage(policy, states, actions)
    else:
        weights = problem.reward(states, actions)
    return weights[:, None] * policy.score(states, actions)
