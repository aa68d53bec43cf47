"""The softmax policy over features and its score, built on :func:`pgviz.distributions.softmax`.

π_θ(a|s) = exp(θ·x(s, a)) / Σ_b exp(θ·x(s, b)),   ∇_θ log π_θ(a|s) = x(s, a) − Σ_b π_θ(b|s) x(s, b).

Notebooks 04-06.
"""

from __future__ import annotations

import numpy as np

from pgviz.compiled import jit
from pgviz.distributions import softmax
from pgviz.rl.mdp import check_features, check_theta

__all__ = ["softmax_policy", "policy_score", "action_probabilities", "action_score", "floor_probabilities"]


@jit
def action_probabilities(theta, features_s):
    """π_θ(·|s) = softmax(θ·x(s, a) for every a), for the features of one state x(s, ·) [A, P]: [A].

    No checks (the REINFORCE loop calls it at every step, compiled with numba); the public
    :func:`softmax_policy` checks its arguments and tabulates every state.
    """
    logits = np.empty(features_s.shape[0])
    for a in range(features_s.shape[0]):
        logits[a] = np.sum(theta * features_s[a])  # θ·x(s, a)
    return softmax(logits)


@jit
def action_score(features_s, a, pi_s):
    """∇_θ log π_θ(a|s) = x(s, a) − Σ_b π_θ(b|s) x(s, b), given x(s, ·) [A, P] and π_θ(·|s) = ``pi_s`` [A]: [P]."""
    score = features_s[a].copy()
    for b in range(features_s.shape[0]):
        for p in range(features_s.shape[1]):
            score[p] -= pi_s[b] * features_s[b, p]
    return score


def softmax_policy(theta, features) -> np.ndarray:
    """π_θ(a|s) = exp(θ·x(s, a)) / Σ_b exp(θ·x(s, b)), a softmax over features (notebook 04).

    Args:
        theta: parameters, shape [P].
        features: x(s, a), shape [S, A, P].
    Returns:
        action probabilities, shape [S, A].
    """
    features = check_features(None, features)
    theta = check_theta(theta, features)
    return softmax(features @ theta)  # [S, A]


def policy_score(theta, features) -> np.ndarray:
    """The score ∇_θ log π_θ(a|s) = x(s, a) − Σ_b π_θ(b|s) x(s, b) for every s and a (notebook 04).

    Args:
        theta: shape [P]; features: shape [S, A, P].
    Returns:
        shape [S, A, P].
    """
    features = check_features(None, features)
    theta = check_theta(theta, features)
    pi = softmax(features @ theta)  # [S, A]
    mean_features = np.einsum("sa,sap->sp", pi, features)  # [S, P]
    return features - mean_features[:, None, :]


@jit
def floor_probabilities(pi, min_prob):
    """Clip probabilities [..., A] to [ε, 1 − (A − 1)ε] and renormalize (exact for A = 2).

    Zhang's short-corridor code keeps π in [0.05, 0.95] this way (notebook 06). The floored
    probabilities are no longer a softmax of θ, so the score x(a) − Σ_b π(b) x(b) computed with
    them is not the gradient of log π of any policy.
    """
    num_actions = pi.shape[-1]
    clipped = np.ascontiguousarray(pi).copy()
    rows = clipped.reshape(-1, num_actions)
    for i in range(rows.shape[0]):
        for k in range(num_actions):
            rows[i, k] = min(max(rows[i, k], min_prob), 1 - (num_actions - 1) * min_prob)
        rows[i] /= rows[i].sum()
    return clipped
