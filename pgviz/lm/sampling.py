"""Monte Carlo: groups of completions sampled with a seeded generator, and the estimators on them (notebook 07).

:func:`sample_groups` draws the completions once; :func:`group_estimates` runs any estimator on
them, so all estimators can be compared on the same samples (common random numbers), and
:func:`sample_estimates` does both.
"""

from __future__ import annotations

import numpy as np

from pgviz.lm.estimators import estimator_options, get_estimator
from pgviz.lm.model import TinyLM, check_lm
from pgviz.lm.rewards import check_rewards
from pgviz.statistics import mean_and_standard_error
from pgviz.validation import check_count, check_real_array, check_rng

__all__ = [
    "sample_groups",
    "group_estimates",
    "sample_estimates",
    "running_agreement",
    "MAX_SAMPLED_COMPLETIONS",
    "check_groups",
]

MAX_SAMPLED_COMPLETIONS = 20_000_000  # num_groups × prompts × G
BLOCK_GROUPS = 4096  # groups handled at once (keeps the [groups, K] weight table small)


def sample_groups(lm: TinyLM, group_size: int, num_groups: int, rng: np.random.Generator) -> np.ndarray:
    """``num_groups`` draws of one group of G completions per prompt: indices into ``lm.enumerate()``,
    [N, prompts, G]. Each completion is drawn from π_θ(· | prompt) by inverting its CDF at a
    uniform number from ``rng``.
    """
    space = check_lm(lm).enumerate()
    group_size = check_count(group_size, "group_size", 1)
    num_groups = check_count(num_groups, "num_groups")
    rng = check_rng(rng)
    total = num_groups * space.num_prompts * group_size
    if total > MAX_SAMPLED_COMPLETIONS:
        raise ValueError(
            f"num_groups={num_groups:,} × {space.num_prompts} prompts × group_size={group_size} = {total:,} "
            f"completions; the limit is {MAX_SAMPLED_COMPLETIONS:,}"
        )
    uniform = rng.random((num_groups, space.num_prompts, group_size))
    per = space.sequences_per_prompt
    cdf = np.cumsum(space.probabilities.reshape(space.num_prompts, per), axis=1)  # [prompts, K0]
    cdf[:, -1] = 1.0  # rounding never leaves a uniform number above the last completion
    indices = np.empty(uniform.shape, dtype=np.int64)
    for b in range(space.num_prompts):
        indices[:, b] = np.searchsorted(cdf[b], uniform[:, b], side="right") + b * per
    return np.minimum(indices, np.arange(1, space.num_prompts + 1)[None, :, None] * per - 1)


def check_groups(groups, lm: TinyLM) -> np.ndarray:
    """Group indices [N, prompts, G] into ``lm.enumerate()`` (each prompt's from its own rows)."""
    space = lm.enumerate()
    groups = np.asarray(groups)
    if groups.dtype.kind not in "iu" or groups.ndim != 3 or groups.shape[1] != space.num_prompts:
        raise ValueError(f"groups must be integer indices [N, {space.num_prompts}, G] from sample_groups")
    per = space.sequences_per_prompt
    low = (np.arange(space.num_prompts) * per)[None, :, None]
    if np.any(groups < low) or np.any(groups >= low + per):
        raise ValueError("groups must index each prompt's own completions (as sample_groups returns)")
    return groups


def group_estimates(lm: TinyLM, rewards, estimator, groups, scale_rewards=None, eps=None, ddof=None) -> np.ndarray:
    """ĝ = Σ_prompts Σ_i w_i ∇ log π(o_i) for each draw of ``groups`` [N, prompts, G]: [N, P].

    The weights are those of ``estimator`` (see :mod:`pgviz.lm.estimators`); with
    ``scale_rewards="batch"`` the prompts' groups of one draw form the batch.
    """
    space = check_lm(lm).enumerate()
    rewards = check_rewards(rewards, space)
    est = get_estimator(estimator)
    options = estimator_options(scale_rewards, eps, ddof)
    groups = check_groups(groups, lm)
    if groups.shape[2] < 2:
        raise ValueError(f"groups must hold G >= 2 completions per prompt, got {groups.shape[2]}")
    out = np.empty((len(groups), lm.num_params))
    for start in range(0, len(groups), BLOCK_GROUPS):
        block = groups[start : start + BLOCK_GROUPS]  # [n, prompts, G]
        w = est.weights(rewards[block], space.lengths[block], lm.max_length, **options)  # [n, prompts, G]
        table = np.zeros((len(block), len(space)))  # the weight of every completion in each draw
        rows = np.repeat(np.arange(len(block)), block[0].size)
        np.add.at(table, (rows, block.reshape(len(block), -1).ravel()), w.reshape(len(block), -1).ravel())
        out[start : start + len(block)] = table @ space.scores
    return out


def sample_estimates(
    lm: TinyLM,
    rewards,
    estimator,
    group_size: int,
    num_groups: int,
    rng: np.random.Generator,
    scale_rewards=None,
    eps=None,
    ddof=None,
) -> np.ndarray:
    """``num_groups`` independent estimates ĝ, each from one sampled group of G per prompt: [N, P].

    Their mean estimates :func:`pgviz.lm.expected_estimate` (not ∇J, for the biased estimators);
    their spread, :func:`pgviz.lm.estimate_variance`.
    """
    check_lm(lm)
    space = lm.enumerate()
    check_rewards(rewards, space)
    get_estimator(estimator)
    estimator_options(scale_rewards, eps, ddof)
    group_size = check_count(group_size, "group_size", 2)
    groups = sample_groups(lm, group_size, num_groups, rng)
    return group_estimates(lm, rewards, estimator, groups, scale_rewards, eps, ddof)


def running_agreement(lm: TinyLM, rewards, estimator, groups, gradient, **options) -> dict:
    """The running estimate ĝ_N = (1/N) Σ_{n<=N} ĝ_n over the draws of ``groups``, against ∇J, for N = 1..N_max.

    Returns dict of [N_max] arrays: ``projection`` ĝ_N · ∇J / |∇J|² and its standard error
    ``projection_se`` (from the spread of the draws' own projections; NaN at N = 1), and
    ``cosine`` of ĝ_N with ∇J. With ``gradient`` = ∇J (:func:`pgviz.lm.exact_gradient`) the
    projection of an unbiased estimator tends to 1 and its cosine to 1 (notebook 07's widget).
    """
    estimates = group_estimates(lm, rewards, estimator, groups, **options)  # [N, P]
    gradient = check_real_array(gradient, "gradient", ndim=1)
    if gradient.shape != (lm.num_params,) or not np.any(gradient):
        raise ValueError(f"gradient must be a non-zero vector of shape ({lm.num_params},)")
    projections = estimates @ gradient / (gradient @ gradient)  # [N]
    n = np.arange(1, len(estimates) + 1)
    projection, projection_se = mean_and_standard_error(np.cumsum(projections), np.cumsum(projections**2), n)
    running = np.cumsum(estimates, axis=0) / n[:, None]  # [N, P]
    norms = np.linalg.norm(running, axis=1) * np.linalg.norm(gradient)
    cosine = np.divide(running @ gradient, norms, out=np.zeros(len(n)), where=norms > 0)
    return {"projection": projection, "projection_se": projection_se, "cosine": cosine}
