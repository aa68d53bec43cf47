"""Small tabular MDPs with exact answers: returns, policy gradients, every trajectory, REINFORCE.

Everything a policy-gradient estimate is compared against is computed exactly here:

* :func:`exact_return` solves the Bellman equations ``(I - γ P_π) V = r_π`` (notebooks 04, 06);
* :func:`exact_policy_gradient` uses the policy gradient theorem with exact discounted visit
  counts and action values (two linear solves, notebook 04);
* :func:`enumerate_trajectories` lists every trajectory of a short horizon with its probability
  ``P(τ) = μ(s_0) Π_t π(a_t|s_t) P(s_{t+1}|s_t, a_t)`` (notebook 04);
* :func:`rollout` samples many episodes at once, in lockstep with NumPy, and
  :func:`reinforce_gradients` turns them into REINFORCE estimates, with or without a baseline and
  reward-to-go (notebooks 04–06);
* :func:`short_corridor` and :func:`reinforce_learning_curves` reproduce Sutton & Barto (2nd ed.),
  Example 13.1 and Figures 13.1 and 13.2 (notebook 06).

Shape letters: N episodes (or runs), S states, A actions, P parameters, T steps, K trajectories.
"""

from __future__ import annotations

import itertools
import numbers
from dataclasses import dataclass

import numpy as np

from pgviz.validation import check_count, check_positive, check_rng

__all__ = [
    "MDP",
    "Episodes",
    "EnumeratedTrajectories",
    "short_corridor",
    "corridor_features",
    "tiny_mdp",
    "tiny_features",
    "chain_mdp",
    "random_mdp",
    "softmax_policy",
    "policy_score",
    "state_values",
    "action_values",
    "exact_return",
    "discounted_visits",
    "exact_policy_gradient",
    "enumerate_trajectories",
    "enumeration_return",
    "enumeration_policy_gradient",
    "rollout",
    "reinforce_gradients",
    "surrogate_loss",
    "surrogate_loss_gradient",
    "averaged_gradient",
    "reinforce_learning_curves",
    "finite_difference_gradient",
    "trajectory_labels",
    "match_trajectories",
    "reinforce_training",
    "estimator_statistics",
    "LearningCurves",
    "REDUCTIONS",
    "ESTIMATORS",
]

_ATOL = 1e-9


# --------------------------------------------------------------------------------------------
# input checks: each raises before any work, naming the argument and what is allowed
# --------------------------------------------------------------------------------------------
def _check_mdp(mdp) -> None:
    if not isinstance(mdp, MDP):
        raise TypeError(f"mdp must be a pgviz.MDP, got {type(mdp).__name__}")


def _as_float_array(value, name: str) -> np.ndarray:
    try:
        array = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be an array of real numbers") from None
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{name} must contain only finite numbers")
    return array


def _check_distribution_rows(array: np.ndarray, name: str) -> None:
    if np.any(array < 0):
        raise ValueError(f"{name} must be nonnegative (probabilities)")
    if not np.allclose(array.sum(axis=-1), 1.0, atol=_ATOL):
        raise ValueError(f"{name} must sum to 1 over its last axis (probabilities)")


def _check_pi(mdp: MDP, pi, name: str = "pi", allow_batch: bool = False) -> np.ndarray:
    pi = _as_float_array(pi, name)
    shape = (mdp.num_states, mdp.num_actions)
    if not (pi.shape == shape or (allow_batch and pi.ndim == 3 and pi.shape[1:] == shape)):
        allowed = f"[{shape[0]}, {shape[1]}]" + (" or [N, S, A]" if allow_batch else "")
        raise ValueError(f"{name} must have shape {allowed} (states x actions), got {pi.shape}")
    _check_distribution_rows(pi, name)
    return pi


def _check_features(mdp: MDP, features) -> np.ndarray:
    features = _as_float_array(features, "features")
    if features.ndim != 3 or features.shape[:2] != (mdp.num_states, mdp.num_actions):
        raise ValueError(f"features must have shape [S={mdp.num_states}, A={mdp.num_actions}, P], "
                         f"got {features.shape}")
    return features


def _check_theta(theta, features: np.ndarray, allow_batch: bool = False) -> np.ndarray:
    theta = _as_float_array(theta, "theta")
    num_params = features.shape[-1]
    if not (theta.shape == (num_params,) or (allow_batch and theta.ndim == 2
                                                and theta.shape[1] == num_params)):
        allowed = f"[{num_params}]" + (" or [N, P]" if allow_batch else "")
        raise ValueError(f"theta must have shape {allowed} (one entry per feature), got {theta.shape}")
    return theta


# --------------------------------------------------------------------------------------------
# the MDP
# --------------------------------------------------------------------------------------------
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
        transitions = _as_float_array(self.transitions, "transitions")
        if transitions.ndim != 3 or transitions.shape[0] != transitions.shape[2]:
            raise ValueError(f"transitions must have shape [S, A, S], got {transitions.shape}")
        num_states, num_actions, _ = transitions.shape
        if num_states < 1 or num_actions < 1:
            raise ValueError("transitions must have at least one state and one action")
        _check_distribution_rows(transitions, "transitions")
        rewards = _as_float_array(self.rewards, "rewards")
        if rewards.shape != (num_states, num_actions):
            raise ValueError(f"rewards must have shape [S, A] = [{num_states}, {num_actions}], "
                             f"got {rewards.shape}")
        start = _as_float_array(self.start, "start")
        if start.shape != (num_states,):
            raise ValueError(f"start must have shape [S] = [{num_states}], got {start.shape}")
        _check_distribution_rows(start, "start")
        terminal = np.asarray(self.terminal)
        if terminal.shape != (num_states,) or terminal.dtype != bool:
            raise ValueError(f"terminal must be a bool array of shape [S] = [{num_states}]")
        if terminal.all():
            raise ValueError("terminal must leave at least one state non-terminal")
        if isinstance(self.gamma, bool) or not isinstance(self.gamma, numbers.Real):
            raise TypeError(f"gamma must be a real number in [0, 1], got {type(self.gamma).__name__}")
        if not 0.0 <= self.gamma <= 1.0:
            raise ValueError(f"gamma must be in [0, 1], got {self.gamma}")
        actions = tuple(self.actions)
        if len(actions) != num_actions or not all(isinstance(a, str) for a in actions):
            raise ValueError(f"actions must be {num_actions} names (str), got {self.actions!r}")
        states = tuple(self.states) or tuple(f"s{i}" for i in range(num_states))
        if len(states) != num_states:
            raise ValueError(f"states must be {num_states} names, got {self.states!r}")
        for name, value in (("transitions", transitions), ("rewards", rewards), ("start", start),
                            ("terminal", terminal.copy())):
            value.setflags(write=False)
            object.__setattr__(self, name, value)
        object.__setattr__(self, "gamma", float(self.gamma))
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
    next_state = {(0, left): 0, (0, right): 1,
                  (1, left): 2, (1, right): 0,  # switched
                  (2, left): 1, (2, right): 3,
                  (3, left): 3, (3, right): 3}
    transitions = np.zeros((num_states, 2, num_states))  # [S, A, S]
    for (s, a), s_next in next_state.items():
        transitions[s, a, s_next] = 1.0
    rewards = np.full((num_states, 2), -1.0)  # [S, A]
    rewards[3] = 0.0
    return MDP(transitions=transitions, rewards=rewards, start=np.eye(num_states)[0],
               terminal=np.array([False, False, False, True]), gamma=1.0,
               actions=("left", "right"), states=("s0", "s1 (switched)", "s2", "G"))


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
    transitions = np.zeros((4, 2, 4))  # [S, A, S]
    transitions[0, 0, 1] = 1.0
    transitions[0, 1, [1, 2]] = 0.5
    transitions[1, 0, 3] = 1.0
    if isinstance(detour, bool) or not isinstance(detour, numbers.Real) or not 0 <= detour <= 1:
        raise ValueError(f"detour must be a probability in [0, 1], got {detour!r}")
    transitions[1, 1, 3] = 1.0 - detour
    transitions[1, 1, 2] = detour
    transitions[2, :, 3] = 1.0
    transitions[3, :, 3] = 1.0
    rewards = np.array([[0.0, 1.0], [1.0, 0.0], [0.0, 2.0], [0.0, 0.0]])  # [S, A]
    return MDP(transitions=transitions, rewards=rewards, start=np.eye(4)[0],
               terminal=np.array([False, False, False, True]), gamma=gamma,
               actions=("left", "right"), states=("s0", "s1", "s2", "end"))


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
    if isinstance(slip, bool) or not isinstance(slip, numbers.Real) or not 0 <= slip < 1:
        raise ValueError(f"slip must be a probability in [0, 1), got {slip!r}")
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
    return MDP(transitions=transitions, rewards=rewards, start=np.eye(size)[0], terminal=terminal,
               gamma=gamma, actions=("left", "right"))


def random_mdp(rng: np.random.Generator, num_states: int = 4, num_actions: int = 3,
               gamma: float = 0.8, terminate: float = 0.2) -> MDP:
    """A random MDP: Dirichlet transitions, normal rewards, one terminal state reached w.p. ``terminate``.

    Used in tests as an MDP with no structure. Shapes: ``num_states`` non-terminal states plus one
    terminal state; every action ends the episode with probability ``terminate``.
    """
    check_rng(rng)
    num_states = check_count(num_states, "num_states")
    num_actions = check_count(num_actions, "num_actions")
    if isinstance(terminate, bool) or not isinstance(terminate, numbers.Real) or not 0 < terminate <= 1:
        raise ValueError(f"terminate must be a probability in (0, 1], got {terminate!r}")
    size = num_states + 1
    transitions = np.zeros((size, num_actions, size))  # [S, A, S]
    transitions[:num_states, :, :num_states] = (1 - terminate) * rng.dirichlet(
        np.ones(num_states), size=(num_states, num_actions))
    transitions[:num_states, :, num_states] = terminate
    transitions[num_states, :, num_states] = 1.0
    rewards = rng.normal(size=(size, num_actions))  # [S, A]
    rewards[num_states] = 0.0
    start = np.append(rng.dirichlet(np.ones(num_states)), 0.0)
    terminal = np.zeros(size, dtype=bool)
    terminal[-1] = True
    return MDP(transitions=transitions, rewards=rewards, start=start, terminal=terminal,
               gamma=gamma, actions=tuple(f"a{i}" for i in range(num_actions)))
# --------------------------------------------------------------------------------------------
# softmax policies over features
# --------------------------------------------------------------------------------------------
def _softmax(logits: np.ndarray) -> np.ndarray:
    shifted = logits - logits.max(axis=-1, keepdims=True)
    weights = np.exp(shifted)
    return weights / weights.sum(axis=-1, keepdims=True)


def softmax_policy(theta, features) -> np.ndarray:
    """π_θ(a|s) = exp(θ·x(s, a)) / Σ_b exp(θ·x(s, b)), a softmax over features (notebook 04).

    Args:
        theta: parameters, shape [P], or one row per run [N, P].
        features: x(s, a), shape [S, A, P].
    Returns:
        action probabilities, shape [S, A] (or [N, S, A]).
    """
    features = _as_float_array(features, "features")
    if features.ndim != 3:
        raise ValueError(f"features must have shape [S, A, P], got {features.shape}")
    theta = _check_theta(theta, features, allow_batch=True)
    logits = np.einsum("sap,...p->...sa", features, theta)  # [S, A] or [N, S, A]
    return _softmax(logits)


def policy_score(theta, features) -> np.ndarray:
    """The score ∇_θ log π_θ(a|s) = x(s, a) − Σ_b π_θ(b|s) x(s, b) for every s and a (notebook 04).

    Args:
        theta: shape [P]; features: shape [S, A, P].
    Returns:
        shape [S, A, P].
    """
    features = _as_float_array(features, "features")
    if features.ndim != 3:
        raise ValueError(f"features must have shape [S, A, P], got {features.shape}")
    theta = _check_theta(theta, features)
    pi = softmax_policy(theta, features)  # [S, A]
    mean_features = np.einsum("sa,sap->sp", pi, features)  # [S, P]
    return features - mean_features[:, None, :]


# --------------------------------------------------------------------------------------------
# exact values and gradients by linear solves
# --------------------------------------------------------------------------------------------
def _solve_nonterminal(mdp: MDP, pi: np.ndarray, rhs: np.ndarray, transpose: bool) -> np.ndarray:
    """Solve (I − γ P_π) x = rhs (or its transpose) on the non-terminal states."""
    live = ~mdp.terminal
    P_pi = np.einsum("sa,sat->st", pi, mdp.transitions)[np.ix_(live, live)]  # [S', S']
    matrix = np.eye(P_pi.shape[0]) - mdp.gamma * P_pi
    if np.linalg.cond(matrix) > 1e12:
        raise ValueError("pi never reaches a terminal state from some state while gamma = 1, so its "
                         "return is unbounded: use a policy that ends every episode, or gamma < 1")
    return np.linalg.solve(matrix.T if transpose else matrix, rhs[live])


def state_values(mdp: MDP, pi) -> np.ndarray:
    """V_π(s) from the Bellman equations V = r_π + γ P_π V, one linear solve (notebook 04).

    Args:
        mdp: the MDP; pi: action probabilities [S, A].
    Returns:
        V, shape [S] (0 at terminal states).
    """
    _check_mdp(mdp)
    pi = _check_pi(mdp, pi)
    r_pi = np.sum(pi * mdp.rewards, axis=1)  # [S]
    values = np.zeros(mdp.num_states)  # [S]
    values[~mdp.terminal] = _solve_nonterminal(mdp, pi, r_pi, transpose=False)
    return values


def action_values(mdp: MDP, pi) -> np.ndarray:
    """Q_π(s, a) = r(s, a) + γ Σ_s' P(s'|s, a) V_π(s'), shape [S, A] (0 at terminal states)."""
    values = state_values(mdp, pi)  # [S]
    q = mdp.rewards + mdp.gamma * mdp.transitions @ values  # [S, A]
    q[mdp.terminal] = 0.0
    return q


def exact_return(mdp: MDP, pi) -> float:
    """J(π) = Σ_s μ(s) V_π(s): the expected return from the start distribution (notebooks 04, 06).

    Args:
        mdp: the MDP; pi: action probabilities, shape [S, A] = [mdp.num_states, len(mdp.actions)],
            rows nonnegative and summing to 1.
    Returns:
        the exact expected (discounted) return, a float.
    """
    _check_mdp(mdp)
    return float(mdp.start @ state_values(mdp, pi))


def discounted_visits(mdp: MDP, pi) -> np.ndarray:
    """d_π(s) = Σ_t γ^t Pr(s_t = s): expected discounted visits from μ, shape [S] (0 at terminals).

    Solves dᵀ (I − γ P_π) = μᵀ on the non-terminal states.
    """
    _check_mdp(mdp)
    pi = _check_pi(mdp, pi)
    visits = np.zeros(mdp.num_states)  # [S]
    visits[~mdp.terminal] = _solve_nonterminal(mdp, pi, mdp.start, transpose=True)
    return visits


def exact_policy_gradient(mdp: MDP, theta, features) -> np.ndarray:
    """Exact ∇_θ J for the softmax policy π_θ over ``features``, by the policy gradient theorem.

    ∇_θ J(θ) = Σ_s d_π(s) Σ_a π_θ(a|s) Q_π(s, a) ∇_θ log π_θ(a|s),

    with the discounted visits d_π and action values Q_π each from one linear solve
    (:func:`discounted_visits`, :func:`action_values`). No sampling, no finite differences; it is
    checked against both in the tests and against trajectory enumeration in notebook 04.

    Args:
        mdp: the MDP.
        theta: parameters, shape [P].
        features: x(s, a), shape [S, A, P].
    Returns:
        the gradient, shape [P].
    """
    _check_mdp(mdp)
    features = _check_features(mdp, features)
    theta = _check_theta(theta, features)
    pi = softmax_policy(theta, features)  # [S, A]
    visits = discounted_visits(mdp, pi)  # [S]
    q = action_values(mdp, pi)  # [S, A]
    score = policy_score(theta, features)  # [S, A, P]
    return np.einsum("s,sa,sa,sap->p", visits, pi, q, score)


# --------------------------------------------------------------------------------------------
# every trajectory of a short horizon
# --------------------------------------------------------------------------------------------
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
        pi = _check_pi(self.mdp, pi)
        mask = self.actions >= 0  # [K, H]
        with np.errstate(divide="ignore"):
            log_pi = np.log(pi)[np.where(mask, self.states[:, :-1], 0),
                                np.where(mask, self.actions, 0)]  # [K, H]
        return np.sum(np.where(mask, log_pi, 0.0), axis=1)

    def probabilities(self, pi) -> np.ndarray:
        """P(τ) = μ(s_0) Π_t π(a_t|s_t) P(s_{t+1}|s_t, a_t) for every trajectory, shape [K]."""
        return np.exp(self.log_dynamics + self.log_policy(pi))

    def scores(self, theta, features) -> np.ndarray:
        """∇_θ log P(τ) = Σ_t ∇_θ log π_θ(a_t|s_t) (the dynamics terms vanish), shape [K, P]."""
        features = _check_features(self.mdp, features)
        table = policy_score(theta, features)  # [S, A, P]
        mask = self.actions >= 0  # [K, H]
        per_step = table[np.where(mask, self.states[:, :-1], 0), np.where(mask, self.actions, 0)]
        return np.sum(per_step * mask[..., None], axis=1)  # [K, P]


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
    _check_mdp(mdp)
    horizon = check_count(horizon, "horizon")
    branching = mdp.num_actions * int(np.max(np.sum(mdp.transitions > 0, axis=2)))
    if float(branching) ** horizon * np.sum(mdp.start > 0) > 2_000_000:
        raise ValueError(f"horizon={horizon} would enumerate more than 2,000,000 trajectories")
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
                frontier.append((states + [int(s_next)], actions + [a],
                                 rewards + [float(mdp.rewards[s, a])],
                                 log_dyn + float(np.log(mdp.transitions[s, a, s_next]))))
    done.reverse()
    num = len(done)
    states = np.full((num, horizon + 1), -1)  # [K, H + 1]
    actions = np.full((num, horizon), -1)  # [K, H]
    rewards = np.zeros((num, horizon))  # [K, H]
    for k, (s_list, a_list, r_list, _) in enumerate(done):
        states[k, :len(s_list)] = s_list
        actions[k, :len(a_list)] = a_list
        rewards[k, :len(r_list)] = r_list
    lengths = np.array([len(item[1]) for item in done])  # [K]
    ended = np.array([bool(mdp.terminal[item[0][-1]]) for item in done])  # [K]
    discount = mdp.gamma ** np.arange(horizon)  # [H]
    return EnumeratedTrajectories(states=states, actions=actions, rewards=rewards, lengths=lengths,
                                  log_dynamics=np.array([item[3] for item in done]),
                                  returns=rewards @ discount, ended=ended, mdp=mdp)


def enumeration_return(trajectories: EnumeratedTrajectories, pi) -> float:
    """J = Σ_τ P(τ) R(τ) over every enumerated trajectory (notebook 04)."""
    if not isinstance(trajectories, EnumeratedTrajectories):
        raise TypeError("trajectories must come from pgviz.mdp.enumerate_trajectories")
    return float(trajectories.probabilities(pi) @ trajectories.returns)


def enumeration_policy_gradient(trajectories: EnumeratedTrajectories, theta, features) -> np.ndarray:
    """∇_θ J = Σ_τ P(τ) ∇_θ log P(τ) R(τ), summed over every enumerated trajectory (notebook 04).

    Equals :func:`exact_policy_gradient` when every episode ends within the horizon; otherwise it is
    the exact gradient of the return truncated at the horizon.

    Returns:
        shape [P].
    """
    if not isinstance(trajectories, EnumeratedTrajectories):
        raise TypeError("trajectories must come from pgviz.mdp.enumerate_trajectories")
    pi = softmax_policy(theta, features)
    weights = trajectories.probabilities(pi) * trajectories.returns  # [K]
    return weights @ trajectories.scores(theta, features)


# --------------------------------------------------------------------------------------------
# sampling many episodes at once
# --------------------------------------------------------------------------------------------
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


def _inverse_cdf(cumulative: np.ndarray, uniforms: np.ndarray) -> np.ndarray:
    """Index of the first cumulative probability above each uniform: [N, K], [N] -> [N]."""
    index = np.sum(uniforms[:, None] >= cumulative, axis=1)
    return np.minimum(index, cumulative.shape[1] - 1)


def _simulate(mdp: MDP, pi: np.ndarray, num_episodes: int, rng: np.random.Generator,
              max_steps: int) -> Episodes:
    """Lockstep simulation; pi is [S, A] or [N, S, A] (already checked)."""
    if pi.ndim == 2:
        pi = np.broadcast_to(pi, (num_episodes,) + pi.shape)
    cum_pi = np.cumsum(pi, axis=-1)  # [N, S, A]
    deterministic = bool(np.all(mdp.transitions.max(axis=-1) == 1.0))
    next_table = np.argmax(mdp.transitions, axis=-1)  # [S, A]
    cum_transitions = np.cumsum(mdp.transitions, axis=-1)  # [S, A, S]
    rows = np.arange(num_episodes)
    state = _inverse_cdf(np.broadcast_to(np.cumsum(mdp.start), (num_episodes, mdp.num_states)),
                         rng.random(num_episodes))  # [N]
    lengths = np.zeros(num_episodes, dtype=int)  # [N]
    active = ~mdp.terminal[state]  # [N]
    states, actions, rewards = [], [], []
    for t in range(max_steps):
        if not active.any():
            break
        action = _inverse_cdf(cum_pi[rows, state], rng.random(num_episodes))  # [N]
        if deterministic:
            next_state = next_table[state, action]
        else:
            next_state = _inverse_cdf(cum_transitions[state, action], rng.random(num_episodes))
        states.append(state)
        actions.append(action)
        rewards.append(np.where(active, mdp.rewards[state, action], 0.0))
        lengths += active
        state = np.where(active, next_state, state)
        active = active & ~mdp.terminal[state]
    if not states:  # every episode started in a terminal state
        empty = np.zeros((num_episodes, 0))
        return Episodes(empty.astype(int), empty.astype(int), empty, lengths, active, mdp.gamma)
    return Episodes(states=np.stack(states, axis=1), actions=np.stack(actions, axis=1),
                    rewards=np.stack(rewards, axis=1), lengths=lengths, truncated=active,
                    gamma=mdp.gamma)


def rollout(mdp: MDP, pi, num_episodes: int, rng: np.random.Generator,
            max_steps: int = 10_000) -> Episodes:
    """Sample ``num_episodes`` episodes of policy ``pi`` at once, all advancing together (notebooks 04–06).

    s_0 ~ μ, a_t ~ π(·|s_t), s_{t+1} ~ P(·|s_t, a_t), until a terminal state or ``max_steps``.

    Args:
        mdp: the MDP.
        pi: action probabilities [S, A], or one policy per episode [N, S, A].
        num_episodes: N >= 1.
        rng: the random Generator.
        max_steps: episodes still running after this many steps are cut (``Episodes.truncated``).
    Returns:
        :class:`Episodes` with arrays [N, T].
    """
    _check_mdp(mdp)
    pi = _check_pi(mdp, pi, allow_batch=True)
    num_episodes = check_count(num_episodes, "num_episodes")
    if pi.ndim == 3 and pi.shape[0] != num_episodes:
        raise ValueError(f"pi has {pi.shape[0]} policies but num_episodes is {num_episodes}")
    check_rng(rng)
    max_steps = check_count(max_steps, "max_steps")
    return _simulate(mdp, pi, num_episodes, rng, max_steps)


# --------------------------------------------------------------------------------------------
# REINFORCE estimates
# --------------------------------------------------------------------------------------------
def _check_episodes(episodes) -> None:
    if not isinstance(episodes, Episodes):
        raise TypeError(f"episodes must come from pgviz.mdp.rollout, got {type(episodes).__name__}")


def _step_scores(episodes: Episodes, theta, features) -> np.ndarray:
    """∇_θ log π_θ(a_t|s_t) at every sampled step, zero in the padding: [N, T, P]."""
    table = policy_score(theta, features)  # [S, A, P]
    return table[episodes.states, episodes.actions] * episodes.mask[..., None]


def _check_baseline(baseline, num_states: int):
    if baseline is None:
        return None
    values = _as_float_array(baseline, "baseline")
    if values.ndim == 0:
        return np.full(num_states, float(values))
    if values.shape != (num_states,):
        raise ValueError(f"baseline must be None, a number, or one value per state [S={num_states}]; "
                         f"got shape {values.shape}")
    return values


def reinforce_gradients(episodes: Episodes, theta, features, baseline=None,
                        reward_to_go: bool = False) -> np.ndarray:
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
    _check_episodes(episodes)
    features = _as_float_array(features, "features")
    if features.ndim != 3:
        raise ValueError(f"features must have shape [S, A, P], got {features.shape}")
    theta = _check_theta(theta, features)
    b = _check_baseline(baseline, features.shape[0])
    if not isinstance(reward_to_go, bool):
        raise TypeError(f"reward_to_go must be True or False, got {reward_to_go!r}")
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


REDUCTIONS = ("sum", "mean", "per_step", "per_trajectory")


def _reduction_weights(lengths: np.ndarray, reduction: str) -> np.ndarray:
    """Weight of each episode's Σ_t score·R in the batch loss, for each reduction: [N]."""
    num = len(lengths)
    if reduction == "sum":
        return np.ones(num)
    if reduction == "mean":
        return np.full(num, 1.0 / num)
    if reduction == "per_step":
        return np.full(num, 1.0 / max(int(np.sum(lengths)), 1))
    if reduction == "per_trajectory":
        return 1.0 / (num * np.maximum(lengths, 1))
    raise ValueError(f"reduction must be one of {REDUCTIONS}, got {reduction!r}")


def surrogate_loss(theta, episodes: Episodes, features, reduction: str = "mean") -> float:
    """The "loss" whose gradient descent is REINFORCE: L(θ) = −Σ_i w_i Σ_t log π_θ(a_t|s_t) R(τ_i).

    The returns R(τ_i) are fixed numbers from the sampled episodes (no p(τ) appears: the sampling
    did the weighting). The weights w_i depend on ``reduction`` (notebook 05):
    ``"mean"`` 1/N (then −∇L = ĝ), ``"sum"`` 1, ``"per_step"`` 1/Σ_i T_i (PyTorch's ``.mean()``
    over all steps), ``"per_trajectory"`` 1/(N T_i). Its *value* is no measure of performance.

    Args:
        theta: [P]; episodes: from :func:`rollout`; features: [S, A, P]; reduction: as above.
    Returns:
        the loss, a float.
    """
    _check_episodes(episodes)
    features = _as_float_array(features, "features")
    if features.ndim != 3:
        raise ValueError(f"features must have shape [S, A, P], got {features.shape}")
    theta = _check_theta(theta, features)
    weights = _reduction_weights(episodes.lengths, reduction)  # [N]
    log_pi = np.log(softmax_policy(theta, features))[episodes.states, episodes.actions]  # [N, T]
    log_prob_tau = np.sum(log_pi * episodes.mask, axis=1)  # [N]
    return float(-np.sum(weights * log_prob_tau * episodes.returns))


def surrogate_loss_gradient(theta, episodes: Episodes, features, reduction: str = "mean") -> np.ndarray:
    """∇_θ of :func:`surrogate_loss`: −Σ_i w_i Σ_t ∇_θ log π_θ(a_t|s_t) R(τ_i), shape [P].

    With ``reduction="mean"`` this is exactly −ĝ (notebook 05 checks it by finite differences).
    """
    _check_episodes(episodes)
    weights = _reduction_weights(episodes.lengths, reduction)  # [N]
    return -weights @ reinforce_gradients(episodes, theta, features)


def averaged_gradient(trajectories: EnumeratedTrajectories, theta, features, reduction: str,
                      batch_size: int) -> np.ndarray:
    """The exact expectation of −∇L over every batch of ``batch_size`` trajectories (notebook 05).

    E[−∇_θ L] = Σ_{τ_1..τ_m} Π_j P(τ_j) Σ_j w_j Σ_t ∇_θ log π_θ(a_t|s_t) R(τ_j), with the weights of
    :func:`surrogate_loss`. ``"mean"`` gives ∇J, ``"sum"`` m ∇J (a scale), while ``"per_step"`` and
    ``"per_trajectory"`` weight short episodes more when lengths vary: a different direction.

    Args:
        trajectories: every trajectory (episodes that end surely within the horizon);
        theta: [P]; features: [S, A, P]; reduction: one of ``REDUCTIONS``; batch_size: m >= 1
        (K^m batches are enumerated).
    Returns:
        shape [P].
    """
    if not isinstance(trajectories, EnumeratedTrajectories):
        raise TypeError("trajectories must come from pgviz.mdp.enumerate_trajectories")
    if reduction not in REDUCTIONS:
        raise ValueError(f"reduction must be one of {REDUCTIONS}, got {reduction!r}")
    batch_size = check_count(batch_size, "batch_size")
    if len(trajectories) ** batch_size > 1_000_000:
        raise ValueError(f"batch_size={batch_size} would enumerate more than 1,000,000 batches")
    pi = softmax_policy(theta, features)
    prob = trajectories.probabilities(pi)  # [K]
    per_trajectory = trajectories.scores(theta, features) * trajectories.returns[:, None]  # [K, P]
    index = np.array(list(itertools.product(range(len(trajectories)), repeat=batch_size)))  # [B, m]
    lengths = trajectories.lengths[index]  # [B, m]
    if reduction == "sum":
        weights = np.ones(index.shape)
    elif reduction == "mean":
        weights = np.full(index.shape, 1.0 / batch_size)
    elif reduction == "per_step":
        weights = np.broadcast_to(1.0 / lengths.sum(axis=1, keepdims=True), index.shape)
    else:
        weights = 1.0 / (batch_size * lengths)
    batch_prob = np.prod(prob[index], axis=1)  # [B]
    estimates = np.einsum("bm,bmp->bp", weights, per_trajectory[index])  # [B, P]
    return batch_prob @ estimates


# --------------------------------------------------------------------------------------------
# REINFORCE learning, many runs at once (Sutton & Barto, Figures 13.1 and 13.2)
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class LearningCurves:
    """Results of :func:`reinforce_learning_curves` (C configurations, R runs, E episodes).

    Attributes: total_reward [C, R, E] (undiscounted Σ_t r_t of each episode), policy [C, R, E, A]
    (π(·|s_0) at the start of each episode), truncated [C, R, E] (episode cut at ``max_steps``),
    theta [C, R, P] and w [C, R] at the end, collapsed_at [C, R] (episode at which a run was
    stopped as collapsed, −1 if never; its later total_reward is NaN), alphas [C], alphas_w [C]
    (NaN: no baseline), min_prob.
    """

    total_reward: np.ndarray
    policy: np.ndarray
    truncated: np.ndarray
    theta: np.ndarray
    w: np.ndarray
    collapsed_at: np.ndarray
    alphas: np.ndarray
    alphas_w: np.ndarray
    min_prob: float


def _floor_probabilities(pi: np.ndarray, min_prob: float) -> np.ndarray:
    """Clip probabilities [..., A] to [ε, 1 − (A − 1)ε] and renormalize (exact for A = 2)."""
    num_actions = pi.shape[-1]
    clipped = np.clip(pi, min_prob, 1 - (num_actions - 1) * min_prob)
    return clipped / clipped.sum(axis=-1, keepdims=True)


def reinforce_learning_curves(mdp: MDP, features, theta0, alphas, num_runs: int, num_episodes: int,
                              rng: np.random.Generator, alphas_w=None, max_steps: int = 1000,
                              collapse_below: float = 1e-3, min_prob: float = 0.0,
                              progress: bool | None = None) -> LearningCurves:
    """REINFORCE (with an optional learned baseline) for many step sizes and runs, all at once.

    Follows Sutton & Barto (2nd ed.), Section 13.3 and 13.4, "REINFORCE: Monte-Carlo Policy-Gradient
    Control (episodic)" and its version with baseline. After each episode, for t = 0, ..., T−1:

        G ← Σ_{k>t} γ^{k−t−1} R_k;  δ ← G − w;  w ← w + α_w δ;  θ ← θ + α γ^t δ ∇ln π(A_t|S_t, θ)

    (without a baseline, δ = G and w stays 0). θ changes inside the loop, so π is re-evaluated at
    every step, as in the book's pseudocode. The baseline v̂(s, w) = w is one number, because the
    corridor's states look the same to the agent. Every configuration and run advances together:
    C·R episodes are simulated in lockstep with NumPy, then updated in lockstep.

    Initial θ and w = 0 follow ShangtongZhang/reinforcement-learning-an-introduction,
    ``chapter13/short_corridor.py`` (θ = [−1.47, 1.47] makes π(right) ≈ 0.05, ε-greedy left).
    By default (``min_prob = 0``, the book's algorithm) π is *not* clipped to [0.05, 0.95] as in
    that code: a run may collapse to a (nearly) deterministic policy, and ``max_steps`` cuts the
    episodes that would then never end (notebook 06).
    Agents are not kept in step: each one simulates or updates at every tick, so the cost is set by
    the run with the most steps in total.

    Collapse: a run whose policy gives some action a probability below ``collapse_below`` at the
    start of an episode, right after an episode was cut at ``max_steps``, has become (nearly)
    deterministic and stopped reaching the goal. It is stopped there: ``collapsed_at`` records the
    episode, and its ``total_reward`` from then on (and ``policy`` after it) is NaN. (Some such runs
    would recover after many cut episodes, each costing ``max_steps`` steps; the lower
    ``collapse_below``, the fewer runs are stopped and the longer the computation can take.)

    Args:
        mdp: the MDP; features: [S, A, P]; theta0: initial θ [P].
        alphas: step sizes α (or α_θ) of the C configurations, shape [C].
        num_runs: R independent runs per configuration; num_episodes: E episodes per run.
        rng: the random Generator.
        alphas_w: None (no baseline anywhere) or [C] baseline step sizes, NaN meaning none.
        max_steps: episode cap.
        collapse_below: probability below which a run counts as collapsed (see above).
        min_prob: 0 (the book's algorithm) or a floor ε on every action probability, used for
            acting and in the score x(a) − Σ_b π(b) x(b), as in Zhang's code (ε = 0.05 there):
            π is clipped to [ε, 1 − (A − 1)ε] and renormalized. It prevents the collapse.
        progress: show a progress bar (default: only inside a notebook kernel).
    Returns:
        :class:`LearningCurves`.
    """
    from pgviz.progress import Progress

    _check_mdp(mdp)
    features = _check_features(mdp, features)
    theta0 = _check_theta(theta0, features)
    alphas = _as_float_array(alphas, "alphas")
    if alphas.ndim != 1 or len(alphas) < 1 or np.any(alphas <= 0):
        raise ValueError("alphas must be a 1-d list of positive step sizes")
    if alphas_w is None:
        alphas_w = np.full(len(alphas), np.nan)
    else:
        alphas_w = np.array([np.nan if a is None else a for a in alphas_w], dtype=float)
        if alphas_w.shape != alphas.shape or np.any(alphas_w[~np.isnan(alphas_w)] <= 0):
            raise ValueError("alphas_w must be None or one positive step size (or None/NaN) per alpha")
    num_runs = check_count(num_runs, "num_runs")
    num_episodes = check_count(num_episodes, "num_episodes")
    check_rng(rng)
    max_steps = check_count(max_steps, "max_steps")
    if isinstance(collapse_below, bool) or not isinstance(collapse_below, numbers.Real) \
            or not 0 <= collapse_below < 0.5:
        raise ValueError(f"collapse_below must be a probability in [0, 0.5), got {collapse_below!r}")
    if isinstance(min_prob, bool) or not isinstance(min_prob, numbers.Real) \
            or not 0 <= min_prob < 1 / mdp.num_actions:
        raise ValueError(f"min_prob must be in [0, 1/A) = [0, {1 / mdp.num_actions:.3g}), got {min_prob!r}")
    if progress is not None and not isinstance(progress, bool):
        raise TypeError(f"progress must be None, True or False, got {progress!r}")

    if np.any(mdp.start[mdp.terminal] > 0):
        raise ValueError("mdp.start must put no probability on terminal states for learning curves")
    num_configs = len(alphas)
    num = num_configs * num_runs  # every (configuration, run) pair is one agent
    alpha = np.repeat(alphas, num_runs)  # [N]
    alpha_w = np.nan_to_num(np.repeat(alphas_w, num_runs), nan=0.0)  # [N]
    theta = np.tile(theta0, (num, 1))  # [N, P]
    w = np.zeros(num)  # [N]
    total_reward = np.zeros((num, num_episodes))  # [N, E]
    policy = np.zeros((num, num_episodes, mdp.num_actions))  # [N, E, A]
    truncated = np.zeros((num, num_episodes), dtype=bool)  # [N, E]
    collapsed_at = np.full(num, -1)  # [N], episode at which the run was stopped as collapsed
    bar = None if progress is False else Progress(total=num_episodes, description="episodes",
                                                     show=progress)

    # Agents are not kept in step with each other: at every tick each agent either takes one step
    # of its current episode (phase SIMULATE) or applies the update of one step of the episode it
    # has just finished (phase UPDATE). So the work is set by the agent with the most steps in
    # total, not by the longest episode of each round.
    SIMULATE, UPDATE, DONE = 0, 1, 2
    rows = np.arange(num)
    deterministic = bool(np.all(mdp.transitions.max(axis=-1) == 1.0))
    next_table = np.argmax(mdp.transitions, axis=-1)  # [S, A]
    cum_transitions = np.cumsum(mdp.transitions, axis=-1)  # [S, A, S]
    cum_start = np.cumsum(mdp.start)  # [S]
    buffer_states = np.zeros((num, max_steps), dtype=int)  # [N, T]
    buffer_actions = np.zeros((num, max_steps), dtype=int)  # [N, T]
    buffer_G = np.zeros((num, max_steps))  # [N, T], G_t once the episode is over
    buffer_discounted = np.zeros((num, max_steps + 1))  # [N, T + 1], Σ_{k<t} γ^k r_k
    discount = mdp.gamma ** np.arange(max_steps)  # [T]
    phase = np.full(num, SIMULATE)
    episode = np.zeros(num, dtype=int)  # [N], index of the current episode
    position = np.zeros(num, dtype=int)  # [N], step within the episode (either phase)
    lengths = np.zeros(num, dtype=int)  # [N], length of the episode being updated
    state = _inverse_cdf(np.broadcast_to(cum_start, (num, mdp.num_states)), rng.random(num))  # [N]
    policy[:, 0] = softmax_policy(theta, features)[rows, state]
    if min_prob > 0:
        policy[:, 0] = _floor_probabilities(policy[:, 0], min_prob)
    finished_episodes = 0
    while True:
        sim_rows = np.flatnonzero(phase == SIMULATE)
        update = phase == UPDATE
        upd_rows = np.flatnonzero(update)
        if len(sim_rows) == 0 and len(upd_rows) == 0:
            break
        step = np.minimum(position, max_steps - 1)
        s = buffer_states[rows, step]  # [N], the state to act in (SIMULATE) or to update (UPDATE)
        s[sim_rows] = state[sim_rows]
        x = features[s]  # [N, A, P]
        pi_t = _softmax((x @ theta[:, :, None])[..., 0])  # [N, A]
        if min_prob > 0:
            pi_t = _floor_probabilities(pi_t, min_prob)
        uniform = rng.random(num)  # one draw per agent and tick
        a = buffer_actions[rows, step]  # [N]
        a[sim_rows] = _inverse_cdf(np.cumsum(pi_t[sim_rows], axis=1), uniform[sim_rows])
        # --- UPDATE: δ = G_t − w;  w ← w + α_w δ;  θ ← θ + α γ^t δ ∇ln π(a_t|s_t, θ)
        if len(upd_rows):
            score = x[rows, a] - np.einsum("na,nap->np", pi_t, x)  # [N, P]
            delta = update * (buffer_G[rows, step] - w)  # [N], 0 for agents not updating
            w = w + alpha_w * delta
            theta += (alpha * discount[step] * delta)[:, None] * score
        # --- SIMULATE: record (s_t, a_t), accumulate the discounted reward, move
        s_sim, a_sim, step_sim = s[sim_rows], a[sim_rows], position[sim_rows]
        buffer_states[sim_rows, step_sim] = s_sim
        buffer_actions[sim_rows, step_sim] = a_sim
        reward = mdp.rewards[s_sim, a_sim]
        buffer_discounted[sim_rows, step_sim + 1] = (buffer_discounted[sim_rows, step_sim]
                                                     + discount[step_sim] * reward)
        if deterministic:
            next_state = next_table[s_sim, a_sim]
        else:
            next_state = _inverse_cdf(cum_transitions[s_sim, a_sim], rng.random(len(sim_rows)))
        total_reward[sim_rows, episode[sim_rows]] += reward
        state[sim_rows] = next_state
        position += 1
        # --- episodes that just ended switch to UPDATE, with G_t = (Σ_{k≥t} γ^k r_k) / γ^t
        ended_terminal = mdp.terminal[next_state]
        ended_cap = (step_sim + 1 == max_steps) & ~ended_terminal
        ended = ended_terminal | ended_cap
        if ended.any():
            idx = sim_rows[ended]
            length = position[idx]
            truncated[idx, episode[idx]] = ended_cap[ended]
            width = int(length.max())
            totals = buffer_discounted[idx, length]  # [n]
            G = totals[:, None] - buffer_discounted[idx, :width]  # [n, T]; read only where t < length
            if mdp.gamma != 1.0:
                with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
                    G = np.nan_to_num(G / discount[:width])
            buffer_G[idx, :width] = G
            lengths[idx] = length
            position[idx] = 0
            phase[idx] = UPDATE
        # --- updates that just finished start the next episode (or stop the agent)
        done_rows = upd_rows[position[upd_rows] == lengths[upd_rows]]
        if len(done_rows):
            idx = done_rows
            episode[idx] += 1
            over = episode[idx] == num_episodes
            phase[idx[over]] = DONE
            idx = idx[~over]
            if len(idx):
                phase[idx] = SIMULATE
                position[idx] = 0
                buffer_discounted[idx, 0] = 0.0
                state[idx] = _inverse_cdf(np.broadcast_to(cum_start, (len(idx), mdp.num_states)),
                                          rng.random(len(idx)))
                pi_start = _softmax(np.einsum("nap,np->na", features[state[idx]], theta[idx]))  # [n, A]
                if min_prob > 0:
                    pi_start = _floor_probabilities(pi_start, min_prob)
                policy[idx, episode[idx]] = pi_start
                stuck = (pi_start.min(axis=1) < collapse_below) & truncated[idx, episode[idx] - 1]
                for i in idx[stuck]:  # collapsed: stopped here, later episodes are NaN
                    e = episode[i]
                    collapsed_at[i] = e
                    total_reward[i, e:] = np.nan
                    policy[i, e + 1:] = np.nan
                phase[idx[stuck]] = DONE
            if bar is not None:
                slowest = int(episode.min())
                if slowest >= finished_episodes + 10 or slowest == num_episodes:
                    bar.update(slowest - finished_episodes)
                    finished_episodes = slowest
    if bar is not None:
        bar.close()
    shape = (num_configs, num_runs)
    return LearningCurves(total_reward=total_reward.reshape(shape + (num_episodes,)),
                          policy=policy.reshape(shape + (num_episodes, mdp.num_actions)),
                          truncated=truncated.reshape(shape + (num_episodes,)),
                          theta=theta.reshape(shape + (-1,)), w=w.reshape(shape),
                          collapsed_at=collapsed_at.reshape(shape),
                          alphas=alphas, alphas_w=alphas_w, min_prob=float(min_prob))


# --------------------------------------------------------------------------------------------
# small helpers the notebooks call (no logic lives in a notebook cell)
# --------------------------------------------------------------------------------------------
def finite_difference_gradient(mdp: MDP, theta, features, h: float = 1e-5) -> np.ndarray:
    """Central differences of the exact return: (J(θ + h e_p) − J(θ − h e_p)) / 2h, shape [P].

    An independent check of :func:`exact_policy_gradient` (notebook 04); error O(h²).
    """
    _check_mdp(mdp)
    features = _check_features(mdp, features)
    theta = _check_theta(theta, features)
    h = check_positive(h, "h")
    grad_ = np.zeros(len(theta))
    for p, step in enumerate(np.eye(len(theta)) * h):
        grad_[p] = (exact_return(mdp, softmax_policy(theta + step, features))
                    - exact_return(mdp, softmax_policy(theta - step, features))) / (2 * h)
    return grad_


def trajectory_labels(trajectories: EnumeratedTrajectories) -> list[str]:
    """Each trajectory as text, e.g. ``"s0 -right-> s1 -left-> end"`` (notebooks 04, 05)."""
    if not isinstance(trajectories, EnumeratedTrajectories):
        raise TypeError("trajectories must come from pgviz.mdp.enumerate_trajectories")
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
    if not isinstance(trajectories, EnumeratedTrajectories):
        raise TypeError("trajectories must come from pgviz.mdp.enumerate_trajectories")
    _check_episodes(episodes)
    horizon = trajectories.actions.shape[1]
    if episodes.states.shape[1] > horizon:
        return np.full(len(episodes), -1)
    pad = horizon - episodes.states.shape[1]
    actions = np.pad(np.where(episodes.mask, episodes.actions, -1), ((0, 0), (0, pad)), constant_values=-1)
    states = np.pad(np.where(episodes.mask, episodes.states, -1), ((0, 0), (0, pad)), constant_values=-1)
    enumerated_states = np.where(trajectories.actions >= 0, trajectories.states[:, :-1], -1)  # [K, H]
    same = (np.all(actions[:, None, :] == trajectories.actions[None], axis=2)
            & np.all(states[:, None, :] == enumerated_states[None], axis=2))  # [N, K]
    # Episodes do not store the final (terminal) state: a match must be unique to count
    unique = same.sum(axis=1) == 1
    return np.where(unique, np.argmax(same, axis=1), -1)


def reinforce_training(mdp: MDP, features, theta0, alpha: float, batch_size: int,
                       num_iterations: int, rng: np.random.Generator) -> dict:
    """Plain batch REINFORCE: θ ← θ − α ∇L(θ), L the mean surrogate loss of ``batch_size`` episodes.

    Records, for every iteration, the loss value L(θ) on its batch and the exact return J(θ), to
    show that the loss value does not measure performance (notebook 05).

    Returns a dict with ``theta`` [I + 1, P], ``loss`` [I], ``J`` [I + 1], ``mean_return`` [I]
    (the batch's average return).
    """
    _check_mdp(mdp)
    features = _check_features(mdp, features)
    theta = _check_theta(theta0, features).copy()
    alpha = check_positive(alpha, "alpha")
    batch_size = check_count(batch_size, "batch_size")
    num_iterations = check_count(num_iterations, "num_iterations")
    check_rng(rng)
    thetas, losses, returns, mean_returns = [theta.copy()], [], [], []
    returns.append(exact_return(mdp, softmax_policy(theta, features)))
    for _ in range(num_iterations):
        episodes = _simulate(mdp, softmax_policy(theta, features), batch_size, rng, 10_000)
        losses.append(surrogate_loss(theta, episodes, features))
        mean_returns.append(float(episodes.returns.mean()))
        theta = theta - alpha * surrogate_loss_gradient(theta, episodes, features)
        thetas.append(theta.copy())
        returns.append(exact_return(mdp, softmax_policy(theta, features)))
    return {"theta": np.array(thetas), "loss": np.array(losses), "J": np.array(returns),
            "mean_return": np.array(mean_returns)}


ESTIMATORS = {
    "plain": {"baseline": False, "reward_to_go": False},
    "baseline": {"baseline": True, "reward_to_go": False},
    "reward-to-go": {"baseline": False, "reward_to_go": True},
    "reward-to-go + baseline": {"baseline": True, "reward_to_go": True},
}


def estimator_statistics(mdp: MDP, theta, features, num_episodes: int, rng: np.random.Generator,
                         baseline=None) -> dict:
    """Mean, standard error and variance of the four REINFORCE estimators on the same episodes (notebook 06).

    The estimators are those of :func:`reinforce_gradients`: plain, with ``baseline`` (default: the
    exact state values V_π, any action-independent choice keeps it unbiased), with reward-to-go,
    and with both.

    Returns {name: {"mean": [P], "standard_error": [P], "variance": float (Σ_p Var of one-episode
    estimates), "z": [P] (|mean − exact| / SE)}}, plus "exact": [P].
    """
    _check_mdp(mdp)
    features = _check_features(mdp, features)
    theta = _check_theta(theta, features)
    num_episodes = check_count(num_episodes, "num_episodes", 2)
    check_rng(rng)
    pi = softmax_policy(theta, features)
    b = state_values(mdp, pi) if baseline is None else baseline
    exact = exact_policy_gradient(mdp, theta, features)
    episodes = _simulate(mdp, pi, num_episodes, rng, 100_000)
    result = {"exact": exact}
    for name, options in ESTIMATORS.items():
        per_episode = reinforce_gradients(episodes, theta, features,
                                          baseline=b if options["baseline"] else None,
                                          reward_to_go=options["reward_to_go"])  # [N, P]
        mean = per_episode.mean(axis=0)
        se = per_episode.std(axis=0, ddof=1) / np.sqrt(num_episodes)
        result[name] = {"mean": mean, "standard_error": se,
                        "variance": float(per_episode.var(axis=0, ddof=1).sum()),
                        "z": np.abs(mean - exact) / se}
    return result
