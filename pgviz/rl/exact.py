"""Exact values, returns, visits and policy gradients of an MDP, by linear solves (notebooks 04, 06).

* :func:`exact_return` solves the Bellman equations ``(I - γ P_π) V = r_π``;
* :func:`exact_policy_gradient` uses the policy gradient theorem with exact discounted visit
  counts and action values (two linear solves);
* :func:`finite_difference_gradient`: central differences of the exact return, an independent check.
"""

from __future__ import annotations

import numpy as np

from pgviz.rl.mdp import MDP, check_features, check_mdp, check_pi, check_theta
from pgviz.rl.policy import policy_score, softmax_policy
from pgviz.validation import check_positive

__all__ = [
    "state_values",
    "action_values",
    "exact_return",
    "discounted_visits",
    "exact_policy_gradient",
    "finite_difference_gradient",
    "expected_length",
]


def expected_length(mdp: MDP, pi) -> float:
    """E[T]: the expected number of steps of an episode of ``pi`` from the start distribution,
    from (I − P_π) n = 1 on the non-terminal states; inf when some reachable state never ends."""
    check_mdp(mdp)
    pi = check_pi(mdp, pi)
    live = ~mdp.terminal
    P_pi = np.einsum("sa,sat->st", pi, mdp.transitions)[np.ix_(live, live)]  # [S', S']
    matrix = np.eye(P_pi.shape[0]) - P_pi
    if np.linalg.cond(matrix) > 1e12:
        return float("inf")
    steps = np.linalg.solve(matrix, np.ones(P_pi.shape[0]))  # [S'], expected steps from each state
    return float(mdp.start[live] @ steps) if np.all(steps >= 0) else float("inf")


def _solve_nonterminal(mdp: MDP, pi: np.ndarray, rhs: np.ndarray, transpose: bool) -> np.ndarray:
    """Solve (I − γ P_π) x = rhs (or its transpose) on the non-terminal states."""
    live = ~mdp.terminal
    P_pi = np.einsum("sa,sat->st", pi, mdp.transitions)[np.ix_(live, live)]  # [S', S']
    matrix = np.eye(P_pi.shape[0]) - mdp.gamma * P_pi
    if np.linalg.cond(matrix) > 1e12:
        raise ValueError(
            "pi never reaches a terminal state from some state while gamma = 1, so its "
            "return is unbounded: use a policy that ends every episode, or gamma < 1"
        )
    return np.linalg.solve(matrix.T if transpose else matrix, rhs[live])


def state_values(mdp: MDP, pi) -> np.ndarray:
    """V_π(s) from the Bellman equations V = r_π + γ P_π V, one linear solve (notebook 04).

    Args:
        mdp: the MDP; pi: action probabilities [S, A].
    Returns:
        V, shape [S] (0 at terminal states).
    """
    check_mdp(mdp)
    pi = check_pi(mdp, pi)
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
    check_mdp(mdp)
    return float(mdp.start @ state_values(mdp, pi))


def discounted_visits(mdp: MDP, pi) -> np.ndarray:
    """d_π(s) = Σ_t γ^t Pr(s_t = s): expected discounted visits from μ, shape [S] (0 at terminals).

    Solves dᵀ (I − γ P_π) = μᵀ on the non-terminal states.
    """
    check_mdp(mdp)
    pi = check_pi(mdp, pi)
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
    check_mdp(mdp)
    features = check_features(mdp, features)
    theta = check_theta(theta, features)
    pi = softmax_policy(theta, features)  # [S, A]
    visits = discounted_visits(mdp, pi)  # [S]
    q = action_values(mdp, pi)  # [S, A]
    score = policy_score(theta, features)  # [S, A, P]
    return np.einsum("s,sa,sa,sap->p", visits, pi, q, score)


# --------------------------------------------------------------------------------------------
# small helpers the notebooks call (no logic lives in a notebook cell)
# --------------------------------------------------------------------------------------------
def finite_difference_gradient(mdp: MDP, theta, features, h: float = 1e-5) -> np.ndarray:
    """Central differences of the exact return: (J(θ + h e_p) − J(θ − h e_p)) / 2h, shape [P].

    An independent check of :func:`exact_policy_gradient` (notebook 04); error O(h²).
    """
    check_mdp(mdp)
    features = check_features(mdp, features)
    theta = check_theta(theta, features)
    h = check_positive(h, "h")
    grad_ = np.zeros(len(theta))
    for p, step in enumerate(np.eye(len(theta)) * h):
        grad_[p] = (
            exact_return(mdp, softmax_policy(theta + step, features))
            - exact_return(mdp, softmax_policy(theta - step, features))
        ) / (2 * h)
    return grad_
