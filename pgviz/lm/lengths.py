"""How an expected update changes the length of right and of wrong answers (notebook 07).

The mean lengths ℓ_right(θ) = E[|o| | R(o) = 1] and ℓ_wrong(θ) = E[|o| | R(o) = 0] (pooled over the
prompts) are smooth functions of θ with exact gradients (:func:`pgviz.lm.conditional_expectation`).
Along an update direction u, the first-order change per unit of reward gained is
(∇ℓ · u) / (∇J · u): :func:`length_drift`. :func:`expected_ascent` follows the expected update
E[ĝ] itself for many small steps, with no sampling noise, to see where it leads.
"""

from __future__ import annotations

import numpy as np

from pgviz.lm.exact import conditional_expectation, exact_gradient, expected_estimate, expected_reward
from pgviz.lm.model import TinyLM, check_lm
from pgviz.lm.rewards import check_rewards
from pgviz.validation import check_count, check_positive, check_real_array

__all__ = ["length_drift", "expected_ascent"]


def _right_wrong(lm, rewards):
    space = lm.enumerate()
    right = rewards > 0.5
    return (
        conditional_expectation(lm, space.lengths.astype(float), right),
        conditional_expectation(lm, space.lengths.astype(float), ~right),
    )


def length_drift(lm: TinyLM, rewards, direction) -> dict:
    """The change of the mean lengths of right and wrong answers per unit of J gained along ``direction``.

    Args: lm; rewards [K] of 0/1 correctness (right means R > 1/2); direction u [P] with ∇J · u > 0
    (an expected update E[ĝ], or ∇J itself).
    Returns dict: ``right_length``, ``wrong_length`` (their values now), ``right_per_J`` =
    (∇ℓ_right · u) / (∇J · u), ``wrong_per_J`` likewise, and ``cosine`` of u with ∇J.
    """
    space = check_lm(lm).enumerate()
    rewards = check_rewards(rewards, space)
    direction = check_real_array(direction, "direction", ndim=1)
    if direction.shape != (lm.num_params,):
        raise ValueError(f"direction must have shape ({lm.num_params},), got {direction.shape}")
    grad_J = exact_gradient(lm, rewards)
    rate = grad_J @ direction
    if rate <= 0:
        raise ValueError("direction must increase J (∇J · direction > 0)")
    (right, grad_right), (wrong, grad_wrong) = _right_wrong(lm, rewards)
    return {
        "right_length": right,
        "wrong_length": wrong,
        "right_per_J": float(grad_right @ direction / rate),
        "wrong_per_J": float(grad_wrong @ direction / rate),
        "cosine": float(rate / (np.linalg.norm(grad_J) * np.linalg.norm(direction))),
    }


def expected_ascent(
    lm: TinyLM, rewards, estimator, group_size: int, step_size: float, num_steps: int, **options
) -> dict:
    """θ_{k+1} = θ_k + α E[ĝ](θ_k): the update an estimator makes on average, followed for many steps.

    ``estimator`` is a name of ``GROUP_ESTIMATORS`` or ``"exact"`` (∇J itself); ``options`` as for
    :func:`pgviz.lm.expected_estimate`. Returns dict of arrays over k = 0..num_steps: ``theta``
    [S+1, P], ``J``, ``right_length`` and ``wrong_length`` [S+1].
    """
    check_lm(lm)
    rewards = check_rewards(rewards, lm.enumerate())
    step_size = check_positive(step_size, "step_size")
    num_steps = check_count(num_steps, "num_steps", 1, 5000)
    if estimator != "exact":
        expected_estimate(lm, rewards, estimator, group_size, **options)  # every argument checked first
    record = {"theta": [], "J": [], "right_length": [], "wrong_length": []}
    for step in range(num_steps + 1):
        (right, _), (wrong, _) = _right_wrong(lm, rewards)
        record["theta"].append(lm.param_vector)
        record["J"].append(expected_reward(lm, rewards))
        record["right_length"].append(right)
        record["wrong_length"].append(wrong)
        if step < num_steps:
            if estimator == "exact":
                update = exact_gradient(lm, rewards)
            else:
                update = expected_estimate(lm, rewards, estimator, group_size, **options)
            lm = lm.with_params(lm.param_vector + step_size * update)
    return {k: np.array(v) for k, v in record.items()}
