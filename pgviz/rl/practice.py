"""The updates that popular REINFORCE code computes, and what they estimate exactly (notebook 05).

Each code's loss for one episode is −Σ_t w_t log π_θ(a_t|s_t) with some per-step weight w_t, so
its descent direction is u(τ) = Σ_t w_t ∇_θ log π_θ(a_t|s_t). :data:`WEIGHTINGS` names the weights:

* ``"return"``: R(τ) = Σ_k γ^k r_k at every step (ĝ of notebook 04; unbiased);
* ``"reward_to_go"``: γ^t G_t, G_t = Σ_{k≥t} γ^{k−t} r_k (Sutton & Barto's REINFORCE; unbiased);
* ``"reward_to_go_without_gamma_t"``: G_t (no γ^t; biased when γ < 1);
* ``"standardized_reward_to_go"``: (G_t − mean_t G) / (std_t G + ε) within the episode, the sample
  standard deviation (n − 1) and ε the float32 machine epsilon, as pytorch/examples'
  ``reinforcement_learning/reinforce.py`` and the Hugging Face Deep RL course (unit 4) compute it;
* ``"undiscounted_return"``: Σ_k r_k at every step (Spinning Up's ``1_simple_pg.py``).

On an MDP whose trajectories can all be listed, :func:`expected_update` is E[u] exactly, and
:func:`step_budget_expectation` the exact expectation of a batch filled with whole episodes until
it holds more than a budget of steps, divided by the budget or by its actual number of steps.
"""

from __future__ import annotations

import numpy as np

from pgviz.rl.enumeration import EnumeratedTrajectories, check_trajectories
from pgviz.rl.mdp import check_features, check_theta
from pgviz.rl.policy import policy_score, softmax_policy
from pgviz.rl.rollout import Episodes, check_episodes
from pgviz.validation import check_choice, check_count, check_in_range, check_real_array

__all__ = [
    "WEIGHTINGS",
    "FLOAT32_EPS",
    "as_episodes",
    "reward_to_go",
    "step_weights",
    "weighted_scores",
    "expected_update",
    "gradient_agreement",
    "stopped_batch_expectation",
    "step_budget_expectation",
]

#: The per-step weights w_t of :func:`step_weights`, by name, with what each one is.
WEIGHTINGS = {
    "return": "R(τ) = Σ_k γ^k r_k at every step",
    "reward_to_go": "γ^t G_t",
    "reward_to_go_without_gamma_t": "G_t",
    "standardized_reward_to_go": "(G_t − mean G) / (std G + ε), within the episode",
    "undiscounted_return": "Σ_k r_k at every step",
}

#: ε of the standardization in pytorch/examples and the Hugging Face course: np.finfo(np.float32).eps.
FLOAT32_EPS = float(np.finfo(np.float32).eps)


def as_episodes(trajectories: EnumeratedTrajectories) -> Episodes:
    """Every enumerated trajectory as one :class:`Episodes` row, so estimators written for sampled
    episodes run on all of them (weight each row by its P(τ) for an exact expectation).

    Padding steps get state and action 0 (masked by ``lengths``); ``truncated`` marks trajectories
    cut at the horizon before reaching a terminal state.
    """
    check_trajectories(trajectories)
    mask = trajectories.actions >= 0  # [K, H]
    return Episodes(
        states=np.where(mask, trajectories.states[:, :-1], 0),
        actions=np.where(mask, trajectories.actions, 0),
        rewards=trajectories.rewards * mask,
        lengths=trajectories.lengths.copy(),
        truncated=~trajectories.ended,
        gamma=trajectories.mdp.gamma,
    )


def reward_to_go(episodes: Episodes, gamma: float | None = None) -> np.ndarray:
    """G_t = r_t + γ G_{t+1} = Σ_{k≥t} γ^{k−t} r_k at every step, 0 in the padding: [N, T].

    ``gamma`` defaults to the episodes' own γ.
    """
    check_episodes(episodes)
    gamma = episodes.gamma if gamma is None else check_in_range(gamma, "gamma", 0.0, 1.0)
    rewards = episodes.rewards * episodes.mask  # [N, T]
    G = np.zeros_like(rewards)
    following = np.zeros(len(episodes))  # G_{t+1}
    for t in range(rewards.shape[1] - 1, -1, -1):
        following = rewards[:, t] + gamma * following
        G[:, t] = following
    return G


def step_weights(episodes: Episodes, weighting: str, eps: float = FLOAT32_EPS) -> np.ndarray:
    """The weight w_t of every step's −log π(a_t|s_t) in the loss, for one of :data:`WEIGHTINGS`: [N, T].

    0 in the padding. ``"standardized_reward_to_go"`` divides by the sample standard deviation of
    the episode's G_t plus ``eps``; an episode of one step has no such deviation and gets NaN
    (as ``torch.std`` of one number is NaN).
    """
    check_episodes(episodes)
    weighting = check_choice(weighting, "weighting", tuple(WEIGHTINGS))
    eps = check_in_range(eps, "eps", 0.0, 1.0)
    mask = episodes.mask  # [N, T]
    G = reward_to_go(episodes)  # [N, T]
    if weighting == "return":
        weights = np.broadcast_to(G[:, :1], G.shape)
    elif weighting == "reward_to_go":
        weights = G * episodes.gamma ** np.arange(G.shape[1])
    elif weighting == "reward_to_go_without_gamma_t":
        weights = G
    elif weighting == "undiscounted_return":
        weights = np.broadcast_to(np.sum(episodes.rewards * mask, axis=1, keepdims=True), G.shape)
    else:
        lengths = episodes.lengths[:, None].astype(float)
        mean = G.sum(axis=1, keepdims=True) / np.maximum(lengths, 1)
        with np.errstate(divide="ignore", invalid="ignore"):
            std = np.sqrt(np.sum(((G - mean) * mask) ** 2, axis=1, keepdims=True) / (lengths - 1))
            weights = (G - mean) / (std + eps)
    return np.where(mask, weights, 0.0)


def weighted_scores(episodes: Episodes, theta, features, weights) -> np.ndarray:
    """u_i = Σ_t w_t ∇_θ log π_θ(a_t|s_t) for every episode, the descent direction −∇ of its loss: [N, P].

    Args: episodes; theta [P]; features [S, A, P]; weights [N, T] (e.g. :func:`step_weights`).
    """
    check_episodes(episodes)
    features = check_features(None, features)
    theta = check_theta(theta, features)
    weights = check_real_array(weights, "weights", finite=False)
    if weights.shape != episodes.rewards.shape:
        raise ValueError(f"weights must have shape [N, T] = {episodes.rewards.shape}, got {weights.shape}")
    scores = policy_score(theta, features)[episodes.states, episodes.actions]  # [N, T, P]
    return np.einsum("ntp,nt->np", scores, np.where(episodes.mask, weights, 0.0))


def expected_update(trajectories: EnumeratedTrajectories, theta, features, weighting: str) -> np.ndarray:
    """E[u] = Σ_τ P(τ) Σ_t w_t ∇_θ log π_θ(a_t|s_t), exactly, for one of :data:`WEIGHTINGS`: [P].

    The expected update of code that makes one gradient step per episode (pytorch/examples, the
    Hugging Face course); with ``"return"`` or ``"reward_to_go"`` it is ∇_θ J (notebook 05).
    """
    check_trajectories(trajectories)
    episodes = as_episodes(trajectories)
    weights = step_weights(episodes, weighting)
    probabilities = trajectories.probabilities(softmax_policy(theta, features))  # [K]
    return probabilities @ weighted_scores(episodes, theta, features, weights)


def gradient_agreement(estimate, exact) -> dict:
    """How an expected update compares with ∇J: component ratios estimate_p / exact_p [P] and the
    cosine of the angle between them (1: the same direction; ratios all equal: a pure rescaling)."""
    estimate = check_real_array(estimate, "estimate", ndim=1)
    exact = check_real_array(exact, "exact", ndim=1)
    if estimate.shape != exact.shape:
        raise ValueError(f"estimate and exact must have the same shape, got {estimate.shape} and {exact.shape}")
    norms = np.linalg.norm(estimate) * np.linalg.norm(exact)
    if norms == 0:
        raise ValueError("estimate and exact must both be nonzero to have an angle")
    with np.errstate(divide="ignore", invalid="ignore"):
        ratios = estimate / exact
    return {"ratios": ratios, "cosine": float(estimate @ exact / norms)}


def stopped_batch_expectation(probabilities, lengths, values, budget: int) -> dict:
    """Exact moments of a batch that draws whole episodes until it holds more than ``budget`` steps.

    Episodes are i.i.d., episode k with probability P_k, length T_k >= 1 and value g_k (its summed
    update); the batch stops at the first episode end with N = Σ_i T_i > budget (Spinning Up's
    rule). Dynamic programming over the running step count n = 0 … budget gives, exactly,

    * ``"sum"``: E[Σ_i g_i] [P] (Wald's identity: = E[M] E[g], M the number of episodes);
    * ``"per_budget"``: E[Σ_i g_i] / budget [P] — a fixed divisor, an exact rescaling of E[g];
    * ``"per_step"``: E[Σ_i g_i / N] [P] — the batch's own step count, a ratio (biased);
    * ``"episodes"``: E[M], ``"steps"``: E[N].

    Args: probabilities [K] (summing to 1), lengths [K] (integers >= 1), values [K, P], budget >= 1.
    """
    probabilities = check_real_array(probabilities, "probabilities", ndim=1)
    if np.any(probabilities < 0) or not np.isclose(probabilities.sum(), 1.0, atol=1e-9):
        raise ValueError("probabilities must be nonnegative and sum to 1")
    lengths = check_real_array(lengths, "lengths", ndim=1)
    if lengths.shape != probabilities.shape or np.any(lengths < 1) or np.any(lengths != np.round(lengths)):
        raise ValueError("lengths must be one whole number >= 1 per episode")
    lengths = lengths.astype(int)
    values = check_real_array(values, "values", ndim=2)
    if values.shape[0] != len(probabilities):
        raise ValueError(f"values must have shape [K={len(probabilities)}, P], got {values.shape}")
    budget = check_count(budget, "budget", 1, 1_000_000)
    size = budget + int(lengths.max()) + 1
    reach = np.zeros(size)  # Pr(the running step count passes through n)
    total = np.zeros((size, values.shape[1]))  # E[Σ_i g_i so far; passing through n]
    reach[0] = 1.0
    for n in range(budget + 1):  # still filling: draw another episode
        if reach[n] == 0.0:
            continue
        for p_k, T_k, g_k in zip(probabilities, lengths, values):
            reach[n + T_k] += reach[n] * p_k
            total[n + T_k] += p_k * (total[n] + reach[n] * g_k)
    steps = np.arange(budget + 1, size)  # the batch ended with N = n > budget
    summed = total[budget + 1 :].sum(axis=0)
    episodes = float(np.sum(reach[budget + 1 :] * steps) / (probabilities @ lengths))  # Wald: E[N] = E[M] E[T]
    return {
        "sum": summed,
        "per_budget": summed / budget,
        "per_step": np.sum(total[budget + 1 :] / steps[:, None], axis=0),
        "episodes": episodes,
        "steps": float(np.sum(reach[budget + 1 :] * steps)),
    }


def step_budget_expectation(
    trajectories: EnumeratedTrajectories, theta, features, budget: int, weighting: str = "undiscounted_return"
) -> dict:
    """:func:`stopped_batch_expectation` of Spinning Up's batch on an enumerable MDP (notebook 05).

    Whole episodes are drawn until the batch holds more than ``budget`` steps; the loss is
    −(1/D) Σ_steps log π(a_t|s_t) w_t with D the budget (``"per_budget"``) or the batch's own step
    count (``"per_step"``, what ``.mean()`` over the batch's steps does). Returns the dict of
    :func:`stopped_batch_expectation` (expected updates [P], E[M] and E[N]).
    """
    check_trajectories(trajectories)
    episodes = as_episodes(trajectories)
    values = weighted_scores(episodes, theta, features, step_weights(episodes, weighting))  # [K, P]
    probabilities = trajectories.probabilities(softmax_policy(theta, features))
    return stopped_batch_expectation(probabilities, trajectories.lengths, values, budget)
