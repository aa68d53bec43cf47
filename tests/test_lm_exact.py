"""pgviz.lm exact gradients and exact expectations of the group estimators.

Truths checked: ∇J against central finite differences of J; RLOO's exact expectation equals ∇J
and the group mean's (G − 1)/G ∇J to 1e-10, for G = 2..8; every estimator's expectation and
variance (and batch-wide scaling) against brute force over every ordered group of a small model;
GRPO's std-normalization weight against the closed form
Σ_k C(G,k) p^k (1−p)^(G−k) (k(G−k)/G) / (p(1−p)(σ_k + ε)) / G with Bessel's σ_k; the no-signal
probability against counting all-equal groups; the conditional mean length's gradient against
finite differences; sizes too large to enumerate are refused naming group_size and the limit.
"""

from __future__ import annotations

import itertools
from math import comb

import numpy as np
import pytest

from pgviz import lm as L

DEFAULT = L.TinyLM()
SPACE = DEFAULT.enumerate()
RIGHT = L.correctness(SPACE)
GRAD = L.exact_gradient(DEFAULT, RIGHT)


def test_exact_gradient_matches_central_finite_differences_of_j():
    model = L.TinyLM(2, 3, prompts=(2, 3), rng=np.random.default_rng(0))
    rewards = L.correctness(model.enumerate()) + L.soft_overlong_punishment(model.enumerate(), 2)
    fd = L.finite_difference(model, lambda m: L.expected_reward(m, rewards))
    np.testing.assert_allclose(L.exact_gradient(model, rewards), fd, atol=1e-9)


@pytest.mark.parametrize("group_size", range(2, 9))
def test_rloo_is_unbiased_and_the_group_mean_shrinks_by_g_minus_1_over_g(group_size):
    rloo = L.expected_estimate(DEFAULT, RIGHT, "rloo", group_size)
    mean = L.expected_estimate(DEFAULT, RIGHT, "mean_baseline", group_size)
    np.testing.assert_allclose(rloo, GRAD, atol=1e-10, rtol=0)
    np.testing.assert_allclose(mean, (group_size - 1) / group_size * GRAD, atol=1e-10, rtol=0)
    np.testing.assert_allclose(L.expected_estimate(DEFAULT, RIGHT, "reinforce", group_size), GRAD, atol=1e-10)
    dr = L.expected_estimate(DEFAULT, RIGHT, "dr_grpo", group_size)
    np.testing.assert_allclose(dr, (group_size - 1) / (group_size * DEFAULT.max_length) * GRAD, atol=1e-10)


def _brute_force(model, rewards, name, group_size, **options):
    """Mean and variance of ĝ over every ordered group of every prompt (K0^G groups each)."""
    space, estimator = model.enumerate(), L.GROUP_ESTIMATORS[name]
    mean, variance = np.zeros(model.num_params), np.zeros(model.num_params)
    for b in range(space.num_prompts):
        rows = np.arange(space.prompt_slice(b).start, space.prompt_slice(b).stop)
        groups = np.array(list(itertools.product(rows, repeat=group_size)))
        prob = space.probabilities[groups].prod(axis=1)
        w = estimator(rewards[groups], space.lengths[groups], model.max_length, **options)
        estimates = np.einsum("ng,ngp->np", w, space.scores[groups])
        m = prob @ estimates
        mean += m
        variance += prob @ estimates**2 - m**2
    return mean, variance


SMALL = L.TinyLM(2, 2, prompts=(1, 2), rng=np.random.default_rng(4))  # 7 completions per prompt
SMALL_REWARDS = L.correctness(SMALL.enumerate()) + 0.5 * L.soft_overlong_punishment(SMALL.enumerate(), 1)


@pytest.mark.parametrize("name", sorted(L.GROUP_ESTIMATORS))
@pytest.mark.parametrize("scale_rewards", [None, "group"])
def test_expectation_and_variance_equal_brute_force_over_every_group(name, scale_rewards):
    options = {} if scale_rewards is None else {"scale_rewards": scale_rewards}
    for group_size in (2, 3):
        mean, variance = _brute_force(SMALL, SMALL_REWARDS, name, group_size, **options)
        # rounding relative to the largest entry (REINFORCE scaled by σ + ε reaches 1/ε on equal groups)
        np.testing.assert_allclose(
            L.expected_estimate(SMALL, SMALL_REWARDS, name, group_size, **options),
            mean,
            atol=1e-13 * np.abs(mean).max(),
        )
        np.testing.assert_allclose(
            L.estimate_variance(SMALL, SMALL_REWARDS, name, group_size, **options),
            variance,
            atol=1e-12 * np.abs(variance).max(),
        )


@pytest.mark.parametrize("name", ["grpo", "dapo", "mean_baseline"])
def test_batch_scaling_equals_brute_force_over_every_batch(name):
    space, estimator, group_size = SMALL.enumerate(), L.GROUP_ESTIMATORS[name], 2
    per = space.sequences_per_prompt
    groups = np.array(list(itertools.product(range(per), repeat=group_size)))
    expected = np.zeros(SMALL.num_params)
    for first in groups:
        second = groups + per  # every group of the second prompt
        batch = np.stack([np.broadcast_to(first, second.shape), second], axis=1)  # [n, 2, G]
        prob = space.probabilities[batch].prod(axis=(1, 2))
        w = estimator(SMALL_REWARDS[batch], space.lengths[batch], SMALL.max_length, scale_rewards="batch")
        expected += prob @ np.einsum("nbg,nbgp->np", w, space.scores[batch])
    exact = L.expected_estimate(SMALL, SMALL_REWARDS, name, group_size, scale_rewards="batch")
    np.testing.assert_allclose(exact, expected, atol=1e-13)


def _closed_form_weight(p, group_size, eps):
    """The issue's closed form, with Bessel's σ_k = sqrt(k(G − k) / (G (G − 1)))."""
    total = 0.0
    for k in range(group_size + 1):
        sigma_k = np.sqrt(k * (group_size - k) / (group_size * (group_size - 1)))
        if 0 < k < group_size:
            binomial = comb(group_size, k) * p**k * (1 - p) ** (group_size - k)
            total += binomial * (k * (group_size - k) / group_size) / (p * (1 - p) * (sigma_k + eps)) / group_size
    return total


@pytest.mark.parametrize("group_size", [2, 3, 4, 8])
def test_std_normalization_weight_matches_its_closed_form_and_the_exact_expectation(group_size):
    p_grid = np.array([0.05, 0.3, 0.5, 0.77])
    closed = np.array([_closed_form_weight(p, group_size, L.EPS) for p in p_grid])
    np.testing.assert_allclose(L.std_normalization_weight(p_grid, group_size), closed, rtol=1e-12)
    # the exact expectation: GRPO's advantages without length normalization give w(p_b) ∇p_b per prompt
    expected = L.expected_estimate(DEFAULT, RIGHT, "mean_baseline", group_size, scale_rewards="group")
    success = SPACE.per_prompt(RIGHT)
    per_prompt_gradient = (SPACE.probabilities * RIGHT)[:, None] * SPACE.scores
    for b in range(SPACE.num_prompts):
        grad_p = per_prompt_gradient[SPACE.prompt_slice(b)].sum(axis=0)
        block = np.abs(grad_p) > 0
        weight = _closed_form_weight(success[b], group_size, L.EPS)
        np.testing.assert_allclose(expected[block], weight * grad_p[block], rtol=1e-9, atol=1e-13)


def test_no_signal_probability_counts_the_all_equal_groups():
    p, group_size = 0.3, 4
    outcomes = np.array(list(itertools.product([0, 1], repeat=group_size)))
    prob = np.prod(np.where(outcomes == 1, p, 1 - p), axis=1)
    all_equal = (outcomes.min(axis=1) == outcomes.max(axis=1)) @ prob
    assert L.no_signal_probability(p, group_size) == pytest.approx(all_equal, rel=1e-14)


def test_conditional_mean_length_gradient_matches_finite_differences():
    model = L.TinyLM(2, 3, prompts=(2, 3), rng=np.random.default_rng(5))
    right = L.correctness(model.enumerate()) > 0
    lengths = model.enumerate().lengths.astype(float)
    value, gradient = L.conditional_expectation(model, lengths, right)
    fd = L.finite_difference(model, lambda m: L.conditional_expectation(m, lengths, right)[0])
    np.testing.assert_allclose(gradient, fd, atol=1e-9)
    space = model.enumerate()
    assert value == pytest.approx((space.probabilities * right) @ lengths / (space.probabilities @ right))


def test_agreement_of_a_rescaled_gradient():
    out = L.agreement(2.0 * GRAD, GRAD)
    assert out["cosine"] == pytest.approx(1.0) and out["norm_ratio"] == pytest.approx(2.0)
    assert out["projection"] == pytest.approx(2.0) and out["relative_bias"] == pytest.approx(1.0)


@pytest.mark.parametrize(
    ("call", "error", "argument"),
    [
        (lambda: L.expected_estimate(DEFAULT, RIGHT, "grpo", 1), ValueError, "group_size"),
        (lambda: L.expected_estimate(DEFAULT, RIGHT, "grpo", 2.5), TypeError, "group_size"),
        (lambda: L.expected_estimate(DEFAULT, RIGHT, "grpo", 40), ValueError, r"group_size=40.*limit is 6,000,000"),
        (lambda: L.expected_estimate(DEFAULT, RIGHT[:5], "grpo", 4), ValueError, "rewards"),
        (lambda: L.expected_estimate(DEFAULT, RIGHT, "ppo", 4), ValueError, "estimator"),
        (lambda: L.expected_estimate(DEFAULT, RIGHT, "grpo", 4, scale_rewards="std"), ValueError, "scale_rewards"),
        (lambda: L.expected_estimate("lm", RIGHT, "grpo", 4), TypeError, "lm"),
        (lambda: L.estimate_variance(DEFAULT, RIGHT, "grpo", 4, scale_rewards="batch"), ValueError, "scale_rewards"),
        (lambda: L.std_normalization_weight(1.5, 4), ValueError, "p"),
        (lambda: L.no_signal_probability(0.5, 0), ValueError, "group_size"),
        (lambda: L.agreement(GRAD, np.zeros_like(GRAD)), ValueError, "gradient"),
    ],
)
def test_bad_input_names_the_argument(call, error, argument):
    with pytest.raises(error, match=argument):
        call()
