"""The policy gradient theorem on trajectories, one line at a time, each line computed (notebook 04).

    ∇_θ J = ∇_θ Σ_τ P(τ;θ) R(τ)                      (J by enumeration; central differences)
          = Σ_τ ∇_θ P(τ;θ) R(τ)                      (each P(τ;θ) differentiated on its own)
          = Σ_τ P(τ;θ) (∇_θ P(τ;θ) / P(τ;θ)) R(τ)    (multiplied and divided by P(τ;θ) > 0)
          = Σ_τ P(τ;θ) ∇_θ log P(τ;θ) R(τ)           (the derivative of log P(τ;θ), differenced)
          = Σ_τ P(τ;θ) (Σ_t ∇_θ log π_θ(a_t|s_t)) R(τ)   (the policy's score, in closed form)

:func:`chain_values` evaluates every line by its own route, so each equality is a check that
could fail. :func:`log_probability_gradients` differentiates the whole log P(τ;θ) — start
distribution and dynamics included — by central differences: on two MDPs that differ only in
their dynamics it gives the same ∇_θ log P(τ) for every trajectory, while P(τ) and ∇J differ.
"""

from __future__ import annotations

import numpy as np

from pgviz.rl.enumeration import EnumeratedTrajectories, check_trajectories
from pgviz.rl.mdp import check_features, check_theta
from pgviz.rl.policy import softmax_policy
from pgviz.validation import check_positive

__all__ = ["CHAIN", "chain_values", "log_probability_gradients"]

#: The lines of the chain, by key, as plain text (Σ over every trajectory τ; "score" is Σ_t ∇log π_θ(a_t|s_t)).
CHAIN = {
    "grad_of_sum": "∇ Σ P(τ) R(τ)",
    "sum_of_grads": "Σ ∇P(τ) R(τ)",
    "times_p_over_p": "Σ P(τ) (∇P(τ)/P(τ)) R(τ)",
    "grad_log": "Σ P(τ) ∇log P(τ) R(τ)",
    "policy_scores": "Σ P(τ) score(τ) R(τ)",
}


def _probabilities(trajectories: EnumeratedTrajectories, theta, features) -> np.ndarray:
    return trajectories.probabilities(softmax_policy(theta, features))  # [K]


def _central_differences(function, theta: np.ndarray, h: float) -> np.ndarray:
    """(f(θ + h e_p) − f(θ − h e_p)) / 2h for every p: [..., P] for f returning [...]."""
    columns = [(function(theta + step) - function(theta - step)) / (2 * h) for step in np.eye(len(theta)) * h]
    return np.stack(columns, axis=-1)


def log_probability_gradients(trajectories: EnumeratedTrajectories, theta, features, h: float = 1e-5) -> np.ndarray:
    """∇_θ log P(τ;θ) of every trajectory by central differences of the whole log-probability,
    log μ(s_0) + Σ_t [log π_θ(a_t|s_t) + log P(s_{t+1}|s_t, a_t)]: [K, P] (error O(h²)).

    Nothing here assumes that the start or dynamics terms are free of θ: the differences find it.
    """
    check_trajectories(trajectories)
    features = check_features(trajectories.mdp, features)
    theta = check_theta(theta, features)
    h = check_positive(h, "h")

    def log_probability(at):
        return trajectories.log_dynamics + trajectories.log_policy(softmax_policy(at, features))  # [K]

    return _central_differences(log_probability, theta, h)


def chain_values(trajectories: EnumeratedTrajectories, theta, features, h: float = 1e-5) -> dict:
    """Every line of :data:`CHAIN` evaluated by its own route, each [P] (notebook 04).

    * ``"grad_of_sum"``: central differences of J(θ) = Σ_τ P(τ;θ) R(τ);
    * ``"sum_of_grads"``: Σ_τ (central differences of P(τ;θ)) R(τ), one trajectory at a time;
    * ``"times_p_over_p"``: the same terms multiplied and divided by P(τ;θ);
    * ``"grad_log"``: Σ_τ P(τ) (central differences of log P(τ;θ)) R(τ);
    * ``"policy_scores"``: Σ_τ P(τ) (Σ_t ∇log π_θ(a_t|s_t), closed form) R(τ) — no differences.

    All equal ∇J to O(h²) when every episode ends within the horizon.
    """
    check_trajectories(trajectories)
    features = check_features(trajectories.mdp, features)
    theta = check_theta(theta, features)
    h = check_positive(h, "h")
    returns = trajectories.returns  # [K]
    probabilities = _probabilities(trajectories, theta, features)  # [K]

    def probability(at):
        return _probabilities(trajectories, at, features)

    grad_probability = _central_differences(probability, theta, h)  # [K, P]
    return {
        "grad_of_sum": _central_differences(lambda at: probability(at) @ returns, theta, h),
        "sum_of_grads": returns @ grad_probability,
        "times_p_over_p": (probabilities * returns) @ (grad_probability / probabilities[:, None]),
        "grad_log": (probabilities * returns) @ log_probability_gradients(trajectories, theta, features, h),
        "policy_scores": (probabilities * returns) @ trajectories.scores(theta, features),
    }
