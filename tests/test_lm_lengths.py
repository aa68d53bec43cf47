"""pgviz.lm length drift and expected ascent.

Truths checked: the drift of the mean lengths per unit of J along a direction equals the ratio of
central finite differences of ℓ and J along it; Dr. GRPO's drift equals the true gradient's (it is
a rescaled ∇J) while GRPO lengthens wrong answers faster; the expected ascent's first step is
θ + α E[ĝ] and J rises along RLOO's.
"""

from __future__ import annotations

import numpy as np
import pytest

from pgviz import lm as L

MODEL = L.TinyLM()
RIGHT = L.correctness(MODEL.enumerate())
LENGTHS = MODEL.enumerate().lengths.astype(float)


def test_drift_matches_finite_differences_along_the_direction():
    direction = L.expected_estimate(MODEL, RIGHT, "grpo", 4)
    drift = L.length_drift(MODEL, RIGHT, direction)
    h = 1e-5
    plus, minus = (MODEL.with_params(MODEL.param_vector + s * h * direction) for s in (1, -1))

    def stats(m):
        return (
            L.expected_reward(m, RIGHT),
            L.conditional_expectation(m, LENGTHS, RIGHT > 0.5)[0],
            L.conditional_expectation(m, LENGTHS, RIGHT < 0.5)[0],
        )

    (j1, r1, w1), (j0, r0, w0) = stats(plus), stats(minus)
    assert drift["right_per_J"] == pytest.approx((r1 - r0) / (j1 - j0), rel=1e-6)
    assert drift["wrong_per_J"] == pytest.approx((w1 - w0) / (j1 - j0), rel=1e-6)


def test_dr_grpo_drifts_like_the_gradient_and_grpo_lengthens_wrong_answers_faster():
    truth = L.length_drift(MODEL, RIGHT, L.exact_gradient(MODEL, RIGHT))
    dr = L.length_drift(MODEL, RIGHT, L.expected_estimate(MODEL, RIGHT, "dr_grpo", 4))
    grpo = L.length_drift(MODEL, RIGHT, L.expected_estimate(MODEL, RIGHT, "grpo", 4))
    assert dr["wrong_per_J"] == pytest.approx(truth["wrong_per_J"], rel=1e-10)
    assert grpo["wrong_per_J"] > 2 * truth["wrong_per_J"] > 0
    assert grpo["right_per_J"] < truth["right_per_J"] < 0


def test_expected_ascent_steps():
    run = L.expected_ascent(MODEL, RIGHT, "rloo", 4, step_size=0.5, num_steps=3)
    np.testing.assert_allclose(run["theta"][1], MODEL.param_vector + 0.5 * L.exact_gradient(MODEL, RIGHT), atol=1e-12)
    assert np.all(np.diff(run["J"]) > 0)
    exact = L.expected_ascent(MODEL, RIGHT, "exact", 4, step_size=0.5, num_steps=1)
    np.testing.assert_allclose(exact["theta"][1], run["theta"][1], atol=1e-12)


@pytest.mark.parametrize(
    ("call", "error", "argument"),
    [
        (lambda: L.length_drift(MODEL, RIGHT, np.zeros(3)), ValueError, "direction"),
        (lambda: L.length_drift(MODEL, RIGHT, -L.exact_gradient(MODEL, RIGHT)), ValueError, "direction"),
        (lambda: L.expected_ascent(MODEL, RIGHT, "grpo", 4, step_size=0.0, num_steps=2), ValueError, "step_size"),
        (lambda: L.expected_ascent(MODEL, RIGHT, "grpo", 1, step_size=1.0, num_steps=2), ValueError, "group_size"),
    ],
)
def test_bad_input_names_the_argument(call, error, argument):
    with pytest.raises(error, match=argument):
        call()
