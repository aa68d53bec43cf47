"""Exact bias and variance of REINFORCE estimators, by enumerating every trajectory (notebook 06).

On an MDP whose trajectories can all be listed, a one-episode estimator ĝ(τ) has the exact mean
E[ĝ] = Σ_τ P(τ) ĝ(τ) and variance Σ_τ P(τ) ‖ĝ(τ) − E[ĝ]‖²: no sampling. :func:`past_reward_terms`
shows why rewards before step t drop out of the estimator (their cross terms have mean 0), and
:func:`undiscounted_visits_gradient` what the estimator without γ^t converges to instead of ∇J.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from pgviz.rl.enumeration import EnumeratedTrajectories, check_trajectories
from pgviz.rl.exact import action_values, discounted_visits, exact_policy_gradient
from pgviz.rl.mdp import MDP, check_features, check_mdp, check_theta
from pgviz.rl.policy import policy_score, softmax_policy
from pgviz.rl.practice import as_episodes, reward_to_go, weighted_scores
from pgviz.rl.reinforce import VARIANTS, reinforce_gradients
from pgviz.validation import check_real_array

__all__ = ["NO_GAMMA_T", "exact_moments", "estimator_moments", "past_reward_terms", "undiscounted_visits_gradient"]

#: The label of the reward-to-go estimator that drops the γ^t factor (what most course code does).
NO_GAMMA_T = "reward-to-go without γᵗ"


def exact_moments(probabilities, values) -> dict:
    """Mean and variance of a random vector that takes ``values[k]`` [K, P] with ``probabilities[k]`` [K].

    Returns {"mean": [P], "variance": [P] (per component), "total_variance": Σ_p variance_p}.
    """
    probabilities = check_real_array(probabilities, "probabilities", ndim=1)
    if np.any(probabilities < 0) or not np.isclose(probabilities.sum(), 1.0, atol=1e-9):
        raise ValueError("probabilities must be nonnegative and sum to 1")
    values = check_real_array(values, "values", ndim=2)
    if values.shape[0] != len(probabilities):
        raise ValueError(f"values must have shape [K={len(probabilities)}, P], got {values.shape}")
    mean = probabilities @ values
    variance = probabilities @ (values - mean) ** 2
    return {"mean": mean, "variance": variance, "total_variance": float(variance.sum())}


def estimator_moments(trajectories: EnumeratedTrajectories, theta, features, baseline) -> dict:
    """Exact mean, bias and total variance of the one-episode REINFORCE estimators (notebook 06).

    The four :data:`pgviz.rl.VARIANTS` of :func:`pgviz.rl.reinforce_gradients` — whose "baseline"
    subtracts b(s_0) from the whole return R(τ) at every step, and whose "reward-to-go + baseline"
    subtracts b(s_t) from G_t — and :data:`NO_GAMMA_T`: Σ_t ∇log π(a_t|s_t) G_t, no γ^t.

    Args: every trajectory (all ending within the horizon); theta [P]; features [S, A, P];
    baseline: one value per state [S] (e.g. the exact V_π).
    Returns {name: {"mean": [P], "bias": [P] (mean − ∇J), "variance": float}} and "exact": ∇J [P].
    """
    check_trajectories(trajectories)
    mdp = trajectories.mdp
    features = check_features(mdp, features)
    theta = check_theta(theta, features)
    if not trajectories.ended.all():
        raise ValueError("every trajectory must end within the horizon (else the moments are of a truncated return)")
    episodes = as_episodes(trajectories)
    probabilities = trajectories.probabilities(softmax_policy(theta, features))  # [K]
    exact = exact_policy_gradient(mdp, theta, features)
    per_trajectory = {
        name: reinforce_gradients(
            episodes,
            theta,
            features,
            baseline=baseline if options["baseline"] else None,
            reward_to_go=options["reward_to_go"],
        )
        for name, options in VARIANTS.items()
    }
    per_trajectory[NO_GAMMA_T] = weighted_scores(episodes, theta, features, reward_to_go(episodes))
    result = {"exact": exact}
    for name, values in per_trajectory.items():
        moments = exact_moments(probabilities, values)
        result[name] = {"mean": moments["mean"], "bias": moments["mean"] - exact, "variance": moments["total_variance"]}
    return result


def past_reward_terms(trajectories: EnumeratedTrajectories, theta, features) -> np.ndarray:
    """E[∇_θ log π_θ(a_t|s_t) γ^k r_k] for every pair of steps (t, k), exactly: [H, H, P].

    For k < t the reward is fixed before a_t is drawn, and Σ_a π(a|s) ∇log π(a|s) = 0, so the term
    is 0: the past rewards drop out of REINFORCE's expectation (reward-to-go keeps k ≥ t only).
    Steps past the end of an episode count 0.
    """
    check_trajectories(trajectories)
    features = check_features(trajectories.mdp, features)
    theta = check_theta(theta, features)
    episodes = as_episodes(trajectories)
    probabilities = trajectories.probabilities(softmax_policy(theta, features))  # [K]
    scores = policy_score(theta, features)[episodes.states, episodes.actions] * episodes.mask[..., None]  # [K, H, P]
    discounted = episodes.rewards * episodes.gamma ** np.arange(episodes.rewards.shape[1])  # [K, H]
    return np.einsum("k,ktp,kj->tjp", probabilities, scores, discounted)


def undiscounted_visits_gradient(mdp: MDP, theta, features) -> np.ndarray:
    """Σ_s η(s) Σ_a π(a|s) Q_π(s, a) ∇log π(a|s), with η(s) = Σ_t Pr(s_t = s) the *undiscounted*
    expected visits and Q_π the discounted action values: [P].

    The expectation of Σ_t ∇log π(a_t|s_t) G_t (reward-to-go without γ^t). The policy gradient
    theorem weights the states by the discounted visits Σ_t γ^t Pr(s_t = s) instead; the two agree
    when γ = 1. Needs episodes that end with probability 1.
    """
    check_mdp(mdp)
    features = check_features(mdp, features)
    theta = check_theta(theta, features)
    pi = softmax_policy(theta, features)
    visits = discounted_visits(dataclasses.replace(mdp, gamma=1.0), pi)  # η [S]
    return np.einsum("s,sa,sa,sap->p", visits, pi, action_values(mdp, pi), policy_score(theta, features))
