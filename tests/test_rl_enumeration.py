"""pgviz.rl.enumeration: every trajectory of a short horizon, against the exact solves and sampling.

Truths used: the Bellman solve of pgviz.rl.exact (J and the policy gradient theorem) when every
episode ends within the horizon; central differences of the truncated return otherwise; and the
frequencies of sampled episodes, within 5 binomial standard errors of the enumerated P(tau).
"""

import numpy as np
import pytest

from pgviz import rl

TINY, TINY_FEATURES = rl.tiny_mdp(), rl.tiny_features()
TRAJECTORIES = rl.enumerate_trajectories(TINY, horizon=3)


def test_tiny_has_ten_trajectories_whose_probabilities_sum_to_one():
    assert len(TRAJECTORIES) == 10 and TRAJECTORIES.ended.all()
    labels = rl.trajectory_labels(TRAJECTORIES)
    assert len(set(labels)) == 10 and "s0 -left-> s1 -left-> end" in labels
    # the return of s0 -right-> s2 -right-> end is 1 + 0.9 * 2
    k = labels.index("s0 -right-> s2 -right-> end")
    assert TRAJECTORIES.returns[k] == pytest.approx(1 + 0.9 * 2, rel=1e-15)
    rng = np.random.default_rng(2)
    for _ in range(3):
        pi = rl.softmax_policy(rng.normal(size=3), TINY_FEATURES)
        assert TRAJECTORIES.probabilities(pi).sum() == pytest.approx(1.0, abs=1e-12)


def test_enumeration_gradient_equals_exact_gradient_when_episodes_end_within_horizon():
    rng = np.random.default_rng(2)
    for _ in range(5):
        theta = rng.normal(size=3)
        pi = rl.softmax_policy(theta, TINY_FEATURES)
        assert rl.enumeration_return(TRAJECTORIES, pi) == pytest.approx(rl.exact_return(TINY, pi), abs=1e-12)
        np.testing.assert_allclose(
            rl.enumeration_policy_gradient(TRAJECTORIES, theta, TINY_FEATURES),
            rl.exact_policy_gradient(TINY, theta, TINY_FEATURES),
            rtol=0,
            atol=1e-10,
        )


def test_enumeration_gradient_of_truncated_corridor_is_the_truncated_return_derivative():
    """With a horizon, sum_tau P(tau) grad log P(tau) R(tau) is the exact gradient of the horizon-H return."""
    corridor, features = rl.short_corridor(), rl.corridor_features()
    trajectories = rl.enumerate_trajectories(corridor, horizon=8)
    assert not trajectories.ended.all()
    theta, h = np.array([0.3, -0.2]), 1e-6
    for p in range(2):
        step = np.eye(2)[p] * h
        fd = (
            rl.enumeration_return(trajectories, rl.softmax_policy(theta + step, features))
            - rl.enumeration_return(trajectories, rl.softmax_policy(theta - step, features))
        ) / (2 * h)
        assert rl.enumeration_policy_gradient(trajectories, theta, features)[p] == pytest.approx(fd, rel=1e-6)


def test_sampled_episodes_match_their_trajectories_at_the_enumerated_frequencies():
    """match_trajectories finds each episode's trajectory (the same states and actions); with
    detour = 0 no two trajectories differ only in the final state, so every episode matches, and
    each trajectory's frequency is within 5 SE of P(tau)."""
    tiny = rl.tiny_mdp(detour=0.0)
    trajectories = rl.enumerate_trajectories(tiny, 3)
    pi = rl.softmax_policy(np.array([0.4, -0.3, 0.8]), TINY_FEATURES)
    episodes = rl.rollout(tiny, pi, 20_000, np.random.default_rng(5))
    index = rl.match_trajectories(trajectories, episodes)
    assert np.all(index >= 0)
    for i in range(50):
        k, T = index[i], episodes.lengths[i]
        assert trajectories.lengths[k] == T
        np.testing.assert_array_equal(trajectories.actions[k, :T], episodes.actions[i, :T])
        np.testing.assert_array_equal(trajectories.states[k, :T], episodes.states[i, :T])
    probabilities = trajectories.probabilities(pi)
    frequencies = np.bincount(index, minlength=len(trajectories)) / len(index)
    se = np.sqrt(probabilities * (1 - probabilities) / len(index))
    assert np.all(np.abs(frequencies - probabilities) <= 5 * se)


def test_episodes_longer_than_the_horizon_or_ambiguous_match_nothing():
    """Corridor, horizon 3: an episode of 3 steps is s0 -right-> s1 -left-> s2 -right-> G, whatever
    else the batch holds; longer ones match nothing. Two terminal states reached alike: episodes do
    not store the final state, so their trajectory is ambiguous (-1)."""
    corridor = rl.short_corridor()
    trajectories = rl.enumerate_trajectories(corridor, 3)
    episodes = rl.rollout(corridor, np.full((4, 2), 0.5), 40, np.random.default_rng(0))
    assert np.any(episodes.lengths == 3) and np.any(episodes.lengths > 3)
    index = rl.match_trajectories(trajectories, episodes)
    labels = rl.trajectory_labels(trajectories)
    assert all(labels[k] == "s0 -right-> s1 (switched) -left-> s2 -right-> G" for k in index[episodes.lengths == 3])
    assert np.all(index[episodes.lengths != 3] == -1)
    fork = rl.MDP(
        transitions=np.array([[[0.0, 0.5, 0.5]], [[0.0, 1.0, 0.0]], [[0.0, 0.0, 1.0]]]),
        rewards=np.zeros((3, 1)),
        start=np.array([1.0, 0.0, 0.0]),
        terminal=np.array([False, True, True]),
        gamma=1.0,
        actions=("go",),
    )
    assert len(rl.enumerate_trajectories(fork, 1)) == 2
    fork_episodes = rl.rollout(fork, np.ones((3, 1)), 5, np.random.default_rng(0))
    np.testing.assert_array_equal(rl.match_trajectories(rl.enumerate_trajectories(fork, 1), fork_episodes), -1)


def test_bad_arguments_name_the_argument():
    corridor = rl.short_corridor()
    with pytest.raises(ValueError, match="horizon must be an integer >= 1"):
        rl.enumerate_trajectories(corridor, 0)
    with pytest.raises(ValueError, match="at most 200,000 are listed"):
        rl.enumerate_trajectories(corridor, 40)
    with pytest.raises(TypeError, match="trajectories must come from"):
        rl.enumeration_return([1, 2], np.full((4, 2), 0.5))
    with pytest.raises(TypeError, match="episodes must come from"):
        rl.match_trajectories(TRAJECTORIES, [1, 2])
