"""pgviz.lm KL estimators k1, k2, k3 (Schulman 2020): exact values and gradients.

Truths checked: KL(π ‖ π_ref) and KL(π_ref ‖ π) and their gradients against direct sums and
central finite differences; at the sequence level E[k1] = E[k3] = KL and E[k2] > KL, E[∇k1] = 0,
E[∇k2] = ∇KL(π ‖ π_ref), E[∇k3] = ∇KL(π_ref ‖ π), to 1e-12; summed per token E[k1] = E[k3] = KL
and E[∇k1] = 0 still, while E[∇Σk2] + the KL-to-go term = ∇KL; the KL folded into the reward
gives REINFORCE exactly ∇(J − β KL) (finite differences); variances against direct sums.
"""

from __future__ import annotations

import numpy as np
import pytest

from pgviz import lm as L

MODEL = L.TinyLM(2, 3, prompts=(2, 3), rng=np.random.default_rng(0))
REFERENCE = MODEL.with_params(MODEL.param_vector + 0.7 * np.random.default_rng(1).standard_normal(MODEL.num_params))
E = L.kl_estimators(MODEL, REFERENCE)


def test_true_divergences_and_their_gradients():
    p, q = MODEL.enumerate().probabilities, REFERENCE.enumerate().probabilities
    assert E.kl == pytest.approx(np.sum(p * np.log(p / q)), rel=1e-12)
    assert E.kl_reverse == pytest.approx(np.sum(q * np.log(q / p)), rel=1e-12)
    fd = L.finite_difference(MODEL, lambda m: L.kl_estimators(m, REFERENCE).kl)
    fd_reverse = L.finite_difference(MODEL, lambda m: L.kl_estimators(m, REFERENCE).kl_reverse)
    np.testing.assert_allclose(E.grad_kl, fd, atol=1e-9)
    np.testing.assert_allclose(E.grad_kl_reverse, fd_reverse, atol=1e-9)


def test_sequence_level_identities():
    value, gradient = E.value["sequence"], E.gradient["sequence"]
    assert value["k1"] == pytest.approx(E.kl, abs=1e-12)
    assert value["k3"] == pytest.approx(E.kl, abs=1e-12)
    assert abs(value["k2"] - E.kl) > 1e-2  # biased (here below the KL: the bias can have either sign)
    np.testing.assert_allclose(gradient["k1"], 0.0, atol=1e-12)
    np.testing.assert_allclose(gradient["k2"], E.grad_kl, atol=1e-12)
    np.testing.assert_allclose(gradient["k3"], E.grad_kl_reverse, atol=1e-12)


def test_summed_per_token():
    value, gradient = E.value["token"], E.gradient["token"]
    assert value["k1"] == pytest.approx(E.kl, abs=1e-12)  # the chain rule of KL
    assert value["k3"] == pytest.approx(E.kl, abs=1e-12)  # E[r_t − 1 − log r_t | o_<t] = KL of that token
    assert abs(value["k2"] - E.kl) > 1e-3
    np.testing.assert_allclose(gradient["k1"], 0.0, atol=1e-12)
    np.testing.assert_allclose(gradient["k2"] + L.kl_to_go_gradient(MODEL, REFERENCE), E.grad_kl, atol=1e-12)
    assert np.abs(gradient["k2"] - E.grad_kl).max() > 1e-3  # per token it is not ∇KL
    assert np.abs(gradient["k3"] - E.grad_kl_reverse).max() > 1e-3


def test_kl_in_the_reward_gives_the_gradient_of_j_minus_beta_kl():
    rewards, beta = L.correctness(MODEL.enumerate()), 0.3
    for level in ("sequence", "token"):
        penalized = L.kl_penalized_rewards(MODEL, REFERENCE, rewards, beta, "k1", level)
        fd = L.finite_difference(
            MODEL, lambda m: L.expected_reward(m, rewards) - beta * L.kl_estimators(m, REFERENCE).kl
        )
        np.testing.assert_allclose(L.exact_gradient(MODEL, penalized), fd, atol=1e-9)


def test_variances_are_per_prompt_variances_summed():
    space = MODEL.enumerate()
    for level in ("sequence", "token"):
        for name in L.KL_ESTIMATORS:
            k = L.kl_values(MODEL, REFERENCE, name, level)
            expected = sum(
                space.probabilities[s] @ k[s] ** 2 - (space.probabilities[s] @ k[s]) ** 2
                for s in (space.prompt_slice(0), space.prompt_slice(1))
            )
            assert E.variance[level][name] == pytest.approx(expected, rel=1e-12)


def test_equal_models_have_zero_kl_and_zero_gradients():
    same = L.kl_estimators(MODEL, MODEL)
    assert same.kl == 0.0 and same.value["token"]["k2"] == 0.0
    for level in L.KL_LEVELS:
        for name in L.KL_ESTIMATORS:
            np.testing.assert_allclose(same.gradient[level][name], 0.0, atol=1e-14)


@pytest.mark.parametrize(
    ("call", "error", "argument"),
    [
        (lambda: L.kl_estimators(MODEL, L.TinyLM()), ValueError, "reference"),
        (lambda: L.kl_estimators(MODEL, "ref"), TypeError, "reference"),
        (lambda: L.kl_values(MODEL, REFERENCE, "k4"), ValueError, "estimator"),
        (lambda: L.kl_values(MODEL, REFERENCE, "k1", "batch"), ValueError, "level"),
        (lambda: L.kl_penalized_rewards(MODEL, REFERENCE, np.zeros(3), 0.1), ValueError, "rewards"),
        (lambda: L.kl_penalized_rewards(MODEL, REFERENCE, np.zeros(len(MODEL.enumerate())), "b"), TypeError, "beta"),
    ],
)
def test_bad_input_names_the_argument(call, error, argument):
    with pytest.raises(error, match=argument):
        call()
