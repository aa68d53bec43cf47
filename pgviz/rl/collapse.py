"""Why REINFORCE can lock the short corridor's policy at a limit: one long episode (notebook 06).

:func:`replay_episode` runs the inner loop of :func:`pgviz.rl.reinforce` over one given episode —
θ ← θ + α γ^t G_t ∇ln π(A_t|S_t, θ), with π at the θ *of that moment* — and, next to it, the same
episode as one batched update at the θ that generated it (what ``loss.backward(); step()``
does): θ + α Σ_t γ^t G_t ∇ln π(A_t|S_t, θ). The actions were drawn from the old policy, so inside
the loop the later steps are scored by a policy that has already moved.

:func:`floored_policy` and :func:`floored_score` are the probability limits of Zhang's
reproduction (π clipped to [ε, 1 − ε]) and the "score" the loop uses with them.
"""

from __future__ import annotations

import numpy as np

from pgviz.compiled import jit
from pgviz.rl.mdp import check_features, check_theta
from pgviz.rl.policy import action_probabilities, action_score, floor_probabilities, softmax_policy
from pgviz.validation import check_in_range, check_positive, check_real_array

__all__ = ["floored_policy", "floored_score", "replay_episode"]


def _check_min_prob(min_prob, num_actions: int) -> float:
    return check_in_range(min_prob, "min_prob", 0.0, 1 / num_actions, high_open=True)


def floored_policy(theta, features, min_prob: float) -> np.ndarray:
    """π_θ(a|s) clipped to [ε, 1 − (A − 1)ε] and renormalized, ε = ``min_prob``: [S, A].

    ``min_prob = 0`` is the softmax policy itself. Where the clip is active, the probabilities do
    not change with θ at all.
    """
    features = check_features(None, features)
    min_prob = _check_min_prob(min_prob, features.shape[1])
    pi = softmax_policy(theta, features)
    return floor_probabilities(pi, min_prob) if min_prob > 0 else pi


def floored_score(theta, features, min_prob: float) -> np.ndarray:
    """x(s, a) − Σ_b π̃(b|s) x(s, b) with the floored π̃ of :func:`floored_policy`: [S, A, P].

    What REINFORCE with probability limits uses as ∇ln π. Where the clip is active it is not the
    gradient of log π̃ (which is 0 there), and no policy has it as its score: Σ_a q(a) s(a) = 0
    forces q = π̃ (notebook 06).
    """
    features = check_features(None, features)
    pi = floored_policy(theta, features, min_prob)  # [S, A]
    return features - np.einsum("sb,sbp->sp", pi, features)[:, None, :]


def replay_episode(theta, features, states, actions, rewards, alpha: float, gamma: float, min_prob: float = 0.0):
    """One episode's REINFORCE updates inside the loop (θ moving) and as one batched update (θ fixed).

    The loop is :func:`pgviz.rl.reinforce`'s, without a baseline: returns G_t computed backwards,
    then for t = 0 … T − 1, θ ← θ + α γ^t G_t ∇ln π(A_t|S_t, θ) with π (floored at ``min_prob``)
    at the current θ (compiled with numba, like the book's loop).

    Args:
        theta: θ that generated the episode [P]; features [S, A, P]; states, actions, rewards: the
        episode's S_t, A_t, R_{t+1} [T]; alpha > 0; gamma in [0, 1]; min_prob: 0 or the floor ε.
    Returns a dict: ``"theta_in_loop"`` [T + 1, P] (θ before step 0 and after every step),
    ``"policy_in_loop"`` [T + 1, A] (π(·|S_0) at those θ, floored), ``"theta_batched"`` [P] and
    ``"policy_batched"`` [A] (after the single update at the fixed θ).
    """
    features = np.ascontiguousarray(check_features(None, features))
    theta = check_theta(theta, features).copy()
    states = check_real_array(states, "states", ndim=1).astype(np.int64)
    actions = check_real_array(actions, "actions", ndim=1).astype(np.int64)
    rewards = check_real_array(rewards, "rewards", ndim=1)
    if np.any(check_real_array(states, "states") % 1 != 0) or np.any(check_real_array(actions, "actions") % 1 != 0):
        raise ValueError("states and actions must be whole numbers (indices)")
    if not len(states) == len(actions) == len(rewards) >= 1:
        raise ValueError("states, actions and rewards must be one episode: equal lengths T >= 1")
    if states.min() < 0 or states.max() >= features.shape[0] or actions.min() < 0 or actions.max() >= features.shape[1]:
        raise ValueError("states and actions must index the features [S, A, P]")
    alpha = check_positive(alpha, "alpha")
    gamma = check_in_range(gamma, "gamma", 0.0, 1.0)
    min_prob = _check_min_prob(min_prob, features.shape[1])

    theta_in_loop, policy_in_loop, theta_batched, policy_batched = _replay(
        theta, features, states, actions, rewards, alpha, gamma, min_prob
    )
    return {
        "theta_in_loop": theta_in_loop,
        "policy_in_loop": policy_in_loop,
        "theta_batched": theta_batched,
        "policy_batched": policy_batched,
    }


@jit
def _policy_at(theta, features_s, min_prob):
    """π_θ(·|s) [A], floored at ``min_prob`` when it is > 0 (as in :func:`pgviz.rl.reinforce`)."""
    pi_s = action_probabilities(theta, features_s)
    return floor_probabilities(pi_s, min_prob) if min_prob > 0 else pi_s


@jit
def _replay(theta, features, states, actions, rewards, alpha, gamma, min_prob):
    """The loop of :func:`replay_episode`, compiled: (θ in the loop [T + 1, P], π(·|S_0) [T + 1, A],
    θ batched [P], π(·|S_0) batched [A])."""
    T = rewards.shape[0]
    G, following = np.empty(T), 0.0
    for t in range(T - 1, -1, -1):  # G_t = R_{t+1} + γ G_{t+1}
        following = rewards[t] + gamma * following
        G[t] = following
    thetas = np.empty((T + 1, theta.shape[0]))
    thetas[0] = theta
    batched_step = np.zeros_like(theta)
    for t in range(T):
        s, a = states[t], actions[t]
        batched_step += gamma**t * G[t] * action_score(features[s], a, _policy_at(theta, features[s], min_prob))
        pi_now = _policy_at(thetas[t], features[s], min_prob)  # π(·|S_t, θ), θ as it is now
        thetas[t + 1] = thetas[t] + alpha * gamma**t * G[t] * action_score(features[s], a, pi_now)
    policies = np.empty((T + 1, features.shape[1]))
    for t in range(T + 1):
        policies[t] = _policy_at(thetas[t], features[states[0]], min_prob)
    theta_batched = theta + alpha * batched_step
    return thetas, policies, theta_batched, _policy_at(theta_batched, features[states[0]], min_prob)
