"""Exact sums over groups of G completions, by multisets of classes (notebooks 07, 08).

Every group estimator's weight w_i depends on its own completion o_i only through o_i's class
c_i = (R_i, |o_i|), and on the others only through the multiset of their classes. So for G
independent completions of one prompt (exchangeable, hence E[Σ_i ...] = G E[... of o_1]),

    E[ĝ] = G Σ_c Φ_c M_c,    M_c = Σ_{o ∈ c} π(o) ∇ log π(o),    Φ_c = E[w_1 | c_1 = c],

where Φ_c sums over the multisets m of the other G − 1 classes, each with its multinomial
probability (G − 1)! Π_c' π_c'^{m_c'} / m_c'!. C classes give C(G + C − 2, C − 1) multisets
instead of K^G ordered groups: G = 8 with C = 8 is 3,432 of them. The tests check these sums
against brute force over every ordered group.
"""

from __future__ import annotations

import itertools
from math import comb, lgamma

import numpy as np

__all__ = ["reward_classes", "class_moments", "pair_moments", "MAX_GROUP_ELEMENTS"]

MAX_GROUP_ELEMENTS = 6_000_000  # entries of the [classes, multisets, G] arrays (about a second of work)


def reward_classes(rewards, lengths):
    """Classes of equal (reward, length): ``(class_of [K], class_rewards [C], class_lengths [C])``."""
    pairs = np.stack([np.asarray(rewards, dtype=float), np.asarray(lengths, dtype=float)], axis=1)
    unique, class_of = np.unique(pairs, axis=0, return_inverse=True)
    return class_of.ravel(), unique[:, 0], unique[:, 1]


def check_size(num_classes: int, group_size: int, others: int = 1, name: str = "group_size") -> None:
    """Refuse, before any work, an enumeration that would not finish in about a second."""
    multisets = comb(group_size + num_classes - 2, num_classes - 1)
    elements = num_classes * multisets * group_size * others
    if elements > MAX_GROUP_ELEMENTS:
        raise ValueError(
            f"{name}={group_size} with {num_classes} classes of equal reward and length needs {elements:,} array "
            f"entries to enumerate every group; the limit is {MAX_GROUP_ELEMENTS:,} (use a smaller {name})"
        )


def _multisets(num_classes: int, size: int) -> tuple[np.ndarray, np.ndarray]:
    """Every multiset of ``size`` classes: members [M, size] (sorted class ids) and counts [M, C]."""
    combinations = list(itertools.combinations_with_replacement(range(num_classes), size))
    members = np.array(combinations, dtype=np.int64).reshape(len(combinations), size)
    counts = np.zeros((len(members), num_classes), dtype=np.int64)
    np.add.at(counts, (np.repeat(np.arange(len(members)), size), members.ravel()), 1)
    return members, counts


def _multinomial(counts: np.ndarray, class_prob: np.ndarray) -> np.ndarray:
    """P(multiset) = n! Π_c p_c^{n_c} / n_c! for counts [M, C]: [M]."""
    size = int(counts[0].sum()) if len(counts) else 0
    log_factorial = np.array([lgamma(n + 1) for n in range(size + 1)])
    with np.errstate(divide="ignore"):
        log_p = np.log(class_prob)
    terms = np.where(counts > 0, counts * log_p, 0.0)  # a class of probability 0 that is absent adds 0
    return np.exp(log_factorial[size] - log_factorial[counts].sum(axis=1) + terms.sum(axis=1))


def _group_weights(weights, classes, class_rewards, class_lengths, max_length, options, reward_std):
    """The estimator's weights for groups given by class ids [..., G]: [..., G]."""
    return weights(class_rewards[classes], class_lengths[classes], max_length, reward_std=reward_std, **options)


def _batch_std(group_rewards, others, num_total: int, ddof: int) -> np.ndarray:
    """σ of a whole batch: this group's rewards [..., G] and every outcome of the other prompts'
    groups, given as (sum, sum of squares, probability) [S]: σ [..., S, 1] and probabilities [S]."""
    total = group_rewards.sum(axis=-1)[..., None] + others[0]
    squares = (group_rewards**2).sum(axis=-1)[..., None] + others[1]
    variance = np.maximum(squares - total**2 / num_total, 0.0) / (num_total - ddof)
    return np.sqrt(variance)[..., None]


def class_moments(weights, options, class_prob, class_rewards, class_lengths, group_size, max_length, others=None):
    """For a first completion of each class c, the moments of its weight w_1 over the other G − 1.

    Returns a dict of [C] arrays: ``"mean"`` Φ_c = E[w_1 | c], ``"positive"`` E[w_1 1{w_1 > 0} | c],
    ``"negative"`` E[w_1 1{w_1 < 0} | c], ``"p_positive"`` and ``"p_negative"`` P(w_1 ≷ 0 | c).
    ``others``: for batch-wide reward scaling, the other prompts' (sums, squares, probabilities,
    number of rewards in the batch, ddof); their outcomes are summed over too.
    """
    num_classes = len(class_prob)
    members, counts = _multisets(num_classes, group_size - 1)
    prob = _multinomial(counts, class_prob)  # [M]
    first = np.arange(num_classes)[:, None, None] * np.ones((1, len(members), 1), dtype=np.int64)
    groups = np.concatenate([first, np.broadcast_to(members, (num_classes, *members.shape))], axis=2)  # [C, M, G]
    if others is None:
        w = _group_weights(weights, groups, class_rewards, class_lengths, max_length, options, None)[..., 0]  # [C, M]
    else:
        sums, squares, other_prob, num_total, ddof = others
        std = _batch_std(class_rewards[groups], (sums, squares), num_total, ddof)  # [C, M, S, 1]
        tiled = np.broadcast_to(groups[:, :, None, :], (*groups.shape[:2], len(other_prob), group_size))
        w = _group_weights(weights, tiled, class_rewards, class_lengths, max_length, options, std)[..., 0]
        prob = prob[:, None] * other_prob[None, :]  # [M, S]
        w, prob = w.reshape(num_classes, -1), prob.ravel()
    return {
        "mean": w @ prob,
        "positive": np.where(w > 0, w, 0.0) @ prob,
        "negative": np.where(w < 0, w, 0.0) @ prob,
        "p_positive": (w > 0) @ prob,
        "p_negative": (w < 0) @ prob,
    }


def pair_moments(weights, options, class_prob, class_rewards, class_lengths, group_size, max_length):
    """E[w_1 w_2 | c_1 = c, c_2 = c'] over the other G − 2 completions: [C, C] (for the variance)."""
    num_classes = len(class_prob)
    members, counts = _multisets(num_classes, group_size - 2)
    prob = _multinomial(counts, class_prob)  # one empty multiset of probability 1 when G = 2
    c1, c2 = np.meshgrid(np.arange(num_classes), np.arange(num_classes), indexing="ij")
    head = np.stack([c1, c2], axis=-1)[:, :, None, :] * np.ones((1, 1, len(members), 1), dtype=np.int64)
    tail = np.broadcast_to(members, (num_classes, num_classes, *members.shape))
    groups = np.concatenate([head, tail], axis=3)  # [C, C, M, G]
    w = _group_weights(weights, groups, class_rewards, class_lengths, max_length, options, None)
    return (w[..., 0] * w[..., 1]) @ prob


def batch_outcomes(class_prob, class_rewards, group_size: int):
    """Every (Σ R, Σ R²) of one prompt's group and its probability: three [S] arrays (equal
    outcomes merged), the building block of batch-wide reward scaling."""
    rewards, inverse = np.unique(class_rewards, return_inverse=True)
    prob = np.bincount(inverse.ravel(), weights=class_prob, minlength=len(rewards))
    members, counts = _multisets(len(rewards), group_size)
    return _merge(rewards[members].sum(axis=1), (rewards[members] ** 2).sum(axis=1), _multinomial(counts, prob))


def convolve_outcomes(first, second):
    """The outcomes of two independent groups together (sums add, probabilities multiply)."""
    sums = (first[0][:, None] + second[0][None, :]).ravel()
    squares = (first[1][:, None] + second[1][None, :]).ravel()
    return _merge(sums, squares, (first[2][:, None] * second[2][None, :]).ravel())


def _merge(sums, squares, prob):
    keys = np.round(np.stack([sums, squares], axis=1), 10)
    unique, inverse = np.unique(keys, axis=0, return_inverse=True)
    merged = np.bincount(inverse.ravel(), weights=prob, minlength=len(unique))
    keep = merged > 0
    return unique[keep, 0], unique[keep, 1], merged[keep]
