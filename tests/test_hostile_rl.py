"""Hostile and careless input to the RL wing: MDPs, policies, rollouts, enumeration, REINFORCE.

Truths checked: each call gives a TypeError/ValueError naming the argument and, for work that would
take minutes or gigabytes, the limit; calls that can be answered give finite numbers (a one-state
MDP's learned baseline under gamma < 1 ends near its exact value, where the old recovery of G_t by
dividing by gamma^t gave w = 0). SymPy's string parser is made to fail for the whole module.
"""

from __future__ import annotations

import numpy as np
import pytest
from hostile import CANARY, CARELESS_REALS, finite, no_text_to_sympify, refuses  # noqa: F401

from pgviz import rl
from pgviz.rl import derivation
from pgviz.rl.rollout import Episodes

pytestmark = pytest.mark.usefixtures("no_text_to_sympify")
corridor, corridor_features = rl.short_corridor(), rl.corridor_features()
tiny, tiny_features = rl.tiny_mdp(), rl.tiny_features()
never_ends = np.tile([0.0, 1.0], (4, 1))  # always right: bounces between the first two states


def two_state_mdp(**changes):
    arguments = dict(
        transitions=np.array([[[0.0, 1.0], [0.0, 1.0]], [[0.0, 1.0], [0.0, 1.0]]]),
        rewards=np.zeros((2, 2)),
        start=np.array([1.0, 0.0]),
        terminal=np.array([False, True]),
        gamma=1.0,
        actions=("a", "b"),
    )
    arguments.update(changes)
    return rl.MDP(**arguments)


@pytest.mark.parametrize(("value", "error"), CARELESS_REALS)
def test_gamma_refuses_careless_values(value, error):
    refuses(lambda: two_state_mdp(gamma=value), "gamma", error)


def test_the_mdp_checks_every_field():
    refuses(lambda: two_state_mdp(actions="ab"), "actions", TypeError)
    refuses(lambda: two_state_mdp(actions=None), "actions", TypeError)
    refuses(lambda: two_state_mdp(rewards=np.full((2, 2), 1e308)), "rewards")
    refuses(lambda: two_state_mdp(rewards=[["a", "b"], ["c", "d"]]), "rewards", TypeError)
    refuses(lambda: two_state_mdp(start=np.array([0.5, 0.6])), "start")
    refuses(lambda: two_state_mdp(terminal=np.array([1, 0])), "terminal")
    refuses(lambda: two_state_mdp(gamma=1.5), "gamma")


def test_policies_refuse_overflowing_and_misshapen_parameters():
    refuses(lambda: rl.softmax_policy(np.array([1e308, 1e308]), np.ones((4, 2, 2))), "theta")
    refuses(lambda: rl.softmax_policy(np.zeros(3), corridor_features), "theta")
    refuses(lambda: rl.softmax_policy(np.zeros(2), corridor_features[0]), "features")
    refuses(lambda: rl.softmax_policy("ab", corridor_features), "theta", TypeError)
    refuses(lambda: rl.exact_return(corridor, np.full((4, 2), 0.6)), "pi")
    refuses(lambda: rl.exact_return(corridor, never_ends), "never reaches a terminal state")
    assert np.isfinite(finite(lambda: rl.exact_return(corridor, np.tile([0.5, 0.5], (4, 1)))))


def test_rollouts_estimate_their_work_before_they_start():
    half = np.tile([0.5, 0.5], (4, 1))
    refuses(lambda: rl.rollout(corridor, half, 10**12, np.random.default_rng(0)), "num_episodes")
    refuses(lambda: rl.rollout(corridor, half, 10, np.random.default_rng(0), max_steps=10**10), "max_steps")
    refuses(lambda: rl.rollout(corridor, never_ends, 10, np.random.default_rng(0), max_steps=10**7), "max_steps")
    refuses(lambda: rl.rollout(corridor, half, 10, np.random.default_rng(0).bit_generator), "rng", TypeError)
    assert rl.expected_length(corridor, never_ends) == np.inf
    assert abs(rl.expected_length(corridor, half) - 12.0) < 1e-9  # (2p - 4)/(p(1 - p)) at p = 1/2, negated


def test_episodes_and_features_must_agree():
    episodes = rl.rollout(tiny, rl.softmax_policy(np.zeros(3), tiny_features), 20, np.random.default_rng(1))
    refuses(lambda: rl.reinforce_gradients(episodes, np.zeros(3), tiny_features[:2]), "features")
    refuses(lambda: rl.surrogate_loss(np.zeros(3), episodes, tiny_features[:2]), "features")
    unknown_state = Episodes(
        states=np.array([[7]]),
        actions=np.array([[0]]),
        rewards=np.zeros((1, 1)),
        lengths=np.array([1]),
        truncated=np.array([False]),
        gamma=0.9,
    )
    refuses(lambda: rl.reinforce_gradients(unknown_state, np.zeros(3), tiny_features), "state")
    refuses(lambda: rl.reinforce_gradients(episodes, np.zeros(3), tiny_features, reward_to_go=1), "reward_to_go")
    refuses(lambda: rl.reinforce_gradients(episodes, np.zeros(3), tiny_features, baseline=[1.0, 2.0]), "baseline")
    refuses(lambda: rl.surrogate_loss(np.zeros(3), episodes, tiny_features, reduction="median"), "reduction")


def test_enumeration_is_bounded_and_named():
    trajectories = rl.enumerate_trajectories(tiny, 3)
    refuses(lambda: rl.enumerate_trajectories(corridor, 40), "horizon")
    refuses(lambda: rl.averaged_gradient(trajectories, np.zeros(3), tiny_features, "mean", 10**9), "batch_size")
    refuses(lambda: rl.enumeration_policy_gradient(trajectories, np.zeros(3), tiny_features[:3]), "features")
    refuses(lambda: rl.trajectory_labels("trajectories"), "trajectories", TypeError)
    refuses(lambda: derivation.trajectory_terms(10**6), "horizon")
    refuses(lambda: derivation.concrete_trajectory(trajectories, 99, tiny_features), "index")


def test_symbolic_values_take_no_text():
    attack = f"__import__('os').system('echo {CANARY}')"
    refuses(lambda: derivation.symbolic_state_values(corridor, [[attack, "0"]] * 4), "text", TypeError)
    refuses(lambda: derivation.symbolic_state_values(corridor, "ab"), "pi", TypeError)


def test_training_and_learning_curves_refuse_runaway_work_and_steps():
    refuses(
        lambda: rl.reinforce_training(tiny, tiny_features, np.zeros(3), 1e300, 5, 3, np.random.default_rng(0)), "alpha"
    )
    refuses(
        lambda: rl.reinforce_training(tiny, tiny_features, np.zeros(3), -1.0, 5, 3, np.random.default_rng(0)), "alpha"
    )
    curves = rl.reinforce_learning_curves
    theta0 = np.array([-1.47, 1.47])
    rng = np.random.default_rng(2)
    refuses(lambda: curves(corridor, corridor_features, theta0, [0.01], 10**6, 1000, rng), "num_runs")
    refuses(lambda: curves(corridor, corridor_features, theta0, [0.01], 1, 1, rng, max_steps=10**10), "max_steps")
    refuses(lambda: curves(corridor, corridor_features, theta0, [0.01], 1, 1, rng, alphas_w=[np.inf]), "alphas_w")
    refuses(lambda: curves(corridor, corridor_features, theta0, [np.nan], 1, 1, rng), "alphas")
    refuses(lambda: curves(corridor, corridor_features, theta0, [0.01], 1, 1, rng, min_prob=0.7), "min_prob")


def test_the_learned_baseline_is_right_for_gamma_below_one():
    # One state, ended with probability q = 0.2 per step, reward -1 a step, gamma = 0.9: from any
    # visited step G_t has mean V = -1 / (1 - gamma (1 - q)) = -1/0.28. The old recovery of G_t by a
    # division by gamma^t cancelled to 0 on long episodes and learned w = 0.
    q, gamma = 0.2, 0.9
    mdp = rl.MDP(
        transitions=np.array([[[1 - q, q]], [[0.0, 1.0]]]),
        rewards=np.array([[-1.0], [0.0]]),
        start=np.array([1.0, 0.0]),
        terminal=np.array([False, True]),
        gamma=gamma,
        actions=("stay",),
    )
    features = np.zeros((2, 1, 1))
    curves = rl.reinforce_learning_curves(
        mdp, features, np.zeros(1), [1e-3], 1, 4000, np.random.default_rng(3), alphas_w=[1e-3], progress=False
    )
    exact = -1 / (1 - gamma * (1 - q))
    # w is an exponential average of about 1 / alpha_w = 1000 returns G_t (Var G_t < 1 / 0.28^2),
    # so its spread is below sqrt(alpha_w / 2) / 0.28 ~ 0.08; 5 of those is 0.4.
    assert abs(float(curves.w[0, 0]) - exact) < 0.4
