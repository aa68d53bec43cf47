"""pgviz.lm PPO: importance ratios and the clipped surrogate, sampled and exactly in expectation.

Truths checked: at θ = θ_old the clipped surrogate's gradient equals the policy gradient estimate
of the same groups (and its exact expectation equals expected_estimate); GRPO's surrogate reads 0
there; away from θ_old the gradient equals central finite differences of the surrogate's value;
the exact expected gradient (clipped and unclipped) and clipped fraction equal brute force over
every ordered group of a small model; the ratios are products of token ratios.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from pgviz import lm as L

OLD = L.TinyLM(2, 3, prompts=(2, 3), rng=np.random.default_rng(0))
NEW = OLD.with_params(OLD.param_vector + 0.4 * np.random.default_rng(1).standard_normal(OLD.num_params))
RIGHT = L.correctness(OLD.enumerate())
GROUPS = L.sample_groups(OLD, 4, 6, np.random.default_rng(2))


@pytest.mark.parametrize("name", sorted(L.GROUP_ESTIMATORS))
def test_at_theta_old_the_surrogate_gradient_is_the_policy_gradient_estimate(name):
    out = L.clipped_surrogate(OLD, OLD, RIGHT, GROUPS, name)
    np.testing.assert_allclose(out["gradient"], L.group_estimates(OLD, RIGHT, name, GROUPS), atol=1e-14)
    assert np.all(out["clipped_fraction"] == 0)
    expected = L.expected_surrogate(OLD, OLD, RIGHT, name, 3)["gradient"]
    np.testing.assert_allclose(expected, L.expected_estimate(OLD, RIGHT, name, 3), atol=1e-14)


def test_grpo_surrogate_reads_zero_at_theta_old_while_its_gradient_does_not():
    out = L.clipped_surrogate(OLD, OLD, RIGHT, GROUPS, "grpo")
    np.testing.assert_allclose(out["value"], 0.0, atol=1e-14)
    assert np.linalg.norm(out["gradient"], axis=1).max() > 0.01
    assert np.abs(L.clipped_surrogate(OLD, OLD, RIGHT, GROUPS, "dapo")["value"]).max() > 1e-3


@pytest.mark.parametrize("name", ["grpo", "dapo", "rloo"])
def test_gradient_matches_finite_differences_of_the_surrogate_value(name):
    def value(model):
        return L.clipped_surrogate(model, OLD, RIGHT, GROUPS, name, clip=0.2)["value"]

    out = L.clipped_surrogate(NEW, OLD, RIGHT, GROUPS, name, clip=0.2)
    assert out["clipped_fraction"].max() > 0  # some tokens are clipped at NEW
    np.testing.assert_allclose(
        out["gradient"], L.finite_difference(NEW, value, h=1e-6).reshape(len(GROUPS), -1), atol=1e-7
    )


def _brute_force(name, group_size, clip, clipped):
    space, old_space = NEW.enumerate(), OLD.enumerate()
    rho, _ = L.importance_ratios(NEW, OLD)
    estimator = L.GROUP_ESTIMATORS[name]
    gradient, zeroed, tokens = np.zeros(NEW.num_params), 0.0, 0.0
    for b in range(space.num_prompts):
        rows = np.arange(space.prompt_slice(b).start, space.prompt_slice(b).stop)
        for group in itertools.product(rows, repeat=group_size):
            group = np.array(group)
            prob = old_space.probabilities[group].prod()
            w = estimator(RIGHT[group], space.lengths[group], NEW.max_length)
            for weight, k in zip(w, group):
                for t in range(space.lengths[k]):
                    kept = (
                        not clipped or (weight > 0 and rho[k, t] <= 1 + clip) or (weight < 0 and rho[k, t] >= 1 - clip)
                    )
                    if kept:
                        gradient += prob * weight * rho[k, t] * space.token_scores[k, t]
                    zeroed += prob * (weight != 0 and not kept)
                tokens += prob * space.lengths[k]
    return gradient, zeroed / tokens


@pytest.mark.parametrize("name", ["grpo", "dapo"])
@pytest.mark.parametrize("clipped", [True, False])
def test_expected_surrogate_equals_brute_force_over_every_group(name, clipped):
    expected = L.expected_surrogate(NEW, OLD, RIGHT, name, 2, clip=0.2, clipped=clipped)
    gradient, fraction = _brute_force(name, 2, 0.2, clipped)
    np.testing.assert_allclose(expected["gradient"], gradient, atol=1e-13)
    assert expected["clipped_fraction"] == pytest.approx(fraction, abs=1e-13)


def test_importance_ratios_multiply_to_the_sequence_ratio():
    token, sequence = L.importance_ratios(NEW, OLD)
    p_new, p_old = NEW.enumerate().probabilities, OLD.enumerate().probabilities
    np.testing.assert_allclose(sequence, p_new / p_old, rtol=1e-12)
    np.testing.assert_allclose(token.prod(axis=1), sequence, rtol=1e-12)
    assert np.all(token[~OLD.enumerate().mask] == 1.0)


def test_ppo_updates_start_at_theta_old_and_follow_the_gradient():
    run = L.ppo_updates(OLD, RIGHT, "grpo", 3, step_size=0.5, num_steps=3)
    np.testing.assert_array_equal(run["theta"][0], OLD.param_vector)
    np.testing.assert_allclose(run["gradient"][0], L.expected_estimate(OLD, RIGHT, "grpo", 3), atol=1e-14)
    np.testing.assert_allclose(run["theta"][1], OLD.param_vector + 0.5 * run["gradient"][0])
    np.testing.assert_allclose(run["true_gradient"][0], L.exact_gradient(OLD, RIGHT))
    sampled = L.ppo_updates(OLD, RIGHT, "grpo", 4, step_size=0.5, num_steps=2, groups=GROUPS[:1])
    np.testing.assert_allclose(sampled["gradient"][0], L.group_estimates(OLD, RIGHT, "grpo", GROUPS[:1])[0])


@pytest.mark.parametrize(
    ("call", "error", "argument"),
    [
        (lambda: L.clipped_surrogate(OLD, L.TinyLM(), RIGHT, GROUPS, "grpo"), ValueError, "old"),
        (lambda: L.clipped_surrogate(OLD, OLD, RIGHT, GROUPS, "grpo", clip=1.5), ValueError, "clip"),
        (lambda: L.clipped_surrogate(OLD, OLD, RIGHT, GROUPS, "grpo", foo=1), TypeError, "foo"),
        (lambda: L.expected_surrogate(OLD, OLD, RIGHT, "grpo", 3, clipped=1), TypeError, "clipped"),
        (lambda: L.expected_surrogate(OLD, OLD, RIGHT, "grpo", 99), ValueError, "group_size"),
        (lambda: L.ppo_updates(OLD, RIGHT, "grpo", 3, step_size=-1.0, num_steps=2), ValueError, "step_size"),
        (
            lambda: L.ppo_updates(OLD, RIGHT, "grpo", 3, step_size=1.0, num_steps=2, groups=GROUPS),
            ValueError,
            "group_size",
        ),
    ],
)
def test_bad_input_names_the_argument(call, error, argument):
    with pytest.raises(error, match=argument):
        call()
