"""REINFORCE gradient estimates from sampled episodes, and their statistics (notebooks 04-06).

One estimate per episode, with or without a baseline and reward-to-go; :func:`estimator_statistics`
compares the four variants of :data:`VARIANTS` on the same episodes.
"""

from __future__ import annotations

import numpy as np

from pgviz.rl.exact import exact_policy_gradient, state_values
from pgviz.rl.mdp import MDP, check_features, check_mdp, check_theta
from pgviz.rl.policy import policy_score, softmax_policy
from pgviz.rl.rollout import Episodes, check_episodes, rollout
from pgviz.statistics import running_mean, running_standard_error, standard_error
from pgviz.validation import check_bool, check_count, check_real_array, check_rng

__all__ = ["reinforce_gradients", "VARIANTS", "estimator_statistics", "running_estimates"]


def _step_scores(episodes: Episodes, theta, features) -> np.ndarray:
    """∇_θ log π_θ(a_t|s_t) at every sampled step, zero in the padding: [N, T, P]."""
    table = policy_score(theta, features)  # [S, A, P]
    return table[episodes.states, episodes.actions] * episodes.mask[..., None]


def _check_baseline(baseline, num_states: int):
    if baseline is None:
        return None
    values = check_real_array(baseline, "baseline")
    if values.ndim == 0:
        return np.full(num_states, float(values))
    if values.shape != (num_states,):
        raise ValueError(
            f"baseline must be None, a number, or one value per state [S={num_states}]; got shape {values.shape}"
        )
    return values


def reinforce_gradients(episodes: Episodes, theta, features, baseline=None, reward_to_go: bool = False) -> np.ndarray:
    """One REINFORCE gradient estimate per episode; their mean is ĝ (notebooks 04–06).

    Without reward-to-go:  ĝ_i = Σ_t ∇_θ log π_θ(a_t|s_t) (R(τ_i) − b(s_0)),   R = Σ_k γ^k r_k.
    With reward-to-go:     ĝ_i = Σ_t ∇_θ log π_θ(a_t|s_t) γ^t (G_t − b(s_t)),  G_t = Σ_{k≥t} γ^{k−t} r_k.

    Both are unbiased for ∇_θ J: a baseline that does not depend on the action has E[score · b] = 0,
    and rewards before step t are uncorrelated with the score at t.

    Args:
        episodes: from :func:`rollout` with the policy π_θ.
        theta: [P]; features: [S, A, P].
        baseline: None, a number, or one value per state [S].
        reward_to_go: use G_t instead of the whole return R(τ).
    Returns:
        per-episode estimates, shape [N, P]; ``.mean(axis=0)`` is ĝ.
    """
    features = check_features(None, features)
    check_episodes(episodes, features)
    theta = check_theta(theta, features)
    b = _check_baseline(baseline, features.shape[0])
    reward_to_go = check_bool(reward_to_go, "reward_to_go")
    scores = _step_scores(episodes, theta, features)  # [N, T, P]
    num_steps = episodes.rewards.shape[1]
    discount = episodes.gamma ** np.arange(num_steps)  # [T]
    if not reward_to_go:
        weights = np.broadcast_to(episodes.returns[:, None], episodes.rewards.shape).copy()  # [N, T]
        if b is not None and num_steps:
            weights -= b[episodes.states[:, :1]]
    else:
        discounted = episodes.rewards * discount  # [N, T]
        weights = np.cumsum(discounted[:, ::-1], axis=1)[:, ::-1]  # Σ_{k≥t} γ^k r_k = γ^t G_t
        if b is not None:
            weights = weights - discount * b[episodes.states]
    return np.einsum("ntp,nt->np", scores, weights * episodes.mask)


#: The four REINFORCE estimators of :func:`reinforce_gradients` that notebook 06 compares, by their
#: label: whether each subtracts a baseline and uses reward-to-go.
VARIANTS = {
    "plain": {"baseline": False, "reward_to_go": False},
    "baseline": {"baseline": True, "reward_to_go": False},
    "reward-to-go": {"baseline": False, "reward_to_go": True},
    "reward-to-go + baseline": {"baseline": True, "reward_to_go": True},
}


def estimator_statistics(mdp: MDP, theta, features, num_episodes: int, rng: np.random.Generator, baseline=None) -> dict:
    """Mean, standard error and variance of the four REINFORCE :data:`VARIANTS` on the same episodes (notebook 06).

    The estimators are those of :func:`reinforce_gradients`: plain, with ``baseline`` (default: the
    exact state values V_π, any action-independent choice keeps it unbiased), with reward-to-go,
    and with both.

    Returns {name: {"mean": [P], "standard_error": [P], "variance": float (Σ_p Var of one-episode
    estimates), "z": [P] (|mean − exact| / SE)}}, plus "exact": [P].
    """
    check_mdp(mdp)
    features = check_features(mdp, features)
    theta = check_theta(theta, features)
    num_episodes = check_count(num_episodes, "num_episodes", 2)
    check_rng(rng)
    pi = softmax_policy(theta, features)
    b = state_values(mdp, pi) if baseline is None else baseline
    exact = exact_policy_gradient(mdp, theta, features)
    episodes = rollout(mdp, pi, num_episodes, rng, 100_000)
    result = {"exact": exact}
    for name, options in VARIANTS.items():
        per_episode = reinforce_gradients(
            episodes, theta, features, baseline=b if options["baseline"] else None, reward_to_go=options["reward_to_go"]
        )  # [N, P]
        mean = per_episode.mean(axis=0)
        se = standard_error(per_episode)
        result[name] = {
            "mean": mean,
            "standard_error": se,
            "variance": float(per_episode.var(axis=0, ddof=1).sum()),
            "z": np.abs(mean - exact) / se,
        }
    return result


def running_estimates(
    mdp: MDP, theta, features, max_m: int, rng: np.random.Generator, baseline=None, reward_to_go: bool = False
) -> dict:
    """Running REINFORCE estimates ĝ_m = (1/m) Σ_{i≤m} ĝ_i for m = 1..max_m and their standard errors.

    Returns a dict with ``estimates`` [M, P], ``standard_errors`` [M, P] and ``exact`` [P].
    """
    max_m = check_count(max_m, "max_m", 2)
    pi = softmax_policy(theta, features)
    episodes = rollout(mdp, pi, max_m, rng)
    per_episode = reinforce_gradients(episodes, theta, features, baseline=baseline, reward_to_go=reward_to_go)  # [M, P]
    return {
        "estimates": running_mean(per_episode),
        "standard_errors": running_standard_error(per_episode),
        "exact": exact_policy_gradient(mdp, theta, features),
    }
