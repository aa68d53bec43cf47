"""Schulman's k1, k2, k3 estimators of KL(π ‖ π_ref), exactly: values and gradients (notebook 08).

Following Schulman's note "Approximating KL Divergence" (2020), with samples o ~ π_θ and
log r = log π_ref(o) − log π_θ(o):

    k1 = −log r,      k2 = ½ (log r)²,      k3 = (r − 1) − log r.

At the **sequence** level r is the ratio of whole completions; **per token** (as the trainers do)
each token's ratio r_t = π_ref(o_t | o_<t) / π_θ(o_t | o_<t) goes in and the k_t are summed over
the completion. Used as a *loss*, the sample o is held fixed and only the log π_θ inside is
differentiated: ∇k1 = −∇log r = ∇log π_θ(o), ∇k2 = −log r ∇log π_θ(o), ∇k3 = (1 − r) ∇log π_θ(o)
(per token: the same with r_t and the token score). :func:`kl_estimators` sums all of these over
every completion, so each expectation is exact.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pgviz.lm.model import TinyLM, check_lm, check_pair
from pgviz.lm.rewards import check_rewards
from pgviz.validation import check_choice, check_real

__all__ = [
    "KL_ESTIMATORS",
    "KL_LEVELS",
    "KLEstimates",
    "kl_estimators",
    "log_ratios",
    "kl_values",
    "kl_penalized_rewards",
    "kl_to_go_gradient",
]

KL_ESTIMATORS = ("k1", "k2", "k3")
KL_LEVELS = ("sequence", "token")


def log_ratios(lm: TinyLM, reference: TinyLM) -> tuple[np.ndarray, np.ndarray]:
    """log r = log π_ref(o) − log π_θ(o) per completion [K], and per token [K, T] (0 after the end)."""
    space, ref = check_pair(lm, reference, "reference")
    return ref.log_probabilities - space.log_probabilities, ref.token_log_probabilities - space.token_log_probabilities


def _k(name: str, log_r: np.ndarray) -> np.ndarray:
    if name == "k1":
        return -log_r
    if name == "k2":
        return 0.5 * log_r**2
    return np.expm1(log_r) - log_r  # (r − 1) − log r, accurate for small log r


def _dk(name: str, log_r: np.ndarray) -> np.ndarray:
    """dk / d log π_θ at fixed o (log r = log π_ref − log π_θ): 1, −log r, 1 − r."""
    if name == "k1":
        return np.ones_like(log_r)
    if name == "k2":
        return -log_r
    return -np.expm1(log_r)


def kl_values(lm: TinyLM, reference: TinyLM, estimator: str, level: str = "sequence") -> np.ndarray:
    """The estimator's value on every completion, [K]: k(log r) at the sequence level, Σ_t k(log r_t) per token."""
    check_choice(estimator, "estimator", KL_ESTIMATORS)
    check_choice(level, "level", KL_LEVELS)
    sequence, token = log_ratios(lm, reference)
    space = lm.enumerate()
    return _k(estimator, sequence) if level == "sequence" else np.where(space.mask, _k(estimator, token), 0.0).sum(1)


@dataclass(frozen=True)
class KLEstimates:
    """Exact expectations of k1, k2, k3 under π_θ, with the true divergences (summed over prompts).

    Attributes:
        kl: KL(π_θ ‖ π_ref); kl_reverse: KL(π_ref ‖ π_θ), the other direction.
        grad_kl, grad_kl_reverse: their gradients ∇_θ [P].
        value, variance: {level: {estimator: E[k], Var[k]}}, one completion per prompt
            (levels "sequence" and "token").
        gradient: {level: {estimator: E[∇_θ k] [P]}}, the estimator used as a loss.
    """

    kl: float
    kl_reverse: float
    grad_kl: np.ndarray
    grad_kl_reverse: np.ndarray
    value: dict
    variance: dict
    gradient: dict


def kl_estimators(lm: TinyLM, reference: TinyLM) -> KLEstimates:
    """E[k], Var[k] and E[∇k] of Schulman's three estimators, sequence level and summed per token.

    The truths they are compared with (``KLEstimates``), by exact sums:
    KL(π ‖ π_ref) = Σ_o π(o) log(π(o)/π_ref(o)) with ∇ = Σ_o π(o) log(π(o)/π_ref(o)) ∇log π(o), and
    KL(π_ref ‖ π) = Σ_o π_ref(o) log(π_ref(o)/π(o)) with ∇ = −Σ_o π_ref(o) ∇log π(o).
    At the sequence level E[k1] = E[k3] = KL(π ‖ π_ref) and E[∇k1] = 0, E[∇k2] = ∇KL(π ‖ π_ref),
    E[∇k3] = ∇KL(π_ref ‖ π) (notebook 08 shows which of these survive per token).
    """
    space, ref = check_pair(lm, reference, "reference")
    sequence, token = log_ratios(lm, reference)
    p, q = space.probabilities, ref.probabilities

    def variance(values):  # one completion per prompt, prompts independent
        mean = space.per_prompt(values)
        return float((space.per_prompt(values**2) - mean**2).sum())

    value, var, gradient = {}, {}, {}
    for level in KL_LEVELS:
        value[level], var[level], gradient[level] = {}, {}, {}
        for name in KL_ESTIMATORS:
            if level == "sequence":
                k = _k(name, sequence)
                grad_k = _dk(name, sequence)[:, None] * space.scores  # [K, P]
            else:
                k = np.where(space.mask, _k(name, token), 0.0).sum(axis=1)
                dk = np.where(space.mask, _dk(name, token), 0.0)
                grad_k = np.einsum("kt,ktp->kp", dk, space.token_scores)
            value[level][name] = float(p @ k)
            var[level][name] = variance(k)
            gradient[level][name] = p @ grad_k
    return KLEstimates(
        kl=float(p @ -sequence),
        kl_reverse=float(q @ sequence),
        grad_kl=(p * -sequence) @ space.scores,
        grad_kl_reverse=-(q @ space.scores),
        value=value,
        variance=var,
        gradient=gradient,
    )


def kl_penalized_rewards(
    lm: TinyLM, reference: TinyLM, rewards, beta: float, estimator: str = "k1", level: str = "sequence"
) -> np.ndarray:
    """The KL folded into the reward: R(o) − β k(o), a fixed number per completion [K].

    REINFORCE on it (:func:`pgviz.lm.exact_gradient`) with k1 gives exactly ∇(J − β KL(π ‖ π_ref)):
    E[(R − β log(π/π_ref)) ∇log π] = ∇J − β ∇KL, since E[∇log π] = 0 (notebook 08). This is verl's
    ``algorithm.use_kl_in_reward`` with ``kl_penalty="kl"``.
    """
    space = check_lm(lm).enumerate()
    rewards = check_rewards(rewards, space)
    beta = check_real(beta, "beta")
    return rewards - beta * kl_values(lm, reference, estimator, level)


def kl_to_go_gradient(lm: TinyLM, reference: TinyLM) -> np.ndarray:
    """E[Σ_t ∇log π(o_t | o_<t) Σ_{u>t} d_u], d_u = log(π/π_ref)(o_u | o_<u): [P].

    The part of ∇KL(π ‖ π_ref) that the per-token k2 loss leaves out: how each token changes the
    divergence of the tokens after it. ∇KL = E[Σ_t ∇log π_t Σ_{u>=t} d_u] (terms u < t vanish since
    E[∇log π_t | o_<t] = 0) and the per-token k2 loss keeps only u = t, so
    E[∇ Σ_t k2_t] + kl_to_go_gradient = ∇KL(π ‖ π_ref) exactly (notebook 08).
    """
    space, _ = check_pair(lm, reference, "reference")
    _, token = log_ratios(lm, reference)
    d = np.where(space.mask, -token, 0.0)  # [K, T]
    after = np.cumsum(d[:, ::-1], axis=1)[:, ::-1] - d  # Σ_{u>t} d_u
    return space.probabilities @ np.einsum("kt,ktp->kp", after, space.token_scores)
