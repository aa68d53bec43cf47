"""pgviz.rl.derivation: the SymPy derivation of ∇ log P(τ) and the corridor's J(p).

Truths used: the numeric score and probability of each enumerated trajectory of tiny_mdp;
Sutton & Barto's Example 13.1 (J(p) = (2p − 4)/(p(1 − p)), p* = 2 − √2, the ε-greedy values −44 and −82);
the linear Bellman solve of pgviz.rl.exact.
"""

import numpy as np
import pytest
import sympy as sp

from pgviz import rl
from pgviz.rl import derivation


@pytest.mark.parametrize("horizon", [1, 2, 4])
def test_dynamics_and_start_terms_have_zero_derivative_policy_terms_do_not(horizon):
    terms = derivation.trajectory_terms(horizon)
    assert len(terms) == 1 + 2 * horizon  # μ(s0), then π and P for every step
    for kind, _term, derivative in terms:
        if kind == "policy":
            assert derivative != 0 and derivative.has(derivation.theta)
        else:
            assert derivative == 0


def test_derivation_latex_writes_every_term():
    latex = derivation.trajectory_derivation_latex(3)
    assert latex.count(r"\pi_{\theta}") >= 3 * 3  # in log P, in the gradient, in the survivors
    assert latex.count(r"P\left(s_{") == 2 * 3
    assert r"\mu\left(s_{0}\right)" in latex
    with pytest.raises(ValueError, match="horizon must be an integer >= 1"):
        derivation.trajectory_derivation_latex(0)
    with pytest.raises(TypeError, match="horizon must be an integer"):
        derivation.trajectory_terms(1.5)


def test_concrete_trajectory_gradient_equals_numeric_score_and_probability():
    mdp, features = rl.tiny_mdp(), rl.tiny_features()
    trajectories = rl.enumerate_trajectories(mdp, 3)
    theta = np.array([0.3, -0.7, 1.1])
    pi = rl.softmax_policy(theta, features)
    for k in range(len(trajectories)):
        concrete = derivation.concrete_trajectory(trajectories, k, features)
        values = dict(zip(concrete["theta"], theta))
        gradient = np.array(concrete["grad_log_probability"].subs(values), dtype=float).ravel()
        np.testing.assert_allclose(gradient, trajectories.scores(theta, features)[k], atol=1e-12)
        assert float(concrete["probability"].subs(values)) == pytest.approx(
            trajectories.probabilities(pi)[k], rel=1e-12
        )
    with pytest.raises(ValueError, match="index must be an integer index in"):
        derivation.concrete_trajectory(trajectories, 10, features)


def test_short_corridor_symbolic_reproduces_sutton_barto_example_13_1():
    solution = derivation.short_corridor_symbolic()
    p = solution["p"]
    assert sp.simplify(solution["J"] - (2 * p - 4) / (p * (1 - p))) == 0
    assert sp.simplify(solution["p_star"] - (2 - sp.sqrt(2))) == 0
    assert sp.simplify(solution["J_star"] + 6 + 4 * sp.sqrt(2)) == 0
    assert abs(float(solution["p_star"]) - (2 - np.sqrt(2))) < 1e-9
    assert abs(float(solution["J_star"]) + 6 + 4 * np.sqrt(2)) < 1e-9
    # ε-greedy with ε = 0.1: the book's "about −44 and −82"
    assert float(solution["epsilon_greedy"]["right"]) == pytest.approx(-2.1 / 0.0475, abs=1e-9)
    assert float(solution["epsilon_greedy"]["left"]) == pytest.approx(-3.9 / 0.0475, abs=1e-9)
    assert round(float(solution["epsilon_greedy"]["right"])) == -44
    assert round(float(solution["epsilon_greedy"]["left"])) == -82


def test_symbolic_state_values_match_linear_solve_on_slippery_chain():
    mdp = rl.chain_mdp(num_states=3, gamma=0.9, slip=0.1)
    pi = np.full((mdp.num_states, 2), 0.5)
    values = derivation.symbolic_state_values(mdp, sp.Matrix([[sp.Rational(1, 2)] * 2] * mdp.num_states))
    np.testing.assert_allclose(np.array(values, dtype=float).ravel(), rl.state_values(mdp, pi), atol=1e-9)
    with pytest.raises(ValueError, match="pi must have shape"):
        derivation.symbolic_state_values(mdp, sp.Matrix([[1, 0]]))
    with pytest.raises(TypeError, match="mdp must be"):
        derivation.symbolic_state_values(None, sp.Matrix([[1, 0]]))


def test_estimator_latex_has_every_sum():
    assert r"\sum_{i=1}^{m}" in derivation.estimator_latex() and r"\sum_{t=0}^{T_i - 1}" in derivation.estimator_latex()
    assert (
        r"G_t^{(i)}" in derivation.reward_to_go_latex()
        and r"b\left(s_t^{(i)}\right)" in derivation.reward_to_go_latex()
    )
