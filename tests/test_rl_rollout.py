"""pgviz.rl.rollout: sampled episodes, against a plain NumPy episode loop and exact values.

Truths used: the reference loop of tests/rl_reference.py, drawing the same uniforms in the
documented order (start state, then per step action and next state), which the compiled rollout
must reproduce step for step; the inverse CDF worked by hand; transition frequencies and the
mean return within 5 standard errors of the exact ones.
"""

import numpy as np
import pytest
from rl_reference import generate_episode

from pgviz import rl
from pgviz.rl.rollout import sample_index


def test_sample_index_is_the_inverse_cdf():
    """p = (0.2, 0.3, 0.5): u in [0, 0.2) -> 0, [0.2, 0.5) -> 1, [0.5, 1) -> 2."""
    p = np.array([0.2, 0.3, 0.5])
    for u, k in [(0.0, 0), (0.1999, 0), (0.2, 1), (0.4999, 1), (0.5, 2), (0.9999999, 2)]:
        assert sample_index(p, u) == k, u
    assert sample_index(np.array([0.0, 1.0]), 0.0) == 1  # a zero-probability index is never drawn


@pytest.mark.parametrize("name", ["tiny", "random", "corridor cut at 6 steps"])
def test_rollout_equals_the_plain_episode_loop(name):
    """The same seed gives the same episodes as generating them one by one in plain NumPy."""
    random = rl.random_mdp(np.random.default_rng(5), num_states=4, num_actions=3, gamma=0.8)
    mdp, pi, max_steps = {
        "tiny": (rl.tiny_mdp(), rl.softmax_policy(np.array([0.3, -0.4, 0.1]), rl.tiny_features()), 10_000),
        "random": (random, rl.softmax_policy(np.ones(4), np.random.default_rng(6).normal(size=(5, 3, 4))), 10_000),
        "corridor cut at 6 steps": (rl.short_corridor(), np.tile([0.3, 0.7], (4, 1)), 6),
    }[name]
    episodes = rl.rollout(mdp, pi, 40, np.random.default_rng(9), max_steps)
    rng = np.random.default_rng(9)
    for i in range(40):
        states, actions, rewards, cut = generate_episode(mdp, pi, rng, max_steps)
        T = len(states)
        assert episodes.lengths[i] == T and episodes.truncated[i] == cut
        np.testing.assert_array_equal(episodes.states[i, :T], states)
        np.testing.assert_array_equal(episodes.actions[i, :T], actions)
        np.testing.assert_array_equal(episodes.rewards[i, :T], rewards)
        np.testing.assert_array_equal(episodes.rewards[i, T:], 0.0)  # padding
        assert episodes.mask[i].sum() == T
        assert episodes.returns[i] == pytest.approx(sum(mdp.gamma**t * r for t, r in enumerate(rewards)), rel=1e-12)
    assert len(episodes) == 40 and episodes.gamma == mdp.gamma


def test_rollout_matches_transition_probabilities_and_the_exact_return():
    tiny = rl.tiny_mdp()
    pi = np.full((4, 2), 0.5)
    episodes = rl.rollout(tiny, pi, 40_000, np.random.default_rng(0))
    first = episodes.states[:, 1][episodes.actions[:, 0] == 1]  # s0, right -> s1 or s2 (1/2 each)
    assert abs(np.mean(first == 2) - 0.5) < 5 * np.sqrt(0.25 / len(first))
    returns = episodes.returns
    assert abs(returns.mean() - rl.exact_return(tiny, pi)) < 5 * returns.std(ddof=1) / np.sqrt(len(returns))


def test_rollout_truncates_at_max_steps():
    corridor = rl.short_corridor()
    pi = np.tile([0.0, 1.0], (4, 1))  # always right: bounces between s0 and s1 forever
    episodes = rl.rollout(corridor, pi, 3, np.random.default_rng(0), max_steps=25)
    assert episodes.truncated.all() and np.all(episodes.lengths == 25)
    assert np.all(episodes.returns == -25)
    ends = rl.rollout(corridor, np.full((4, 2), 0.5), 50, np.random.default_rng(0), max_steps=1000)
    assert not ends.truncated.any()


def test_bad_arguments_name_the_argument():
    corridor = rl.short_corridor()
    pi = np.full((4, 2), 0.5)
    with pytest.raises(TypeError, match="rng must be a numpy.random.Generator"):
        rl.rollout(corridor, pi, 10, rng=0)
    with pytest.raises(ValueError, match="num_episodes must be an integer >= 1"):
        rl.rollout(corridor, pi, 0, np.random.default_rng(0))
    with pytest.raises(TypeError, match="num_episodes must be an integer"):
        rl.rollout(corridor, pi, 2.5, np.random.default_rng(0))
    with pytest.raises(ValueError, match="max_steps must be an integer >= 1"):
        rl.rollout(corridor, pi, 2, np.random.default_rng(0), max_steps=0)
    with pytest.raises(ValueError, match="pi must have shape"):
        rl.rollout(corridor, np.full((4, 3), 1 / 3), 2, np.random.default_rng(0))
    with pytest.raises(TypeError, match="mdp must be"):
        rl.rollout(None, pi, 2, np.random.default_rng(0))
