"""pgviz.rl.surrogate: the surrogate loss, its reductions and their exact expectations (notebook 05).

Truths used: central finite differences of the loss; -grad L = g-hat for the mean reduction; the
reduction weights written out; on tiny_mdp, the exact expectation over batches, which is grad J for
"mean", m grad J for "sum", and sum_tau P(tau) g(tau) / T(tau) for "per_step" with one episode
(a different direction); batch REINFORCE's first step replayed by hand.
"""

import numpy as np
import pytest

from pgviz import rl

TINY, TINY_FEATURES = rl.tiny_mdp(), rl.tiny_features()


def test_reduction_weights_are_written_out():
    lengths = np.array([2, 3, 5])
    np.testing.assert_allclose(rl.reduction_weights(lengths, "sum"), [1, 1, 1])
    np.testing.assert_allclose(rl.reduction_weights(lengths, "mean"), [1 / 3] * 3)
    np.testing.assert_allclose(rl.reduction_weights(lengths, "per_step"), [1 / 10] * 3)
    np.testing.assert_allclose(rl.reduction_weights(lengths, "per_trajectory"), [1 / 6, 1 / 9, 1 / 15])
    with pytest.raises(ValueError, match="reduction must be one of"):
        rl.reduction_weights(lengths, "median")


def test_surrogate_loss_gradient_is_minus_g_hat_and_matches_finite_differences():
    theta = np.array([0.1, 0.2, -0.3])
    episodes = rl.rollout(TINY, rl.softmax_policy(theta, TINY_FEATURES), 50, np.random.default_rng(8))
    g_hat = rl.reinforce_gradients(episodes, theta, TINY_FEATURES).mean(axis=0)
    np.testing.assert_allclose(rl.surrogate_loss_gradient(theta, episodes, TINY_FEATURES), -g_hat, atol=1e-12)
    h = 1e-6
    for reduction in rl.REDUCTIONS:
        fd = [
            (
                rl.surrogate_loss(theta + h * e, episodes, TINY_FEATURES, reduction)
                - rl.surrogate_loss(theta - h * e, episodes, TINY_FEATURES, reduction)
            )
            / (2 * h)
            for e in np.eye(3)
        ]
        np.testing.assert_allclose(rl.surrogate_loss_gradient(theta, episodes, TINY_FEATURES, reduction), fd, atol=1e-7)


def test_averaged_gradients_over_every_batch():
    trajectories = rl.enumerate_trajectories(TINY, 3)
    theta = np.array([0.4, -0.2, 0.3])
    exact = rl.exact_policy_gradient(TINY, theta, TINY_FEATURES)
    np.testing.assert_allclose(rl.averaged_gradient(trajectories, theta, TINY_FEATURES, "mean", 2), exact, atol=1e-12)
    np.testing.assert_allclose(
        rl.averaged_gradient(trajectories, theta, TINY_FEATURES, "sum", 3), 3 * exact, atol=1e-12
    )
    # one episode: per_step weights its estimate by 1/T, per_trajectory too
    pi = rl.softmax_policy(theta, TINY_FEATURES)
    per_trajectory = trajectories.scores(theta, TINY_FEATURES) * trajectories.returns[:, None]  # [K, P]
    by_length = (trajectories.probabilities(pi) / trajectories.lengths) @ per_trajectory
    for reduction in ("per_step", "per_trajectory"):
        got = rl.averaged_gradient(trajectories, theta, TINY_FEATURES, reduction, 1)
        np.testing.assert_allclose(got, by_length, atol=1e-12)
        ratio = rl.averaged_gradient(trajectories, theta, TINY_FEATURES, reduction, 2) / exact
        assert np.ptp(ratio) > 0.05  # not a common scale of grad J: a different direction
    with pytest.raises(ValueError, match="more than 1,000,000 batches"):
        rl.averaged_gradient(trajectories, theta, TINY_FEATURES, "mean", 7)


def test_reinforce_training_takes_the_step_of_the_mean_loss():
    """Iteration 1 replayed: the batch of rollout with the same seed, theta_1 = theta_0 - alpha grad L;
    J recorded is the exact return of each theta, the loss its batch's surrogate loss."""
    theta0, alpha = np.zeros(3), 0.5
    result = rl.reinforce_training(TINY, TINY_FEATURES, theta0, alpha, 8, 3, np.random.default_rng(1))
    assert result["theta"].shape == (4, 3) and result["loss"].shape == (3,)
    rng = np.random.default_rng(1)
    batch = rl.rollout(TINY, rl.softmax_policy(theta0, TINY_FEATURES), 8, rng, 10_000)
    np.testing.assert_allclose(
        result["theta"][1], theta0 - alpha * rl.surrogate_loss_gradient(theta0, batch, TINY_FEATURES), rtol=1e-14
    )
    assert result["loss"][0] == pytest.approx(rl.surrogate_loss(theta0, batch, TINY_FEATURES), rel=1e-14)
    assert result["mean_return"][0] == pytest.approx(batch.returns.mean(), rel=1e-14)
    for theta, J in zip(result["theta"], result["J"]):
        assert J == pytest.approx(rl.exact_return(TINY, rl.softmax_policy(theta, TINY_FEATURES)), rel=1e-14)


def test_bad_arguments_name_the_argument():
    episodes = rl.rollout(TINY, np.full((4, 2), 0.5), 5, np.random.default_rng(0))
    with pytest.raises(ValueError, match="reduction must be one of"):
        rl.surrogate_loss(np.zeros(3), episodes, TINY_FEATURES, reduction="median")
    with pytest.raises(TypeError, match="episodes must come from"):
        rl.surrogate_loss(np.zeros(3), [1], TINY_FEATURES)
    with pytest.raises(ValueError, match="alpha must be > 0"):
        rl.reinforce_training(TINY, TINY_FEATURES, np.zeros(3), 0.0, 4, 2, np.random.default_rng(0))
    with pytest.raises(ValueError, match="batch_size must be an integer >= 1"):
        rl.averaged_gradient(rl.enumerate_trajectories(TINY, 3), np.zeros(3), TINY_FEATURES, "mean", 0)
