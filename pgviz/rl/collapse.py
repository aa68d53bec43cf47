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
    at the current θ.

    Args:
        theta: θ that generated the episode [P]; features [S, A, P]; states, actions, rewards: the
        episode's S_t, A_t, R_{t+1} [T]; alpha > 0; gamma in [0, 1]; min_prob: 0 or the floor ε.
    Returns a dict: ``"theta_in_loop"`` [T + 1, P] (θ before step 0 and after every step),
    ``"policy_in_loop"`` [T + 1, A] (π(·|S_0) at those θ, floored), ``"theta_batched"`` [P] and
    ``"policy_batched"`` [A] (after the single update at the fixed θ).
    """
    features = check_features(None, features)
    theta = check_theta(theta, features).copy()
    states = check_real_array(states, "states", ndim=1).astype(int)
    actions = check_real_array(actions, "actions", ndim=1).astype(int)
    rewards = check_real_array(rewards, "rewards", ndim=1)
    if not len(states) == len(actions) == len(rewards) >= 1:
        raise ValueError("states, actions and rewards must be one episode: equal lengths T >= 1")
    if states.min() < 0 or states.max() >= features.shape[0] or actions.min() < 0 or actions.max() >= features.shape[1]:
        raise ValueError("states and actions must index the features [S, A, P]")
    alpha = check_positive(alpha, "alpha")
    gamma = check_in_range(gamma, "gamma", 0.0, 1.0)
    min_prob = _check_min_prob(min_prob, features.shape[1])

    def pi_at(theta_now, s):
        pi_s = action_probabilities(theta_now, features[s])
        return floor_probabilities(pi_s, min_prob) if min_prob > 0 else pi_s

    G, following = np.empty(len(rewards)), 0.0
    for t in range(len(rewards) - 1, -1, -1):  # G_t = R_{t+1} + γ G_{t+1}
        following = rewards[t] + gamma * following
        G[t] = following
    thetas = [theta.copy()]
    batched_step = np.zeros_like(theta)
    for t, (s, a) in enumerate(zip(states, actions)):
        batched_step += gamma**t * G[t] * action_score(features[s], a, pi_at(theta, s))  # θ as generated
        thetas.append(thetas[-1] + alpha * gamma**t * G[t] * action_score(features[s], a, pi_at(thetas[-1], s)))
    theta_batched = theta + alpha * batched_step
    return {
        "theta_in_loop": np.array(thetas),
        "policy_in_loop": np.array([pi_at(theta_now, states[0]) for theta_now in thetas]),
        "theta_batched": theta_batched,
        "policy_batched": pi_at(theta_batched, states[0]),
    }
