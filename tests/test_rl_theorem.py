"""pgviz.rl.theorem: the chain ∇ΣP R = Σ∇P R = ΣP(∇P/P)R = ΣP ∇log P R = ΣP (Σ_t score) R, each line computed.

Truths used: the policy gradient theorem (exact_policy_gradient, linear solves) and the closed-form
softmax score; the chain computed by central differences must meet both, and must fail to meet
the exact gradient when the horizon cuts episodes (it is then the truncated return's gradient).
"""

import numpy as np
import pytest

from pgviz import rl

FEATURES = rl.tiny_features()


@pytest.mark.parametrize("detour", [0.0, 0.5, 0.9])
def test_every_line_of_the_chain_equals_the_exact_gradient(detour):
    mdp = rl.tiny_mdp(gamma=0.9, detour=detour)
    trajectories = rl.enumerate_trajectories(mdp, horizon=3)
    for theta in (np.array([0.5, -0.5, 0.2]), np.array([-1.0, 2.0, 0.3])):
        exact = rl.exact_policy_gradient(mdp, theta, FEATURES)
        lines = rl.chain_values(trajectories, theta, FEATURES)
        assert list(lines) == list(rl.CHAIN)
        for name, value in lines.items():
            np.testing.assert_allclose(value, exact, atol=1e-8, err_msg=name)


def test_log_probability_gradients_do_not_see_the_dynamics_but_probabilities_and_grad_J_do():
    theta = np.array([0.5, -0.5, 0.2])
    pi = rl.softmax_policy(theta, FEATURES)
    a, b = (rl.enumerate_trajectories(rl.tiny_mdp(0.9, detour), horizon=3) for detour in (0.5, 0.9))
    assert rl.trajectory_labels(a) == rl.trajectory_labels(b)
    grad_a, grad_b = rl.log_probability_gradients(a, theta, FEATURES), rl.log_probability_gradients(b, theta, FEATURES)
    np.testing.assert_allclose(grad_a, grad_b, atol=1e-9)
    np.testing.assert_allclose(grad_a, a.scores(theta, FEATURES), atol=1e-9)
    assert np.max(np.abs(a.probabilities(pi) - b.probabilities(pi))) > 0.02
    gradients = [rl.exact_policy_gradient(rl.tiny_mdp(0.9, d), theta, FEATURES) for d in (0.5, 0.9)]
    assert np.max(np.abs(gradients[0] - gradients[1])) > 0.02


def test_a_horizon_that_cuts_episodes_gives_the_truncated_gradient_not_the_exact_one():
    mdp, theta = rl.tiny_mdp(0.9), np.array([0.5, -0.5, 0.2])
    cut = rl.enumerate_trajectories(mdp, horizon=2)
    assert not cut.ended.all()
    lines = rl.chain_values(cut, theta, FEATURES)
    np.testing.assert_allclose(lines["policy_scores"], rl.enumeration_policy_gradient(cut, theta, FEATURES), atol=1e-12)
    assert np.max(np.abs(lines["grad_of_sum"] - rl.exact_policy_gradient(mdp, theta, FEATURES))) > 1e-3


def test_theorem_functions_reject_bad_arguments():
    trajectories = rl.enumerate_trajectories(rl.tiny_mdp(), horizon=3)
    with pytest.raises(ValueError, match="h"):
        rl.chain_values(trajectories, np.zeros(3), FEATURES, h=0.0)
    with pytest.raises(ValueError, match="theta"):
        rl.log_probability_gradients(trajectories, np.zeros(2), FEATURES)
    with pytest.raises(TypeError, match="trajectories"):
        rl.chain_values("trajectories", np.zeros(3), FEATURES)
