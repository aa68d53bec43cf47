"""pgviz.rl.policy: the softmax policy and its score against closed forms and finite differences.

Truths used: pi(right) = sigmoid(theta_0 - theta_1) on the corridor's features and sigmoid(theta_s)
on tiny_mdp's; central differences of log pi; E_pi[score] = 0; Zhang's floor keeping pi in
[0.05, 0.95] for two actions.
"""

import numpy as np
import pytest

from pgviz import rl
from pgviz.rl.policy import action_probabilities, action_score


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def test_softmax_policy_closed_forms():
    theta = np.array([0.7, -0.4])
    pi = rl.softmax_policy(theta, rl.corridor_features())
    np.testing.assert_allclose(pi[:, 1], sigmoid(theta[0] - theta[1]), rtol=1e-14)
    np.testing.assert_allclose(pi.sum(axis=1), 1.0, rtol=1e-15)
    theta = np.array([0.5, -1.0, 2.0])
    pi = rl.softmax_policy(theta, rl.tiny_features())
    np.testing.assert_allclose(pi[:3, 1], sigmoid(theta), rtol=1e-14)
    np.testing.assert_allclose(pi[3], [0.5, 0.5])  # zero features: uniform


def test_score_is_feature_minus_expected_feature_and_has_mean_zero():
    features = np.random.default_rng(0).normal(size=(3, 4, 2))  # [S, A, P]
    theta = np.array([0.5, -1.0])
    pi = rl.softmax_policy(theta, features)
    score = rl.policy_score(theta, features)  # [S, A, P]
    np.testing.assert_allclose(np.einsum("sa,sap->sp", pi, score), 0.0, atol=1e-15)
    h = 1e-6
    for p in range(2):
        step = np.eye(2)[p] * h
        fd = (np.log(rl.softmax_policy(theta + step, features)) - np.log(rl.softmax_policy(theta - step, features))) / (
            2 * h
        )
        np.testing.assert_allclose(score[..., p], fd, atol=1e-8)


def test_per_state_helpers_equal_the_tables():
    """action_probabilities and action_score, what the compiled loops call, give the rows of
    softmax_policy and policy_score."""
    features = np.random.default_rng(1).normal(size=(3, 4, 2))
    theta = np.array([-0.3, 1.2])
    pi, score = rl.softmax_policy(theta, features), rl.policy_score(theta, features)
    for s in range(3):
        np.testing.assert_allclose(action_probabilities(theta, features[s]), pi[s], rtol=1e-14)
        for a in range(4):
            np.testing.assert_allclose(action_score(features[s], a, pi[s]), score[s, a], rtol=1e-12, atol=1e-15)


def test_floor_probabilities_clips_and_renormalizes():
    """Two actions: pi clipped to [eps, 1 - eps] (already normalized). Three: clipped to
    [eps, 1 - 2 eps], then divided by the row sum."""
    pi = np.array([[0.01, 0.99], [0.3, 0.7], [0.97, 0.03]])
    np.testing.assert_allclose(rl.floor_probabilities(pi, 0.05), [[0.05, 0.95], [0.3, 0.7], [0.95, 0.05]], rtol=1e-15)
    three = np.array([0.001, 0.299, 0.7])
    clipped = np.array([0.05, 0.299, 0.7])
    np.testing.assert_allclose(rl.floor_probabilities(three, 0.05), clipped / clipped.sum(), rtol=1e-15)
    untouched = np.array([0.2, 0.3, 0.5])
    np.testing.assert_allclose(rl.floor_probabilities(untouched, 0.05), untouched, rtol=1e-15)


def test_bad_arguments_name_the_argument():
    with pytest.raises(ValueError, match="theta must have shape"):
        rl.softmax_policy(np.zeros(3), rl.corridor_features())
    with pytest.raises(ValueError, match="features must have shape"):
        rl.policy_score(np.zeros(2), np.zeros((4, 2)))
    with pytest.raises(ValueError, match="theta must contain only finite"):
        rl.softmax_policy(np.array([np.nan, 0.0]), rl.corridor_features())
