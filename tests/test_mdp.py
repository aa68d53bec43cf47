"""pgviz.mdp: exact returns and gradients against finite differences, enumeration and sampling."""

import numpy as np
import pytest

import pgviz
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


def _finite_difference(mdp, theta, features, h=1e-5):
    grad_ = np.zeros_like(theta)
    for p in range(len(theta)):
        step = np.zeros_like(theta)
        step[p] = h
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
        fd = _finite_difference(mdp, theta, features)
        # central differences have error O(h^2 J''') plus rounding O(eps |J| / h) ~ 1e-9 here
        np.testing.assert_allclose(exact, fd, rtol=1e-6, atol=1e-6 * (1 + abs(exact).max()))


def test_exact_return_solves_bellman_and_matches_corridor_closed_form():
    corridor = rl.short_corridor()
    for p in (0.05, 0.3, 2 - np.sqrt(2), 0.95):
        pi = np.tile([1 - p, p], (corridor.num_states, 1))
        assert rl.exact_return(corridor, pi) == pytest.approx((2 * p - 4) / (p * (1 - p)), rel=1e-12)


def test_enumeration_gradient_equals_exact_gradient_when_episodes_end_within_horizon():
    tiny, features = rl.tiny_mdp(), rl.tiny_features()
    trajectories = rl.enumerate_trajectories(tiny, horizon=3)
    assert trajectories.ended.all() and len(trajectories) == 10
    rng = np.random.default_rng(2)
    for _ in range(5):
        theta = rng.normal(size=3)
        pi = rl.softmax_policy(theta, features)
        assert trajectories.probabilities(pi).sum() == pytest.approx(1.0, abs=1e-12)
        assert rl.enumeration_return(trajectories, pi) == pytest.approx(rl.exact_return(tiny, pi), abs=1e-12)
        np.testing.assert_allclose(
            rl.enumeration_policy_gradient(trajectories, theta, features),
            rl.exact_policy_gradient(tiny, theta, features),
            rtol=0,
            atol=1e-10,
        )


def test_enumeration_gradient_of_truncated_corridor_is_the_truncated_return_derivative():
    """With a horizon, Σ_τ P(τ) ∇log P(τ) R(τ) is the exact gradient of the horizon-H return."""
    corridor, features = rl.short_corridor(), rl.corridor_features()
    trajectories = rl.enumerate_trajectories(corridor, horizon=8)
    theta = np.array([0.3, -0.2])
    h = 1e-6
    truncated_return = [
        rl.enumeration_return(trajectories, rl.softmax_policy(theta + d, features))
        for d in (np.array([h, 0]), np.array([-h, 0]))
    ]
    fd = (truncated_return[0] - truncated_return[1]) / (2 * h)
    assert rl.enumeration_policy_gradient(trajectories, theta, features)[0] == pytest.approx(fd, rel=1e-6)


def test_score_is_feature_minus_expected_feature_and_has_mean_zero():
    features = rl.tiny_features()
    theta = np.array([0.5, -1.0, 2.0])
    pi = rl.softmax_policy(theta, features)
    score = rl.policy_score(theta, features)  # [S, A, P]
    np.testing.assert_allclose(np.einsum("sa,sap->sp", pi, score), 0.0, atol=1e-15)
    # finite differences of log π
    h = 1e-6
    for p in range(3):
        step = np.zeros(3)
        step[p] = h
        fd = (np.log(rl.softmax_policy(theta + step, features)) - np.log(rl.softmax_policy(theta - step, features))) / (
            2 * h
        )
        np.testing.assert_allclose(score[..., p], fd, atol=1e-8)


@pytest.mark.parametrize("baseline", [None, "values"])
@pytest.mark.parametrize("reward_to_go", [False, True])
@pytest.mark.parametrize("name, mdp, features", PROBLEMS[1:], ids=[p[0] for p in PROBLEMS[1:]])
def test_reinforce_estimate_is_within_5_standard_errors(name, mdp, features, baseline, reward_to_go):
    rng = np.random.default_rng(2024)
    theta = rng.normal(size=features.shape[2])
    pi = rl.softmax_policy(theta, features)
    b = rl.state_values(mdp, pi) if baseline == "values" else None
    episodes = rl.rollout(mdp, pi, 20_000, rng)
    assert not episodes.truncated.any()
    per_episode = rl.reinforce_gradients(episodes, theta, features, baseline=b, reward_to_go=reward_to_go)
    estimate = per_episode.mean(axis=0)
    standard_error = per_episode.std(axis=0, ddof=1) / np.sqrt(len(per_episode))
    exact = rl.exact_policy_gradient(mdp, theta, features)
    assert np.all(np.abs(estimate - exact) <= 5 * standard_error)


def test_reinforce_on_corridor_within_5_standard_errors():
    corridor, features = rl.short_corridor(), rl.corridor_features()
    rng = np.random.default_rng(7)
    theta = np.array([0.2, -0.1])
    pi = rl.softmax_policy(theta, features)
    episodes = rl.rollout(corridor, pi, 20_000, rng)
    exact = rl.exact_policy_gradient(corridor, theta, features)
    for kwargs in ({}, {"baseline": -12.0}, {"reward_to_go": True}, {"reward_to_go": True, "baseline": -10.0}):
        per_episode = rl.reinforce_gradients(episodes, theta, features, **kwargs)
        se = per_episode.std(axis=0, ddof=1) / np.sqrt(len(per_episode))
        assert np.all(np.abs(per_episode.mean(axis=0) - exact) <= 5 * se), kwargs


def test_baseline_and_reward_to_go_reduce_variance_on_tiny_mdp():
    tiny, features = rl.tiny_mdp(), rl.tiny_features()
    rng = np.random.default_rng(3)
    theta = np.array([0.3, -0.4, 0.1])
    pi = rl.softmax_policy(theta, features)
    episodes = rl.rollout(tiny, pi, 50_000, rng)
    values = rl.state_values(tiny, pi)
    plain = rl.reinforce_gradients(episodes, theta, features).var(axis=0).sum()
    both = rl.reinforce_gradients(episodes, theta, features, baseline=values, reward_to_go=True).var(axis=0).sum()
    assert both < 0.5 * plain


def test_rollout_matches_transition_probabilities():
    tiny = rl.tiny_mdp()
    pi = np.full((4, 2), 0.5)
    rng = np.random.default_rng(0)
    episodes = rl.rollout(tiny, pi, 40_000, rng)
    first = episodes.states[:, 1][episodes.actions[:, 0] == 1]  # s0, right -> s1 or s2 (1/2 each)
    fraction = np.mean(first == 2)
    se = np.sqrt(0.25 / len(first))
    assert abs(fraction - 0.5) < 5 * se
    # mean return equals the exact return within 5 SE
    returns = episodes.returns
    assert abs(returns.mean() - rl.exact_return(tiny, pi)) < 5 * returns.std() / np.sqrt(len(returns))


def test_surrogate_loss_gradient_is_minus_g_hat_and_matches_finite_differences():
    tiny, features = rl.tiny_mdp(), rl.tiny_features()
    rng = np.random.default_rng(8)
    theta = np.array([0.1, 0.2, -0.3])
    episodes = rl.rollout(tiny, rl.softmax_policy(theta, features), 50, rng)
    g_hat = rl.reinforce_gradients(episodes, theta, features).mean(axis=0)
    np.testing.assert_allclose(rl.surrogate_loss_gradient(theta, episodes, features), -g_hat, atol=1e-12)
    for reduction in rl.REDUCTIONS:
        h = 1e-6
        fd = np.array(
            [
                (
                    rl.surrogate_loss(theta + h * e, episodes, features, reduction)
                    - rl.surrogate_loss(theta - h * e, episodes, features, reduction)
                )
                / (2 * h)
                for e in np.eye(3)
            ]
        )
        np.testing.assert_allclose(rl.surrogate_loss_gradient(theta, episodes, features, reduction), fd, atol=1e-7)


def test_averaged_gradient_sum_and_mean_are_scales_per_step_is_not():
    tiny, features = rl.tiny_mdp(), rl.tiny_features()
    trajectories = rl.enumerate_trajectories(tiny, 3)
    theta = np.array([0.4, -0.2, 0.3])
    exact = rl.exact_policy_gradient(tiny, theta, features)
    np.testing.assert_allclose(rl.averaged_gradient(trajectories, theta, features, "mean", 2), exact, atol=1e-12)
    np.testing.assert_allclose(rl.averaged_gradient(trajectories, theta, features, "sum", 3), 3 * exact, atol=1e-12)
    for reduction in ("per_step", "per_trajectory"):
        ratio = rl.averaged_gradient(trajectories, theta, features, reduction, 2) / exact
        assert np.ptp(ratio) > 0.05  # not a common scale: a different direction


# ---------------------------------------------------------------------------------------------
# bad input: TypeError / ValueError naming the argument
# ---------------------------------------------------------------------------------------------
def test_exact_return_rejects_bad_pi():
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
    with pytest.raises(ValueError, match="rewards must have shape"):
        rl.MDP(**{**fields, "rewards": np.zeros(4)})
    with pytest.raises(ValueError, match="start must sum to 1"):
        rl.MDP(**{**fields, "start": np.zeros(4)})
    with pytest.raises(ValueError, match="actions must be 2 names"):
        rl.MDP(**{**fields, "actions": ("left",)})
    with pytest.raises(ValueError, match="terminal must be a bool"):
        rl.MDP(**{**fields, "terminal": np.array([0, 0, 0, 1])})
    assert corridor.actions == ("left", "right") and corridor.num_states == 4


def test_gradient_and_rollout_reject_bad_arguments():
    corridor, features = rl.short_corridor(), rl.corridor_features()
    with pytest.raises(ValueError, match="theta must have shape"):
        rl.exact_policy_gradient(corridor, np.zeros(3), features)
    with pytest.raises(ValueError, match="features must have shape"):
        rl.exact_policy_gradient(corridor, np.zeros(2), np.zeros((3, 2, 2)))
    pi = np.full((4, 2), 0.5)
    with pytest.raises(TypeError, match="rng must be a numpy.random.Generator"):
        rl.rollout(corridor, pi, 10, rng=0)
    with pytest.raises(ValueError, match="num_episodes must be an integer >= 1"):
        rl.rollout(corridor, pi, 0, np.random.default_rng(0))
    with pytest.raises(TypeError, match="num_episodes must be an integer"):
        rl.rollout(corridor, pi, 2.5, np.random.default_rng(0))
    with pytest.raises(ValueError, match="horizon must be an integer >= 1"):
        rl.enumerate_trajectories(corridor, 0)
    episodes = rl.rollout(corridor, pi, 5, np.random.default_rng(0))
    with pytest.raises(ValueError, match="baseline must be None, a number, or one value per state"):
        rl.reinforce_gradients(episodes, np.zeros(2), features, baseline=np.zeros(3))
    with pytest.raises(TypeError, match="reward_to_go must be True or False"):
        rl.reinforce_gradients(episodes, np.zeros(2), features, reward_to_go="yes")
    with pytest.raises(ValueError, match="reduction must be one of"):
        rl.surrogate_loss(np.zeros(2), episodes, features, reduction="median")
    with pytest.raises(TypeError, match="episodes must come from"):
        rl.reinforce_gradients([1, 2], np.zeros(2), features)
    with pytest.raises(ValueError, match="slip must be a probability"):
        rl.chain_mdp(slip=1.0)
    with pytest.raises(TypeError, match="rng must be"):
        rl.random_mdp(rng=None)


def test_rollout_truncates_at_max_steps():
    corridor = rl.short_corridor()
    pi = np.tile([0.0, 1.0], (4, 1))  # always right: bounces between s0 and s1 forever
    episodes = rl.rollout(corridor, pi, 3, np.random.default_rng(0), max_steps=25)
    assert episodes.truncated.all() and np.all(episodes.lengths == 25)
    assert np.all(episodes.returns == -25)
