"""The MDPs of the series and of its tests, with their features (notebooks 04-06).

* :func:`short_corridor` with :func:`corridor_features`: Sutton & Barto (2nd ed.), Example 13.1;
* :func:`tiny_mdp` with :func:`tiny_features`: ten trajectories, every one enumerable (notebook 04);
* :func:`chain_mdp` and :func:`random_mdp`: episodes of unbounded length, and no structure (tests).
"""

from __future__ import annotations

import numpy as np

from pgviz.rl.mdp import MDP
from pgviz.validation import check_count, check_in_range, check_rng

__all__ = ["short_corridor", "corridor_features", "tiny_mdp", "tiny_features", "chain_mdp", "random_mdp"]


def short_corridor() -> MDP:
    """Sutton & Barto (2nd ed.), Example 13.1: the short corridor with switched actions.

    Three non-terminal states that the policy cannot tell apart, then the goal G (terminal).
    In states 0 and 2 ``right`` moves right and ``left`` moves left (``left`` in state 0 stays);
    in state 1 the actions are switched. Reward −1 per step, γ = 1, start in state 0. Layout as in
    ShangtongZhang/reinforcement-learning-an-introduction, ``chapter13/short_corridor.py``.
    With p = π(right), the start value is J(p) = (2p − 4) / (p (1 − p)) (notebook 06).

    Returns an :class:`MDP` with ``actions == ("left", "right")`` and 4 states (the last terminal).
    """
    num_states, left, right = 4, 0, 1
    next_state = {
        (0, left): 0,
        (0, right): 1,
        (1, left): 2,
        (1, right): 0,  # switched
        (2, left): 1,
        (2, right): 3,
        (3, left): 3,
        (3, right): 3,
    }
    transitions = np.zeros((num_states, 2, num_states))  # [S, A, S]
    for (s, a), s_next in next_state.items():
        transitions[s, a, s_next] = 1.0
    rewards = np.full((num_states, 2), -1.0)  # [S, A]
    rewards[3] = 0.0
    return MDP(
        transitions=transitions,
        rewards=rewards,
        start=np.eye(num_states)[0],
        terminal=np.array([False, False, False, True]),
        gamma=1.0,
        actions=("left", "right"),
        states=("s0", "s1 (switched)", "s2", "G"),
    )


def corridor_features(num_states: int = 4) -> np.ndarray:
    """The corridor's state-blind features: x(s, right) = [1, 0], x(s, left) = [0, 1] for every s.

    Sutton & Barto (2nd ed.), Example 13.1. Returns shape [S, A=2, P=2] (actions ordered
    ``("left", "right")``), so π(right) = σ(θ_0 − θ_1) in every state.
    """
    num_states = check_count(num_states, "num_states")
    features = np.zeros((num_states, 2, 2))  # [S, A, P]
    features[:, 1, 0] = 1.0  # right
    features[:, 0, 1] = 1.0  # left
    return features


def tiny_mdp(gamma: float = 0.9, detour: float = 0.5) -> MDP:
    """A tiny MDP whose episodes end surely after two or three steps: 10 trajectories (notebook 04).

    States ``s0, s1, s2`` and the terminal ``end``; actions ``("left", "right")``.

    * ``s0``: ``left`` -> ``s1``, reward 0; ``right`` -> ``s1`` or ``s2`` (1/2 each), reward 1.
    * ``s1``: ``left`` -> ``end``, reward 1; ``right`` -> ``s2`` with probability ``detour`` (default
      1/2), else ``end``, reward 0. With ``detour = 0`` every episode lasts exactly two steps.
    * ``s2``: ``left`` -> ``end``, reward 0; ``right`` -> ``end``, reward 2.

    Start in ``s0``. Because every episode ends within 3 steps, enumerating the trajectories of
    horizon 3 gives the exact return and gradient of the infinite-horizon problem. Pair it with
    :func:`tiny_features` (π(right|s) = σ(θ_s)).
    """
    detour = check_in_range(detour, "detour", 0.0, 1.0)
    transitions = np.zeros((4, 2, 4))  # [S, A, S]
    transitions[0, 0, 1] = 1.0
    transitions[0, 1, [1, 2]] = 0.5
    transitions[1, 0, 3] = 1.0
    transitions[1, 1, 3] = 1.0 - detour
    transitions[1, 1, 2] = detour
    transitions[2, :, 3] = 1.0
    transitions[3, :, 3] = 1.0
    rewards = np.array([[0.0, 1.0], [1.0, 0.0], [0.0, 2.0], [0.0, 0.0]])  # [S, A]
    return MDP(
        transitions=transitions,
        rewards=rewards,
        start=np.eye(4)[0],
        terminal=np.array([False, False, False, True]),
        gamma=gamma,
        actions=("left", "right"),
        states=("s0", "s1", "s2", "end"),
    )


def tiny_features() -> np.ndarray:
    """Features of :func:`tiny_mdp`: x(s, right) = e_s, x(s, left) = 0, so π(right|s) = σ(θ_s).

    Returns shape [S=4, A=2, P=3] (the terminal state has zero features).
    """
    features = np.zeros((4, 2, 3))  # [S, A, P]
    features[[0, 1, 2], 1, [0, 1, 2]] = 1.0
    return features


def chain_mdp(num_states: int = 4, gamma: float = 0.9, slip: float = 0.1) -> MDP:
    """A chain of ``num_states`` non-terminal states and a goal at the right end.

    ``right`` moves one state right, ``left`` one state left (staying at the wall), each slipping to
    the other direction with probability ``slip``. Reward −1 per step, +10 on reaching the goal.
    Start at the left end. Used in tests as a second MDP whose episodes have no length bound.
    """
    num_states = check_count(num_states, "num_states", 2)
    slip = check_in_range(slip, "slip", 0.0, 1.0, high_open=True)
    size = num_states + 1  # goal last
    transitions = np.zeros((size, 2, size))  # [S, A, S]
    rewards = np.full((size, 2), -1.0)  # [S, A]
    for s in range(num_states):
        left_of, right_of = max(s - 1, 0), s + 1
        transitions[s, 0, left_of] += 1 - slip
        transitions[s, 0, right_of] += slip
        transitions[s, 1, right_of] += 1 - slip
        transitions[s, 1, left_of] += slip
        rewards[s] += 10.0 * transitions[s, :, num_states]
    transitions[num_states, :, num_states] = 1.0
    rewards[num_states] = 0.0
    terminal = np.zeros(size, dtype=bool)
    terminal[-1] = True
    return MDP(
        transitions=transitions,
        rewards=rewards,
        start=np.eye(size)[0],
        terminal=terminal,
        gamma=gamma,
        actions=("left", "right"),
    )


def random_mdp(
    rng: np.random.Generator, num_states: int = 4, num_actions: int = 3, gamma: float = 0.8, terminate: float = 0.2
) -> MDP:
    """A random MDP: Dirichlet transitions, normal rewards, one terminal state reached w.p. ``terminate``.

    Used in tests as an MDP with no structure. Shapes: ``num_states`` non-terminal states plus one
    terminal state; every action ends the episode with probability ``terminate``.
    """
    check_rng(rng)
    num_states = check_count(num_states, "num_states")
    num_actions = check_count(num_actions, "num_actions")
    terminate = check_in_range(terminate, "terminate", 0.0, 1.0, low_open=True)
    size = num_states + 1
    transitions = np.zeros((size, num_actions, size))  # [S, A, S]
    transitions[:num_states, :, :num_states] = (1 - terminate) * rng.dirichlet(
        np.ones(num_states), size=(num_states, num_actions)
    )
    transitions[:num_states, :, num_states] = terminate
    transitions[num_states, :, num_states] = 1.0
    rewards = rng.normal(size=(size, num_actions))  # [S, A]
    rewards[num_states] = 0.0
    start = np.append(rng.dirichlet(np.ones(num_states)), 0.0)
    terminal = np.zeros(size, dtype=bool)
    terminal[-1] = True
    return MDP(
        transitions=transitions,
        rewards=rewards,
        start=start,
        terminal=terminal,
        gamma=gamma,
        actions=tuple(f"a{i}" for i in range(num_actions)),
    )
