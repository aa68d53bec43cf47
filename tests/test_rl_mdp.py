"""pgviz.rl.mdp and pgviz.rl.examples: the MDP checks its fields, and each example MDP is what its
docstring says (Sutton & Barto's Example 13.1 layout for the corridor, tiny_mdp's ten
trajectories, the chain's slips and rewards, the random MDP's termination probability)."""

import numpy as np
import pytest

from pgviz import rl


def test_short_corridor_is_sutton_and_barto_example_13_1():
    """Three states the policy cannot tell apart, then the goal; in state 1 the actions are switched;
    reward -1 per step, gamma = 1, start in state 0."""
    corridor = rl.short_corridor()
    assert corridor.actions == ("left", "right") and corridor.num_states == 4 and corridor.gamma == 1.0
    left, right = 0, 1
    moves = {(0, left): 0, (0, right): 1, (1, left): 2, (1, right): 0, (2, left): 1, (2, right): 3}
    for (s, a), s_next in moves.items():
        assert corridor.transitions[s, a, s_next] == 1.0
    np.testing.assert_array_equal(corridor.rewards[:3], -1.0)
    np.testing.assert_array_equal(corridor.terminal, [False, False, False, True])
    np.testing.assert_array_equal(corridor.start, [1, 0, 0, 0])
    features = rl.corridor_features()  # x(s, right) = [1, 0], x(s, left) = [0, 1] in every state
    np.testing.assert_array_equal(features[:, 1], [[1, 0]] * 4)
    np.testing.assert_array_equal(features[:, 0], [[0, 1]] * 4)


def test_tiny_mdp_transitions_and_features():
    tiny = rl.tiny_mdp()
    np.testing.assert_array_equal(tiny.transitions[0, 1], [0, 0.5, 0.5, 0])  # s0, right -> s1 or s2
    np.testing.assert_array_equal(tiny.transitions[1, 1], [0, 0, 0.5, 0.5])  # s1, right: detour 1/2
    np.testing.assert_array_equal(rl.tiny_mdp(detour=0.0).transitions[1, 1], [0, 0, 0, 1])
    np.testing.assert_array_equal(tiny.rewards, [[0, 1], [1, 0], [0, 2], [0, 0]])
    features = rl.tiny_features()  # pi(right|s) = sigmoid(theta_s)
    np.testing.assert_array_equal(features[:3, 1], np.eye(3))
    np.testing.assert_array_equal(features[:, 0], 0.0)


def test_chain_and_random_mdps_are_as_documented():
    chain = rl.chain_mdp(num_states=3, gamma=0.9, slip=0.1)
    assert chain.num_states == 4 and chain.terminal.tolist() == [False, False, False, True]
    np.testing.assert_allclose(chain.transitions[1, 1], [0.1, 0, 0.9, 0])  # right, slipping left w.p. 0.1
    np.testing.assert_allclose(chain.transitions[0, 0], [0.9, 0.1, 0, 0])  # left at the wall stays
    np.testing.assert_allclose(chain.rewards[2], [-1 + 10 * 0.1, -1 + 10 * 0.9])  # +10 on reaching the goal
    random = rl.random_mdp(np.random.default_rng(0), num_states=3, num_actions=2, terminate=0.25)
    np.testing.assert_allclose(random.transitions[:3, :, 3], 0.25)  # every action ends w.p. terminate
    np.testing.assert_allclose(random.transitions.sum(axis=2), 1.0)
    assert random.start[3] == 0 and random.actions == ("a0", "a1")
    again = rl.random_mdp(np.random.default_rng(0), num_states=3, num_actions=2, terminate=0.25)
    np.testing.assert_array_equal(again.rewards, random.rewards)  # the Generator decides everything


def test_mdp_is_frozen():
    corridor = rl.short_corridor()
    with pytest.raises(ValueError, match="read-only"):
        corridor.rewards[0, 0] = 5.0
    with pytest.raises(AttributeError):
        corridor.gamma = 0.5


def test_mdp_validates_its_fields():
    corridor = rl.short_corridor()
    fields = dict(
        transitions=corridor.transitions,
        rewards=corridor.rewards,
        start=corridor.start,
        terminal=corridor.terminal,
        gamma=1.0,
        actions=("left", "right"),
    )
    with pytest.raises(ValueError, match="gamma must be in"):
        rl.MDP(**{**fields, "gamma": 1.5})
    with pytest.raises(TypeError, match="gamma must be a real"):
        rl.MDP(**{**fields, "gamma": "1"})
    with pytest.raises(ValueError, match="transitions must sum to 1"):
        rl.MDP(**{**fields, "transitions": corridor.transitions * 0.5})
    with pytest.raises(ValueError, match="transitions must have shape"):
        rl.MDP(**{**fields, "transitions": np.ones((4, 2, 3)) / 3})
    with pytest.raises(ValueError, match="rewards must have shape"):
        rl.MDP(**{**fields, "rewards": np.zeros(4)})
    with pytest.raises(ValueError, match="start must sum to 1"):
        rl.MDP(**{**fields, "start": np.zeros(4)})
    with pytest.raises(ValueError, match="actions must be 2 names"):
        rl.MDP(**{**fields, "actions": ("left",)})
    with pytest.raises(TypeError, match="actions must be a tuple"):
        rl.MDP(**{**fields, "actions": "left right"})
    with pytest.raises(ValueError, match="terminal must be a bool"):
        rl.MDP(**{**fields, "terminal": np.array([0, 0, 0, 1])})
    with pytest.raises(ValueError, match="at least one state non-terminal"):
        rl.MDP(**{**fields, "terminal": np.ones(4, dtype=bool)})
    with pytest.raises(ValueError, match="states must be 4 names"):
        rl.MDP(**{**fields, "states": ("a", "b")})


def test_examples_reject_bad_arguments():
    with pytest.raises(ValueError, match="slip must be in"):
        rl.chain_mdp(slip=1.0)
    with pytest.raises(ValueError, match="num_states must be an integer >= 2"):
        rl.chain_mdp(num_states=1)
    with pytest.raises(TypeError, match="rng must be"):
        rl.random_mdp(rng=None)
    with pytest.raises(ValueError, match="terminate must be in"):
        rl.random_mdp(np.random.default_rng(0), terminate=0.0)
    with pytest.raises(ValueError, match="detour must be in"):
        rl.tiny_mdp(detour=1.5)
    with pytest.raises(TypeError, match="num_states must be an integer"):
        rl.corridor_features(2.0)
