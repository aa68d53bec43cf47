"""Exercises of notebook 07: RLOO's and GRPO's advantages, and GRPO's weight on each completion's score.

Inputs are groups sampled from :class:`pgviz.lm.TinyLM` with the seeded Generator (0/1 rewards,
some groups all equal) and real-valued rewards; the exact answers are the group estimators of
:mod:`pgviz.lm.estimators` (TRL's conventions: ε = 1e-4, Bessel's ddof = 1).
"""

from __future__ import annotations

import numpy as np

import pgviz.lm as lm
from pgviz.exercises.core import Case, Exercise, Mistake

__all__ = [
    "EXERCISES",
    "RLOO_ADVANTAGES",
    "GRPO_ADVANTAGES",
    "GRPO_WEIGHTS",
]


def _reward_groups(rng: np.random.Generator, group_size: int, num_groups: int = 2):
    """0/1 rewards [B, G] and lengths [B, G] of groups sampled from the tiny language model (B = 3 prompts × N)."""
    model = lm.TinyLM()
    space = model.enumerate()
    groups = lm.sample_groups(model, group_size, num_groups, rng).reshape(-1, group_size)  # [B, G] indices
    return lm.correctness(space)[groups], space.lengths[groups].astype(float), model.max_length


def _inputs(rng: np.random.Generator):
    """Rewards of four inputs: 0/1 groups of G = 2, 4, 5 (some all equal), and real-valued rewards."""
    for group_size in (4, 2, 5):
        yield _reward_groups(rng, group_size)[0]
    yield np.round(rng.normal(size=(3, 4)), 3)


def _group_weights(name: str, rewards, **options):
    """The advantages A_i of a group estimator (its weights w_i = A_i / G at lengths 1)."""
    ones = np.ones_like(rewards)
    return lm.get_estimator(name)(rewards, ones, 1, **options) * rewards.shape[-1]


def _rloo_cases(rng: np.random.Generator) -> list[Case]:
    cases = []
    for rewards in _inputs(rng):
        size = rewards.shape[-1]
        answer = _group_weights("rloo", rewards)
        mistakes = {
            "self_included": _group_weights("mean_baseline", rewards),
            "no_baseline": rewards,
            "sign": -answer,
            "over_g": rewards - (rewards.sum(axis=-1, keepdims=True) - rewards) / size,
            "scaled": _group_weights("rloo", rewards, scale_rewards="group"),
        }
        cases.append(Case({"rewards": rewards}, answer, mistakes))
    return cases


RLOO_ADVANTAGES = Exercise(
    name="rloo_advantages",
    notebook=7,
    title="RLOO's leave-one-out advantages",
    signature="rloo_advantages(rewards)",
    hint="in each group (a row of rewards [B, G]): A_i = R_i − (Σ_j R_j − R_i)/(G − 1), the reward minus the "
    "mean of the other G − 1.",
    make_cases=_rloo_cases,
    mistakes=(
        Mistake(
            "self_included",
            "your baseline is the mean of the whole group, R_i included: R_i − mean R = (G − 1)/G × the "
            "leave-one-out advantage, which shrinks the expected gradient by (G − 1)/G. Leave R_i out.",
        ),
        Mistake("no_baseline", "no baseline was subtracted: that is REINFORCE's R_i."),
        Mistake("sign", "the sign is flipped: R_i minus the others' mean, not the other way round."),
        Mistake("over_g", "the mean of the other G − 1 rewards divides their sum by G − 1, not by G."),
        Mistake("scaled", "you divided by the group's standard deviation (GRPO's scaling); RLOO does not scale."),
    ),
    seed=701,
)


def _grpo_cases(rng: np.random.Generator) -> list[Case]:
    cases = []
    for rewards in _inputs(rng):
        answer = _group_weights("mean_baseline", rewards, scale_rewards="group")  # TRL: ε = 1e-4, ddof = 1
        centred = rewards - rewards.mean(axis=-1, keepdims=True)
        with np.errstate(invalid="ignore", divide="ignore"):
            no_eps = centred / rewards.std(axis=-1, ddof=1, keepdims=True)
        mistakes = {
            "ddof0": _group_weights("mean_baseline", rewards, scale_rewards="group", ddof=0),
            "no_eps": no_eps,
            "no_std": centred,
            "batch_std": centred / (rewards.std(ddof=1) + lm.EPS),
            "sign": -answer,
        }
        cases.append(Case({"rewards": rewards}, answer, mistakes))
    return cases


GRPO_ADVANTAGES = Exercise(
    name="grpo_advantages",
    notebook=7,
    title="GRPO's standardized advantages",
    signature="grpo_advantages(rewards)",
    hint="in each group (a row): A_i = (R_i − mean R)/(std R + 1e-4), the standard deviation as torch.std computes it.",
    make_cases=_grpo_cases,
    mistakes=(
        Mistake("ddof0", "np.std divides by G (ddof=0); TRL and verl use torch.std's Bessel correction: ddof=1."),
        Mistake(
            "no_eps",
            "a group whose rewards are all equal gives 0/0 = nan: add ε = 1e-4 to the standard deviation.",
        ),
        Mistake(
            "no_std",
            "the advantages were not divided by the group's standard deviation (+ ε): that is the group-mean "
            "baseline (Dr. GRPO's choice), not GRPO's.",
        ),
        Mistake(
            "batch_std",
            "you divided by the standard deviation of the whole batch (TRL's scale_rewards='batch'); GRPO divides "
            "by each group's own.",
        ),
        Mistake("sign", "the sign is flipped: R_i − mean R, not mean R − R_i."),
    ),
    seed=702,
)


def _grpo_weight_cases(rng: np.random.Generator) -> list[Case]:
    cases = []
    for group_size in (4, 2, 5, 3):
        rewards, lengths, max_length = _reward_groups(rng, group_size, 3)
        advantages = _group_weights("mean_baseline", rewards, scale_rewards="group")  # [B, G], mean 0 per group
        answer = lm.grpo(advantages, lengths, max_length, scale_rewards="none")
        mistakes = {
            "dapo": lm.dapo(advantages, lengths, max_length, scale_rewards="none"),
            "dr_grpo": lm.dr_grpo(advantages, lengths, max_length),
            "no_length": advantages / group_size,
            "no_group": advantages / lengths,
        }
        cases.append(Case({"advantages": advantages, "lengths": lengths, "max_length": max_length}, answer, mistakes))
    return cases


GRPO_WEIGHTS = Exercise(
    name="grpo_weights",
    notebook=7,
    title="GRPO's weight on each completion's score",
    signature="grpo_weights(advantages, lengths, max_length)",
    hint="w_i = A_i/(G·|o_i|): each completion's token losses averaged over its own length |o_i|, then over the G "
    "completions of its group (a row).",
    make_cases=_grpo_weight_cases,
    mistakes=(
        Mistake(
            "dapo",
            "you divided by the group's total number of tokens Σ_j |o_j|: that is DAPO's token-level mean; GRPO "
            "averages each completion over its own length first: A_i/(G·|o_i|).",
        ),
        Mistake(
            "dr_grpo",
            "you divided by G·max_length, a constant: that is Dr. GRPO; GRPO divides by each completion's own "
            "length |o_i|.",
        ),
        Mistake(
            "no_length",
            "the length normalization is missing: A_i/G sums each completion's token losses; GRPO averages "
            "them over its |o_i| tokens.",
        ),
        Mistake("no_group", "divide by the group size G too: the completions' losses are averaged over the group."),
    ),
    seed=703,
)

EXERCISES = (RLOO_ADVANTAGES, GRPO_ADVANTAGES, GRPO_WEIGHTS)
