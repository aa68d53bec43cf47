"""Baselines estimated from the samples: leave-one-out, same batch, separate batch.

Truths: the exact mean and variance formulas of estimated_baseline_moments against an exact
enumeration of every sample sequence of a Bernoulli (N = 3, and N = 3 plus a separate batch of
3), written here as plain loops; the sampler against the same loops on the same seeded draws;
same batch = (N - 1)/N times leave-one-out, draw for draw; seeded Gaussian simulations within
5 SE of the exact mean and variance.
"""

import itertools

import numpy as np
import pytest

import pgviz
from pgviz.baselines import estimated_baseline_estimates, estimated_baseline_moments, estimated_baseline_terms

x = pgviz.x
BERNOULLI = pgviz.Bernoulli(logit=0.4)
F_BERNOULLI = 3 * x + 1


def _estimate(f_values, scores, kind, f_extra=None):
    """(1/N) Σ (f_i - b_i) s_i by plain loops, with the mean baseline."""
    n = len(f_values)
    total = 0.0
    for i in range(n):
        if kind == "leave_one_out":
            b = sum(f_values[j] for j in range(n) if j != i) / (n - 1)
        elif kind == "same_batch":
            b = sum(f_values) / n
        else:
            b = sum(f_extra) / len(f_extra)
        total += (f_values[i] - b) * scores[i]
    return total / n


@pytest.mark.parametrize("kind", ["leave_one_out", "same_batch", "separate_batch"])
def test_moments_by_exact_enumeration(kind):
    n = 3
    p1 = BERNOULLI.probabilities()[1]
    f_of = {0: 1.0, 1: 4.0}
    s_of = {v: BERNOULLI.score([float(v)])[0, 0] for v in (0, 1)}
    size = 2 * n if kind == "separate_batch" else n
    mean = second = 0.0
    for draw in itertools.product((0, 1), repeat=size):
        prob = np.prod([p1 if v else 1 - p1 for v in draw])
        batch, extra = draw[:n], draw[n:]
        value = _estimate([f_of[v] for v in batch], [s_of[v] for v in batch], kind, [f_of[v] for v in extra])
        mean += prob * value
        second += prob * value**2
    got_mean, got_var = estimated_baseline_moments(F_BERNOULLI, BERNOULLI, n, kind)
    assert got_mean[0] == pytest.approx(mean, abs=1e-12)
    assert got_var[0] == pytest.approx(second - mean**2, abs=1e-12)


@pytest.mark.parametrize("kind", ["leave_one_out", "same_batch", "separate_batch"])
def test_sampler_equals_the_plain_loops_on_the_same_draws(kind):
    n, dist, f = 5, pgviz.Gaussian(1.0, 1.0), pgviz.parse_cost("(x - 2)**2")
    terms = estimated_baseline_terms(f, dist, n, np.random.default_rng(1), kind)  # [N, P]
    rng = np.random.default_rng(1)
    samples = dist.sample(n, rng)
    extra = dist.sample(n, rng) if kind == "separate_batch" else samples
    f_values, f_extra = (samples - 2) ** 2, (extra - 2) ** 2
    scores = dist.score(samples)
    for j in range(2):
        assert terms[:, j].mean() == pytest.approx(_estimate(f_values, scores[:, j], kind, f_extra), abs=1e-12)


def test_same_batch_is_a_shrunk_leave_one_out_draw_for_draw():
    n, dist, f = 20, pgviz.Gaussian(1.0, 1.0), pgviz.parse_cost("(x - 2)**2")
    loo = estimated_baseline_estimates(f, dist, n, 50, np.random.default_rng(2), "leave_one_out")
    same = estimated_baseline_estimates(f, dist, n, 50, np.random.default_rng(2), "same_batch")
    np.testing.assert_allclose(same, (n - 1) / n * loo, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("kind", ["leave_one_out", "same_batch", "separate_batch"])
def test_gaussian_simulation_within_five_standard_errors(kind):
    n, repeats = 20, 20_000
    dist, f = pgviz.Gaussian(1.0, 1.0), pgviz.parse_cost("(x - 2)**2")
    estimates = estimated_baseline_estimates(f, dist, n, repeats, np.random.default_rng(3), kind)[:, 0]
    mean, variance = (v[0] for v in estimated_baseline_moments(f, dist, n, kind))
    assert abs(estimates.mean() - mean) < 5 * estimates.std(ddof=1) / np.sqrt(repeats)
    centred = estimates - estimates.mean()
    se_of_variance = np.sqrt(((centred**2 - variance) ** 2).mean() / repeats)
    assert abs(estimates.var(ddof=1) - variance) < 5 * se_of_variance


def test_bias_of_the_same_batch_baseline_is_one_over_n():
    dist, f = pgviz.Gaussian(1.0, 1.0), pgviz.parse_cost("(x - 2)**2")
    mean, _ = estimated_baseline_moments(f, dist, 10, "same_batch")
    np.testing.assert_allclose(mean, 0.9 * pgviz.exact_gradient(f, dist), rtol=1e-12)


def test_optimal_target_is_unbiased_when_left_out():
    n, repeats = 20, 20_000
    dist, f = pgviz.Gaussian(1.0, 1.0), pgviz.parse_cost("(x - 2)**2")
    estimates = estimated_baseline_estimates(f, dist, n, repeats, np.random.default_rng(4), target="optimal")
    se = estimates.std(0, ddof=1) / np.sqrt(repeats)
    assert np.all(np.abs(estimates.mean(0) - pgviz.exact_gradient(f, dist)) < 5 * se)


@pytest.mark.parametrize(
    "call, error",
    [
        (lambda: estimated_baseline_terms(x, BERNOULLI, 1, np.random.default_rng(0)), ValueError),
        (lambda: estimated_baseline_terms(x, BERNOULLI, 5, np.random.default_rng(0), kind="batch"), ValueError),
        (lambda: estimated_baseline_terms(x, BERNOULLI, 5, np.random.default_rng(0), target="median"), ValueError),
        (lambda: estimated_baseline_terms(x, BERNOULLI, 5, 0), TypeError),
        (lambda: estimated_baseline_estimates(x, BERNOULLI, 5, 0, np.random.default_rng(0)), ValueError),
        (lambda: estimated_baseline_moments(lambda v: v, BERNOULLI, 5), TypeError),
        (lambda: estimated_baseline_moments(x, "bernoulli", 5), TypeError),
    ],
)
def test_bad_arguments(call, error):
    with pytest.raises(error):
        call()
