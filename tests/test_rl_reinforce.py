"""pgviz.rl.reinforce: per-episode REINFORCE estimates, exactly on every trajectory and sampled.

Truths used: on tiny_mdp every trajectory is enumerable, so each variant's exact mean
sum_tau P(tau) g(tau) (which must be the policy gradient theorem's grad J, exactly: all four are
unbiased) and exact variance follow by enumeration; sampled means and variances are checked
against them within 5 exact standard errors. On MDPs with unbounded episodes, the sampled mean
is within 5 SE of the exact gradient.
"""

import numpy as np
import pytest

from pgviz import rl
from pgviz.rl.reinforce import running_estimates
from pgviz.rl.rollout import Episodes
from pgviz.statistics import running_mean, running_standard_error

TINY, TINY_FEATURES = rl.tiny_mdp(), rl.tiny_features()
THETA = np.array([0.3, -0.4, 0.1])


def every_trajectory_as_episodes(trajectories) -> Episodes:
    """The enumerated trajectories in the layout of sampled episodes (padding 0)."""
    mask = trajectories.actions >= 0
    return Episodes(
        states=np.where(mask, trajectories.states[:, :-1], 0),
        actions=np.where(mask, trajectories.actions, 0),
        rewards=trajectories.rewards,
        lengths=trajectories.lengths,
        truncated=~trajectories.ended,
        gamma=trajectories.mdp.gamma,
    )


def exact_moments(theta, variant):
    """Exact mean [P], total variance sum_p Var[g_p] and the variance of the squared deviation
    |g - mean|^2 of one episode's estimate g, by enumerating tiny_mdp's ten trajectories."""
    trajectories = rl.enumerate_trajectories(TINY, 3)
    pi = rl.softmax_policy(theta, TINY_FEATURES)
    options = rl.VARIANTS[variant]
    baseline = rl.state_values(TINY, pi) if options["baseline"] else None
    g = rl.reinforce_gradients(
        every_trajectory_as_episodes(trajectories), theta, TINY_FEATURES, baseline, options["reward_to_go"]
    )  # [K, P]
    probabilities = trajectories.probabilities(pi)  # [K]
    mean = probabilities @ g
    deviation = ((g - mean) ** 2).sum(axis=1)  # [K]
    total_variance = probabilities @ deviation
    return mean, probabilities @ (g - mean) ** 2, total_variance, probabilities @ deviation**2 - total_variance**2


@pytest.mark.parametrize("variant", list(rl.VARIANTS))
def test_every_variant_is_exactly_unbiased_on_every_trajectory(variant):
    """sum_tau P(tau) g(tau) = grad J for plain, baseline V_pi(s), reward-to-go, and both."""
    mean, *_ = exact_moments(THETA, variant)
    np.testing.assert_allclose(mean, rl.exact_policy_gradient(TINY, THETA, TINY_FEATURES), rtol=1e-12, atol=1e-14)


def test_estimator_statistics_against_the_exact_moments():
    """Each variant's sampled mean within 5 exact SEs sqrt(Var[g_p] / N) of grad J, its variance
    sum_p s_p^2 within 5 exact SEs of the exact total variance; baseline and reward-to-go together
    have less than half the plain variance (exactly, on this MDP)."""
    num_episodes = 20_000
    statistics = rl.estimator_statistics(TINY, THETA, TINY_FEATURES, num_episodes, np.random.default_rng(3))
    exact = rl.exact_policy_gradient(TINY, THETA, TINY_FEATURES)
    np.testing.assert_allclose(statistics["exact"], exact, rtol=1e-14)
    variances = {}
    for variant in rl.VARIANTS:
        mean, per_parameter, total, deviation_variance = exact_moments(THETA, variant)
        row = statistics[variant]
        assert np.all(np.abs(row["mean"] - exact) <= 5 * np.sqrt(per_parameter / num_episodes)), variant
        assert abs(row["variance"] - total) <= 5 * np.sqrt(deviation_variance / num_episodes), variant
        np.testing.assert_allclose(row["z"], np.abs(row["mean"] - exact) / row["standard_error"])
        variances[variant] = total
    assert variances["reward-to-go + baseline"] < 0.5 * variances["plain"]


def _problems():
    rng = np.random.default_rng(4)
    chain = rl.chain_mdp(num_states=4, gamma=0.95, slip=0.1)
    random = rl.random_mdp(np.random.default_rng(5), num_states=4, num_actions=3, gamma=0.8)
    return [
        ("chain", chain, rng.normal(size=(chain.num_states, 2, 3))),
        ("random", random, rng.normal(size=(random.num_states, 3, 4))),
    ]


PROBLEMS = _problems()


@pytest.mark.parametrize("name, mdp, features", PROBLEMS, ids=[p[0] for p in PROBLEMS])
def test_reinforce_estimates_are_within_5_standard_errors(name, mdp, features):
    """Episodes of unbounded length: every variant (baseline V_pi or none, reward-to-go or not) on
    the same 5,000 episodes, within 5 SE of the exact gradient."""
    rng = np.random.default_rng(2024)
    theta = rng.normal(size=features.shape[2])
    pi = rl.softmax_policy(theta, features)
    episodes = rl.rollout(mdp, pi, 5_000, rng)
    assert not episodes.truncated.any()
    exact = rl.exact_policy_gradient(mdp, theta, features)
    for baseline in (None, rl.state_values(mdp, pi)):
        for reward_to_go in (False, True):
            per_episode = rl.reinforce_gradients(episodes, theta, features, baseline, reward_to_go)
            se = per_episode.std(axis=0, ddof=1) / np.sqrt(len(per_episode))
            assert np.all(np.abs(per_episode.mean(axis=0) - exact) <= 5 * se), (baseline is None, reward_to_go)


def test_constant_baselines_on_the_corridor_within_5_standard_errors():
    corridor, features = rl.short_corridor(), rl.corridor_features()
    rng = np.random.default_rng(7)
    theta = np.array([0.2, -0.1])
    episodes = rl.rollout(corridor, rl.softmax_policy(theta, features), 10_000, rng)
    exact = rl.exact_policy_gradient(corridor, theta, features)
    for kwargs in ({}, {"baseline": -12.0}, {"reward_to_go": True}, {"reward_to_go": True, "baseline": -10.0}):
        per_episode = rl.reinforce_gradients(episodes, theta, features, **kwargs)
        se = per_episode.std(axis=0, ddof=1) / np.sqrt(len(per_episode))
        assert np.all(np.abs(per_episode.mean(axis=0) - exact) <= 5 * se), kwargs


def test_running_estimates_are_the_running_mean_of_the_same_episodes():
    """estimates[m - 1] is the mean of the first m per-episode estimates of rollout with the same seed."""
    data = running_estimates(TINY, THETA, TINY_FEATURES, 300, np.random.default_rng(4), reward_to_go=True)
    episodes = rl.rollout(TINY, rl.softmax_policy(THETA, TINY_FEATURES), 300, np.random.default_rng(4))
    per_episode = rl.reinforce_gradients(episodes, THETA, TINY_FEATURES, reward_to_go=True)
    np.testing.assert_allclose(data["estimates"], running_mean(per_episode), rtol=1e-12)
    np.testing.assert_allclose(data["estimates"][-1], per_episode.mean(axis=0), rtol=1e-12)
    np.testing.assert_allclose(data["standard_errors"], running_standard_error(per_episode), rtol=1e-12)
    assert np.isnan(data["standard_errors"][0]).all()
    np.testing.assert_allclose(data["exact"], rl.exact_policy_gradient(TINY, THETA, TINY_FEATURES))


def test_bad_arguments_name_the_argument():
    corridor, features = rl.short_corridor(), rl.corridor_features()
    episodes = rl.rollout(corridor, np.full((4, 2), 0.5), 5, np.random.default_rng(0))
    with pytest.raises(ValueError, match="baseline must be None, a number, or one value per state"):
        rl.reinforce_gradients(episodes, np.zeros(2), features, baseline=np.zeros(3))
    with pytest.raises(TypeError, match="reward_to_go must be True or False"):
        rl.reinforce_gradients(episodes, np.zeros(2), features, reward_to_go="yes")
    with pytest.raises(TypeError, match="episodes must come from"):
        rl.reinforce_gradients([1, 2], np.zeros(2), features)
    with pytest.raises(ValueError, match="num_episodes must be an integer >= 2"):
        rl.estimator_statistics(corridor, np.zeros(2), features, 1, np.random.default_rng(0))
    with pytest.raises(ValueError, match="max_m must be an integer >= 2"):
        running_estimates(corridor, np.zeros(2), features, 1, np.random.default_rng(0))
