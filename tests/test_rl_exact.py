"""pgviz.rl.exact: values, returns, visits and the exact policy gradient by linear solves.

Truths used: central finite differences of the exact return (an independent derivative);
the corridor's J(p) = (2p - 4) / (p (1 - p)) (Sutton & Barto, Example 13.1) and its optimum
p* = 2 - sqrt(2), J* = -(6 + 4 sqrt(2)); tiny_mdp's values under the uniform policy worked by
hand; the Bellman equations and the visit identity J = sum_s d(s) r_pi(s) as residuals.
"""

import numpy as np
import pytest

from pgviz import rl


def _problems():
    """(name, mdp, features) for four MDPs with different structure."""
    rng = np.random.default_rng(4)
    chain = rl.chain_mdp(num_states=4, gamma=0.95, slip=0.1)
    chain_features = rng.normal(size=(chain.num_states, 2, 3))  # [S, A, P]
    random = rl.random_mdp(np.random.default_rng(5), num_states=4, num_actions=3, gamma=0.8)
    random_features = rng.normal(size=(random.num_states, 3, 4))
    return [
        ("short corridor", rl.short_corridor(), rl.corridor_features()),
        ("tiny", rl.tiny_mdp(), rl.tiny_features()),
        ("chain", chain, chain_features),
        ("random", random, random_features),
    ]


PROBLEMS = _problems()


def central_differences(mdp, theta, features, h=1e-5):
    """(J(theta + h e_p) - J(theta - h e_p)) / 2h for every p, J the exact return."""
    grad_ = np.zeros_like(theta)
    for p in range(len(theta)):
        step = np.eye(len(theta))[p] * h
        plus = rl.exact_return(mdp, rl.softmax_policy(theta + step, features))
        minus = rl.exact_return(mdp, rl.softmax_policy(theta - step, features))
        grad_[p] = (plus - minus) / (2 * h)
    return grad_


@pytest.mark.parametrize("name, mdp, features", PROBLEMS, ids=[p[0] for p in PROBLEMS])
def test_exact_gradient_matches_central_finite_differences(name, mdp, features):
    rng = np.random.default_rng(11)
    for _ in range(3):
        theta = rng.normal(size=features.shape[2])
        exact = rl.exact_policy_gradient(mdp, theta, features)
        fd = central_differences(mdp, theta, features)
        # central differences have error O(h^2 J''') plus rounding O(eps |J| / h) ~ 1e-9 here
        np.testing.assert_allclose(exact, fd, rtol=1e-6, atol=1e-6 * (1 + abs(exact).max()))
        np.testing.assert_allclose(rl.finite_difference_gradient(mdp, theta, features), fd, rtol=1e-9, atol=1e-12)


def test_corridor_return_is_the_closed_form_and_its_gradient_vanishes_at_the_optimum():
    corridor = rl.short_corridor()
    for p in (0.05, 0.3, 2 - np.sqrt(2), 0.95):
        pi = np.tile([1 - p, p], (corridor.num_states, 1))
        assert rl.exact_return(corridor, pi) == pytest.approx((2 * p - 4) / (p * (1 - p)), rel=1e-12)
    p_star = 2 - np.sqrt(2)
    pi = np.tile([1 - p_star, p_star], (4, 1))
    assert rl.exact_return(corridor, pi) == pytest.approx(-(6 + 4 * np.sqrt(2)), rel=1e-12)
    theta_star = np.array([np.log(p_star / (1 - p_star)), 0.0])  # sigmoid(theta_0 - theta_1) = p*
    np.testing.assert_allclose(rl.exact_policy_gradient(corridor, theta_star, rl.corridor_features()), 0, atol=1e-9)


def test_tiny_values_under_the_uniform_policy_worked_by_hand():
    """gamma = 0.9, pi = 1/2 everywhere: V(s2) = (0 + 2)/2 = 1; V(s1) = (1 + 0)/2 + 0.9 (1/2)(1/2) V(s2)
    = 0.725; V(s0) = (0 + 0.9 V(s1))/2 + (1 + 0.9 (V(s1) + V(s2))/2)/2 = 1.214375."""
    values = rl.state_values(rl.tiny_mdp(), np.full((4, 2), 0.5))
    np.testing.assert_allclose(values, [1.214375, 0.725, 1.0, 0.0], rtol=1e-14)


@pytest.mark.parametrize("name, mdp, features", PROBLEMS, ids=[p[0] for p in PROBLEMS])
def test_values_q_values_and_visits_satisfy_their_equations(name, mdp, features):
    """V = r_pi + gamma P_pi V; sum_a pi Q = V; d^T (I - gamma P_pi) = mu^T on the non-terminal
    states; and J = mu . V = sum_s d(s) r_pi(s)."""
    theta = np.random.default_rng(3).normal(size=features.shape[2])
    pi = rl.softmax_policy(theta, features)
    values, q, visits = rl.state_values(mdp, pi), rl.action_values(mdp, pi), rl.discounted_visits(mdp, pi)
    live = ~mdp.terminal
    r_pi = (pi * mdp.rewards).sum(axis=1)
    P_pi = np.einsum("sa,sat->st", pi, mdp.transitions)
    np.testing.assert_allclose(values[live], (r_pi + mdp.gamma * P_pi @ values)[live], rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose((pi * q).sum(axis=1), values, rtol=1e-10, atol=1e-10)
    P_live = P_pi[np.ix_(live, live)]
    np.testing.assert_allclose(visits[live] - mdp.gamma * visits[live] @ P_live, mdp.start[live], atol=1e-10)
    assert np.all(values[mdp.terminal] == 0) and np.all(visits[mdp.terminal] == 0)
    J = rl.exact_return(mdp, pi)
    assert J == pytest.approx(mdp.start @ values, rel=1e-12)
    assert J == pytest.approx(visits @ r_pi, rel=1e-9)


def test_bad_arguments_name_the_argument():
    corridor = rl.short_corridor()
    with pytest.raises(ValueError, match="pi must have shape"):
        rl.exact_return(corridor, np.full((3, 2), 0.5))
    with pytest.raises(ValueError, match="pi must sum to 1"):
        rl.exact_return(corridor, np.full((4, 2), 0.4))
    with pytest.raises(ValueError, match="pi must be nonnegative"):
        rl.exact_return(corridor, np.tile([-0.5, 1.5], (4, 1)))
    with pytest.raises(ValueError, match="pi never reaches a terminal"):
        rl.exact_return(corridor, np.tile([0.0, 1.0], (4, 1)))
    with pytest.raises(TypeError, match="mdp must be"):
        rl.exact_return("corridor", np.full((4, 2), 0.5))
    with pytest.raises(ValueError, match="pi must contain only finite"):
        rl.exact_return(corridor, np.full((4, 2), np.nan))
    features = rl.corridor_features()
    with pytest.raises(ValueError, match="theta must have shape"):
        rl.exact_policy_gradient(corridor, np.zeros(3), features)
    with pytest.raises(ValueError, match="features must have shape"):
        rl.exact_policy_gradient(corridor, np.zeros(2), np.zeros((3, 2, 2)))
    with pytest.raises(ValueError, match="h must be > 0"):
        rl.finite_difference_gradient(corridor, np.zeros(2), features, h=0.0)
