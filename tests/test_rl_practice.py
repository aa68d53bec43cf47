"""pgviz.rl.practice: the updates popular REINFORCE code computes, and their exact expectations.

Truths used: the policy gradient theorem (exact_policy_gradient, two linear solves) for the
unbiased weightings; hand-computed returns-to-go of one trajectory; the mean 0 and sample standard
deviation 1 of standardized weights; Wald's identity E[Σ g_i] = E[M] E[g] for a batch of whole
episodes filled to a step budget; a batch of equal-length episodes, whose step count is not random;
and a seeded simulation of the batch rule, within 5 standard errors.
"""

import numpy as np
import pytest

from pgviz import rl

FEATURES = rl.tiny_features()
THETA = np.array([0.5, -0.5, 0.2])


def tiny(gamma=0.9, detour=0.5):
    mdp = rl.tiny_mdp(gamma=gamma, detour=detour)
    return mdp, rl.enumerate_trajectories(mdp, horizon=3)


def test_as_episodes_lets_the_sampling_estimators_run_on_every_trajectory():
    mdp, trajectories = tiny()
    episodes = rl.as_episodes(trajectories)
    probabilities = trajectories.probabilities(rl.softmax_policy(THETA, FEATURES))
    exact = rl.exact_policy_gradient(mdp, THETA, FEATURES)
    for reward_to_go in (False, True):
        per_trajectory = rl.reinforce_gradients(episodes, THETA, FEATURES, reward_to_go=reward_to_go)
        np.testing.assert_allclose(probabilities @ per_trajectory, exact, atol=1e-12)
    np.testing.assert_allclose(episodes.returns, trajectories.returns, atol=1e-15)


def test_reward_to_go_of_one_trajectory_by_hand():
    _, trajectories = tiny(gamma=0.9)
    k = rl.trajectory_labels(trajectories).index("s0 -left-> s1 -right-> s2 -right-> end")  # rewards 0, 0, 2
    G = rl.reward_to_go(rl.as_episodes(trajectories))[k]
    np.testing.assert_allclose(G, [0.81 * 2, 0.9 * 2, 2.0], rtol=1e-15)
    np.testing.assert_allclose(rl.reward_to_go(rl.as_episodes(trajectories), gamma=1.0)[k], [2.0, 2.0, 2.0])


@pytest.mark.parametrize("gamma, detour", [(0.9, 0.5), (0.5, 0.2), (1.0, 0.7)])
def test_unbiased_weightings_have_expectation_grad_J_and_gamma_t_matters_only_below_one(gamma, detour):
    mdp, trajectories = tiny(gamma, detour)
    exact = rl.exact_policy_gradient(mdp, THETA, FEATURES)
    for weighting in ("return", "reward_to_go"):
        np.testing.assert_allclose(rl.expected_update(trajectories, THETA, FEATURES, weighting), exact, atol=1e-12)
    without = rl.expected_update(trajectories, THETA, FEATURES, "reward_to_go_without_gamma_t")
    if gamma == 1.0:
        np.testing.assert_allclose(without, exact, atol=1e-12)
    else:
        assert np.max(np.abs(without - exact)) > 1e-3
    agreement = rl.gradient_agreement(without, exact)
    assert agreement["ratios"][0] == pytest.approx(1.0)  # s0 is only ever step 0, where γ^0 = 1


def test_standardized_weights_have_mean_zero_and_unit_sample_deviation_within_each_episode():
    _, trajectories = tiny()
    episodes = rl.as_episodes(trajectories)
    weights = rl.step_weights(episodes, "standardized_reward_to_go", eps=0.0)
    G = rl.reward_to_go(episodes)
    for w, g, length in zip(weights, G, episodes.lengths):
        w, g = w[:length], g[:length]
        if np.ptp(g) == 0:  # all returns equal: 0/0 in exact arithmetic
            continue
        assert w.mean() == pytest.approx(0.0, abs=1e-12)
        assert w.std(ddof=1) == pytest.approx(1.0, rel=1e-12)
        if length == 2:  # two steps: ±1/√2 whatever the returns were
            np.testing.assert_allclose(np.sort(w), [-(0.5**0.5), 0.5**0.5], rtol=1e-12)
    assert np.all(weights[~episodes.mask] == 0)


def test_standardizing_changes_the_direction_and_a_one_step_episode_has_no_deviation():
    mdp, trajectories = tiny()
    exact = rl.exact_policy_gradient(mdp, THETA, FEATURES)
    standardized = rl.expected_update(trajectories, THETA, FEATURES, "standardized_reward_to_go")
    assert rl.gradient_agreement(standardized, exact)["cosine"] < 0.9
    one_step = rl.Episodes(
        states=np.zeros((1, 1), int),
        actions=np.zeros((1, 1), int),
        rewards=np.ones((1, 1)),
        lengths=np.array([1]),
        truncated=np.array([False]),
        gamma=1.0,
    )
    assert np.isnan(rl.step_weights(one_step, "standardized_reward_to_go")[0, 0])


def test_gradient_agreement_ratios_and_cosine():
    out = rl.gradient_agreement([2.0, 4.0], [1.0, 2.0])
    np.testing.assert_allclose(out["ratios"], [2.0, 2.0])
    assert out["cosine"] == pytest.approx(1.0)
    assert rl.gradient_agreement([0.0, 1.0], [1.0, 0.0])["cosine"] == pytest.approx(0.0)
    assert rl.gradient_agreement([-1.0, -1.0], [1.0, 1.0])["cosine"] == pytest.approx(-1.0)


def test_step_budget_fixed_divisor_is_walds_rescaling_and_per_step_is_biased_then_less_so():
    mdp, trajectories = tiny(gamma=1.0)
    exact = rl.exact_policy_gradient(mdp, THETA, FEATURES)
    pi = rl.softmax_policy(THETA, FEATURES)
    mean_length = trajectories.probabilities(pi) @ trajectories.lengths
    errors = []
    for budget in (1, 5, 60):
        out = rl.step_budget_expectation(trajectories, THETA, FEATURES, budget)
        assert out["steps"] == pytest.approx(out["episodes"] * mean_length, rel=1e-12)  # Wald for N = Σ T_i
        np.testing.assert_allclose(out["per_budget"], out["episodes"] * exact / budget, rtol=1e-10)
        errors.append(np.max(np.abs(out["per_step"] * mean_length / exact - 1)))
    assert errors[0] > 0.1 and errors[1] > 0.05 and errors[2] < 1e-3


def test_stopped_batch_with_equal_lengths_has_a_fixed_step_count_so_per_step_is_a_rescaling():
    probabilities, values = np.array([0.3, 0.7]), np.array([[1.0, -2.0], [3.0, 0.5]])
    out = rl.stopped_batch_expectation(probabilities, [2, 2], values, budget=7)
    # 7 steps -> keep drawing while N <= 7: four episodes, N = 8
    assert out["episodes"] == pytest.approx(4.0) and out["steps"] == pytest.approx(8.0)
    np.testing.assert_allclose(out["sum"], 4 * probabilities @ values, rtol=1e-12)
    np.testing.assert_allclose(out["per_step"], out["sum"] / 8, rtol=1e-12)
    np.testing.assert_allclose(out["per_budget"], out["sum"] / 7, rtol=1e-12)


def test_stopped_batch_expectation_against_a_seeded_simulation():
    probabilities, lengths = np.array([0.5, 0.3, 0.2]), np.array([1, 3, 6])
    values = np.array([[1.0], [-2.0], [4.0]])
    budget = 5
    exact = rl.stopped_batch_expectation(probabilities, lengths, values, budget)
    rng = np.random.default_rng(4)
    draws = rng.choice(3, size=(20_000, 12), p=probabilities)  # 12 episodes always pass 5 steps
    steps = np.cumsum(lengths[draws], axis=1)
    used = np.concatenate([np.ones((len(draws), 1), bool), steps[:, :-1] <= budget], axis=1)
    ratio = np.sum(values[draws, 0] * used, axis=1) / np.sum(lengths[draws] * used, axis=1)
    assert abs(ratio.mean() - exact["per_step"][0]) < 5 * ratio.std() / np.sqrt(len(ratio))
    assert abs(used.sum(axis=1).mean() - exact["episodes"]) < 5 * used.sum(axis=1).std() / np.sqrt(len(ratio))


def test_practice_functions_reject_bad_arguments():
    _, trajectories = tiny()
    episodes = rl.as_episodes(trajectories)
    with pytest.raises(ValueError, match="weighting"):
        rl.step_weights(episodes, "mean")
    with pytest.raises(ValueError, match="eps"):
        rl.step_weights(episodes, "standardized_reward_to_go", eps=-1.0)
    with pytest.raises(ValueError, match="weights"):
        rl.weighted_scores(episodes, THETA, FEATURES, np.ones((2, 2)))
    with pytest.raises(TypeError, match="trajectories"):
        rl.as_episodes(episodes)
    with pytest.raises(ValueError, match="gamma"):
        rl.reward_to_go(episodes, gamma=1.5)
    with pytest.raises(ValueError, match="budget"):
        rl.stopped_batch_expectation([1.0], [2], [[1.0]], budget=0)
    with pytest.raises(ValueError, match="probabilities"):
        rl.stopped_batch_expectation([0.5, 0.2], [2, 3], [[1.0], [2.0]], budget=3)
    with pytest.raises(ValueError, match="lengths"):
        rl.stopped_batch_expectation([0.5, 0.5], [2, 0], [[1.0], [2.0]], budget=3)
    with pytest.raises(ValueError, match="nonzero"):
        rl.gradient_agreement([0.0, 0.0], [1.0, 2.0])
    with pytest.raises(ValueError, match="same shape"):
        rl.gradient_agreement([1.0], [1.0, 2.0])
