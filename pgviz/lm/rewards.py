"""Rewards of completions: verifiable 0/1 correctness and a length-dependent reward (notebook 07).

Every function takes the table of :meth:`pgviz.lm.TinyLM.enumerate` and returns one reward per
completion [K], aligned with it, so J(θ) = Σ_prompts E[R] is a finite sum.
"""

from __future__ import annotations

import numpy as np

from pgviz.lm.space import SequenceSpace, check_space
from pgviz.validation import check_count, check_real, check_real_array

__all__ = ["correctness", "soft_overlong_punishment", "length_penalized", "check_rewards"]


def correctness(space: SequenceSpace) -> np.ndarray:
    """R(o) = 1 when the completion ends with ``<eos>`` and its digits add up to the prompt's number, else 0.

    A verifiable reward, as in RL on math problems (a cut-off completion has no answer, so it is wrong).
    """
    check_space(space)
    return ((space.digit_sums == space.targets) & space.ended).astype(float)


def soft_overlong_punishment(space: SequenceSpace, cache_length: int) -> np.ndarray:
    """DAPO's length-aware penalty (Yu et al. 2025, §3.4, "Soft Overlong Punishment"), with L_max = T:

        R_length(o) = 0                                  if |o| <= L_max − L_cache,
                      ((L_max − L_cache) − |o|) / L_cache   if L_max − L_cache < |o| <= L_max,

    which falls linearly to −1 at the longest completions (DAPO adds it to the correctness reward).
    """
    check_space(space)
    cache_length = check_count(cache_length, "cache_length", 1, space.max_length)
    free = space.max_length - cache_length
    return np.where(space.lengths <= free, 0.0, (free - space.lengths) / cache_length)


def length_penalized(space: SequenceSpace, coefficient: float) -> np.ndarray:
    """Correctness minus a cost per token: R(o) = 1[o right] − c |o| (a length-dependent reward)."""
    coefficient = check_real(coefficient, "coefficient")
    return correctness(space) - coefficient * space.lengths


def check_rewards(rewards, space: SequenceSpace, name: str = "rewards") -> np.ndarray:
    """Finite rewards [K] aligned with ``space``, as float, else ValueError/TypeError naming them."""
    rewards = check_real_array(rewards, name, ndim=1)
    if rewards.shape != (len(space),):
        raise ValueError(
            f"{name} must have shape ({len(space)},), one per completion of lm.enumerate(), got {rewards.shape}"
        )
    return rewards
