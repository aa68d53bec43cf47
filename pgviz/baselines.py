"""Baselines estimated from samples, as practice uses them, against the exact b* (notebook 02).

The optimal constant b*_j = E[f s_j^2]/E[s_j^2] of :func:`pgviz.optimal_baseline` is computed
exactly; in practice a baseline is estimated from samples. With N samples x_1..x_N and the score
s_i = grad log p(x_i), the estimate is (1/N) Σ_i (f(x_i) - b_i) s_i, where b_i is

* ``"leave_one_out"``: from the other N - 1 samples of the batch. b_i is independent of x_i, so
  E[b_i s_i] = E[b_i] E[s_i] = 0: unbiased (the RLOO baseline).
* ``"same_batch"``: from all N samples, x_i included. Then E[(f_i - b) s_i] is not E[f s]: for the
  mean baseline b = f̄, (f_i - f̄) = ((N - 1)/N) (f_i - b_i^LOO), so the estimate is exactly
  (N - 1)/N times the leave-one-out one, and its mean is (1 - 1/N) grad E[f].
* ``"separate_batch"``: from N further samples, independent of the batch: unbiased, at twice the
  samples.

``target`` says what b estimates: ``"mean"`` E[f] (the usual choice), or ``"optimal"`` b*_j (the
ratio Σ f s_j^2 / Σ s_j^2 over the samples used). For the mean baseline the exact mean and
variance of the N-sample estimate follow from moments of f and s (:func:`estimated_baseline_moments`).
"""

from __future__ import annotations

import numpy as np
import sympy as sp

from pgviz.costs import check_cost, cost_values
from pgviz.distributions import Distribution, check_distribution
from pgviz.expectations import exact_expectation
from pgviz.validation import check_choice, check_count, check_rng

BASELINE_KINDS = ("leave_one_out", "same_batch", "separate_batch")
BASELINE_TARGETS = ("mean", "optimal")

__all__ = [
    "BASELINE_KINDS",
    "BASELINE_TARGETS",
    "estimated_baseline_terms",
    "estimated_baseline_estimates",
    "estimated_baseline_moments",
]


def _baselines(f_values: np.ndarray, scores: np.ndarray, kind: str, target: str, extra=None) -> np.ndarray:
    """b_ij for samples [R, N] with scores [R, N, P]; ``extra`` = (f, s) of a separate batch: [R, N, P]."""
    if kind == "separate_batch":
        f_values, scores = extra
    num_samples = f_values.shape[1]
    if target == "mean":
        weights = np.ones_like(scores)  # b = Σ f / Σ 1
    else:
        weights = scores**2  # b_j = Σ f s_j^2 / Σ s_j^2
    numerators = f_values[:, :, None] * weights  # [R, N, P]
    totals, counts = numerators.sum(axis=1, keepdims=True), weights.sum(axis=1, keepdims=True)  # [R, 1, P]
    if kind == "leave_one_out":
        return (totals - numerators) / (counts - weights)
    return np.broadcast_to(totals / counts, (f_values.shape[0], num_samples, scores.shape[2]))


def _check(f, dist, num_samples, kind, target):
    f = check_cost(f)
    dist = check_distribution(dist)
    num_samples = check_count(num_samples, "num_samples", minimum=2)
    kind = check_choice(kind, "kind", BASELINE_KINDS)
    target = check_choice(target, "target", BASELINE_TARGETS)
    return f, dist, num_samples, kind, target


def estimated_baseline_estimates(
    f,
    dist: Distribution,
    num_samples: int,
    num_repeats: int,
    rng: np.random.Generator,
    kind: str = "leave_one_out",
    target: str = "mean",
) -> np.ndarray:
    """``num_repeats`` independent N-sample estimates (1/N) Σ_i (f(x_i) - b_i) grad log p(x_i): [R, P].

    ``kind``: "leave_one_out", "same_batch" or "separate_batch" and ``target``: "mean" or
    "optimal" (see the module docstring). Each repeat draws its N samples (and, for a separate
    batch, N more) with ``rng``. Notebook 02.
    """
    return estimated_baseline_terms(f, dist, num_samples, rng, kind, target, num_repeats).mean(axis=1)


def estimated_baseline_terms(
    f,
    dist: Distribution,
    num_samples: int,
    rng: np.random.Generator,
    kind: str = "leave_one_out",
    target: str = "mean",
    num_repeats: int | None = None,
) -> np.ndarray:
    """Per-sample terms (f(x_i) - b_i) grad log p(x_i) with a baseline estimated from samples.

    Returns [N, P] (or [R, N, P] with ``num_repeats``); the mean over the N samples is the
    estimate. The terms share their baseline's samples, so they are not independent: their
    spread over N is not the estimate's standard error (repeat the experiment instead). N >= 2.
    """
    f, dist, num_samples, kind, target = _check(f, dist, num_samples, kind, target)
    repeats = 1 if num_repeats is None else check_count(num_repeats, "num_repeats")
    rng = check_rng(rng)
    shape = (repeats, num_samples)

    def draw():
        samples = dist.sample(repeats * num_samples, rng)  # [R*N]
        f_values = cost_values(f, samples).reshape(shape)  # [R, N]
        scores = dist.score(samples).reshape(shape + (dist.num_params,))  # [R, N, P]
        return f_values, scores

    f_values, scores = draw()
    extra = draw() if kind == "separate_batch" else None
    terms = (f_values[:, :, None] - _baselines(f_values, scores, kind, target, extra)) * scores  # [R, N, P]
    return terms[0] if num_repeats is None else terms


def estimated_baseline_moments(f, dist: Distribution, num_samples: int, kind: str = "leave_one_out"):
    """Exact mean and variance of the N-sample estimate with the *mean* baseline: ([P], [P]).

    With m = E[f], g_j = E[f s_j] (the gradient), S_j = E[s_j^2], F = E[f^2]:

    * leave one out: mean g; variance Var[f s]/N + (F S + g^2 + (N - 2) m^2 S)/(N (N - 1)) - 2 m E[f s^2]/N
    * same batch: exactly (N - 1)/N times the leave-one-out estimate: mean (1 - 1/N) g, variance
      ((N - 1)/N)^2 times the leave-one-out one
    * separate batch of N: mean g; variance Var[(f - m) s]/N + Var[f] S / N^2

    (derived from the independence of the samples; the tests check them by exact enumeration
    and by simulation). ``f``: a SymPy expression in :data:`pgviz.x`. Notebook 02.
    """
    f, dist, num_samples, kind, _ = _check(f, dist, num_samples, kind, "mean")
    if not isinstance(f, sp.Expr):
        raise TypeError("f must be a SymPy expression in pgviz.x for the exact moments")
    n = num_samples
    m = exact_expectation(f, dist)
    second_f = exact_expectation(f**2, dist)
    out_mean, out_var = [], []
    for s in dist.score_exprs:
        g = exact_expectation(f * s, dist)
        s2 = exact_expectation(s**2, dist)
        f_s2 = exact_expectation(f * s**2, dist)
        f2_s2 = exact_expectation(f**2 * s**2, dist)
        var_fs = f2_s2 - g**2
        if kind == "separate_batch":
            var_centred = f2_s2 - 2 * m * f_s2 + m**2 * s2 - g**2  # Var[(f - m) s]
            out_mean.append(g)
            out_var.append(var_centred / n + (second_f - m**2) * s2 / n**2)
            continue
        loo = var_fs / n + (second_f * s2 + g**2 + (n - 2) * m**2 * s2) / (n * (n - 1)) - 2 * m * f_s2 / n
        shrink = (n - 1) / n if kind == "same_batch" else 1.0
        out_mean.append(shrink * g)
        out_var.append(shrink**2 * loo)
    return np.array(out_mean), np.array(out_var)
