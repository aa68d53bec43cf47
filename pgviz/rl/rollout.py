"""Sampling episodes: one step function, shared by everything that simulates (notebooks 04-06).

s_0 ~ μ, a_t ~ π(·|s_t), s_{t+1} ~ P(·|s_t, a_t), r_t = r(s_t, a_t), until a terminal state or
``max_steps`` actions. :func:`step` is one transition; :func:`generate_episode` is the loop "generate
an episode following π" of Sutton & Barto's pseudocode, which both :func:`rollout` and the
REINFORCE loop of :mod:`pgviz.rl.learning_curves` call. Each draws its uniforms from the
``numpy.random.Generator`` it is given, in the order the episode happens (start state; then per
step the action, then the next state). Compiled with numba (:mod:`pgviz.compiled`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pgviz.compiled import jit
from pgviz.rl.exact import expected_length
from pgviz.rl.mdp import MDP, check_mdp, check_pi
from pgviz.validation import check_count, check_rng

__all__ = ["Episodes", "rollout", "check_episodes", "sample_index", "step", "generate_episode", "MAX_STEPS"]

#: The most steps one rollout stores (24 bytes each: 1.2 GB), and the most it pads to [N, T].
MAX_STEPS = 5 * 10**7


@dataclass(frozen=True, eq=False)
class Episodes:
    """N sampled episodes, padded to the longest (T steps); step t of episode i is valid if t < lengths[i].

    Attributes: states [N, T] (s_t), actions [N, T] (a_t), rewards [N, T] (r_t, 0 in the padding),
    lengths [N], truncated [N] (cut at ``max_steps`` before reaching a terminal state), gamma.
    """

    states: np.ndarray
    actions: np.ndarray
    rewards: np.ndarray
    lengths: np.ndarray
    truncated: np.ndarray
    gamma: float

    @property
    def mask(self) -> np.ndarray:
        """[N, T] bool: which steps are real (not padding)."""
        return np.arange(self.states.shape[1]) < self.lengths[:, None]

    @property
    def returns(self) -> np.ndarray:
        """R(τ_i) = Σ_t γ^t r_t, shape [N]."""
        return self.rewards @ (self.gamma ** np.arange(self.rewards.shape[1]))

    def __len__(self) -> int:
        return len(self.lengths)


def check_episodes(episodes, features=None) -> Episodes:
    """:class:`Episodes` whose arrays agree with each other (and, given ``features`` [S, A, P],
    whose states and actions index them), else TypeError/ValueError."""
    if not isinstance(episodes, Episodes):
        raise TypeError(f"episodes must come from pgviz.rl.rollout, got {type(episodes).__name__}")
    arrays = (episodes.states, episodes.actions, episodes.rewards)
    if any(np.ndim(a) != 2 or np.shape(a) != np.shape(episodes.states) for a in arrays) or np.shape(
        episodes.lengths
    ) != (np.shape(episodes.states)[0],):
        raise ValueError("episodes: states, actions and rewards must share one shape [N, T], lengths must be [N]")
    if np.any(episodes.lengths < 0) or np.any(episodes.lengths > episodes.states.shape[1]):
        raise ValueError("episodes: every length must be in [0, T]")
    if features is not None and episodes.states.size:
        mask = episodes.mask
        states, actions = episodes.states[mask], episodes.actions[mask]
        if states.size and (states.min() < 0 or states.max() >= features.shape[0]):
            raise ValueError(f"episodes visit a state outside the {features.shape[0]} states of features [S, A, P]")
        if actions.size and (actions.min() < 0 or actions.max() >= features.shape[1]):
            raise ValueError(f"episodes take an action outside the {features.shape[1]} actions of features [S, A, P]")
    return episodes


@jit
def sample_index(probabilities, u):
    """The index k drawn by one uniform u: the first k with u < p_0 + ... + p_k (inverse CDF)."""
    total = 0.0
    for k in range(probabilities.shape[0] - 1):
        total += probabilities[k]
        if u < total:
            return k
    return probabilities.shape[0] - 1


@jit
def step(transitions, rewards, s, a, u):
    """One transition: s' ~ P(·|s, a) by the uniform u, and the reward r(s, a). Returns (s', r)."""
    return sample_index(transitions[s, a], u), rewards[s, a]


@jit
def generate_episode(mdp, pi, max_steps, rng, states, actions, step_rewards):
    """Generate an episode S_0, A_0, R_1, ..., following the policy table ``pi`` [S, A].

    ``mdp`` is :attr:`MDP.arrays`.
    Writes s_t, a_t, r_t into the buffers ``states``, ``actions``, ``step_rewards`` (each at least
    ``max_steps`` long) and returns (T, cut): the number of actions taken, and whether the episode
    was cut at ``max_steps`` before reaching a terminal state.
    """
    start, transitions, rewards, terminal, _ = mdp
    s = sample_index(start, rng.random())
    for t in range(max_steps):
        if terminal[s]:
            return t, False
        a = sample_index(pi[s], rng.random())
        states[t], actions[t] = s, a
        s, step_rewards[t] = step(transitions, rewards, s, a, rng.random())
    return max_steps, not terminal[s]


@jit
def _rollout(mdp, pi, num_episodes, max_steps, rng):
    """``num_episodes`` calls of :func:`generate_episode`, their steps concatenated: (flat states,
    flat actions, flat rewards [sum of T_i], lengths [N], cut [N])."""
    states, actions, step_rewards = (np.empty(max_steps, np.int64), np.empty(max_steps, np.int64), np.empty(max_steps))
    lengths, cut = np.empty(num_episodes, np.int64), np.empty(num_episodes, np.bool_)
    capacity, used = 1024, 0
    all_states, all_actions, all_rewards = (
        np.empty(capacity, np.int64),
        np.empty(capacity, np.int64),
        np.empty(capacity),
    )
    for i in range(num_episodes):
        T, cut[i] = generate_episode(mdp, pi, max_steps, rng, states, actions, step_rewards)
        lengths[i] = T
        while used + T > capacity:  # grow the flat buffers by doubling
            capacity *= 2
            all_states, all_actions, all_rewards = (
                np.concatenate((all_states, all_states)),
                np.concatenate((all_actions, all_actions)),
                np.concatenate((all_rewards, all_rewards)),
            )
        all_states[used : used + T] = states[:T]
        all_actions[used : used + T] = actions[:T]
        all_rewards[used : used + T] = step_rewards[:T]
        used += T
    return all_states[:used], all_actions[:used], all_rewards[:used], lengths, cut


def rollout(mdp: MDP, pi, num_episodes: int, rng: np.random.Generator, max_steps: int = 10_000) -> Episodes:
    """Sample ``num_episodes`` episodes of policy ``pi``, one after the other (notebooks 04-06).

    s_0 ~ μ, a_t ~ π(·|s_t), s_{t+1} ~ P(·|s_t, a_t), until a terminal state or ``max_steps``
    (:func:`generate_episode`, compiled).

    Args:
        mdp: the MDP.
        pi: action probabilities [S, A].
        num_episodes: N >= 1.
        rng: the random Generator.
        max_steps: episodes still running after this many steps are cut (``Episodes.truncated``).
    Returns:
        :class:`Episodes` with arrays [N, T], T the longest episode.
    """
    check_mdp(mdp)
    pi = check_pi(mdp, pi)
    num_episodes = check_count(num_episodes, "num_episodes", 1, MAX_STEPS)
    rng = check_rng(rng)
    max_steps = check_count(max_steps, "max_steps", 1, MAX_STEPS)
    expected = num_episodes * min(max_steps, expected_length(mdp, pi))
    if expected > MAX_STEPS:
        raise ValueError(
            f"num_episodes x the expected episode length (capped at max_steps) is {expected:.3g} steps; "
            f"rollout simulates at most {MAX_STEPS:,} (24 bytes a step): lower num_episodes or max_steps"
        )
    flat_states, flat_actions, flat_rewards, lengths, cut = _rollout(mdp.arrays, pi, num_episodes, max_steps, rng)
    width = int(lengths.max()) if num_episodes else 0
    if num_episodes * width > MAX_STEPS:
        raise ValueError(
            f"the longest episode has {width:,} steps: padding all {num_episodes:,} to it would hold "
            f"{num_episodes * width:.3g} steps (at most {MAX_STEPS:,}); lower max_steps or num_episodes"
        )
    mask = np.arange(width) < lengths[:, None]  # [N, T]
    states, actions = np.zeros((num_episodes, width), dtype=int), np.zeros((num_episodes, width), dtype=int)
    rewards = np.zeros((num_episodes, width))
    states[mask], actions[mask], rewards[mask] = flat_states, flat_actions, flat_rewards  # row-major order
    return Episodes(states=states, actions=actions, rewards=rewards, lengths=lengths, truncated=cut, gamma=mdp.gamma)
