"""Every trajectory of a short horizon, with its probability and score (notebooks 04, 05).

P(τ) = μ(s_0) Π_t π(a_t|s_t) P(s_{t+1}|s_t, a_t) and ∇_θ log P(τ) = Σ_t ∇_θ log π_θ(a_t|s_t), for
every τ at once; J and ∇J as sums over all of them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pgviz.rl.mdp import MDP, check_features, check_mdp, check_pi
from pgviz.rl.policy import policy_score, softmax_policy
from pgviz.rl.rollout import Episodes, check_episodes
from pgviz.validation import check_count

__all__ = [
    "EnumeratedTrajectories",
    "enumerate_trajectories",
    "enumeration_return",
    "enumeration_policy_gradient",
    "trajectory_labels",
    "match_trajectories",
    "check_trajectories",
]


@dataclass(frozen=True, eq=False)
class EnumeratedTrajectories:
    """Every trajectory τ = (s_0, a_0, s_1, ..., s_T) of an MDP up to a horizon (notebook 04).

    Attributes (K trajectories, H the horizon; padding is −1 for states/actions, 0 for rewards):
        states: [K, H + 1]; actions: [K, H]; rewards: [K, H]; lengths: [K] (number of actions);
        log_dynamics: [K], log μ(s_0) + Σ_t log P(s_{t+1}|s_t, a_t) — the part of log P(τ) that
        does not depend on θ; returns: [K], R(τ) = Σ_t γ^t r_t; ended: [K], whether τ reached a
        terminal state (else it was cut at the horizon).
    """

    states: np.ndarray
    actions: np.ndarray
    rewards: np.ndarray
    lengths: np.ndarray
    log_dynamics: np.ndarray
    returns: np.ndarray
    ended: np.ndarray
    mdp: MDP

    def __len__(self) -> int:
        return len(self.lengths)

    def log_policy(self, pi) -> np.ndarray:
        """Σ_t log π(a_t|s_t) for every trajectory, shape [K] (−inf where π(a_t|s_t) = 0)."""
        pi = check_pi(self.mdp, pi)
        mask = self.actions >= 0  # [K, H]
        with np.errstate(divide="ignore"):
            log_pi = np.log(pi)[np.where(mask, self.states[:, :-1], 0), np.where(mask, self.actions, 0)]  # [K, H]
        return np.sum(np.where(mask, log_pi, 0.0), axis=1)

    def probabilities(self, pi) -> np.ndarray:
        """P(τ) = μ(s_0) Π_t π(a_t|s_t) P(s_{t+1}|s_t, a_t) for every trajectory, shape [K]."""
        return np.exp(self.log_dynamics + self.log_policy(pi))

    def scores(self, theta, features) -> np.ndarray:
        """∇_θ log P(τ) = Σ_t ∇_θ log π_θ(a_t|s_t) (the dynamics terms vanish), shape [K, P]."""
        features = check_features(self.mdp, features)
        table = policy_score(theta, features)  # [S, A, P]
        mask = self.actions >= 0  # [K, H]
        per_step = table[np.where(mask, self.states[:, :-1], 0), np.where(mask, self.actions, 0)]
        return np.sum(per_step * mask[..., None], axis=1)  # [K, P]


#: The most trajectories :func:`enumerate_trajectories` lists (a Python loop: about 10 s).
MAX_TRAJECTORIES = 200_000


def check_trajectories(trajectories) -> EnumeratedTrajectories:
    """:class:`EnumeratedTrajectories`, else TypeError."""
    if not isinstance(trajectories, EnumeratedTrajectories):
        raise TypeError(
            f"trajectories must come from pgviz.rl.enumerate_trajectories, got {type(trajectories).__name__}"
        )
    return trajectories


def enumerate_trajectories(mdp: MDP, horizon: int) -> EnumeratedTrajectories:
    """List every trajectory with positive dynamics probability, up to ``horizon`` actions (notebook 04).

    A trajectory stops at a terminal state or after ``horizon`` actions, whichever comes first. Every
    action is kept (a policy may give it probability 0), every next state with P(s'|s, a) > 0 too.
    The probability of each trajectory under a policy is :meth:`EnumeratedTrajectories.probabilities`.

    Args:
        mdp: the MDP; horizon: maximum number of actions (integer >= 1).
    Returns:
        :class:`EnumeratedTrajectories` (K trajectories; K grows like (A · S)^horizon).
    """
    check_mdp(mdp)
    horizon = check_count(horizon, "horizon")
    branching = mdp.num_actions * int(np.max(np.sum(mdp.transitions > 0, axis=2)))
    # An upper bound on K, computed in logs (a huge horizon must not build a huge integer).
    log_bound = horizon * np.log(branching) + np.log(np.sum(mdp.start > 0))
    if log_bound > np.log(MAX_TRAJECTORIES):
        raise ValueError(
            f"horizon={horizon} could enumerate up to {branching}^{horizon} trajectories; at most "
            f"{MAX_TRAJECTORIES:,} are listed (about 10 s): lower the horizon"
        )
    done = []  # (states, actions, rewards, log_dynamics)
    frontier = [([int(s)], [], [], float(np.log(mdp.start[s]))) for s in np.flatnonzero(mdp.start > 0)]
    while frontier:
        states, actions, rewards, log_dyn = frontier.pop()
        s = states[-1]
        if mdp.terminal[s] or len(actions) == horizon:
            done.append((states, actions, rewards, log_dyn))
            continue
        for a in range(mdp.num_actions):
            for s_next in np.flatnonzero(mdp.transitions[s, a] > 0):
                frontier.append(
                    (
                        states + [int(s_next)],
                        actions + [a],
                        rewards + [float(mdp.rewards[s, a])],
                        log_dyn + float(np.log(mdp.transitions[s, a, s_next])),
                    )
                )
    done.reverse()
    num = len(done)
    states = np.full((num, horizon + 1), -1)  # [K, H + 1]
    actions = np.full((num, horizon), -1)  # [K, H]
    rewards = np.zeros((num, horizon))  # [K, H]
    for k, (s_list, a_list, r_list, _) in enumerate(done):
        states[k, : len(s_list)] = s_list
        actions[k, : len(a_list)] = a_list
        rewards[k, : len(r_list)] = r_list
    lengths = np.array([len(item[1]) for item in done])  # [K]
    ended = np.array([bool(mdp.terminal[item[0][-1]]) for item in done])  # [K]
    discount = mdp.gamma ** np.arange(horizon)  # [H]
    return EnumeratedTrajectories(
        states=states,
        actions=actions,
        rewards=rewards,
        lengths=lengths,
        log_dynamics=np.array([item[3] for item in done]),
        returns=rewards @ discount,
        ended=ended,
        mdp=mdp,
    )


def enumeration_return(trajectories: EnumeratedTrajectories, pi) -> float:
    """J = Σ_τ P(τ) R(τ) over every enumerated trajectory (notebook 04)."""
    check_trajectories(trajectories)
    return float(trajectories.probabilities(pi) @ trajectories.returns)


def enumeration_policy_gradient(trajectories: EnumeratedTrajectories, theta, features) -> np.ndarray:
    """∇_θ J = Σ_τ P(τ) ∇_θ log P(τ) R(τ), summed over every enumerated trajectory (notebook 04).

    Equals :func:`exact_policy_gradient` when every episode ends within the horizon; otherwise it is
    the exact gradient of the return truncated at the horizon.

    Returns:
        shape [P].
    """
    check_trajectories(trajectories)
    features = check_features(trajectories.mdp, features)
    pi = softmax_policy(theta, features)
    weights = trajectories.probabilities(pi) * trajectories.returns  # [K]
    return weights @ trajectories.scores(theta, features)


def trajectory_labels(trajectories: EnumeratedTrajectories) -> list[str]:
    """Each trajectory as text, e.g. ``"s0 -right-> s1 -left-> end"`` (notebooks 04, 05)."""
    check_trajectories(trajectories)
    names_s, names_a = trajectories.mdp.states, trajectories.mdp.actions
    labels = []
    for states, actions, length in zip(trajectories.states, trajectories.actions, trajectories.lengths):
        text = names_s[states[0]]
        for t in range(length):
            text += f" -{names_a[actions[t]]}-> {names_s[states[t + 1]]}"
        labels.append(text)
    return labels


def match_trajectories(trajectories: EnumeratedTrajectories, episodes: Episodes) -> np.ndarray:
    """Index k of the enumerated trajectory each sampled episode is, shape [N] (notebook 05).

    −1 when there is none, or when several differ only in the final state (not kept in Episodes).
    """
    check_trajectories(trajectories)
    check_episodes(episodes)
    horizon = trajectories.actions.shape[1]
    fits = episodes.lengths <= horizon  # [N]: a longer episode is no enumerated trajectory
    pad = max(horizon - episodes.states.shape[1], 0)
    actions = np.pad(np.where(episodes.mask, episodes.actions, -1), ((0, 0), (0, pad)), constant_values=-1)
    states = np.pad(np.where(episodes.mask, episodes.states, -1), ((0, 0), (0, pad)), constant_values=-1)
    actions, states = actions[:, :horizon], states[:, :horizon]  # [N, H]
    enumerated_states = np.where(trajectories.actions >= 0, trajectories.states[:, :-1], -1)  # [K, H]
    same = np.all(actions[:, None, :] == trajectories.actions[None], axis=2) & np.all(
        states[:, None, :] == enumerated_states[None], axis=2
    )  # [N, K]
    # Episodes do not store the final (terminal) state: a match must be unique to count
    unique = same.sum(axis=1) == 1
    return np.where(unique & fits, np.argmax(same, axis=1), -1)
