"""The policy gradient theorem on trajectories, and the corridor's J(p), derived with SymPy (notebooks 04–06).

log P(τ) = log μ(s_0) + Σ_{t=0}^{T−1} [log π_θ(a_t|s_t) + log P(s_{t+1}|s_t, a_t)]

is written out term by term for a horizon T, and SymPy differentiates every term: the start
distribution and the dynamics do not contain θ, so their derivatives are 0 and

∇_θ log P(τ) = Σ_{t=0}^{T−1} ∇_θ log π_θ(a_t|s_t).

The same is done for one concrete trajectory of :func:`pgviz.rl.examples.tiny_mdp` with its numbers, and
the short corridor's J(p) is solved from its Bellman equations (Sutton & Barto, Example 13.1).
"""

from __future__ import annotations

import sympy as sp

from pgviz.rl.enumeration import EnumeratedTrajectories, check_trajectories
from pgviz.rl.examples import short_corridor
from pgviz.rl.mdp import MDP, check_features, check_mdp
from pgviz.symbolic import check_expression
from pgviz.validation import check_count, check_index

__all__ = [
    "StartDistribution",
    "Dynamics",
    "Policy",
    "trajectory_terms",
    "trajectory_derivation_latex",
    "concrete_trajectory",
    "estimator_latex",
    "reward_to_go_latex",
    "symbolic_state_values",
    "short_corridor_symbolic",
]

theta = sp.Symbol("theta", real=True)
#: The longest trajectory written out term by term (3 terms a step; SymPy differentiates each).
MAX_HORIZON = 50


class StartDistribution(sp.Function):
    """μ(s_0), printed as such; it does not depend on θ."""

    def _latex(self, printer, exp=None):
        body = rf"\mu\left({printer._print(self.args[0])}\right)"
        return body if exp is None else rf"{body}^{{{exp}}}"


class Dynamics(sp.Function):
    """P(s'|s, a) with arguments (s', s, a), printed as a conditional probability."""

    def _latex(self, printer, exp=None):
        s_next, s, a = (printer._print(arg) for arg in self.args)
        body = rf"P\left({s_next} \mid {s}, {a}\right)"
        return body if exp is None else rf"{body}^{{{exp}}}"


class Policy(sp.Function):
    """π_θ(a|s) with arguments (a, s, θ): the only factor of P(τ) that depends on θ."""

    def _latex(self, printer, exp=None):
        a, s, _ = (printer._print(arg) for arg in self.args)
        body = rf"\pi_{{\theta}}\left({a} \mid {s}\right)"
        return body if exp is None else rf"{body}^{{{exp}}}"


def trajectory_terms(horizon: int) -> list[tuple[str, sp.Expr, sp.Expr]]:
    """Every term of log P(τ) for ``horizon`` steps and its θ-derivative, computed by SymPy.

    Returns a list of ``(kind, term, d term / dθ)`` with kind ``"start"``, ``"policy"`` or
    ``"dynamics"``, in the order μ(s_0), π(a_0|s_0), P(s_1|s_0, a_0), π(a_1|s_1), ... (notebook 04).
    The derivatives of the ``"start"`` and ``"dynamics"`` terms are 0: the dynamics drop out.
    """
    horizon = check_count(horizon, "horizon", 1, MAX_HORIZON)
    s = sp.symbols(f"s_0:{horizon + 1}")
    a = sp.symbols(f"a_0:{horizon}")
    terms = [("start", sp.log(StartDistribution(s[0])))]
    for t in range(horizon):
        terms.append(("policy", sp.log(Policy(a[t], s[t], theta))))
        terms.append(("dynamics", sp.log(Dynamics(s[t + 1], s[t], a[t]))))
    return [(kind, term, sp.diff(term, theta)) for kind, term in terms]


def trajectory_derivation_latex(horizon: int) -> str:
    """LaTeX of log P(τ) and ∇_θ log P(τ) with every term written, for ``horizon`` steps (notebook 04).

    Each derivative is SymPy's own (``sp.diff``), printed with ∂/∂θ; the zeros are where the
    start distribution and the dynamics were.
    """
    terms = trajectory_terms(horizon)
    log_line = " + ".join(sp.latex(term) for _, term, _ in terms)
    grad_line = " + ".join(
        (r"\underbrace{0}_{\nabla_\theta " + sp.latex(term) + "}")
        if derivative == 0
        else r"\nabla_\theta " + sp.latex(term)
        for _, term, derivative in terms
    )
    survivors = " + ".join(r"\nabla_\theta " + sp.latex(term) for _, term, derivative in terms if derivative != 0)
    T = horizon
    return (
        r"\begin{aligned}"
        rf"\log P(\tau) &= {log_line} \\"
        rf"\nabla_\theta \log P(\tau) &= {grad_line} \\"
        rf"&= {survivors} = \sum_{{t=0}}^{{{T - 1}}} \nabla_\theta \log \pi_\theta(a_t \mid s_t)"
        r"\end{aligned}"
    )


def concrete_trajectory(trajectories: EnumeratedTrajectories, index: int, features) -> dict:
    """One enumerated trajectory written with its numbers: P(τ; θ) and ∇_θ log P(τ) as SymPy objects.

    The policy is the softmax over ``features`` with symbols θ_0, ..., θ_{P−1}; μ and P(s'|s, a)
    enter as exact rationals. Returns a dict with ``theta`` (the symbols), ``factors`` (a list of
    ``(latex label, SymPy factor)`` in trajectory order), ``probability`` (their product),
    ``grad_log_probability`` (a SymPy Matrix [P]) and ``returns`` (R(τ), a float). Notebook 04.
    """
    check_trajectories(trajectories)
    index = check_index(index, "index", len(trajectories))
    mdp = trajectories.mdp
    features = check_features(mdp, features)
    symbols = sp.symbols(f"theta_0:{features.shape[2]}", real=True)
    names_s, names_a = mdp.states, mdp.actions
    states = trajectories.states[index]
    actions = trajectories.actions[index]
    length = int(trajectories.lengths[index])

    def policy_expr(s: int, a: int) -> sp.Expr:
        logits = [
            sum(sp.nsimplify(features[s, b, p]) * symbols[p] for p in range(len(symbols)))
            for b in range(mdp.num_actions)
        ]
        return sp.exp(logits[a]) / sum(sp.exp(logit) for logit in logits)

    factors = [(rf"\mu(\text{{{names_s[states[0]]}}})", sp.nsimplify(mdp.start[states[0]]))]
    for t in range(length):
        s, a, s_next = int(states[t]), int(actions[t]), int(states[t + 1])
        factors.append((rf"\pi_\theta(\text{{{names_a[a]}}} \mid \text{{{names_s[s]}}})", policy_expr(s, a)))
        factors.append(
            (
                rf"P(\text{{{names_s[s_next]}}} \mid \text{{{names_s[s]}}}, "
                rf"\text{{{names_a[a]}}})",
                sp.nsimplify(mdp.transitions[s, a, s_next]),
            )
        )
    probability = sp.Mul(*[factor for _, factor in factors])
    log_probability = sum(sp.log(factor) for _, factor in factors)
    gradient = sp.Matrix([sp.simplify(sp.diff(log_probability, symbol)) for symbol in symbols])
    return {
        "theta": symbols,
        "factors": factors,
        "probability": probability,
        "grad_log_probability": gradient,
        "returns": float(trajectories.returns[index]),
    }


def estimator_latex() -> str:
    """LaTeX of the REINFORCE estimator ĝ over m sampled trajectories, every Σ written (notebook 04)."""
    return (
        r"\hat g = \frac{1}{m} \sum_{i=1}^{m} \left( \sum_{t=0}^{T_i - 1} "
        r"\nabla_\theta \log \pi_\theta\left(a_t^{(i)} \mid s_t^{(i)}\right) \right) R\left(\tau^{(i)}\right),"
        r"\qquad R\left(\tau^{(i)}\right) = \sum_{t=0}^{T_i - 1} \gamma^t r_t^{(i)}"
    )


def reward_to_go_latex() -> str:
    """LaTeX of the reward-to-go estimator with a baseline b(s) (notebook 06)."""
    return (
        r"\hat g_{\text{rtg}} = \frac{1}{m} \sum_{i=1}^{m} \sum_{t=0}^{T_i - 1} "
        r"\nabla_\theta \log \pi_\theta\left(a_t^{(i)} \mid s_t^{(i)}\right) \gamma^t "
        r"\left( G_t^{(i)} - b\left(s_t^{(i)}\right) \right),"
        r"\qquad G_t^{(i)} = \sum_{k=t}^{T_i - 1} \gamma^{k-t} r_k^{(i)}"
    )


def symbolic_state_values(mdp: MDP, pi) -> sp.Matrix:
    """Solve the Bellman equations V = r_π + γ P_π V exactly, with a symbolic policy (notebook 06).

    Args:
        mdp: the MDP; pi: a SymPy Matrix (or nested list) [S, A] of action probabilities, which may
            contain symbols.
    Returns:
        V as a SymPy Matrix [S] (0 at terminal states), simplified.
    """
    check_mdp(mdp)
    rows = pi.tolist() if isinstance(pi, sp.MatrixBase) else pi
    if not isinstance(rows, (list, tuple)) or not all(isinstance(row, (list, tuple)) for row in rows):
        raise TypeError("pi must be a SymPy Matrix or a nested list [S, A] of SymPy expressions and numbers")
    shape = (mdp.num_states, mdp.num_actions)
    if len(rows) != shape[0] or any(len(row) != shape[1] for row in rows):
        raise ValueError(f"pi must have shape [{shape[0]}, {shape[1]}] (states x actions)")
    # Entries checked one by one: text would reach sympify, which evaluates it.
    pi = sp.Matrix(
        [[check_expression(entry, f"pi[{s}][{a}]") for a, entry in enumerate(row)] for s, row in enumerate(rows)]
    )
    values = sp.symbols(f"V_0:{mdp.num_states}")
    gamma = sp.nsimplify(mdp.gamma)
    equations = []
    for s in range(mdp.num_states):
        if mdp.terminal[s]:
            equations.append(sp.Eq(values[s], 0))
            continue
        rhs = 0
        for a in range(mdp.num_actions):
            expected_next = sum(
                sp.nsimplify(mdp.transitions[s, a, s2]) * values[s2]
                for s2 in range(mdp.num_states)
                if mdp.transitions[s, a, s2] > 0
            )
            rhs += pi[s, a] * (sp.nsimplify(mdp.rewards[s, a]) + gamma * expected_next)
        equations.append(sp.Eq(values[s], rhs))
    solution = sp.solve(equations, values, dict=True)
    if len(solution) != 1:
        raise ValueError("the Bellman equations have no unique solution for this pi")
    return sp.Matrix([sp.factor(sp.simplify(solution[0][v])) for v in values])


def short_corridor_symbolic() -> dict:
    """Sutton & Barto (2nd ed.), Example 13.1, solved by SymPy (notebook 06).

    With p = π(right) in every state: J(p) = v(s_0) = (2p − 4)/(p(1 − p)); dJ/dp = 0 gives
    p* = 2 − √2 ≈ 0.586 and J* = −(6 + 4√2) ≈ −11.66; ε-greedy with ε = 0.1 has p = 0.95 or 0.05,
    J ≈ −44.2 or −82.1.

    Returns a dict with ``p`` (symbol), ``J`` (expression), ``dJ`` (its derivative), ``p_star``,
    ``J_star`` (exact SymPy numbers) and ``epsilon_greedy`` ({"right": J(0.95), "left": J(0.05)}
    as exact rationals).
    """
    p = sp.Symbol("p", positive=True)
    mdp = short_corridor()
    pi = sp.Matrix([[1 - p, p]] * mdp.num_states)
    J = symbolic_state_values(mdp, pi)[0]
    dJ = sp.factor(sp.diff(J, p))
    candidates = [root for root in sp.solve(sp.numer(sp.together(dJ)), p) if 0 < root < 1]
    if len(candidates) != 1:  # pragma: no cover - the algebra has one interior critical point
        raise RuntimeError(f"expected one critical point in (0, 1), got {candidates}")
    p_star = sp.radsimp(candidates[0])
    J_star = sp.radsimp(sp.simplify(J.subs(p, p_star)))
    epsilon = sp.Rational(1, 10)
    return {
        "p": p,
        "J": J,
        "dJ": dJ,
        "p_star": p_star,
        "J_star": J_star,
        "epsilon_greedy": {"right": J.subs(p, 1 - epsilon / 2), "left": J.subs(p, epsilon / 2)},
    }
