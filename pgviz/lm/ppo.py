"""PPO's clipped surrogate on group estimators, sampled and exactly in expectation (notebook 08).

Completions are drawn from π_old; after updates θ moves away, and each token carries the
importance ratio ρ_t(θ) = π_θ(o_t | o_<t) / π_old(o_t | o_<t). With the weights w_i of a group
estimator (advantage × aggregation, :mod:`pgviz.lm.estimators`), the clipped surrogate of
Schulman et al. (2017), eq. 7, is

    L(θ) = Σ_i Σ_t min(ρ_{i,t} w_i, clip(ρ_{i,t}, 1 − ε, 1 + ε) w_i),

the objective TRL's GRPOTrainer maximizes (its loss is −L). Its gradient is Σ_i w_i Σ_t ρ_{i,t}
∇log π_θ(o_{i,t}) over the tokens whose term is not clipped: w_i > 0 and ρ <= 1 + ε, or w_i < 0 and
ρ >= 1 − ε. At θ = θ_old every ρ = 1, so ∇L = Σ_i w_i ∇log π(o_i) = ĝ, the policy gradient estimate.
"""

from __future__ import annotations

import numpy as np

from pgviz.lm import groups as _groups
from pgviz.lm.estimators import estimator_options, get_estimator
from pgviz.lm.exact import MAX_GROUP_SIZE, exact_gradient, expected_reward
from pgviz.lm.model import TinyLM, check_lm, check_pair
from pgviz.lm.rewards import check_rewards
from pgviz.lm.sampling import check_groups
from pgviz.validation import check_bool, check_count, check_in_range, check_positive

__all__ = ["importance_ratios", "clipped_surrogate", "expected_surrogate", "ppo_updates", "CLIP"]

CLIP = 0.2  # ε of PPO (Schulman et al. 2017) and TRL's default epsilon


def importance_ratios(lm: TinyLM, old: TinyLM) -> tuple[np.ndarray, np.ndarray]:
    """ρ_t = π_θ(o_t | o_<t) / π_old(o_t | o_<t) per token [K, T] (1 after the end) and the
    sequence ratio π_θ(o) / π_old(o) = Π_t ρ_t [K]."""
    space, old_space = check_pair(lm, old, "old")
    log_ratio = space.token_log_probabilities - old_space.token_log_probabilities  # 0 after the end
    return np.exp(log_ratio), np.exp(log_ratio.sum(axis=1))


def _per_completion(lm, old, clip, clipped):
    """For each completion, under w > 0 and under w < 0: Σ_t of the surrogate term's factor (value),
    Σ_t ρ_t ∇log π_θ(o_t) over the unclipped tokens (gradient) and the number of clipped tokens."""
    space = lm.enumerate()
    rho, _ = importance_ratios(lm, old)
    mask = space.mask
    weighted = rho[..., None] * space.token_scores  # ρ_t ∇log π_θ(o_t | o_<t), [K, T, P]
    keep = {+1: mask & (rho <= 1 + clip), -1: mask & (rho >= 1 - clip)} if clipped else {+1: mask, -1: mask}
    value = {
        +1: np.where(mask, np.minimum(rho, 1 + clip) if clipped else rho, 0.0).sum(
            axis=1
        ),  # w · min(ρ, clip ρ) = w · min(ρ, 1 + ε)
        -1: np.where(mask, np.maximum(rho, 1 - clip) if clipped else rho, 0.0).sum(axis=1),  # w < 0: w · max(ρ, 1 − ε)
    }
    gradient = {s: np.einsum("kt,ktp->kp", keep[s], weighted) for s in (+1, -1)}
    num_clipped = {s: (mask & ~keep[s]).sum(axis=1) for s in (+1, -1)}
    return value, gradient, num_clipped


def clipped_surrogate(lm: TinyLM, old: TinyLM, rewards, groups, estimator, clip: float = CLIP, **options):
    """The clipped surrogate L(θ) of sampled groups and its gradient (groups drawn from π_old).

    Args:
        lm: the model at θ; old: the model at θ_old that sampled ``groups`` [N, prompts, G]
        (:func:`pgviz.lm.sample_groups` on ``old``); rewards [K]; estimator: a name of
        ``GROUP_ESTIMATORS`` (its weights w_i, computed from rewards and lengths, do not depend on
        θ); clip: ε in (0, 1); options: ``scale_rewards``, ``eps``, ``ddof``.
    Returns:
        dict with ``value`` [N] (L; TRL's loss is −L), ``gradient`` [N, P] (∇_θ L) and
        ``clipped_fraction`` [N] (the share of tokens whose gradient the clip removed).
    """
    space, _ = check_pair(lm, old, "old")
    rewards = check_rewards(rewards, space)
    est = get_estimator(estimator)
    options = estimator_options(**options)
    groups = check_groups(groups, lm)
    clip = check_in_range(clip, "clip", 0.0, 1.0, low_open=True, high_open=True)
    w = est.weights(rewards[groups], space.lengths[groups], lm.max_length, **options)  # [N, prompts, G]
    value, gradient, num_clipped = _per_completion(lm, old, clip, clipped=True)
    flat, w = groups.reshape(len(groups), -1), w.reshape(len(groups), -1)
    positive, negative = np.where(w > 0, w, 0.0), np.where(w < 0, w, 0.0)
    clipped = (w > 0) * num_clipped[+1][flat] + (w < 0) * num_clipped[-1][flat]
    return {
        "value": (positive * value[+1][flat] + negative * value[-1][flat]).sum(axis=1),
        "gradient": np.einsum("ng,ngp->np", positive, gradient[+1][flat])
        + np.einsum("ng,ngp->np", negative, gradient[-1][flat]),
        "clipped_fraction": clipped.sum(axis=1) / space.lengths[flat].sum(axis=1),
    }


def expected_surrogate(
    lm: TinyLM, old: TinyLM, rewards, estimator, group_size: int, clip: float = CLIP, clipped: bool = True, **options
) -> dict:
    """E over every group drawn from π_old of the surrogate's gradient at θ, exactly.

    E[∇L(θ)] = Σ_prompts G Σ_c (Φ⁺_c U⁺_c + Φ⁻_c U⁻_c), with Φ^±_c = E[w_1 1{±w_1 > 0} | c_1 = c]
    (multisets of classes, as :func:`pgviz.lm.expected_estimate`) and U^±_c = Σ_{o∈c} π_old(o)
    Σ_t ρ_t ∇log π_θ(o_t) over the tokens left unclipped under that sign. ``clipped=False`` gives
    the unclipped surrogate Σ_t ρ_t w_i. At θ = θ_old both equal ``expected_estimate``.
    Returns dict with ``gradient`` [P], ``value`` (E[L]) and ``clipped_fraction`` (the expected
    share of tokens whose gradient the clip removes).
    """
    space, old_space = check_pair(lm, old, "old")
    rewards = check_rewards(rewards, space)
    est = get_estimator(estimator)
    options = estimator_options(**options)
    group_size = check_count(group_size, "group_size", 2, MAX_GROUP_SIZE)
    clip = check_in_range(clip, "clip", 0.0, 1.0, low_open=True, high_open=True)
    clipped = check_bool(clipped, "clipped")
    if options.get("scale_rewards") == "batch":
        raise ValueError("expected_surrogate supports scale_rewards 'group' and 'none'")
    tables = []
    for b in range(space.num_prompts):  # every size check before any work
        rows = space.prompt_slice(b)
        class_of, class_rewards, class_lengths = _groups.reward_classes(rewards[rows], space.lengths[rows])
        _groups.check_size(len(class_rewards), group_size)
        tables.append((rows, class_of, class_rewards, class_lengths))
    value, gradient, num_clipped = _per_completion(lm, old, clip, clipped)
    total = {"gradient": np.zeros(lm.num_params), "value": 0.0, "clipped": 0.0}
    for rows, class_of, class_rewards, class_lengths in tables:
        p_old = old_space.probabilities[rows]
        class_prob = np.bincount(class_of, weights=p_old, minlength=len(class_rewards))
        moments = _groups.class_moments(
            est.weights, options, class_prob, class_rewards, class_lengths, group_size, lm.max_length
        )
        for sign, part, share in ((+1, "positive", "p_positive"), (-1, "negative", "p_negative")):
            per_class = np.zeros((len(class_prob), lm.num_params))
            np.add.at(per_class, class_of, p_old[:, None] * gradient[sign][rows])
            total["gradient"] += group_size * moments[part] @ per_class
            total["value"] += (
                group_size
                * moments[part]
                @ np.bincount(class_of, weights=p_old * value[sign][rows], minlength=len(class_prob))
            )
            total["clipped"] += (
                group_size
                * moments[share]
                @ np.bincount(class_of, weights=p_old * num_clipped[sign][rows], minlength=len(class_prob))
            )
    tokens = group_size * old_space.probabilities @ old_space.lengths
    return {
        "gradient": total["gradient"],
        "value": float(total["value"]),
        "clipped_fraction": total["clipped"] / tokens,
    }


def ppo_updates(
    old: TinyLM,
    rewards,
    estimator,
    group_size: int,
    step_size: float,
    num_steps: int,
    clip: float = CLIP,
    groups=None,
    **options,
) -> dict:
    """Several gradient-ascent steps θ ← θ + α ∇L(θ) on the data of θ_old (PPO's inner epochs).

    With ``groups`` (sampled from ``old``): the clipped surrogate of those groups. Without: the
    expected surrogate over every group from π_old (:func:`expected_surrogate`), so that only θ
    changes and every number is exact. Each step also records the true ∇J(θ_k) and J(θ_k).
    Returns dict of arrays over k = 0..num_steps: ``theta`` [S+1, P], ``gradient`` (∇L),
    ``unclipped_gradient`` (expected case only), ``true_gradient`` [S+1, P], ``value`` (L),
    ``clipped_fraction`` and ``J`` [S+1].
    """
    check_lm(old, "old")
    rewards = check_rewards(rewards, old.enumerate())
    step_size = check_positive(step_size, "step_size")
    num_steps = check_count(num_steps, "num_steps", 1, 1000)
    group_size = check_count(group_size, "group_size", 2, MAX_GROUP_SIZE)
    if groups is not None:
        groups = check_groups(groups, old)
        if groups.shape[2] != group_size:
            raise ValueError(f"group_size={group_size} but the groups hold {groups.shape[2]} completions per prompt")
    record = {
        k: [] for k in ("theta", "gradient", "unclipped_gradient", "true_gradient", "value", "clipped_fraction", "J")
    }
    lm = old
    for step in range(num_steps + 1):
        if groups is None:
            result = expected_surrogate(lm, old, rewards, estimator, group_size, clip, **options)
            unclipped = expected_surrogate(lm, old, rewards, estimator, group_size, clip, clipped=False, **options)
            record["unclipped_gradient"].append(unclipped["gradient"])
            gradient, value, fraction = result["gradient"], result["value"], result["clipped_fraction"]
        else:
            result = clipped_surrogate(lm, old, rewards, groups, estimator, clip, **options)
            gradient, value = result["gradient"].sum(axis=0), float(result["value"].sum())
            fraction = float(result["clipped_fraction"].mean())
        record["theta"].append(lm.param_vector)
        record["gradient"].append(gradient)
        record["true_gradient"].append(exact_gradient(lm, rewards))
        record["value"].append(value)
        record["clipped_fraction"].append(fraction)
        record["J"].append(expected_reward(lm, rewards))
        if step < num_steps:
            lm = lm.with_params(lm.param_vector + step_size * gradient)
    return {k: np.array(v) for k, v in record.items() if v}
