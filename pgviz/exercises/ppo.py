"""Exercises of notebook 08: Schulman's k3 estimator, the expected gradient of the k3 loss, and PPO's
clipped surrogate.

Inputs come from :class:`pgviz.lm.TinyLM` moved along a seeded random direction; the exact answers
are sums over every completion by :func:`pgviz.lm.kl_values`, :func:`pgviz.lm.kl_estimators` and
:func:`pgviz.lm.clipped_surrogate`.
"""

from __future__ import annotations

import numpy as np

import pgviz.lm as lm
from pgviz.exercises.core import Case, Exercise, Mistake

__all__ = ["EXERCISES", "K3_ESTIMATE", "K3_LOSS_GRADIENT", "CLIPPED_OBJECTIVE"]


def _model_pairs(rng: np.random.Generator):
    """(policy, reference) pairs of the tiny language model at four distances."""
    reference = lm.TinyLM()
    direction = rng.normal(size=reference.num_params)
    for step in (0.05, 0.3, 0.8, 1.5):
        yield reference.with_params(reference.param_vector + step * direction), reference


def _k3_cases(rng: np.random.Generator) -> list[Case]:
    cases = []
    for policy, reference in _model_pairs(rng):
        log_r = lm.log_ratios(policy, reference)[0]  # [K], log π_ref(o) − log π_θ(o)
        r = np.exp(log_r)
        answer = lm.kl_values(policy, reference, "k3")
        mistakes = {
            "k1": -log_r,
            "k2": 0.5 * log_r**2,
            "inverted": (1.0 / r - 1.0) + log_r,
            "no_minus_one": r - log_r,
            "sign": -answer,
        }
        cases.append(Case({"log_ratio": log_r}, answer, mistakes))
    return cases


K3_ESTIMATE = Exercise(
    name="k3_estimate",
    notebook=8,
    title="Schulman's k3 estimator of the KL",
    signature="k3_estimate(log_ratio)",
    hint="with r = exp(log_ratio) = π_ref(o)/π_θ(o): k3 = (r − 1) − log r, one value per completion.",
    make_cases=_k3_cases,
    mistakes=(
        Mistake("k1", "that is k1 = −log r (unbiased, but noisy and often negative); k3 adds r − 1, whose mean is 0."),
        Mistake("k2", "that is k2 = (log r)²/2; k3 is (r − 1) − log r."),
        Mistake(
            "inverted",
            "you used r = π_θ/π_ref; log_ratio is log π_ref − log π_θ, so r = exp(log_ratio).",
        ),
        Mistake("no_minus_one", "the −1 is missing: k3 = (r − 1) − log r (so that k3 >= 0)."),
        Mistake("sign", "the sign is flipped: k3 = (r − 1) − log r >= 0."),
    ),
    seed=801,
)


def _k3_gradient_cases(rng: np.random.Generator) -> list[Case]:
    cases = []
    for policy, reference in _model_pairs(rng):
        space = policy.enumerate()
        p, s = space.probabilities, space.scores  # [K], [K, P]
        log_r = lm.log_ratios(policy, reference)[0]
        r = np.exp(log_r)
        answer = lm.kl_estimators(policy, reference).gradient["sequence"]["k3"]  # E[∇k3] = ∇KL(π_ref ‖ π)
        mistakes = {
            "sign": (p * (r - 1)) @ s,
            "k1": p @ s,
            "k2": (p * -log_r) @ s,
            "reward": (p * (r - 1 - log_r)) @ s,
            "unweighted": (1 - r) @ s,
        }
        cases.append(Case({"probabilities": p, "log_ratio": log_r, "scores": s}, answer, mistakes))
    return cases


K3_LOSS_GRADIENT = Exercise(
    name="k3_loss_gradient",
    notebook=8,
    title="the expected gradient of the k3 loss",
    signature="k3_loss_gradient(probabilities, log_ratio, scores)",
    hint="k3 = (r − 1) − log r depends on θ only through log r = log π_ref − log π_θ: differentiate it at the fixed "
    "sample (chain rule), times the score, and average under π.",
    make_cases=_k3_gradient_cases,
    mistakes=(
        Mistake(
            "sign",
            "the sign: k3 depends on θ through log r = log π_ref − log π_θ, so ∇k3 = (r − 1)·(−∇log π_θ) = "
            "(1 − r)·∇log π_θ.",
        ),
        Mistake("k1", "that is E[∇k1] = E[∇log π] = 0; k3's derivative in log π_θ is 1 − r."),
        Mistake("k2", "that is E[∇k2] = E[−log r ∇log π] = ∇KL(π ‖ π_ref); k3's derivative in log π_θ is 1 − r."),
        Mistake(
            "reward",
            "that is E[k3·∇log π], k3 used as a reward; as a loss only ∇k3 at the fixed sample counts: "
            "E[(1 − r)∇log π].",
        ),
        Mistake("unweighted", "the probabilities π(o) are missing: the expectation weights each completion by π(o)."),
    ),
    seed=802,
    atol=1e-10,
)


def _clipped_cases(rng: np.random.Generator) -> list[Case]:
    old = lm.TinyLM()
    space = old.enumerate()
    rewards = lm.correctness(space)
    cases = []
    for step, clip, group_size in ((0.8, 0.2, 4), (1.5, 0.2, 6), (1.0, 0.1, 5), (2.5, 0.3, 4)):
        new = old.with_params(old.param_vector + step * rng.normal(size=old.num_params))
        groups = lm.sample_groups(old, group_size, 1, rng)  # [1, prompts, G], drawn from π_old
        flat = groups.reshape(-1)
        weights = lm.rloo(rewards[groups], space.lengths[groups], old.max_length).reshape(-1)  # [M]
        ratios, mask = lm.importance_ratios(new, old)[0][flat], space.mask[flat]  # [M, T]: 1 after the end
        w = weights[:, None]
        clipped = np.clip(ratios, 1 - clip, 1 + clip)
        answer = lm.clipped_surrogate(new, old, rewards, groups, "rloo", clip)["value"][0]
        mistakes = {
            "no_clip": np.sum(mask * ratios * w),
            "clip_only": np.sum(mask * clipped * w),
            "max": np.sum(mask * np.maximum(ratios * w, clipped * w)),
            "unmasked": np.sum(np.minimum(ratios * w, clipped * w)),
            "sign": -answer,
        }
        args = {"ratios": ratios, "weights": weights, "mask": mask, "clip": clip}
        cases.append(Case(args, np.asarray(answer), mistakes))
    return cases


CLIPPED_OBJECTIVE = Exercise(
    name="clipped_objective",
    notebook=8,
    title="PPO's clipped surrogate objective",
    signature="clipped_objective(ratios, weights, mask, clip)",
    hint="L = Σ_i Σ_t mask·min(ρ_{i,t} w_i, clip(ρ_{i,t}, 1 − ε, 1 + ε) w_i) with ε = clip: one number "
    "(np.clip, np.minimum; weights[:, None] lines w_i up with the tokens).",
    make_cases=_clipped_cases,
    mistakes=(
        Mistake("no_clip", "the clip is missing: that is the unclipped surrogate Σ ρ w."),
        Mistake(
            "clip_only",
            "you used the clipped term alone; PPO takes the minimum of the clipped and unclipped terms, so a "
            "ratio that makes the objective worse is never clipped away.",
        ),
        Mistake("max", "you took the maximum of the two terms; PPO's pessimistic bound is their minimum."),
        Mistake(
            "unmasked",
            "the padding after each completion's end was counted (there ρ = 1, adding w_i per padded token): "
            "multiply by the mask.",
        ),
        Mistake("sign", "that is the loss −L; the exercise asks for the objective L that PPO maximizes."),
    ),
    seed=803,
)

EXERCISES = (K3_ESTIMATE, K3_LOSS_GRADIENT, CLIPPED_OBJECTIVE)
