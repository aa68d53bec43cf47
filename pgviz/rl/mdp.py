"""The finite MDP of the RL wing, and the checks every function of :mod:`pgviz.rl` runs on its arguments.

Shape letters: N episodes (or runs), S states, A actions, P parameters, T steps, K trajectories.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pgviz.validation import check_in_range, check_real_array

__all__ = ["MDP", "check_mdp", "check_pi", "check_features", "check_theta", "check_probability_rows"]


#: The largest reward size: a return sums up to millions of rewards, and must stay finite.
MAX_REWARD = 1e100


@dataclass(frozen=True, eq=False)
class MDP:
    """A finite, frozen Markov decision process (notebook 04).

    Args:
        transitions: ``P(s'|s, a)``, shape [S, A, S]; each row sums to 1.
        rewards: expected reward ``r(s, a)`` on leaving ``s`` with ``a``, shape [S, A].
        start: start distribution ``μ(s_0)``, shape [S].
        terminal: which states end the episode, shape [S] (bool). Terminal states have value 0.
        gamma: discount ``γ`` in [0, 1].
        actions: names of the actions, length A.
        states: names of the states, length S (default ``"s0", "s1", ...``).
    """

    transitions: np.ndarray
    rewards: np.ndarray
    start: np.ndarray
    terminal: np.ndarray
    gamma: float
    actions: tuple
    states: tuple = ()

    def __post_init__(self):
        transitions = check_real_array(self.transitions, "transitions")
        if transitions.ndim != 3 or transitions.shape[0] != transitions.shape[2]:
            raise ValueError(f"transitions must have shape [S, A, S], got {transitions.shape}")
        num_states, num_actions, _ = transitions.shape
        if num_states < 1 or num_actions < 1:
            raise ValueError("transitions must have at least one state and one action")
        check_probability_rows(transitions, "transitions")
        rewards = check_real_array(self.rewards, "rewards")
        if rewards.shape != (num_states, num_actions):
            raise ValueError(f"rewards must have shape [S, A] = [{num_states}, {num_actions}], got {rewards.shape}")
        if np.abs(rewards).max() > MAX_REWARD:
            raise ValueError(f"rewards must be at most {MAX_REWARD:g} in size (returns sum many of them)")
        start = check_real_array(self.start, "start")
        if start.shape != (num_states,):
            raise ValueError(f"start must have shape [S] = [{num_states}], got {start.shape}")
        check_probability_rows(start, "start")
        terminal = np.asarray(self.terminal)
        if terminal.shape != (num_states,) or terminal.dtype != bool:
            raise ValueError(f"terminal must be a bool array of shape [S] = [{num_states}]")
        if terminal.all():
            raise ValueError("terminal must leave at least one state non-terminal")
        gamma = check_in_range(self.gamma, "gamma", 0.0, 1.0)
        if isinstance(self.actions, str) or not isinstance(self.actions, (tuple, list)):
            raise TypeError(f"actions must be a tuple of {num_actions} names (str), got {self.actions!r}")
        actions = tuple(self.actions)
        if len(actions) != num_actions or not all(isinstance(a, str) for a in actions):
            raise ValueError(f"actions must be {num_actions} names (str), got {self.actions!r}")
        if isinstance(self.states, str) or not isinstance(self.states, (tuple, list)):
            raise TypeError(f"states must be a tuple of {num_states} names (str), got {self.states!r}")
        states = tuple(self.states) or tuple(f"s{i}" for i in range(num_states))
        if len(states) != num_states or not all(isinstance(name, str) for name in states):
            raise ValueError(f"states must be {num_states} names, got {self.states!r}")
        for name, value in (
            ("transitions", transitions),
            ("rewards", rewards),
            ("start", start),
            ("terminal", terminal.copy()),
        ):
            value.setflags(write=False)
            object.__setattr__(self, name, value)
        object.__setattr__(self, "gamma", gamma)
        object.__setattr__(self, "actions", actions)
        object.__setattr__(self, "states", states)

    @property
    def num_states(self) -> int:
        """Number of states S (terminal ones included)."""
        return self.transitions.shape[0]

    @property
    def num_actions(self) -> int:
        """Number of actions A."""
        return self.transitions.shape[1]

    @property
    def arrays(self) -> tuple:
        """``(start, transitions, rewards, terminal, gamma)``: the MDP as the compiled loops take it."""
        return self.start, self.transitions, self.rewards, self.terminal, self.gamma


#: Tolerance of "sums to 1" for the rows of a probability table.
PROBABILITY_ATOL = 1e-9


def check_mdp(mdp) -> MDP:
    """A :class:`MDP`, else TypeError."""
    if not isinstance(mdp, MDP):
        raise TypeError(f"mdp must be a pgviz.rl.MDP, got {type(mdp).__name__}")
    return mdp


def check_probability_rows(array: np.ndarray, name: str) -> None:
    """Rows of probabilities over the last axis: nonnegative, each summing to 1."""
    if np.any(array < 0):
        raise ValueError(f"{name} must be nonnegative (probabilities)")
    if not np.allclose(array.sum(axis=-1), 1.0, atol=PROBABILITY_ATOL):
        raise ValueError(f"{name} must sum to 1 over its last axis (probabilities)")


def check_pi(mdp: MDP, pi, name: str = "pi") -> np.ndarray:
    """Action probabilities [S, A] of a policy on ``mdp``."""
    pi = check_real_array(pi, name)
    shape = (mdp.num_states, mdp.num_actions)
    if pi.shape != shape:
        raise ValueError(f"{name} must have shape [{shape[0]}, {shape[1]}] (states x actions), got {pi.shape}")
    check_probability_rows(pi, name)
    return pi


def check_features(mdp: MDP | None, features) -> np.ndarray:
    """Features x(s, a) [S, A, P] (with ``mdp``: S and A of the MDP)."""
    features = check_real_array(features, "features")
    if features.ndim != 3 or features.shape[2] < 1:
        raise ValueError(f"features must have shape [S, A, P] with P >= 1, got {features.shape}")
    if mdp is not None and features.shape[:2] != (mdp.num_states, mdp.num_actions):
        raise ValueError(f"features must have shape [S={mdp.num_states}, A={mdp.num_actions}, P], got {features.shape}")
    return features


def check_theta(theta, features: np.ndarray) -> np.ndarray:
    """Parameters θ [P] of a softmax policy over ``features`` [S, A, P]."""
    theta = check_real_array(theta, "theta")
    num_params = features.shape[-1]
    if theta.shape != (num_params,):
        raise ValueError(f"theta must have shape [{num_params}] (one entry per feature), got {theta.shape}")
    with np.errstate(all="ignore"):
        logits = features @ theta  # [S, A]
    if not np.all(np.isfinite(logits)):
        raise ValueError("theta is too large: the logits theta·x(s, a) overflow (keep |theta·x| below about 1e300)")
    return theta
