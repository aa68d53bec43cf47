"""pgviz.rl.collapse, and learning curves whose collapsed runs are not stopped.

Truths used: rl.reinforce itself (one episode on the same random stream must leave θ exactly where
the replayed loop does); the batched update is α times the reward-to-go estimate of
rl.reinforce_gradients at the fixed θ (γ = 1); the clipped probabilities do not move with θ, so
log π̃ has derivative 0 where the floored score is not 0, while Σ_a π̃(a) s(a) = 0.
"""

import numpy as np
import pytest

from pgviz import rl

CORRIDOR, FEATURES = rl.short_corridor(), rl.corridor_features()
THETA0 = np.array([-1.47, 1.47])  # π(right) ≈ 0.05


def one_episode(seed, min_prob, max_steps=1000):
    states, actions, rewards = np.empty(max_steps, np.int64), np.empty(max_steps, np.int64), np.empty(max_steps)
    pi = rl.floored_policy(THETA0, FEATURES, min_prob)
    T, _ = rl.generate_episode(CORRIDOR.arrays, pi, max_steps, np.random.default_rng(seed), states, actions, rewards)
    return states[:T], actions[:T], rewards[:T]


@pytest.mark.parametrize("min_prob", [0.0, 0.05])
def test_replayed_loop_is_reinforce_on_the_same_episode(min_prob):
    alpha = 2**-10
    for seed in (11, 12):
        states, actions, rewards = one_episode(seed, min_prob)
        run = rl.reinforce(
            CORRIDOR.arrays, FEATURES, THETA0, alpha, 0.0, 1, np.random.default_rng(seed), 1000, min_prob, 1e-3
        )
        replay = rl.replay_episode(THETA0, FEATURES, states, actions, rewards, alpha, 1.0, min_prob)
        np.testing.assert_array_equal(replay["theta_in_loop"][-1], run[3])
        assert replay["theta_in_loop"].shape == (len(states) + 1, 2)
        np.testing.assert_allclose(replay["policy_in_loop"][0], rl.floored_policy(THETA0, FEATURES, min_prob)[0])


def test_batched_update_is_alpha_times_the_reward_to_go_estimate_at_fixed_theta():
    states, actions, rewards = one_episode(5, 0.0)
    episodes = rl.Episodes(
        states=states[None],
        actions=actions[None],
        rewards=rewards[None],
        lengths=np.array([len(states)]),
        truncated=np.array([False]),
        gamma=1.0,
    )
    estimate = rl.reinforce_gradients(episodes, THETA0, FEATURES, reward_to_go=True)[0]
    replay = rl.replay_episode(THETA0, FEATURES, states, actions, rewards, 0.01, 1.0)
    np.testing.assert_allclose(replay["theta_batched"], THETA0 + 0.01 * estimate, rtol=1e-12)


def test_floored_score_is_not_the_derivative_of_the_floored_log_policy():
    theta, h = np.array([2.0, -2.0]), 1e-6  # σ(4) = 0.98 > 0.95: clipped
    pi = rl.floored_policy(theta, FEATURES, 0.05)
    np.testing.assert_allclose(pi[0], [0.05, 0.95])
    score = rl.floored_score(theta, FEATURES, 0.05)
    derivative = [
        (np.log(rl.floored_policy(theta + e, FEATURES, 0.05)) - np.log(rl.floored_policy(theta - e, FEATURES, 0.05)))
        / (2 * h)
        for e in np.eye(2) * h
    ]
    np.testing.assert_allclose(derivative, 0.0, atol=1e-8)
    assert np.max(np.abs(score[0])) > 0.9
    np.testing.assert_allclose(np.einsum("sa,sap->sp", pi, score), 0.0, atol=1e-15)
    inside = np.array([0.2, -0.1])  # not clipped: the floored score is the softmax score
    np.testing.assert_allclose(rl.floored_score(inside, FEATURES, 0.05), rl.policy_score(inside, FEATURES), atol=1e-15)


def test_learning_curves_with_collapse_below_none_never_stop_a_run():
    arguments = dict(alphas=[2**-9], num_runs=3, num_episodes=8, max_steps=20, progress=False)
    stopped = rl.reinforce_learning_curves(
        CORRIDOR, FEATURES, THETA0, rng=np.random.default_rng(8), collapse_below=0.1, **arguments
    )
    assert np.all(stopped.collapsed_at >= 0) and np.isnan(stopped.total_reward).any()
    kept = rl.reinforce_learning_curves(
        CORRIDOR, FEATURES, THETA0, rng=np.random.default_rng(8), collapse_below=None, **arguments
    )
    assert np.all(kept.collapsed_at == -1) and np.all(np.isfinite(kept.total_reward))
    assert kept.truncated.any()  # the cut episodes are in the curves, at the cap's total reward
    np.testing.assert_array_equal(kept.total_reward[kept.truncated], -20.0)


def test_collapse_functions_reject_bad_arguments():
    states, actions, rewards = one_episode(5, 0.0)
    with pytest.raises(ValueError, match="equal lengths"):
        rl.replay_episode(THETA0, FEATURES, states, actions[:-1], rewards, 0.01, 1.0)
    with pytest.raises(ValueError, match="alpha"):
        rl.replay_episode(THETA0, FEATURES, states, actions, rewards, 0.0, 1.0)
    with pytest.raises(ValueError, match="index"):
        rl.replay_episode(THETA0, FEATURES, states + 10, actions, rewards, 0.01, 1.0)
    with pytest.raises(ValueError, match="min_prob"):
        rl.floored_policy(THETA0, FEATURES, 0.5)
