"""Exact gradients and exact expectations of every group estimator (notebook 07).

J(θ) = Σ_prompts E_{o ~ π_θ(·|prompt)}[R(o)] is a finite sum over the completions of
:meth:`pgviz.lm.TinyLM.enumerate`, so ∇J = Σ_o π(o) R(o) ∇ log π(o) exactly; and the expectation
of an estimator over one group of G completions per prompt is a finite sum over groups, done by
multisets of classes (:mod:`pgviz.lm.groups`).
"""

from __future__ import annotations

from math import comb

import numpy as np

from pgviz.lm import groups as _groups
from pgviz.lm.estimators import DDOF, EPS, estimator_options, get_estimator, scale_of
from pgviz.lm.model import TinyLM, check_lm
from pgviz.lm.rewards import check_rewards
from pgviz.validation import check_count, check_real, check_real_array

__all__ = [
    "expected_reward",
    "exact_gradient",
    "expected_estimate",
    "estimate_variance",
    "std_normalization_weight",
    "no_signal_probability",
    "agreement",
    "conditional_expectation",
    "MAX_GROUP_SIZE",
]

MAX_GROUP_SIZE = 64


def expected_reward(lm: TinyLM, rewards) -> float:
    """J(θ) = Σ_prompts Σ_o π_θ(o | prompt) R(o), for rewards [K] aligned with ``lm.enumerate()``."""
    space = check_lm(lm).enumerate()
    rewards = check_rewards(rewards, space)
    return float(space.probabilities @ rewards)


def exact_gradient(lm: TinyLM, rewards) -> np.ndarray:
    """∇_θ J = Σ_o π_θ(o) R(o) ∇_θ log π_θ(o), summed over every completion of every prompt: [P].

    The rewards are fixed numbers (they do not depend on θ), as in REINFORCE.
    """
    space = check_lm(lm).enumerate()
    rewards = check_rewards(rewards, space)
    return (space.probabilities * rewards) @ space.scores


def _prompt_classes(space, rewards, group_size, others_factor=None):
    """Per prompt: (rows, class_of, class_rewards, class_lengths, class_prob); sizes checked first."""
    tables = []
    for b in range(space.num_prompts):
        rows = space.prompt_slice(b)
        class_of, class_rewards, class_lengths = _groups.reward_classes(rewards[rows], space.lengths[rows])
        class_prob = np.bincount(class_of, weights=space.probabilities[rows], minlength=len(class_rewards))
        _groups.check_size(len(class_rewards), group_size, 1 if others_factor is None else others_factor[b])
        tables.append((rows, class_of, class_rewards, class_lengths, class_prob))
    return tables


def _batch_others(tables, group_size, ddof):
    """For each prompt, the outcomes (Σ R, Σ R², probability) of all the other prompts' groups."""
    outcomes = [_groups.batch_outcomes(t[4], t[2], group_size) for t in tables]
    others = []
    for b in range(len(tables)):
        total = (np.zeros(1), np.zeros(1), np.ones(1))
        for j, outcome in enumerate(outcomes):
            if j != b:
                total = _groups.convolve_outcomes(total, outcome)
        others.append((*total, len(tables) * group_size, ddof))
    return others


def expected_estimate(
    lm: TinyLM, rewards, estimator, group_size: int, scale_rewards=None, eps=None, ddof=None
) -> np.ndarray:
    """E[ĝ], exactly, for one group of G completions per prompt: [P].

    ĝ = Σ_prompts Σ_i w_i ∇ log π(o_i) with the weights of ``estimator`` (a name in
    ``GROUP_ESTIMATORS``); ``scale_rewards``, ``eps``, ``ddof`` override its defaults (see
    :mod:`pgviz.lm.estimators`). Sums over every multiset of (reward, length) classes; sizes
    that would take more than about a second are refused (ValueError naming ``group_size``).
    Compare with :func:`exact_gradient`: RLOO gives ∇J, the group mean (G − 1)/G ∇J.
    """
    space = check_lm(lm).enumerate()
    rewards = check_rewards(rewards, space)
    est = get_estimator(estimator)
    options = estimator_options(scale_rewards, eps, ddof)
    group_size = check_count(group_size, "group_size", 2, MAX_GROUP_SIZE)
    batch = scale_of(est, options) == "batch"
    tables = _prompt_classes(space, rewards, group_size)
    others = _batch_others(tables, group_size, options.get("ddof", DDOF)) if batch else [None] * len(tables)
    if batch:
        _prompt_classes(space, rewards, group_size, [len(o[2]) for o in others])
    total = np.zeros(lm.num_params)
    for (rows, class_of, class_rewards, class_lengths, class_prob), other in zip(tables, others):
        moments = _groups.class_moments(
            est.weights, options, class_prob, class_rewards, class_lengths, group_size, lm.max_length, other
        )
        # M_c = Σ_{o in c} π(o) ∇ log π(o)
        class_scores = np.zeros((len(class_prob), lm.num_params))
        np.add.at(class_scores, class_of, space.probabilities[rows, None] * space.scores[rows])
        total += group_size * moments["mean"] @ class_scores
    return total


def estimate_variance(lm: TinyLM, rewards, estimator, group_size: int, scale_rewards=None, eps=None, ddof=None):
    """Var[ĝ] of each component, exactly, for one group of G completions per prompt: [P].

    E[ĝ_p²] = G Σ_c Φ²_c Σ_{o∈c} π(o) s_p(o)² + G(G − 1) Σ_{c,c'} Ψ_{cc'} M_{c,p} M_{c',p} with
    Φ²_c = E[w_1² | c_1 = c] and Ψ_{cc'} = E[w_1 w_2 | c_1 = c, c_2 = c']; the prompts' groups are
    independent, so their variances add. (Not for ``scale_rewards="batch"``, which couples them.)
    """
    space = check_lm(lm).enumerate()
    rewards = check_rewards(rewards, space)
    est = get_estimator(estimator)
    options = estimator_options(scale_rewards, eps, ddof)
    group_size = check_count(group_size, "group_size", 2, MAX_GROUP_SIZE)
    if scale_of(est, options) == "batch":
        raise ValueError(
            "scale_rewards='batch' couples the prompts' groups: estimate_variance supports 'group' and 'none'"
        )
    tables = _prompt_classes(space, rewards, group_size)
    variance = np.zeros(lm.num_params)

    def squared(rewards_, lengths_, max_length, reward_std=None, **kw):
        return est.weights(rewards_, lengths_, max_length, reward_std=reward_std, **kw) ** 2

    for rows, class_of, class_rewards, class_lengths, class_prob in tables:
        num_classes = len(class_prob)
        args = (options, class_prob, class_rewards, class_lengths)
        phi = _groups.class_moments(est.weights, *args, group_size, lm.max_length)["mean"]
        phi2 = _groups.class_moments(squared, *args, group_size, lm.max_length)["mean"]
        psi = _groups.pair_moments(est.weights, *args, group_size, lm.max_length)  # [C, C]
        p, scores = space.probabilities[rows, None], space.scores[rows]
        class_scores, class_squares = np.zeros((2, num_classes, lm.num_params))
        np.add.at(class_scores, class_of, p * scores)
        np.add.at(class_squares, class_of, p * scores**2)
        second = group_size * phi2 @ class_squares
        second += group_size * (group_size - 1) * np.einsum("cd,cp,dp->p", psi, class_scores, class_scores)
        mean = group_size * phi @ class_scores
        variance += second - mean**2
    return np.maximum(variance, 0.0)


def std_normalization_weight(p, group_size: int, ddof: int = DDOF, eps: float = EPS) -> np.ndarray:
    """The factor w(p) by which GRPO's std normalization scales a 0/1-reward prompt's gradient (notebook 07).

    With advantages (R_i − R̄)/(σ + ε) and weights A_i / G, a prompt with success probability p
    gets E[ĝ] = w(p) ∇p, where, K ~ Binomial(G, p) the number of right answers and
    σ_k = sqrt(k(G − k) / (G (G − ddof))) the std of a group with k of them,

        w(p) = Σ_{k=1}^{G−1} C(G, k) p^{k−1} (1 − p)^{G−k−1} (k(G − k)/G) / ((σ_k + ε) G)

    (the closed form Σ_k C(G,k) p^k (1−p)^{G−k} (k(G−k)/G) / (p(1−p) (σ_k + ε)) / G with p(1 − p)
    cancelled, so p = 0 and 1 are allowed). Without scaling the same sum with σ_k + ε → 1 is (G − 1)/G.
    Args: p [...] in [0, 1]; group_size G >= 2; ddof 0 or 1; eps >= 0. Returns [...].
    """
    p = check_real_array(p, "p")
    if p.size and (p.min() < 0 or p.max() > 1):
        raise ValueError("p must lie in [0, 1]")
    group_size = check_count(group_size, "group_size", 2, 10_000)
    ddof = check_count(ddof, "ddof", 0, 1)
    eps = check_real(eps, "eps")
    if eps < 0:
        raise ValueError(f"eps must be >= 0, got {eps}")
    weight = np.zeros_like(p)
    for k in range(1, group_size):
        sigma_k = np.sqrt(k * (group_size - k) / (group_size * (group_size - ddof)))
        binomial = comb(group_size, k) * p ** (k - 1) * (1 - p) ** (group_size - k - 1)  # P(K = k) / (p(1 − p))
        weight = weight + binomial * (k * (group_size - k) / group_size) / ((sigma_k + eps) * group_size)
    return weight


def no_signal_probability(p, group_size: int) -> np.ndarray:
    """P(all G rewards of a group are equal) = p^G + (1 − p)^G for a 0/1 reward with success probability p.

    Such a group has every advantage R_i − R̄ = 0: no gradient at all (notebook 07).
    """
    p = check_real_array(p, "p")
    if p.size and (p.min() < 0 or p.max() > 1):
        raise ValueError("p must lie in [0, 1]")
    group_size = check_count(group_size, "group_size", 1, 10_000)
    return p**group_size + (1 - p) ** group_size


def agreement(estimate, gradient) -> dict:
    """How an expected estimate E[ĝ] [P] compares with the true gradient ∇J [P].

    Returns ``cosine`` (1: the same direction), ``norm_ratio`` |E ĝ| / |∇J| (a pure rescaling
    has cosine 1 and this ratio), ``projection`` E ĝ · ∇J / |∇J|² and ``relative_bias``
    |E ĝ − ∇J| / |∇J|.
    """
    estimate = check_real_array(estimate, "estimate", ndim=1)
    gradient = check_real_array(gradient, "gradient", ndim=1)
    if estimate.shape != gradient.shape:
        raise ValueError(f"estimate and gradient must have the same shape, got {estimate.shape} and {gradient.shape}")
    norm_g = np.linalg.norm(gradient)
    if norm_g == 0:
        raise ValueError("gradient must not be zero")
    norm_e = np.linalg.norm(estimate)
    return {
        "cosine": float(estimate @ gradient / (norm_e * norm_g)) if norm_e > 0 else 0.0,
        "norm_ratio": float(norm_e / norm_g),
        "projection": float(estimate @ gradient / norm_g**2),
        "relative_bias": float(np.linalg.norm(estimate - gradient) / norm_g),
    }


def conditional_expectation(lm: TinyLM, values, condition) -> tuple[float, np.ndarray]:
    """E[v(o) | condition(o)] pooled over the prompts, and its gradient: (value, [P]).

    With A = Σ_o π(o) v(o) 1[o in condition] and B = Σ_o π(o) 1[o in condition] (sums over every
    prompt's completions), the value is A/B and ∇(A/B) = (∇A − (A/B) ∇B)/B, where
    ∇A = Σ_o π(o) v(o) 1[...] ∇ log π(o). E.g. the mean length of the right answers (notebook 07).
    """
    space = check_lm(lm).enumerate()
    values = check_rewards(values, space, "values")
    condition = np.asarray(condition)
    if condition.dtype != bool or condition.shape != (len(space),):
        raise TypeError(f"condition must be a boolean array of shape ({len(space)},)")
    weights = space.probabilities * condition
    mass = weights.sum()
    if mass == 0:
        raise ValueError("condition holds for no completion of positive probability")
    value = float(weights @ values / mass)
    grad_a = (weights * values) @ space.scores
    grad_b = weights @ space.scores
    return value, (grad_a - value * grad_b) / mass
