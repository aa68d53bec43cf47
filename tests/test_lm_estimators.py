"""pgviz.lm group estimators: each weight against its paper's formula worked by hand on a small group.

Truths checked: hand-computed weights for a group of four (rewards 1, 0, 0, 1; lengths 2, 3, 4, 1);
RLOO's weights are G/(G − 1) times the group mean's, sample by sample; a group whose rewards are
all equal gets weight 0 from every baselined estimator (with ε = 0 too); the std is Bessel's by
default and the population's with ddof=0; batch scaling divides by the std of the whole batch;
bad input is refused naming the argument.
"""

from __future__ import annotations

import numpy as np
import pytest

from pgviz import lm as L

R = np.array([1.0, 0.0, 0.0, 1.0])
LEN = np.array([2.0, 3.0, 4.0, 1.0])
T = 4
SIGMA = np.sqrt(((R - 0.5) ** 2).sum() / 3)  # Bessel: sqrt(1/3)


def test_hand_computed_weights():
    eps = L.EPS
    advantage = (R - 0.5) / (SIGMA + eps)
    expected = {
        "reinforce": R / 4,
        "mean_baseline": (R - 0.5) / 4,
        "rloo": np.array([1 - 1 / 3, -2 / 3, -2 / 3, 1 - 1 / 3]) / 4,
        "grpo": advantage / (4 * LEN),
        "dr_grpo": (R - 0.5) / (4 * T),
        "dapo": advantage / LEN.sum(),
    }
    assert set(expected) == set(L.GROUP_ESTIMATORS)
    for name, weights in expected.items():
        np.testing.assert_allclose(L.GROUP_ESTIMATORS[name](R, LEN, T), weights, rtol=1e-13, err_msg=name)


def test_rloo_is_the_group_mean_scaled_by_g_over_g_minus_1_sample_by_sample():
    rng = np.random.default_rng(0)
    rewards, lengths = rng.normal(size=(50, 6)), rng.integers(1, 5, size=(50, 6))
    np.testing.assert_allclose(L.rloo(rewards, lengths, 4), 6 / 5 * L.mean_baseline(rewards, lengths, 4), rtol=1e-12)


@pytest.mark.parametrize("name", ["mean_baseline", "rloo", "grpo", "dr_grpo", "dapo"])
@pytest.mark.parametrize("eps", [L.EPS, 0.0])
def test_a_group_with_equal_rewards_carries_no_signal(name, eps):
    for value in (0.0, 1.0, 0.3):
        w = L.GROUP_ESTIMATORS[name](np.full(5, value), np.arange(1, 6), 5, eps=eps, scale_rewards="group")
        assert np.all(w == 0.0), (name, value, w)


def test_std_conventions_and_scale_rewards_options():
    population = np.sqrt(((R - 0.5) ** 2).mean())
    np.testing.assert_allclose(L.grpo(R, LEN, T, ddof=0, eps=0.0), (R - 0.5) / population / (4 * LEN))
    np.testing.assert_allclose(L.grpo(R, LEN, T, scale_rewards="none"), (R - 0.5) / (4 * LEN))
    np.testing.assert_allclose(L.dr_grpo(R, LEN, T, scale_rewards="group", eps=0.0), (R - 0.5) / SIGMA / (4 * T))
    batch = np.array([R, [0.0, 0.0, 1.0, 0.0]])  # [B, G]
    lengths = np.array([LEN, LEN])
    sigma_batch = batch.std(ddof=1)  # over all 8 rewards
    expected = (batch - batch.mean(axis=1, keepdims=True)) / (sigma_batch + L.EPS) / (4 * lengths)
    np.testing.assert_allclose(L.grpo(batch, lengths, T, scale_rewards="batch"), expected, rtol=1e-13)
    np.testing.assert_allclose(
        L.grpo(batch, lengths, T, scale_rewards="batch", reward_std=np.full((2, 1), sigma_batch)), expected, rtol=1e-13
    )


@pytest.mark.parametrize(
    ("kwargs", "error", "argument"),
    [
        (dict(rewards=[1.0]), ValueError, "rewards"),
        (dict(rewards="ab"), TypeError, "rewards"),
        (dict(lengths=[1.0, 2.0]), ValueError, "lengths"),
        (dict(lengths=[0.0, 1.0, 1.0, 1.0]), ValueError, "lengths"),
        (dict(lengths=[1.0, 1.0, 1.0, 9.0]), ValueError, "lengths"),
        (dict(max_length=0), ValueError, "max_length"),
        (dict(scale_rewards="std"), ValueError, "scale_rewards"),
        (dict(scale_rewards="batch"), ValueError, "scale_rewards"),
        (dict(eps=-1.0), ValueError, "eps"),
        (dict(eps="0"), TypeError, "eps"),
        (dict(ddof=2), ValueError, "ddof"),
        (dict(ddof=True), TypeError, "ddof"),
    ],
)
def test_bad_input_names_the_argument(kwargs, error, argument):
    args = dict(rewards=R, lengths=LEN, max_length=T) | kwargs
    with pytest.raises(error, match=argument):
        L.grpo(**args)


def test_registry_names_labels_and_lookup():
    for name, estimator in L.GROUP_ESTIMATORS.items():
        assert estimator.name == name and estimator.label and estimator.weights.__doc__
        assert L.get_estimator(name) is estimator
    with pytest.raises(ValueError, match="estimator"):
        L.get_estimator("ppo")
