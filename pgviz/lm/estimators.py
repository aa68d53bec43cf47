"""Group estimators of a language model's policy gradient: one signature, weights on scores (notebook 07).

For a group of G completions o_1, ..., o_G of one prompt, with rewards R_i and lengths |o_i|,
every estimator here is a weight on each completion's score,

    ĝ = Σ_i w_i ∇_θ log π_θ(o_i) = Σ_i Σ_t w_i ∇_θ log π_θ(o_{i,t} | o_{i,<t}),

so w_i is equally the weight of each of o_i's token scores. Each w_i is an advantage A_i (the
reward, less a baseline, perhaps scaled) times an aggregation factor c_i (how the token losses
are averaged). ĝ is the ascent direction, minus the gradient of the trainers' loss.

Every estimator takes ``(rewards, lengths, max_length, scale_rewards, eps, ddof, reward_std)``:
rewards and lengths [..., G] (one group on the last axis; with ``scale_rewards="batch"`` the last
two axes [..., B, G] are one batch of B groups), and returns w [..., G]. Reward scaling follows
TRL's ``scale_rewards``: ``"group"`` divides the advantages by (σ_group + ε), ``"batch"`` by
(σ_batch + ε), ``"none"`` not at all. The std convention is Bessel's (``ddof=1``, ``torch.std``'s
default, which TRL's GRPOTrainer and verl's GRPO advantage both use) and ε = 1e-4 (TRL's; verl
adds 1e-6); DeepSeekMath writes std(r) without saying which. A group whose rewards are all equal
has R_i − R̄ = 0, so every scaled advantage is 0 / (0 + ε) = 0: it carries no signal.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from pgviz.validation import check_choice, check_count, check_real, check_real_array

__all__ = [
    "EPS",
    "DDOF",
    "SCALE_REWARDS",
    "GroupEstimator",
    "GROUP_ESTIMATORS",
    "get_estimator",
    "reinforce",
    "mean_baseline",
    "rloo",
    "grpo",
    "dr_grpo",
    "dapo",
]

EPS = 1e-4  # TRL GRPOTrainer: advantages / (std + 1e-4); verl: 1e-6
DDOF = 1  # Bessel's correction, as torch.std (TRL's nanstd, verl's GRPO advantage)
SCALE_REWARDS = ("group", "batch", "none")


def _check(rewards, lengths, max_length, scale_rewards, eps, ddof, reward_std):
    """Arrays and options of a group estimator, checked before any work."""
    rewards = check_real_array(rewards, "rewards")
    lengths = check_real_array(lengths, "lengths")
    if rewards.ndim < 1 or rewards.shape[-1] < 2:
        raise ValueError(f"rewards must have shape [..., G] with a group size G >= 2, got {rewards.shape}")
    if lengths.shape != rewards.shape:
        raise ValueError(f"lengths must have the shape of rewards {rewards.shape}, got {lengths.shape}")
    max_length = check_count(max_length, "max_length")
    if lengths.size and (lengths.min() < 1 or lengths.max() > max_length):
        raise ValueError(f"lengths must lie in [1, max_length={max_length}]")
    check_choice(scale_rewards, "scale_rewards", SCALE_REWARDS)
    eps = check_real(eps, "eps")
    if eps < 0:
        raise ValueError(f"eps must be >= 0, got {eps}")
    ddof = check_count(ddof, "ddof", 0, 1)
    if scale_rewards == "batch" and reward_std is None and rewards.ndim < 2:
        raise ValueError("scale_rewards='batch' needs rewards of shape [..., B, G] (a batch of groups) or reward_std")
    if reward_std is not None:
        reward_std = check_real_array(reward_std, "reward_std")
    return rewards, lengths, max_length, eps, ddof, reward_std


def _scale(advantages, rewards, scale_rewards, eps, ddof, reward_std):
    """A_i / (σ + ε) for ``scale_rewards`` "group" (σ of the group) or "batch" (σ of the batch)."""
    if scale_rewards == "none":
        return advantages
    if reward_std is None:
        axis = -1 if scale_rewards == "group" else (-2, -1)
        reward_std = rewards.std(axis=axis, ddof=ddof, keepdims=True)
    divisor = np.broadcast_to(reward_std + eps, advantages.shape)
    # an all-equal group has advantages 0: with eps = 0 too they stay 0 (not 0/0)
    return np.divide(advantages, divisor, out=np.zeros_like(advantages), where=divisor > 0)


def _centred(rewards, scale_rewards, eps, ddof, reward_std):
    """The group-mean advantages R_i − R̄, scaled as ``scale_rewards`` says (GRPO's (σ + ε))."""
    return _scale(rewards - rewards.mean(axis=-1, keepdims=True), rewards, scale_rewards, eps, ddof, reward_std)


def reinforce(rewards, lengths, max_length, scale_rewards="none", eps=EPS, ddof=DDOF, reward_std=None):
    """REINFORCE on the sequence reward (Williams 1992): w_i = R_i / G, the plain Monte Carlo
    average of R(o) ∇ log π(o). Unbiased: E[ĝ] = ∇J. Returns w [..., G]."""
    rewards, lengths, max_length, eps, ddof, reward_std = _check(
        rewards, lengths, max_length, scale_rewards, eps, ddof, reward_std
    )
    group_size = rewards.shape[-1]
    advantages = _scale(rewards, rewards, scale_rewards, eps, ddof, reward_std)  # A_i = R_i
    return advantages / group_size


def mean_baseline(rewards, lengths, max_length, scale_rewards="none", eps=EPS, ddof=DDOF, reward_std=None):
    """The group mean as baseline, the sample itself included: w_i = (R_i − R̄) / G.

    R̄ depends on R_i, so the baseline is not independent of o_i and E[ĝ] = (G − 1)/G ∇J
    (notebook 07). With ``scale_rewards="group"`` these are GRPO's advantages without its
    length normalization. Returns w [..., G].
    """
    rewards, lengths, max_length, eps, ddof, reward_std = _check(
        rewards, lengths, max_length, scale_rewards, eps, ddof, reward_std
    )
    return _centred(rewards, scale_rewards, eps, ddof, reward_std) / rewards.shape[-1]  # (R_i − R̄) / G


def rloo(rewards, lengths, max_length, scale_rewards="none", eps=EPS, ddof=DDOF, reward_std=None):
    """REINFORCE leave-one-out (Kool et al. 2019; Ahmadian et al. 2024, "Back to Basics"):
    w_i = (R_i − (1/(G−1)) Σ_{j≠i} R_j) / G. The baseline does not depend on o_i, so E[ĝ] = ∇J
    exactly; R_i − mean_{j≠i} R_j = G/(G−1) (R_i − R̄), so it is the group mean baseline scaled by
    G/(G−1), sample by sample. TRL: ``RLOOTrainer``; verl: ``algorithm.adv_estimator=rloo``.
    Returns w [..., G].
    """
    rewards, lengths, max_length, eps, ddof, reward_std = _check(
        rewards, lengths, max_length, scale_rewards, eps, ddof, reward_std
    )
    group_size = rewards.shape[-1]
    others = (rewards.sum(axis=-1, keepdims=True) - rewards) / (group_size - 1)  # mean of the other G − 1
    return _scale(rewards - others, rewards, scale_rewards, eps, ddof, reward_std) / group_size


def grpo(rewards, lengths, max_length, scale_rewards="group", eps=EPS, ddof=DDOF, reward_std=None):
    """GRPO (Shao et al. 2024, DeepSeekMath, §4.1): A_i = (R_i − R̄) / (σ + ε), every token loss of
    o_i averaged over its own length, then over the group: w_i = A_i / (G |o_i|).

    TRL: ``GRPOTrainer(loss_type="grpo", scale_rewards="group")``; verl:
    ``algorithm.adv_estimator=grpo``, ``norm_adv_by_std_in_grpo=True``,
    ``loss_agg_mode="seq-mean-token-mean"``. σ with Bessel's correction, ε = 1e-4 (module notes).
    Returns w [..., G].
    """
    rewards, lengths, max_length, eps, ddof, reward_std = _check(
        rewards, lengths, max_length, scale_rewards, eps, ddof, reward_std
    )
    return _centred(rewards, scale_rewards, eps, ddof, reward_std) / (rewards.shape[-1] * lengths)


def dr_grpo(rewards, lengths, max_length, scale_rewards="none", eps=EPS, ddof=DDOF, reward_std=None):
    """Dr. GRPO (Liu et al. 2025, "Understanding R1-Zero-Like Training"): no std and no
    per-completion length: A_i = R_i − R̄ and a constant normalizer, w_i = A_i / (G · max_length).

    TRL: ``loss_type="dr_grpo"`` (divides by the number of completions × ``max_completion_length``)
    with ``scale_rewards="none"``; verl: ``norm_adv_by_std_in_grpo=False``,
    ``loss_agg_mode="seq-mean-token-sum-norm"``. A constant times the group-mean estimator, so
    E[ĝ] = (G − 1)/(G · max_length) ∇J. Returns w [..., G].
    """
    rewards, lengths, max_length, eps, ddof, reward_std = _check(
        rewards, lengths, max_length, scale_rewards, eps, ddof, reward_std
    )
    return _centred(rewards, scale_rewards, eps, ddof, reward_std) / (rewards.shape[-1] * max_length)


def dapo(rewards, lengths, max_length, scale_rewards="group", eps=EPS, ddof=DDOF, reward_std=None):
    """DAPO's token-level loss (Yu et al. 2025, §3.3): GRPO's advantages A_i = (R_i − R̄) / (σ + ε),
    every token of the group weighted alike: w_i = A_i / Σ_j |o_j|, the group's number of tokens.

    The DAPO paper normalizes per group, as here; TRL's ``loss_type="dapo"`` and verl's
    ``loss_agg_mode="token-mean"`` divide by the tokens of the whole batch (all prompts) instead.
    Returns w [..., G].
    """
    rewards, lengths, max_length, eps, ddof, reward_std = _check(
        rewards, lengths, max_length, scale_rewards, eps, ddof, reward_std
    )
    return _centred(rewards, scale_rewards, eps, ddof, reward_std) / lengths.sum(axis=-1, keepdims=True)


@dataclass(frozen=True)
class GroupEstimator:
    """A named group estimator: ``weights(rewards, lengths, max_length, ...)`` -> w [..., G]."""

    name: str
    label: str
    weights: Callable
    formula: str  # the weight w_i in words, for tables

    def __call__(self, rewards, lengths, max_length, **options):
        return self.weights(rewards, lengths, max_length, **options)


GROUP_ESTIMATORS = {
    e.name: e
    for e in (
        GroupEstimator("reinforce", "REINFORCE", reinforce, "R_i / G"),
        GroupEstimator("mean_baseline", "group mean baseline", mean_baseline, "(R_i − mean R) / G"),
        GroupEstimator("rloo", "RLOO", rloo, "(R_i − mean of the others) / G"),
        GroupEstimator("grpo", "GRPO", grpo, "(R_i − mean R) / (std R + ε) / (G |o_i|)"),
        GroupEstimator("dr_grpo", "Dr. GRPO", dr_grpo, "(R_i − mean R) / (G · max_length)"),
        GroupEstimator("dapo", "DAPO", dapo, "(R_i − mean R) / (std R + ε) / Σ_j |o_j|"),
    )
}
OPTION_NAMES = ("scale_rewards", "eps", "ddof")


def get_estimator(estimator) -> GroupEstimator:
    """The :class:`GroupEstimator` named ``estimator`` (a key of ``GROUP_ESTIMATORS``), else ValueError."""
    if isinstance(estimator, GroupEstimator):
        return estimator
    return GROUP_ESTIMATORS[check_choice(estimator, "estimator", tuple(GROUP_ESTIMATORS))]


def estimator_options(scale_rewards=None, eps=None, ddof=None) -> dict:
    """The options given (None means: the estimator's own default), checked before any work."""
    options = {}
    if scale_rewards is not None:
        options["scale_rewards"] = check_choice(scale_rewards, "scale_rewards", SCALE_REWARDS)
    if eps is not None:
        eps = check_real(eps, "eps")
        if eps < 0:
            raise ValueError(f"eps must be >= 0, got {eps}")
        options["eps"] = eps
    if ddof is not None:
        options["ddof"] = check_count(ddof, "ddof", 0, 1)
    return options


def scale_of(estimator: GroupEstimator, options: dict) -> str:
    """The reward scaling an estimator uses with these options ("group", "batch" or "none")."""
    return options.get("scale_rewards", inspect.signature(estimator.weights).parameters["scale_rewards"].default)
