"""Plain NumPy reference versions of the RL wing's compiled loops, written from the book, for the tests.

Nothing here imports the loops it checks: an episode is generated and REINFORCE is run step by
step exactly as Sutton & Barto (2nd ed., Sections 13.3-13.4) print them, drawing one uniform from
the Generator per random choice in the order the episode happens - the start state, then per step
the action and the next state - each turned into an index by the inverse CDF. The compiled
``pgviz.rl.rollout`` and ``pgviz.rl.reinforce_learning_curves`` must give the same numbers.
"""

from __future__ import annotations

import math

import numpy as np


def sample_index(probabilities: np.ndarray, u: float) -> int:
    """The first k with u < p_0 + ... + p_k (the last index when rounding leaves none)."""
    return int(np.searchsorted(np.cumsum(probabilities)[:-1], u, side="right"))


def policy_table(theta: np.ndarray, features: np.ndarray, min_prob: float) -> np.ndarray:
    """pi(a|s) = exp(theta . x(s, a)) / sum_b exp(theta . x(s, b)) [S, A], clipped to
    [min_prob, 1 - (A - 1) min_prob] and renormalized when min_prob > 0.

    The exponentials are the C library's (math.exp), as in compiled code; NumPy's own np.exp
    differs from it in the last bit for a few percent of arguments.
    """
    logits = (features * theta).sum(axis=-1)  # [S, A]
    weights = np.array([[math.exp(z - row.max()) for z in row] for row in logits])
    pi = weights / weights.sum(axis=-1, keepdims=True)
    if min_prob > 0:
        pi = np.clip(pi, min_prob, 1 - (pi.shape[-1] - 1) * min_prob)
        pi = pi / pi.sum(axis=-1, keepdims=True)
    return pi


def generate_episode(mdp, pi: np.ndarray, rng: np.random.Generator, max_steps: int):
    """S_0 ~ mu, then A_t ~ pi(.|S_t), S_{t+1} ~ P(.|S_t, A_t), R_{t+1} = r(S_t, A_t), until a
    terminal state or ``max_steps`` actions. Returns (states, actions, rewards, cut) as lists and a bool."""
    states, actions, rewards = [], [], []
    s = sample_index(mdp.start, rng.random())
    for _ in range(max_steps):
        if mdp.terminal[s]:
            return states, actions, rewards, False
        a = sample_index(pi[s], rng.random())
        states.append(s)
        actions.append(a)
        rewards.append(float(mdp.rewards[s, a]))
        s = sample_index(mdp.transitions[s, a], rng.random())
    return states, actions, rewards, not mdp.terminal[s]


def reinforce_run(
    mdp,
    features,
    theta0,
    alpha,
    alpha_w,
    num_episodes,
    rng,
    max_steps=1000,
    min_prob=0.0,
    collapse_below=1e-3,
):
    """One run of REINFORCE with a learned constant baseline v(s, w) = w (alpha_w = 0: none).

    Loop for each episode: generate it following pi(.|., theta); for t = 0, ..., T - 1:
    G = sum_{k=t+1}^{T} gamma^{k-t-1} R_k (summed forwards here), delta = G - w, w += alpha_w delta,
    theta += alpha gamma^t delta grad log pi(A_t|S_t, theta) with pi and its score at the current
    theta. A run stops (collapses) at an episode whose start policy gives an action less than
    ``collapse_below`` right after an episode was cut at ``max_steps``.

    Returns a dict with the per-episode total_reward [E] and policy [E, A] (NaN after a stop),
    truncated [E], the final theta [P] and w, and collapsed_at (-1: never).
    """
    gamma = mdp.gamma
    theta, w = np.array(theta0, dtype=float), 0.0
    s_0 = int(np.argmax(mdp.start))
    total_reward = np.full(num_episodes, np.nan)
    policy = np.full((num_episodes, features.shape[1]), np.nan)
    truncated = np.zeros(num_episodes, dtype=bool)
    collapsed_at = -1
    for episode in range(num_episodes):
        pi = policy_table(theta, features, min_prob)
        policy[episode] = pi[s_0]
        if episode > 0 and truncated[episode - 1] and pi[s_0].min() < collapse_below:
            collapsed_at = episode
            break
        states, actions, rewards, truncated[episode] = generate_episode(mdp, pi, rng, max_steps)
        total_reward[episode] = sum(rewards)
        T = len(states)
        for t in range(T):
            G = sum(gamma ** (k - t) * rewards[k] for k in range(t, T))
            delta = G - w
            w += alpha_w * delta
            s, a = states[t], actions[t]
            pi_s = policy_table(theta, features[s : s + 1], min_prob)[0]
            score = features[s, a] - (pi_s[:, None] * features[s]).sum(axis=0)
            theta = theta + alpha * gamma**t * delta * score
    return {
        "total_reward": total_reward,
        "policy": policy,
        "truncated": truncated,
        "theta": theta,
        "w": w,
        "collapsed_at": collapsed_at,
    }
