"""pgviz.rl.moments: exact bias and variance of REINFORCE estimators by enumeration.

Truths used: a two-point distribution's mean and variance; the policy gradient theorem for the
unbiased estimators; the plain estimator's variance recomputed from the trajectories' own scores
and returns; the undiscounted-visit weighting (linear solves) as the mean of reward-to-go without
γ^t; the zero mean of the score given the past, for every past reward.
"""

import numpy as np
import pytest

from pgviz import rl

FEATURES = rl.tiny_features()
THETA = np.array([0.5, -0.5, 0.2])


def setup(gamma=0.9):
    mdp = rl.tiny_mdp(gamma=gamma)
    trajectories = rl.enumerate_trajectories(mdp, horizon=3)
    pi = rl.softmax_policy(THETA, FEATURES)
    return mdp, trajectories, pi


def test_exact_moments_of_a_two_point_distribution():
    out = rl.exact_moments([0.25, 0.75], [[0.0, 4.0], [4.0, 0.0]])
    np.testing.assert_allclose(out["mean"], [3.0, 1.0])
    np.testing.assert_allclose(out["variance"], [3.0, 3.0])  # 16 p (1 - p)
    assert out["total_variance"] == pytest.approx(6.0)


def test_variants_are_unbiased_and_their_variances_are_exact():
    mdp, trajectories, pi = setup()
    out = rl.estimator_moments(trajectories, THETA, FEATURES, rl.state_values(mdp, pi))
    for name in rl.VARIANTS:
        np.testing.assert_allclose(out[name]["bias"], 0.0, atol=1e-12, err_msg=name)
    probabilities = trajectories.probabilities(pi)
    plain = trajectories.scores(THETA, FEATURES) * trajectories.returns[:, None]
    by_hand = probabilities @ np.sum((plain - out["exact"]) ** 2, axis=1)
    assert out["plain"]["variance"] == pytest.approx(by_hand, rel=1e-12)
    variances = [out[name]["variance"] for name in rl.VARIANTS]
    assert variances[0] > variances[2] > variances[3] and variances[0] > variances[1] > variances[3]


def test_dropping_gamma_t_is_biased_below_gamma_one_by_the_undiscounted_visits():
    for gamma in (0.9, 0.5):
        mdp, trajectories, pi = setup(gamma)
        out = rl.estimator_moments(trajectories, THETA, FEATURES, rl.state_values(mdp, pi))
        assert np.max(np.abs(out[rl.NO_GAMMA_T]["bias"])) > 1e-3
        np.testing.assert_allclose(out[rl.NO_GAMMA_T]["mean"], rl.undiscounted_visits_gradient(mdp, THETA, FEATURES))
    mdp, trajectories, pi = setup(1.0)
    out = rl.estimator_moments(trajectories, THETA, FEATURES, rl.state_values(mdp, pi))
    np.testing.assert_allclose(out[rl.NO_GAMMA_T]["bias"], 0.0, atol=1e-12)
    np.testing.assert_allclose(rl.undiscounted_visits_gradient(mdp, THETA, FEATURES), out["exact"], atol=1e-12)


def test_past_rewards_have_zero_cross_terms_and_the_rest_sum_to_grad_J():
    mdp, trajectories, _ = setup()
    terms = rl.past_reward_terms(trajectories, THETA, FEATURES)  # [t, k, P]
    horizon = terms.shape[0]
    past = np.tril(np.ones((horizon, horizon), bool), k=-1)  # k < t
    np.testing.assert_allclose(terms[past], 0.0, atol=1e-15)
    assert np.all(np.linalg.norm(terms[np.diag_indices(horizon)], axis=1) > 1e-3)
    exact = rl.exact_policy_gradient(mdp, THETA, FEATURES)
    np.testing.assert_allclose(terms.sum(axis=(0, 1)), exact, atol=1e-12)
    np.testing.assert_allclose(terms[~past].sum(axis=0), exact, atol=1e-12)


def test_moments_reject_bad_arguments():
    mdp, trajectories, pi = setup()
    with pytest.raises(ValueError, match="probabilities"):
        rl.exact_moments([0.5, 0.6], [[1.0], [2.0]])
    with pytest.raises(ValueError, match="values"):
        rl.exact_moments([0.5, 0.5], [[1.0], [2.0], [3.0]])
    cut = rl.enumerate_trajectories(mdp, horizon=2)
    with pytest.raises(ValueError, match="horizon"):
        rl.estimator_moments(cut, THETA, FEATURES, rl.state_values(mdp, pi))
    with pytest.raises(TypeError, match="mdp"):
        rl.undiscounted_visits_gradient("mdp", THETA, FEATURES)
