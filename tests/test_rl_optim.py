"""pgviz.rl.optim: SGD and Adam in NumPy.

Truths used: Adam's first step is lr · g/(|g| + ε) per component (m̂ = g, v̂ = g²); its second step
from the moments written out by hand; Adam is invariant to scaling the loss by c > 0 (exactly when
ε = 0); SGD's steps scale by c; Adam reaches the minimum of a quadratic.
"""

import functools

import numpy as np
import pytest

from pgviz import rl
from pgviz.rl.optim import SGD, Adam, optimize

A = np.diag([1.0, 10.0, 0.1])
TARGET = np.array([1.0, -2.0, 0.5])


def quadratic_gradient(theta, scale=1.0):
    """∇ of scale · ½ (θ − θ*)ᵀ A (θ − θ*)."""
    return scale * A @ (theta - TARGET)


def test_adam_first_two_steps_by_hand():
    g1, g2 = np.array([0.3, -4.0]), np.array([1.0, 2.0])
    adam = Adam(lr=0.1, eps=1e-8)
    theta1 = adam.step(np.zeros(2), g1)
    np.testing.assert_allclose(theta1, -0.1 * g1 / (np.abs(g1) + 1e-8), rtol=1e-14)
    theta2 = adam.step(theta1, g2)
    m = 0.9 * 0.1 * g1 + 0.1 * g2
    v = 0.999 * 0.001 * g1**2 + 0.001 * g2**2
    expected = theta1 - 0.1 * (m / (1 - 0.9**2)) / (np.sqrt(v / (1 - 0.999**2)) + 1e-8)
    np.testing.assert_allclose(theta2, expected, rtol=1e-14)


def test_adam_ignores_the_scale_of_the_loss_and_sgd_does_not():
    theta0 = np.zeros(3)
    one = optimize(quadratic_gradient, theta0, Adam(0.05, eps=0.0), 20)
    twenty = optimize(functools.partial(quadratic_gradient, scale=20.0), theta0, Adam(0.05, eps=0.0), 20)
    np.testing.assert_allclose(one, twenty, rtol=1e-12, atol=1e-15)
    with_eps = optimize(functools.partial(quadratic_gradient, scale=20.0), theta0, Adam(0.05), 20)
    assert 0 < np.max(np.abs(with_eps - one)) < 1e-6  # ε = 1e-8 is the only difference
    sgd_one = optimize(quadratic_gradient, theta0, SGD(0.01), 3)
    sgd_twenty = optimize(functools.partial(quadratic_gradient, scale=20.0), theta0, SGD(0.01 / 20), 3)
    np.testing.assert_allclose(sgd_one, sgd_twenty, rtol=1e-12)  # the learning rate absorbs the scale
    assert np.allclose(optimize(quadratic_gradient, theta0, SGD(0.01), 1)[1], 0.01 * A @ TARGET)


def test_adam_reaches_the_minimum_of_a_quadratic():
    thetas = optimize(quadratic_gradient, np.zeros(3), Adam(0.05), 3000)
    np.testing.assert_allclose(thetas[-1], TARGET, atol=1e-3)


def test_adam_on_sum_and_mean_surrogate_losses_takes_the_same_steps():
    mdp, features = rl.tiny_mdp(), rl.tiny_features()
    theta = np.array([0.5, -0.5, 0.2])
    batch = rl.rollout(mdp, rl.softmax_policy(theta, features), 20, np.random.default_rng(3))
    steps = {
        reduction: optimize(
            functools.partial(rl.surrogate_loss_gradient, episodes=batch, features=features, reduction=reduction),
            theta,
            Adam(0.1, eps=0.0),
            5,
        )
        for reduction in ("sum", "mean")
    }
    np.testing.assert_allclose(steps["sum"], steps["mean"], rtol=1e-12)


def test_optimizers_reject_bad_arguments():
    with pytest.raises(ValueError, match="lr"):
        Adam(lr=0.0)
    with pytest.raises(ValueError, match="beta1"):
        Adam(lr=0.1, beta1=1.0)
    with pytest.raises(ValueError, match="lr"):
        SGD(lr=-1.0)
    with pytest.raises(ValueError, match="grad"):
        Adam(0.1).step(np.zeros(2), np.zeros(3))
    adam = Adam(0.1)
    adam.step(np.zeros(2), np.ones(2))
    with pytest.raises(ValueError, match="grad"):
        adam.step(np.zeros(3), np.ones(3))
    with pytest.raises(TypeError, match="gradient"):
        optimize(np.zeros(2), np.zeros(2), Adam(0.1), 2)
    with pytest.raises(TypeError, match="optimizer"):
        optimize(quadratic_gradient, np.zeros(3), "adam", 2)
    with pytest.raises(ValueError, match="num_steps"):
        optimize(quadratic_gradient, np.zeros(3), Adam(0.1), 0)
